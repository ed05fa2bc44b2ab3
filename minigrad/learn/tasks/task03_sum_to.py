"""Task 3's grader: sum_to on the broadcasts that learners meet, from (3, 4) -> (4,) to (2, 3, 4) -> ()."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from minigrad.learn.core import AnswerError, Task
from minigrad.learn.grading import need_close, rng

MISTAKES = {
    "unchanged": (
        "the gradient of b has shape {got} but b has shape {want}: sum the broadcast axes",
        "b의 기울기 shape이 {got}인데 b의 shape은 {want}입니다. 브로드캐스트된 축을 따라 합하세요"),
    "leading_only": (
        "for shape {want} the result has shape {got}: you summed the leading axes broadcasting added, but not "
        "the axes where the shape has 1, which were stretched too; sum those with keepdims=True",
        "shape {want}에 대해 결과가 {got}입니다. 브로드캐스팅이 앞에 붙인 축은 합했지만, 크기가 1이라 늘어난 축도 "
        "합해야 합니다. 그 축은 keepdims=True로 합하세요"),
    "squeezed": (
        "for shape {want} the result has shape {got}: keep the axes of size 1 when you sum them (keepdims=True)",
        "shape {want}에 대해 결과가 {got}입니다. 크기 1인 축은 합할 때 남겨 두세요(keepdims=True)"),
    "mean": (
        "the values are the mean over the copies, {factor:g} times too small: each copy passed on its whole "
        "gradient, so sum them, do not average",
        "값이 복사본들의 평균이라 {factor:g}배 작습니다. 복사본마다 기울기를 통째로 넘겼으니 평균 말고 합하세요"),
}
CASES = [((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), (3, 1)), ((2, 3), (2, 3)), ((5,), ()),
         ((2, 1, 4), (1, 1, 4)), ((2, 3, 4), (1, 4))]


def expected(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum over the copies, written the slow, obvious way: add each element of grad to the one it copied."""
    out = np.zeros(shape)
    for index in np.ndindex(grad.shape):
        tail = index[grad.ndim - len(shape):]
        out[tuple(0 if size == 1 else i for i, size in zip(tail, shape))] += grad[index]
    return out


def grade(module: ModuleType) -> None:
    generator = rng(3)
    for grad_shape, shape in CASES:
        grad = generator.standard_normal(grad_shape)
        got = np.asarray(module.sum_to(grad.copy(), shape))
        want = expected(grad, shape)
        if got.shape != shape:
            if got.shape == grad_shape and grad.ndim > len(shape):
                raise AnswerError("unchanged", got=grad_shape, want=shape)
            if got.shape == grad_shape:
                raise AnswerError("leading_only", got=got.shape, want=shape)
            if got.shape == tuple(s for s in shape if s != 1) or got.size == want.size:
                raise AnswerError("squeezed", got=got.shape, want=shape)
            if got.ndim == len(shape):
                raise AnswerError("leading_only", got=got.shape, want=shape)
        copies = grad.size / want.size
        if got.shape == shape and copies > 1 and np.allclose(got * copies, want):
            raise AnswerError("mean", factor=copies)
        need_close(f"sum_to(grad of shape {grad_shape}, {shape})", got, want)


TASK = Task(
    number=3, name="sum_to",
    title={"en": "broadcasting undone", "ko": "브로드캐스팅 되돌리기"},
    goal={"en": "sum_to(grad, shape): sum the axes broadcasting added or stretched",
          "ko": "sum_to(grad, shape): 브로드캐스팅이 붙이거나 늘린 축을 합하기"},
    docs="docs/autograd.md#broadcasting-is-undone-in-one-place",
    notebook="notebooks/01_autograd_internals.py",
    provides=("sum_to",), mistakes=MISTAKES, grade=grade)
