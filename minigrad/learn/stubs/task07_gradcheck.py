"""Task 7: gradcheck itself, the numerical gradient that every backward is held to.

Read: docs/autograd.md (§ gradcheck: is the backward right?) and notebooks/01_autograd_internals.py.
Check: minigrad-learn check 7

For f from an array to a number, one element at a time:

    ∂f/∂xₖ ≈ (f(x + ε eₖ) - f(x - ε eₖ)) / 2ε

(central differences: the error shrinks as ε², against ε for the one-sided difference).
Change x in place, one element at a time, and leave x exactly as you found it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """df/dx by central differences, an array of x's shape."""
    raise NotImplementedError


def gradcheck(f: Callable[[np.ndarray], float], grad: np.ndarray, x: np.ndarray,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Does ``grad`` (a backward's df/dx) agree with the numerical one: |grad - num| <= atol + rtol·|num| everywhere?"""
    raise NotImplementedError
