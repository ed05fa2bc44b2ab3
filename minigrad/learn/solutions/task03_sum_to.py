"""Task 3, solved: sum_to sums the leading axes broadcasting added, then the axes where shape has 1."""

from __future__ import annotations

import numpy as np


def sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The gradient of an input of ``shape`` that was broadcast to ``grad.shape``."""
    grad = np.asarray(grad)
    added = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(added)))  # the leading axes broadcasting added
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=stretched, keepdims=True).reshape(shape)
