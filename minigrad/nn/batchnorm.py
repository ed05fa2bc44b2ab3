"""BatchNorm1d and BatchNorm2d: F.batch_norm with a learned scale and shift, and running statistics.

In training, each batch is normalised with its own mean and variance, and the running mean and
variance (buffers: saved with the model, moved by ``to()``, never trained) move toward them. In
eval mode the running statistics are used, so one example's output no longer depends on the rest
of its batch.
"""

from __future__ import annotations

from typing import Any

from minigrad.backend import Device, int64
from minigrad.creation import ones, tensor, zeros
from minigrad.nn import functional as F
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class _BatchNorm(Module):
    """y = (x − mean) / √(var + eps) · weight + bias per channel (axis 1); weight starts at 1, bias at 0.

    ``momentum`` None keeps a cumulative average (each batch weighs 1 / batches seen so far).
    """

    dims: tuple[int, ...] = ()  # the input's number of axes
    layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: str | Device | None = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, device=device, dtype=dtype))
            self.bias = Parameter(zeros(num_features, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.dims or x.shape[1] != self.num_features:
            shapes = self.layout.replace("C", str(self.num_features))
            raise ValueError(f"{type(self).__name__}: expected input of shape {shapes}, got {x.shape}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data = (self.num_batches_tracked + 1).data
            if momentum is None:  # a cumulative average
                momentum = 1.0 / self.num_batches_tracked.item()
        batch_statistics = self.training or self.running_mean is None
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, batch_statistics,
                            0.0 if momentum is None else momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L): each of the C features over the batch (and L)."""

    dims, layout = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W): each of the C channels over the batch and the image."""

    dims, layout = (4,), "(N, C, H, W)"
