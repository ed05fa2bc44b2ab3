"""Ops that move elements to new places (flip, roll) or frame them (pad): backward moves the gradient back."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.ops.index import GetItem
from minigrad.tensor import Tensor


class Flip(Function):
    """y = x read backwards along ``axes``;  dL/dx = dL/dy flipped the same way."""

    @staticmethod
    def forward(ctx: Function, x: Any, axes: tuple[int, ...]) -> Any:
        ctx.axes = axes
        return ctx.xp.flip(x, axis=axes)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return Flip.apply(grad, ctx.axes), None


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``axes``;  dL/dx = dL/dy shifted back."""

    @staticmethod
    def forward(ctx: Function, x: Any, shifts: tuple[int, ...], axes: tuple[int, ...]) -> Any:
        ctx.shifts, ctx.axes = shifts, axes
        return ctx.xp.roll(x, shifts, axis=axes)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return Roll.apply(grad, tuple(-s for s in ctx.shifts), ctx.axes), None, None


class Pad(Function):
    """y = x framed by ``value`` (``widths``: (before, after) per axis);  dL/dx = dL/dy with the frame cut off."""

    @staticmethod
    def forward(ctx: Function, x: Any, widths: tuple[tuple[int, int], ...], value: float) -> Any:
        ctx.inside = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return ctx.xp.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return GetItem.apply(grad, ctx.inside), None, None
