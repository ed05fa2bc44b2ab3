"""The op set as functions (``import minigrad.functional as F``) and as Tensor methods.

Each function checks its arguments, says clearly what is wrong, and calls one
Function from :mod:`minigrad.ops` (or composes a few). Python numbers are lifted to
tensors of the other operand's dtype, so ``x * 2.0`` stays float32.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, NamedTuple

from minigrad import backend
from minigrad.autograd import Function
from minigrad.grad_mode import is_grad_enabled, no_grad
from minigrad.ops.elementwise import (
    Abs,
    Add,
    Clip,
    Div,
    Exp,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
    To,
    Where,
)
from minigrad.ops.index import GetItem, along_axis
from minigrad.ops.linalg import MatMul
from minigrad.ops.reduce import LogSoftmax, LogSumExp, Max, Mean, Min, Softmax, Sum
from minigrad.ops.shape import BroadcastTo, Concat, Permute, Reshape, Split
from minigrad.tensor import Tensor

Axis = int | Sequence[int] | None


# --- lifting numbers and arrays to tensors ------------------------------------------


def _lift(value: Any, like: Tensor) -> Tensor:
    """``value`` as a tensor on ``like``'s device; a Python number takes ``like``'s dtype."""
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
        dtype = backend.default_float if floats_into_ints else like.dtype
        return Tensor(like.device.asarray(value, dtype=dtype))
    raise TypeError(f"cannot combine a tensor with {type(value).__name__} {value!r}")


def _weak_scalar(value: Any, tensor: Tensor) -> bool:
    """Can ``value`` go into the op as a plain Python number, without changing the dtype?

    On NumPy 2 (NEP 50), ``float32_array * 2.0`` stays float32, so a float number meets a float
    tensor as it is, which saves making a tensor of it. Other cases are lifted to tensors.
    """
    return type(value) in _WEAK and tensor.data.dtype.kind == "f" and type(tensor.data) in _WEAK_ARRAYS


_WEAK = (float, int)
_WEAK_ARRAYS = tuple(backend.ARRAY_MODULES)  # NumPy and the strict stand-in (CuPy: lifted)


def _binary(op: type[Function], name: str, x: Any, y: Any) -> Tensor:
    if isinstance(x, Tensor):
        if not isinstance(y, Tensor):
            if not _weak_scalar(y, x):
                y = _lift(y, x)
                if x.data.dtype is not y.data.dtype:  # the common case: one dtype, nothing to do
                    x, y = _promote(x, y)
        elif x.data.dtype is not y.data.dtype:
            x, y = _promote(x, y)
    elif not _weak_scalar(x, y):
        x = _lift(x, y)
        if x.data.dtype is not y.data.dtype:
            x, y = _promote(x, y)
    try:
        return op.apply(x, y)
    except ValueError as exc:
        if "broadcast" in str(exc):
            raise ValueError(f"{name}: shapes {x.shape} and {y.shape} cannot be broadcast together") from None
        raise


def _promote(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """torch's rule where NumPy's differs: an integer or boolean tensor meets a float one in the float's dtype."""
    if y.dtype.kind == "f" and x.dtype.kind in "iub":
        return x.to(dtype=y.dtype), y
    if x.dtype.kind == "f" and y.dtype.kind in "iub":
        return x, y.to(dtype=x.dtype)
    return x, y


def add(x: Any, y: Any) -> Tensor:
    """x + y, broadcasting."""
    return _binary(Add, "add", x, y)


def sub(x: Any, y: Any) -> Tensor:
    """x - y, broadcasting."""
    return _binary(Sub, "sub", x, y)


def mul(x: Any, y: Any) -> Tensor:
    """x * y, broadcasting."""
    return _binary(Mul, "mul", x, y)


def div(x: Any, y: Any) -> Tensor:
    """x / y, broadcasting; true division, so integers divide into the default float dtype (as torch)."""
    if isinstance(x, Tensor) and x.data.dtype.kind in "iub" and not (isinstance(y, Tensor) and y.dtype.kind == "f"):
        x = x.to(dtype=backend.default_float)
    return _binary(Div, "div", x, y)


