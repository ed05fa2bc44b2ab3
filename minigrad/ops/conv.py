"""Convolution and pooling over images: im2col (``unfold``) and its adjoint col2im (``fold``), and
what is composed of them: ``conv2d`` and ``conv1d`` as one matrix product, ``conv_transpose2d`` as a
matrix product and a fold, ``max_pool2d`` and ``avg_pool2d`` as a max or a mean over the unfolded
windows, and ``adaptive_avg_pool2d``.

The one idea: a convolution is a matrix product once every window of the input is laid out as a
column. ``Unfold`` copies window (p, q) of the padded input into column (p, q); a weight of shape
(out_channels, in_channels·kh·kw) times those columns is the convolution. Unfold's backward is
``Fold``, which adds each column back to the place it was copied from (an input element that
several windows saw gets the sum of their gradients), and Fold's backward is Unfold: the two
are each other's transpose, which is why both are differentiable again.

Sizes follow torch: out = ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 (⌈…⌉ with
``ceil_mode``). Each Function is followed by its user functions, and :data:`METHODS` at the end
lists what this file gives ``Tensor`` (nothing: torch has these in ``F`` only).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from minigrad.autograd import Function
from minigrad.creation import ones
from minigrad.ops.linalg import matmul
from minigrad.ops.reduce import max, sum
from minigrad.ops.shape import reshape, squeeze, stack, unsqueeze
from minigrad.tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "col2im", "conv1d", "conv2d", "conv_transpose2d", "fold", "im2col",
    "max_pool2d", "unfold",
]

Pair = int | tuple[int, int]
# the geometry of a sliding window over (H, W): kernel, stride, dilation, (before, after) padding of
# each axis, and the output size; one tuple that Unfold and Fold pass to each other
Geometry = tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[tuple[int, int], tuple[int, int]],
                 tuple[int, int]]


def _pair(value: Pair, name: str, op: str, least: int = 1) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(int(v) for v in value)
    if len(pair) != 2 or any(v < least for v in pair):
        raise ValueError(f"{op}: {name} must be an int >= {least} or a pair of them, not {value!r}")
    return pair


def _geometry(size: tuple[int, int], kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, op: str,
              ceil_mode: bool = False) -> Geometry:
    """The window geometry over an input of spatial ``size``, checked; torch's output-size rule."""
    kernel, stride = _pair(kernel, "kernel_size", op), _pair(stride, "stride", op)
    padding, dilation = _pair(padding, "padding", op, least=0), _pair(dilation, "dilation", op)
    out, pads = [], []
    for axis in range(2):
        span = dilation[axis] * (kernel[axis] - 1) + 1  # how far one window reaches
        room = size[axis] + 2 * padding[axis] - span
        count = (-(-room // stride[axis]) if ceil_mode else room // stride[axis]) + 1
        if ceil_mode and (count - 1) * stride[axis] >= size[axis] + padding[axis]:
            count -= 1  # torch's rule: the last window must start inside the input or its left padding
        if room < 0 or count < 1:
            raise ValueError(f"{op}: the input of spatial size {tuple(size)} (padding {padding}) is smaller "
                             f"than the kernel {kernel} with dilation {dilation}")
        extra = builtins.max(0, (count - 1) * stride[axis] + span - size[axis] - 2 * padding[axis])  # ceil_mode
        out.append(count)
        pads.append((padding[axis], padding[axis] + extra))
    return kernel, stride, dilation, (pads[0], pads[1]), (out[0], out[1])


class Unfold(Function):
    """im2col: cols[n, c, (i, j), p, q] = x_padded[n, c, p·sₕ + i·dₕ, q·s_w + j·d_w];  dL/dx = fold(dL/dcols).

    x is (N, C, H, W) and cols (N, C, kh·kw, out_h, out_w): one slice of the input per kernel
    position (i, j), taken with the stride. The padding is ``fill`` (0, or −inf for max pooling).
    """

    @staticmethod
    def forward(ctx: Function, x: Any, geometry: Geometry, fill: float) -> Any:
        (kh, kw), (sh, sw), (dh, dw), pads, (oh, ow) = geometry
        ctx.size, ctx.geometry = x.shape[2:], geometry
        if any(pads[0] + pads[1]):
            x = ctx.xp.pad(x, ((0, 0), (0, 0)) + pads, constant_values=fill)
        patches = [x[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw]
                   for i in range(kh) for j in range(kw)]
        return ctx.xp.stack(patches, axis=2)  # (N, C, kh·kw, out_h, out_w)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return Fold.apply(grad, ctx.size, ctx.geometry), None, None


class Fold(Function):
    """col2im: x[n, c, p·sₕ + i·dₕ, q·s_w + j·d_w] += cols[n, c, (i, j), p, q], padding cropped;
    dL/dcols = unfold(dL/dx).

    The transpose of :class:`Unfold`: where windows overlap, their columns add up.
    """

    @staticmethod
    def forward(ctx: Function, cols: Any, size: tuple[int, int], geometry: Geometry) -> Any:
        (kh, kw), (sh, sw), (dh, dw), ((top, bottom), (left, right)), (oh, ow) = geometry
        ctx.geometry = geometry
        n, channels = cols.shape[:2]
        height, width = size
        image = ctx.xp.zeros((n, channels, height + top + bottom, width + left + right), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                image[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw] += \
                    cols[:, :, i * kw + j]
        return image[:, :, top: top + height, left: left + width]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple[Tensor, None, None]:
        return Unfold.apply(grad, ctx.geometry, 0.0), None, None


def _batched(x: Tensor, op: str, spatial: int = 2) -> tuple[Tensor, bool]:
    """(N, C, *spatial) as it is, or an unbatched (C, *spatial) with a batch axis of 1 added."""
    if x.ndim == spatial + 1:
        return unsqueeze(x, 0), True
    if x.ndim != spatial + 2:
        names = ", ".join("HW"[-spatial:] if spatial == 2 else "L")
        raise ValueError(f"{op}: expects input of shape (N, C, {names}) or (C, {names}), got {x.shape}")
    return x, False


def unfold(input: Tensor, kernel_size: Pair, dilation: Pair = 1, padding: Pair = 0, stride: Pair = 1) -> Tensor:
    """torch's F.unfold (im2col): (N, C, H, W) → (N, C·kh·kw, L), one column per window, L windows."""
    x, unbatched = _batched(input, "unfold")
    geometry = _geometry(x.shape[2:], kernel_size, stride, padding, dilation, "unfold")
    cols = Unfold.apply(x, geometry, 0.0)  # (N, C, kh·kw, out_h, out_w)
    n, channels, positions, oh, ow = cols.shape
    cols = reshape(cols, n, channels * positions, oh * ow)
    return squeeze(cols, 0) if unbatched else cols


def fold(input: Tensor, output_size: Pair, kernel_size: Pair, dilation: Pair = 1, padding: Pair = 0,
         stride: Pair = 1) -> Tensor:
    """torch's F.fold (col2im): (N, C·kh·kw, L) → (N, C, H, W), overlapping windows summed."""
    cols, unbatched = (unsqueeze(input, 0), True) if input.ndim == 2 else (input, False)
    if cols.ndim != 3:
        raise ValueError(f"fold: expects input of shape (N, C·kh·kw, L) or (C·kh·kw, L), got {input.shape}")
    size = _pair(output_size, "output_size", "fold")
    kernel, stride, dilation, pads, (oh, ow) = _geometry(size, kernel_size, stride, padding, dilation, "fold")
    n, rows, count = cols.shape
    positions = kernel[0] * kernel[1]
    if rows % positions or count != oh * ow:
        raise ValueError(f"fold: input of shape {input.shape} does not hold {oh}·{ow} = {oh * ow} windows of "
                         f"C·{kernel[0]}·{kernel[1]} values for output_size {size}")
    cols = reshape(cols, n, rows // positions, positions, oh, ow)
    image = Fold.apply(cols, size, (kernel, stride, dilation, pads, (oh, ow)))
    return squeeze(image, 0) if unbatched else image


def im2col(x: Tensor, kernel_size: Pair, stride: Pair = 1, pad: Pair = 0, to_matrix: bool = True) -> Tensor:
    """DeZero's im2col: (N, C, H, W) → (N·out_h·out_w, C·kh·kw), one row per window (``to_matrix``), else
    (N, C, kh, kw, out_h, out_w). The same Unfold as F.unfold, laid out as DeZero lays it out."""
    geometry = _geometry(x.shape[2:], kernel_size, stride, pad, 1, "im2col")
    (kh, kw), (oh, ow) = geometry[0], geometry[-1]
    cols = Unfold.apply(x, geometry, 0.0)  # (N, C, kh·kw, out_h, out_w)
    n, channels = cols.shape[:2]
    if not to_matrix:
        return reshape(cols, n, channels, kh, kw, oh, ow)
    return reshape(cols.permute(0, 3, 4, 1, 2), n * oh * ow, channels * kh * kw)


def col2im(col: Tensor, input_shape: tuple[int, int, int, int], kernel_size: Pair, stride: Pair = 1, pad: Pair = 0,
           to_matrix: bool = True) -> Tensor:
    """DeZero's col2im, im2col's transpose: the windows added back into an image of ``input_shape``."""
    n, channels, height, width = input_shape
    geometry = _geometry((height, width), kernel_size, stride, pad, 1, "col2im")
    (kh, kw), (oh, ow) = geometry[0], geometry[-1]
    if to_matrix:
        col = reshape(col, n, oh, ow, channels, kh * kw).permute(0, 3, 4, 1, 2)
    return Fold.apply(reshape(col, n, channels, kh * kw, oh, ow), (height, width), geometry)


# --- convolution: one matrix product over the unfolded windows ------------------------------------


def _same_padding(kernel: tuple[int, int], dilation: tuple[int, int], stride: tuple[int, int], op: str) -> Pair:
    if stride != (1, 1):
        raise ValueError(f"{op}: padding='same' needs stride 1, as in torch")
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    if any(total % 2 for total in totals):  # torch pads the extra element after; here: only symmetric padding
        raise ValueError(f"{op}: padding='same' with an even span {totals} needs uneven padding; "
                         "pad with F.pad and use padding=0")
    return (totals[0] // 2, totals[1] // 2)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Pair = 1, padding: Pair | str = 0,
           dilation: Pair = 1, groups: int = 1) -> Tensor:
    """out[n, o] = bias[o] + Σ_{c, i, j} weight[o, c, i, j] · x_padded[n, g·C/G + c, p·s + i·d, q·s + j·d].

    Written as im2col and a matrix product: the (out_channels/G, C/G·kh·kw) weight of each group
    times that group's columns. ``groups`` splits the channels into G independent convolutions.
    """
    x, unbatched = _batched(input, "conv2d")
    n, channels = x.shape[:2]
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be (out_channels, in_channels/groups, kh, kw), got {weight.shape}")
    out_channels, group_channels, kh, kw = weight.shape
    if groups < 1 or channels % groups or out_channels % groups or group_channels * groups != channels:
        raise ValueError(f"conv2d: input of {channels} channels and weight {weight.shape} do not fit "
                         f"groups={groups} (weight must be ({out_channels}, {channels}/groups, {kh}, {kw}))")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"conv2d: padding must be an int, a pair, 'same' or 'valid', not {padding!r}")
        padding = 0 if padding == "valid" else _same_padding(
            (kh, kw), _pair(dilation, "dilation", "conv2d"), _pair(stride, "stride", "conv2d"), "conv2d")
    geometry = _geometry(x.shape[2:], (kh, kw), stride, padding, dilation, "conv2d")
    oh, ow = geometry[-1]
    cols = Unfold.apply(x, geometry, 0.0)  # (N, C, kh·kw, out_h, out_w)
    cols = reshape(cols, n, groups, group_channels * kh * kw, oh * ow)  # each group's columns
    kernels = reshape(weight, groups, out_channels // groups, group_channels * kh * kw)
    out = reshape(matmul(kernels, cols), n, out_channels, oh, ow)  # (G, O/G, CK) @ (N, G, CK, L)
    if bias is not None:
        out = out + reshape(bias, out_channels, 1, 1)
    return squeeze(out, 0) if unbatched else out


def _single(value: int | tuple[int]) -> int:
    """conv1d's sizes: an int, or torch's one-element tuple."""
    return int(value[0]) if isinstance(value, (tuple, list)) and len(value) == 1 else int(value)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int | tuple[int] = 1,
           padding: int | tuple[int] | str = 0, dilation: int | tuple[int] = 1, groups: int = 1) -> Tensor:
    """out[n, o, p] = bias[o] + Σ_{c, i} weight[o, c, i] · x_padded[n, c, p·s + i·d]: conv2d on a height of 1."""
    x, unbatched = _batched(input, "conv1d", spatial=1)
    if weight.ndim != 3:
        raise ValueError(f"conv1d: weight must be (out_channels, in_channels/groups, k), got {weight.shape}")
    stride, dilation = _single(stride), _single(dilation)
    padding = padding if isinstance(padding, str) else (0, _single(padding))
    out = conv2d(unsqueeze(x, 2), unsqueeze(weight, 2), bias, (1, stride), padding, (1, dilation), groups)
    out = squeeze(out, 2)
    return squeeze(out, 0) if unbatched else out


# --- pooling: a max or a mean over the unfolded windows --------------------------------------------


def _pool_arguments(input: Tensor, kernel_size: Pair, stride: Pair | None, padding: Pair, op: str) -> tuple:
    x, unbatched = _batched(input, op)
    kernel = _pair(kernel_size, "kernel_size", op)
    padding = _pair(padding, "padding", op, least=0)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel {kernel}, as in torch")
    stride = kernel if stride is None or stride == () else stride
    return x, unbatched, kernel, stride, padding


def max_pool2d(input: Tensor, kernel_size: Pair, stride: Pair | None = None, padding: Pair = 0, dilation: Pair = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """out[n, c, p, q] = the maximum of window (p, q), padded with −inf; the gradient goes to the maximum.

    ``return_indices`` also gives where each maximum is, as torch does: its flat index h·W + w in its
    channel's (H, W) plane (an int64 tensor, no gradient).
    """
    x, unbatched, kernel, stride, padding = _pool_arguments(input, kernel_size, stride, padding, "max_pool2d")
    geometry = _geometry(x.shape[2:], kernel, stride, padding, dilation, "max_pool2d", ceil_mode)
    found = max(Unfold.apply(x, geometry, -math.inf), dim=2)  # (N, C, out_h, out_w), and which kernel position
    out = squeeze(found.values, 0) if unbatched else found.values
    if not return_indices:
        return out
    (_, kw), (sh, sw), (dh, dw), ((top, _), (left, _)), (oh, ow) = geometry
    xp, position = x.device.xp, found.indices.data
    rows = xp.arange(oh).reshape(oh, 1) * sh - top + (position // kw) * dh  # the maximum's row in the input
    columns = xp.arange(ow) * sw - left + (position % kw) * dw
    indices = Tensor((rows * x.shape[3] + columns).astype("int64"))
    return out, squeeze(indices, 0) if unbatched else indices


def avg_pool2d(input: Tensor, kernel_size: Pair, stride: Pair | None = None, padding: Pair = 0,
               ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """out[n, c, p, q] = Σ window (p, q) / its count: kh·kw with the zero padding counted
    (``count_include_pad``), else only the input's own elements; a window that ``ceil_mode`` lets hang
    past the padding never counts what hangs over."""
    x, unbatched, kernel, stride, padding = _pool_arguments(input, kernel_size, stride, padding, "avg_pool2d")
    geometry = _geometry(x.shape[2:], kernel, stride, padding, 1, "avg_pool2d", ceil_mode)
    total = sum(Unfold.apply(x, geometry, 0.0), dim=2)  # (N, C, out_h, out_w)
    if divisor_override is not None:
        out = total / divisor_override
    else:
        # the count of each window: unfold a map of ones over the elements that count
        height, width = x.shape[2:]
        if count_include_pad:
            (_, bottom), (_, right) = geometry[3]  # what ceil_mode adds past the padding does not count
            counted = ones((1, 1, height + 2 * padding[0], width + 2 * padding[1]), dtype=x.dtype, device=x.device)
            inner = geometry[:3] + (((0, bottom - padding[0]), (0, right - padding[1])),) + geometry[4:]
        else:
            counted, inner = ones((1, 1, height, width), dtype=x.dtype, device=x.device), geometry
        out = total / sum(Unfold.apply(counted, inner, 0.0), dim=2)
    return squeeze(out, 0) if unbatched else out


def adaptive_avg_pool2d(input: Tensor, output_size: Pair | tuple[int | None, int | None]) -> Tensor:
    """out[n, c, i, j] = the mean of x[n, c, ⌊i·H/h⌋ : ⌈(i+1)·H/h⌉, ⌊j·W/w⌋ : ⌈(j+1)·W/w⌉] for an (h, w)
    output (None keeps that size): windows that cover the input whatever its size (torch's rule)."""
    x, unbatched = _batched(input, "adaptive_avg_pool2d")
    height, width = x.shape[2:]
    size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    out_h, out_w = (height if size[0] is None else size[0]), (width if size[1] is None else size[1])
    if out_h < 1 or out_w < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be >= 1, got {output_size}")

    def span(i: int, count: int, total: int) -> slice:
        return slice(i * total // count, -(-(i + 1) * total // count))

    rows = []
    for i in range(out_h):
        cells = [x[:, :, span(i, out_h, height), span(j, out_w, width)].mean(dim=(2, 3)) for j in range(out_w)]
        rows.append(stack(cells, axis=-1))  # (N, C, out_w)
    out = stack(rows, axis=-2)  # (N, C, out_h, out_w)
    return squeeze(out, 0) if unbatched else out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Pair = 1, padding: Pair = 0,
                     output_padding: Pair = 0, groups: int = 1, dilation: Pair = 1) -> Tensor:
    """The transpose (adjoint) of conv2d with the same weight: each input pixel spreads weight-shaped
    into the output. Written as conv2d backwards: one matrix product makes the columns (Wᵀ x), and
    ``Fold`` adds them into the image. Output size (H − 1)·s − 2p + d·(k − 1) + output_padding + 1."""
    x, unbatched = _batched(input, "conv_transpose2d")
    n, channels, height, width = x.shape
    if weight.ndim != 4 or weight.shape[0] != channels or channels % groups:
        raise ValueError(f"conv_transpose2d: weight must be (in_channels={channels}, out_channels/groups, kh, kw) "
                         f"with groups={groups} dividing {channels}, got {weight.shape}")
    _, group_out, kh, kw = weight.shape
    stride, padding = _pair(stride, "stride", "conv_transpose2d"), _pair(padding, "padding", "conv_transpose2d", 0)
    dilation = _pair(dilation, "dilation", "conv_transpose2d")
    extra = _pair(output_padding, "output_padding", "conv_transpose2d", 0)
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"conv_transpose2d: output_padding {extra} must be smaller than stride or dilation")
    size = tuple((n_in - 1) * s - 2 * p + d * (k - 1) + e + 1
                 for n_in, s, p, d, k, e in zip((height, width), stride, padding, dilation, (kh, kw), extra))
    geometry = _geometry(size, (kh, kw), stride, padding, dilation, "conv_transpose2d")
    if geometry[-1] != (height, width):
        raise ValueError(f"conv_transpose2d: an input of {height}×{width} does not fit output {size}")
    kernels = reshape(weight, groups, channels // groups, group_out * kh * kw).swapaxes(-1, -2)  # (G, O/G·K, C/G)
    cols = matmul(kernels, reshape(x, n, groups, channels // groups, height * width))  # (N, G, O/G·K, H·W)
    image = Fold.apply(reshape(cols, n, groups * group_out, kh * kw, height, width), size, geometry)
    if bias is not None:
        image = image + reshape(bias, groups * group_out, 1, 1)
    return squeeze(image, 0) if unbatched else image


METHODS: dict[str, Any] = {}
