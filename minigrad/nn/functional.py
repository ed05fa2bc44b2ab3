"""``torch.nn.functional`` for minigrad: ``import minigrad.nn.functional as F``.

Everything in :mod:`minigrad.functional` (the op set) is here too, with what torch keeps in
``nn.functional``: activations, losses, ``linear``, ``one_hot``, ``normalize``,
``cosine_similarity``, ``pad``, pooling and ``scaled_dot_product_attention``. Each is a few
minigrad ops, so its gradient comes from autograd.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.arrange import pad, tril
from minigrad.creation import arange, ones, tensor
from minigrad.functional import *  # noqa: F403 - the whole op set, as torch.nn.functional re-exports much of torch
from minigrad.functional import (  # noqa: F401
    clip,
    dropout,
    embedding,
    log_softmax,
    logsumexp,
    matmul,
    minimum,
    relu,
    sigmoid,
    softmax,
    sum,
    tanh,
    where,
)
from minigrad.losses import REDUCTIONS, cross_entropy, mse_loss, nll_loss  # noqa: F401
from minigrad.ops.pointwise import BinaryCrossEntropy, Softplus
from minigrad.pointwise import erf, expm1, logsigmoid, softplus  # noqa: F401
from minigrad.reductions import norm
from minigrad.tensor import Tensor

__all__ = [  # what torch keeps here (the op set itself comes with `import minigrad.nn.functional as F` too)
    "avg_pool1d", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_similarity", "cross_entropy",
    "elu", "embedding", "gelu", "hardtanh", "l1_loss", "leaky_relu", "linear", "logsigmoid", "max_pool1d",
    "mse_loss", "nll_loss", "normalize", "one_hot", "pad", "relu6", "scaled_dot_product_attention", "silu",
    "smooth_l1_loss", "softplus", "softsign", "dropout", "log_softmax", "logsumexp", "relu", "sigmoid", "softmax",
    "tanh",
]

# --- activations -----------------------------------------------------------------------------


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope · x."""
    return where(x > 0, x, x * negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else α (eˣ - 1); eˣ is taken of min(x, 0), so a large x cannot overflow it."""
    return where(x > 0, x, expm1(minimum(x, 0.0)) * alpha)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x Φ(x) = x · ½ (1 + erf(x / √2)); ``approximate="tanh"``: ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))."""
    if approximate == "tanh":
        return 0.5 * x * (1 + ((x + 0.044715 * x * x * x) * math.sqrt(2 / math.pi)).tanh())
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', not {approximate!r}")
    return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))


def silu(x: Tensor) -> Tensor:
    """x σ(x) (also called swish)."""
    return x * x.sigmoid()


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clamped into [min_val, max_val]."""
    return clip(x, min_val, max_val)


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6)."""
    return clip(x, 0.0, 6.0)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return x / (1 + x.abs())


# --- layers as functions ---------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, for x of shape (..., in_features) and W of (out_features, in_features)."""
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input {x.shape} and weight {weight.shape} do not line up "
                         "(expected (..., in_features) and (out_features, in_features))")
    y = matmul(x, weight.T)
    return y + bias if bias is not None else y


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


