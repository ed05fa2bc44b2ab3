"""Comparisons and logic: they give boolean tensors, and no gradient flows through them.

``x < y``, ``x == y`` (elementwise, so tensors hash by identity), ``mask & other``, ``~mask``,
and a tensor's truth value. :data:`METHODS` at the end lists what this file gives ``Tensor``.
"""

from __future__ import annotations

from typing import Any

from minigrad import backend
from minigrad.ops.arguments import lift, no_grad_result
from minigrad.tensor import Tensor

__all__ = ["eq", "ge", "gt", "le", "logical_and", "logical_not", "logical_or", "logical_xor", "lt", "ne"]


def _compare(name: str) -> Any:
    def compare(x: Any, y: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = lift(x, y)
        y = lift(y, x)
        if x.device != y.device:
            raise backend.DeviceError(f"{name}: tensors on {x.device} and {y.device}")
        try:
            return no_grad_result(x, getattr(x.data, f"__{name}__")(y.data))
        except ValueError:
            raise ValueError(f"{name}: shapes {x.shape} and {y.shape} cannot be broadcast together") from None

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{name}`` as a boolean tensor (no gradient)."
    return compare


lt, le, gt, ge, eq, ne = (_compare(n) for n in ("lt", "le", "gt", "ge", "eq", "ne"))
logical_and, logical_or, logical_xor = (_compare(n) for n in ("and", "or", "xor"))


def logical_not(x: Tensor) -> Tensor:
    """Elementwise not of a boolean tensor (``~mask``)."""
    if x.dtype.kind != "b":
        raise TypeError(f"logical_not: expected a boolean tensor, not {x.dtype}")
    return Tensor(~x.data)


def _bool(self: Tensor) -> bool:
    if self.size != 1:
        raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
    return bool(self.item())


METHODS = {
    "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge, "__eq__": eq, "__ne__": ne,
    "__hash__": object.__hash__,  # tensors are keys by identity, though == is elementwise
    "__and__": logical_and, "__or__": logical_or, "__xor__": logical_xor, "__invert__": logical_not,
    "__bool__": _bool,
}
