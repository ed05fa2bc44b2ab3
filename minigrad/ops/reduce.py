"""Reductions along axes, and the numerically stable softmax family.

``axis`` is NumPy's: None (all axes), an int, or a tuple; negative counts from the end.
Each backward first puts the reduced axes back (``keep_shape``) so the gradient
broadcasts against the input.
"""

from __future__ import annotations

from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.tensor import Tensor


def _keep_shape(shape: tuple[int, ...], axis: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with each reduced axis set to 1, as keepdims=True would leave it."""
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


class Sum(Function):
    """y = Σ x over ``axis``;  dy/dx = 1 for every summed element."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
        ctx.shape, ctx.keep_shape = x.shape, _keep_shape(x.shape, axis)
        return x.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return grad.reshape(ctx.keep_shape).broadcast_to(ctx.shape), None, None


class Mean(Function):
    """y = (1/n) Σ x over ``axis``;  dy/dx = 1/n."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
        ctx.shape, ctx.keep_shape = x.shape, _keep_shape(x.shape, axis)
        ctx.count = max(x.size, 1) // max(_size(ctx.keep_shape), 1)
        return x.mean(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return (grad / ctx.count).reshape(ctx.keep_shape).broadcast_to(ctx.shape), None, None


def _size(shape: tuple[int, ...]) -> int:
    size = 1
    for n in shape:
        size *= n
    return size


class Max(Function):
    """y = max x over ``axis``;  the gradient is shared evenly among tied maxima."""

    pick = "max"

    @staticmethod
    def forward(ctx: Function, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
        ctx.keep_shape = _keep_shape(x.shape, axis)
        y = getattr(x, ctx.pick)(axis=axis, keepdims=True)
        winners = (x == y).astype(x.dtype)
        ctx.save_for_backward(winners / winners.sum(axis=axis, keepdims=True))
        return y if keepdims else y.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axis))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        share, = ctx.saved_tensors
        return grad.reshape(ctx.keep_shape) * share, None, None


class Min(Max):
    """y = min x over ``axis``;  the gradient is shared evenly among tied minima."""

    pick = "min"


class Softmax(Function):
    """yᵢ = exp(xᵢ - m) / Σⱼ exp(xⱼ - m), m = max x;  dL/dx = y ⊙ (g - Σ g⊙y)."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: int) -> Any:
        ctx.axis = axis
        exps = ctx.xp.exp(x - x.max(axis=axis, keepdims=True))
        y = exps / exps.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        y, = ctx.saved_tensors
        return y * (grad - (grad * y).sum(axis=ctx.axis, keepdims=True)), None


class LogSoftmax(Function):
    """yᵢ = xᵢ - logsumexp(x);  dL/dx = g - softmax(x) Σ g."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: int) -> Any:
        ctx.axis = axis
        shifted = x - x.max(axis=axis, keepdims=True)
        y = shifted - ctx.xp.log(ctx.xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        y, = ctx.saved_tensors
        return grad - y.exp() * grad.sum(axis=ctx.axis, keepdims=True), None


class LogSumExp(Function):
    """y = log Σ exp x = m + log Σ exp(x - m), m = max x;  dy/dx = softmax(x) = exp(x - y)."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
        ctx.keep_shape = _keep_shape(x.shape, axis)
        peak = x.max(axis=axis, keepdims=True)
        peak = ctx.xp.where(ctx.xp.isinf(peak), 0, peak).astype(x.dtype, copy=False)  # all -inf, or an inf: no shift
        with backend.log_of_zero_allowed(ctx.xp):  # a row of -inf: log 0 = -inf, as it should be
            y = peak + ctx.xp.log(ctx.xp.exp(x - peak).sum(axis=axis, keepdims=True))
        if not keepdims:
            y = y.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axis))
        ctx.save_for_backward(x, y)  # the output itself, so create_graph sees y depend on x
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        x, y = ctx.saved_tensors
        y = y.reshape(ctx.keep_shape)
        return grad.reshape(ctx.keep_shape) * (x - y).exp(), None, None
