"""The LSTM: one cell (one time step), and the layer that runs it over whole sequences.

Both use PyTorch's gate order (i, f, g, o), parameter names and shapes, so a
``torch.nn.LSTM`` state dict loads as it is.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.backend import Device
from minigrad.creation import arange, tensor, zeros
from minigrad.fast.lstm import LSTMRecurrence
from minigrad.functional import concat, dropout, split, stack, unbind, where
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

State = tuple[Tensor, Tensor]  # (h, c)


def lstm_step(gates_in: Tensor, h: Tensor, c: Tensor, weight_hh_t: Tensor) -> State:
    """One LSTM step, given the part of the gates that comes from the input.

    ``gates_in`` is x W_ihᵀ + b_ih + b_hh, shape (batch, 4H); ``weight_hh_t`` is W_hhᵀ, (H, 4H).
    All four gates come from one matmul, then are cut apart by slicing.
    """
    gates = gates_in + h @ weight_hh_t  # (batch, 4H)
    input_gate, forget_gate, candidate, output_gate = split(gates, h.shape[-1], axis=-1)
    input_gate, forget_gate, candidate, output_gate = (
        input_gate.sigmoid(), forget_gate.sigmoid(), candidate.tanh(), output_gate.sigmoid()
    )
    c = forget_gate * c + input_gate * candidate
    h = output_gate * c.tanh()
    return h, c


def recurrent_parameters(module: Module, gates: int, input_size: int, hidden_size: int, bias: bool,
                         device: str | Device | None, dtype: Any, suffix: str = "") -> None:
    """Register ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` (+ ``suffix``) as torch lays them out.

    The weights stack the ``gates`` gates: (gates·H, input_size) and (gates·H, H); the biases are
    (gates·H,), or None without ``bias``. All start in U(-1/√H, 1/√H), as in PyTorch.
    """
    bound = 1 / math.sqrt(hidden_size)
    module.register_parameter(f"weight_ih{suffix}", init.uniform((gates * hidden_size, input_size), bound, device,
                                                                 dtype))
    module.register_parameter(f"weight_hh{suffix}", init.uniform((gates * hidden_size, hidden_size), bound, device,
                                                                 dtype))
    for name in ("bias_ih", "bias_hh"):
        module.register_parameter(f"{name}{suffix}",
                                  init.uniform((gates * hidden_size,), bound, device, dtype) if bias else None)


class LSTMCell(Module):
    """One step of an LSTM, on a batch:

        i = σ(x W_iiᵀ + b_ii + h W_hiᵀ + b_hi)      input gate
        f = σ(x W_ifᵀ + b_if + h W_hfᵀ + b_hf)      forget gate
        g = tanh(x W_igᵀ + b_ig + h W_hgᵀ + b_hg)   candidate cell
        o = σ(x W_ioᵀ + b_io + h W_hoᵀ + b_ho)      output gate
        c' = f ⊙ c + i ⊙ g
        h' = o ⊙ tanh(c')

    ``weight_ih`` stacks W_ii, W_if, W_ig, W_io into (4H, input_size), ``weight_hh`` the
    W_h* into (4H, H), and ``bias_ih``, ``bias_hh`` are (4H,). All start in U(-1/√H, 1/√H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: str | Device | None = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        recurrent_parameters(self, 4, input_size, hidden_size, bias, device, dtype)

    def forward(self, x: Tensor, state: State | None = None) -> State:
        """(h', c') from x of shape (batch, input_size) and state (h, c), each (batch, H) (zeros if None);
        unbatched (input_size,) and (H,) as torch takes them."""
        if x.ndim == 1:  # one example, no batch axis
            batched = None if state is None else tuple(s.unsqueeze(0) for s in state)
            h, c = self.forward(x.unsqueeze(0), batched)
            return h.squeeze(0), c.squeeze(0)
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"LSTMCell: expected input of shape (batch, {self.input_size}), got {x.shape}")
        expected = (x.shape[0], self.hidden_size)
        if state is None:
            h = c = zeros(expected, dtype=x.dtype, device=x.device)
        else:
            h, c = state
            if h.shape != expected or c.shape != expected:
                raise ValueError(f"LSTMCell: expected h and c of shape {expected}, got {h.shape} and {c.shape}")
        gates_in = x @ self.weight_ih.T
        if self.bias_ih is not None:
            gates_in = gates_in + (self.bias_ih + self.bias_hh)
        return lstm_step(gates_in, h, c, self.weight_hh.T)

    def extra_repr(self) -> str:
        bias = "" if self.bias_ih is not None else ", bias=False"
        return f"{self.input_size}, {self.hidden_size}{bias}"


class StackedRecurrent(Module):
    """What :class:`LSTM` and :class:`~minigrad.nn.GRU` share: the stack of layers and directions.

    A subclass names its cell (``name``) and gate count (``gates``) and runs one layer in one
    direction (``_run_direction(x, suffix, state, padding, reverse) -> (outputs, final state)``);
    this class builds the parameters, checks the input, feeds each layer the one below (dropout
    between them) and concatenates the directions.
    """

    name, gates = "", 0

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, bias: bool, batch_first: bool,
                 dropout: float, bidirectional: bool, device: str | Device | None, dtype: Any) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"{self.name}: num_layers must be at least 1, not {num_layers}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{self.name}: dropout must be a probability in [0, 1], not {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, dropout, bidirectional
        self.num_directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes(layer):
                recurrent_parameters(self, self.gates, layer_input, hidden_size, bias, device, dtype, suffix)

    def _suffixes(self, layer: int) -> list[str]:
        return [f"_l{layer}", f"_l{layer}_reverse"][: self.num_directions]

    def _time_major(self, x: Tensor) -> Tensor:
        """x checked, and as (seq, batch, input_size): x[t] is one step."""
        self._check_input(x, 3)
        return x.swapaxes(0, 1) if self.batch_first else x

    def _check_input(self, x: Tensor, ndim: int) -> None:
        if x.ndim != ndim or x.shape[-1] != self.input_size:
            layout = "(batch, seq, input_size)" if self.batch_first else "(seq, batch, input_size)"
            expected = f"{layout} or (seq, input_size)".replace("input_size", str(self.input_size))
            raise ValueError(f"{self.name}: expected input of shape {expected}, got {x.shape}")

    def _unbatched(self, x: Tensor, state: Any, mask: Any, lengths: Any) -> tuple[Tensor, Any]:
        """As torch: one sequence (seq, input_size) and states (num_layers·D, H) run as a batch of one."""
        self._check_input(x, 2)
        if mask is not None or lengths is not None:
            raise ValueError(f"{self.name}: mask and lengths need batched input (a batch of sequences)")
        batch_axis = 0 if self.batch_first else 1

        def one(tensor: Tensor) -> Tensor:
            if tensor.ndim != 2:
                raise ValueError(f"{self.name}: with unbatched input the initial state is "
                                 f"(num_layers·directions, hidden), got {tensor.shape}")
            return tensor.reshape(tensor.shape[0], 1, tensor.shape[1])

        if state is not None:
            state = tuple(one(s) for s in state) if isinstance(state, (tuple, list)) else one(state)
        outputs, final = self.forward(x.reshape(*x.shape[:batch_axis], 1, *x.shape[batch_axis:]), state)
        steps_first = outputs.swapaxes(0, 1) if self.batch_first else outputs
        outputs = steps_first.reshape(steps_first.shape[0], steps_first.shape[2])

        def drop(tensor: Tensor) -> Tensor:
            return tensor.reshape(tensor.shape[0], tensor.shape[2])

        return outputs, tuple(drop(s) for s in final) if isinstance(final, tuple) else drop(final)

    def _run_layers(self, x: Tensor, initial: Any, padding: Tensor | None) -> tuple[Tensor, list[Any]]:
        """Every layer over time-major x, each direction from ``initial(k)`` (k = layer·D + direction):
        the last layer's outputs (batch first if so built) and each layer's and direction's final state."""
        finals = []
        for layer in range(self.num_layers):
            if layer > 0:
                x = dropout(x, self.dropout, self.training)
            outputs = []
            for direction, suffix in enumerate(self._suffixes(layer)):
                k = layer * self.num_directions + direction
                out, final = self._run_direction(x, suffix, initial(k), padding, reverse=direction == 1)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if len(outputs) == 1 else concat(outputs, axis=-1)  # (seq, batch, D·H)
        return (x.swapaxes(0, 1) if self.batch_first else x), finals

    def _run_direction(self, x: Tensor, suffix: str, state: Any, padding: Tensor | None,
                       reverse: bool) -> tuple[Tensor, Any]:
        raise NotImplementedError

    def extra_repr(self) -> str:
        options = [f"{self.input_size}, {self.hidden_size}"]
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0, "bidirectional": False,
                    "fused": False}
        options += [f"{name}={getattr(self, name)}" for name, default in defaults.items()
                    if getattr(self, name, default) != default]
        return ", ".join(options)


class LSTM(StackedRecurrent):
    """A (stacked, optionally bidirectional) LSTM over whole sequences; see :class:`LSTMCell`.

    For each layer and direction, the whole input sequence is projected with one matmul,
    x W_ihᵀ + b_ih + b_hh for every time step at once; then each step adds h W_hhᵀ and applies
    the gates. The reverse direction reads the sequence from its end. Between layers,
    ``dropout`` is applied to the outputs (in training only).

    Padding: give ``mask`` ((batch, seq) booleans, True for real tokens) or ``lengths``. At a
    padded step the state is carried over unchanged, so the final state is the one after the
    last real token, the reverse direction starts at each sequence's own last real token, and
    the outputs there are zero: the same as PyTorch's packed sequences.

    Parameters are named as in PyTorch: ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}``, with ``_reverse`` appended for the reverse direction.

    By default every step is composed from the basic ops (:func:`lstm_step`): the code you
    read is the code that runs, ``Module.draw`` shows every gate, and it can be differentiated
    twice (``create_graph=True``). ``fused=True`` runs each layer's recurrence as one op from the
    fast layer, :class:`~minigrad.fast.lstm.LSTMRecurrence`, with backpropagation through time
    written by hand: the same numbers (a test holds them equal), in less time
    (docs/performance.md says how much).
    """

    name, gates = "LSTM", 4

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: str | Device | None = None, dtype: Any = None, fused: bool = False) -> None:
        self.fused = fused
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device,
                         dtype)

    def forward(self, x: Tensor, state: State | None = None, mask: Any = None,
                lengths: Any = None) -> tuple[Tensor, State]:
        """Run over x, (batch, seq, input_size) if batch_first else (seq, batch, input_size).

        Returns ``outputs, (h_n, c_n)``: outputs is (batch, seq, D·H) (or (seq, batch, D·H)),
        h_n and c_n are (num_layers·D, batch, H), D = 2 if bidirectional else 1. ``state`` is
        an initial (h_0, c_0) of that same shape (zeros if None).
        """
        if x.ndim == 2:  # one sequence, no batch axis
            return self._unbatched(x, state, mask, lengths)
        x = self._time_major(x)  # x[t] is one step, (batch, input_size)
        steps, batch = x.shape[0], x.shape[1]
        padding = self._padding_mask(mask, lengths, batch, steps, x.device)  # (batch, seq) or None
        h_0, c_0 = self._initial_state(state, batch, x)
        x, finals = self._run_layers(x, lambda k: (h_0[k], c_0[k]), padding)
        return x, (stack([h for h, _ in finals]), stack([c for _, c in finals]))

    def _run_direction(self, x: Tensor, suffix: str, state: State, padding: Tensor | None,
                       reverse: bool) -> tuple[Tensor, State]:
        """One layer, one direction, over time-major x (seq, batch, in): outputs (seq, batch, H)."""
        h, c = state
        weight_ih, weight_hh = getattr(self, f"weight_ih{suffix}"), getattr(self, f"weight_hh{suffix}")
        bias = getattr(self, f"bias_ih{suffix}") + getattr(self, f"bias_hh{suffix}") if self.bias else None
        steps, batch = x.shape[0], x.shape[1]
        if self.fused:
            step_mask = None if padding is None else padding.data.T.reshape(steps, batch, 1)
            outputs, h, c = LSTMRecurrence.apply(x, h, c, weight_ih, weight_hh, bias, step_mask, reverse)
            return outputs, (h, c)
        # (seq, batch, 4H): the input part of every step, in one matmul (matmul folds the steps
        # into the rows, so backward gives dW in one product too)
        gates_in = x @ weight_ih.T
        if bias is not None:
            gates_in = gates_in + bias
        # composed: one lstm_step per time step, recorded op by op
        step_masks = None
        if padding is not None:  # a (batch, 1) mask for the steps with padding, None for the others
            all_real = padding.all(axis=0).tolist()
            step_masks = [None if all_real[t] else padding[:, t].reshape(batch, 1) for t in range(steps)]
        weight_hh_t = weight_hh.T  # transposed once, not once per step
        outputs = []
        step_gates = unbind(gates_in, 0)  # one op for all steps: its backward is one concat
        for t in reversed(range(steps)) if reverse else range(steps):
            h_new, c_new = lstm_step(step_gates[t], h, c, weight_hh_t)
            if step_masks is None or step_masks[t] is None:  # every sequence has a real token here
                h, c = h_new, c_new
                outputs.append(h)
            else:
                real = step_masks[t]  # (batch, 1): True where this step is a real token
                h, c = where(real, h_new, h), where(real, c_new, c)
                outputs.append(where(real, h_new, 0.0))
        if reverse:
            outputs.reverse()  # back in time order
        return stack(outputs), (h, c)

    def _initial_state(self, state: State | None, batch: int, x: Tensor) -> State:
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if state is None:
            zero = zeros(expected, dtype=x.dtype, device=x.device)
            return zero, zero
        h_0, c_0 = state
        if h_0.shape != expected or c_0.shape != expected:
            raise ValueError(
                f"LSTM: expected h_0 and c_0 of shape (num_layers·directions, batch, hidden) = {expected}, "
                f"got {h_0.shape} and {c_0.shape}"
            )
        return h_0, c_0

    @staticmethod
    def _padding_mask(mask: Any, lengths: Any, batch: int, steps: int, device: Device) -> Tensor | None:
        """A (batch, seq) boolean tensor, True where the token is real; None if nothing is padding."""
        if mask is not None and lengths is not None:
            raise ValueError("LSTM: give a padding mask or lengths, not both")
        if lengths is not None:
            if isinstance(lengths, Tensor) and lengths.dtype.kind not in "iu":
                raise TypeError(f"LSTM: lengths must be integers, not {lengths.dtype}")
            values = [int(n) for n in (lengths.tolist() if isinstance(lengths, Tensor) else lengths)]
            if len(values) != batch or any(not 0 <= n <= steps for n in values):
                raise ValueError(
                    f"LSTM: expected {batch} lengths (one per sequence), each in [0, {steps}], got {values}"
                )
            lengths = tensor(values, device=device)
            mask = arange(steps, device=device).reshape(1, steps) < lengths.reshape(batch, 1)
        if mask is None:
            return None
        if not isinstance(mask, Tensor) or mask.device != device:
            mask = tensor(mask.numpy() if isinstance(mask, Tensor) else mask, device=device)
        if mask.shape != (batch, steps) or mask.dtype.kind != "b":
            raise ValueError(
                f"LSTM: expected a boolean padding mask of shape (batch, seq) = {(batch, steps)}, "
                f"got {mask.shape} of {mask.dtype}"
            )
        return None if mask.all().item() else mask
