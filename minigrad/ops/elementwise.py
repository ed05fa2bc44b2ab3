"""Elementwise ops: + - * / **, exp, log, sqrt, tanh, sigmoid, relu, abs, maximum, minimum, clip,
where, the cast ``to``; then clone and dropout, composed of them.

Shapes broadcast as in NumPy; the engine sums gradients back down. Each Function is followed by
its user function, and :data:`METHODS` at the end lists what this file gives ``Tensor``.
"""

from __future__ import annotations

from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.grad_mode import no_grad
from minigrad.ops.arguments import binary, floating, lift, no_bools
from minigrad.tensor import Tensor

__all__ = [
    "abs", "add", "clip", "clone", "div", "dropout", "exp", "log", "masked_fill", "maximum", "minimum", "mul", "neg",
    "pow", "relu", "sigmoid", "sqrt", "sub", "tanh", "to", "where",
]


class Add(Function):
    """z = x + y;  dz/dx = 1, dz/dy = 1."""

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        return x + y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, grad


def add(x: Any, y: Any) -> Tensor:
    """x + y, broadcasting."""
    return binary(Add, "add", x, y)


class Sub(Function):
    """z = x - y;  dz/dx = 1, dz/dy = -1."""

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        return x - y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, Tensor | None]:
        return grad, -grad if ctx.needs_input_grad[1] else None


def sub(x: Any, y: Any) -> Tensor:
    """x - y, broadcasting."""
    return binary(Sub, "sub", x, y)


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


def mul(x: Any, y: Any) -> Tensor:
    """x * y, broadcasting."""
    return binary(Mul, "mul", x, y)


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


def div(x: Any, y: Any) -> Tensor:
    """x / y, broadcasting; true division, so integers divide into the default float dtype (as torch)."""
    if isinstance(x, Tensor) and x.data.dtype.kind in "iub" and not (isinstance(y, Tensor) and y.dtype.kind == "f"):
        x = x.to(dtype=backend.default_float)
    return binary(Div, "div", x, y)


