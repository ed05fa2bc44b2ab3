"""The five score functions of ``models/attention.py``, on one query and the same four keys.

    dot          q · k                    scaled_dot   q · k / √d
    general      qᵀ W k                   additive     vᵀ tanh(W_q q + W_k k + b)
    cosine       q · k / (‖q‖ ‖k‖)

The keys are chosen to tell them apart: k1 is the query itself, k2 the query three times as
long, k3 at right angles to it, k4 its opposite. Dot prefers the long k2; scaling by √d softens
that; cosine sees only direction, so k1 and k2 tie. General and additive learn their W (here
freshly initialised, from ``--seed``), so their preferences are arbitrary until trained.
The weights in each row are softmax(scores) and sum to 1.

    python examples/score_functions.py --seed 0
"""

from __future__ import annotations

import argparse

import minigrad as mg
from models.attention import SCORES, Attention

QUERY = [1.0, 1.0, 0.0, 0.0]
KEYS = {  # name: (key, how it relates to the query)
    "k1": ([1.0, 1.0, 0.0, 0.0], "the query itself"),
    "k2": ([3.0, 3.0, 0.0, 0.0], "the query, 3 times as long"),
    "k3": ([0.0, 0.0, 1.0, 1.0], "at right angles to the query"),
    "k4": ([-1.0, -1.0, 0.0, 0.0], "opposite to the query"),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="All five attention scores, side by side, on one query.")
    parser.add_argument("--seed", type=int, default=0, help="initialises the general and additive weights")
    parser.add_argument("--device", default="cpu", help="cpu, strict or cuda (default: cpu)")
    args = parser.parse_args(argv)

    mg.manual_seed(args.seed)
    size = len(QUERY)
    query = mg.tensor([QUERY], device=args.device)  # (batch 1, size): a single query
    keys = mg.tensor([[key for key, _ in KEYS.values()]], device=args.device)  # (batch 1, 4 keys, size)
    print(f"query q  = {QUERY}")
    for name, (key, relation) in KEYS.items():
        print(f"key {name:4} = {str(key):22} {relation}")

    column, width = 8, 8 * len(KEYS)
    header = "".join(f"{name:>{column}}" for name in KEYS)
    print(f"\n{'score':<11}|{'scores e(q, k)':^{width}} |{'weights α = softmax(e)':^{width}}")
    print(f"{'':<11}|{header} |{header}")
    print("-" * (14 + 2 * width))
    formulas = []
    for score in SCORES:
        attention = Attention(score, query_size=size, key_size=size, device=args.device)
        with mg.no_grad():
            scores = attention.score(query.unsqueeze(1), keys)[0, 0]  # (4,): one score per key
            _, weights = attention(query, keys)  # (1, 4)
        row_scores = "".join(f"{value:{column}.3f}" for value in scores.tolist())
        row_weights = "".join(f"{value:{column}.3f}" for value in weights[0].tolist())
        print(f"{score:<11}|{row_scores} |{row_weights}")
        formulas.append(f"  {score:<11} {type(attention.score).__doc__.splitlines()[0]}")
    print("\nthe formulas, from each score module's docstring:")
    print("\n".join(formulas))


if __name__ == "__main__":
    main()
