"""Task 6: cross-entropy over a batch, and its gradient with respect to the logits.

Read: docs/attention.md (§ 2. One attention step) and notebooks/03_train_a_translator.py.
Check: minigrad-learn check 6

For logits z of shape (N, C) and the right classes t of shape (N,):

    L = -(1/N) Σₙ log_softmax(zₙ)[tₙ]
    dL/dzₙ = (softmax(zₙ) - onehot(tₙ)) / N

``softmax`` and ``log_softmax`` are yours from task 5 (or the reference's, until task 5 passes).
"""

from __future__ import annotations

import numpy as np

from minigrad.learn.mine import log_softmax, softmax  # noqa: F401 (task 5's answers)


def cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """(the mean loss L, dL/dlogits) for logits (N, C) and integer targets (N,)."""
    raise NotImplementedError
