"""Shared fixtures: every device-aware test runs on cpu, on the strict stand-in, and on cuda if present."""

from __future__ import annotations

import pytest

import minigrad as mg


def _cuda_reason() -> str | None:
    """Why cuda tests cannot run here, or None when they can."""
    try:
        mg.get_device("cuda")
    except mg.DeviceError as exc:
        return str(exc)
    return None


CUDA_SKIP_REASON = _cuda_reason()
DEVICES = [
    "cpu",
    "strict",
    pytest.param("cuda", marks=pytest.mark.skipif(CUDA_SKIP_REASON is not None, reason=f"no GPU: {CUDA_SKIP_REASON}")),
]


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """The device name a test runs on: 'cpu', 'strict' (CuPy-strict stand-in) or 'cuda'."""
    return request.param


@pytest.fixture(autouse=True)
def _seeded() -> None:
    mg.manual_seed(0)
