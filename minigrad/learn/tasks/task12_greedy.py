"""Task 12's grader: greedy decoding on small decoders whose every step is known."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from minigrad.learn.core import AnswerError, Task

MISTAKES = {
    "includes_eos": (
        "the translation ends in eos ({got}): stop at eos without keeping it",
        "번역이 eos로 끝납니다({got}). eos에서 멈추고 eos는 넣지 마세요"),
    "includes_bos": (
        "the translation starts with bos ({got}): bos only starts the decoder; keep the tokens it makes",
        "번역이 bos로 시작합니다({got}). bos는 디코더를 시작시킬 뿐이니 디코더가 만든 토큰만 담으세요"),
    "no_stop": (
        "the decoding went on after eos ({got}): stop as soon as the decoder says eos",
        "eos 다음에도 계속 디코딩했습니다({got}). 디코더가 eos를 내면 바로 멈추세요"),
    "stale_token": (
        "each step was fed bos again ({got}): feed back the token just chosen, it is what the next step "
        "continues from",
        "매 단계에 bos를 다시 넣었습니다({got}). 방금 고른 토큰을 다시 넣어야 다음 단계가 거기서 이어 갑니다"),
    "max_len_off_by_one": (
        "a decoder that never says eos gave {count} tokens for max_len = {max_len}: make at most max_len "
        "tokens, and exactly max_len when eos never comes",
        "eos를 내지 않는 디코더에서 max_len = {max_len}인데 토큰이 {count}개 나왔습니다. 토큰은 최대 max_len개, "
        "eos가 오지 않으면 정확히 max_len개입니다"),
    "no_max_len": (
        "on a decoder that never says eos, the decoding had not stopped after {limit} steps: stop after "
        "max_len tokens even when eos never comes",
        "eos를 내지 않는 디코더에서 {limit}단계가 지나도 디코딩이 멈추지 않았습니다. eos가 오지 않아도 "
        "max_len개를 만들면 멈추세요"),
}
MESSAGES = {
    "tokens": ("the translation is {got}, expected {want}", "번역이 {got}인데 {want}이어야 합니다"),
}
BOS, EOS, VOCAB = 0, 1, 6
Step = Callable[[int, Any], tuple[np.ndarray, Any]]
NEXT = {0: 3, 3: 4, 4: 2, 2: 1, 1: 5, 5: 5}  # the most likely token after each token


def chain_step(token: int, state: int) -> tuple[np.ndarray, int]:
    """A decoder that goes bos → 3 → 4 → 2 → eos (→ 5 → 5 ...); its state counts the steps."""
    logits = np.full(VOCAB, -2.0)
    logits[NEXT[token]] = 1.0 + 0.1 * state
    return logits - np.log(np.exp(logits).sum()), state + 1


def endless_step(token: int, state: int) -> tuple[np.ndarray, int]:
    """A decoder that never says eos."""
    logits = np.full(VOCAB, -2.0)
    logits[5 if token != 5 else 4] = 1.0
    logits[EOS] = -5.0
    return logits - np.log(np.exp(logits).sum()), state + 1


def guarded(step: Step, limit: int = 200) -> Step:
    """``step``, which ends a decoding that runs on past ``limit`` steps (it would never end by itself)."""
    calls = 0

    def guarded_step(token: int, state: Any) -> tuple[np.ndarray, Any]:
        nonlocal calls
        calls += 1
        if calls > limit:
            raise AnswerError("no_max_len", limit=limit)
        return step(token, state)

    return guarded_step


def grade(module: ModuleType) -> None:
    got = [int(t) for t in module.greedy(guarded(chain_step), 0, BOS, EOS, 8)]
    want = [3, 4, 2]
    if got != want:
        if got[:1] == [BOS] and got[1:4] == want:
            raise AnswerError("includes_bos", got=got)
        if got == [*want, EOS]:
            raise AnswerError("includes_eos", got=got)
        if got[:3] == want and len(got) > 4:
            raise AnswerError("no_stop", got=got)
        if got and set(got) == {NEXT[BOS]}:
            raise AnswerError("stale_token", got=got)
        raise AnswerError("tokens", got=got, want=want)
    for max_len in (3, 4):
        got = [int(t) for t in module.greedy(guarded(endless_step), 0, BOS, EOS, max_len)]
        if len(got) != max_len:
            raise AnswerError("max_len_off_by_one", count=len(got), max_len=max_len)
        if got != [5, 4, 5, 4][:max_len]:
            raise AnswerError("tokens", got=got, want=[5, 4, 5, 4][:max_len])


TASK = Task(
    number=12, name="greedy",
    title={"en": "greedy decoding", "ko": "탐욕적 디코딩"},
    goal={"en": "feed back the most likely token until eos or max_len",
          "ko": "eos나 max_len까지 가장 그럴듯한 토큰을 다시 넣으며 디코딩"},
    docs="docs/cli.md#5-translate",
    notebook="notebooks/03_train_a_translator.py",
    provides=("greedy",), mistakes=MISTAKES, messages=MESSAGES, grade=grade)
