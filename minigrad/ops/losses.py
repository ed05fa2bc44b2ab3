"""Loss functions, as in ``torch.nn.functional``: cross_entropy, nll_loss, mse_loss, l1_loss,
smooth_l1_loss, binary_cross_entropy (a Function of its own, for torch's clamped logs) and
binary_cross_entropy_with_logits.

The others are composed of minigrad ops (so their gradients come from autograd). Each takes
``reduction``: "mean" (the default), "sum", or "none" (one loss per element). Classification
losses follow PyTorch's layout: scores of shape (N, C) or (N, C, d1, ...), with the class axis
second, and integer targets of shape (N,) or (N, d1, ...).
"""

from __future__ import annotations

import math
from typing import Any

from minigrad import backend
from minigrad.autograd import Function
from minigrad.creation import arange, tensor
from minigrad.ops.elementwise import where
from minigrad.ops.pointwise import softplus
from minigrad.tensor import Tensor

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "l1_loss", "mse_loss", "nll_loss",
    "smooth_l1_loss",
]


REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


def _reduced(losses: Tensor, reduction: str, op: str) -> Tensor:
    _check_reduction(reduction, op)
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


def _same_shape(x: Tensor, target: Any, op: str) -> Tensor:
    if not isinstance(target, Tensor):
        target = tensor(target, dtype=x.dtype, device=x.device)
    if target.shape != x.shape:
        raise ValueError(f"{op}: input {x.shape} and target {target.shape} must have the same shape")
    return target


