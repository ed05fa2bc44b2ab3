"""Task 4, solved: dL/dA = G Bᵀ and dL/dB = Aᵀ G, the batch axes summed back with sum_to."""

from __future__ import annotations

import numpy as np

from minigrad.learn.mine import sum_to


def matmul_backward(a: np.ndarray, b: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dL/da, dL/db) for c = a @ b, given grad = dL/dc."""
    grad_a = grad @ np.swapaxes(b, -1, -2)  # (..., n, m) @ (..., m, k)
    grad_b = np.swapaxes(a, -1, -2) @ grad  # (..., k, n) @ (..., n, m)
    return sum_to(grad_a, a.shape), sum_to(grad_b, b.shape)