def pow(x: Any, exponent: Any) -> Tensor:  # noqa: A001 - the op's name
    """x ** exponent, with a scalar or a tensor exponent."""
    if not isinstance(x, Tensor):  # a number base (2 ** x): d/d exponent needs its log, a tensor op
        x = _lift(x, exponent)
    return _binary(Pow, "pow", x, exponent)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max(x, y); on a tie each side gets half of the gradient."""
    return _binary(Maximum, "maximum", x, y)


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise min(x, y); on a tie each side gets half of the gradient."""
    return _binary(Minimum, "minimum", x, y)


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return Sqrt.apply(x)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(x)


def relu(x: Tensor) -> Tensor:
    return Relu.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(x)


def clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Clamp x into [min, max]; the gradient passes where x is inside (ends included)."""
    if min is None and max is None:
        raise ValueError("clip: give min, max, or both")
    return Clip.apply(x, min, max)


def matmul(x: Tensor, y: Tensor) -> Tensor:
    """Matrix product as ``numpy.matmul``: 1-D, 2-D, and batched N-D with broadcast batch axes."""
    if not isinstance(x, Tensor) or not isinstance(y, Tensor):
        raise TypeError("matmul: both operands must be tensors")
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"matmul: shapes {x.shape} and {y.shape}: a scalar has no matrix product; use *")
    if x.shape[-1] != y.shape[-2 if y.ndim > 1 else 0]:
        inner = y.shape[-2 if y.ndim > 1 else 0]
        raise ValueError(
            f"matmul: shapes {x.shape} and {y.shape} do not line up ({x.shape[-1]} != {inner})"
        )
    if x.ndim == 1:
        return squeeze(matmul(unsqueeze(x, 0), y), -2 if y.ndim > 1 else -1)
    if y.ndim == 1:
        return squeeze(matmul(x, unsqueeze(y, -1)), -1)
    if x.ndim > 2 and y.ndim == 2:
        # a stack of rows times one matrix is one big matrix product: (..., k) -> (rows, k) @ (k, m).
        # BLAS does it in one call, and the weight's gradient needs no sum over the stack.
        rows = x.data.size // x.shape[-1] if x.shape[-1] else _count(x.shape[:-1])
        return reshape(MatMul.apply(reshape(x, rows, x.shape[-1]), y), *x.shape[:-1], y.shape[-1])
    try:
        return MatMul.apply(x, y)
    except ValueError:
        raise ValueError(
            f"matmul: shapes {x.shape} and {y.shape}: batch axes {x.shape[:-2]} and {y.shape[:-2]} "
            "cannot be broadcast together"
        ) from None


def _count(shape: tuple[int, ...]) -> int:
    count = 1
    for n in shape:
        count *= n
    return count


# --- reductions ---------------------------------------------------------------------
#
# ``axis``/``keepdims`` (NumPy) and ``dim``/``keepdim`` (torch) are the same arguments: torch itself
# accepts both. A sum over no axes at all is the identity; an axis given twice is refused.


def _axes(x: Tensor, axis: Axis, op: str) -> tuple[int, ...]:
    """NumPy's ``axis`` (None, int or tuple; negative from the end) as sorted positive axes."""
    if axis is None:
        return tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -x.ndim <= a < builtins.max(x.ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of shape {x.shape}")
    if x.ndim == 0:
        return ()  # axis 0 of a 0-d tensor is the one element itself: nothing to reduce, as in torch
    positive = sorted({a % x.ndim for a in axes})
    if len(positive) != len(axes):
        raise ValueError(f"{op}: axis {axes} names an axis twice (shape {x.shape})")
    return tuple(positive)


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False, *,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Σ x over ``axis`` (all axes if None)."""
    if dim is not None or keepdim is not None:
        axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    return Sum.apply(x, _axes(x, axis, "sum"), keepdims)


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """The average of x over ``axis`` (all axes if None); NaN for an empty one, as in torch."""
    if dim is not None or keepdim is not None:
        axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    axes = _axes(x, axis, "mean")
    if x.data.size == 0:  # NumPy would warn; torch says NaN (0 / 0)
        return Sum.apply(x, axes, keepdims) * float("nan")
    return Mean.apply(x, axes, keepdims)


def _nonempty(x: Tensor, axes: tuple[int, ...], op: str) -> None:
    if builtins.any(x.shape[a] == 0 for a in axes) or (x.ndim == 0 and x.data.size == 0):
        raise ValueError(f"{op}: the tensor of shape {x.shape} is empty along the reduced axes")


class ValuesIndices(NamedTuple):
    """What torch's max(dim), min(dim), sort, topk return: ``.values`` (differentiable) and ``.indices``."""

    values: Tensor
    indices: Tensor


def _values_at(x: Tensor, indices: Tensor, axis: int) -> Tensor:
    """x's elements at ``indices`` along ``axis`` (torch.gather): the gradient goes to those elements only."""
    return GetItem.apply(x, along_axis(x.device.xp, indices.data, axis))


def _pick(x: Tensor, axis: Any, keepdims: bool, op: str) -> ValuesIndices:
    """(values, indices) of the max or min along one axis, as torch.max(x, dim)."""
    axis = _one_axis(x, axis, op) if x.ndim else 0
    if x.ndim == 0:
        return ValuesIndices(x, Tensor(x.device.xp.zeros((), dtype=backend.int64)))
    _nonempty(x, (axis,), op)
    found = getattr(x.data, f"arg{op}")(axis=axis)
    indices = Tensor(x.device.xp.expand_dims(found, axis))
    values = _values_at(x, indices, axis)
    if not keepdims:
        values, indices = squeeze(values, axis), Tensor(x.device.xp.asarray(found))
    return ValuesIndices(values, indices)


def amax(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """The maxima of x over ``axis`` (all if None); tied maxima share the gradient evenly."""
    if dim is not None or keepdim is not None:
        axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    axes = _axes(x, axis, "max")
    _nonempty(x, axes, "max")
    return Max.apply(x, axes, keepdims)


def amin(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """The minima of x over ``axis`` (all if None); tied minima share the gradient evenly."""
    if dim is not None or keepdim is not None:
        axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    axes = _axes(x, axis, "min")
    _nonempty(x, axes, "min")
    return Min.apply(x, axes, keepdims)


def max(x: Tensor, axis: Any = None, keepdims: bool = False, *,  # noqa: A001
        dim: Any = None, keepdim: bool | None = None) -> Any:
    """torch.max: the maximum of all of x (a tensor), ``(values, indices)`` along one ``dim``, or max(x, other).

    The values along a dim send their gradient to the element that ``indices`` names; the
    maximum of all elements shares it among ties (see :func:`amax` for several axes).
    """
    axis = axis if dim is None else dim
    keepdims = keepdims if keepdim is None else keepdim
    if axis is None:
        return amax(x)
    if isinstance(axis, Tensor):
        return maximum(x, axis)
    if not isinstance(axis, int):
        raise TypeError(f"max: dim must be one int (for several axes use amax), not {axis!r}")
    return _pick(x, axis, keepdims, "max")


def min(x: Tensor, axis: Any = None, keepdims: bool = False, *,  # noqa: A001
        dim: Any = None, keepdim: bool | None = None) -> Any:
    """torch.min: the minimum of all of x (a tensor), ``(values, indices)`` along one ``dim``, or min(x, other)."""
    axis = axis if dim is None else dim
    keepdims = keepdims if keepdim is None else keepdim
    if axis is None:
        return amin(x)
    if isinstance(axis, Tensor):
        return minimum(x, axis)
    if not isinstance(axis, int):
        raise TypeError(f"min: dim must be one int (for several axes use amin), not {axis!r}")
    return _pick(x, axis, keepdims, "min")


def _no_grad_result(x: Tensor, data: Any) -> Tensor:
    return Tensor(x.device.xp.asarray(data))  # NumPy returns scalars for 0-d results


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Indices of the maxima (an int64 tensor, no gradient); the first one on a tie."""
    axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    return _no_grad_result(x, x.data.argmax(axis=None if axis is None else _one_axis(x, axis, "argmax"),
                                            keepdims=keepdims))


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False, *,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """Indices of the minima (an int64 tensor, no gradient); the first one on a tie."""
    axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    return _no_grad_result(x, x.data.argmin(axis=None if axis is None else _one_axis(x, axis, "argmin"),
                                            keepdims=keepdims))


def _one_axis(x: Tensor, axis: int, op: str) -> int:
    axes = _axes(x, axis, op)
    if not axes:
        raise ValueError(f"{op}: a 0-d tensor has no axis {axis} to work along")
    return axes[0]


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along ``axis``, computed stably (max subtracted)."""
    axis = _one_axis(x, axis if dim is None else dim, "softmax")
    if x.data.size == 0:  # nothing to normalise: an empty result, as in torch
        return x * 1.0
    return Softmax.apply(x, axis)


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log softmax(x) = x - logsumexp(x) along ``axis``, computed stably."""
    axis = _one_axis(x, axis if dim is None else dim, "log_softmax")
    if x.data.size == 0:
        return x * 1.0
    return LogSoftmax.apply(x, axis)


def logsumexp(x: Tensor, axis: Axis = None, keepdims: bool = False, *,
              dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """log Σ exp(x) over ``axis``, computed stably (max subtracted); -inf over an empty axis, as in torch."""
    if dim is not None or keepdim is not None:
        axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    axes = _axes(x, axis, "logsumexp")
    if x.data.size == 0:
        return Sum.apply(x, axes, keepdims) + float("-inf")  # log of an empty sum
    return LogSumExp.apply(x, axes, keepdims)


# --- shapes ---------------------------------------------------------------------------


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (one entry may be -1)."""
    shape = _shape_arg(shape)
    known = 1
    for n in shape:
        known *= n if n != -1 else 1
    size = x.data.size
    fits = size == known if -1 not in shape else (known != 0 and size % known == 0)
    if not fits or shape.count(-1) > 1:
        raise ValueError(f"reshape: a tensor of shape {x.shape} ({x.size} elements) cannot become {shape}")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


def permute(x: Tensor, *axes: Any) -> Tensor:
    """The axes reordered: output axis i is input axis ``axes[i]``."""
    axes = _shape_arg(axes)
    if sorted(a % builtins.max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not an ordering of the {x.ndim} axes of shape {x.shape}")
    return Permute.apply(x, tuple(a % x.ndim for a in axes))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """torch's transpose: exchange two axes, ``dim0`` and ``dim1`` (permute takes a whole order)."""
    order = list(range(x.ndim))
    a, b = _one_axis(x, dim0, "transpose"), _one_axis(x, dim1, "transpose")
    order[a], order[b] = order[b], order[a]
    return Permute.apply(x, tuple(order))


def t(x: Tensor) -> Tensor:
    """The transpose of a matrix (a 0-d or 1-D tensor comes back as it is), as torch's ``t``."""
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor of at most 2 axes, got shape {x.shape}; use transpose(d0, d1)")
    return permute(x, *reversed(range(x.ndim)))


def swapaxes(x: Tensor, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes (``x.swapaxes(-1, -2)`` transposes a batch of matrices)."""
    order = list(range(x.ndim))
    a, b = _one_axis(x, axis1, "swapaxes"), _one_axis(x, axis2, "swapaxes")
    order[a], order[b] = order[b], order[a]
    return Permute.apply(x, tuple(order))


def broadcast_to(x: Tensor, *shape: Any) -> Tensor:
    """x repeated along new or size-1 axes to ``shape`` (-1 keeps an axis, as in expand)."""
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape))
    if lead < 0 or builtins.any(x.shape[i] not in (1, shape[i + lead]) for i in range(x.ndim)):
        raise ValueError(f"broadcast_to: a tensor of shape {x.shape} cannot be broadcast to {shape}")
    if shape == x.shape:
        return x
    return BroadcastTo.apply(x, shape)


expand = broadcast_to


def squeeze(x: Tensor, axis: Axis = None, *, dim: Axis = None) -> Tensor:
    """Drop axes of size 1 (all of them, or those in ``axis``; torch leaves a named axis of another size alone)."""
    axis = axis if dim is None else dim
    if axis is None:
        axes = [i for i, n in enumerate(x.shape) if n == 1]
    else:
        axes = [a for a in _axes(x, axis, "squeeze") if x.shape[a] == 1]
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def unsqueeze(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert an axis of size 1 at position ``axis``."""
    axis = axis if dim is None else dim
    if axis is None:
        raise TypeError("unsqueeze: give the position of the new axis (dim)")
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ValueError(f"unsqueeze: axis {axis} is out of range for shape {x.shape}")
    axis %= x.ndim + 1
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def concat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis; all other axes must match."""
    axis = axis if dim is None else dim
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concat: needs at least one tensor")
    first = tensors[0]
    axis = _one_axis(first, axis, "concat")
    for t in tensors[1:]:
        differs = builtins.any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if i != axis)
        if t.ndim != first.ndim or differs:
            raise ValueError(
                f"concat: shapes {first.shape} and {t.shape} differ outside axis {axis}"
            )
    return Concat.apply(*tensors, axis=axis)


cat = concatenate = concat


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    axis = axis if dim is None else dim
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: all shapes must be equal, got {tensors[0].shape} and {t.shape}")
    return concat([unsqueeze(t, axis) for t in tensors], axis=axis)


def split(x: Tensor, split_size_or_sections: int | Sequence[int], axis: int = 0, *,
          dim: int | None = None) -> tuple[Tensor, ...]:
    """Cut x along ``axis`` into pieces of one size (the last may be smaller) or of given sizes."""
    axis = _one_axis(x, axis if dim is None else dim, "split")
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: the piece size must be positive, not {split_size_or_sections}")
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        if length % split_size_or_sections:
            sizes.append(length % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != length:
            raise ValueError(
                f"split: sizes {sizes} add up to {builtins.sum(sizes)}, not {length} (axis {axis} of {x.shape})"
            )
    pieces = Split.apply(x, tuple(sizes), axis)
    return pieces if isinstance(pieces, tuple) else (pieces,)


def unbind(x: Tensor, axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
    """The slices of x along ``axis``, that axis removed: ``unbind(x)[t]`` is ``x[t]``, one op for all."""
    axis = _one_axis(x, axis if dim is None else dim, "unbind")
    shape = x.shape[:axis] + x.shape[axis + 1:]
    return tuple(reshape(piece, shape) for piece in split(x, 1, axis))


def chunk(x: Tensor, chunks: int, axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
    """Cut x into ``chunks`` near-equal pieces along ``axis``."""
    axis = axis if dim is None else dim
    length = x.shape[_one_axis(x, axis, "chunk")]
    return split(x, -(-length // chunks) if length else 1, axis)


# --- indexing ---------------------------------------------------------------------------


def _index_on(device: backend.Device, index: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """The index as a tuple whose arrays live on ``device``; integer arrays checked for range."""
    parts = index if isinstance(index, tuple) else (index,)
    parts = [device.asarray(p.data if isinstance(p, Tensor) else p)
             if isinstance(p, (list, Tensor)) or backend.is_array(p) else p for p in parts]
    axis = 0  # the axis of x that the next part indexes
    for position, part in enumerate(parts):
        if part is Ellipsis:  # it stands for the axes that the parts after it leave over
            axis = len(shape) - builtins.sum(_axes_taken(p) for p in parts[position + 1:])
            continue
        if backend.is_array(part):
            if part.dtype.kind == "f":
                raise IndexError("indexing with a float array; indices must be integers or booleans")
            if part.dtype.kind in "iu" and part.size and axis < len(shape):
                low, high = int(part.min()), int(part.max())
                if high >= shape[axis] or low < -shape[axis]:
                    bad = high if high >= shape[axis] else low
                    raise IndexError(
                        f"index {bad} is out of range for axis {axis} of a tensor of shape {shape}"
                    )
        axis += _axes_taken(part)
    return tuple(parts)


def _axes_taken(part: Any) -> int:
    """How many axes of x one part of an index uses up (a boolean mask: as many as it has)."""
    if part is None or part is Ellipsis:
        return 0
    return part.ndim if backend.is_array(part) and part.dtype.kind == "b" else 1


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index]: ints, slices, None, Ellipsis, integer arrays and boolean masks, as in NumPy."""
    index = _index_on(x.device, index, x.shape)
    try:
        return GetItem.apply(x, index)
    except IndexError as exc:
        raise IndexError(f"indexing a tensor of shape {x.shape}: {exc}") from None


def embedding(indices: Any, weight: Tensor) -> Tensor:
    """Rows of ``weight`` picked by ``indices``: out[..., :] = weight[indices[...], :].

    Backward adds each row's gradient into ``weight`` (scatter-add: repeated indices sum).
    """
    indices = indices if isinstance(indices, Tensor) else Tensor(weight.device.asarray(indices))
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, not {indices.dtype}")
    if indices.device != weight.device:
        raise backend.DeviceError(
            f"embedding: expected the indices and the weight on one device, but found {indices.device} "
            f"and {weight.device}; move the indices with .to(device)"
        )
    if indices.size:
        low, high = int(indices.data.min()), int(indices.data.max())
        if low < 0 or high >= weight.shape[0]:
            raise IndexError(
                f"embedding: index {high if high >= weight.shape[0] else low} is out of range "
                f"for an embedding of {weight.shape[0]} rows"
            )
    return GetItem.apply(weight, (indices.data,))


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """x where ``condition`` holds, else y (broadcasting); no gradient flows to the condition."""
    tensors = [v for v in (x, y, condition) if isinstance(v, Tensor)]
    if not tensors:
        raise TypeError("where: at least one argument must be a tensor")
    like = next((v for v in (x, y) if isinstance(v, Tensor)), tensors[0])
    if isinstance(condition, (list, tuple)):
        condition = Tensor(like.device.asarray(condition))
    condition, x, y = _lift(condition, like), _lift(x, like), _lift(y, like)
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
    return where(mask, _lift(value, x), x)


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


# --- comparisons: they give boolean tensors with no gradient -------------------------------


def _compare(name: str) -> Any:
    def compare(x: Any, y: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = _lift(x, y)
        y = _lift(y, x)
        if x.device != y.device:
            raise backend.DeviceError(f"{name}: tensors on {x.device} and {y.device}")
        try:
            return _no_grad_result(x, getattr(x.data, f"__{name}__")(y.data))
        except ValueError:
            raise ValueError(f"{name}: shapes {x.shape} and {y.shape} cannot be broadcast together") from None

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{name}`` as a boolean tensor (no gradient)."
    return compare


lt, le, gt, ge, eq, ne = (_compare(n) for n in ("lt", "le", "gt", "ge", "eq", "ne"))
logical_and, logical_or, logical_xor = (_compare(n) for n in ("and", "or", "xor"))


def logical_not(x: Tensor) -> Tensor:
    """Elementwise not of a boolean tensor (``~mask``)."""
    if x.dtype.kind != "b":
        raise TypeError(f"logical_not: expected a boolean tensor, not {x.dtype}")
    return Tensor(~x.data)


def any(x: Tensor, axis: Axis = None, keepdims: bool = False, *,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Is any element true (along ``axis``)? A boolean tensor, no gradient."""
    axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    return _no_grad_result(x, x.data.any(axis=None if axis is None else _axes(x, axis, "any"), keepdims=keepdims))


def all(x: Tensor, axis: Axis = None, keepdims: bool = False, *,  # noqa: A001
        dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Is every element true (along ``axis``)? A boolean tensor, no gradient."""
    axis, keepdims = (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)
    return _no_grad_result(x, x.data.all(axis=None if axis is None else _axes(x, axis, "all"), keepdims=keepdims))


# --- in-place forms (only where autograd cannot be fooled) ----------------------------------


def _inplace(op: Any, name: str) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        if self.requires_grad and (is_grad_enabled() or not self.is_leaf):
            raise RuntimeError(
                f"{name}: an in-place op on a tensor that requires grad would corrupt the graph; "
                "use the out-of-place form, or run it under no_grad() on a leaf"
            )
        result = op(self, other)
        if result.shape != self.shape:
            raise ValueError(f"{name}: the result has shape {result.shape}, which does not fit {self.shape}")
        self.data[...] = result.data
        return self

    return method


# --- Tensor methods: the table a reader can scan --------------------------------------------

_METHODS = {
    "__add__": add, "__radd__": lambda x, y: add(y, x),
    "__sub__": sub, "__rsub__": lambda x, y: sub(y, x),
    "__mul__": mul, "__rmul__": lambda x, y: mul(y, x),
    "__truediv__": div, "__rtruediv__": lambda x, y: div(y, x),
    "__pow__": pow, "__rpow__": lambda x, y: pow(y, x),
    "__matmul__": matmul, "__rmatmul__": lambda x, y: matmul(y, x),
    "__neg__": neg, "__abs__": abs, "__getitem__": getitem,
    "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge, "__eq__": eq, "__ne__": ne,
    "__iadd__": _inplace(add, "+="), "__isub__": _inplace(sub, "-="),
    "__imul__": _inplace(mul, "*="), "__itruediv__": _inplace(div, "/="),
    "add": add, "sub": sub, "mul": mul, "div": div, "pow": pow, "matmul": matmul, "neg": neg,
    "exp": exp, "log": log, "sqrt": sqrt, "tanh": tanh, "sigmoid": sigmoid, "relu": relu,
    "abs": abs, "clip": clip, "clamp": clip, "maximum": maximum, "minimum": minimum,
    "sum": sum, "mean": mean, "max": max, "min": min, "amax": amax, "amin": amin,
    "argmax": argmax, "argmin": argmin,
    "softmax": softmax, "log_softmax": log_softmax, "logsumexp": logsumexp,
    "reshape": reshape, "view": reshape, "permute": permute, "transpose": transpose, "t": t,
    "swapaxes": swapaxes, "broadcast_to": broadcast_to, "expand": expand,
    "squeeze": squeeze, "unsqueeze": unsqueeze, "split": split, "chunk": chunk, "unbind": unbind,
    "masked_fill": masked_fill,
    "to": to, "cpu": lambda x: to(x, "cpu"), "cuda": lambda x, index=0: to(x, f"cuda:{index}"),
    "float": lambda x: to(x, dtype=backend.float32), "double": lambda x: to(x, dtype=backend.float64),
    "long": lambda x: to(x, dtype=backend.int64), "half": lambda x: to(x, dtype=backend.float16),
    "bool": lambda x: to(x, dtype=backend.bool_),
}
for _name, _function in _METHODS.items():
    setattr(Tensor, _name, _function)
Tensor.__hash__ = object.__hash__  # tensors are keys by identity, though == is elementwise
Tensor.T = property(lambda self: permute(self, *reversed(range(self.ndim))))
Tensor.mT = property(lambda self: swapaxes(self, -1, -2))


def _bool(self: Tensor) -> bool:
    if self.size != 1:
        raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
    return bool(self.item())


Tensor.__bool__ = _bool
Tensor.__float__ = lambda self: float(self.item())
Tensor.__int__ = lambda self: int(self.item())
Tensor.any, Tensor.all = any, all
Tensor.__and__, Tensor.__or__, Tensor.__xor__ = logical_and, logical_or, logical_xor
Tensor.__invert__ = logical_not
