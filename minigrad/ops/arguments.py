"""The argument handling that every op shares, written once: numbers lifted to tensors, dtype
promotion, NumPy's ``axis``/``keepdims`` beside torch's ``dim``/``keepdim``, and shape arguments.

``axis``/``keepdims`` (NumPy) and ``dim``/``keepdim`` (torch) are the same arguments, as torch
itself accepts both; :func:`dim_or_axis` and :func:`keepdim_or_keepdims` pick whichever was given.
An axis is checked here once, with an error that names the op, and a reduction over no axes at
all is the identity.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import Any

from minigrad import backend
from minigrad.tensor import Tensor

Axis = int | Sequence[int] | None


# --- numbers and arrays as tensors, and the dtype two operands meet in -------------------------


def lift(value: Any, like: Tensor) -> Tensor:
    """``value`` as a tensor on ``like``'s device; a Python number takes ``like``'s dtype (``x * 2.0`` stays
    float32)."""
    if isinstance(value, Tensor):
        return value
    if backend.is_array(value):
        if backend.device_of(value) != like.device:
            raise backend.DeviceError(
                f"an array on {backend.device_of(value)} was mixed with a tensor on {like.device}; "
                "make it a tensor on the same device first"
            )
        return Tensor(value)
    if isinstance(value, backend.host_scalar):  # a NumPy number keeps its own dtype
        return Tensor(like.device.asarray(value))
    if isinstance(value, (int, float, bool)):
        floats_into_ints = isinstance(value, float) and not backend.is_floating(like.dtype)
        ints_into_bools = type(value) is int and like.dtype.kind == "b"  # True + 1 is 2, as in torch
        dtype = backend.default_float if floats_into_ints else backend.int64 if ints_into_bools else like.dtype
        return Tensor(like.device.asarray(value, dtype=dtype))
    raise TypeError(f"cannot combine a tensor with {type(value).__name__} {value!r}")


def floating(x: Tensor) -> Tensor:
    """x itself if it holds floats, else x in the default float dtype: ``mg.tensor([0, 1]).sigmoid()`` is
    ``[0.5, 0.731]`` in float32, as in torch (an integer result would truncate it to ``[0, 0]``)."""
    return x if x.dtype.kind == "f" else x.to(dtype=backend.default_float)


def floats_only(x: Tensor, op: str) -> Tensor:
    """x, if it holds floats; an integer or boolean x is refused, as torch refuses it for this op."""
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: not defined for {x.dtype} tensors (torch refuses them too); convert with .float()")
    return x


def no_bools(x: Tensor, op: str) -> Tensor:
    """x, unless it is boolean: torch refuses bools for this op."""
    if x.dtype.kind == "b":
        raise TypeError(f"{op}: not defined for bool tensors (torch refuses them too); convert with .int() or .float()")
    return x


def weak_scalar(value: Any, tensor: Tensor) -> bool:
    """Can ``value`` go into the op as a plain Python number, without changing the dtype?

    On NumPy 2 (NEP 50), ``float32_array * 2.0`` stays float32, so a float number meets a float
    tensor as it is, which saves making a tensor of it. Other cases are lifted to tensors.
    """
    return type(value) in _WEAK and tensor.data.dtype.kind == "f" and type(tensor.data) in _WEAK_ARRAYS


_WEAK = (float, int)
_WEAK_ARRAYS = tuple(backend.ARRAY_MODULES)  # NumPy and the strict stand-in (CuPy: lifted)


def promote(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """torch's rule where NumPy's differs: an integer or boolean tensor meets a float one in the float's dtype."""
    if y.dtype.kind == "f" and x.dtype.kind in "iub":
        return x.to(dtype=y.dtype), y
    if x.dtype.kind == "f" and y.dtype.kind in "iub":
        return x, y.to(dtype=x.dtype)
    return x, y


def binary(op: type, name: str, x: Any, y: Any) -> Tensor:
    """``op.apply(x, y)`` for a broadcasting two-operand op, after lifting numbers and promoting dtypes.

    Every binary op's user function calls this with its own Function (``binary(Add, "add", x, y)``).
    """
    if isinstance(x, Tensor):
        if not isinstance(y, Tensor):
            if not weak_scalar(y, x):
                y = lift(y, x)
                if x.data.dtype is not y.data.dtype:  # the common case: one dtype, nothing to do
                    x, y = promote(x, y)
        elif x.data.dtype is not y.data.dtype:
            x, y = promote(x, y)
    elif not weak_scalar(x, y):
        x = lift(x, y)
        if x.data.dtype is not y.data.dtype:
            x, y = promote(x, y)
    try:
        return op.apply(x, y)
    except ValueError as exc:
        if "broadcast" in str(exc):
            raise ValueError(f"{name}: shapes {x.shape} and {y.shape} cannot be broadcast together") from None
        raise


def no_grad_result(x: Tensor, data: Any) -> Tensor:
    """A result with no gradient (indices, booleans) as a tensor on x's device; NumPy gives scalars for 0-d."""
    return Tensor(x.device.xp.asarray(data))


# --- axes --------------------------------------------------------------------------------------


def dim_or_axis(axis: Any, dim: Any) -> Any:
    """torch's ``dim`` where given, else NumPy's ``axis``."""
    return axis if dim is None else dim


def keepdim_or_keepdims(keepdims: bool, keepdim: bool | None) -> bool:
    """torch's ``keepdim`` where given, else NumPy's ``keepdims``."""
    return keepdims if keepdim is None else keepdim


def positive_axes(x: Tensor, axis: Axis, op: str) -> tuple[int, ...]:
    """NumPy's ``axis`` (None, int or tuple; negative from the end) as sorted positive axes."""
    if axis is None:
        return tuple(range(x.ndim))
    given = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in given:
        if not -x.ndim <= a < builtins.max(x.ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of shape {x.shape}")
    if x.ndim == 0:
        return ()  # axis 0 of a 0-d tensor is the one element itself: nothing to reduce, as in torch
    positive = sorted({a % x.ndim for a in given})
    if len(positive) != len(given):
        raise ValueError(f"{op}: axis {given} names an axis twice (shape {x.shape})")
    return tuple(positive)


def one_axis(x: Tensor, axis: int, op: str) -> int:
    """One axis, checked and made positive; a 0-d tensor has none. A tuple is refused, as torch refuses it
    (NumPy would reduce over all of its axes, and taking its first entry would be silently wrong)."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: takes one axis (an int), not {axis!r}") from None
    found = positive_axes(x, axis, op)
    if not found:
        raise ValueError(f"{op}: a 0-d tensor has no axis {axis} to work along")
    return found[0]


def nonempty(x: Tensor, reduced: tuple[int, ...], op: str) -> None:
    """Refuse a max or min over an empty axis, which has no value (torch refuses it too)."""
    if builtins.any(x.shape[a] == 0 for a in reduced) or (x.ndim == 0 and x.data.size == 0):
        raise ValueError(f"{op}: the tensor of shape {x.shape} is empty along the reduced axes")


# --- shapes ------------------------------------------------------------------------------------


def shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """A shape given as ``f(x, 2, 3)`` or ``f(x, (2, 3))``, as ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def count(shape: tuple[int, ...]) -> int:
    """The number of elements of ``shape``."""
    total = 1
    for n in shape:
        total *= n
    return total
