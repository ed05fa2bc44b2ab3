"""Task 8, solved: one LSTM step from matmuls, a chunk, three sigmoids and two tanhs."""

from __future__ import annotations

import minigrad as mg


def lstm_cell(x: mg.Tensor, h: mg.Tensor, c: mg.Tensor, weight_ih: mg.Tensor, weight_hh: mg.Tensor,
              bias: mg.Tensor) -> tuple[mg.Tensor, mg.Tensor]:
    """(h', c') from x (batch, I), h and c (batch, H), weight_ih (4H, I), weight_hh (4H, H), bias (4H,)."""
    gates = x @ weight_ih.T + h @ weight_hh.T + bias  # (batch, 4H)
    i, f, g, o = gates.chunk(4, axis=-1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c_next = f * c + i * g
    h_next = o * c_next.tanh()
    return h_next, c_next
