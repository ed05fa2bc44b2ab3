"""Initial values for parameters, drawn from minigrad's seeded streams (see ``mg.manual_seed``).

The layers use PyTorch's defaults, so that a model starts from the same distribution as
its PyTorch twin (not the same numbers: the random streams differ).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad.backend import Device, float64, get_device
from minigrad.creation import rand, randn
from minigrad.nn.module import Parameter
from minigrad.tensor import Tensor


def uniform(shape: Sequence[int], bound: float, device: str | Device | None = None,
            dtype: Any = None) -> Parameter:
    """A parameter drawn from U(-bound, bound): bound · (2u - 1) with u ~ U[0, 1)."""
    return Parameter((rand(*shape, device=device, dtype=dtype) * 2 - 1) * bound)


def normal(shape: Sequence[int], device: str | Device | None = None, dtype: Any = None) -> Parameter:
    """A parameter drawn from N(0, 1)."""
    return Parameter(randn(*shape, device=device, dtype=dtype))


# --- torch.nn.init: fill an existing tensor in place ---------------------------------------------
#
# As in torch, these write into the tensor's array (under no graph) and return the tensor.
# fan_in is the number of inputs to a unit (size(1) × the receptive field), fan_out of outputs.


def _write(tensor: Tensor, values: Tensor) -> Tensor:
    tensor.data[...] = values.data.astype(tensor.dtype, copy=False)
    return tensor


def _fans(tensor: Tensor, op: str) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(f"{op}: fan in and fan out need a tensor of at least 2 axes, got shape {tensor.shape}")
    receptive = 1
    for n in tensor.shape[2:]:
        receptive *= n
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch's gain: 1 (linear, sigmoid), 5/3 (tanh), √2 (relu), √(2 / (1 + a²)) (leaky_relu), 3/4 (selu)."""
    if nonlinearity in ("linear", "identity", "sigmoid") or nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b)."""
    return _write(tensor, rand(*tensor.shape, device=tensor.device, dtype=tensor.dtype) * (b - a) + a)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std²)."""
    return _write(tensor, randn(*tensor.shape, device=tensor.device, dtype=tensor.dtype) * std + mean)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0) -> Tensor:
    """Fill with N(mean, std²) redrawn until inside [a, b] (each element on its own)."""
    normal_(tensor, mean, std)
    outside = (tensor.data < a) | (tensor.data > b)
    while bool(outside.any()):
        fresh = randn(*tensor.shape, device=tensor.device, dtype=tensor.dtype).data * std + mean
        tensor.data[...] = tensor.device.xp.where(outside, fresh, tensor.data)
        outside = (tensor.data < a) | (tensor.data > b)
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    tensor.data[...] = val
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (a 2-D tensor)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: expects a 2-D tensor, got shape {tensor.shape}")
    tensor.data[...] = tensor.device.xp.eye(*tensor.shape, dtype=tensor.dtype)
    return tensor


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: U(-a, a) with a = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: N(0, σ²) with σ = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str, op: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', not {mode!r}")
    fan_in, fan_out = _fans(tensor, op)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He: U(-b, b) with b = gain · √(3 / fan), gain from ``nonlinearity`` (and its slope ``a``)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He: N(0, σ²) with σ = gain / √fan."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_"))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, times ``gain``."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: expects a tensor of at least 2 axes, got shape {tensor.shape}")
    rows = tensor.shape[0]
    columns = tensor.data.size // rows
    host = get_device("cpu").xp  # the decomposition is done on the host, then copied over
    q, r = host.linalg.qr(randn(max(rows, columns), min(rows, columns), dtype=float64).numpy())
    q *= host.sign(host.diag(r))  # makes the decomposition unique, as torch does
    if rows < columns:
        q = q.T
    tensor.data[...] = tensor.device.asarray((gain * q).reshape(tensor.shape), dtype=tensor.dtype)
    return tensor
