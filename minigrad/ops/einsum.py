"""Einstein summation: one op for products that sum over named axes (``"bij,bjk->bik"`` is batched matmul)."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.tensor import Tensor


class Einsum(Function):
    """z = einsum(spec, x₁, …, xₙ);  dL/dxₖ = einsum of dL/dz with the other operands, onto xₖ's letters.

    ``spec`` is explicit (``"ij,jk->ik"``), each operand's letters distinct. A letter that only xₖ
    has (summed inside xₖ alone) does not survive into that einsum: its gradient is broadcast along it.
    """

    @staticmethod
    def forward(ctx: Function, *arrays: Any, spec: str) -> Any:
        ctx.spec = spec
        return ctx.xp.einsum(spec, *arrays)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, ...]:
        inputs, output = ctx.spec.split("->")
        letters = inputs.split(",")
        grads: list[Tensor | None] = []
        for k, (operand, own) in enumerate(zip(ctx.inputs, letters)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(ctx.inputs) if j != k]
            other_letters = [s for j, s in enumerate(letters) if j != k]
            seen = set(output).union(*other_letters)
            kept = "".join(c for c in own if c in seen)
            g = Einsum.apply(grad, *others, spec=",".join([output, *other_letters]) + "->" + kept)
            if kept != own:  # put back the axes only xₖ had, size 1, and broadcast along them
                g = g.reshape(tuple(n if c in seen else 1 for c, n in zip(own, operand.shape)))
                g = g.broadcast_to(operand.shape)
            grads.append(g)
        return tuple(grads)
