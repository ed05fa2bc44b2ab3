"""Task 7's grader: the numerical gradient of functions whose gradient is known, and gradcheck's verdicts."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import close, need_close, rng

MISTAKES = {
    "one_sided": (
        "with eps = {eps:g} the gradient of Σ x³ is off by about 3x·eps: that is the one-sided difference "
        "(f(x + ε) - f(x)) / ε; use (f(x + ε) - f(x - ε)) / 2ε",
        "eps = {eps:g}일 때 Σ x³의 기울기가 약 3x·eps만큼 틀립니다. 한쪽 차분 (f(x + ε) - f(x)) / ε입니다. "
        "(f(x + ε) - f(x - ε)) / 2ε를 쓰세요"),
    "no_half": (
        "every entry is twice the gradient: the two probes are 2ε apart, so divide by 2·eps",
        "모든 값이 기울기의 두 배입니다. 두 점은 2ε 떨어져 있으니 2·eps로 나누세요"),
    "not_restored": (
        "x was changed by numerical_gradient (off by up to {change:.2g}): put each element back after "
        "probing it, or the next probes are taken at the wrong point",
        "numerical_gradient가 x를 바꿔 놓았습니다(최대 {change:.2g}). 원소를 건드린 뒤 되돌려 두세요. "
        "그렇지 않으면 다음 차분은 엉뚱한 점에서 잽니다"),
    "all_at_once": (
        "every entry is the same ({value:.4g}): you moved all of x at once; move one element at a time, "
        "x + ε·eₖ, for one entry of the gradient each",
        "모든 값이 같습니다({value:.4g}). x 전체를 한꺼번에 움직였습니다. 기울기 한 칸마다 원소 하나씩, "
        "x + ε·eₖ로 움직이세요"),
}
MESSAGES = {
    "verdict": ("gradcheck said {said} for a gradient that is {truth}", "gradcheck가 {truth} 기울기에 {said}라고 "
                "했습니다"),
}


def cube(x: np.ndarray) -> float:
    return float(np.sum(x ** 3))


def grade(module: ModuleType) -> None:
    generator = rng(7)
    x = generator.standard_normal((3, 2)) + 0.5
    kept = x.copy()
    got = np.asarray(module.numerical_gradient(cube, x, 1e-3))
    if not np.array_equal(x, kept):
        raise AnswerError("not_restored", change=float(np.max(np.abs(x - kept))))
    want = 3 * x ** 2
    if got.shape == want.shape and np.allclose(got, got.flat[0]) and not np.allclose(want, want.flat[0]):
        raise AnswerError("all_at_once", value=float(got.flat[0]))
    if close(got, 2 * want, 1e-4, 1e-6):
        raise AnswerError("no_half")
    if close(got, want + 3 * x * 1e-3, 1e-3, 1e-6) or close(got, want - 3 * x * 1e-3, 1e-3, 1e-6):
        raise AnswerError("one_sided", eps=1e-3)
    need_close(Words("numerical_gradient of Σ x³ (eps = 1e-3)", "Σ x³의 numerical_gradient(eps = 1e-3)"),
               got, want, 1e-5, 1e-5)
    smooth = module.numerical_gradient(lambda v: float(np.sum(np.sin(v) * v)), x.copy())
    need_close(Words("numerical_gradient of Σ sin(x)·x", "Σ sin(x)·x의 numerical_gradient"), smooth,
               np.sin(x) + x * np.cos(x))
    # gradcheck's verdicts: the right gradient passes, a wrong one fails
    for grad, truth in ((3 * x ** 2, True), (3 * x ** 2 + 0.01, False), (-3 * x ** 2, False)):
        said = bool(module.gradcheck(cube, grad, x.copy()))
        if said != truth:
            raise AnswerError("verdict", said=said, truth="right" if truth else "wrong")


TASK = Task(
    number=7, name="gradcheck",
    title={"en": "gradcheck", "ko": "gradcheck"},
    goal={"en": "central differences, one element at a time, and the verdict a backward is held to",
          "ko": "원소 하나씩 중앙 차분, 그리고 역전파가 맞는지 가리는 판정"},
    docs="docs/autograd.md#gradcheck-is-the-backward-right",
    notebook="notebooks/01_autograd_internals.py",
    provides=("numerical_gradient", "gradcheck"), mistakes=MISTAKES, messages=MESSAGES, grade=grade)
