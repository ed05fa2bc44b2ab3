"""Einstein summation: one op for products that sum over named axes (``"bij,bjk->bik"`` is batched matmul).

The Function is followed by its user function, which checks the equation against the operands.
"""

from __future__ import annotations

import builtins
from typing import Any

from minigrad.autograd import Function
from minigrad.tensor import Tensor

__all__ = ["einsum"]


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


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation (``einsum("bij,bjk->bik", q, k)``): letters name axes, repeated ones are summed.

    Without ``->`` the output is the letters used once, in alphabetical order, as in torch.
    Not supported: ``...`` and a letter repeated within one operand (a diagonal).
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    letters = inputs.split(",")
    if "." in equation:
        raise ValueError(f"einsum: '...' is not supported (in {equation!r}); name every axis")
    if not arrow:
        counts = {c: inputs.count(c) for c in inputs if c != ","}
        output = "".join(sorted(c for c, n in counts.items() if n == 1))
    if len(letters) != len(operands):
        raise ValueError(f"einsum: {equation!r} names {len(letters)} operands, but {len(operands)} were given")
    for own, operand in zip(letters, operands):
        if not isinstance(operand, Tensor):
            raise TypeError("einsum: every operand must be a tensor")
        if len(own) != operand.ndim:
            raise ValueError(f"einsum: {own!r} names {len(own)} axes, but the operand has shape {operand.shape}")
        if len(set(own)) != len(own):
            raise ValueError(f"einsum: {own!r} repeats a letter (a diagonal); this is not supported")
    sizes: dict[str, int] = {}
    for own, operand in zip(letters, operands):
        for c, n in zip(own, operand.shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(f"einsum: axis {c!r} has size {sizes[c]} in one operand and {n} in another")
    if builtins.any(c not in sizes for c in output):
        raise ValueError(f"einsum: the output {output!r} names an axis that no operand has")
    return Einsum.apply(*operands, spec=f"{','.join(letters)}->{output}")


METHODS: dict[str, Any] = {}  # einsum is a function only, as in torch
