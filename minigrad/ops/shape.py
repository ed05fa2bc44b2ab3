"""Shape ops: the elements stay as they are and move to new places (reshape, permute, broadcast,
concat, split); their backward moves the gradient back. Then what is composed of them: squeeze,
unsqueeze, stack, unbind, chunk, flatten, repeat, tile.

Each Function is followed by its user function, and :data:`METHODS` at the end lists what this
file gives ``Tensor``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from minigrad.autograd import Function
from minigrad.ops.arguments import Axis, dim_or_axis, one_axis, positive_axes, shape_arg
from minigrad.tensor import Tensor

__all__ = [
    "broadcast_to", "cat", "chunk", "concat", "concatenate", "expand", "flatten", "permute", "ravel", "repeat",
    "reshape", "split", "squeeze", "stack", "swapaxes", "t", "tile", "transpose", "unbind", "unflatten", "unsqueeze",
    "column_stack", "hstack", "row_stack", "vstack", "sum_to",
]


class Reshape(Function):
    """y = x viewed with another shape;  dL/dx = dL/dy reshaped back."""

    @staticmethod
    def forward(ctx: Function, x: Any, shape: tuple[int, ...]) -> Any:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return grad.reshape(ctx.shape), None


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (one entry may be -1)."""
    shape = shape_arg(shape)
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


class Permute(Function):
    """y = x with its axes reordered;  dL/dx = dL/dy with the inverse order."""

    @staticmethod
    def forward(ctx: Function, x: Any, axes: tuple[int, ...]) -> Any:
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        inverse = tuple(sorted(range(len(ctx.axes)), key=ctx.axes.__getitem__))
        return Permute.apply(grad, inverse), None


def permute(x: Tensor, *axes: Any) -> Tensor:
    """The axes reordered: output axis i is input axis ``axes[i]``."""
    axes = shape_arg(axes)
    if sorted(a % builtins.max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not an ordering of the {x.ndim} axes of shape {x.shape}")
    return Permute.apply(x, tuple(a % x.ndim for a in axes))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """torch's transpose: exchange two axes, ``dim0`` and ``dim1`` (permute takes a whole order)."""
    order = list(range(x.ndim))
    a, b = one_axis(x, dim0, "transpose"), one_axis(x, dim1, "transpose")
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
    a, b = one_axis(x, axis1, "swapaxes"), one_axis(x, axis2, "swapaxes")
    order[a], order[b] = order[b], order[a]
    return Permute.apply(x, tuple(order))


class BroadcastTo(Function):
    """y = x repeated along broadcast axes;  dL/dx = dL/dy summed back (the engine does it)."""

    @staticmethod
    def forward(ctx: Function, x: Any, shape: tuple[int, ...]) -> Any:
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None]:
        return grad, None


