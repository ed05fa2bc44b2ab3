"""Indexing: reading elements out (GetItem) and adding gradients back in (IndexAdd), and what is
built on them: ``x[index]``, embedding, gather, scatter_add, sort, topk, one_hot.

GetItem and IndexAdd are each other's backward, so indexing is differentiable to any order.
Each Function is followed by its user functions, and :data:`METHODS` at the end lists what this
file gives ``Tensor``.
"""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple

from minigrad import backend
from minigrad.autograd import Function
from minigrad.creation import arange, tensor
from minigrad.grad_mode import is_grad_enabled
from minigrad.ops.arguments import lift, one_axis
from minigrad.tensor import Tensor

__all__ = [
    "ValuesIndices", "argsort", "embedding", "gather", "getitem", "one_hot", "scatter_add", "sort", "topk",
    "values_at",
    "index_select", "narrow", "repeat_interleave", "scatter", "setitem",
]


def has_integer_array(index: tuple[Any, ...]) -> bool:
    """Can ``index`` pick one element twice (integer-array indexing)? Then backward must add."""
    return any(backend.is_array(i) and i.dtype.kind in "iu" for i in index)


class GetItem(Function):
    """y = x[index];  dL/dx = zeros with dL/dy added at ``index`` (repeats add up)."""

    @staticmethod
    def forward(ctx: Function, x: Any, index: tuple[Any, ...]) -> Any:
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return IndexAdd.apply(grad, ctx.shape, ctx.index), None


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


class ValuesIndices(NamedTuple):
    """What torch's max(dim), min(dim), sort, topk return: ``.values`` (differentiable) and ``.indices``."""

    values: Tensor
    indices: Tensor


def along_axis(xp: Any, indices: Any, axis: int) -> tuple[Any, ...]:
    """The full index that picks ``x[..., indices[...], ...]`` along ``axis``, as torch.gather reads it.

    out[i, j, k] = x[i, indices[i, j, k], k] for axis 1: on the other axes an element of
    ``indices`` picks the element at its own position.
    """
    ndim = indices.ndim
    return tuple(indices if d == axis else
                 xp.arange(n).reshape(tuple(n if e == d else 1 for e in range(ndim)))
                 for d, n in enumerate(indices.shape))


def values_at(x: Tensor, indices: Tensor, axis: int) -> Tensor:
    """x's elements at ``indices`` along ``axis`` (torch.gather): the gradient goes to those elements only."""
    return GetItem.apply(x, along_axis(x.device.xp, indices.data, axis))


def _index_tensor(x: Tensor, index: Any, op: str) -> Tensor:
    if not isinstance(index, Tensor):
        index = Tensor(x.device.asarray(index))
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: the index must hold integers, not {index.dtype}")
    if index.device != x.device:
        raise backend.DeviceError(f"{op}: the index is on {index.device} and the tensor on {x.device}")
    return index


