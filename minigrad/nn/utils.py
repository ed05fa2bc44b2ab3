"""``torch.nn.utils``'s gradient clipping, under the name a torch user looks for."""

from __future__ import annotations

from collections.abc import Iterable

from minigrad.optim.clip import clip_grad_norm_
from minigrad.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value] (the arrays are replaced, not written in place)."""
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in parameters:
        if p.grad is not None:
            p.grad.data = p.grad.device.xp.clip(p.grad.data, -clip_value, clip_value)
