"""Task 6's grader: the loss against minigrad's CrossEntropyLoss, its gradient against central differences,
then gradient descent on that gradient, which must learn."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import central_differences, close, need_close, rng, tensor

MISTAKES = {
    "no_mean": (
        "{what} is {factor:g} times too large: the loss is the mean over the batch, so divide by N = {factor:g} "
        "(the gradient too)",
        "{what}이(가) {factor:g}배 큽니다. 손실은 배치의 평균이니 N = {factor:g}으로 나누세요(기울기도)"),
    "sign": (
        "the gradient has the wrong sign: dL/dz = softmax(z) - onehot(t), which is negative at the right class",
        "기울기의 부호가 반대입니다. dL/dz = softmax(z) - onehot(t)이고, 정답 클래스에서 음수입니다"),
    "wrong_pick": (
        "the loss took log p of every target in every row: pick one entry per row, "
        "log_probs[np.arange(N), targets]",
        "손실이 모든 행에서 모든 정답의 log p를 가져왔습니다. "
        "행마다 하나만 고르세요: log_probs[np.arange(N), targets]"),
    "negative_loss": (
        "the loss is {got:.4g} < 0: it is minus the log-probability of the right class (-log p ≥ 0)",
        "손실이 {got:.4g} < 0입니다. 정답 클래스 로그 확률에 마이너스를 붙인 값입니다(-log p ≥ 0)"),
}

MESSAGES = {
    "does_not_learn": (
        "gradient descent on your dL/dlogits for {steps} steps did not separate three clusters of points "
        "(accuracy {accuracy:.0%}, needs {needed:.0%})",
        "내 dL/dlogits로 {steps}단계 경사 하강을 했지만 점 세 무리를 가르지 못했습니다"
        "(정확도 {accuracy:.0%}, {needed:.0%} 필요)"),
}


def grade(module: ModuleType) -> None:
    generator = rng(6)
    count, classes = 4, 5
    logits = generator.standard_normal((count, classes)) * 2
    targets = np.array([1, 0, 4, 1])
    loss, grad = module.cross_entropy(logits.copy(), targets.copy())
    want = _loss(logits, targets)
    log_probs = logits - logits.max(axis=1, keepdims=True)
    log_probs = log_probs - np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
    loss = float(np.asarray(loss))
    if np.isclose(loss, -want):
        raise AnswerError("negative_loss", got=loss)
    if np.isclose(loss, count * want):
        raise AnswerError("no_mean", what=Words("the loss", "손실"), factor=count)
    if np.isclose(abs(loss), abs(log_probs[:, targets].mean())):
        raise AnswerError("wrong_pick")
    need_close(Words("the loss", "손실"), loss, want)
    numerical = central_differences(lambda z: _loss(z, targets), logits)
    if close(grad, -numerical):
        raise AnswerError("sign")
    if close(grad, count * numerical):
        raise AnswerError("no_mean", what=Words("the gradient", "기울기"), factor=count)
    need_close("dL/dlogits", grad, numerical, 1e-5, 1e-7)
    learns(module)


def learns(module: ModuleType, steps: int = 100, needed: float = 0.95) -> None:
    """Softmax regression on three clusters, trained by gradient descent on the learner's dL/dlogits."""
    generator = rng(60)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    targets = generator.integers(0, 3, 90)
    points = centres[targets] + 0.5 * generator.standard_normal((90, 2))
    weights, bias = np.zeros((2, 3)), np.zeros(3)
    for _ in range(steps):
        _, grad = module.cross_entropy(points @ weights + bias, targets)
        grad = np.asarray(grad)
        weights -= 0.5 * points.T @ grad
        bias -= 0.5 * grad.sum(axis=0)
    accuracy = float(((points @ weights + bias).argmax(axis=1) == targets).mean())
    if accuracy < needed:
        raise AnswerError("does_not_learn", steps=steps, accuracy=accuracy, needed=needed)


def _loss(logits: np.ndarray, targets: np.ndarray) -> float:
    """minigrad's own CrossEntropyLoss, the oracle."""
    return float(nn.CrossEntropyLoss()(tensor(logits), mg.tensor(targets, device="cpu")).item())


TASK = Task(
    number=6, name="cross_entropy",
    title={"en": "cross-entropy", "ko": "교차 엔트로피"},
    goal={"en": "the mean of -log p(right class) over a batch, and its gradient (softmax - onehot) / N",
          "ko": "배치 평균 -log p(정답 클래스)와 그 기울기 (softmax - onehot) / N"},
    docs="docs/attention.md#2-one-attention-step",
    notebook="notebooks/03_train_a_translator.py",
    provides=("cross_entropy",), mistakes=MISTAKES, messages=MESSAGES, grade=grade)
