"""Task 1, solved: a scalar Value with +, * and tanh, each with its backward beside its forward (micrograd's)."""

from __future__ import annotations

import math
from collections.abc import Callable


class Value:
    """A scalar in a computation graph: ``data``, ``grad``, and how the gradient goes back to ``_prev``."""

    def __init__(self, data: float, _children: tuple[Value, ...] = ()) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = set(_children)
        self._backward: Callable[[], None] = lambda: None

    def __add__(self, other: Value | float) -> Value:
        """out = self + other;  dout/dself = dout/dother = 1."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        """out = self · other;  dout/dself = other, dout/dother = self."""
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """out = tanh(self);  dout/dself = 1 - out²."""
        out = Value(math.tanh(self.data), (self,))

        def _backward() -> None:
            self.grad += (1 - out.data * out.data) * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __repr__(self) -> str:
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"
