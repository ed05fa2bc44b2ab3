"""Write your own op: a ``minigrad.Function`` with its forward and its backward side by side.

The op is softplus, a smooth ReLU:

    softplus(x) = log(1 + eˣ)          d softplus / dx = eˣ / (1 + eˣ) = sigmoid(x)

``forward`` gets raw arrays (NumPy, CuPy or the strict stand-in: ``ctx.xp`` is their module) and
saves what backward needs with ``ctx.save_for_backward``; ``backward`` gets dL/dy as a Tensor and
returns dL/dx, written in Tensor ops, so that it can itself be differentiated. Then:

1. ``mg.gradcheck`` compares backward with central differences, element by element;
2. ``mg.gradgradcheck`` does the same one level up, which works because backward is made of ops;
3. a softplus whose backward forgets to multiply by the incoming gradient: summed into a loss it
   looks right (dL/dy is all ones there), but gradcheck checks the whole Jacobian and catches it.

    python examples/custom_function.py --size 5 --device cpu
"""

from __future__ import annotations

import argparse
from typing import Any

import minigrad as mg


class Softplus(mg.Function):
    """y = log(1 + eˣ);  dy/dx = sigmoid(x)."""

    @staticmethod
    def forward(ctx: mg.Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        xp = ctx.xp
        # log(1 + eˣ) = max(x, 0) + log(1 + e^-|x|): the same number, but eˣ never overflows
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def backward(ctx: mg.Function, grad: mg.Tensor) -> mg.Tensor:
        (x,) = ctx.saved_tensors  # the input, given back as its Tensor
        return grad * x.sigmoid()  # dL/dx = dL/dy · dy/dx


class ForgetfulSoftplus(Softplus):
    """The same forward; the backward drops dL/dy (a real and common mistake)."""

    @staticmethod
    def backward(ctx: mg.Function, grad: mg.Tensor) -> mg.Tensor:
        (x,) = ctx.saved_tensors
        return x.sigmoid()  # wrong: dy/dx alone, where dL/dx = dL/dy · dy/dx


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A custom op (softplus), gradcheck-ed, and a wrong one caught.")
    parser.add_argument("--size", type=int, default=5, help="how many elements x has (default: 5)")
    parser.add_argument("--device", default="cpu", help="cpu, strict or cuda (default: cpu)")
    args = parser.parse_args(argv)

    mg.manual_seed(0)
    x = mg.randn(args.size, device=args.device, requires_grad=True)
    y = Softplus.apply(x)
    by_composition = (x.exp() + 1.0).log()  # the same function, from built-in ops
    print(f"x                    = {x.numpy().round(4)}")
    print(f"Softplus.apply(x)    = {y.numpy().round(4)}")
    print(f"log(1 + exp(x))      = {by_composition.numpy().round(4)}")

    y.sum().backward()
    print(f"x.grad (backward)    = {x.grad.numpy().round(4)}")
    print(f"sigmoid(x) (by hand) = {x.sigmoid().numpy().round(4)}")

    mg.gradcheck(Softplus.apply, [x])  # raises GradcheckError on a mismatch
    print("gradcheck: Softplus backward agrees with central differences")
    mg.gradgradcheck(Softplus.apply, [x])
    print("gradgradcheck: and so does its second derivative, sigmoid(x)(1 - sigmoid(x))")

    # The forgetful backward passes the test that a summed loss would give it ...
    x.grad = None
    ForgetfulSoftplus.apply(x).sum().backward()
    print(f"ForgetfulSoftplus, grad of sum(y) = {x.grad.numpy().round(4)} (looks right: dL/dy = 1 here)")
    # ... but gradcheck seeds one output at a time, so a gradient that ignores dL/dy shows up.
    try:
        mg.gradcheck(ForgetfulSoftplus.apply, [x])
    except mg.GradcheckError as error:
        print("gradcheck caught the wrong backward:")
        print(f"  {error}")
    else:
        raise SystemExit("custom_function.py: gradcheck should have caught ForgetfulSoftplus")


if __name__ == "__main__":
    main()
