"""In-place forms (``x += y``, ``p.grad.zero_()``, ``w.copy_(v)``), only where autograd cannot be fooled.

Each writes an op's result into the tensor's own array, and is refused on a tensor that requires
grad while the graph is being recorded (or on a non-leaf), where the graph would see stale values.
:data:`METHODS` at the end lists what this file gives ``Tensor``.
"""

from __future__ import annotations

from typing import Any

from minigrad.grad_mode import is_grad_enabled
from minigrad.ops.elementwise import add, clip, div, mul, sub
from minigrad.tensor import Tensor

__all__: list[str] = []  # methods only, as in torch


def inplace(op: Any, name: str) -> Any:
    """The method ``x.name(other)``: ``op(x, other)`` written into x's own array (refused if the graph would see)."""

    def method(self: Tensor, other: Any) -> Tensor:
        if self.requires_grad and (is_grad_enabled() or not self.is_leaf):
            raise RuntimeError(
                f"{name}: an in-place op on a tensor that requires grad would corrupt the graph; "
                "use the out-of-place form, or run it under no_grad() on a leaf"
            )
        result = op(self, other)
        if result.shape != self.shape:
            raise ValueError(f"{name}: the result has shape {result.shape}, which does not fit {self.shape}")
        self.data[...] = result.data
        return self

    return method


def _fill(self: Tensor, value: float) -> Tensor:
    """Every element set to ``value``, in place."""
    return inplace(lambda x, _: Tensor(x.device.xp.full(x.shape, value, dtype=x.dtype)), "fill_")(self, None)


def _zero(self: Tensor) -> Tensor:
    """Every element set to 0, in place (``p.grad.zero_()``)."""
    return _fill(self, 0)


def _copy(self: Tensor, source: Tensor) -> Tensor:
    """The elements of ``source`` (broadcast to this shape) written into this tensor, in place."""
    return inplace(lambda x, s: Tensor(x.device.xp.broadcast_to(x.device.asarray(
        s.data if isinstance(s, Tensor) else s, dtype=x.dtype), x.shape)), "copy_")(self, source)


def _clamp_inplace(self: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    return inplace(lambda x, _: clip(x, min, max), "clamp_")(self, None)


def _scaled_add(op: Any, name: str) -> Any:
    def method(self: Tensor, other: Any, alpha: float = 1) -> Tensor:
        return inplace(op, name)(self, other if alpha == 1 else other * alpha)

    method.__name__ = name
    return method


METHODS = {
    "__iadd__": inplace(add, "+="), "__isub__": inplace(sub, "-="),
    "__imul__": inplace(mul, "*="), "__itruediv__": inplace(div, "/="),
    "add_": _scaled_add(add, "add_"), "sub_": _scaled_add(sub, "sub_"),
    "mul_": inplace(mul, "mul_"), "div_": inplace(div, "div_"),
    "zero_": _zero, "fill_": _fill, "copy_": _copy, "clamp_": _clamp_inplace, "clip_": _clamp_inplace,
}
