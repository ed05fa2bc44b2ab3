"""Normalisation: each feature (batch_norm) or each example (layer_norm, group_norm) shifted to mean 0
and scaled to variance 1, then given a learned scale and shift:

    y = (x − mean) / √(var + eps) · weight + bias

They are composed of ops (mean, subtraction, square root), so their gradients, the coupling through
the mean and variance included, come from the chain rule with nothing written by hand. The
variance is the biased one (divided by n), as torch uses for normalising; batch_norm's running
variance is the unbiased one (n − 1), as torch keeps it. :data:`METHODS` at the end is empty:
torch has these in ``F`` only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad.grad_mode import no_grad
from minigrad.ops.reduce import mean
from minigrad.ops.shape import reshape
from minigrad.tensor import Tensor

__all__ = ["batch_norm", "group_norm", "layer_norm"]


def _normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """(x − mean) / √(var + eps) over ``axes``, with the mean and the biased variance that it used."""
    average = mean(x, axis=axes, keepdims=True)
    centered = x - average
    variance = mean(centered * centered, axis=axes, keepdims=True)
    return centered / (variance + eps).sqrt(), average, variance


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Each channel c of (N, C, *) normalised over the batch and every other axis.

    In training, with the batch's mean and variance; the running statistics, if given, move
    toward them in place: running ← (1 − momentum)·running + momentum·batch (unbiased variance).
    Not training: with the running statistics, so the output no longer depends on the batch.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expects input of shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)  # broadcasts against (N, C, *)
    axes = (0,) + tuple(range(2, input.ndim))
    if training:
        per_channel = math.prod(input.shape[a] for a in axes)
        if per_channel <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of "
                             f"shape {input.shape}")
        normalized, average, variance = _normalize(input, axes, eps)
        with no_grad():  # running statistics are state, not part of the graph
            if running_mean is not None:
                running_mean.data = ((1 - momentum) * running_mean + momentum * reshape(average, channels)).data
            if running_var is not None:
                unbiased = reshape(variance, channels) * (per_channel / (per_channel - 1))
                running_var.data = ((1 - momentum) * running_var + momentum * unbiased).data
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: without training=True, running_mean and running_var must be given")
        normalized = (input - reshape(running_mean, stat_shape)) / (reshape(running_var, stat_shape) + eps).sqrt()
    if weight is not None:
        normalized = normalized * reshape(weight, stat_shape)
    if bias is not None:
        normalized = normalized + reshape(bias, stat_shape)
    return normalized


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Each example normalised over its last len(normalized_shape) axes, then · weight + bias."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.ndim < len(shape) or input.shape[input.ndim - len(shape):] != shape:
        raise ValueError(f"layer_norm: expected input of shape (..., {', '.join(map(str, shape))}), "
                         f"got {input.shape}")
    normalized, _, _ = _normalize(input, tuple(range(input.ndim - len(shape), input.ndim)), eps)
    if weight is not None:
        normalized = normalized * weight
    if bias is not None:
        normalized = normalized + bias
    return normalized


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """The C channels of (N, C, *) in ``num_groups`` groups, each group of each example normalised."""
    if input.ndim < 2 or num_groups < 1 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: input of shape {input.shape} has no channel axis divisible into "
                         f"{num_groups} groups")
    n, channels = input.shape[:2]
    grouped = reshape(input, n, num_groups, -1) if input.size else reshape(input, n, num_groups, 0)
    normalized, _, _ = _normalize(grouped, (2,), eps)
    normalized = reshape(normalized, input.shape)
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        normalized = normalized * reshape(weight, stat_shape)
    if bias is not None:
        normalized = normalized + reshape(bias, stat_shape)
    return normalized


METHODS: dict[str, Any] = {}
