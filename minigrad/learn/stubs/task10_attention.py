"""Task 10: masked attention weights and the context vector.

Read: docs/attention.md (§ 2. One attention step) and notebooks/02_attention_step.py.
Check: minigrad-learn check 10

From the scores e (batch, tgt_len, src_len) and the values V (batch, src_len, v):

    weights   αᵢⱼ = exp(eᵢⱼ) / Σₖ exp(eᵢₖ)      a softmax over the keys j, for each query i
    context   cᵢ  = Σⱼ αᵢⱼ Vⱼ                   (batch, tgt_len, v)

``mask`` (True = attend) hides keys: a padding mask (batch, src_len) hides the same keys from
every query, a mask (batch or 1, tgt_len, src_len) hides keys per query. A hidden key must get a
weight of exactly 0, and each query's weights must still sum to 1. (``t.masked_fill(where,
value)``, ``~mask``, ``t.softmax(axis=...)``, ``x.unsqueeze(axis)`` are there for you.)
"""

from __future__ import annotations

import minigrad as mg


def attend(scores: mg.Tensor, values: mg.Tensor, mask: mg.Tensor | None = None) -> tuple[mg.Tensor, mg.Tensor]:
    """(context (batch, tgt_len, v), weights (batch, tgt_len, src_len))."""
    raise NotImplementedError
