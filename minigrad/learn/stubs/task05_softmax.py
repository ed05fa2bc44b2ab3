"""Task 5: softmax and log-softmax, stable for any input.

Read: docs/attention.md (§ 2. One attention step) and notebooks/02_attention_step.py.
Check: minigrad-learn check 5

    softmax(x)ᵢ     = exp(xᵢ) / Σⱼ exp(xⱼ)          along ``axis``
    log_softmax(x)ᵢ = xᵢ - log Σⱼ exp(xⱼ)

exp overflows past about 709 in float64, and log of a softmax that underflowed to 0 is -inf.
Both functions are unchanged when the same number is subtracted from every xⱼ along the axis:
choose the one that keeps exp in range. Use NumPy only.
"""

from __future__ import annotations

import numpy as np


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(x) / Σ exp(x) along ``axis``; every slice along it sums to 1."""
    raise NotImplementedError


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """x - log Σ exp(x) along ``axis``, finite wherever x is."""
    raise NotImplementedError
