"""Task 1: a scalar Value with +, * and tanh, each with its backward beside its forward.

Read: docs/autograd.md (§ Function: forward on arrays, backward on tensors) and
notebooks/01_autograd_internals.py. Check: minigrad-learn check 1

A Value holds a number ``data`` and, after backward, ``grad`` = dL/d(this value). Each op makes
a new Value ``out`` from its inputs, remembers them in ``out._prev``, and sets ``out._backward``:
a function that, when called, adds to each input's ``grad`` that input's share of ``out.grad``
(the chain rule: dL/dinput = dL/dout · dout/dinput). Task 2 calls these in the right order.

    out = a + b      dout/da = 1,  dout/db = 1
    out = a * b      dout/da = b,  dout/db = a
    out = tanh(a)    dout/da = 1 - tanh(a)²
"""

from __future__ import annotations

import math  # noqa: F401 (math.tanh is yours to use)
from collections.abc import Callable


class Value:
    """A scalar in a computation graph: ``data``, ``grad``, and how the gradient goes back to ``_prev``."""

    def __init__(self, data: float, _children: tuple[Value, ...] = ()) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = set(_children)
        self._backward: Callable[[], None] = lambda: None

    def __add__(self, other: Value | float) -> Value:
        """out = self + other (a plain number becomes a Value)."""
        other = other if isinstance(other, Value) else Value(other)
        raise NotImplementedError

    def __mul__(self, other: Value | float) -> Value:
        """out = self · other (a plain number becomes a Value)."""
        other = other if isinstance(other, Value) else Value(other)
        raise NotImplementedError

    def tanh(self) -> Value:
        """out = tanh(self); math.tanh computes it."""
        raise NotImplementedError

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __repr__(self) -> str:
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

