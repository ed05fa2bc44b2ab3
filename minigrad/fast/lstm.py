"""The LSTM recurrence over a whole sequence as one op: the fused path of ``nn.LSTM(fused=True)``.

Replaces: the composed LSTM (``nn.LSTM(..., fused=False)``, the default, and ``nn.LSTMCell``),
which records about twenty small ops per time step (:func:`minigrad.nn.rnn.lstm_step`) and
whose backward computes the recurrent weight's gradient as one small matmul per step, added up.
Why: in the showcase's training step the composed LSTM is most of the time; this op runs the
same math on raw arrays, one step after another, and its backward is backpropagation through
time written out by hand, with each weight's gradient as one matmul over all steps. One ``exp``
serves all four gates, and the big arrays come from :mod:`minigrad.fast.buffers`. The cost of
each path is measured in docs/performance.md.
Held equal by: ``tests/test_lstm.py``: fused == composed on outputs, final states and every
gradient (float64, plain, bidirectional, two layers, no bias, padding; cpu and strict), a
gradcheck of every input, and the comparisons with ``torch.nn.LSTM``, run on both paths.
It cannot be differentiated twice (its backward is written on raw arrays); the composed path can.

Per step t, with gates in PyTorch's order (i, f, g, o) and σ(x) = 1 / (1 + e⁻ˣ)::

    a_t = x_t W_ihᵀ + b + h_{t-1} W_hhᵀ           pre-activations (batch, 4H); x W_ihᵀ for all t at once
    i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

and backward, from dL/dh_t (from the output and from step t+1) and dL/dc_t::

    dc  = dL/dc_t + dL/dh_t ⊙ o ⊙ (1 - tanh²c_t)
    da  = [dc ⊙ g ⊙ i(1-i);  dc ⊙ c_{t-1} ⊙ f(1-f);  dc ⊙ i ⊙ (1-g²);  dL/dh_t ⊙ tanh c_t ⊙ o(1-o)]
    dL/dc_{t-1} = dc ⊙ f,   dL/dh_{t-1} = da W_hh,   dL/dx_t = da W_ih
    dL/dW_hh = Σ_t da_tᵀ h_{t-1},  dL/dW_ih = Σ_t da_tᵀ x_t,  dL/db = Σ_t da_t    one op each, all steps

Padding: where ``step_mask`` is False the state is carried over unchanged and the output is 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import Function
from minigrad.fast.buffers import empty
from minigrad.grad_mode import is_grad_enabled
from minigrad.tensor import Tensor


def _gate_constants(xp: Any, hidden: int, dtype: Any) -> tuple[Any, Any, Any]:
    """Per-column constants over the 4H gates, for one ``exp`` over all four of them.

    σ(x) = 1 / (1 + e⁻ˣ) on the i, f, o columns, and tanh(x) = 2 σ(2x) - 1 on g (NumPy's ``exp``
    costs about half of its ``tanh``): multiply by ``negated_scale`` (-1 or -2), exp, add 1, divide
    ``numerator`` (1 or 2) by it, subtract ``offset`` (0 or 1). The same ``offset`` turns an
    activation a into its derivative, (1 - a)(a + offset): a(1 - a) for σ, 1 - a² for tanh.
    """
    offset = xp.zeros(4 * hidden, dtype=dtype)
    offset[2 * hidden: 3 * hidden] = 1
    return -1 - offset, 1 + offset, offset


class LSTMRecurrence(Function):
    """(outputs, h_T, c_T) = one LSTM layer (one direction) run over x; the math is in the module docstring.

    Inputs: ``x`` (steps, batch, features), time-major; ``h_0``, ``c_0`` (batch, H); ``weight_ih``
    (4H, features); ``weight_hh`` (4H, H); ``bias`` (4H,), b_ih + b_hh, or None; ``step_mask``,
    None or (steps, batch, 1) booleans, True for real tokens; ``reverse`` to read x from its end.
    ``outputs`` is (steps, batch, H), in time order.
    """

    @staticmethod
    def forward(ctx: Function, x: Any, h_0: Any, c_0: Any, weight_ih: Any, weight_hh: Any, bias: Any,
                step_mask: Any, reverse: bool) -> tuple[Any, Any, Any]:
        xp = ctx.xp
        if reverse:  # run the steps from the end; everything below is in the order the steps run
            x = x[::-1]
            step_mask = None if step_mask is None else step_mask[::-1]
        steps, batch, features = x.shape
        hidden = weight_hh.shape[1]
        negated_scale, numerator, offset = _gate_constants(xp, hidden, x.dtype)
        x = x.reshape(steps * batch, features)
        # the input's share of every step's gates, x_t W_ihᵀ + b, in one matmul; each step then
        # adds h W_hhᵀ and activates its slice in place
        # (big arrays from fast.buffers.empty: memory used by an earlier step, when nobody holds it now)
        gates = empty(xp, (steps, batch, 4 * hidden), x.dtype)
        xp.matmul(x, weight_ih.T, out=gates.reshape(steps * batch, 4 * hidden))
        if bias is not None:
            gates += bias
        hs = empty(xp, (steps + 1, batch, hidden), x.dtype)  # hs[k]: the h that step k starts from
        cs = empty(xp, (steps + 1, batch, hidden), x.dtype)
        tanh_cs = empty(xp, (steps, batch, hidden), x.dtype)
        hs[0], cs[0] = h_0, c_0
        weight_hh_t = weight_hh.T
        outputs = None if step_mask is None else empty(xp, (steps, batch, hidden), x.dtype)
        with np.errstate(over="ignore"):  # e⁻ˣ = inf for x < -88 gives σ = 0, as it should (CuPy never warns)
            for k in range(steps):
                a = gates[k]
                a += hs[k] @ weight_hh_t
                a *= negated_scale
                xp.exp(a, out=a)
                a += 1
                xp.divide(numerator, a, out=a)
                a -= offset  # now σ(x) on i, f, o and tanh(x) on g
                input_gate, forget_gate, candidate, output_gate = (a[:, j * hidden: (j + 1) * hidden] for j in range(4))
                c = cs[k + 1]
                xp.multiply(forget_gate, cs[k], out=c)
                c += input_gate * candidate
                xp.tanh(c, out=tanh_cs[k])
                h = hs[k + 1]
                xp.multiply(output_gate, tanh_cs[k], out=h)
                if step_mask is not None:
                    real = step_mask[k]  # (batch, 1)
                    outputs[k] = xp.where(real, h, 0)
                    hs[k + 1] = xp.where(real, h, hs[k])  # padding: the state carries over
                    cs[k + 1] = xp.where(real, c, cs[k])
        if outputs is None:  # every output is the state: a view, no copy
            outputs = hs[1:]
        ctx.reverse = reverse
        ctx.save_for_backward(x, gates, hs, cs, tanh_cs, weight_ih, weight_hh, step_mask)
        return outputs[::-1] if reverse else outputs, hs[steps], cs[steps]

    @staticmethod
    def backward(ctx: Function, d_outputs: Tensor, d_h: Tensor, d_c: Tensor) -> tuple[Tensor | None, ...]:
        if is_grad_enabled():
            raise RuntimeError(
                "the fused LSTM's backward is written on raw arrays and cannot be differentiated again "
                "(create_graph=True); build the layer with nn.LSTM(..., fused=False) for higher-order gradients"
            )
        xp = ctx.xp
        x, gates, hs, cs, tanh_cs, weight_ih, weight_hh, step_mask = (
            s.data if isinstance(s, Tensor) else s for s in ctx.saved_tensors
        )
        steps, batch, hidden4 = gates.shape
        hidden = hidden4 // 4
        _, _, offset = _gate_constants(xp, hidden, gates.dtype)
        d_outputs = d_outputs.data[::-1] if ctx.reverse else d_outputs.data  # in the order the steps ran
        dh, dc = d_h.data, d_c.data
        d_gates = empty(xp, gates.shape, gates.dtype)  # dL/d(pre-activations)
        derivative = xp.empty((batch, hidden4), dtype=gates.dtype)
        for k in reversed(range(steps)):
            a, tanh_c = gates[k], tanh_cs[k]
            input_gate, forget_gate, candidate, output_gate = (a[:, j * hidden: (j + 1) * hidden] for j in range(4))
            if step_mask is not None:
                real = step_mask[k]
                dh_carried, dc_carried = xp.where(real, 0, dh), xp.where(real, 0, dc)
                dh, dc = xp.where(real, dh + d_outputs[k], 0), xp.where(real, dc, 0)
            else:
                dh = dh + d_outputs[k]
            dc = dc + dh * output_gate * (1 - tanh_c * tanh_c)
            da = d_gates[k]
            xp.multiply(dc, candidate, out=da[:, :hidden])
            xp.multiply(dc, cs[k], out=da[:, hidden: 2 * hidden])
            xp.multiply(dc, input_gate, out=da[:, 2 * hidden: 3 * hidden])
            xp.multiply(dh, tanh_c, out=da[:, 3 * hidden:])
            xp.subtract(1, a, out=derivative)  # (1 - a)(a + offset): a(1-a) for σ, 1-a² for tanh
            derivative *= a + offset
            da *= derivative
            dc = dc * forget_gate
            dh = da @ weight_hh
            if step_mask is not None:
                dh += dh_carried
                dc += dc_carried
        needs = ctx.needs_input_grad
        flat = d_gates.reshape(steps * batch, hidden4)  # the weights' gradients: one matmul each, all steps
        d_x = None
        if needs[0]:
            d_x = (flat @ weight_ih).reshape(steps, batch, -1)
            d_x = Tensor(d_x[::-1] if ctx.reverse else d_x)  # back in time order
        return (
            d_x,
            Tensor(dh) if needs[1] else None,
            Tensor(dc) if needs[2] else None,
            Tensor(flat.T @ x) if needs[3] else None,
            Tensor(flat.T @ hs[:steps].reshape(steps * batch, hidden)) if needs[4] else None,
            Tensor(flat.sum(axis=0)) if needs[5] else None,
            None,
            None,
        )