def normalize(x: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖ₚ, eps) along ``dim``."""
    return x / clip(norm(x, p, dim, keepdim=True), min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x₁·x₂ / (max(‖x₁‖, eps) · max(‖x₂‖, eps)) along ``dim`` (the inputs broadcast)."""
    x1 = x1 / clip(norm(x1, 2, dim, keepdim=True), min=eps)
    x2 = x2 / clip(norm(x2, 2, dim, keepdim=True), min=eps)
    return sum(x1 * x2, dim=dim)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None) -> Tensor:
    """softmax(Q Kᵀ · scale + mask) V, scale = 1/√E by default; shapes (..., L, E), (..., S, E), (..., S, Ev).

    ``attn_mask`` as torch: booleans (True: may attend) or numbers added to the scores;
    ``is_causal``: position i attends to positions ≤ i. A row that may attend to nothing gives NaN, as in torch.
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
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            attn_mask = tensor(attn_mask, device=query.device)
        if attn_mask.dtype.kind == "b":
            scores = scores.masked_fill(~attn_mask, -math.inf)
        else:
            scores = scores + attn_mask
    weights = softmax(scores, dim=-1)  # (..., L, S)
    if dropout_p:
        weights = dropout(weights, dropout_p)
    return matmul(weights, value)  # (..., L, Ev)


# --- pooling over the last axis ------------------------------------------------------------------


def _windows(x: Tensor, kernel_size: int, stride: int | None, padding: int, fill: float, op: str) -> Tensor:
    """x's sliding windows along the last axis, (..., L_out, kernel_size), after ``padding`` of ``fill``."""
    stride = kernel_size if stride is None else stride
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expects input of shape (N, C, L) or (C, L), got {x.shape}")
    if kernel_size < 1 or stride < 1 or not 0 <= padding <= kernel_size // 2:
        raise ValueError(f"{op}: kernel_size {kernel_size} and stride {stride} must be >= 1, and padding "
                         f"{padding} at most half the kernel")
    if padding:
        x = pad(x, (padding, padding), value=fill)
    length = x.shape[-1]
    if length < kernel_size:
        raise ValueError(f"{op}: the input is shorter ({length}) than the kernel ({kernel_size})")
    count = (length - kernel_size) // stride + 1
    positions = arange(count, device=x.device).reshape(count, 1) * stride + arange(kernel_size, device=x.device)
    return x[..., positions.data]  # (..., count, kernel_size)


def max_pool1d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    """out[..., i] = max of window i along the last axis; the gradient goes to the (first) maximum."""
    return _windows(x, kernel_size, stride, padding, -math.inf, "max_pool1d").max(dim=-1).values


def avg_pool1d(x: Tensor, kernel_size: int, stride: int | None = None, padding: int = 0) -> Tensor:
    """out[..., i] = mean of window i along the last axis (padding counts as zeros, as torch's default)."""
    return _windows(x, kernel_size, stride, padding, 0.0, "avg_pool1d").mean(dim=-1)


# --- losses ------------------------------------------------------------------------------------


def _reduced(losses: Tensor, reduction: str, op: str) -> Tensor:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def _same_shape(x: Tensor, target: Any, op: str) -> Tensor:
    if not isinstance(target, Tensor):
        target = tensor(target, dtype=x.dtype, device=x.device)
    if target.shape != x.shape:
        raise ValueError(f"{op}: input {x.shape} and target {target.shape} must have the same shape")
    return target


def binary_cross_entropy(x: Tensor, target: Any, weight: Tensor | None = None, reduction: str = "mean") -> Tensor:
    """-(t ln p + (1 - t) ln(1 - p)) for probabilities p = x in [0, 1]; each log is clamped at -100, as in torch."""
    target = _same_shape(x, target, "binary_cross_entropy")
    if x.data.size and (float(x.data.min()) < 0 or float(x.data.max()) > 1):
        raise ValueError("binary_cross_entropy: the input must be probabilities in [0, 1]; "
                         "for raw scores use binary_cross_entropy_with_logits")
    losses = BinaryCrossEntropy.apply(x, target)
    return _reduced(losses * weight if weight is not None else losses, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(x: Tensor, target: Any, weight: Tensor | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """BCE of σ(x), without computing σ: (1 - t) x + (1 + (w₊ - 1) t) · softplus(-x), stable for any x."""
    target = _same_shape(x, target, "binary_cross_entropy_with_logits")
    log_weight = 1.0 if pos_weight is None else (pos_weight - 1) * target + 1
    losses = (1 - target) * x + Softplus.apply(-x, 1.0, math.inf) * log_weight
    return _reduced(losses * weight if weight is not None else losses, reduction, "binary_cross_entropy_with_logits")


def l1_loss(x: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|x - target|, averaged, summed or elementwise."""
    return _reduced((x - _same_shape(x, target, "l1_loss")).abs(), reduction, "l1_loss")


def smooth_l1_loss(x: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½ d² / β where |d| < β, else |d| - ½ β, for d = x - target."""
    error = (x - _same_shape(x, target, "smooth_l1_loss")).abs()
    if beta == 0:
        return _reduced(error, reduction, "smooth_l1_loss")
    return _reduced(where(error < beta, error * error * (0.5 / beta), error - 0.5 * beta), reduction,
                    "smooth_l1_loss")