class BinaryCrossEntropy(Function):
    """ℓ = -(t ln p + (1 - t) ln(1 - p)), each log clamped at -100 (torch's rule, so p = 0 or 1 is finite);

    dℓ/dp = (p - t) / max(p (1 - p), 1e-12),  dℓ/dt = ln(1 - p) - ln p (not clamped: ±inf at p = 0, 1, as torch).
    """

    @staticmethod
    def forward(ctx: Function, p: Any, t: Any) -> Any:
        xp = ctx.xp
        ctx.save_for_backward(p, t)
        q = 1 - p
        # ln 0 is -inf before the clamp: take the log of 1 there instead (no warning), then -100
        log_p = xp.where(p > 0, xp.maximum(xp.log(xp.where(p > 0, p, 1)), -100), -100)
        log_q = xp.where(q > 0, xp.maximum(xp.log1p(xp.where(q > 0, -p, 0)), -100), -100)
        return (-(t * log_p + (1 - t) * log_q)).astype(p.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        p, t = ctx.saved_tensors
        grad_p = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_p = grad * (p - t) / (p * (1 - p)).clip(min=1e-12)
        if ctx.needs_input_grad[1]:
            with backend.log_of_zero_allowed(ctx.xp):
                grad_t = grad * ((-p).log1p() - p.log())
        return grad_p, grad_t


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
    losses = (1 - target) * x + softplus(-x, 1.0, math.inf) * log_weight
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


def _class_targets(scores: Tensor, target: Any, op: str) -> Tensor:
    """``target`` as an integer tensor on the scores' device, with the shape the scores call for."""
    if not isinstance(target, Tensor) or target.device != scores.device:
        target = tensor(target.numpy() if isinstance(target, Tensor) else target, device=scores.device)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold class indices (integers), not {target.dtype}")
    if scores.ndim == 0:
        raise ValueError(f"{op}: expected scores of shape (N, C) or (N, C, d1, ...), got a scalar")
    expected = () if scores.ndim == 1 else (scores.shape[0], *scores.shape[2:])
    if target.shape != expected:
        raise ValueError(
            f"{op}: scores of shape {scores.shape} (class axis {0 if scores.ndim == 1 else 1}) "
            f"need a target of shape {expected}, got {target.shape}"
        )
    return target


def _rows_of_classes(scores: Tensor) -> Tensor:
    """Scores as one row per prediction, (M, C): the class axis moved last, the rest flattened."""
    if scores.ndim == 1:
        return scores.reshape(1, -1)
    if scores.ndim > 2:
        scores = scores.permute(0, *range(2, scores.ndim), 1)  # (N, d1, ..., C)
    return scores.reshape(-1, scores.shape[-1])


def _picked_negatives(log_probs: Tensor, target: Tensor, ignore_index: int, op: str) -> tuple[Tensor, Tensor]:
    """-log_probs[m, target[m]] for each row m (M,), and where the target is ignored (M,) bool."""
    rows = _rows_of_classes(log_probs)  # (M, C)
    flat_target = target.reshape(-1)  # (M,)
    ignored = flat_target == ignore_index
    safe_target = flat_target.masked_fill(ignored, 0)  # any in-range class; these rows are zeroed later
    classes = rows.shape[1]
    if safe_target.size:
        low, high = int(safe_target.min().item()), int(safe_target.max().item())
        if low < 0 or high >= classes:
            raise IndexError(
                f"{op}: target {high if high >= classes else low} is out of range for {classes} classes "
                f"(targets must be in [0, {classes - 1}], or ignore_index={ignore_index})"
            )
    picked = rows[arange(rows.shape[0], device=rows.device), safe_target]  # (M,)
    return -picked, ignored


def _reduce(losses: Tensor, ignored: Tensor, reduction: str, shape: tuple[int, ...]) -> Tensor:
    """Zero the ignored entries, then average over the others, sum, or reshape to the target's shape."""
    losses = losses.masked_fill(ignored, 0.0)  # and no gradient flows from them
    if reduction == "none":
        return losses.reshape(shape)
    if reduction == "sum":
        return losses.sum()
    counted = losses.size - int(ignored.sum().item())
    return losses.sum() / counted  # NaN when every target is ignored, as in PyTorch


def nll_loss(log_probs: Tensor, target: Any, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of the targets: loss = -log_probs[n, target[n]].

    ``log_probs`` are log-probabilities (N, C) or (N, C, d1, ...), e.g. from ``log_softmax(axis=1)``.
    Targets equal to ``ignore_index`` add nothing, and "mean" averages over the other targets.
    """
    _check_reduction(reduction, "nll_loss")
    target = _class_targets(log_probs, target, "nll_loss")
    losses, ignored = _picked_negatives(log_probs, target, ignore_index, "nll_loss")
    return _reduce(losses, ignored, reduction, target.shape)


def cross_entropy(logits: Tensor, target: Any, ignore_index: int = -100, label_smoothing: float = 0.0,
                  reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from raw scores: loss = -log softmax(logits)[target].

    Computed as nll_loss(log_softmax(logits, axis=1)), where log_softmax subtracts the row's
    max first, so large logits do not overflow. With label smoothing ε the target is the mix
    (1-ε)·onehot + ε/C, which gives loss = (1-ε)·(-log p_target) + ε·mean_c(-log p_c).
    Shapes, ``ignore_index`` and ``reduction`` are as in :func:`nll_loss`.
    """
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], not {label_smoothing}")
    if isinstance(target, Tensor) and target.dtype.kind == "f" and target.shape == logits.shape:  # probabilities
        return _cross_entropy_with_probabilities(logits, target, label_smoothing, reduction)
    target = _class_targets(logits, target, "cross_entropy")
    log_probs = logits.log_softmax(axis=0 if logits.ndim == 1 else 1)
    losses, ignored = _picked_negatives(log_probs, target, ignore_index, "cross_entropy")
    if label_smoothing:
        uniform = -_rows_of_classes(log_probs).mean(axis=1)  # (M,): cross-entropy against 1/C each
        losses = (1.0 - label_smoothing) * losses + label_smoothing * uniform
    return _reduce(losses, ignored, reduction, target.shape)


def _cross_entropy_with_probabilities(logits: Tensor, target: Tensor, label_smoothing: float,
                                      reduction: str) -> Tensor:
    """loss = −Σ_c target_c · log softmax(logits)_c per prediction, the target (smoothed: (1−ε)·t + ε/C)
    shaped as the logits; "mean" divides by the number of predictions, as torch does."""
    class_axis = 0 if logits.ndim == 1 else 1
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / logits.shape[class_axis]
    losses = -(target * logits.log_softmax(axis=class_axis)).sum(axis=class_axis)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """The squared error, loss = (input - target)², averaged ("mean"), summed, or elementwise."""
    _check_reduction(reduction, "mse_loss")
    if not isinstance(target, Tensor):
        target = tensor(target, dtype=input.dtype, device=input.device)
    if target.shape != input.shape:
        raise ValueError(f"mse_loss: input {input.shape} and target {target.shape} must have the same shape")
    error = input - target
    squared = error * error
    if reduction == "none":
        return squared
    return squared.mean() if reduction == "mean" else squared.sum()


METHODS: dict[str, Any] = {}  # losses are functions only, as in torch
