"""Task 9's grader: the five scores against models/attention.py's score modules, on the same weights."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minigrad as mg
from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import array, close, need_close, need_shape, rng, tensor
from models.attention import AdditiveScore, CosineScore, DotScore, GeneralScore, ScaledDotScore

MISTAKES = {
    "no_sqrt_d": (
        "scaled_dot gave the plain dot score: divide by √d (d = {d}, the key size), which keeps the softmax "
        "soft as d grows",
        "scaled_dot이 그냥 dot 점수를 냈습니다. √d(d = {d}, 키의 크기)로 나누세요. d가 커져도 softmax가 "
        "포화되지 않게 합니다"),
    "divide_by_d": (
        "scaled_dot divided by d = {d}: divide by √d = {root:.4g}",
        "scaled_dot을 d = {d}로 나눴습니다. √d = {root:.4g}로 나누세요"),
    "general_transposed": (
        "general used Wᵀ: sᵀ W h with W of shape (query_size, key_size) is query @ W @ keysᵀ",
        "general이 Wᵀ를 썼습니다. W의 shape이 (query_size, key_size)일 때 sᵀ W h는 query @ W @ keysᵀ입니다"),
    "additive_no_tanh": (
        "additive has no tanh: vᵀ tanh(W_q s + W_k h + b); without it the score is linear and "
        "the same key wins for every query",
        "additive에 tanh가 빠졌습니다: vᵀ tanh(W_q s + W_k h + b). 없으면 점수가 선형이라 "
        "모든 쿼리에서 같은 키가 이깁니다"),
    "cosine_no_sqrt": (
        "cosine divided by the squared norms: ‖s‖ = √(Σ s²), so take the square root",
        "cosine을 노름의 제곱으로 나눴습니다. ‖s‖ = √(Σ s²)이니 제곱근을 취하세요"),
}


def _parameter(values: np.ndarray) -> mg.nn.Parameter:
    return mg.nn.Parameter(tensor(values))


def _oracles(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    query, keys = tensor(arrays["query"]), tensor(arrays["keys"])
    general = GeneralScore(query.shape[-1], keys.shape[-1], device="cpu")
    general.W.weight = _parameter(arrays["W"])  # W h for every key: keys @ Wᵀ
    additive = AdditiveScore(query.shape[-1], keys.shape[-1], arrays["v"].shape[0], device="cpu")
    additive.W_q.weight, additive.W_k.weight = _parameter(arrays["W_q"]), _parameter(arrays["W_k"])
    additive.W_k.bias, additive.v.weight = _parameter(arrays["b"]), _parameter(arrays["v"][None, :])
    with mg.no_grad():
        return {"dot": DotScore()(query, keys).numpy(), "scaled_dot": ScaledDotScore()(query, keys).numpy(),
                "general": general(query, keys).numpy(), "additive": additive(query, keys).numpy(),
                "cosine": CosineScore()(query, keys).numpy()}


def grade(module: ModuleType) -> None:
    generator = rng(9)
    batch, tgt_len, src_len, size, attention_size = 2, 3, 5, 4, 6
    arrays = {"query": generator.standard_normal((batch, tgt_len, size)),
              "keys": generator.standard_normal((batch, src_len, size)),
              "W": generator.standard_normal((size, size)),
              "W_q": generator.standard_normal((attention_size, size)),
              "W_k": generator.standard_normal((attention_size, size)),
              "b": generator.standard_normal(attention_size), "v": generator.standard_normal(attention_size)}
    want = _oracles(arrays)
    query, keys = tensor(arrays["query"]), tensor(arrays["keys"])
    dot = arrays["query"] @ np.swapaxes(arrays["keys"], -1, -2)
    need_close("dot_score", array(module.dot_score(query, keys)), want["dot"])
    got = array(module.scaled_dot_score(query, keys))
    if close(got, dot):
        raise AnswerError("no_sqrt_d", d=size)
    if close(got, dot / size):
        raise AnswerError("divide_by_d", d=size, root=np.sqrt(size))
    need_close("scaled_dot_score", got, want["scaled_dot"])
    got = array(module.general_score(query, keys, tensor(arrays["W"])))
    if close(got, arrays["query"] @ arrays["W"].T @ np.swapaxes(arrays["keys"], -1, -2)):
        raise AnswerError("general_transposed")
    need_close("general_score", got, want["general"])
    got = array(module.additive_score(query, keys, *(tensor(arrays[n]) for n in ("W_q", "W_k", "b", "v"))))
    linear = ((arrays["query"] @ arrays["W_q"].T)[:, :, None, :] + (arrays["keys"] @ arrays["W_k"].T
                                                                     + arrays["b"])[:, None, :, :]) @ arrays["v"]
    if close(got, linear):
        raise AnswerError("additive_no_tanh")
    need_close("additive_score", got, want["additive"])
    got = array(module.cosine_score(query, keys))
    squares = [(x * x).sum(axis=-1, keepdims=True) + 1e-8 for x in (arrays["query"], arrays["keys"])]
    if close(got, dot / squares[0] / np.swapaxes(squares[1], -1, -2)):
        raise AnswerError("cosine_no_sqrt")
    need_close("cosine_score", got, want["cosine"])
    # query and key sizes that differ: general and additive bridge them
    wide_keys = tensor(generator.standard_normal((batch, src_len, size + 2)))
    got = module.general_score(query, wide_keys, tensor(generator.standard_normal((size, size + 2))))
    need_shape(Words(f"general_score with queries of size {size} and keys of size {size + 2}",
                     f"쿼리 크기 {size}, 키 크기 {size + 2}의 general_score"), got,
               (batch, tgt_len, src_len))


TASK = Task(
    number=9, name="scores",
    title={"en": "the five score functions", "ko": "다섯 가지 스코어 함수"},
    goal={"en": "dot, scaled_dot, general, additive and cosine, for every query against every key",
          "ko": "모든 쿼리와 모든 키 사이의 내적 dot, 스케일드 내적 scaled_dot, general, 가법 additive, 코사인 cosine"},
    docs="docs/attention.md#3-score-functions",
    notebook="notebooks/02_attention_step.py",
    provides=("dot_score", "scaled_dot_score", "general_score", "additive_score", "cosine_score"),
    mistakes=MISTAKES, grade=grade)
