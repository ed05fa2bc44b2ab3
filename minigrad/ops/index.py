"""Indexing: reading elements out (GetItem) and adding gradients back in (IndexAdd).

The two are each other's backward, so indexing is differentiable to any order.
"""

from __future__ import annotations

from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.tensor import Tensor


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


def along_axis(xp: Any, indices: Any, axis: int) -> tuple[Any, ...]:
    """The full index that picks ``x[..., indices[...], ...]`` along ``axis``, as torch.gather reads it.

    out[i, j, k] = x[i, indices[i, j, k], k] for axis 1: on the other axes an element of
    ``indices`` picks the element at its own position.
    """
    ndim = indices.ndim
    return tuple(indices if d == axis else
                 xp.arange(n).reshape(tuple(n if e == d else 1 for e in range(ndim)))
                 for d, n in enumerate(indices.shape))
