"""Task 8: one LSTM step, composed from minigrad's ops.

Read: docs/autograd.md (§ The LSTM: composed from these ops, and its fused twin) and
notebooks/04_bottleneck.py. Check: minigrad-learn check 8

From here on you write with minigrad tensors (``import minigrad as mg``): their backward is
minigrad's, so the gradient comes for free as long as every step is a minigrad op. With H the
hidden size, the four gates come from one matmul each for x and h:

    gates = x W_ihᵀ + h W_hhᵀ + bias            (batch, 4H), cut in four (batch, H): i, f, g, o
    i = σ(gates_i)   f = σ(gates_f)   g = tanh(gates_g)   o = σ(gates_o)
    c' = f ⊙ c + i ⊙ g
    h' = o ⊙ tanh(c')

(the gates in PyTorch's order, i, f, g, o; ``tensor.chunk(4, axis=-1)`` cuts, ``.sigmoid()`` and
``.tanh()`` squash.)
"""

from __future__ import annotations

import minigrad as mg


def lstm_cell(x: mg.Tensor, h: mg.Tensor, c: mg.Tensor, weight_ih: mg.Tensor, weight_hh: mg.Tensor,
              bias: mg.Tensor) -> tuple[mg.Tensor, mg.Tensor]:
    """(h', c') from x (batch, I), h and c (batch, H), weight_ih (4H, I), weight_hh (4H, H), bias (4H,)."""
    raise NotImplementedError
