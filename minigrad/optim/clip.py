"""Gradient clipping: scale all gradients down together when their joint norm is too large."""

from __future__ import annotations

import math
from collections.abc import Iterable

from minigrad import backend
from minigrad.tensor import Tensor


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    r"""Scale the gradients of ``parameters`` so that their joint norm is at most ``max_norm``.

    The joint norm treats all gradients as one long vector g::

        ‖g‖ₚ = (Σᵢ |gᵢ|ᵖ)^(1/p)        (‖g‖_∞ = maxᵢ |gᵢ| for norm_type=inf)
        g ← g · min(1, max_norm / (‖g‖ₚ + 1e-6))

    Returns ‖g‖ₚ as measured before clipping, a 0-d tensor as ``torch.nn.utils.clip_grad_norm_`` returns
    (``norm.item()`` or ``float(norm)`` for the number).
    Parameters without a gradient are skipped. The gradient arrays are replaced, not written
    in place, because autograd may share one array between several gradients.
    """
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if norm_type <= 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 (or inf), got {norm_type}")
    if not grads:
        return Tensor(backend.default_device().xp.zeros((), dtype=backend.default_float))

    # One number per gradient, reduced on its device; a single float() brings the total to the host.
    xp = grads[0].device.xp
    if math.isinf(norm_type):
        total_norm = float(xp.stack([abs(g.data).max() for g in grads]).max())
    elif norm_type == 2.0:
        total_norm = math.sqrt(float(xp.stack([(g.data * g.data).sum() for g in grads]).sum()))
    else:
        total_norm = float(xp.stack([(abs(g.data) ** norm_type).sum() for g in grads]).sum()) ** (1 / norm_type)

    if error_if_nonfinite and not math.isfinite(total_norm):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of the gradients is {total_norm}, so they cannot be clipped; "
            "pass error_if_nonfinite=False to carry on anyway"
        )
    clip_coefficient = max_norm / (total_norm + 1e-6)
    if not clip_coefficient >= 1:  # below 1, or NaN: a NaN norm makes every gradient NaN, as torch's clamp does
        for grad in grads:
            grad.data = grad.data * clip_coefficient
    return Tensor(xp.asarray(total_norm, dtype=grads[0].dtype))
