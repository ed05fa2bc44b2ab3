"""Products: matmul (2-D and batched N-D; 1-D operands made 2-D around one), and what is composed of
it: linear, outer, the triangles tril/triu that masks are made of, and attention's
softmax(Q Kᵀ · scale) V.

Each Function is followed by its user function, and :data:`METHODS` at the end lists what this
file gives ``Tensor``.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.autograd import Function
from minigrad.creation import arange, ones, tensor
from minigrad.ops.arguments import count
from minigrad.ops.elementwise import dropout, mul, where
from minigrad.ops.reduce import masked_softmax, softmax
from minigrad.ops.shape import permute, reshape, squeeze, unsqueeze
from minigrad.tensor import Tensor

__all__ = [
    "addmm", "baddbmm", "bmm", "linear", "matmul", "mm", "outer", "scaled_dot_product_attention", "tensordot",
    "trace", "tril", "triu",
]


class MatMul(Function):
    """Z = X @ Y over the last two axes;  dL/dX = G @ Yᵀ,  dL/dY = Xᵀ @ G.

    Batch axes broadcast; the engine sums their gradients back to each input's shape.
    """

    @staticmethod
    def forward(ctx: Function, x: Any, y: Any) -> Any:
        ctx.save_for_backward(x, y)
        return x @ y

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, y = ctx.saved_tensors
        return (grad @ y.swapaxes(-1, -2) if ctx.needs_input_grad[0] else None,
                x.swapaxes(-1, -2) @ grad if ctx.needs_input_grad[1] else None)


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
        rows = x.data.size // x.shape[-1] if x.shape[-1] else count(x.shape[:-1])
        return reshape(MatMul.apply(reshape(x, rows, x.shape[-1]), y), *x.shape[:-1], y.shape[-1])
    try:
        return MatMul.apply(x, y)
    except ValueError:
        raise ValueError(
            f"matmul: shapes {x.shape} and {y.shape}: batch axes {x.shape[:-2]} and {y.shape[:-2]} "
            "cannot be broadcast together"
        ) from None


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, for x of shape (..., in_features) and W of (out_features, in_features)."""
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input {x.shape} and weight {weight.shape} do not line up "
                         "(expected (..., in_features) and (out_features, in_features))")
    y = matmul(x, weight.T)
    return y + bias if bias is not None else y


def outer(x: Tensor, y: Tensor) -> Tensor:
    """The outer product of two vectors: out[i, j] = x[i] y[j]."""
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"outer: expects two vectors, got shapes {x.shape} and {y.shape}")
    return mul(reshape(x, -1, 1) if x.data.size else reshape(x, 0, 1), reshape(y, 1, y.shape[0]))


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


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None) -> Tensor:
    """softmax(Q Kᵀ · scale + mask) V, scale = 1/√E by default; shapes (..., L, E), (..., S, E), (..., S, Ev).

    ``attn_mask`` as torch: booleans (True: may attend) or numbers added to the scores;
    ``is_causal``: position i attends to positions ≤ i. A row that may attend to nothing gives 0, as in torch.
    """
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: query {query.shape}, key {key.shape} and value "
                         f"{value.shape} do not line up: expected (..., L, E), (..., S, E), (..., S, Ev)")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, not both (as torch)")
    scale = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = matmul(query, key.swapaxes(-1, -2)) * scale  # (..., L, S)
    if is_causal:
        target, source = query.shape[-2], key.shape[-2]
        attn_mask = tril(ones(target, source, dtype=query.dtype, device=query.device)) > 0
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        attn_mask = tensor(attn_mask, device=query.device)
    if attn_mask is not None and attn_mask.dtype.kind == "b":
        weights = masked_softmax(scores, attn_mask)  # (..., L, S); a row that sees nothing: zeros, as torch
    else:
        weights = softmax(scores if attn_mask is None else scores + attn_mask, dim=-1)  # (..., L, S)
    if dropout_p:
        weights = dropout(weights, dropout_p)
    return matmul(weights, value)  # (..., L, Ev)



# --- torch's spellings of the product for fixed ranks, and what is composed of it ---


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002 - torch's name
    """(n, k) @ (k, m): matmul for two matrices, and nothing else (torch.mm)."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise ValueError(f"mm: expects two matrices, got shapes {input.shape} and {mat2.shape}")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """(b, n, k) @ (b, k, m): one product per batch entry, no broadcasting (torch.bmm)."""
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0]:
        raise ValueError(f"bmm: expects two 3-D tensors with the same batch size, got {input.shape} and {mat2.shape}")
    return matmul(input, mat2)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    """β · input + α · (mat1 @ mat2), input broadcast against the (n, m) product."""
    product = mm(mat1, mat2)
    return (input if beta == 1 else beta * input) + (product if alpha == 1 else alpha * product)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    """β · input + α · (batch1 @ batch2), batch by batch."""
    product = bmm(batch1, batch2)
    return (input if beta == 1 else beta * input) + (product if alpha == 1 else alpha * product)


def tensordot(a: Tensor, b: Tensor, dims: int | tuple = 2) -> Tensor:
    """Σ over paired axes: the last ``dims`` axes of a with the first ``dims`` of b, or the axes listed
    in ``dims = (a_axes, b_axes)``. The paired axes are moved together and it is one matmul."""
    if isinstance(dims, int):
        a_axes, b_axes = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        a_axes, b_axes = ([d] if isinstance(d, int) else list(d) for d in dims)
    a_axes, b_axes = [d % a.ndim for d in a_axes], [d % b.ndim for d in b_axes]
    if len(a_axes) != len(b_axes) or any(a.shape[i] != b.shape[j] for i, j in zip(a_axes, b_axes)):
        raise ValueError(f"tensordot: axes {a_axes} of {a.shape} and {b_axes} of {b.shape} do not pair up")
    a_free = [i for i in range(a.ndim) if i not in a_axes]
    b_free = [i for i in range(b.ndim) if i not in b_axes]
    inner = count([a.shape[i] for i in a_axes])
    left = reshape(permute(a, *a_free, *a_axes), count([a.shape[i] for i in a_free]), inner)  # (rows, inner)
    right = reshape(permute(b, *b_axes, *b_free), inner, count([b.shape[i] for i in b_free]))  # (inner, cols)
    return reshape(matmul(left, right), *[a.shape[i] for i in a_free], *[b.shape[i] for i in b_free])


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """Σᵢ input[i, i] of a matrix; the gradient is the identity (on the square part)."""
    if input.ndim != 2:
        raise ValueError(f"trace: expects a matrix, got shape {input.shape}")
    diagonal = arange(min(input.shape), device=input.device)
    return input[diagonal, diagonal].sum()


METHODS = {
    "matmul": matmul, "__matmul__": matmul, "__rmatmul__": lambda x, y: matmul(y, x),
    "outer": outer, "tril": tril, "triu": triu,
    "mm": mm, "bmm": bmm, "addmm": addmm, "baddbmm": baddbmm, "tensordot": tensordot, "trace": trace,
}
