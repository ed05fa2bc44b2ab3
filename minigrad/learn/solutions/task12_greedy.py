"""Task 12, solved: feed back the argmax until eos or max_len."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Step = Callable[[int, Any], tuple[np.ndarray, Any]]  # (token, state) -> (log-probabilities, new state)


def greedy(step: Step, state: Any, bos: int, eos: int, max_len: int) -> list[int]:
    """The tokens of the greedy translation, at most ``max_len`` of them, without bos and eos."""
    tokens, token = [], bos
    for _ in range(max_len):
        log_probs, state = step(token, state)
        token = int(np.argmax(log_probs))
        if token == eos:
            break
        tokens.append(token)
    return tokens
