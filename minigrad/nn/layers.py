"""The basic layers: Linear, Embedding, Dropout, LayerNorm. Each is a few minigrad ops."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad.backend import Device
from minigrad.creation import arange, ones, tensor, zeros
from minigrad.functional import dropout, embedding, where
from minigrad.nn import init
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class Linear(Module):
    """y = x Wᵀ + b, for x of shape (..., in_features).

    W is (out_features, in_features) and b is (out_features,), both drawn from
    U(-1/√in_features, 1/√in_features), as in PyTorch.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: str | Device | None = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / math.sqrt(in_features)
        self.weight = init.uniform((out_features, in_features), bound, device, dtype)
        self.register_parameter("bias", init.uniform((out_features,), bound, device, dtype) if bias else None)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: expected input of shape (..., {self.in_features}), got {x.shape}"
            )
        y = x @ self.weight.T  # leading axes fold into the rows: backward gives dW in one 2-D product
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """out[..., :] = weight[indices[...], :]: one learned row of ``embedding_dim`` per index.

    The weight is drawn from N(0, 1). The row ``padding_idx``, if given, starts at zero and
    never gets a gradient, so padding tokens keep a zero embedding while the model trains.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 device: str | Device | None = None, dtype: Any = None) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} is out of range for {num_embeddings} rows"
                )
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        weight = init.normal((num_embeddings, embedding_dim), device, dtype)
        if padding_idx is not None:
            is_padding_row = arange(num_embeddings, device=weight.device) == padding_idx
            weight = Parameter(weight.masked_fill(is_padding_row.reshape(num_embeddings, 1), 0.0))
        self.weight = weight

    def forward(self, indices: Any) -> Tensor:
        if not isinstance(indices, Tensor):
            indices = tensor(indices, device=self.weight.device)
        rows = embedding(indices, self.weight)  # (*indices.shape, embedding_dim)
        if self.padding_idx is None:
            return rows
        # Same values, but at padding positions the graph stops: the padding row gets no gradient.
        is_padding = (indices == self.padding_idx).reshape(*indices.shape, 1)
        return where(is_padding, rows.detach(), rows)

    def extra_repr(self) -> str:
        padding = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


class Dropout(Module):
    """In training, zero each element with probability p and scale the rest by 1/(1-p).

    The scaling keeps the expected value unchanged, so in eval mode dropout is the identity.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], not {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class LayerNorm(Module):
    """y = (x - mean) / √(var + eps) · weight + bias, over the last len(normalized_shape) axes.

    mean and var (biased, as in PyTorch) are taken per example over those axes; weight
    starts at ones and bias at zeros (``bias=False``: no bias, as torch's).
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: str | Device | None = None,
                 dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        if elementwise_affine:
            self.weight = Parameter(ones(shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        count = len(self.normalized_shape)
        if x.shape[x.ndim - count:] != self.normalized_shape or x.ndim < count:
            raise ValueError(
                f"LayerNorm: expected input of shape (..., {', '.join(map(str, self.normalized_shape))}), "
                f"got {x.shape}"
            )
        axes = tuple(range(x.ndim - count, x.ndim))
        centered = x - x.mean(axis=axes, keepdims=True)
        variance = (centered * centered).mean(axis=axes, keepdims=True)
        normalized = centered / (variance + self.eps).sqrt()
        if self.weight is not None:
            normalized = normalized * self.weight
        return normalized if self.bias is None else normalized + self.bias

    def extra_repr(self) -> str:
        shape = self.normalized_shape[0] if len(self.normalized_shape) == 1 else self.normalized_shape
        return f"{shape}, eps={self.eps}, elementwise_affine={self.weight is not None}"