def _check_along(x: Tensor, index: Tensor, axis: int, op: str) -> None:
    if index.ndim != x.ndim or builtins.any(
            i != axis and n > m for i, (n, m) in enumerate(zip(index.shape, x.shape))):
        raise ValueError(f"{op}: an index of shape {index.shape} does not fit a tensor of shape {x.shape} "
                         f"(same number of axes, no longer than it except along dim {axis})")
    if index.data.size:
        low, high = int(index.data.min()), int(index.data.max())
        if low < 0 or high >= x.shape[axis]:  # torch refuses a negative index here (NumPy would wrap it)
            raise IndexError(f"{op}: index {high if high >= x.shape[axis] else low} is out of range "
                             f"for dim {axis} of size {x.shape[axis]}")


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1), as torch.gather; the gradient adds back."""
    axis = one_axis(x, dim, "gather")
    index = _index_tensor(x, index, "gather")
    _check_along(x, index, axis, "gather")
    return values_at(x, index, axis)


class IndexAdd(Function):
    """y = zeros(shape) with x added at ``index``;  dL/dx = dL/dy[index]."""

    @staticmethod
    def forward(ctx: Function, x: Any, shape: tuple[int, ...], index: tuple[Any, ...]) -> Any:
        ctx.index = index
        y = ctx.xp.zeros(shape, dtype=x.dtype)
        if has_integer_array(index):
            backend.scatter_add(y, index, x)  # an index may repeat: add, never overwrite
        else:
            y[index] = x  # slices, ints and masks hit each element at most once
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return GetItem.apply(grad, ctx.index), None, None


def scatter_add(x: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """x with src[i][j][k] added at x[i][index[i][j][k]][k] (for dim 1); repeated indices add up."""
    axis = one_axis(x, dim, "scatter_add")
    index = _index_tensor(x, index, "scatter_add")
    _check_along(x, index, axis, "scatter_add")
    if builtins.any(n > m for n, m in zip(index.shape, src.shape)) or src.ndim != index.ndim:
        raise ValueError(f"scatter_add: src of shape {src.shape} is smaller than the index {index.shape}")
    if src.shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)]
    return x + IndexAdd.apply(src, x.shape, along_axis(x.device.xp, index.data, axis))


# --- sorting: the order is found on the arrays, the values picked with values_at ----------------


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort x along ``dim`` (an int64 tensor, no gradient); equal elements keep their order."""
    if x.ndim == 0:
        return Tensor(x.device.xp.zeros((), dtype=backend.int64))
    axis = one_axis(x, dim, "argsort")
    data = x.data
    if descending:  # a stable descending order: sort the flipped array, then flip back
        order = x.device.xp.flip(x.device.xp.argsort(x.device.xp.flip(data, axis), axis=axis, kind="stable"), axis)
        return Tensor((x.shape[axis] - 1 - order).astype(backend.int64))
    return Tensor(x.device.xp.argsort(data, axis=axis, kind="stable").astype(backend.int64))


def sort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    """(values, indices) of x sorted along ``dim``; each value's gradient goes to where it came from."""
    indices = argsort(x, dim, descending)
    if x.ndim == 0:
        return ValuesIndices(x, indices)
    return ValuesIndices(values_at(x, indices, one_axis(x, dim, "sort")), indices)


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """(values, indices) of the k largest (or smallest) elements along ``dim``, largest first."""
    axis = one_axis(x, dim, "topk") if x.ndim else 0
    length = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= length:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {length}")
    if x.ndim == 0:
        return sort(x)
    indices = argsort(x, axis, descending=largest)
    indices = Tensor(indices.data[(slice(None),) * axis + (slice(0, k),)])
    return ValuesIndices(values_at(x, indices, axis), indices)


# --- classes as one-hot rows (no gradient) -----------------------------------------------------


def one_hot(indices: Any, num_classes: int = -1) -> Tensor:
    """out[..., c] = 1 where indices[...] == c, else 0: an int64 tensor of shape (*indices.shape, num_classes)."""
    if not isinstance(indices, Tensor):
        indices = tensor(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expects integer class indices, not {indices.dtype}")
    if num_classes == -1:
        num_classes = int(indices.data.max()) + 1 if indices.data.size else 0
    if indices.data.size and (int(indices.data.min()) < 0 or int(indices.data.max()) >= num_classes):
        raise ValueError(f"one_hot: class indices must be in [0, {num_classes - 1}], got "
                         f"{int(indices.data.min())}..{int(indices.data.max())}")
    classes = arange(num_classes, device=indices.device)
    return Tensor((indices.data[..., None] == classes.data).astype(indices.dtype))



# --- torch's other ways in: a slice along one axis, rows by index, and writing into a tensor ----------


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """The entries ``index`` (1-D) of axis ``dim``, in that order: x[..., index, ...]; repeats add up in backward."""
    axis = one_axis(x, dim, "index_select")
    index = _index_tensor(x, index, "index_select")
    if index.ndim > 1:
        raise ValueError(f"index_select: the index must be 0-d or 1-D, got shape {index.shape}")
    return getitem(x, (slice(None),) * axis + (index.reshape(-1),))


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """x[..., start:start + length, ...] along ``dim`` (a negative start counts from the end)."""
    axis = one_axis(x, dim, "narrow")
    size = x.shape[axis]
    start = int(start) + size if int(start) < 0 else int(start)
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow: start {start} and length {length} do not fit dim {dim} of size {size}")
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))


