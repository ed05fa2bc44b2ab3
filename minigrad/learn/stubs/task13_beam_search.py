"""Task 13: beam search, the few best partial translations kept at every step.

Read: docs/cli.md (§ 5. Translate) and notebooks/03_train_a_translator.py.
Check: minigrad-learn check 13

Greedy decoding can take a likely first token whose continuations are all unlikely. Beam search
keeps ``beam_size`` hypotheses (tokens so far, the sum of their log-probabilities, the decoder's
state). At each step every hypothesis is extended by its likely next tokens; of all the
extensions, the ``beam_size`` with the highest sums stay. An extension by ``eos`` is finished:
set it aside with its sum, it is extended no further. At the end (no hypothesis left, or
``max_len`` steps) the answer is the finished one with the highest sum (hypotheses still open
after ``max_len`` steps count as finished). The step function is the one of task 12.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Step = Callable[[int, Any], tuple[np.ndarray, Any]]  # (token, state) -> (log-probabilities, new state)


def beam_search(step: Step, state: Any, bos: int, eos: int, beam_size: int, max_len: int) -> list[int]:
    """The tokens of the best translation found, without bos and eos."""
    raise NotImplementedError
