"""The strict stand-in device: NumPy underneath, CuPy's manners on top.

CuPy arrays live on the GPU, so CuPy refuses to turn them into NumPy arrays
behind your back: ``np.asarray(x)``, ``np.exp(x)`` and ``x + numpy_array`` all
raise. Code that does any of these works on the CPU and breaks on a GPU. The
stand-in makes it break on the CPU too, which is how CI (with no GPU) proves the
CuPy code path. Only :mod:`minigrad.backend` uses this module.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

_MESSAGE = (
    "implicit conversion of a 'strict' device array to a NumPy array is not allowed "
    "(CuPy refuses it too); use .get() or Tensor.numpy() for an explicit host copy"
)

# attributes of the wrapped NumPy array that hand its memory to NumPy: a CuPy array has none of them
_HOST_DOORS = frozenset({"__array_interface__", "__array_struct__", "__dlpack__", "__dlpack_device__"})


def _unwrap(value: Any, allow_host: bool = False) -> Any:
    if isinstance(value, StrictArray):
        return value._array
    if isinstance(value, np.ndarray) and not allow_host:
        raise TypeError(
            "a 'strict' device array was mixed with a NumPy array; move the data to the same "
            "device first (CuPy refuses this mix too)"
        )
    if isinstance(value, (tuple, list)):
        return type(value)(_unwrap(v, allow_host) for v in value)
    if isinstance(value, dict):  # keyword arguments, such as out=
        return {k: _unwrap(v, allow_host) for k, v in value.items()}
    return value


def _wrap(value: Any) -> Any:
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, np.dtype):
        return StrictArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


class StrictArray:
    """A NumPy array that refuses implicit conversion, as a CuPy array does."""

    __slots__ = ("_array",)
    __array_priority__ = 1000

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    def unwrap(self) -> np.ndarray:
        return self._array

    # The three doors through which NumPy would take the array: all shut.
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(_MESSAGE)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        raise TypeError(f"NumPy's {ufunc.__name__} was called on a 'strict' device array: {_MESSAGE}")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(f"numpy.{func.__name__} was called on a 'strict' device array: {_MESSAGE}")

    def get(self) -> np.ndarray:
        """An explicit host copy, as ``cupy.ndarray.get()`` gives."""
        return self._array.copy()

    @property
    def shape(self) -> tuple[int, ...]:
        return self._array.shape

    @property
    def ndim(self) -> int:
        return self._array.ndim

    @property
    def size(self) -> int:
        return self._array.size

    @property
    def dtype(self) -> np.dtype:
        return self._array.dtype

    @property
    def T(self) -> StrictArray:  # noqa: N802 - NumPy's name
        return StrictArray(self._array.T)

    def __getattr__(self, name: str) -> Any:
        if name in _HOST_DOORS:  # NumPy would read the host memory through these, never calling __array__
            raise AttributeError(f"{name}: {_MESSAGE}")
        attribute = getattr(self._array, name)
        if not callable(attribute):
            return _wrap(attribute)

        def method(*args: Any, **kwargs: Any) -> Any:
            return _wrap(attribute(*_unwrap(args), **_unwrap(kwargs)))

        return method

    def __getitem__(self, index: Any) -> Any:
        return _wrap(self._array[_unwrap(index)])

    def __setitem__(self, index: Any, value: Any) -> None:
        self._array[_unwrap(index)] = _unwrap(value)

    def __len__(self) -> int:
        return len(self._array)

    def __iter__(self) -> Any:
        return (_wrap(item) for item in self._array)

    def __bool__(self) -> bool:
        return bool(self._array)

    def __float__(self) -> float:
        return float(self._array)

    def __int__(self) -> int:
        return int(self._array)

    def __index__(self) -> int:
        return operator.index(self._array)

    def __repr__(self) -> str:
        return repr(self._array).replace("array(", "strict_array(", 1)

    def __reduce__(self) -> Any:
        raise TypeError(f"pickling: {_MESSAGE}")


def _binary(op: Any) -> Any:
    def method(self: StrictArray, other: Any) -> Any:
        return _wrap(op(self._array, _unwrap(other)))

    return method


def _reflected(op: Any) -> Any:
    def method(self: StrictArray, other: Any) -> Any:
        return _wrap(op(_unwrap(other), self._array))

    return method


def _inplace(op: Any) -> Any:
    def method(self: StrictArray, other: Any) -> StrictArray:
        self._array = op(self._array, _unwrap(other))
        return self

    return method


for _name, _op in {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "matmul": operator.matmul, "and": operator.and_, "or": operator.or_, "xor": operator.xor,
}.items():
    setattr(StrictArray, f"__{_name}__", _binary(_op))
    setattr(StrictArray, f"__r{_name}__", _reflected(_op))
    setattr(StrictArray, f"__i{_name}__", _inplace(getattr(operator, f"i{_name.rstrip('_')}")))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(StrictArray, f"__{_name}__", _binary(getattr(operator, _name)))
StrictArray.__neg__ = lambda self: StrictArray(-self._array)  # type: ignore[method-assign]
StrictArray.__abs__ = lambda self: StrictArray(abs(self._array))  # type: ignore[method-assign]
StrictArray.__invert__ = lambda self: StrictArray(~self._array)  # type: ignore[method-assign]
StrictArray.__hash__ = None  # type: ignore[assignment]


class _StrictModule:
    """``strict_xp``: NumPy's functions, taking and giving strict arrays only.

    Like ``cupy.asarray``, ``asarray``/``array`` accept host data (an explicit copy to
    the device); every other function refuses NumPy arrays.
    """

    _FROM_HOST = frozenset({"asarray", "array", "ascontiguousarray"})

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(np, name)
        if not callable(attribute) or isinstance(attribute, type):
            return attribute  # dtypes, constants such as newaxis
        allow_host = name in self._FROM_HOST

        def function(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*_unwrap(args, allow_host), **_unwrap(kwargs, allow_host))
            return _wrap(np.array(result, copy=True) if allow_host else result)

        function.__name__ = name
        return function


strict_xp = _StrictModule()
