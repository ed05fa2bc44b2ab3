"""Reductions along axes: sum, mean, max, min, the numerically stable softmax family, var, std,
norm; then what is composed of them (normalize, cosine_similarity, pooling over the last axis).

``axis`` is NumPy's: None (all axes), an int, or a tuple; negative counts from the end; torch's
``dim``/``keepdim`` are the same arguments (:func:`~minigrad.ops.arguments.dim_or_axis`). Each
backward first puts the reduced axes back (``keep_shape``) so the gradient broadcasts against the
input. Each Function is followed by its user functions, and :data:`METHODS` at the end lists what
this file gives ``Tensor``.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.creation import arange
from minigrad.ops.arguments import (
    Axis,
    count,
    dim_or_axis,
    floats_only,
    keepdim_or_keepdims,
    no_grad_result,
    nonempty,
    one_axis,
    positive_axes,
)
from minigrad.ops.elementwise import clip, maximum, minimum, where
from minigrad.ops.index import ValuesIndices, values_at
from minigrad.ops.move import pad
from minigrad.ops.shape import squeeze
from minigrad.tensor import Tensor

__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "avg_pool1d", "cosine_similarity", "log_softmax", "logsumexp",
    "masked_softmax", "max", "max_pool1d", "mean", "min", "norm", "normalize", "softmax", "std", "sum", "var",
]


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


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False, *,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Σ x over ``axis`` (all axes if None)."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    return Sum.apply(x, positive_axes(x, axis, "sum"), keepdims)


class Mean(Function):
    """y = (1/n) Σ x over ``axis``;  dy/dx = 1/n."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
        ctx.shape, ctx.keep_shape = x.shape, _keep_shape(x.shape, axis)
        ctx.count = builtins.max(x.size, 1) // builtins.max(count(ctx.keep_shape), 1)
        return x.mean(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return (grad / ctx.count).reshape(ctx.keep_shape).broadcast_to(ctx.shape), None, None


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """The average of x over ``axis`` (all axes if None); NaN for an empty one, as in torch."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    axes = positive_axes(x, axis, "mean")
    if x.data.size == 0:  # NumPy would warn; torch says NaN (0 / 0)
        return Sum.apply(x, axes, keepdims) * float("nan")
    return Mean.apply(x, axes, keepdims)


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


def amax(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """The maxima of x over ``axis`` (all if None); tied maxima share the gradient evenly."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    axes = positive_axes(x, axis, "max")
    nonempty(x, axes, "max")
    return Max.apply(x, axes, keepdims)


class Min(Max):
    """y = min x over ``axis``;  the gradient is shared evenly among tied minima."""

    pick = "min"


def amin(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """The minima of x over ``axis`` (all if None); tied minima share the gradient evenly."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    axes = positive_axes(x, axis, "min")
    nonempty(x, axes, "min")
    return Min.apply(x, axes, keepdims)


def _pick(x: Tensor, axis: Any, keepdims: bool, op: str) -> ValuesIndices:
    """(values, indices) of the max or min along one axis, as torch.max(x, dim)."""
    axis = one_axis(x, axis, op) if x.ndim else 0
    if x.ndim == 0:
        return ValuesIndices(x, Tensor(x.device.xp.zeros((), dtype=backend.int64)))
    nonempty(x, (axis,), op)
    found = getattr(x.data, f"arg{op}")(axis=axis)
    indices = Tensor(x.device.xp.expand_dims(found, axis))
    values = values_at(x, indices, axis)
    if not keepdims:
        values, indices = squeeze(values, axis), Tensor(x.device.xp.asarray(found))
    return ValuesIndices(values, indices)


def max(x: Tensor, axis: Any = None, keepdims: bool = False, *,  # noqa: A001
        dim: Any = None, keepdim: bool | None = None) -> Any:
    """torch.max: the maximum of all of x (a tensor), ``(values, indices)`` along one ``dim``, or max(x, other).

    The values along a dim send their gradient to the element that ``indices`` names; the
    maximum of all elements shares it among ties (see :func:`amax` for several axes).
    """
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    if axis is None:
        return amax(x)
    if isinstance(axis, Tensor):
        return maximum(x, axis)
    if not isinstance(axis, int):
        raise TypeError(f"max: dim must be one int (for several axes use amax), not {axis!r}")
    return _pick(x, axis, keepdims, "max")


def min(x: Tensor, axis: Any = None, keepdims: bool = False, *,  # noqa: A001
        dim: Any = None, keepdim: bool | None = None) -> Any:
    """torch.min: the minimum of all of x (a tensor), ``(values, indices)`` along one ``dim``, or min(x, other)."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    if axis is None:
        return amin(x)
    if isinstance(axis, Tensor):
        return minimum(x, axis)
    if not isinstance(axis, int):
        raise TypeError(f"min: dim must be one int (for several axes use amin), not {axis!r}")
    return _pick(x, axis, keepdims, "min")


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Indices of the maxima (an int64 tensor, no gradient); the first one on a tie."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    return no_grad_result(x, x.data.argmax(axis=None if axis is None else one_axis(x, axis, "argmax"),
                                            keepdims=keepdims))


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Indices of the minima (an int64 tensor, no gradient); the first one on a tie."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    return no_grad_result(x, x.data.argmin(axis=None if axis is None else one_axis(x, axis, "argmin"),
                                            keepdims=keepdims))


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


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis``, computed stably (max subtracted)."""
    axis = one_axis(floats_only(x, "softmax"), dim_or_axis(axis, dim), "softmax")
    if x.data.size == 0:  # nothing to normalise: an empty result, as in torch
        return x * 1.0
    return Softmax.apply(x, axis)


def masked_softmax(x: Tensor, mask: Tensor, axis: int = -1) -> Tensor:
    """softmax over the positions where ``mask`` (broadcasting against x) is True; exactly 0 elsewhere.

    A row with no True position (a query that may attend to nothing) gets weights 0 and sends gradient
    0 back, as torch's scaled_dot_product_attention does, never NaN: such a row is given finite scores
    before the softmax (e^-inf / Σ e^-inf would be 0/0) and its weights are then set to 0.
    """
    mask = mask if isinstance(mask, Tensor) else Tensor(x.device.asarray(mask))
    visible = any(mask, axis=axis, keepdims=True)  # does the row attend to anything?
    weights = softmax(x.masked_fill(~(mask | ~visible), -math.inf), axis)
    return where(visible, weights, 0.0)


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


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log softmax(x) = x - logsumexp(x) along ``axis``, computed stably."""
    axis = one_axis(floats_only(x, "log_softmax"), dim_or_axis(axis, dim), "log_softmax")
    if x.data.size == 0:
        return x * 1.0
    return LogSoftmax.apply(x, axis)


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


