"""Task 11, solved: attend with sᵢ as the query, join [cᵢ; sᵢ], squash, and read the logits from h̃ᵢ."""

from __future__ import annotations

import minigrad as mg
from minigrad.learn.mine import attend, dot_score


def luong_step(s: mg.Tensor, encoder_states: mg.Tensor, mask: mg.Tensor, w_c: mg.Tensor, w_o: mg.Tensor,
               b_o: mg.Tensor) -> tuple[mg.Tensor, mg.Tensor, mg.Tensor]:
    """(logits (batch, vocab), h̃ (batch, H), weights α (batch, src_len)); w_c: (H, 2H), w_o: (vocab, H)."""
    query = s.unsqueeze(1)  # (batch, 1, H): one query per sentence
    context, weights = attend(dot_score(query, encoder_states), encoder_states, mask)
    context, weights = context.squeeze(1), weights.squeeze(1)  # (batch, H), (batch, src_len)
    attentional = (mg.concat([context, s], axis=-1) @ w_c.T).tanh()  # h̃ = tanh(W_c [c; s])
    return attentional @ w_o.T + b_o, attentional, weights
