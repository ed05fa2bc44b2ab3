"""Task 11's grader: a Luong step against models.attention.Attention and the decoder's formula, on one batch."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minigrad as mg
from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import array, close, need_close, rng, tensor
from models.attention import Attention, padding_mask

MISTAKES = {
    "concat_order": (
        "h̃ came out as tanh(W_c [sᵢ; cᵢ]): join the context first, [cᵢ; sᵢ], the order W_c was made for",
        "h̃가 tanh(W_c [sᵢ; cᵢ])로 나왔습니다. W_c가 기대하는 순서대로 문맥을 먼저 붙이세요: [cᵢ; sᵢ]"),
    "no_tanh": (
        "h̃ is W_c [cᵢ; sᵢ] without the tanh: h̃ᵢ = tanh(W_c [cᵢ; sᵢ])",
        "h̃가 tanh 없는 W_c [cᵢ; sᵢ]입니다. h̃ᵢ = tanh(W_c [cᵢ; sᵢ])입니다"),
    "logits_from_s": (
        "the logits were read from sᵢ: the output layer reads the attentional state, logits = W_o h̃ᵢ + b_o, "
        "or the attention never reaches the prediction",
        "로짓을 sᵢ에서 읽었습니다. 출력층은 어텐션이 반영된 상태를 읽어야 합니다: logits = W_o h̃ᵢ + b_o. "
        "그렇지 않으면 어텐션이 예측에 닿지 않습니다"),
}


def grade(module: ModuleType) -> None:
    generator = rng(11)
    batch, src_len, hidden, vocab = 2, 5, 4, 7
    arrays = {"s": generator.standard_normal((batch, hidden)),
              "states": generator.standard_normal((batch, src_len, hidden)),
              "w_c": generator.standard_normal((hidden, 2 * hidden)) * 0.5,
              "w_o": generator.standard_normal((vocab, hidden)), "b_o": generator.standard_normal(vocab)}
    mask = padding_mask([5, 3])
    with mg.no_grad():
        context, weights = Attention("dot")(tensor(arrays["s"]), tensor(arrays["states"]), mask=mask)
    context, weights = context.numpy(), weights.numpy()
    joined = np.concatenate([context, arrays["s"]], axis=-1)
    attentional = np.tanh(joined @ arrays["w_c"].T)
    logits = attentional @ arrays["w_o"].T + arrays["b_o"]
    got_logits, got_attentional, got_weights = module.luong_step(
        tensor(arrays["s"]), tensor(arrays["states"]), mask, *(tensor(arrays[n]) for n in ("w_c", "w_o", "b_o")))
    need_close(Words("the attention weights α", "어텐션 가중치 α"), got_weights, weights)
    got_attentional = array(got_attentional)
    swapped = np.concatenate([arrays["s"], context], axis=-1) @ arrays["w_c"].T
    if close(got_attentional, np.tanh(swapped)):
        raise AnswerError("concat_order")
    if close(got_attentional, joined @ arrays["w_c"].T):
        raise AnswerError("no_tanh")
    need_close(Words("the attentional state h̃", "어텐션 상태 h̃"), got_attentional, attentional)
    if close(got_logits, arrays["s"] @ arrays["w_o"].T + arrays["b_o"]):
        raise AnswerError("logits_from_s")
    need_close(Words("the logits", "로짓"), got_logits, logits)


TASK = Task(
    number=11, name="luong_step",
    title={"en": "a Luong decoder step", "ko": "Luong 디코더 한 단계"},
    goal={"en": "attend with the decoder state, h̃ = tanh(W_c [c; s]), logits from h̃",
          "ko": "디코더 상태로 어텐션, h̃ = tanh(W_c [c; s]), h̃에서 읽는 로짓"},
    docs="docs/attention.md#2-one-attention-step",
    notebook="notebooks/02_attention_step.py",
    provides=("luong_step",), mistakes=MISTAKES, grade=grade)
