"""Task 11: one step of a Luong attention decoder, after its LSTM step.

Read: docs/attention.md (§ 2. One attention step) and notebooks/02_attention_step.py.
Check: minigrad-learn check 11

The decoder's LSTM has just given its state sᵢ (batch, H). With the encoder's states
H = h₁ … h_T (batch, src_len, H) as keys and values:

    cᵢ, αᵢ = attention(query = sᵢ, keys = values = H), with the dot score
    h̃ᵢ     = tanh(W_c [cᵢ; sᵢ])          the attentional state; [;] joins along the last axis
    logits = W_o h̃ᵢ + b_o                (batch, vocab)

``dot_score`` is yours from task 9 and ``attend`` from task 10 (or the reference's until those
pass); they work on (batch, tgt_len, ...) queries, so give sᵢ a tgt_len of 1 (``s.unsqueeze(1)``)
and take it away again (``.squeeze(1)``). ``mg.concat([a, b], axis=-1)`` joins.
"""

from __future__ import annotations

import minigrad as mg
from minigrad.learn.mine import attend, dot_score  # noqa: F401 (tasks 9 and 10)


def luong_step(s: mg.Tensor, encoder_states: mg.Tensor, mask: mg.Tensor, w_c: mg.Tensor, w_o: mg.Tensor,
               b_o: mg.Tensor) -> tuple[mg.Tensor, mg.Tensor, mg.Tensor]:
    """(logits (batch, vocab), h̃ (batch, H), weights α (batch, src_len)); w_c: (H, 2H), w_o: (vocab, H)."""
    raise NotImplementedError
