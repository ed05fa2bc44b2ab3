"""Arranging elements: flatten, repeat/tile, flip/roll, tril/triu, pad, outer, einsum, clone,
sort/argsort/topk, gather/scatter_add.

Most are compositions of the basic ops (so their gradients come for free); flip, roll, pad
and einsum are Functions of their own in :mod:`minigrad.ops`. The Tensor methods are
registered from :data:`METHODS` at the end of this file.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from minigrad import backend
from minigrad.functional import (
    ValuesIndices,
    _axes,
    _one_axis,
    _shape_arg,
    _values_at,
    broadcast_to,
    mul,
    reshape,
    where,
)
from minigrad.ops.einsum import Einsum
from minigrad.ops.index import IndexAdd, along_axis
from minigrad.ops.move import Flip, Pad, Roll
from minigrad.tensor import Tensor


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """The axes from ``start_dim`` to ``end_dim`` (both included) merged into one; a 0-d tensor becomes (1,)."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = _one_axis(x, start_dim, "flatten"), _one_axis(x, end_dim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} (shape {x.shape})")
    return reshape(x, *x.shape[:start], -1 if x.data.size else 0, *x.shape[end + 1:]) if start < end else x


def ravel(x: Tensor) -> Tensor:
    """All elements in one axis (``flatten()``)."""
    return reshape(x, -1) if x.data.size else reshape(x, 0)


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Axis ``dim`` split into axes of ``sizes`` (one may be -1)."""
    axis = _one_axis(x, dim, "unflatten")
    return reshape(x, *x.shape[:axis], *sizes, *x.shape[axis + 1:])


def clone(x: Tensor) -> Tensor:
    """A copy with its own memory, still in the graph (the gradient passes through unchanged)."""
    return mul(x, 1)


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """torch's repeat: the whole of x tiled ``sizes[i]`` times along axis i (new leading axes as needed).

    Written as reshape → broadcast → reshape: x of shape (a, b) repeated (r, s) is viewed as
    (1, a, 1, b), broadcast to (r, a, s, b) and read as (r·a, s·b). The engine sums the gradient back.
    """
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: {len(sizes)} repeat counts for a tensor of {x.ndim} axes ({x.shape})")
    if builtins.any(n < 0 for n in sizes):
        raise ValueError(f"repeat: repeat counts must be >= 0, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    interleaved = tuple(n for pair in ((1, s) for s in shape) for n in pair)
    spread = tuple(n for pair in zip(sizes, shape) for n in pair)
    return reshape(broadcast_to(reshape(x, interleaved), spread), tuple(r * s for r, s in zip(sizes, shape)))


def tile(x: Tensor, *dims: Any) -> Tensor:
    """torch.tile: repeat, with missing counts taken as 1 (for the leading axes)."""
    dims = _shape_arg(dims)
    return repeat(x, *((1,) * (x.ndim - len(dims)) + dims))


def flip(x: Tensor, *dims: Any, **named: Any) -> Tensor:
    """x read backwards along ``dims`` (``x.flip(0, 1)``, ``flip(x, dims=(0, 1))``)."""
    if named:
        if set(named) != {"dims"} or dims:
            raise TypeError(f"flip: takes the dims once, as positions or as dims=, not {sorted(named)}")
        dims = (named["dims"],)
    axes = _axes(x, _shape_arg(dims), "flip")
    return Flip.apply(x, axes) if axes else x


def roll(x: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """x shifted cyclically: element i goes to i + shift (with no dims: over the flattened tensor)."""
    if dims is None:
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape) if x.data.size else x
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
    return Roll.apply(x, shifts, tuple(_one_axis(x, d, "roll") for d in dims))


def _triangle(x: Tensor, diagonal: int, lower: bool, name: str) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"{name}: expects a matrix or a batch of them, got shape {x.shape}")
    rows, columns = x.shape[-2:]
    xp = x.device.xp
    keep = xp.tri(rows, columns, diagonal, dtype=bool)  # (rows, columns): j <= i + diagonal
    if not lower:
        keep = ~xp.tri(rows, columns, diagonal - 1, dtype=bool)
    return where(Tensor(keep), x, 0.0)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (j ≤ i + diagonal), zeros elsewhere."""
    return _triangle(x, diagonal, True, "tril")


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (j ≥ i + diagonal), zeros elsewhere."""
    return _triangle(x, diagonal, False, "triu")


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """torch's F.pad: ``pad`` lists (before, after) pairs from the last axis backwards, filled with ``value``."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, not {mode!r}")
    pad = tuple(int(n) for n in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: {pad} must be (before, after) pairs for at most {x.ndim} axes (shape {x.shape})")
    if builtins.any(n < 0 for n in pad):
        raise ValueError(f"pad: negative padding {pad} (cropping) is not supported; slice the tensor instead")
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]  # last axis first
    widths = tuple([(0, 0)] * (x.ndim - len(pairs)) + pairs[::-1])
    return Pad.apply(x, widths, value)


