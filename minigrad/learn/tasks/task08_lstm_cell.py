"""Task 8's grader: the learner's LSTM step against minigrad's nn.LSTMCell, values and every gradient, then a
short training run of an LSTM made of the learner's cells that must learn."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minigrad as mg
from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import array, close, need_close, rng, tensor

MISTAKES = {
    "gate_order": (
        "the gates are cut in the wrong order: PyTorch's (and minigrad's) is i, f, g, o "
        "(input, forget, candidate cell, output)",
        "게이트를 자르는 순서가 틀렸습니다. PyTorch(와 minigrad)의 순서는 i, f, g, o(입력, 망각, 후보 셀, 출력)입니다"),
    "no_tanh_c": (
        "h' = o ⊙ c' is missing a tanh: h' = o ⊙ tanh(c')", "h' = o ⊙ c'에 tanh가 빠졌습니다. h' = o ⊙ tanh(c')입니다"),
    "no_input_gate": (
        "c' = f ⊙ c + g lets every candidate in: the input gate decides how much, c' = f ⊙ c + i ⊙ g",
        "c' = f ⊙ c + g는 후보를 모두 들입니다. 얼마나 들일지는 입력 게이트가 정합니다: c' = f ⊙ c + i ⊙ g"),
    "sigmoid_g": (
        "the candidate cell g got a sigmoid: g = tanh(...) (in -1..1, so the cell can also go down); "
        "only the three gates i, f, o get σ",
        "후보 셀 g에 sigmoid를 썼습니다. g = tanh(...)입니다(-1..1이라 셀 값이 줄 수도 있음). "
        "σ는 i, f, o 세 게이트에만 씁니다"),
    "graph_broken": (
        "{name} got no gradient: compute with minigrad ops on the tensors you were given, not on .numpy() "
        "or .data copies, or backward cannot reach them",
        "{name}에 기울기가 없습니다. 받은 텐서에 minigrad 연산으로 계산하세요. .numpy()나 .data 복사본으로 계산하면 "
        "backward가 닿지 못합니다"),
}
MESSAGES = {
    "does_not_learn": (
        "an LSTM of your cells trained for {steps} steps did not learn to remember the first of {length} bits "
        "(accuracy {accuracy:.0%}, needs {needed:.0%}): check that the cell carries c from step to step",
        "내 셀로 만든 LSTM을 {steps}단계 학습했지만 {length}개 비트 중 첫 비트를 기억하는 법을 배우지 못했습니다"
        "(정확도 {accuracy:.0%}, {needed:.0%} 필요). 셀이 c를 단계에서 단계로 넘기는지 확인하세요"),
    "not_tensor": ("lstm_cell returned {kind}: return (h', c') as minigrad tensors",
                   "lstm_cell이 {kind}을(를) 돌려줬습니다. (h', c')를 minigrad 텐서로 돌려주세요"),
}
NAMES = ("x", "h", "c", "weight_ih", "weight_hh", "bias")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def variant(arrays: list[np.ndarray], order: str = "ifgo", g_squash=np.tanh, input_gate: bool = True,
            tanh_c: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """An LSTM step in NumPy, right or with one of the typical mistakes, to name what the learner wrote."""
    x, h, c, weight_ih, weight_hh, bias = arrays
    parts = dict(zip(order, np.split(x @ weight_ih.T + h @ weight_hh.T + bias, 4, axis=-1)))
    i, f, g, o = _sigmoid(parts["i"]), _sigmoid(parts["f"]), g_squash(parts["g"]), _sigmoid(parts["o"])
    c_next = f * c + (i * g if input_gate else g)
    return (o * np.tanh(c_next) if tanh_c else o * c_next), c_next


def oracle(arrays: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """minigrad's nn.LSTMCell on the same weights: (h', c') and the gradients of Σ h'·u + c'·v."""
    x, h, c = (tensor(a, grad=True) for a in arrays[:3])
    cell = mg.nn.LSTMCell(arrays[3].shape[1], arrays[1].shape[1], dtype=mg.float64, device="cpu")
    weight_ih, weight_hh, bias = (mg.nn.Parameter(tensor(a)) for a in arrays[3:])
    cell.weight_ih, cell.weight_hh, cell.bias_ih = weight_ih, weight_hh, bias
    cell.bias_hh = mg.nn.Parameter(tensor(np.zeros_like(arrays[5])))
    h_next, c_next = cell(x, (h, c))
    return [h_next.numpy(), c_next.numpy()], [h_next, c_next, x, h, c, weight_ih, weight_hh, bias]


