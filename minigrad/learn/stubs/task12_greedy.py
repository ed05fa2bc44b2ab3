"""Task 12: greedy decoding, one most likely token at a time.

Read: docs/cli.md (§ 5. Translate) and
notebooks/03_train_a_translator.py. Check: minigrad-learn check 12

A trained decoder is a step function: given the token it produced last and its state, it gives
the log-probabilities of the next token (a NumPy array over the vocabulary) and its new state.
Greedy decoding starts from ``bos`` and the start state, and at each step takes the most likely
token and feeds it back in, until the decoder says ``eos`` or ``max_len`` tokens have been made.
The translation is the tokens made, without ``bos`` and without ``eos``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Step = Callable[[int, Any], tuple[np.ndarray, Any]]  # (token, state) -> (log-probabilities, new state)


def greedy(step: Step, state: Any, bos: int, eos: int, max_len: int) -> list[int]:
    """The tokens of the greedy translation, at most ``max_len`` of them, without bos and eos."""
    raise NotImplementedError
