"""Task 14, solved: split E into heads, attend per head with a shared mask, join the heads back."""

from __future__ import annotations

import minigrad as mg
from minigrad.learn.mine import attend, scaled_dot_score


def multi_head_attention(query: mg.Tensor, keys: mg.Tensor, values: mg.Tensor, num_heads: int,
                         mask: mg.Tensor | None = None) -> tuple[mg.Tensor, mg.Tensor]:
    """(context (batch, tgt_len, E), weights (batch, heads, tgt_len, src_len))."""
    batch, tgt_len, size = query.shape
    head_size = size // num_heads

    def heads(x: mg.Tensor) -> mg.Tensor:  # (batch, len, E) -> (batch, heads, len, d)
        return x.reshape(batch, x.shape[1], num_heads, head_size).swapaxes(1, 2)

    scores = scaled_dot_score(heads(query), heads(keys))  # (batch, heads, tgt_len, src_len), ÷ √d
    shared = None if mask is None else mask.unsqueeze(1)  # the heads' axis
    context, weights = attend(scores, heads(values), shared)
    return context.swapaxes(1, 2).reshape(batch, tgt_len, size), weights
