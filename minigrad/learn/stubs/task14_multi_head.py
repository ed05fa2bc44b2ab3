"""Task 14: multi-head attention, on queries, keys and values already projected.

Read: docs/attention.md (§ 4. Self-attention: Q, K and V from one sequence) and
notebooks/02_attention_step.py. Check: minigrad-learn check 14

Q (batch, tgt_len, E), K and V (batch, src_len, E) are cut into ``num_heads`` heads of size
d = E / num_heads: each position's vector of E numbers is num_heads vectors of d numbers, so
(batch, len, E) becomes (batch, len, heads, d) and then (batch, heads, len, d). Each head attends
on its own, all at once:

    weights = softmax(Q Kᵀ / √d)    (batch, heads, tgt_len, src_len), d the head size
    context = weights V             (batch, heads, tgt_len, d)

and the heads' contexts are joined back to (batch, tgt_len, E), head after head at each position.
``mask`` (True = attend), if given, is (batch or 1, tgt_len or 1, src_len) and is shared by the
heads. ``scaled_dot_score`` (task 9) and ``attend`` (task 10) are yours to use.
"""

from __future__ import annotations

import minigrad as mg
from minigrad.learn.mine import attend, scaled_dot_score  # noqa: F401 (tasks 9 and 10)


def multi_head_attention(query: mg.Tensor, keys: mg.Tensor, values: mg.Tensor, num_heads: int,
                         mask: mg.Tensor | None = None) -> tuple[mg.Tensor, mg.Tensor]:
    """(context (batch, tgt_len, E), weights (batch, heads, tgt_len, src_len))."""
    raise NotImplementedError
