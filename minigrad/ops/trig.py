"""Trigonometric and hyperbolic ops. Each backward is its derivative from the table."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.tensor import Tensor


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
