"""Running sums and products: cumsum, and prod, whose gradient is the product of the others."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.ops.elementwise import Where
from minigrad.ops.move import Flip
from minigrad.tensor import Tensor


class Cumsum(Function):
    """yᵢ = Σ_{j≤i} xⱼ along ``axis``;  dL/dxⱼ = Σ_{i≥j} gᵢ, a cumsum read backwards."""

    @staticmethod
    def forward(ctx: Function, x: Any, axis: int) -> Any:
        ctx.axis = axis
        return ctx.xp.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        backwards = (ctx.axis,)
        return Flip.apply(Cumsum.apply(Flip.apply(grad, backwards), ctx.axis), backwards), None


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
        table = Where.apply(diagonal, Tensor(ctx.xp.ones((), dtype=x.dtype)), moved)  # (..., n, n)
        others = Prod.apply(table, table.ndim - 1).squeeze(-1).swapaxes(ctx.axis, -1)  # like x
        return grad * others, None
