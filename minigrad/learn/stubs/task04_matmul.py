"""Task 4: the backward of matmul, on batches that broadcast.

Read: docs/autograd.md (§ Function: forward on arrays, backward on tensors) and
notebooks/01_autograd_internals.py. Check: minigrad-learn check 4

For C = A @ B with A (..., n, k) and B (..., k, m), and G = dL/dC (..., n, m):

    dL/dA = G @ Bᵀ        (..., n, m) @ (..., m, k) -> (..., n, k)
    dL/dB = Aᵀ @ G        (..., k, n) @ (..., n, m) -> (..., k, m)

where ᵀ swaps the last two axes only. The batch axes (...) broadcast: when B is (k, m) and A is
(batch, n, k), B was used by every batch, and its gradient is the sum over them. ``sum_to`` is
yours from task 3 (or the reference's, until task 3 passes).
"""

from __future__ import annotations

import numpy as np

from minigrad.learn.mine import sum_to  # noqa: F401 (task 3's answer)


def matmul_backward(a: np.ndarray, b: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(dL/da, dL/db) for c = a @ b, given grad = dL/dc."""
    raise NotImplementedError
