"""Task 5's grader: rows that sum to 1, large inputs that must not overflow, log-softmax that must not underflow."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minigrad as mg
from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import need_close, rng

MISTAKES = {
    "wrong_axis": (
        "the weights of row {row} do not sum to 1 (they sum to {total:.4g}): softmax over the last axis "
        "(the axis argument), not over the rows",
        "{row}행의 가중치 합이 1이 아닙니다({total:.4g}). 행 방향이 아니라 마지막 축(axis 인자)을 따라 softmax하세요"),
    "no_keepdims": (
        "{name}: the max (or the sum) along the axis lost that axis, so it broadcast along the wrong one; "
        "keep it with keepdims=True",
        "{name}: 축을 따라 구한 max(또는 합)가 그 축을 잃어서 엉뚱한 축으로 브로드캐스트되었습니다. "
        "keepdims=True로 축을 남기세요"),
    "overflow": (
        "{name} of [1000, 999, 998] gave {got}: exp(1000) overflows; subtract the max along the axis first "
        "(softmax(x) = softmax(x - max))",
        "[1000, 999, 998]의 {name}가 {got}입니다. exp(1000)은 넘칩니다(overflow). 먼저 축을 따라 max를 빼세요"
        "(softmax(x) = softmax(x - max))"),
    "log_of_softmax": (
        "log_softmax of [0, -800] gave {got}: the log of a softmax that underflowed to 0 is -inf; compute "
        "(x - max) - log Σ exp(x - max) directly",
        "[0, -800]의 log_softmax가 {got}입니다. 0으로 언더플로된 softmax에 log를 취하면 -inf입니다. "
        "(x - max) - log Σ exp(x - max)를 바로 계산하세요"),
}


def _reference(x: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """minigrad's own softmax and log_softmax, the oracle."""
    t = mg.tensor(x, device="cpu")
    return t.softmax(axis=axis).numpy(), t.log_softmax(axis=axis).numpy()


def _call(name: str, fn, x: np.ndarray, axis: int = -1) -> np.ndarray:
    try:
        with np.errstate(all="ignore"):
            return np.asarray(fn(x.copy(), axis=axis))
    except ValueError as error:  # (3, 4) - (3,) does not broadcast
        raise AnswerError("no_keepdims", name=name) from error


def grade(module: ModuleType) -> None:
    generator = rng(5)
    x = generator.standard_normal((3, 4))
    for name, fn in (("softmax", module.softmax), ("log_softmax", module.log_softmax)):
        got = _call(name, fn, x)
        weights = got if name == "softmax" else np.exp(got)
        if got.shape == x.shape and not np.allclose(weights.sum(axis=-1), 1) and np.allclose(weights.sum(axis=0), 1):
            row = int(np.argmax(np.abs(weights.sum(axis=-1) - 1)))
            raise AnswerError("wrong_axis", row=row, total=float(weights.sum(axis=-1)[row]))
    square = generator.standard_normal((4, 4)) * 3
    for axis in (-1, 0):
        want_soft, want_log = _reference(square, axis)
        for name, fn, want in (("softmax", module.softmax, want_soft), ("log_softmax", module.log_softmax, want_log)):
            got = _call(name, fn, square, axis)
            need_close(Words(f"{name}(x, axis={axis}) of a 4×4 x", f"4×4 x의 {name}(x, axis={axis})"), got, want)
    large = np.array([[1000.0, 999.0, 998.0]])
    for name, fn, want in zip(("softmax", "log_softmax"), (module.softmax, module.log_softmax), _reference(large)):
        got = _call(name, fn, large)
        if not np.all(np.isfinite(got)):
            raise AnswerError("overflow", name=name, got=np.round(got, 4).tolist())
        need_close(Words(f"{name} of [1000, 999, 998]", f"[1000, 999, 998]의 {name}"), got, want)
    far = np.array([[0.0, -800.0]])
    got = _call("log_softmax", module.log_softmax, far)
    if not np.all(np.isfinite(got)):
        raise AnswerError("log_of_softmax", got=got.tolist())
    need_close(Words("log_softmax of [0, -800]", "[0, -800]의 log_softmax"), got, _reference(far)[1])


TASK = Task(
    number=5, name="softmax",
    title={"en": "softmax and log-softmax", "ko": "softmax와 log-softmax"},
    goal={"en": "stable softmax and log-softmax along an axis: no overflow, no log(0)",
          "ko": "축을 따라 안정적인 softmax와 log-softmax: overflow도 log(0)도 없이"},
    docs="docs/attention.md#2-one-attention-step",
    notebook="notebooks/02_attention_step.py",
    provides=("softmax", "log_softmax"), mistakes=MISTAKES, grade=grade)
