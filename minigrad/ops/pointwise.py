"""More elementwise math: log1p, expm1, log2, log10, exp2, rsqrt, square, reciprocal, the stable
softplus, erf, the step functions, remainder; and the activations composed of them (leaky_relu,
elu, gelu, silu, hardtanh, relu6, softsign).

Each Function is followed by its user function, and :data:`METHODS` at the end lists what this
file gives ``Tensor``.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.ops.arguments import binary, floating, floats_only, lift, no_bools, no_grad_result, promote
from minigrad.ops.elementwise import clip_open, div, log, mul, sqrt, where, zeros_like
from minigrad.tensor import Tensor

__all__ = [
    "ceil", "elu", "erf", "exp2", "expm1", "floor", "floor_divide", "gelu", "hardtanh", "leaky_relu", "log1p", "log2",
    "log10", "logsigmoid", "reciprocal", "relu6", "remainder", "round", "rsqrt", "sign", "silu", "softplus",
    "softsign", "square", "trunc",
]


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


def log1p(x: Tensor) -> Tensor:
    """ln(1 + x), exact for tiny x."""
    return Log1p.apply(floating(x))


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


def expm1(x: Tensor) -> Tensor:
    """eˣ - 1, exact for tiny x."""
    return Expm1.apply(floating(x))


def log2(x: Tensor) -> Tensor:
    """log₂ x = ln x / ln 2."""
    return log(x) * (1 / math.log(2))


def log10(x: Tensor) -> Tensor:
    """log₁₀ x = ln x / ln 10."""
    return log(x) * (1 / math.log(10))


def exp2(x: Tensor) -> Tensor:
    """2ˣ."""
    return 2.0**x


def rsqrt(x: Tensor) -> Tensor:
    """1 / √x."""
    return 1.0 / sqrt(x)


def square(x: Tensor) -> Tensor:
    """x²."""
    return mul(x, x)


def reciprocal(x: Tensor) -> Tensor:
    """1 / x."""
    return div(1.0, x)


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


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + e^(βx)) / β, computed without overflow; x itself where βx > threshold (torch's rule)."""
    return Softplus.apply(floats_only(x, "softplus"), beta, threshold)


def logsigmoid(x: Tensor) -> Tensor:
    """ln σ(x) = -softplus(-x): finite for large negative x (ln σ(-40) = -40, not -inf)."""
    return -softplus(-floats_only(x, "logsigmoid"), 1.0, math.inf)


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


def erf(x: Tensor) -> Tensor:
    """erf x = (2/√π) ∫₀ˣ e^(-t²) dt."""
    return Erf.apply(floating(x))


class Step(Function):
    """y = a piecewise-constant function of x (sign, floor, ceil, round, trunc);  dy/dx = 0, as in torch.

    The gradient is exact zeros (grad · 0 would be NaN where grad is ±inf); sign(NaN) is 0, as torch's.
    """

    @staticmethod
    def forward(ctx: Function, x: Any, name: str) -> Any:
        y = getattr(ctx.xp, name)(x)
        return ctx.xp.where(ctx.xp.isnan(y), 0, y).astype(y.dtype, copy=False) if name == "sign" else y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return zeros_like(grad), None


def _step(name: str, doc: str) -> Any:
    def step(x: Tensor) -> Tensor:
        if x.dtype.kind == "b" and name != "sign":  # torch: the sign of a bool is itself; the rest refuse
            raise TypeError(f"{name}: not defined for bool tensors (torch refuses them too)")
        if x.dtype.kind == "b" or x.dtype.kind in "iu" and name != "sign":
            return Tensor(x.data.copy())  # a whole number is its own floor, ceil, round and trunc
        return Step.apply(x, name)

    step.__name__ = step.__qualname__ = name
    step.__doc__ = doc
    return step


sign = _step("sign", "-1, 0 or 1 by the sign of x; its gradient is zero.")


floor = _step("floor", "The largest integer ≤ x; its gradient is zero.")


ceil = _step("ceil", "The smallest integer ≥ x; its gradient is zero.")


round = _step("round", "x rounded to the nearest integer (halves to even, as torch); its gradient is zero.")  # noqa: A001


