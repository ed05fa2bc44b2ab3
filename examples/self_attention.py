"""Self-attention on one sentence: queries, keys and values all come from the same tokens.

For token embeddings X (len × d), each head computes

    Q = X W_Q,  K = X W_K,  V = X W_V,   weights = softmax(Q Kᵀ / √d_head),   output = weights V

with ``models.attention.MultiHeadSelfAttention``. The embeddings are seeded random vectors, and
W_Q = W_K = I (the identity), so that the untrained picture still means something: the score of
tokens i and j is then just the similarity of their embeddings, and each token looks mostly at
itself and at other copies of itself ("the" … "the"). Training would learn W_Q, W_K instead.

The point of the second half: the len × len weights of every position come out of *one* batched
matmul, because no row depends on another. The same rows computed position by position, the way
an RNN has to step (hₜ needs hₜ₋₁), give the same numbers with len × heads small matmuls.

    python examples/self_attention.py --heads 2 --out examples/out

writes self_attention.png (the weights, averaged over heads, as a heatmap).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import minigrad as mg
from models.attention import MultiHeadSelfAttention
from models.heatmap import draw_attention

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
SENTENCE = "the animal did not cross the street because it was too tired"


def identity(size: int) -> list[list[float]]:
    return [[float(i == j) for j in range(size)] for i in range(size)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Multi-head self-attention on a sentence, drawn as a heatmap.")
    parser.add_argument("--sentence", default=SENTENCE, help="the words to attend over")
    parser.add_argument("--embed-dim", type=int, default=16, help="embedding size d (default: 16)")
    parser.add_argument("--heads", type=int, default=2, help="number of heads; must divide d (default: 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu, strict or cuda (default: cpu)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the heatmap (default: examples/out)")
    args = parser.parse_args(argv)

    mg.manual_seed(args.seed)
    tokens = args.sentence.split()
    vocabulary = sorted(set(tokens))
    ids = mg.tensor([[vocabulary.index(token) for token in tokens]], device=args.device)  # (1, len)
    table = mg.randn(len(vocabulary), args.embed_dim, device=args.device)  # one random vector per word
    x = mg.embedding(ids, table)  # (batch 1, len, d); a repeated word gets the same vector

    attention = MultiHeadSelfAttention(args.embed_dim, args.heads, device=args.device)
    eye, zero = identity(args.embed_dim), [0.0] * args.embed_dim
    attention.load_state_dict({"q_proj.weight": eye, "q_proj.bias": zero,
                               "k_proj.weight": eye, "k_proj.bias": zero}, strict=False)

    with mg.no_grad():
        output, weights = attention(x)  # (1, len, d), (1, heads, len, len): every position at once
    print(f"{len(tokens)} tokens, d = {args.embed_dim}, {args.heads} heads: "
          f"output {output.shape}, weights {weights.shape}")

    mean_weights = weights[0].mean(axis=0)  # (len, len), averaged over heads
    print("where each token looks most (weights averaged over heads):")
    for token, row in zip(tokens, mean_weights.tolist()):
        ranked = sorted(range(len(row)), key=lambda j: -row[j])[:2]
        looks = ", ".join(f"{tokens[j]!r} ({j}) {row[j]:.2f}" for j in ranked)
        print(f"  {token:>8} -> {looks}")

    # The same weights, one query position (and head) at a time: what stepping would cost.
    head_size = args.embed_dim // args.heads
    with mg.no_grad():
        queries, keys = attention.q_proj(x)[0], attention.k_proj(x)[0]  # (len, d) each
        largest, matmuls = 0.0, 0
        for head in range(args.heads):
            columns = slice(head * head_size, (head + 1) * head_size)
            for i in range(len(tokens)):
                scores = queries[i, columns] @ keys[:, columns].T / math.sqrt(head_size)  # (len,)
                matmuls += 1
                row = scores.softmax(axis=-1)
                largest = max(largest, (row - weights[0, head, i]).abs().max().item())
    print(f"scores in the module: 1 batched matmul, Q (1, {args.heads}, {len(tokens)}, {head_size}) "
          f"@ Kᵀ (1, {args.heads}, {head_size}, {len(tokens)})")
    print(f"scores position by position: {matmuls} matmuls (one per query and head), "
          f"same weights (largest difference {largest:.1g})")
    if largest > 1e-5:
        raise SystemExit(f"self_attention.py: the loop and the batched matmul differ by {largest:.3g}")

    path = draw_attention(mean_weights.tolist(), tokens, tokens, args.out / "self_attention.png",
                          title=f"self-attention, W_Q = W_K = I (mean of {args.heads} heads)")
    print(f"heatmap written to {path.resolve()}")


if __name__ == "__main__":
    main()
