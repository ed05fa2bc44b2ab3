"""Task 13's grader: beam search on two small decoders where greedy and a careless beam go wrong."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from minigrad.learn.core import AnswerError, Task
from minigrad.learn.tasks.task12_greedy import guarded

MISTAKES = {
    "greedy_only": (
        "the answer is greedy decoding's, {got}, which has the lower total log-probability: keep beam_size "
        "hypotheses at each step, not only the best one",
        "답이 로그 확률 합이 더 낮은 탐욕적 디코딩의 답 {got}입니다. 매 단계 가장 좋은 하나만이 아니라 beam_size개의 "
        "가설을 남기세요"),
    "last_step_score": (
        "the answer {got} has the best last step but not the best total: rank hypotheses by the sum of their "
        "log-probabilities (the log of the product of the probabilities)",
        "답 {got}은(는) 마지막 단계만 가장 좋고 전체는 아닙니다. "
        "가설은 로그 확률의 합(확률 곱의 로그)으로 순위를 매기세요"),
    "drops_finished": (
        "the answer {got} never ended: a hypothesis extended by eos is finished; set it aside with its score "
        "and pick the best of the finished ones at the end",
        "답 {got}이(가) 끝나지 않았습니다. eos로 확장된 가설은 완성된 것이니 점수와 함께 따로 두고, 마지막에 "
        "완성된 것 중 가장 좋은 것을 고르세요"),
    "includes_eos": (
        "the translation ends in eos ({got}): return the tokens without eos",
        "번역이 eos로 끝납니다({got}). eos를 뺀 토큰을 돌려주세요"),
}
MESSAGES = {
    "no_max_len": ("the search had not stopped after {limit} steps: stop after max_len steps, or when no "
                   "hypothesis is left open", "{limit}단계가 지나도 탐색이 멈추지 않았습니다. max_len단계가 지나거나 "
                   "열린 가설이 없으면 멈추세요"),
    "tokens": ("on {tree}, the translation is {got}, expected {want}",
               "{tree}에서 번역이 {got}인데 {want}이어야 합니다"),
}
BOS, EOS, A, B = 0, 1, 2, 3


def tree_step(probabilities: dict[tuple[int, ...], dict[int, float]]):
    """A decoder whose state is the prefix made so far and whose next-token probabilities are given per prefix."""
    def step(token: int, prefix: tuple[int, ...] | None) -> tuple[np.ndarray, tuple[int, ...]]:
        prefix = () if prefix is None or token == BOS else (*prefix, token)
        chances = probabilities.get(prefix, {EOS: 0.5, A: 0.25, B: 0.25})
        p = np.full(4, 1e-6)
        for t, chance in chances.items():
            p[t] = chance
        return np.log(p / p.sum()), prefix
    return step


# greedy takes A (0.55), but B then eos (0.45 · 0.9) is the likelier translation
GREEDY_TRAP = {(): {A: 0.55, B: 0.45}, (A,): {A: 0.34, B: 0.33, EOS: 0.33}, (B,): {EOS: 0.9, A: 0.05, B: 0.05}}
# the last step of B-eos (0.95) beats A-eos's (0.6), but A-eos is likelier in all (0.9 · 0.6 against 0.1 · 0.95)
LAST_STEP_TRAP = {(): {A: 0.9, B: 0.1}, (A,): {EOS: 0.6, A: 0.2, B: 0.2}, (B,): {EOS: 0.95, A: 0.025, B: 0.025}}


def grade(module: ModuleType) -> None:
    max_len = 5
    got = [int(t) for t in module.beam_search(guarded(tree_step(GREEDY_TRAP), 2000), None, BOS, EOS, 2, max_len)]
    if got != [B]:
        if got == [B, EOS]:
            raise AnswerError("includes_eos", got=got)
        if got == [A, A]:
            raise AnswerError("greedy_only", got=got)
        if EOS not in got and len(got) in (0, max_len):
            raise AnswerError("drops_finished", got=got)
        raise AnswerError("tokens", tree="a decoder where greedy goes wrong", got=got, want=[B])
    got = [int(t) for t in module.beam_search(guarded(tree_step(LAST_STEP_TRAP), 2000), None, BOS, EOS, 2, max_len)]
    if got == [B]:
        raise AnswerError("last_step_score", got=got)
    if got != [A]:
        raise AnswerError("tokens", tree="a decoder where the last step misleads", got=got, want=[A])


TASK = Task(
    number=13, name="beam_search",
    title={"en": "beam search", "ko": "빔 서치"},
    goal={"en": "keep the beam_size best sums of log-probabilities; set eos-ended hypotheses aside",
          "ko": "로그 확률 합이 가장 큰 beam_size개를 남기고, eos로 끝난 가설은 따로 두기"},
    docs="docs/cli.md#5-translate",
    notebook="notebooks/03_train_a_translator.py",
    provides=("beam_search",), mistakes=MISTAKES, messages=MESSAGES, grade=grade)