def broadcast_to(x: Tensor, *shape: Any) -> Tensor:
    """x repeated along new or size-1 axes to ``shape`` (-1 keeps an axis, as in expand)."""
    shape = shape_arg(shape)
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
    axis = dim_or_axis(axis, dim)
    if axis is None:
        axes = [i for i, n in enumerate(x.shape) if n == 1]
    else:
        axes = [a for a in positive_axes(x, axis, "squeeze") if x.shape[a] == 1]
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def unsqueeze(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Insert an axis of size 1 at position ``axis``."""
    axis = dim_or_axis(axis, dim)
    if axis is None:
        raise TypeError("unsqueeze: give the position of the new axis (dim)")
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ValueError(f"unsqueeze: axis {axis} is out of range for shape {x.shape}")
    axis %= x.ndim + 1
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


class Concat(Function):
    """y = [x₁; x₂; …] along ``axis``;  each xᵢ gets its own slice of dL/dy."""

    @staticmethod
    def forward(ctx: Function, *arrays: Any, axis: int) -> Any:
        ctx.axis, ctx.sizes = axis, [a.shape[axis] for a in arrays]
        return ctx.xp.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, ...]:
        pieces = Split.apply(grad, tuple(ctx.sizes), ctx.axis)
        return pieces if isinstance(pieces, tuple) else (pieces,)


def concat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis; all other axes must match."""
    axis = dim_or_axis(axis, dim)
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concat: needs at least one tensor")
    first = tensors[0]
    axis = one_axis(first, axis, "concat")
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
    axis = dim_or_axis(axis, dim)
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: all shapes must be equal, got {tensors[0].shape} and {t.shape}")
    return concat([unsqueeze(t, axis) for t in tensors], axis=axis)


class Split(Function):
    """(y₁, y₂, …) = x cut along ``axis`` into pieces of ``sizes``;  dL/dx = [dL/dy₁; dL/dy₂; …].

    One op with several outputs, so backward joins all the pieces' gradients in one concat
    (slicing each piece out on its own would build a full-size gradient per piece).
    """

    @staticmethod
    def forward(ctx: Function, x: Any, sizes: tuple[int, ...], axis: int) -> Any:
        ctx.axis = axis
        ends = [sum(sizes[:i + 1]) for i in range(len(sizes) - 1)]
        pieces = ctx.xp.split(x, ends, axis=axis)
        return tuple(pieces) if len(pieces) > 1 else pieces[0]

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> tuple[Tensor, None, None]:
        return (Concat.apply(*grads, axis=ctx.axis) if len(grads) > 1 else grads[0]), None, None


def split(x: Tensor, split_size_or_sections: int | Sequence[int], axis: int = 0, *,
          dim: int | None = None) -> tuple[Tensor, ...]:
    """Cut x along ``axis`` into pieces of one size (the last may be smaller) or of given sizes."""
    axis = one_axis(x, dim_or_axis(axis, dim), "split")
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
    axis = one_axis(x, dim_or_axis(axis, dim), "unbind")
    shape = x.shape[:axis] + x.shape[axis + 1:]
    return tuple(reshape(piece, shape) for piece in split(x, 1, axis))


def chunk(x: Tensor, chunks: int, axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
    """Cut x into ``chunks`` near-equal pieces along ``axis``."""
    axis = dim_or_axis(axis, dim)
    length = x.shape[one_axis(x, axis, "chunk")]
    return split(x, -(-length // chunks) if length else 1, axis)


# --- composed of the above: their gradients come for free ----------------------------------


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """The axes from ``start_dim`` to ``end_dim`` (both included) merged into one; a 0-d tensor becomes (1,)."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = one_axis(x, start_dim, "flatten"), one_axis(x, end_dim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} (shape {x.shape})")
    return reshape(x, *x.shape[:start], -1 if x.data.size else 0, *x.shape[end + 1:]) if start < end else x


def ravel(x: Tensor) -> Tensor:
    """All elements in one axis (``flatten()``)."""
    return reshape(x, -1) if x.data.size else reshape(x, 0)


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Axis ``dim`` split into axes of ``sizes`` (one may be -1)."""
    axis = one_axis(x, dim, "unflatten")
    return reshape(x, *x.shape[:axis], *sizes, *x.shape[axis + 1:])


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """torch's repeat: the whole of x tiled ``sizes[i]`` times along axis i (new leading axes as needed).

    Written as reshape → broadcast → reshape: x of shape (a, b) repeated (r, s) is viewed as
    (1, a, 1, b), broadcast to (r, a, s, b) and read as (r·a, s·b). The engine sums the gradient back.
    """
    sizes = shape_arg(sizes)
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
    dims = shape_arg(dims)
    return repeat(x, *((1,) * (x.ndim - len(dims)) + dims))



# --- stacking in NumPy's manner: the inputs made 2-D (or kept 1-D) first ---


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Rows on top of each other: 1-D inputs become rows (1, n), then concat along axis 0."""
    return concat([reshape(t, 1, -1) if t.ndim < 2 else t for t in tensors], axis=0)


row_stack = vstack  # torch's other name


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Side by side: concat along axis 1, or along axis 0 when the inputs are 1-D."""
    tensors = [reshape(t, 1) if t.ndim == 0 else t for t in tensors]
    return concat(tensors, axis=0 if tensors[0].ndim == 1 else 1)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Columns side by side: 0-d and 1-D inputs become columns (n, 1), then concat along axis 1."""
    return concat([reshape(t, -1, 1) if t.ndim < 2 else t for t in tensors], axis=1)



def sum_to(x: Tensor, *shape: Any) -> Tensor:
    """broadcast_to's adjoint (DeZero's F.sum_to): x summed down to ``shape``, over the leading axes that
    broadcasting would add and the axes where ``shape`` has 1."""
    shape = shape_arg(shape)
    lead = x.ndim - len(shape)
    if lead < 0 or builtins.any(n not in (1, m) for n, m in zip(shape, x.shape[lead:])):
        raise ValueError(f"sum_to: a tensor of shape {x.shape} cannot be summed to {shape}")
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    if not axes:
        return reshape(x, shape)
    return reshape(x.sum(axis=axes, keepdims=True), shape)  # Tensor.sum: reduce.py's, attached by ops/__init__

METHODS = {
    "reshape": reshape, "view": reshape, "permute": permute, "transpose": transpose, "t": t,
    "swapaxes": swapaxes, "broadcast_to": broadcast_to, "expand": expand,
    "squeeze": squeeze, "unsqueeze": unsqueeze, "split": split, "chunk": chunk, "unbind": unbind,
    "flatten": flatten, "ravel": ravel, "unflatten": unflatten, "repeat": repeat, "tile": tile,
    "T": property(lambda self: permute(self, *reversed(range(self.ndim)))),
    "mT": property(lambda self: swapaxes(self, -1, -2)),
}
