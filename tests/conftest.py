"""Shared fixtures: every device-aware test runs on cpu, on the strict stand-in, and on cuda if present."""

from __future__ import annotations

import pytest

import minigrad as mg


class _TorchStandIn(type):
    """torch where it is not installed: every name in it is itself, and calling one skips the test.

    torch is the oracle of many tests, not a dependency of the engine: with ``from conftest import
    torch``, a learner without torch's wheel still runs every test that does not call it, and each
    one that does skips (``pytest.importorskip``) at its first call. ``isinstance(x, torch.Tensor)``
    is False, as it should be.
    """

    def __getattr__(cls, name: str) -> type:
        return cls

    def __call__(cls, *args: object, **kwargs: object) -> None:
        pytest.importorskip("torch", reason="torch is the oracle of this test; pip install torch")


class _NoTorch(metaclass=_TorchStandIn):
    pass


try:
    import torch
except ImportError:
    torch = _NoTorch


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
