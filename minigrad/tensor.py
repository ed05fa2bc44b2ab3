"""Tensor: an array on a device, plus what autograd needs to send gradients back.

A tensor made by an op remembers the op in ``grad_fn`` (a :class:`~minigrad.autograd.Function`
instance that holds the op's inputs and whatever it saved for backward). Following
``grad_fn`` from tensor to inputs to their ``grad_fn`` walks the computation graph
backwards, which is exactly what :meth:`Tensor.backward` does.

The ops themselves (``+``, ``@``, ``tanh``, ``sum``, ...) are attached to this class by
:mod:`minigrad.functional`, so this file holds only what a tensor *is*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from minigrad import backend
from minigrad.backend import Device


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation."""

    __slots__ = ("data", "grad", "grad_fn", "_requires_grad", "_hooks", "name", "__weakref__")
    __array_priority__ = 1000  # so that numpy_array + tensor calls Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, grad_fn: Any = None,
                 name: str | None = None) -> None:
        self.data = data  # the backend array (NumPy, CuPy or the strict stand-in)
        self.grad: Tensor | None = None
        self.grad_fn = grad_fn  # the Function that made this tensor; None for a leaf
        self._requires_grad = requires_grad
        self._hooks: list[Callable] | None = None
        self.name = name  # used by minigrad.viz; set for parameters

    # --- what a tensor is -----------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def device(self) -> Device:
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not backend.is_floating(self.dtype):
            raise TypeError(
                f"only floating-point tensors can require grad, but this one is {self.dtype} "
                "(integer tensors hold indices)"
            )
        if not self.is_leaf and not value:
            raise RuntimeError("requires_grad can only be switched off on a leaf; use .detach()")
        self._requires_grad = bool(value)

    def requires_grad_(self, value: bool = True) -> Tensor:
        self.requires_grad = value
        return self

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        values = repr(backend.to_host(self.data)).removeprefix("array(").removesuffix(")")
        values = values.split(", dtype=")[0].replace("\n      ", "\n       ")
        extras = [f"dtype={self.dtype}"]
        if self.device.kind != "cpu":
            extras.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({values}, {', '.join(extras)})"

    # --- leaving the graph and the device ---------------------------------------
    def detach(self) -> Tensor:
        """The same data, cut off from the graph (no grad_fn, no requires_grad)."""
        return Tensor(self.data)

    def item(self) -> float | int | bool:
        """The single value of a one-element tensor, as a Python number."""
        if self.size != 1:
            raise ValueError(f"item(): only a tensor with one element has an item, this one has shape {self.shape}")
        return backend.to_host(self.data).item()

    def numpy(self) -> Any:
        """A NumPy copy on the host, whatever the device (never a view of this tensor)."""
        return backend.to_host(self.data)

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def to(self, device: str | Device | None = None, dtype: Any = None) -> Tensor:
        """This tensor on another device and/or with another dtype; differentiable."""
        from minigrad.functional import to  # noqa: PLC0415 - ops sit above this module

        return to(self, device=device, dtype=dtype)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, index: int = 0) -> Tensor:
        return self.to(f"cuda:{index}")

    def float(self) -> Tensor:
        return self.to(dtype=backend.float32)

    def double(self) -> Tensor:
        return self.to(dtype=backend.float64)

    def long(self) -> Tensor:
        return self.to(dtype=backend.int64)

    # --- gradients --------------------------------------------------------------
    def backward(self, grad: Tensor | Any = None, retain_graph: bool = False,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``grad`` is d(loss)/d(self); it may be left out only when ``self`` is a scalar.
        """
        from minigrad.autograd import backward  # noqa: PLC0415 - autograd sits above this module

        backward([self], None if grad is None else [grad], retain_graph, create_graph)

    def retain_grad(self) -> None:
        """Keep the gradient that reaches this non-leaf tensor in ``.grad`` (leaves keep it anyway)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): this tensor does not require grad, so it gets none")
        if self.grad_fn is not None:
            self.grad_fn.retain_output(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call ``hook(grad)`` when the gradient for this tensor is computed.

        A hook may return a tensor to use instead. Returns a function that removes the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook(): this tensor does not require grad, so no gradient reaches it")
        if self.grad_fn is not None:
            hooks = self.grad_fn.output_hooks(self)
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return lambda: hooks.remove(hook) if hook in hooks else None

    def zero_grad(self) -> None:
        self.grad = None


def _tensor_data(data: Any, dtype: Any, device: Device) -> Any:
    if isinstance(data, Tensor):
        data = data.data
    elif isinstance(data, (list, tuple)) and any(isinstance(item, Tensor) for item in data):
        data = [item.numpy() if isinstance(item, Tensor) else item for item in data]
    if dtype is None and not backend.is_array(data):
        # Python floats become float32 (not NumPy's float64); ints stay int64, bools bool.
        probe = backend.to_host(data)
        dtype = backend.default_float if probe.dtype.kind == "f" else probe.dtype
    return device.asarray(data, dtype=dtype)


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