class Neg(Function):
    """z = -x;  dz/dx = -1."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        return -x

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return -grad


def neg(x: Tensor) -> Tensor:
    return Neg.apply(no_bools(x, "neg"))


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
                flat = p == 0  # x⁰'s exponent p - 1 = -1 would be inf at x = 0, and so would its derivative
                grad_x = where(flat, 0.0, grad * p * x ** where(flat, 1.0, p - 1))
            else:  # (zeros, not grad · 0: an infinite grad would make NaN, and so would its own derivative)
                grad_x = grad * p * x ** (p - 1) if p != 0 else zeros_like(grad)
        if ctx.needs_input_grad[1]:  # 0ʸ is 0 for y > 0 and 1 at y = 0: no slope, not 0 · ln 0
            flat = (x == 0) & (p >= 0)
            grad_p = (grad * z * x.masked_fill(flat, 1.0).log()).masked_fill(flat, 0.0)
        return grad_x, grad_p


def pow(x: Any, exponent: Any) -> Tensor:  # noqa: A001 - the op's name
    """x ** exponent, with a scalar or a tensor exponent."""
    if not isinstance(x, Tensor):  # a number base (2 ** x): d/d exponent needs its log, a tensor op
        x = lift(x, exponent)
    return binary(Pow, "pow", x, exponent)


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


def exp(x: Tensor) -> Tensor:
    return Exp.apply(floating(x))


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


def log(x: Tensor) -> Tensor:
    return Log.apply(floating(x))


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


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(floating(x))


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


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(floating(x))


class Sigmoid(Function):
    """y = σ(x) = 1 / (1 + e⁻ˣ);  dy/dx = y (1 - y)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        # As torch computes it (float16 in float32). σ(-20) = 1 / (1 + 4.9e8) = 2.06e-9 in float32,
        # and below x ≈ -88 e⁻ˣ = inf gives σ = 0, as it should.
        with backend.overflow_allowed(ctx.xp):
            if x.dtype == backend.float16:
                y = (1 / (1 + ctx.xp.exp(-x.astype(backend.float32)))).astype(x.dtype)
            else:
                y = 1 / (1 + ctx.xp.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad * y * (1 - y)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(floating(x))


class Relu(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0 (a NaN passes its gradient on, as in torch)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(ctx.xp.asarray(~(x <= 0)))  # NaN passes its gradient on, as torch's relu
        return ctx.xp.maximum(x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        positive, = ctx.saved_tensors  # a boolean tensor (NumPy's bool scalar for a 0-d x)
        return passed(grad, positive)


def relu(x: Tensor) -> Tensor:
    return Relu.apply(no_bools(x, "relu"))


def passed(grad: Tensor, keep: Any) -> Tensor:
    """``grad`` where ``keep`` holds and exactly 0 elsewhere: the backward of every piecewise op.

    Never ``grad * mask``: where grad is ±inf (``x.relu().sqrt()`` at x < 0) that gives 0 · inf = NaN,
    where torch gives 0.
    """
    keep = keep if isinstance(keep, Tensor) else Tensor(keep)
    return Where.apply(keep, grad, Tensor(grad.device.xp.zeros((), dtype=grad.dtype)))


def zeros_like(grad: Tensor) -> Tensor:
    """A gradient of exact zeros, of grad's shape and dtype, with no graph behind it."""
    return Tensor(grad.device.xp.zeros(grad.shape, dtype=grad.dtype))


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at x = 0, and at NaN, as torch's sgn)."""

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        sign = ctx.xp.sign(x.data)
        return grad * ctx.xp.where(ctx.xp.isnan(sign), 0, sign).astype(sign.dtype, copy=False)  # sgn(NaN) = 0


def abs(x: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(no_bools(x, "abs"))


class Maximum(Function):
    """z = max(x, y) elementwise; the larger input gets the gradient, a tie splits it evenly.

    As torch: x gets ``grad`` unless it lost (x < y), halved on a tie; the same for y. With a NaN
    neither lost, so both get the whole of it.
    """

    pick = "maximum"

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        z = getattr(ctx.xp, ctx.pick)(x, y)
        x_lost, y_lost = (x < y, y < x) if ctx.pick == "maximum" else (x > y, y > x)
        ctx.save_for_backward(*(ctx.xp.asarray(mask) for mask in (~x_lost, ~y_lost, x == y)))
        return z

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x_kept, y_kept, tie = ctx.saved_tensors
        shared = Where.apply(tie, grad * 0.5, grad)
        return passed(shared, x_kept), passed(shared, y_kept)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max(x, y); on a tie each side gets half of the gradient."""
    return binary(Maximum, "maximum", x, y)


class Minimum(Maximum):
    """z = min(x, y) elementwise; the smaller input gets the gradient, a tie splits it evenly."""

    pick = "minimum"


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise min(x, y); on a tie each side gets half of the gradient."""
    return binary(Minimum, "minimum", x, y)


class Clip(Function):
    """y = min(max(x, low), high);  dy/dx = 1 inside [low, high], else 0.

    The ends count as inside for clamp (torch's clamp) and as outside for hardtanh and relu6
    (``ends=False``: torch gives them gradient 0 at their bounds).
    """

    @staticmethod
    def forward(ctx: Function, x: Any, low: float | None, high: float | None, ends: bool) -> Any:
        inside = ctx.xp.ones(x.shape, dtype=bool)  # (clamp stops a NaN's gradient; hardtanh passes it, as torch)
        if low is not None:
            inside &= (x >= low) if ends else ~(x <= low)
        if high is not None:
            inside &= (x <= high) if ends else ~(x >= high)
        ctx.save_for_backward(inside)
        return ctx.xp.clip(x, low, high).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None, None]:
        inside, = ctx.saved_tensors
        return passed(grad, inside), None, None, None


def clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Clamp x into [min, max]; the gradient passes where x is inside (ends included).

    As torch: an integer x with a float bound gives floats (``clamp(min=0.5)`` of ``[0, 1]`` is
    ``[0.5, 1.0]``), with whole bounds it stays integer; a bool x becomes int64.
    """
    if min is None and max is None:
        raise ValueError("clip: give min, max, or both")
    if x.dtype.kind in "iub":
        if isinstance(min, float) or isinstance(max, float):
            x = x.to(dtype=backend.default_float)
        elif x.dtype.kind == "b":
            x = x.to(dtype=backend.int64)
    return Clip.apply(x, min, max, True)


def clip_open(x: Tensor, min: float, max: float) -> Tensor:  # noqa: A002
    """Clamp x into [min, max] with gradient 1 only strictly inside: hardtanh's and relu6's rule (torch's)."""
    return Clip.apply(x, min, max, False)


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


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """x where ``condition`` holds, else y (broadcasting); no gradient flows to the condition."""
    tensors = [v for v in (x, y, condition) if isinstance(v, Tensor)]
    if not tensors:
        raise TypeError("where: at least one argument must be a tensor")
    like = next((v for v in (x, y) if isinstance(v, Tensor)), tensors[0])
    if isinstance(condition, (list, tuple)):
        condition = Tensor(like.device.asarray(condition))
    condition, x, y = lift(condition, like), lift(x, like), lift(y, like)
    if condition.dtype.kind != "b":
        raise TypeError(f"where: the condition must be a boolean tensor, not {condition.dtype}")
    try:
        return Where.apply(condition, x, y)
    except ValueError:
        raise ValueError(
            f"where: shapes {condition.shape}, {x.shape} and {y.shape} cannot be broadcast together"
        ) from None


def masked_fill(x: Tensor, mask: Any, value: float) -> Tensor:
    """x with ``value`` wherever ``mask`` is True (mask broadcasts against x)."""
    return where(mask, lift(value, x), x)


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


def to(x: Tensor, device: Any = None, dtype: Any = None) -> Tensor:
    """x on ``device`` and/or with ``dtype`` (``x.to(mg.float64)`` as in torch); the gradient flows back."""
    if device is not None and not isinstance(device, (str, backend.Device)):
        device, dtype = None, device  # a dtype in the first place, as torch allows
    target = x.device if device is None else backend.get_device(device)
    if target == x.device and (dtype is None or backend.result_type(dtype) == x.dtype):
        return x
    if dtype is not None and not backend.is_floating(dtype):
        with no_grad():
            return To.apply(x, target, dtype)
    return To.apply(x, target, dtype)


def clone(x: Tensor) -> Tensor:
    """A copy with its own memory, still in the graph (the gradient passes through unchanged)."""
    return mul(x, 1)


# --- dropout: a mask, drawn anew on each call --------------------------------------------------


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p); identity when not training."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], not {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = x.device.rand(x.shape, x.dtype) >= p
    return x * Tensor(keep.astype(x.dtype) * (1.0 / (1.0 - p)))


METHODS = {
    "__add__": add, "__radd__": lambda x, y: add(y, x),
    "__sub__": sub, "__rsub__": lambda x, y: sub(y, x),
    "__mul__": mul, "__rmul__": lambda x, y: mul(y, x),
    "__truediv__": div, "__rtruediv__": lambda x, y: div(y, x),
    "__pow__": pow, "__rpow__": lambda x, y: pow(y, x),
    "__neg__": neg, "__abs__": abs,
    "add": add, "sub": sub, "mul": mul, "div": div, "pow": pow, "neg": neg,
    "exp": exp, "log": log, "sqrt": sqrt, "tanh": tanh, "sigmoid": sigmoid, "relu": relu,
    "abs": abs, "clip": clip, "clamp": clip, "maximum": maximum, "minimum": minimum, "masked_fill": masked_fill,
    "clone": clone, "to": to, "cpu": lambda x: to(x, "cpu"), "cuda": lambda x, index=0: to(x, f"cuda:{index}"),
    "float": lambda x: to(x, dtype=backend.float32), "double": lambda x: to(x, dtype=backend.float64),
    "long": lambda x: to(x, dtype=backend.int64), "half": lambda x: to(x, dtype=backend.float16),
    "bool": lambda x: to(x, dtype=backend.bool_),
    "__float__": lambda self: float(self.item()), "__int__": lambda self: int(self.item()),
}
