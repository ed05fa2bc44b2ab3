"""An RNN must step; self-attention computes all positions at once. Measured, for lengths 8 → 256.

For one LSTM layer and one multi-head self-attention layer of the same width, on the same input
(batch, length, width), this counts what each records in the graph and times it:

- **ops**: the nodes of the recorded graph. The LSTM records a few ops per time step (hₜ needs
  hₜ₋₁), so its graph grows with the length; self-attention records the same handful of batched
  ops whatever the length: the length only makes its matrices bigger.
- **depth**: the longest chain of ops that must run one after another. This is what parallel
  hardware cannot shorten: the LSTM's grows with the length, self-attention's stays put.
- **forward / backward ms**: the median over ``--repeats`` runs. On a CPU with NumPy both pay
  for the arithmetic; the LSTM also pays Python's cost per op, once per step.

    python examples/parallelism.py --lengths 8,16,32,64,128,256 --out examples/out

prints the table and writes parallelism.png (ops, depth and time against length).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import minigrad as mg
from minigrad import nn
from models.attention import MultiHeadSelfAttention

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


def graph_size(output: mg.Tensor) -> tuple[int, int]:
    """(number of op nodes, length of the longest chain of ops) in the graph behind ``output``."""
    depth: dict[int, int] = {}
    order, stack, seen = [], [output.grad_fn], set()
    while stack:  # every node once, then each node's depth after all of its inputs' (no recursion)
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(t.grad_fn for t in node.inputs if isinstance(t, mg.Tensor))
    for node in sorted(order, key=lambda n: n.sequence):  # recorded order: inputs before the ops that use them
        below = [depth[id(t.grad_fn)] for t in node.inputs if isinstance(t, mg.Tensor) and t.grad_fn is not None]
        depth[id(node)] = 1 + max(below, default=0)
    return len(order), depth[id(output.grad_fn)]


def timed(run: Callable[[], None], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(layer: nn.Module, length: int, width: int, batch: int, repeats: int) -> dict[str, float]:
    x = mg.randn(batch, length, width, requires_grad=True)

    def forward() -> mg.Tensor:
        return layer(x)[0]  # both layers return (outputs, something else)

    ops, depth = graph_size(forward())
    forward_ms = timed(forward, repeats)
    outputs = [forward() for _ in range(repeats)]  # recorded before, so that only backward is timed
    backward_ms = timed(lambda: outputs.pop().sum().backward(), repeats)
    return {"ops": ops, "depth": depth, "forward ms": forward_ms, "backward ms": backward_ms}


def main(argv: list[str] | None = None) -> dict[str, dict[int, dict[str, float]]]:
    parser = argparse.ArgumentParser(description="Recorded ops, depth and time of an LSTM and of self-attention.")
    parser.add_argument("--lengths", default="8,16,32,64,128,256", help="comma-separated sequence lengths")
    parser.add_argument("--width", type=int, default=64, help="hidden size of the LSTM, embed_dim of attention")
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads (default 1: both layers on one core, and no waiting on a busy machine)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for parallelism.png (default: examples/out)")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)

    mg.manual_seed(0)
    mg.set_num_threads(args.threads)
    lengths = [int(n) for n in args.lengths.split(",")]
    layers = {"LSTM": nn.LSTM(args.width, args.width, batch_first=True),  # composed: one step after another
              "self-attention": MultiHeadSelfAttention(args.width, args.heads)}
    results = {name: {n: measure(layer, n, args.width, args.batch, args.repeats) for n in lengths}
               for name, layer in layers.items()}

    print(f"width {args.width}, batch {args.batch}, {args.heads} heads, {args.threads} BLAS thread(s); "
          f"median of {args.repeats}")
    print(f"{'length':>7} | {'LSTM ops':>8} {'depth':>6} {'fwd ms':>8} {'bwd ms':>8} | "
          f"{'attn ops':>8} {'depth':>6} {'fwd ms':>8} {'bwd ms':>8}")
    for n in lengths:
        lstm, attention = results["LSTM"][n], results["self-attention"][n]
        print(f"{n:>7} | {lstm['ops']:>8} {lstm['depth']:>6} {lstm['forward ms']:>8.1f} {lstm['backward ms']:>8.1f} | "
              f"{attention['ops']:>8} {attention['depth']:>6} {attention['forward ms']:>8.1f} "
              f"{attention['backward ms']:>8.1f}")
    if not args.no_plot:
        path = plot(results, lengths, args.out)
        print(f"wrote {path}")
    return results


def plot(results: dict[str, dict[int, dict[str, float]]], lengths: list[int], out: Path) -> Path:
    import matplotlib  # noqa: PLC0415 - plotting is optional

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for name, marker in (("LSTM", "o"), ("self-attention", "s")):
        for axis, key in zip(axes, ("ops", "depth", "forward ms")):
            axis.plot(lengths, [results[name][n][key] for n in lengths], marker=marker, label=name)
    for axis, title in zip(axes, ("recorded ops", "longest chain of ops", "forward time (ms)")):
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("sequence length")
        axis.set_title(title)
        axis.legend()
    figure.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "parallelism.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


if __name__ == "__main__":
    main()
