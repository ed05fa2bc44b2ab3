"""Task 7, solved: central differences one element at a time, and allclose against them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """df/dx by central differences, an array of x's shape."""
    grad = np.zeros(x.shape)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)  # views: changing flat_x changes x
    for k in range(flat_x.size):
        saved = flat_x[k]
        flat_x[k] = saved + eps
        plus = f(x)
        flat_x[k] = saved - eps
        minus = f(x)
        flat_x[k] = saved
        flat_grad[k] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(f: Callable[[np.ndarray], float], grad: np.ndarray, x: np.ndarray,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Does ``grad`` (a backward's df/dx) agree with the numerical one: |grad - num| <= atol + rtol·|num| everywhere?"""
    numerical = numerical_gradient(f, x)
    return bool(np.all(np.abs(grad - numerical) <= atol + rtol * np.abs(numerical)))
