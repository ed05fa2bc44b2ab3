"""The attention notes' worked example, step by step: two queries, two keys, two values.

    Q = [[1, 0],      K = [[1, 0],      V = [[1, 1],
         [0, 1]]           [1, 1]]           [0, 0]]

    scores  = Q Kᵀ              = [[1, 1], [0, 1]]
    weights = softmax(each row) = [[0.5, 0.5], [0.2689, 0.7311]]     (e⁰/(e⁰+e¹) = 1/(1+e) = 0.2689)
    output  = weights V         = [[0.5, 0.5], [0.2689, 0.2689]]

Each step is computed with plain minigrad ops and printed; then the same inputs go through
``models.attention.Attention("dot")``, and the two must agree.

    python examples/worked_example.py --device cpu
"""

from __future__ import annotations

import argparse
import math

import minigrad as mg
from models.attention import Attention


def show(name: str, matrix: mg.Tensor) -> None:
    """Print a matrix one row per line, four decimals."""
    rows = matrix.tolist()
    print(f"{name} =")
    for row in rows:
        print("    [" + ", ".join(f"{value:.4f}" for value in row) + "]")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The notes' worked example of dot-product attention.")
    parser.add_argument("--device", default="cpu", help="cpu, strict or cuda (default: cpu)")
    args = parser.parse_args(argv)

    queries = mg.tensor([[1.0, 0.0], [0.0, 1.0]], device=args.device)  # Q: one query per row
    keys = mg.tensor([[1.0, 0.0], [1.0, 1.0]], device=args.device)  # K: one key per row
    values = mg.tensor([[1.0, 1.0], [0.0, 0.0]], device=args.device)  # V: one value per row

    print("1. scores eᵢⱼ = qᵢ · kⱼ, all at once: Q Kᵀ")
    scores = queries @ keys.T  # (2 queries, 2 keys)
    show("scores", scores)

    print("2. weights αᵢⱼ = exp(eᵢⱼ) / Σₖ exp(eᵢₖ), a softmax along each row")
    weights = scores.softmax(axis=-1)
    show("weights", weights)
    print(f"   row 2 by hand: e⁰/(e⁰ + e¹) = {1 / (1 + math.e):.4f}, e¹/(e⁰ + e¹) = {math.e / (1 + math.e):.4f}")

    print("3. output cᵢ = Σⱼ αᵢⱼ vⱼ, a weighted average of the values: weights V")
    output = weights @ values
    show("output", output)

    print("4. the same through models.attention.Attention('dot') (batched: a batch of one)")
    attention = Attention("dot")
    context, module_weights = attention(queries.unsqueeze(0), keys.unsqueeze(0), values.unsqueeze(0))
    show("Attention weights", module_weights[0])
    show("Attention context", context[0])

    difference = max((module_weights[0] - weights).abs().max().item(), (context[0] - output).abs().max().item())
    if difference > 1e-6:
        raise SystemExit(f"worked_example.py: plain ops and Attention differ by {difference:.3g}")
    print(f"plain ops and Attention('dot') agree (largest difference {difference:.1g})")


if __name__ == "__main__":
    main()
