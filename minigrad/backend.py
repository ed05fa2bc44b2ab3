"""Devices and array modules: the one place that knows NumPy and CuPy.

Three kinds of device exist:

* ``"cpu"``: NumPy arrays.
* ``"cuda"`` / ``"cuda:N"``: CuPy arrays on GPU ``N``.
* ``"strict"``: a CPU stand-in that is as strict as CuPy. Its arrays wrap NumPy
  arrays but refuse implicit conversion to NumPy (``np.asarray``, NumPy functions
  called on them, mixing with NumPy arrays), so that code paths which would
  break on a GPU break on a machine without one too.

Everything above this module asks a :class:`Device` for its array module
(``device.xp``) instead of importing NumPy or CuPy to choose between them.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
from typing import Any

import numpy as np

from minigrad.strict import StrictArray, strict_xp

float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
int32, int64, bool_ = np.dtype("int32"), np.dtype("int64"), np.dtype("bool")
default_float = float32
_next_seed = 0  # what new devices' random streams start from (manual_seed sets it)


class DeviceError(RuntimeError):
    """A device was asked for that cannot be used, or two devices were mixed."""


def _import_cupy() -> Any:
    try:
        import cupy  # noqa: PLC0415 - optional dependency, imported on first use
    except ImportError as exc:
        raise DeviceError(
            "device 'cuda' needs CuPy, which is not installed: "
            "pip install 'minigrad[cuda]' (CuPy for CUDA 12)"
        ) from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken
        raise DeviceError(f"device 'cuda' needs a working NVIDIA GPU, but CUDA says: {exc}") from exc
    if count == 0:
        raise DeviceError("device 'cuda' needs an NVIDIA GPU, but CUDA found none")
    return cupy


class Device:
    """A place where arrays live, with the array module (``xp``) that works on them."""

    def __init__(self, kind: str, index: int = 0) -> None:
        self.kind, self.index = kind, index
        if kind == "cpu":
            self.xp: Any = np
        elif kind == "strict":
            self.xp = strict_xp
        elif kind == "cuda":
            cupy = _import_cupy()
            if index >= cupy.cuda.runtime.getDeviceCount():
                raise DeviceError(
                    f"device 'cuda:{index}' does not exist: CUDA sees "
                    f"{cupy.cuda.runtime.getDeviceCount()} GPU(s)"
                )
            self.xp = cupy
            ARRAY_MODULES[cupy.ndarray] = cupy
        else:
            raise DeviceError(f"unknown device kind {kind!r}: use 'cpu', 'cuda', 'cuda:N' or 'strict'")
        self.seed(_next_seed)

    @property
    def name(self) -> str:
        return f"cuda:{self.index}" if self.kind == "cuda" else self.kind

    @property
    def type(self) -> str:
        """torch's name for the kind: 'cpu', 'cuda' or 'strict' (``x.device.type == 'cuda'``)."""
        return self.kind

    def __repr__(self) -> str:
        return f"device(type={self.name!r})"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = get_device(other)
        return isinstance(other, Device) and (self.kind, self.index) == (other.kind, other.index)

    def __hash__(self) -> int:
        return hash((self.kind, self.index))

    # --- arrays -------------------------------------------------------------
    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """Put ``data`` (a number, list, or array from any device) on this device."""
        if self.kind == "cuda":
            with self.xp.cuda.Device(self.index):
                return self.xp.asarray(to_host(data) if _is_foreign(data, self) else data, dtype=dtype)
        return self.xp.asarray(to_host(data) if _is_foreign(data, self) else data, dtype=dtype)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` in place, adding repeated indices up."""
        if self.kind == "cuda":
            import cupyx  # noqa: PLC0415

            cupyx.scatter_add(target, index, values)
        elif self.kind == "strict":
            np.add.at(target.unwrap(), _unwrap_index(index), values.unwrap())
        else:
            np.add.at(target, index, values)

    # --- random numbers -----------------------------------------------------
    def seed(self, seed: int) -> None:
        """Restart this device's random stream: the same seed gives the same numbers."""
        if self.kind == "cuda":
            with self.xp.cuda.Device(self.index):
                self._rng = self.xp.random.RandomState(seed)
        else:
            self._rng = np.random.RandomState(seed)

    def randn(self, shape: tuple[int, ...], dtype: Any) -> Any:
        values = self._rng.standard_normal(size=shape)
        return self.asarray(values, dtype=dtype) if self.kind != "cuda" else values.astype(dtype)

    def rand(self, shape: tuple[int, ...], dtype: Any) -> Any:
        values = self._rng.random_sample(size=shape)
        return self.asarray(values, dtype=dtype) if self.kind != "cuda" else values.astype(dtype)

    def get_rng_state(self) -> dict:
        state = self._rng.get_state()
        return {"kind": state[0], "keys": to_host(state[1]).tolist(), "pos": int(state[2]),
                "has_gauss": int(state[3]), "cached_gaussian": float(state[4])}

    def set_rng_state(self, state: dict) -> None:
        self._rng.set_state((state["kind"], np.asarray(state["keys"], dtype=np.uint32),
                             state["pos"], state["has_gauss"], state["cached_gaussian"]))


def _is_foreign(data: Any, device: Device) -> bool:
    """Is ``data`` an array that lives on a different kind of device?"""
    if isinstance(data, (np.ndarray, StrictArray)):
        return device_of(data).kind != device.kind
    return hasattr(data, "__cuda_array_interface__") and device.kind != "cuda"


def _unwrap_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_unwrap_index(i) for i in index)
    return index.unwrap() if isinstance(index, StrictArray) else index


_devices: dict[tuple[str, int], Device] = {}
_default: Device | None = None


def get_device(spec: str | Device | None = None) -> Device:
    """The :class:`Device` for ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"strict"`` (None: the default)."""
    if spec is None:
        return default_device()
    if isinstance(spec, Device):
        return spec
    if not isinstance(spec, str):
        raise DeviceError(f"a device is a string such as 'cpu' or 'cuda:0', not {spec!r}")
    kind, _, index = spec.strip().lower().partition(":")
    if index and not index.isdigit():
        raise DeviceError(f"device {spec!r}: the part after ':' must be a GPU number")
    key = (kind, int(index or 0))
    if key not in _devices:
        _devices[key] = Device(*key)
    return _devices[key]


def default_device() -> Device:
    """The device that new tensors go to: ``set_default_device``, else ``$MINIGRAD_DEVICE``, else cpu."""
    global _default
    if _default is None:
        _default = get_device(os.environ.get("MINIGRAD_DEVICE") or "cpu")
    return _default


def set_default_device(spec: str | Device) -> None:
    """Make ``spec`` the device that new tensors are created on."""
    global _default
    _default = get_device(spec)


host_scalar = np.generic  # what NumPy returns instead of a 0-d array; Function.apply wraps it


def device_of(array: Any) -> Device:
    """The device on which a backend array lives."""
    kind = _KIND_OF_TYPE.get(type(array))
    if kind is not None:
        return _devices[(kind, 0)] if (kind, 0) in _devices else get_device(kind)
    if hasattr(array, "__cuda_array_interface__"):
        return get_device(f"cuda:{array.device.id}")
    if isinstance(array, (np.ndarray, np.generic)):
        return get_device("cpu")
    raise DeviceError(f"{type(array).__name__} is not an array of any minigrad device")


_KIND_OF_TYPE = {np.ndarray: "cpu", StrictArray: "strict"}
# array type -> the module that works on it (CuPy's is added when a cuda device is first made)
ARRAY_MODULES: dict[type, Any] = {np.ndarray: np, StrictArray: strict_xp}


def array_module(array: Any) -> Any:
    """The array module (NumPy, CuPy, or the strict stand-in) that works on ``array``."""
    xp = ARRAY_MODULES.get(type(array))
    return xp if xp is not None else device_of(array).xp


def array_module_of(array: Any) -> Any:
    """``array_module(array)``, and the default device's module for None (an op given no tensor)."""
    xp = ARRAY_MODULES.get(type(array))
    if xp is not None:
        return xp
    return default_device().xp if array is None else array_module(array)


def scatter_add(target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` in place, adding repeated indices up."""
    device_of(target).scatter_add(target, index, values)


def is_array(value: Any) -> bool:
    """Is ``value`` an array of some device (NumPy, CuPy or the strict stand-in)?"""
    return isinstance(value, (np.ndarray, StrictArray)) or hasattr(value, "__cuda_array_interface__")


def to_host(array: Any) -> np.ndarray:
    """A NumPy copy of an array from any device (numbers and lists pass through np.array)."""
    if isinstance(array, StrictArray) or hasattr(array, "__cuda_array_interface__"):
        return array.get()
    return np.array(array)


def is_floating(dtype: Any) -> bool:
    return np.dtype(dtype).kind == "f"


def result_type(*dtypes: Any) -> np.dtype:
    """NumPy's promotion rule, which CuPy follows too."""
    return np.result_type(*dtypes)