def repeat_interleave(x: Tensor, repeats: int | Tensor, dim: int | None = None) -> Tensor:
    """Each entry along ``dim`` repeated ``repeats`` times in place ([a, b] → [a, a, b, b]); the input is
    flattened when dim is None. The gradient adds up over the copies."""
    if dim is None:
        x, dim = x.reshape(-1), 0
    axis = one_axis(x, dim, "repeat_interleave")
    counts = repeats.data if isinstance(repeats, Tensor) else int(repeats)
    xp = x.device.xp
    order = xp.repeat(xp.arange(x.shape[axis]), counts)  # [0, 0, 1, 1, ...]
    return getitem(x, (slice(None),) * axis + (order,))


def scatter(x: Tensor, dim: int, index: Any, src: Tensor | float) -> Tensor:
    """x with x[i][index[i][j][k]][k] = src[i][j][k] (for dim 1), out of place (torch.scatter).

    Composed of scatter_add: the places that ``index`` names take src's values, the rest keep x's;
    so the gradient of x is zero at those places and src gets the gradient of where it went. Where an
    index repeats, torch leaves the result undefined; here the values add.
    """
    index = _index_tensor(x, index, "scatter")
    if not isinstance(src, Tensor):
        src = Tensor(x.device.xp.full(index.shape, src, dtype=x.dtype))
    xp = x.device.xp
    zeros = Tensor(xp.zeros(x.shape, dtype=x.dtype))
    placed = scatter_add(zeros, dim, index, src)
    hit = scatter_add(zeros, dim, index, Tensor(xp.ones(index.shape, dtype=x.dtype))).data > 0
    return placed + x * Tensor(~hit)


class SetItem(Function):
    """y = x with y[index] = v;  dL/dx = dL/dy with zeros at index,  dL/dv = dL/dy[index] (summed to v's shape)."""

    @staticmethod
    def forward(ctx: Function, x: Any, value: Any, index: tuple[Any, ...]) -> Any:
        ctx.index = index
        y = x.copy()
        y[index] = value
        return y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        zero = Tensor(grad.device.xp.zeros((), dtype=grad.dtype))
        return (SetItem.apply(grad, zero, ctx.index) if ctx.needs_input_grad[0] else None,
                GetItem.apply(grad, ctx.index) if ctx.needs_input_grad[1] else None, None)


def setitem(x: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value``, as torch does it. Under no_grad(): written into x's own array. While the graph
    is recorded, x gets a new array instead (an op that saved the old one keeps it, so no gradient is
    computed from values written later), and when x or value requires grad, x becomes the output of
    SetItem on its old self (refused on a leaf that requires grad, as in torch)."""
    index = _index_on(x.device, index, x.shape)
    value = lift(value, x)
    if value.dtype != x.dtype:
        value = value.to(dtype=x.dtype)
    if not is_grad_enabled():
        x.data[index] = value.data
        return
    if not (x.requires_grad or value.requires_grad):
        written = x.data.copy()
        written[index] = value.data
        x.data = written
        return
    if x.is_leaf and x.requires_grad:
        raise RuntimeError("x[index] = value: x is a leaf that requires grad, so writing into it would change "
                           "what its gradient means; write into x.clone(), or under no_grad()")
    old = Tensor(x.data, x.requires_grad, x.grad_fn)  # x as it was: its node still finds it by its array
    written = SetItem.apply(old, value, index)
    x.data, x.grad_fn = written.data, written.grad_fn
    x.requires_grad = True

METHODS = {
    "__getitem__": getitem, "gather": gather, "scatter_add": scatter_add,
    "argsort": argsort, "sort": sort, "topk": topk,
    "index_select": index_select, "narrow": narrow, "repeat_interleave": repeat_interleave, "scatter": scatter,
    "__setitem__": setitem,
}
