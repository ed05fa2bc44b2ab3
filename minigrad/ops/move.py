"""Ops that move elements to new places (flip, roll) or frame them (pad): backward moves the gradient back.

Each Function is followed by its user function, and :data:`METHODS` at the end lists what this
file gives ``Tensor``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from minigrad.autograd import Function
from minigrad.ops.arguments import one_axis, positive_axes, shape_arg
from minigrad.ops.index import getitem
from minigrad.ops.shape import reshape
from minigrad.tensor import Tensor

__all__ = ["flip", "pad", "roll"]


class Flip(Function):
    """y = x read backwards along ``axes``;  dL/dx = dL/dy flipped the same way."""

    @staticmethod
    def forward(ctx: Function, x: Any, axes: tuple[int, ...]) -> Any:
        ctx.axes = axes
        return ctx.xp.flip(x, axis=axes)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return Flip.apply(grad, ctx.axes), None


def flip(x: Tensor, *dims: Any, **named: Any) -> Tensor:
    """x read backwards along ``dims`` (``x.flip(0, 1)``, ``flip(x, dims=(0, 1))``)."""
    if named:
        if set(named) != {"dims"} or dims:
            raise TypeError(f"flip: takes the dims once, as positions or as dims=, not {sorted(named)}")
        dims = (named["dims"],)
    axes = positive_axes(x, shape_arg(dims), "flip")
    return Flip.apply(x, axes) if axes else x


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``axes``;  dL/dx = dL/dy shifted back."""

    @staticmethod
    def forward(ctx: Function, x: Any, shifts: tuple[int, ...], axes: tuple[int, ...]) -> Any:
        ctx.shifts, ctx.axes = shifts, axes
        return ctx.xp.roll(x, shifts, axis=axes)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return Roll.apply(grad, tuple(-s for s in ctx.shifts), ctx.axes), None, None


def roll(x: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """x shifted cyclically: element i goes to i + shift (with no dims: over the flattened tensor)."""
    if dims is None:
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape) if x.data.size else x
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
    return Roll.apply(x, shifts, tuple(one_axis(x, d, "roll") for d in dims))


class Pad(Function):
    """y = x framed by ``value`` (``widths``: (before, after) per axis);  dL/dx = dL/dy with the frame cut off."""

    @staticmethod
    def forward(ctx: Function, x: Any, widths: tuple[tuple[int, int], ...], value: float) -> Any:
        ctx.inside = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return ctx.xp.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return getitem(grad, ctx.inside), None, None


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """torch's F.pad: ``pad`` lists (before, after) pairs from the last axis backwards, filled with ``value``;
    a negative width crops that many elements instead."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, not {mode!r}")
    pad = tuple(int(n) for n in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: {pad} must be (before, after) pairs for at most {x.ndim} axes (shape {x.shape})")
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]  # last axis first
    widths = tuple([(0, 0)] * (x.ndim - len(pairs)) + pairs[::-1])
    if builtins.any(n < 0 for n in pad):  # a negative width crops, as torch: slice first, then pad the rest
        for axis, ((before, after), size) in enumerate(zip(widths, x.shape)):
            if size + builtins.min(before, 0) + builtins.min(after, 0) < 0:
                raise ValueError(f"pad: {pad} crops more than dim {axis} of size {size} holds")
        x = x[tuple(slice(-builtins.min(before, 0), size + builtins.min(after, 0))
                    for (before, after), size in zip(widths, x.shape))]
        widths = tuple((builtins.max(before, 0), builtins.max(after, 0)) for before, after in widths)
    return Pad.apply(x, widths, value)


METHODS = {"flip": flip, "roll": roll}
