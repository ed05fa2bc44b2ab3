"""The checks behind the notebooks' exercises. 노트북 연습 문제의 채점 함수.

Each ``check_*`` takes the learner's function, tries it on inputs it has not seen, compares with
what minigrad (or plain NumPy) computes, and raises ``AssertionError`` with a hint if the answer
is wrong; it returns a short message when it is right. tests/test_notebooks.py checks that every
check rejects a wrong answer, so none of them can pass by accident.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

import minigrad as mg
from models.attention import Attention

RNG = np.random.default_rng(16)


def check_sigmoid_grads(answer: Callable[[float, float, float], tuple[float, float, float]]) -> str:
    """Exercise 1: for L = sigmoid(w·x + b), ``answer(w, x, b)`` returns (dL/dw, dL/dx, dL/db) by hand."""
    for w, x, b in RNG.normal(size=(5, 3)).tolist():
        tw, tx, tb = (mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (w, x, b))
        (tw * tx + tb).sigmoid().backward()
        expected = (tw.grad.item(), tx.grad.item(), tb.grad.item())
        got = tuple(float(g) for g in answer(w, x, b))
        if len(got) != 3 or not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
            raise AssertionError(f"at w={w:.3f}, x={x:.3f}, b={b:.3f}: expected {np.round(expected, 6).tolist()}, "
                                 f"got {np.round(got, 6).tolist()}. Hint: dσ(z)/dz = σ(z)(1 − σ(z)); "
                                 "힌트: 시그모이드의 도함수는 σ(z)(1 − σ(z))입니다")
    return "correct: your chain rule matches backward on 5 random points / 정답: 무작위 5개 점에서 backward와 같습니다"


def check_scaled_dot_context(answer: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> str:
    """Exercise 2: ``answer(q, K, V)`` returns the context vector of one query under the scaled dot score."""
    for keys in (3, 5):
        q, k, v = RNG.normal(size=(4,)), RNG.normal(size=(keys, 4)), RNG.normal(size=(keys, 2))
        with mg.no_grad():
            context, _ = Attention("scaled_dot")(mg.tensor(q[None, None], dtype=mg.float64),
                                                 mg.tensor(k[None], dtype=mg.float64),
                                                 mg.tensor(v[None], dtype=mg.float64))
        expected = context.numpy()[0, 0]
        got = np.asarray(answer(q, k, v), dtype=np.float64)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
            raise AssertionError(f"with {keys} keys: expected {np.round(expected, 4).tolist()}, got "
                                 f"{np.round(got, 4).tolist()}. Hint: divide by √d_k before the softmax; "
                                 "힌트: 소프트맥스 전에 √d_k로 나눕니다")
    return "correct: the same context as Attention('scaled_dot') / 정답: Attention('scaled_dot')와 같은 문맥 벡터입니다"


def check_alignment(answer: Callable[[Sequence[Sequence[float]], Sequence[str]], list[str]]) -> str:
    """Exercise 3: ``answer(weights, source_tokens)`` names, for each output row, the source token it looks at most."""
    for rows, columns in ((3, 4), (5, 7)):
        weights = RNG.random((rows, columns))
        weights /= weights.sum(axis=1, keepdims=True)
        tokens = [f"t{j}" for j in range(columns)]
        expected = [tokens[j] for j in weights.argmax(axis=1)]
        got = list(answer(weights.tolist(), tokens))
        if got != expected:
            raise AssertionError(f"expected {expected}, got {got}. Hint: one argmax per row (output step); "
                                 "힌트: 행(출력 단계)마다 argmax 하나")
    return "correct: one source token per output step / 정답: 출력 단계마다 입력 토큰 하나"


def sigmoid(z: float) -> float:
    """σ(z) = 1 / (1 + e^(−z)), for the learner's hand computations."""
    return 1.0 / (1.0 + math.exp(-z))


def check_decay_per_step(answer: Callable[[Sequence[float]], float]) -> str:
    """Exercise 4: ``answer(norms)`` is the factor r with norms[0] = r^(n−1) · norms[-1]."""
    for n, r in ((5, 0.5), (30, 0.8), (50, 0.55)):
        scale = float(RNG.uniform(0.5, 2.0))
        norms = [scale * r ** (n - 1 - j) for j in range(n)]  # position 1 is the farthest back
        got = float(answer(norms))
        if not math.isclose(got, r, rel_tol=1e-9):
            raise AssertionError(f"for {n} positions shrinking by {r} per step, expected {r}, got {got:.6g}. "
                                 "Hint: take the (n − 1)-th root of first / last; 힌트: 첫 값 / 마지막 값의 "
                                 "(n − 1)제곱근")
    return "correct: the per-step factor of a vanishing gradient / 정답: 기울기가 단계마다 줄어드는 비율"
