"""Task 13, solved: keep the beam_size best sums of log-probabilities; set eos-ended hypotheses aside."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Step = Callable[[int, Any], tuple[np.ndarray, Any]]  # (token, state) -> (log-probabilities, new state)


def beam_search(step: Step, state: Any, bos: int, eos: int, beam_size: int, max_len: int) -> list[int]:
    """The tokens of the best translation found, without bos and eos."""
    beams = [(0.0, [], bos, state)]  # (sum of log-probabilities, tokens, last token, decoder state)
    finished: list[tuple[float, list[int]]] = []
    for _ in range(max_len):
        extensions = []
        for score, tokens, token, beam_state in beams:
            log_probs, next_state = step(token, beam_state)
            for candidate in np.argsort(log_probs)[::-1][:beam_size]:
                extensions.append((score + float(log_probs[candidate]), tokens, int(candidate), next_state))
        extensions.sort(key=lambda extension: extension[0], reverse=True)
        beams = []
        for score, tokens, token, next_state in extensions[:beam_size]:
            if token == eos:
                finished.append((score, tokens))
            else:
                beams.append((score, [*tokens, token], token, next_state))
        if not beams:
            break
    finished.extend((score, tokens) for score, tokens, _, _ in beams)  # still open after max_len steps
    return max(finished, key=lambda hypothesis: hypothesis[0])[1]
