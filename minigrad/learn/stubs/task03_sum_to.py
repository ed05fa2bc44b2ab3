"""Task 3: undo broadcasting, sum_to(grad, shape).

Read: docs/autograd.md (§ Broadcasting is undone in one place) and notebooks/01_autograd_internals.py.
Check: minigrad-learn check 3

When b of shape (4,) is added to x of shape (3, 4), NumPy copies b along a new leading axis;
when c of shape (3, 1) is added, it copies c along its axis of size 1. Each copy of an element
received its own gradient, so the element's gradient is the sum over its copies:

    sum_to(grad, shape) sums grad over the axes that broadcasting added (the leading ones)
    and over the axes where ``shape`` has 1 (keeping them, so that the result has ``shape``).

Use NumPy only (``grad.sum(axis=..., keepdims=...)``).
"""

from __future__ import annotations

import numpy as np


def sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The gradient of an input of ``shape`` that was broadcast to ``grad.shape``."""
    raise NotImplementedError
