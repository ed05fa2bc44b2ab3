"""Matrix product, for 2-D and batched (N-D) operands. 1-D operands are handled in functional."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.tensor import Tensor


class MatMul(Function):
    """Z = X @ Y over the last two axes;  dL/dX = G @ Yᵀ,  dL/dY = Xᵀ @ G.

    Batch axes broadcast; the engine sums their gradients back to each input's shape.
    """

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        ctx.save_for_backward(x, y)
        return x @ y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        return (grad @ y.swapaxes(-1, -2) if ctx.needs_input_grad[0] else None,
                x.swapaxes(-1, -2) @ grad if ctx.needs_input_grad[1] else None)
