"""Convolution and pooling layers over images and sequences: Conv1d, Conv2d, ConvTranspose2d, MaxPool2d,
AvgPool2d, AdaptiveAvgPool2d.

Each holds its hyperparameters (and, for the convolutions, a weight and a bias laid out as
torch's) and calls the op of :mod:`minigrad.ops.conv`, where the im2col arithmetic is.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.backend import Device
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

Size = int | tuple[int, ...]


def _tuple(value: Size, count: int) -> tuple[int, ...]:
    return (value,) * count if isinstance(value, int) else tuple(value)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: weight (out, in/groups, *kernel) and bias (out,), both drawn from
    U(−1/√fan_in, 1/√fan_in) with fan_in = in/groups · Π kernel, as torch's default initialisation gives."""

    spatial = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size, stride: Size = 1,
                 padding: Size | str = 0, dilation: Size = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: str | Device | None = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels {in_channels} and out_channels {out_channels} must both be "
                             f"divisible by groups {groups}")
        if padding_mode != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported, not {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, self.spatial)
        self.stride, self.dilation = _tuple(stride, self.spatial), _tuple(dilation, self.spatial)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, self.spatial)
        fan_in = in_channels // groups * math.prod(self.kernel_size)
        bound = 1 / math.sqrt(fan_in)
        self.weight = init.uniform((out_channels, in_channels // groups, *self.kernel_size), bound, device, dtype)
        self.register_parameter("bias", init.uniform((out_channels,), bound, device, dtype) if bias else None)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in ((0,) * self.spatial, "valid"):
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.spatial:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvNd):
    """y = conv2d(x, weight, bias): x (N, C_in, H, W) or (C_in, H, W) → (N, C_out, H_out, W_out)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """y = conv1d(x, weight, bias): x (N, C_in, L) or (C_in, L) → (N, C_out, L_out)."""

    spatial = 1

    def forward(self, x: Tensor) -> Tensor:
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return F.conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0], self.groups)


class ConvTranspose2d(Module):
    """y = conv_transpose2d(x, weight, bias): conv2d's transpose, weight (in, out/groups, kh, kw), drawn from
    U(−1/√fan_in, 1/√fan_in) with fan_in = out/groups · kh · kw, as torch's default initialisation gives."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Size, stride: Size = 1, padding: Size = 0,
                 output_padding: Size = 0, groups: int = 1, bias: bool = True, dilation: Size = 1,
                 padding_mode: str = "zeros", device: str | Device | None = None, dtype: Any = None) -> None:
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"ConvTranspose2d: in_channels {in_channels} and out_channels {out_channels} must both "
                             f"be divisible by groups {groups}")
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' is supported, not {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _tuple(kernel_size, 2), _tuple(stride, 2)
        self.padding, self.output_padding = _tuple(padding, 2), _tuple(output_padding, 2)
        self.dilation = _tuple(dilation, 2)
        bound = 1 / math.sqrt(out_channels // groups * math.prod(self.kernel_size))
        self.weight = init.uniform((in_channels, out_channels // groups, *self.kernel_size), bound, device, dtype)
        self.register_parameter("bias", init.uniform((out_channels,), bound, device, dtype) if bias else None)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"


class MaxPool2d(Module):
    """The maximum of each window of (N, C, H, W): F.max_pool2d (with ``return_indices``, also where it is)."""

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0, dilation: Size = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.ceil_mode, self.return_indices = dilation, ceil_mode, return_indices

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                            self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """The mean of each window of (N, C, H, W): F.avg_pool2d."""

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.ceil_mode = kernel_size, stride, padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """The mean over windows that divide (H, W) into ``output_size`` cells: F.adaptive_avg_pool2d
    (``AdaptiveAvgPool2d(1)`` is global average pooling)."""

    def __init__(self, output_size: Size | tuple[int | None, int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
