"""Ops that move elements around without changing them: their backward moves the gradient back."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.tensor import Tensor


class Reshape(Function):
    """y = x viewed with another shape;  dL/dx = dL/dy reshaped back."""

    @staticmethod
    def forward(ctx: Function, x: Any, shape: tuple[int, ...]) -> Any:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return grad.reshape(ctx.shape), None


class Permute(Function):
    """y = x with its axes reordered;  dL/dx = dL/dy with the inverse order."""

    @staticmethod
    def forward(ctx: Function, x: Any, axes: tuple[int, ...]) -> Any:
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        inverse = tuple(sorted(range(len(ctx.axes)), key=ctx.axes.__getitem__))
        return Permute.apply(grad, inverse), None


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  dL/dx = dL/dy summed back (the engine does it)."""

    @staticmethod
    def forward(ctx: Function, x: Any, shape: tuple[int, ...]) -> Any:
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return grad, None


class Concat(Function):
    """y = [x₁; x₂; …] along ``axis``;  each xᵢ gets its own slice of dL/dy."""

    @staticmethod
    def forward(ctx: Function, *arrays: Any, axis: int) -> Any:
        ctx.axis, ctx.sizes = axis, [a.shape[axis] for a in arrays]
        return ctx.xp.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, ...]:
        pieces = Split.apply(grad, tuple(ctx.sizes), ctx.axis)
        return pieces if isinstance(pieces, tuple) else (pieces,)


class Split(Function):
    """(y₁, y₂, …) = x cut along ``axis`` into pieces of ``sizes``;  dL/dx = [dL/dy₁; dL/dy₂; …].

    One op with several outputs, so backward joins all the pieces' gradients in one concat
    (slicing each piece out on its own would build a full-size gradient per piece).
    """

    @staticmethod
    def forward(ctx: Function, x: Any, sizes: tuple[int, ...], axis: int) -> Any:
        ctx.axis = axis
        ends = [sum(sizes[:i + 1]) for i in range(len(sizes) - 1)]
        pieces = ctx.xp.split(x, ends, axis=axis)
        return tuple(pieces) if len(pieces) > 1 else pieces[0]

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> tuple[Tensor, None, None]:
        return (Concat.apply(*grads, axis=ctx.axis) if len(grads) > 1 else grads[0]), None, None
