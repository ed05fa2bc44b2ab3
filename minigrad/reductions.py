"""More reductions: prod, var, std (torch's ``unbiased``/``correction``), norm, cumsum, diff.

var and std are compositions of mean and sum, so their gradients need no code of their own;
prod and cumsum are Functions in :mod:`minigrad.ops.scan`, norm has one for the 2-norm's
gradient at zero. The Tensor methods are registered from :data:`METHODS` at the end of this file.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.autograd import Function
from minigrad.functional import Axis, _axes, _count, _one_axis, amax, concat, reshape, squeeze, sum, where
from minigrad.ops.scan import Cumsum, Prod
from minigrad.tensor import Tensor


def _aliases(axis: Any, keepdims: bool, dim: Any, keepdim: bool | None) -> tuple[Any, bool]:
    return (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)


def prod(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
         dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Π x over one axis (or over all, flattened); dy/dxᵢ is the product of the others, zeros included."""
    axis, keepdims = _aliases(axis, keepdims, dim, keepdim)
    if axis is None:
        whole = Prod.apply(reshape(x, -1) if x.data.size else reshape(x, 0), 0)
        return reshape(whole, (1,) * x.ndim) if keepdims else reshape(whole, ())
    if x.ndim == 0:
        return x
    axis = _one_axis(x, axis, "prod")
    y = Prod.apply(x, axis)
    return y if keepdims else squeeze(y, axis)


def var(x: Tensor, axis: Axis = None, unbiased: bool | None = None, keepdims: bool = False, *,
        dim: Axis = None, correction: float | None = None, keepdim: bool | None = None) -> Tensor:
    """Σ (x - mean)² / (N - correction) over ``axis``: correction 1 (unbiased, torch's default) or 0.

    ``unbiased=False`` is correction 0. NumPy's ``var`` defaults to 0, torch's to 1: this is torch's.
    """
    axis, keepdims = _aliases(axis, keepdims, dim, keepdim)
    if unbiased is not None and correction is not None:
        raise ValueError("var: give unbiased or correction, not both")
    correction = (1 if unbiased is None or unbiased else 0) if correction is None else correction
    axes = _axes(x, axis, "var")
    count = _count(tuple(x.shape[a] for a in axes))
    centered = x - x.mean(axis=axes, keepdims=True)
    divisor = count - correction
    total = sum(centered * centered, axis=axes, keepdims=keepdims)
    return total / divisor if divisor > 0 else total * math.inf  # no degrees of freedom: inf (or NaN) as torch


def std(x: Tensor, axis: Axis = None, unbiased: bool | None = None, keepdims: bool = False, *,
        dim: Axis = None, correction: float | None = None, keepdim: bool | None = None) -> Tensor:
    """√var(x), with var's ``unbiased``/``correction`` (torch's default: correction 1)."""
    return var(x, axis, unbiased, keepdims, dim=dim, correction=correction, keepdim=keepdim).sqrt()


class _EuclideanNorm(Function):
    """y = √(Σ x²) over ``axis``;  dy/dx = x / y, and 0 where y = 0 (torch's subgradient, not 0/0)."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
        ctx.axis = axis
        kept = ctx.xp.sqrt((x * x).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(x)
        return kept if keepdims else kept.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axis))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        x, = ctx.saved_tensors
        kept = _EuclideanNorm.apply(x, ctx.axis, True)  # y again, as an op of x: so this backward has a backward
        grad = grad.reshape(kept.shape)
        zero = kept == 0
        return grad * where(zero, 0.0, x / where(zero, 1.0, kept)), None, None


def norm(x: Tensor, p: float | str = 2, dim: Axis = None, keepdim: bool = False) -> Tensor:
    """The p-norm (Σ |x|ᵖ)^(1/p) over ``dim`` (all of x if None): p = 2 ("fro"), 1, inf, -inf, or any p > 0."""
    axes = _axes(x, dim, "norm")
    if p in (2, "fro"):
        return _EuclideanNorm.apply(x, axes, keepdim)
    if p == math.inf:
        return amax(x.abs(), axis=axes, keepdims=keepdim)
    if p == -math.inf:
        return (-x.abs()).amax(axis=axes, keepdims=keepdim) * -1
    if p == 1:
        return sum(x.abs(), axis=axes, keepdims=keepdim)
    if isinstance(p, str) or p <= 0:
        raise ValueError(f"norm: p must be a positive number, inf, -inf or 'fro', not {p!r}")
    return sum(x.abs() ** p, axis=axes, keepdims=keepdim) ** (1 / p)


def cumsum(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Running sums along ``dim``: yᵢ = Σ_{j≤i} xⱼ."""
    dim = dim if axis is None else axis
    if dim is None:
        raise TypeError("cumsum: give the dim to sum along")
    if x.ndim == 0:
        return x * 1
    return Cumsum.apply(x, _one_axis(x, dim, "cumsum"))


def diff(x: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along ``dim``: out[i] = x[i + 1] - x[i], n times."""
    axis = _one_axis(x, dim, "diff")
    if prepend is not None or append is not None:
        parts = [t for t in (prepend, x, append) if t is not None]
        x = concat(parts, axis=axis)
    before = (slice(None),) * axis
    for _ in range(n):
        x = x[before + (slice(1, None),)] - x[before + (slice(None, -1),)]
    return x


METHODS = {"prod": prod, "var": var, "std": std, "norm": norm, "cumsum": cumsum, "diff": diff}
for _name, _function in METHODS.items():
    setattr(Tensor, _name, _function)
