"""Attention before attention: Nadaraya–Watson kernel regression (1964) as a weighted average.

Given training pairs (xᵢ, yᵢ), predict at a query x by averaging the yᵢ, weighted by how close
xᵢ is to x:

    ŷ(x) = Σᵢ α(x, xᵢ) yᵢ,      α(x, xᵢ) = softmax over i of  -((x - xᵢ) w)² / 2

This is attention: x is the query, the xᵢ are the keys, the yᵢ the values, and the score is a
(negative squared) distance. With w = 1 it is a fixed Gaussian kernel. Here w is also *learned*,
by gradient descent with minigrad, on the leave-one-out loss: each training point is predicted
from all the others (its own key masked out), since with itself in the average a narrow enough
kernel would just copy yᵢ back.

The data are y = 2 sin x + x^0.8 + noise on [0, 5]. The example prints the losses, and saves a
plot: truth, data, the fixed-kernel and the learned-kernel fits, and the two attention weight
matrices (test queries × training keys) as heatmaps.

    python examples/kernel_regression.py --steps 60 --out examples/out
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import minigrad as mg
from minigrad import nn, optim
from models.attention import masked_softmax

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


def truth(xs: list[float]) -> list[float]:
    """The function to fit: f(x) = 2 sin x + x^0.8."""
    return [2 * math.sin(x) + x**0.8 for x in xs]


def kernel_regression(queries: mg.Tensor, keys: mg.Tensor, values: mg.Tensor, width: mg.Tensor,
                      mask: mg.Tensor | None = None) -> tuple[mg.Tensor, mg.Tensor]:
    """ŷ = softmax(-((query - key) w)² / 2) @ values: returns (predictions (m,), weights (m, n))."""
    distances = queries.unsqueeze(1) - keys.unsqueeze(0)  # (m queries, n keys)
    scores = -((distances * width) ** 2) / 2
    weights = masked_softmax(scores, mask)  # each row sums to 1 over the keys that are not masked
    return weights @ values, weights


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Nadaraya–Watson kernel regression with a learned kernel width.")
    parser.add_argument("--steps", type=int, default=60, help="gradient steps for the width w (default: 60)")
    parser.add_argument("--lr", type=float, default=2.0, help="SGD learning rate (default: 2.0)")
    parser.add_argument("--train-size", type=int, default=50, help="training points (default: 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu, strict or cuda (default: cpu)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the plot (default: examples/out)")
    args = parser.parse_args(argv)
    device, n = args.device, args.train_size

    # data: sorted x (so that the heatmaps read left to right), noisy y, and a clean test grid
    mg.manual_seed(args.seed)
    train_x = sorted((mg.rand(n) * 5).tolist())
    keys = mg.tensor(train_x, device=device)
    values = mg.tensor(truth(train_x), device=device) + 0.5 * mg.randn(n, device=device)
    test_x = [i / 10 for i in range(50)]
    queries, test_y = mg.tensor(test_x, device=device), mg.tensor(truth(test_x), device=device)
    positions = mg.arange(n, device=device)
    leave_one_out = positions.unsqueeze(1) != positions.unsqueeze(0)  # (n, n): False on the diagonal

    def losses(width: mg.Tensor) -> tuple[mg.Tensor, float]:
        """(leave-one-out MSE on the training points, MSE against the truth on the test grid)."""
        predicted, _ = kernel_regression(keys, keys, values, width, mask=leave_one_out)
        with mg.no_grad():
            on_test, _ = kernel_regression(queries, keys, values, width)
        return ((predicted - values) ** 2).mean(), ((on_test - test_y) ** 2).mean().item()

    fixed = mg.tensor(1.0, device=device)
    fixed_loss, fixed_test = losses(fixed)
    print(f"fixed kernel (w = 1): leave-one-out loss {fixed_loss.item():.4f}, test MSE {fixed_test:.4f}")

    width = nn.Parameter(mg.tensor(1.0, device=device))  # the one learned number
    optimizer = optim.SGD([width], lr=args.lr)
    for step in range(1, args.steps + 1):
        loss, _ = losses(width)
        if step == 1 or step % max(args.steps // 6, 1) == 0:
            print(f"  step {step:4d}: w = {width.item():.3f}, leave-one-out loss {loss.item():.4f}")
        optimizer.zero_grad()
        loss.backward()  # d loss / d w, through the softmax and the squared distances
        optimizer.step()
    learned_loss, learned_test = losses(width.detach())
    print(f"learned kernel (w = {width.item():.3f}): leave-one-out loss {learned_loss.item():.4f}, "
          f"test MSE {learned_test:.4f}")
    print("the learned kernel is narrower: each prediction averages fewer, closer neighbours"
          if width.item() > 1 else "the learned kernel is wider than the fixed one")

    with mg.no_grad():
        fits = {name: kernel_regression(queries, keys, values, w) for name, w in
                (("fixed, w = 1", fixed), (f"learned, w = {width.item():.2f}", width))}
    path = plot(args.out / "kernel_regression.png", train_x, values.tolist(), test_x, test_y.tolist(), fits)
    print(f"plot written to {path.resolve()}")


def plot(path: Path, train_x: list[float], train_y: list[float], test_x: list[float], test_y: list[float],
         fits: dict[str, tuple[mg.Tensor, mg.Tensor]]) -> Path:
    """The fits on the left; each fit's attention weights (test queries × training keys) beside it."""
    import matplotlib  # noqa: PLC0415 - only this function needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(1, 1 + len(fits), figsize=(5 + 4 * len(fits), 4))
    axes[0].plot(test_x, test_y, "k-", label="truth 2 sin x + x^0.8")
    axes[0].plot(train_x, train_y, "o", color="grey", alpha=0.5, markersize=4, label="data")
    for name, (predicted, _) in fits.items():
        axes[0].plot(test_x, predicted.tolist(), label=name)
    axes[0].set(xlabel="x", ylabel="y", title="kernel regression")
    axes[0].legend(fontsize=8)
    for axis, (name, (_, weights)) in zip(axes[1:], fits.items()):
        # one cell per (query, key), placed at their x values: keys along x, queries down y
        image = axis.pcolormesh(train_x, test_x, weights.tolist(), cmap="viridis", shading="nearest")
        axis.invert_yaxis()
        axis.set(xlabel="training key xᵢ", ylabel="test query x", title=f"attention weights α ({name})")
        figure.colorbar(image, ax=axis, fraction=0.046, pad=0.04)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


if __name__ == "__main__":
    main()