def logsumexp(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
              dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """log Σ exp(x) over ``axis``, computed stably (max subtracted); -inf over an empty axis, as in torch."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    axes = positive_axes(x, axis, "logsumexp")
    if x.data.size == 0:
        return Sum.apply(x, axes, keepdims) + float("-inf")  # log of an empty sum
    return LogSumExp.apply(x, axes, keepdims)


# --- truth over axes (boolean tensors, no gradient) ---------------------------------------------


def any(x: Tensor, axis: Axis = None, keepdims: bool = False, *,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Is any element true (along ``axis``)? A boolean tensor, no gradient."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    reduced = None if axis is None else positive_axes(x, axis, "any")
    return no_grad_result(x, x.data.any(axis=reduced, keepdims=keepdims))


def all(x: Tensor, axis: Axis = None, keepdims: bool = False, *,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Is every element true (along ``axis``)? A boolean tensor, no gradient."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    reduced = None if axis is None else positive_axes(x, axis, "all")
    return no_grad_result(x, x.data.all(axis=reduced, keepdims=keepdims))


# --- spread and size: var and std are compositions, norm has a Function for its gradient at 0 --------


def var(x: Tensor, axis: Axis = None, unbiased: bool | None = None, keepdims: bool = False, *,
        dim: Axis = None, correction: float | None = None, keepdim: bool | None = None) -> Tensor:
    """Σ (x - mean)² / (N - correction) over ``axis``: correction 1 (unbiased, torch's default) or 0.

    ``unbiased=False`` is correction 0. NumPy's ``var`` defaults to 0, torch's to 1: this is torch's.
    """
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    if unbiased is not None and correction is not None:
        raise ValueError("var: give unbiased or correction, not both")
    correction = (1 if unbiased is None or unbiased else 0) if correction is None else correction
    axes = positive_axes(x, axis, "var")
    n = count(tuple(x.shape[a] for a in axes))
    centered = x - x.mean(axis=axes, keepdims=True)
    divisor = n - correction
    total = sum(centered * centered, axis=axes, keepdims=keepdims)
    return total / divisor if divisor > 0 else total * math.inf  # no degrees of freedom: inf (or NaN) as torch


def std(x: Tensor, axis: Axis = None, unbiased: bool | None = None, keepdims: bool = False, *,
        dim: Axis = None, correction: float | None = None, keepdim: bool | None = None) -> Tensor:
    """√var(x), with var's ``unbiased``/``correction`` (torch's default: correction 1).

    A constant row has std 0 and gradient 0, as in torch (√ has no slope to give at 0; see :class:`Root`).
    """
    return root(var(x, axis, unbiased, keepdims, dim=dim, correction=correction, keepdim=keepdim), 2)


class Root(Function):
    """y = s^(1/k) of a sum s ≥ 0 (a norm, a standard deviation);  dy/ds = y / (k s), and 0 where s = 0.

    At s = 0 the slope is infinite, but what flows into s there is 0 (every |xᵢ| or xᵢ - mean is 0),
    and inf · 0 is NaN; torch gives the subgradient 0 there, and so does this op.
    """

    @staticmethod
    def forward(ctx: Function, s: Any, k: float) -> Any:
        ctx.k = k
        y = s ** (1.0 / k)
        ctx.save_for_backward(s, y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        s, y = ctx.saved_tensors
        zero = s == 0
        return where(zero, 0.0, grad * y / (where(zero, 1.0, s) * ctx.k)), None


def root(s: Tensor, k: float) -> Tensor:
    """s^(1/k), with gradient 0 where s = 0 (the norms' and std's rule, as torch)."""
    return Root.apply(s, k)


def norm(x: Tensor, p: float | str = 2, dim: Axis = None, keepdim: bool = False) -> Tensor:
    """The p-norm (Σ |x|ᵖ)^(1/p) over ``dim`` (all of x if None): p = 2 ("fro"), 1, inf, -inf, or any p > 0;
    p = 0 counts the non-zero elements."""
    axes = positive_axes(x, dim, "norm")
    if p in (2, "fro"):
        return PNorm.apply(x, axes, keepdim, 2)
    if p == math.inf:
        return amax(x.abs(), axis=axes, keepdims=keepdim)
    if p == -math.inf:
        return (-x.abs()).amax(axis=axes, keepdims=keepdim) * -1
    if p == 1:
        return sum(x.abs(), axis=axes, keepdims=keepdim)
    if p == 0:  # the number of non-zero elements (sign of |x|: 1 or 0), whose gradient is 0, as torch's
        return sum(x.abs().sign(), axis=axes, keepdims=keepdim)
    if isinstance(p, str) or p < 0:
        raise ValueError(f"norm: p must be a positive number, 0, inf, -inf or 'fro', not {p!r}")
    return PNorm.apply(x, axes, keepdim, p)


class PNorm(Function):
    """y = (Σ |x|ᵖ)^(1/p) over ``axis``;  dy/dxᵢ = xᵢ |xᵢ|^(p-2) / y^(p-1) (x / y for p = 2), and 0 where
    y = 0 (torch's subgradient, not 0/0).

    Written per element rather than as a root of a sum: an infinite xᵢ then spoils only its own
    gradient (inf / inf), not every other element's.
    """

    @staticmethod
    def forward(ctx: Function, x: Any, axis: tuple[int, ...], keepdims: bool, p: float) -> Any:
        ctx.axis, ctx.p = axis, p
        if p == 2:  # √(Σ x²), the Euclidean norm
            kept = ctx.xp.sqrt((x * x).sum(axis=axis, keepdims=True))
        else:
            kept = (ctx.xp.abs(x) ** p).sum(axis=axis, keepdims=True) ** (1.0 / p)
        ctx.save_for_backward(x)
        return kept if keepdims else kept.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axis))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        x, = ctx.saved_tensors
        p = ctx.p
        kept = PNorm.apply(x, ctx.axis, True, p)  # y again, as an op of x: so this backward has a backward
        grad = grad.reshape(kept.shape)
        zero = kept == 0
        safe = where(zero, 1.0, kept)
        slope = x / safe if p == 2 else x * x.abs() ** (p - 2) / safe ** (p - 1)
        return where(zero, 0.0, grad * slope), None, None, None


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖ₚ, eps) along ``dim``."""
    return x / clip(norm(x, p, dim, keepdim=True), min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x₁·x₂ / (max(‖x₁‖, eps) · max(‖x₂‖, eps)) along ``dim`` (the inputs broadcast)."""
    x1 = x1 / clip(norm(x1, 2, dim, keepdim=True), min=eps)
    x2 = x2 / clip(norm(x2, 2, dim, keepdim=True), min=eps)
    return sum(x1 * x2, dim=dim)


# --- pooling over the last axis: a max or a mean over windows -----------------------------------


def _windows(x: Tensor, kernel_size: int, stride: int | None, padding: int, fill: float, op: str) -> Tensor:
    """x's sliding windows along the last axis, (..., L_out, kernel_size), after ``padding`` of ``fill``."""
    stride = kernel_size if stride is None else stride
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expects input of shape (N, C, L) or (C, L), got {x.shape}")
    if kernel_size < 1 or stride < 1 or not 0 <= padding <= kernel_size // 2:
        raise ValueError(f"{op}: kernel_size {kernel_size} and stride {stride} must be >= 1, and padding "
                         f"{padding} at most half the kernel")
    if padding:
        x = pad(x, (padding, padding), value=fill)
    length = x.shape[-1]
    if length < kernel_size:
        raise ValueError(f"{op}: the input is shorter ({length}) than the kernel ({kernel_size})")
    count = (length - kernel_size) // stride + 1
    positions = arange(count, device=x.device).reshape(count, 1) * stride + arange(kernel_size, device=x.device)
    return x[..., positions.data]  # (..., count, kernel_size)


def max_pool1d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    """out[..., i] = max of window i along the last axis; the gradient goes to the (first) maximum."""
    return _windows(x, kernel_size, stride, padding, -math.inf, "max_pool1d").max(dim=-1).values


def avg_pool1d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    """out[..., i] = mean of window i along the last axis (padding counts as zeros, as torch's default)."""
    return _windows(x, kernel_size, stride, padding, 0.0, "avg_pool1d").mean(dim=-1)


METHODS = {
    "sum": sum, "mean": mean, "max": max, "min": min, "amax": amax, "amin": amin, "argmax": argmax, "argmin": argmin,
    "softmax": softmax, "log_softmax": log_softmax, "logsumexp": logsumexp, "any": any, "all": all,
    "var": var, "std": std, "norm": norm,
}