def seed_all(seed: int) -> None:
    """Seed every device that has been used (and, lazily, those to come)."""
    global _next_seed
    _next_seed = seed
    for device in _devices.values():
        device.seed(seed)



# --- CPU threads ----------------------------------------------------------------------------------

_blas: Any = None  # threadpoolctl's handle on NumPy's BLAS, found once


def _blas_controller() -> Any:
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController  # noqa: PLC0415 - only when threads are set

        _blas = ThreadpoolController().select(user_api="blas")
    return _blas


def set_num_threads(threads: int) -> None:
    """Use ``threads`` CPU threads for BLAS (NumPy's matmul), as ``torch.set_num_threads``.

    NumPy's elementwise functions run on one thread whatever this says. On a machine that other
    processes share, fewer threads than cores can be faster: a BLAS thread that waits for a busy
    core holds up the whole matmul.
    """
    if int(threads) < 1:
        raise ValueError(f"set_num_threads: the number of threads must be at least 1, not {threads}")
    _blas_controller().limit(limits=int(threads))


def get_num_threads() -> int:
    """The number of threads BLAS uses (the largest, if NumPy has loaded several BLAS libraries)."""
    return max((info["num_threads"] for info in _blas_controller().info()), default=1)


# --- CPU memory -----------------------------------------------------------------------------------