def outer(x: Tensor, y: Tensor) -> Tensor:
    """The outer product of two vectors: out[i, j] = x[i] y[j]."""
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"outer: expects two vectors, got shapes {x.shape} and {y.shape}")
    return mul(reshape(x, -1, 1) if x.data.size else reshape(x, 0, 1), reshape(y, 1, y.shape[0]))


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation (``einsum("bij,bjk->bik", q, k)``): letters name axes, repeated ones are summed.

    Without ``->`` the output is the letters used once, in alphabetical order, as in torch.
    Not supported: ``...`` and a letter repeated within one operand (a diagonal).
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    letters = inputs.split(",")
    if "." in equation:
        raise ValueError(f"einsum: '...' is not supported (in {equation!r}); name every axis")
    if not arrow:
        counts = {c: inputs.count(c) for c in inputs if c != ","}
        output = "".join(sorted(c for c, n in counts.items() if n == 1))
    if len(letters) != len(operands):
        raise ValueError(f"einsum: {equation!r} names {len(letters)} operands, but {len(operands)} were given")
    for own, operand in zip(letters, operands):
        if not isinstance(operand, Tensor):
            raise TypeError("einsum: every operand must be a tensor")
        if len(own) != operand.ndim:
            raise ValueError(f"einsum: {own!r} names {len(own)} axes, but the operand has shape {operand.shape}")
        if len(set(own)) != len(own):
            raise ValueError(f"einsum: {own!r} repeats a letter (a diagonal); this is not supported")
    sizes: dict[str, int] = {}
    for own, operand in zip(letters, operands):
        for c, n in zip(own, operand.shape):
            if sizes.setdefault(c, n) != n:
                raise ValueError(f"einsum: axis {c!r} has size {sizes[c]} in one operand and {n} in another")
    if builtins.any(c not in sizes for c in output):
        raise ValueError(f"einsum: the output {output!r} names an axis that no operand has")
    return Einsum.apply(*operands, spec=f"{','.join(letters)}->{output}")


# --- sorting and picking along an axis ---------------------------------------------------


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
        if low < -x.shape[axis] or high >= x.shape[axis]:
            raise IndexError(f"{op}: index {high if high >= x.shape[axis] else low} is out of range "
                             f"for dim {axis} of size {x.shape[axis]}")


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1), as torch.gather; the gradient adds back."""
    axis = _one_axis(x, dim, "gather")
    index = _index_tensor(x, index, "gather")
    _check_along(x, index, axis, "gather")
    return _values_at(x, index, axis)


def scatter_add(x: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """x with src[i][j][k] added at x[i][index[i][j][k]][k] (for dim 1); repeated indices add up."""
    axis = _one_axis(x, dim, "scatter_add")
    index = _index_tensor(x, index, "scatter_add")
    _check_along(x, index, axis, "scatter_add")
    if builtins.any(n > m for n, m in zip(index.shape, src.shape)) or src.ndim != index.ndim:
        raise ValueError(f"scatter_add: src of shape {src.shape} is smaller than the index {index.shape}")
    if src.shape != index.shape:
        src = src[tuple(slice(0, n) for n in index.shape)]
    return x + IndexAdd.apply(src, x.shape, along_axis(x.device.xp, index.data, axis))


def argsort(x: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort x along ``dim`` (an int64 tensor, no gradient); equal elements keep their order."""
    if x.ndim == 0:
        return Tensor(x.device.xp.zeros((), dtype=backend.int64))
    axis = _one_axis(x, dim, "argsort")
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
    return ValuesIndices(_values_at(x, indices, _one_axis(x, dim, "sort")), indices)


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:  # noqa: A002
    """(values, indices) of the k largest (or smallest) elements along ``dim``, largest first."""
    axis = _one_axis(x, dim, "topk") if x.ndim else 0
    length = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= length:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {length}")
    if x.ndim == 0:
        return sort(x)
    indices = argsort(x, axis, descending=largest)
    indices = Tensor(indices.data[(slice(None),) * axis + (slice(0, k),)])
    return ValuesIndices(_values_at(x, indices, axis), indices)


METHODS = {
    "flatten": flatten, "ravel": ravel, "unflatten": unflatten, "clone": clone, "repeat": repeat, "tile": tile,
    "flip": flip, "roll": roll, "tril": tril, "triu": triu, "outer": outer,
    "gather": gather, "scatter_add": scatter_add, "argsort": argsort, "sort": sort, "topk": topk,
}
for _name, _function in METHODS.items():
    setattr(Tensor, _name, _function)
