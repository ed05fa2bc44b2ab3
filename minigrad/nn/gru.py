"""The GRU: one cell (one time step), and the layer that runs it over whole sequences.

Composed from the basic ops, like the reference LSTM (``nn.LSTM(..., fused=False)``), with
PyTorch's gate order (r, z, n), parameter names and shapes, so a ``torch.nn.GRU`` state dict
loads as it is.
"""

from __future__ import annotations

from typing import Any

from minigrad.backend import Device
from minigrad.creation import zeros
from minigrad.functional import split, stack, unbind, where
from minigrad.nn.module import Module
from minigrad.nn.rnn import LSTM, StackedRecurrent, recurrent_parameters
from minigrad.tensor import Tensor


def gru_step(gates_in: Tensor, h: Tensor, weight_hh: Tensor, bias_hh: Tensor | None) -> Tensor:
    """One GRU step, given the part of the gates that comes from the input, x W_ihᵀ + b_ih (batch, 3H).

    ``weight_hh`` is (3H, H). The candidate's recurrent part is gated by r *after* its bias,
    as in torch: n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)).
    """
    gates_h = h @ weight_hh.T  # (batch, 3H)
    if bias_hh is not None:
        gates_h = gates_h + bias_hh
    hidden = h.shape[-1]
    reset_in, update_in, candidate_in = split(gates_in, hidden, axis=-1)
    reset_h, update_h, candidate_h = split(gates_h, hidden, axis=-1)
    reset = (reset_in + reset_h).sigmoid()
    update = (update_in + update_h).sigmoid()
    candidate = (candidate_in + reset * candidate_h).tanh()
    return (1 - update) * candidate + update * h


class GRUCell(Module):
    """One step of a GRU, on a batch:

        r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr)          reset gate
        z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)          update gate
        n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn))  candidate
        h' = (1 - z) ⊙ n + z ⊙ h

    ``weight_ih`` stacks W_ir, W_iz, W_in into (3H, input_size), ``weight_hh`` the W_h* into
    (3H, H), and ``bias_ih``, ``bias_hh`` are (3H,). All start in U(-1/√H, 1/√H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: str | Device | None = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        recurrent_parameters(self, 3, input_size, hidden_size, bias, device, dtype)

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        """h' from x of shape (batch, input_size) and h of (batch, H) (zeros if None); unbatched (input_size,)
        and (H,) as torch takes them."""
        if x.ndim == 1:  # one example, no batch axis
            return self.forward(x.unsqueeze(0), None if h is None else h.unsqueeze(0)).squeeze(0)
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"GRUCell: expected input of shape (batch, {self.input_size}), got {x.shape}")
        expected = (x.shape[0], self.hidden_size)
        if h is None:
            h = zeros(expected, dtype=x.dtype, device=x.device)
        elif h.shape != expected:
            raise ValueError(f"GRUCell: expected h of shape {expected}, got {h.shape}")
        gates_in = x @ self.weight_ih.T
        if self.bias_ih is not None:
            gates_in = gates_in + self.bias_ih
        return gru_step(gates_in, h, self.weight_hh, self.bias_hh)

    def extra_repr(self) -> str:
        bias = "" if self.bias_ih is not None else ", bias=False"
        return f"{self.input_size}, {self.hidden_size}{bias}"


class GRU(StackedRecurrent):
    """A (stacked, optionally bidirectional) GRU over whole sequences; see :class:`GRUCell`.

    As torch's: input (seq, batch, input_size), or (batch, seq, input_size) with
    ``batch_first=True``; returns ``outputs, h_n`` with h_n of (num_layers·D, batch, H).
    Padding (``mask`` or ``lengths``) works as in :class:`~minigrad.nn.LSTM`: the state is
    carried over at padded steps, and the outputs there are zero.
    """

    name, gates = "GRU", 3

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: str | Device | None = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device,
                         dtype)

    def forward(self, x: Tensor, h_0: Tensor | None = None, mask: Any = None,
                lengths: Any = None) -> tuple[Tensor, Tensor]:
        """outputs (seq, batch, D·H) (batch first if so built) and h_n (num_layers·D, batch, H)."""
        if x.ndim == 2:  # one sequence, no batch axis
            return self._unbatched(x, h_0, mask, lengths)
        x = self._time_major(x)
        steps, batch = x.shape[0], x.shape[1]
        padding = LSTM._padding_mask(mask, lengths, batch, steps, x.device)
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if h_0 is None:
            h_0 = zeros(expected, dtype=x.dtype, device=x.device)
        elif h_0.shape != expected:
            raise ValueError(f"GRU: expected h_0 of shape (num_layers·directions, batch, hidden) = {expected}, "
                             f"got {h_0.shape}")
        x, finals = self._run_layers(x, lambda k: h_0[k], padding)
        return x, stack(finals)

    def _run_direction(self, x: Tensor, suffix: str, h: Tensor, padding: Tensor | None,
                       reverse: bool) -> tuple[Tensor, Tensor]:
        """One layer, one direction, over time-major x (seq, batch, in): outputs (seq, batch, H), final h."""
        weight_ih, weight_hh = getattr(self, f"weight_ih{suffix}"), getattr(self, f"weight_hh{suffix}")
        bias_ih = getattr(self, f"bias_ih{suffix}") if self.bias else None
        bias_hh = getattr(self, f"bias_hh{suffix}") if self.bias else None
        steps, batch, features = x.shape
        gates_in = (x.reshape(steps * batch, features) @ weight_ih.T).reshape(steps, batch, 3 * self.hidden_size)
        if bias_ih is not None:
            gates_in = gates_in + bias_ih
        step_gates = unbind(gates_in, 0)
        outputs = []
        for t in reversed(range(steps)) if reverse else range(steps):
            h_new = gru_step(step_gates[t], h, weight_hh, bias_hh)
            if padding is None:
                h = h_new
                outputs.append(h)
            else:
                real = padding[:, t].reshape(batch, 1)  # True where this step is a real token
                h = where(real, h_new, h)
                outputs.append(where(real, h_new, 0.0))
        if reverse:
            outputs.reverse()
        return stack(outputs), h
