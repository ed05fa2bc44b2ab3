"""Making tensors: ``tensor`` from data, and ``zeros``, ``ones``, ``randn``, ``arange``, ... from a shape.

Each returns a new leaf (no ``grad_fn``); ``requires_grad=True`` makes it one that backward
fills with a gradient. ``device`` is "cpu", "cuda" or "strict" (the default device if None).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from minigrad import backend
from minigrad.backend import Device
from minigrad.tensor import Tensor


def _tensor_data(data: Any, dtype: Any, device: Device) -> Any:
    if isinstance(data, Tensor):
        data = data.data
    elif isinstance(data, (list, tuple)) and any(isinstance(item, Tensor) for item in data):
        data = [item.numpy() if isinstance(item, Tensor) else item for item in data]
    if dtype is None and not backend.is_array(data):
        # Python floats become float32 (not NumPy's float64); ints stay int64, bools bool.
        probe = backend.to_host(data)
        if probe.dtype.kind in "uO" and _has_big_int(data):  # NumPy would pick uint64 or Python objects
            raise OverflowError("tensor: a whole number outside int64 (-2**63 .. 2**63 - 1), as torch refuses")
        dtype = backend.default_float if probe.dtype.kind == "f" else probe.dtype
    array = device.asarray(data, dtype=dtype)
    if array.dtype.kind not in "biuf":  # strings, Python objects, complex numbers: not numbers minigrad computes with
        raise TypeError(f"tensor: cannot hold data of NumPy kind {array.dtype} ({type(data).__name__}); give "
                        "numbers or bools")
    return array


def _has_big_int(data: Any) -> bool:
    """Does nested ``data`` hold a Python int that int64 cannot?"""
    if isinstance(data, (list, tuple)):
        return any(_has_big_int(item) for item in data)
    return isinstance(data, int) and not -(2**63) <= data < 2**63


def tensor(data: Any, dtype: Any = None, device: str | Device | None = None,
           requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (a number, nested list, or array)."""
    array = _tensor_data(data, dtype, backend.get_device(device))
    if array is data or (isinstance(data, Tensor) and array is data.data):
        array = array.copy()
    result = Tensor(array)
    result.requires_grad = requires_grad
    return result


def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def _factory(fill: Callable[[Device, tuple[int, ...], Any], Any], doc: str) -> Callable[..., Tensor]:
    def make(*shape: Any, dtype: Any = None, device: str | Device | None = None,
             requires_grad: bool = False) -> Tensor:
        where = backend.get_device(device)
        result = Tensor(fill(where, _shape(shape), dtype or backend.default_float))
        result.requires_grad = requires_grad
        return result

    make.__doc__ = doc
    return make


zeros = _factory(lambda d, shape, dtype: d.xp.zeros(shape, dtype=dtype), "A tensor of zeros.")
ones = _factory(lambda d, shape, dtype: d.xp.ones(shape, dtype=dtype), "A tensor of ones.")
randn = _factory(lambda d, shape, dtype: d.randn(shape, dtype),
                 "Samples from N(0, 1), from the device's seeded stream (see manual_seed).")
rand = _factory(lambda d, shape, dtype: d.rand(shape, dtype),
                "Samples from U[0, 1), from the device's seeded stream (see manual_seed).")
for _f, _n in ((zeros, "zeros"), (ones, "ones"), (randn, "randn"), (rand, "rand")):
    _f.__name__ = _f.__qualname__ = _n


def full(shape: Sequence[int] | int, fill_value: float, dtype: Any = None,
         device: str | Device | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (float32 unless ``dtype`` says otherwise)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if dtype is None:
        dtype = backend.default_float if isinstance(fill_value, float) else backend.to_host(fill_value).dtype
    where = backend.get_device(device)
    result = Tensor(where.xp.full(shape, fill_value, dtype=dtype))
    result.requires_grad = requires_grad
    return result


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None,
           device: str | Device | None = None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop), as ``numpy.arange`` (float32 for float arguments)."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        floats = any(isinstance(v, float) for v in (start, stop, step))
        dtype = backend.default_float if floats else backend.int64
    where = backend.get_device(device)
    result = Tensor(where.xp.arange(start, stop, step, dtype=dtype))
    result.requires_grad = requires_grad
    return result


def zeros_like(other: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(other.shape, dtype=dtype or other.dtype, device=other.device, requires_grad=requires_grad)


def ones_like(other: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return ones(other.shape, dtype=dtype or other.dtype, device=other.device, requires_grad=requires_grad)


def manual_seed(seed: int) -> None:
    """Seed every device's random stream: the same seed on the same device gives the same numbers."""
    backend.seed_all(seed)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: str | Device | None = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (the default float dtype)."""
    if steps < 0:
        raise ValueError(f"linspace: steps must be >= 0, not {steps}")
    where = backend.get_device(device)
    result = Tensor(where.xp.linspace(start, end, steps, dtype=dtype or backend.default_float))
    result.requires_grad = requires_grad
    return result


def eye(n: int, m: int | None = None, dtype: Any = None, device: str | Device | None = None,
        requires_grad: bool = False) -> Tensor:
    """The n × m identity matrix (ones on the diagonal)."""
    where = backend.get_device(device)
    result = Tensor(where.xp.eye(n, m, dtype=dtype or backend.default_float))
    result.requires_grad = requires_grad
    return result


def from_numpy(array: Any) -> Tensor:
    """A cpu tensor that shares ``array``'s memory (and keeps its dtype), as torch.from_numpy."""
    if type(array).__module__ != "numpy" or not hasattr(array, "dtype"):
        raise TypeError(f"from_numpy: expects a NumPy array, not {type(array).__name__}")
    return Tensor(array)


def empty(*shape: Any, dtype: Any = None, device: str | Device | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` (here: zeros, so that nothing random leaks from memory)."""
    return zeros(*shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(other: Tensor, fill_value: float, dtype: Any = None) -> Tensor:
    return full(other.shape, fill_value, dtype=dtype or other.dtype, device=other.device)


def rand_like(other: Tensor, dtype: Any = None) -> Tensor:
    return rand(other.shape, dtype=dtype or other.dtype, device=other.device)


def randn_like(other: Tensor, dtype: Any = None) -> Tensor:
    return randn(other.shape, dtype=dtype or other.dtype, device=other.device)


def randint(low: int, high: int | None = None, size: Sequence[int] = (), dtype: Any = None,
            device: str | Device | None = None) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` as torch allows too)."""
    if high is None:
        low, high = 0, low
    draws = rand(*tuple(size), dtype=backend.float64, device=device)
    return Tensor((draws.data * (high - low)).astype(dtype or backend.int64) + low)  # truncation is floor here
