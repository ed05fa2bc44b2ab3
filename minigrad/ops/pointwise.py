"""More elementwise ops: log1p, expm1, the stable softplus, erf, the step functions, remainder."""

from __future__ import annotations

import math
from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.tensor import Tensor


class Log1p(Function):
    """y = ln(1 + x), exact for tiny x;  dy/dx = 1 / (1 + x)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad / (1 + x)


class Expm1(Function):
    """y = eˣ - 1, exact for tiny x;  dy/dx = y + 1."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        y = ctx.xp.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad * (y + 1)


class Softplus(Function):
    """y = ln(1 + eˣ) = max(x, 0) + ln(1 + e^-|x|) (never overflows);  dy/dx = σ(x).

    As in torch, with ``beta`` the op is ln(1 + e^(βx)) / β, and it is x itself where
    βx > ``threshold`` (there the two differ by less than float rounding).
    """

    @staticmethod
    def forward(ctx: Function, x: Any, beta: float, threshold: float) -> Any:
        xp = ctx.xp
        scaled = x * beta
        y = (xp.maximum(scaled, 0) + xp.log1p(xp.exp(-xp.abs(scaled)))) / beta
        linear = scaled > threshold
        ctx.beta, ctx.linear = beta, linear
        ctx.save_for_backward(x)
        return xp.where(linear, x, y).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        x, = ctx.saved_tensors
        slope = (x * ctx.beta).sigmoid()
        return grad * slope.masked_fill(Tensor(ctx.linear), 1.0), None, None


class Erf(Function):
    """y = erf x = (2/√π) ∫₀ˣ e^(-t²) dt;  dy/dx = (2/√π) e^(-x²)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return backend.erf(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad * (-(x * x)).exp() * (2 / math.sqrt(math.pi))


class Step(Function):
    """y = a piecewise-constant function of x (sign, floor, ceil, round, trunc);  dy/dx = 0, as in torch."""

    @staticmethod
    def forward(ctx: Function, x: Any, name: str) -> Any:
        return getattr(ctx.xp, name)(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return grad * 0.0, None


class Remainder(Function):
    """z = x mod y = x - ⌊x / y⌋ y (the sign of y, as Python's % and torch.remainder);  dz/dx = 1, dz/dy = -⌊x / y⌋."""

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        ctx.save_for_backward(x, y)
        return ctx.xp.remainder(x, y)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        quotient = Tensor(ctx.xp.floor(x.data / y.data)) if ctx.needs_input_grad[1] else None
        return (grad if ctx.needs_input_grad[0] else None,
                -grad * quotient if ctx.needs_input_grad[1] else None)


class BinaryCrossEntropy(Function):
    """ℓ = -(t ln p + (1 - t) ln(1 - p)), each log clamped at -100 (torch's rule, so p = 0 or 1 is finite);

    dℓ/dp = (p - t) / max(p (1 - p), 1e-12),  dℓ/dt = ln(1 - p) - ln p (not clamped: ±inf at p = 0, 1, as torch).
    """

    @staticmethod
    def forward(ctx: Function, p: Any, t: Any) -> Any:
        xp = ctx.xp
        ctx.save_for_backward(p, t)
        q = 1 - p
        # ln 0 is -inf before the clamp: take the log of 1 there instead (no warning), then -100
        log_p = xp.where(p > 0, xp.maximum(xp.log(xp.where(p > 0, p, 1)), -100), -100)
        log_q = xp.where(q > 0, xp.maximum(xp.log1p(xp.where(q > 0, -p, 0)), -100), -100)
        return (-(t * log_p + (1 - t) * log_q)).astype(p.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        p, t = ctx.saved_tensors
        grad_p = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_p = grad * (p - t) / (p * (1 - p)).clip(min=1e-12)
        if ctx.needs_input_grad[1]:
            with backend.log_of_zero_allowed(ctx.xp):
                grad_t = grad * ((-p).log1p() - p.log())
        return grad_p, grad_t
