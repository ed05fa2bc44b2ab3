"""``minigrad.cuda``: torch.cuda's questions about the GPU, answered through :mod:`minigrad.backend`."""

from __future__ import annotations

from minigrad import backend


def is_available() -> bool:
    """Can tensors go to ``device='cuda'`` here (CuPy installed, and a GPU that CUDA sees)?"""
    try:
        backend.get_device("cuda")
    except backend.DeviceError:
        return False
    return True


def device_count() -> int:
    """How many GPUs CUDA sees (0 without CuPy or a GPU)."""
    if not is_available():
        return 0
    return backend.get_device("cuda").xp.cuda.runtime.getDeviceCount()
