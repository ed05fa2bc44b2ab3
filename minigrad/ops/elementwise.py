"""Elementwise ops. Shapes broadcast as in NumPy; the engine sums gradients back down."""

from __future__ import annotations

from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.tensor import Tensor


class Add(Function):
    """z = x + y;  dz/dx = 1, dz/dy = 1."""

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        return x + y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, grad


class Sub(Function):
    """z = x - y;  dz/dx = 1, dz/dy = -1."""

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        return x - y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, Tensor | None]:
        return grad, -grad if ctx.needs_input_grad[1] else None


class Mul(Function):
    """z = x * y;  dz/dx = y, dz/dy = x."""

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        return (grad * y if ctx.needs_input_grad[0] else None,
                grad * x if ctx.needs_input_grad[1] else None)


class Div(Function):
    """z = x / y;  dz/dx = 1/y, dz/dy = -x/y²."""

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        grad_x = grad / y
        return (grad_x if ctx.needs_input_grad[0] else None,
                -grad_x * x / y if ctx.needs_input_grad[1] else None)


class Neg(Function):
    """z = -x;  dz/dx = -1."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        return -x

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return -grad


class Pow(Function):
    """z = x ** p;  dz/dx = p x^(p-1),  dz/dp = z ln x."""

    @staticmethod
    def forward(ctx: Function, x: Any, p: Any) -> Any:
        z = x**p
        ctx.save_for_backward(x, p, z)
        return z

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, p, z = ctx.saved_tensors
        grad_x = grad_p = None
        if ctx.needs_input_grad[0]:  # x⁰ is constant: 0, not 0 · x⁻¹ (NaN at x = 0), as in torch
            if isinstance(p, Tensor):
                grad_x = (grad * p * x ** (p - 1)).masked_fill(p == 0, 0.0)
            else:
                grad_x = grad * p * x ** (p - 1) if p != 0 else grad * 0.0
        if ctx.needs_input_grad[1]:  # 0ʸ is 0 for y > 0 and 1 at y = 0: no slope, not 0 · ln 0
            flat = (x == 0) & (p >= 0)
            grad_p = (grad * z * x.masked_fill(flat, 1.0).log()).masked_fill(flat, 0.0)
        return grad_x, grad_p


class Exp(Function):
    """y = eˣ;  dy/dx = y."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad * y


class Log(Function):
    """y = ln x;  dy/dx = 1/x."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    """y = √x;  dy/dx = 1 / (2y)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        y = ctx.xp.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad / (2 * y)


class Tanh(Function):
    """y = tanh x;  dy/dx = 1 - y²."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        y = ctx.xp.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad * (1 - y * y)


class Sigmoid(Function):
    """y = σ(x) = 1 / (1 + e⁻ˣ);  dy/dx = y (1 - y)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        # e = e^-|x| never overflows, and e / (1 + e) keeps σ(-20) = 2.06e-9 in float32 (not 0)
        e = ctx.xp.exp(-ctx.xp.abs(x))
        y = (ctx.xp.where(x >= 0, 1, e) / (1 + e)).astype(x.dtype, copy=False)  # 1/(1+e) for x ≥ 0, e/(1+e) below
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad * y * (1 - y)


class Relu(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x > 0)
        return ctx.xp.maximum(x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        positive, = ctx.saved_tensors  # a boolean tensor (NumPy's bool scalar for a 0-d x)
        return grad * positive


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at x = 0)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * ctx.xp.sign(x.data)


class Maximum(Function):
    """z = max(x, y) elementwise; the larger input gets the gradient, a tie splits it evenly."""

    pick = "maximum"

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        z = getattr(ctx.xp, ctx.pick)(x, y)
        # share of the gradient that goes to x: 1 where x won, 0.5 on a tie, 0 where y won
        ctx.save_for_backward(((x == z).astype(z.dtype) + (y != z)) * 0.5)
        return z

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        share_x, = ctx.saved_tensors
        return grad * share_x, grad * (1 - share_x)


class Minimum(Maximum):
    """z = min(x, y) elementwise; the smaller input gets the gradient, a tie splits it evenly."""

    pick = "minimum"


class Clip(Function):
    """y = min(max(x, low), high);  dy/dx = 1 inside [low, high], else 0."""

    @staticmethod
    def forward(ctx: Function, x: Any, low: float | None, high: float | None) -> Any:
        inside = ctx.xp.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        ctx.save_for_backward(inside)
        return ctx.xp.clip(x, low, high).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        inside, = ctx.saved_tensors
        return grad * inside.data.astype(grad.dtype), None, None


class Where(Function):
    """z = x where condition else y;  the gradient goes to whichever was chosen."""

    @staticmethod
    def forward(ctx: Function, condition: Any, x: Any, y: Any) -> Any:
        return ctx.xp.where(condition, x, y)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[None, Tensor, Tensor]:
        condition = ctx.inputs[0]
        zero = Tensor(ctx.xp.zeros((), dtype=grad.dtype))
        return None, Where.apply(condition, grad, zero), Where.apply(condition, zero, grad)


class To(Function):
    """y = x on another device and/or with another dtype;  the gradient goes back the same way."""

    @staticmethod
    def forward(ctx: Function, x: Any, device: backend.Device, dtype: Any) -> Any:
        ctx.source = (backend.device_of(x), x.dtype)
        if backend.device_of(x) != device:
            x = device.asarray(backend.to_host(x))
        return x.astype(dtype) if dtype is not None else x.copy()

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        device, dtype = ctx.source
        return To.apply(grad, device, dtype), None, None
