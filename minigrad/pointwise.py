"""Elementwise math beyond the basics (sin … erf, the step functions, ``%``), and the in-place forms.

Each function calls one Function from :mod:`minigrad.ops` or composes a few; the Tensor
methods are registered from :data:`METHODS` at the end of this file.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.functional import _binary, _inplace, _lift, add, clip, div, log, mul, sqrt, sub
from minigrad.ops.pointwise import Erf, Expm1, Log1p, Remainder, Softplus, Step
from minigrad.ops.trig import Acos, Asin, Atan, Cos, Cosh, Sin, Sinh, Tan
from minigrad.tensor import Tensor


def sin(x: Tensor) -> Tensor:
    return Sin.apply(x)


def cos(x: Tensor) -> Tensor:
    return Cos.apply(x)


def tan(x: Tensor) -> Tensor:
    return Tan.apply(x)


def asin(x: Tensor) -> Tensor:
    return Asin.apply(x)


def acos(x: Tensor) -> Tensor:
    return Acos.apply(x)


def atan(x: Tensor) -> Tensor:
    return Atan.apply(x)


def sinh(x: Tensor) -> Tensor:
    return Sinh.apply(x)


def cosh(x: Tensor) -> Tensor:
    return Cosh.apply(x)


def log1p(x: Tensor) -> Tensor:
    """ln(1 + x), exact for tiny x."""
    return Log1p.apply(x)


def expm1(x: Tensor) -> Tensor:
    """eˣ - 1, exact for tiny x."""
    return Expm1.apply(x)


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


def erf(x: Tensor) -> Tensor:
    """erf x = (2/√π) ∫₀ˣ e^(-t²) dt."""
    return Erf.apply(x)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + e^(βx)) / β, computed without overflow; x itself where βx > threshold (torch's rule)."""
    return Softplus.apply(x, beta, threshold)


def logsigmoid(x: Tensor) -> Tensor:
    """ln σ(x) = -softplus(-x): finite for large negative x (ln σ(-40) = -40, not -inf)."""
    return -softplus(-x, 1.0, math.inf)


def _step(name: str, doc: str) -> Any:
    def step(x: Tensor) -> Tensor:
        return Step.apply(x, name)

    step.__name__ = step.__qualname__ = name
    step.__doc__ = doc
    return step


sign = _step("sign", "-1, 0 or 1 by the sign of x; its gradient is zero.")
floor = _step("floor", "The largest integer ≤ x; its gradient is zero.")
ceil = _step("ceil", "The smallest integer ≥ x; its gradient is zero.")
round = _step("round", "x rounded to the nearest integer (halves to even, as torch); its gradient is zero.")  # noqa: A001
trunc = _step("trunc", "x rounded towards zero; its gradient is zero.")


def remainder(x: Any, y: Any) -> Tensor:
    """x mod y, with the sign of y (Python's ``%`` and torch.remainder); dz/dx = 1, dz/dy = -⌊x / y⌋."""
    if isinstance(x, Tensor):
        y = _lift(y, x)
    else:
        x = _lift(x, y)
    return _binary(Remainder, "remainder", x, y)


def _ip(op: Any, name: str) -> Any:
    return _inplace(op, name)


def _fill(self: Tensor, value: float) -> Tensor:
    """Every element set to ``value``, in place."""
    return _inplace(lambda x, _: Tensor(x.device.xp.full(x.shape, value, dtype=x.dtype)), "fill_")(self, None)


def _zero(self: Tensor) -> Tensor:
    """Every element set to 0, in place (``p.grad.zero_()``)."""
    return _fill(self, 0)


def _copy(self: Tensor, source: Tensor) -> Tensor:
    """The elements of ``source`` (broadcast to this shape) written into this tensor, in place."""
    return _inplace(lambda x, s: Tensor(x.device.xp.broadcast_to(x.device.asarray(
        s.data if isinstance(s, Tensor) else s, dtype=x.dtype), x.shape)), "copy_")(self, source)


def _clamp_inplace(self: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    return _inplace(lambda x, _: clip(x, min, max), "clamp_")(self, None)


def _scaled_add(op: Any, name: str) -> Any:
    def method(self: Tensor, other: Any, alpha: float = 1) -> Tensor:
        return _inplace(op, name)(self, other if alpha == 1 else other * alpha)

    method.__name__ = name
    return method


METHODS = {
    "sin": sin, "cos": cos, "tan": tan, "asin": asin, "acos": acos, "atan": atan,
    "arcsin": asin, "arccos": acos, "arctan": atan, "sinh": sinh, "cosh": cosh,
    "log1p": log1p, "expm1": expm1, "log2": log2, "log10": log10, "exp2": exp2, "rsqrt": rsqrt,
    "square": square, "reciprocal": reciprocal, "erf": erf, "sign": sign, "floor": floor, "ceil": ceil,
    "round": round, "trunc": trunc, "remainder": remainder,
    "__mod__": remainder, "__rmod__": lambda x, y: remainder(y, x),
    "add_": _scaled_add(add, "add_"), "sub_": _scaled_add(sub, "sub_"),
    "mul_": _ip(mul, "mul_"), "div_": _ip(div, "div_"),
    "zero_": _zero, "fill_": _fill, "copy_": _copy, "clamp_": _clamp_inplace, "clip_": _clamp_inplace,
}
for _name, _function in METHODS.items():
    setattr(Tensor, _name, _function)