def keep_freed_memory() -> bool:
    """Have the C allocator (glibc's malloc, on Linux) keep the memory of freed arrays for the next ones.

    By default glibc gives a freed block of 128 KiB or more back to the kernel, and the next array
    of that size takes a page fault for every 4 KiB page to get it back: 32 for a (128, 256)
    float32 array. An LSTM step makes thousands of such arrays; the composed seq2seq step took
    18,000-33,000 faults, a fifth of its time (docs/performance.md). Blocks up to 32 MiB are now
    taken from the process's heap and up to 1 GiB of freed heap is kept, as CuPy's memory pool and
    PyTorch's CUDA allocator keep freed GPU memory. Called once, on import; returns whether it took.
    """
    if not sys.platform.startswith("linux") or os.environ.get("MINIGRAD_KEEP_FREED_MEMORY") == "0":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):
        return False
    trim_threshold, mmap_threshold = -1, -3  # glibc's M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    return bool(mallopt(mmap_threshold, 32 * 2**20)) and bool(mallopt(trim_threshold, 2**30))


keep_freed_memory()


def erf(array: Any) -> Any:
    """The error function elementwise (NumPy has none: Python's math.erf per element on the host)."""
    if hasattr(array, "__cuda_array_interface__"):
        import cupyx.scipy.special  # noqa: PLC0415

        return cupyx.scipy.special.erf(array)
    host = array.unwrap() if isinstance(array, StrictArray) else np.asarray(array)
    values = np.asarray(np.frompyfunc(math.erf, 1, 1)(host)).astype(host.dtype)
    return StrictArray(np.asarray(values)) if isinstance(array, StrictArray) else values


def log_of_zero_allowed(xp: Any) -> Any:
    """A block in which ``log(0) = -inf`` is intended: NumPy's divide-by-zero warning is silenced."""
    return np.errstate(divide="ignore") if xp is np or xp is strict_xp else contextlib.nullcontext()


def overflow_allowed(xp: Any) -> Any:
    """A block in which a result of ``inf`` is intended (``e⁻ˣ`` for x ≪ 0): NumPy's overflow warning is silenced."""
    return np.errstate(over="ignore") if xp is np or xp is strict_xp else contextlib.nullcontext()


def set_default_dtype(dtype: Any) -> None:
    """The dtype that Python floats become (float32 at start; float64 for exact checks), as torch's."""
    global default_float
    if not is_floating(dtype):
        raise TypeError(f"set_default_dtype: only a floating-point dtype can be the default, not {np.dtype(dtype)}")
    default_float = np.dtype(dtype)


def get_default_dtype() -> np.dtype:
    return default_float
