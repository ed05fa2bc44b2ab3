"""Task 4's grader: matmul's backward against central differences, square, batched and broadcast."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import central_differences, close, need_close, rng

MISTAKES = {
    "swapped_order": (
        "dL/d{name} came out as the product in the wrong order: dL/dA = G @ Bᵀ (G on the left), "
        "dL/dB = Aᵀ @ G (G on the right)",
        "dL/d{name}의 곱셈 순서가 거꾸로입니다. dL/dA = G @ Bᵀ(G가 왼쪽), dL/dB = Aᵀ @ G(G가 오른쪽)입니다"),
    "no_transpose": (
        "dL/d{name} used {other} without transposing it: dL/dA = G @ Bᵀ and dL/dB = Aᵀ @ G",
        "dL/d{name}에서 {other}을(를) 전치하지 않았습니다. dL/dA = G @ Bᵀ, dL/dB = Aᵀ @ G입니다"),
    "dot_T": (
        "square matrices pass but batches of shape {shape} fail: on a batch, .T reverses every axis; "
        "transpose the last two only (np.swapaxes(x, -1, -2))",
        "정사각 행렬은 통과하지만 shape {shape}의 배치에서 틀립니다. 배치에서 .T는 모든 축을 뒤집습니다. "
        "마지막 두 축만 바꾸세요(np.swapaxes(x, -1, -2))"),
    "no_sum_to": (
        "the gradient of b has shape {got} but b has shape {want}: b was broadcast over the batch, so sum "
        "the broadcast axes (sum_to from task 3)",
        "b의 기울기 shape이 {got}인데 b의 shape은 {want}입니다. b가 배치 전체에 브로드캐스트되었으니 "
        "그 축을 합하세요(과제 3의 sum_to)"),
}


def numerical(a: np.ndarray, b: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dL/da and dL/db by central differences of L = Σ grad · (a @ b)."""
    return (central_differences(lambda x: float(np.sum(grad * (x @ b))), a),
            central_differences(lambda x: float(np.sum(grad * (a @ x))), b))


def _square(module: ModuleType, generator: np.random.Generator) -> None:
    a, b, grad = (generator.standard_normal((3, 3)) for _ in range(3))
    got_a, got_b = module.matmul_backward(a.copy(), b.copy(), grad.copy())
    want_a, want_b = numerical(a, b, grad)
    for name, got, want, other, swapped, plain in (("A", got_a, want_a, "B", b.T @ grad, grad @ b),
                                                   ("B", got_b, want_b, "A", grad @ a.T, a @ grad)):
        if not close(got, want, 1e-5, 1e-6):
            if close(got, swapped):
                raise AnswerError("swapped_order", name=name)
            if close(got, plain):
                raise AnswerError("no_transpose", name=name, other=other)
            need_close(Words(f"dL/d{name} for 3×3 matrices", f"3×3 행렬의 dL/d{name}"), got, want, 1e-5, 1e-6)


def grade(module: ModuleType) -> None:
    generator = rng(4)
    _square(module, generator)
    for a_shape, b_shape in (((3, 4), (4, 2)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5))):
        a, b = generator.standard_normal(a_shape), generator.standard_normal(b_shape)
        grad = generator.standard_normal((a @ b).shape)
        try:
            got_a, got_b = module.matmul_backward(a.copy(), b.copy(), grad.copy())
        except ValueError as error:
            if len(a_shape) == 3:
                raise AnswerError("dot_T", shape=a_shape) from error
            raise
        want_a, want_b = numerical(a, b, grad)
        if len(a_shape) == 3 and np.shape(got_b) != b_shape and np.shape(got_b)[-2:] == b_shape:
            raise AnswerError("no_sum_to", got=np.shape(got_b), want=b_shape)
        if len(a_shape) == 3 and not (close(got_a, want_a, 1e-5, 1e-6) and close(got_b, want_b, 1e-5, 1e-6)):
            if b_shape[0] == a_shape[0]:
                raise AnswerError("dot_T", shape=a_shape)
        product = f"A {a_shape} @ B {b_shape}"
        need_close(Words(f"dL/dA for {product}", f"{product}의 dL/dA"), got_a, want_a, 1e-5, 1e-6)
        need_close(Words(f"dL/dB for {product}", f"{product}의 dL/dB"), got_b, want_b, 1e-5, 1e-6)


TASK = Task(
    number=4, name="matmul",
    title={"en": "matmul backward", "ko": "matmul의 역전파"},
    goal={"en": "dL/dA = G Bᵀ and dL/dB = Aᵀ G, batched, with broadcast batches summed back",
          "ko": "dL/dA = G Bᵀ, dL/dB = Aᵀ G를 배치로, 브로드캐스트된 배치는 다시 합해서"},
    docs="docs/autograd.md#function-forward-on-arrays-backward-on-tensors",
    notebook="notebooks/01_autograd_internals.py",
    provides=("matmul_backward",), mistakes=MISTAKES, grade=grade)