def grade(module: ModuleType) -> None:
    generator = rng(8)
    batch, inputs, hidden = 3, 4, 2
    shapes = ((batch, inputs), (batch, hidden), (batch, hidden), (4 * hidden, inputs), (4 * hidden, hidden),
              (4 * hidden,))
    arrays = [generator.standard_normal(shape) for shape in shapes]
    tensors = [tensor(a, grad=True) for a in arrays]
    out = module.lstm_cell(*tensors)
    if not (isinstance(out, tuple) and len(out) == 2 and all(isinstance(t, mg.Tensor) for t in out)):
        raise AnswerError("not_tensor", kind=type(out).__name__)
    (want_h, want_c), oracle_tensors = oracle(arrays)
    got_h, got_c = array(out[0]), array(out[1])
    if not (close(got_h, want_h) and close(got_c, want_c)):
        for key, options in (("gate_order", {"order": "ifog"}), ("gate_order", {"order": "iofg"}),
                             ("no_tanh_c", {"tanh_c": False}), ("no_input_gate", {"input_gate": False}),
                             ("sigmoid_g", {"g_squash": _sigmoid})):
            wrong_h, wrong_c = variant(arrays, **options)
            if close(got_h, wrong_h) and close(got_c, wrong_c):
                raise AnswerError(key)
        need_close("c'", got_c, want_c)
        need_close("h'", got_h, want_h)
    # every input gets the gradient that nn.LSTMCell's gives it
    weights_h, weights_c = generator.standard_normal((batch, hidden)), generator.standard_normal((batch, hidden))
    (out[0] * tensor(weights_h) + out[1] * tensor(weights_c)).sum().backward()
    h_next, c_next, *oracle_inputs = oracle_tensors
    (h_next * tensor(weights_h) + c_next * tensor(weights_c)).sum().backward()
    for name, mine, theirs in zip(NAMES, tensors, oracle_inputs):
        if mine.grad is None:
            raise AnswerError("graph_broken", name=name)
        need_close(Words(f"the gradient of {name}", f"{name}의 기울기"), mine.grad, theirs.grad)
    learns(module)


def learns(module: ModuleType, steps: int = 80, needed: float = 0.95) -> None:
    """The learner's cell, unrolled over 4 one-hot bits, trained with Adam to say the first bit from its last h."""
    generator = rng(80)
    hidden, length, batch = 8, 4, 32

    def parameter(*shape: int) -> mg.nn.Parameter:
        return mg.nn.Parameter(tensor(generator.standard_normal(shape) / np.sqrt(shape[-1])))

    weight_ih, weight_hh, head = parameter(4 * hidden, 2), parameter(4 * hidden, hidden), parameter(2, hidden)
    bias = mg.nn.Parameter(tensor(np.zeros(4 * hidden)))
    optimizer = mg.optim.Adam([weight_ih, weight_hh, bias, head], lr=0.05)
    accuracy = 0.0
    for _ in range(steps):
        bits = generator.integers(0, 2, (batch, length))
        h = c = tensor(np.zeros((batch, hidden)))
        for t in range(length):
            h, c = module.lstm_cell(tensor(np.eye(2)[bits[:, t]]), h, c, weight_ih, weight_hh, bias)
        logits = h @ head.T  # (batch, 2)
        loss = mg.nn.CrossEntropyLoss()(logits, mg.tensor(bits[:, 0], device="cpu"))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accuracy = float((logits.numpy().argmax(axis=-1) == bits[:, 0]).mean())
    if accuracy < needed:
        raise AnswerError("does_not_learn", steps=steps, length=length, accuracy=accuracy, needed=needed)


TASK = Task(
    number=8, name="lstm_cell",
    title={"en": "an LSTM cell", "ko": "LSTM 셀"},
    goal={"en": "one LSTM step from the ops: four gates, c' = f⊙c + i⊙g, h' = o⊙tanh(c')",
          "ko": "연산으로 짜는 LSTM 한 단계: 게이트 넷, c' = f⊙c + i⊙g, h' = o⊙tanh(c')"},
    docs="docs/autograd.md#the-lstm-composed-from-these-ops-and-its-fused-twin",
    notebook="notebooks/04_bottleneck.py",
    provides=("lstm_cell",), mistakes=MISTAKES, messages=MESSAGES, grade=grade)
