"""Running sums and products: cumsum, and prod, whose gradient is the product of the others; diff;
cumprod, composed of prod.

Each Function is followed by its user function, and :data:`METHODS` at the end lists what this
file gives ``Tensor``.
"""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.creation import arange
from minigrad.ops.arguments import dim_or_axis, keepdim_or_keepdims, one_axis
from minigrad.ops.elementwise import where
from minigrad.ops.move import flip
from minigrad.ops.shape import concat, reshape, squeeze
from minigrad.tensor import Tensor

__all__ = ["cumprod", "cumsum", "diff", "prod"]


class Cumsum(Function):
    """yᵢ = Σ_{j≤i} xⱼ along ``axis``;  dL/dxⱼ = Σ_{i≥j} gᵢ, a cumsum read backwards."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: int) -> Any:
        ctx.axis = axis
        return ctx.xp.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        backwards = (ctx.axis,)
        return flip(Cumsum.apply(flip(grad, backwards), ctx.axis), backwards), None


def cumsum(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Running sums along ``dim``: yᵢ = Σ_{j≤i} xⱼ."""
    dim = dim_or_axis(dim, axis)  # cumsum's first name is torch's dim; NumPy's axis= is the alias here
    if dim is None:
        raise TypeError("cumsum: give the dim to sum along")
    if x.ndim == 0:
        return x * 1
    return Cumsum.apply(x, one_axis(x, dim, "cumsum"))


class Prod(Function):
    """y = Πⱼ xⱼ along ``axis`` (kept, size 1);  dy/dxᵢ = Π_{j≠i} xⱼ.

    The product of the others is taken directly (not y / xᵢ), so zeros get the right gradient:
    row i of an (n, n) table is x with xᵢ replaced by 1, and its product is dy/dxᵢ. That costs
    n² per reduced row, and keeps the backward an ordinary op, so prod can be differentiated again.
    """

    @staticmethod
    def forward(ctx: Function, x: Any, axis: int) -> Any:
        ctx.axis = axis
        ctx.save_for_backward(x)
        return ctx.xp.prod(x, axis=axis, keepdims=True)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        x, = ctx.saved_tensors
        n = x.shape[ctx.axis]
        moved = x.swapaxes(ctx.axis, -1).unsqueeze(-2)  # (..., 1, n)
        diagonal = Tensor(ctx.xp.eye(n, dtype=bool))  # (n, n)
        table = where(diagonal, Tensor(ctx.xp.ones((), dtype=x.dtype)), moved)  # (..., n, n)
        others = Prod.apply(table, table.ndim - 1).squeeze(-1).swapaxes(ctx.axis, -1)  # like x
        return grad * others, None


def prod(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
         dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Π x over one axis (or over all, flattened); dy/dxᵢ is the product of the others, zeros included."""
    axis, keepdims = dim_or_axis(axis, dim), keepdim_or_keepdims(keepdims, keepdim)
    if axis is None:
        whole = Prod.apply(reshape(x, -1) if x.data.size else reshape(x, 0), 0)
        return reshape(whole, (1,) * x.ndim) if keepdims else reshape(whole, ())
    if x.ndim == 0:
        return x
    axis = one_axis(x, axis, "prod")
    y = Prod.apply(x, axis)
    return y if keepdims else squeeze(y, axis)


def diff(x: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along ``dim``: out[i] = x[i + 1] - x[i], n times."""
    axis = one_axis(x, dim, "diff")
    if prepend is not None or append is not None:
        parts = [t for t in (prepend, x, append) if t is not None]
        x = concat(parts, axis=axis)
    before = (slice(None),) * axis
    for _ in range(n):
        x = x[before + (slice(1, None),)] - x[before + (slice(None, -1),)]
    return x



def cumprod(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """yᵢ = Π_{j≤i} xⱼ along ``dim``: row i of an (n, n) table is x with the elements after i set to 1,
    and its prod is yᵢ. n² work per row, and the gradient is prod's, so zeros get the right one."""
    if x.ndim == 0:
        return x * 1
    axis = one_axis(x, dim_or_axis(axis, dim), "cumprod")
    n = x.shape[axis]
    moved = x.swapaxes(axis, -1).unsqueeze(-2)  # (..., 1, n)
    positions = arange(n, device=x.device)
    later = positions.reshape(1, n) > positions.reshape(n, 1)  # (n, n): j > i, the elements after i
    table = where(later, Tensor(x.device.xp.ones((), dtype=x.dtype)), moved)  # (..., n, n)
    return prod(table, -1).swapaxes(axis, -1)


METHODS = {"cumsum": cumsum, "prod": prod, "diff": diff, "cumprod": cumprod}
