"""Trigonometric and hyperbolic ops. Each backward is its derivative from the table.

Each Function is followed by its user function, and :data:`METHODS` at the end lists what this
file gives ``Tensor``.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.autograd import Function
from minigrad.ops.arguments import binary, floating
from minigrad.tensor import Tensor

__all__ = ["acos", "arctan2", "asin", "atan", "atan2", "cos", "cosh", "deg2rad", "rad2deg", "sin", "sinh", "tan"]


class Sin(Function):
    """y = sin x;  dy/dx = cos x."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * Cos.apply(x)


def sin(x: Tensor) -> Tensor:
    return Sin.apply(floating(x))


class Cos(Function):
    """y = cos x;  dy/dx = -sin x."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return -grad * Sin.apply(x)


def cos(x: Tensor) -> Tensor:
    return Cos.apply(floating(x))


class Tan(Function):
    """y = tan x;  dy/dx = 1 + y²."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        y = ctx.xp.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad * (1 + y * y)


def tan(x: Tensor) -> Tensor:
    return Tan.apply(floating(x))


class Asin(Function):
    """y = arcsin x;  dy/dx = 1 / √(1 - x²)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.arcsin(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / (1 - x * x).sqrt()


def asin(x: Tensor) -> Tensor:
    return Asin.apply(floating(x))


class Acos(Function):
    """y = arccos x;  dy/dx = -1 / √(1 - x²)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.arccos(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return -grad / (1 - x * x).sqrt()


def acos(x: Tensor) -> Tensor:
    return Acos.apply(floating(x))


class Atan(Function):
    """y = arctan x;  dy/dx = 1 / (1 + x²)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.arctan(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / (1 + x * x)


def atan(x: Tensor) -> Tensor:
    return Atan.apply(floating(x))


class Sinh(Function):
    """y = sinh x;  dy/dx = cosh x."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.sinh(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * Cosh.apply(x)


def sinh(x: Tensor) -> Tensor:
    return Sinh.apply(floating(x))


class Cosh(Function):
    """y = cosh x;  dy/dx = sinh x."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.cosh(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * Sinh.apply(x)


def cosh(x: Tensor) -> Tensor:
    return Cosh.apply(floating(x))



class Atan2(Function):
    """θ = atan2(y, x), the angle of the point (x, y) in (−π, π];  ∂θ/∂y = x / (x² + y²),  ∂θ/∂x = −y / (x² + y²)."""

    @staticmethod
    def forward(ctx: Function, y: Any, x: Any) -> Any:
        ctx.save_for_backward(y, x)
        return ctx.xp.arctan2(y, x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        y, x = ctx.saved_tensors
        scale = grad / (x * x + y * y)
        return (scale * x if ctx.needs_input_grad[0] else None,
                -(scale * y) if ctx.needs_input_grad[1] else None)


def atan2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """The angle of the point (other, input): atan(input / other), in the right quadrant (torch.atan2);
    integer inputs give a float angle, as in torch."""
    return binary(Atan2, "atan2", floating(input) if isinstance(input, Tensor) else input,
                  floating(other) if isinstance(other, Tensor) else other)


arctan2 = atan2  # NumPy's name


def deg2rad(x: Tensor) -> Tensor:
    """x · π / 180."""
    return x * (math.pi / 180)


def rad2deg(x: Tensor) -> Tensor:
    """x · 180 / π."""
    return x * (180 / math.pi)


METHODS = {
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "arcsin": asin, "arccos": acos, "arctan": atan, "sinh": sinh, "cosh": cosh,
    "atan2": atan2, "arctan2": atan2, "deg2rad": deg2rad, "rad2deg": rad2deg,
}