trunc = _step("trunc", "x rounded towards zero; its gradient is zero.")


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


def remainder(x: Any, y: Any) -> Tensor:
    """x mod y, with the sign of y (Python's ``%`` and torch.remainder); dz/dx = 1, dz/dy = -⌊x / y⌋."""
    if isinstance(x, Tensor):
        y = lift(y, x)
    else:
        x = lift(x, y)
    return binary(Remainder, "remainder", x, y)


def floor_divide(x: Any, y: Any) -> Tensor:
    """⌊x / y⌋ (Python's ``//``, torch.floor_divide): whole numbers stay whole.

    Piecewise constant: no gradient is recorded (torch records one and then refuses to compute it).
    """
    if isinstance(x, Tensor):
        y = lift(y, x)
    else:
        x = lift(x, y)
    x, y = promote(x, y)
    if x.dtype.kind == "b" and y.dtype.kind == "b":
        x = x.to(dtype=backend.int64)
    return no_grad_result(x, x.device.xp.floor_divide(x.data, y.data))


# --- activations, composed of the ops above (torch keeps them in nn.functional) -----------------------


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope · x."""
    floats_only(x, "leaky_relu")
    return where(x > 0, x, x * negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else α (eˣ - 1).

    eˣ is taken of x where x ≤ 0 and of 0 elsewhere: a large x can neither overflow it nor send
    0 · inf = NaN back through the branch not taken; at 0 the slope is α (the left branch), as torch.
    """
    negative = floats_only(x, "elu") <= 0  # (NaN is not ≤ 0: its gradient passes as x's, as in torch)
    return where(negative, expm1(where(negative, x, 0.0)) * alpha, x)


class Gelu(Function):
    """y = x Φ(x), Φ(x) = ½ (1 + erf(x / √2));  dy/dx = Φ(x) + x φ(x), φ(x) = e^(-x²/2) / √(2π).

    One op rather than the product x · Φ(x): at x = 0 the product rule would send 0 · g into Φ's
    side, which is NaN for an infinite g, where torch's gelu gives g · ½.
    """

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return (0.5 * x * (1 + backend.erf(x * (1 / math.sqrt(2))))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2))))
        pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return grad * (cdf + x * pdf)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x Φ(x) = x · ½ (1 + erf(x / √2)); ``approximate="tanh"``: ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))."""
    floats_only(x, "gelu")
    if approximate == "tanh":
        return 0.5 * x * (1 + ((x + 0.044715 * x * x * x) * math.sqrt(2 / math.pi)).tanh())
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', not {approximate!r}")
    return Gelu.apply(x)


class Silu(Function):
    """y = x σ(x) (also called swish);  dy/dx = σ(x) (1 + x (1 - σ(x))).

    One op rather than the product x · σ(x), for the same reason as :class:`Gelu`.
    """

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        e = ctx.xp.exp(-ctx.xp.abs(x))  # σ(x) without overflow, as Sigmoid
        return (x * ctx.xp.where(x >= 0, 1, e) / (1 + e)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        s = x.sigmoid()
        return grad * (s * (1 + x * (1 - s)))


def silu(x: Tensor) -> Tensor:
    """x σ(x) (also called swish)."""
    return Silu.apply(floats_only(x, "silu"))


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clamped into [min_val, max_val]; the gradient is 1 strictly inside, 0 at the bounds and beyond (torch)."""
    return clip_open(no_bools(x, "hardtanh"), min_val, max_val)


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6); the gradient is 1 strictly inside (0, 6), 0 at the bounds and beyond (torch)."""
    return clip_open(no_bools(x, "relu6"), 0, 6)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return x / (1 + x.abs())


METHODS = {
    "log1p": log1p, "expm1": expm1, "log2": log2, "log10": log10, "exp2": exp2, "rsqrt": rsqrt,
    "square": square, "reciprocal": reciprocal, "erf": erf, "sign": sign, "floor": floor, "ceil": ceil,
    "round": round, "trunc": trunc, "remainder": remainder,
    "__mod__": remainder, "__rmod__": lambda x, y: remainder(y, x),
    "floor_divide": floor_divide, "__floordiv__": floor_divide, "__rfloordiv__": lambda x, y: floor_divide(y, x),
}
