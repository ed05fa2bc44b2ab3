"""Initial values for parameters, drawn from minigrad's seeded streams (see ``mg.manual_seed``).

The layers use PyTorch's defaults, so that a model starts from the same distribution as
its PyTorch twin (not the same numbers: the random streams differ).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.backend import Device
from minigrad.creation import rand, randn
from minigrad.nn.module import Parameter


def uniform(shape: Sequence[int], bound: float, device: str | Device | None = None,
            dtype: Any = None) -> Parameter:
    """A parameter drawn from U(-bound, bound): bound · (2u - 1) with u ~ U[0, 1)."""
    return Parameter((rand(*shape, device=device, dtype=dtype) * 2 - 1) * bound)


def normal(shape: Sequence[int], device: str | Device | None = None, dtype: Any = None) -> Parameter:
    """A parameter drawn from N(0, 1)."""
    return Parameter(randn(*shape, device=device, dtype=dtype))
