"""Task 14's grader: multi-head attention against models.attention.multi_head_attention."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minigrad as mg
from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import array, close, need_close, rng, tensor
from models.attention import causal_mask, multi_head_attention, padding_mask

MISTAKES = {
    "scale_by_embed": (
        "the scores were divided by √E = √{size}: each head is a dot product of d = E / heads = {head} numbers, "
        "so divide by √d",
        "점수를 √E = √{size}로 나눴습니다. 헤드마다 d = E / heads = {head}개 수의 내적이니 √d로 나누세요"),
    "split_without_swap": (
        "the heads mix positions: (batch, len, E) was reshaped straight to (batch, heads, len, d); reshape to "
        "(batch, len, heads, d) first, then swap the len and heads axes",
        "헤드가 위치를 섞었습니다. (batch, len, E)를 바로 (batch, heads, len, d)로 reshape했습니다. 먼저 "
        "(batch, len, heads, d)로 reshape한 뒤 len 축과 heads 축을 바꾸세요"),
    "join_without_swap": (
        "the weights are right but the context is not: (batch, heads, tgt_len, d) must become "
        "(batch, tgt_len, heads, d) (swapaxes(1, 2)) before the reshape to (batch, tgt_len, E)",
        "가중치는 맞지만 문맥이 틀렸습니다. (batch, heads, tgt_len, d)를 (batch, tgt_len, E)로 reshape하기 전에 "
        "(batch, tgt_len, heads, d)로 바꾸세요(swapaxes(1, 2))"),
    "mask_without_heads_axis": (
        "the mask of shape {shape} did not line up with the scores (batch, heads, tgt_len, src_len): give it "
        "the heads' axis, mask.unsqueeze(1), so that every head shares it",
        "shape {shape}인 마스크가 점수 (batch, heads, tgt_len, src_len)와 맞지 않았습니다. 헤드 축을 붙여서"
        "(mask.unsqueeze(1)) 모든 헤드가 같이 쓰게 하세요"),
}


def variant(query: np.ndarray, keys: np.ndarray, values: np.ndarray, heads: int, split_swap: bool = True,
            join_swap: bool = True, scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head attention in NumPy without a mask, right or with one of the typical mistakes."""
    batch, tgt_len, size = query.shape
    d = size // heads

    def split(x: np.ndarray) -> np.ndarray:
        if split_swap:
            return x.reshape(batch, x.shape[1], heads, d).swapaxes(1, 2)
        return x.reshape(batch, heads, x.shape[1], d)

    scores = split(query) @ split(keys).swapaxes(-1, -2) / (scale or np.sqrt(d))
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    context = weights @ split(values)
    context = context.swapaxes(1, 2) if join_swap else context
    return context.reshape(batch, tgt_len, size), weights


def grade(module: ModuleType) -> None:
    generator = rng(14)
    batch, tgt_len, src_len, heads, head_size = 2, 3, 4, 3, 2
    size = heads * head_size
    arrays = [generator.standard_normal((batch, n, size)) * 1.5 for n in (tgt_len, src_len, src_len)]
    context, weights = module.multi_head_attention(*(tensor(a) for a in arrays), heads)
    with mg.no_grad():
        want_context, want_weights = (t.numpy() for t in multi_head_attention(*(tensor(a) for a in arrays), heads))
    context, weights = array(context), array(weights)
    if not close(weights, want_weights):
        for key, options in (("scale_by_embed", {"scale": np.sqrt(size)}), ("split_without_swap",
                                                                              {"split_swap": False})):
            if close(weights, variant(*arrays, heads, **options)[1]):
                raise AnswerError(key, size=size, head=head_size)
        need_close(Words("the weights (batch, heads, tgt_len, src_len)", "가중치 (batch, heads, tgt_len, src_len)"),
                   weights, want_weights)
    if not close(context, want_context) and close(context, variant(*arrays, heads, join_swap=False)[0]):
        raise AnswerError("join_without_swap")
    need_close(Words("the context (batch, tgt_len, E)", "문맥 벡터 (batch, tgt_len, E)"), context, want_context)
    # masks: a padding mask (batch, 1, src_len) and a causal one (1, len, len), shared by the heads
    for mask, what in ((padding_mask([4, 2]).unsqueeze(1), Words("a padding mask", "패딩 마스크")),
                       (causal_mask(src_len), Words("a causal mask", "인과 마스크"))):
        query = arrays[0] if mask.shape[1] == 1 else arrays[1]
        try:
            context, weights = module.multi_head_attention(tensor(query), tensor(arrays[1]), tensor(arrays[2]),
                                                           heads, mask)
        except ValueError as error:
            raise AnswerError("mask_without_heads_axis", shape=mask.shape) from error
        with mg.no_grad():
            want_context, want_weights = multi_head_attention(tensor(query), tensor(arrays[1]), tensor(arrays[2]),
                                                              heads, mask)
        need_close(Words(f"the weights with {what.en}", f"{what.ko}를 쓴 가중치"), weights, want_weights.numpy())
        need_close(Words(f"the context with {what.en}", f"{what.ko}를 쓴 문맥 벡터"), context, want_context.numpy())


TASK = Task(
    number=14, name="multi_head",
    title={"en": "multi-head attention", "ko": "멀티 헤드 어텐션"},
    goal={"en": "split E into heads, softmax(QKᵀ/√d)V per head with a shared mask, join the heads back",
          "ko": "E를 헤드로 나누고, 헤드마다 공유 마스크로 softmax(QKᵀ/√d)V, 헤드를 다시 잇기"},
    docs="docs/attention.md#4-self-attention-q-k-and-v-from-one-sequence",
    notebook="notebooks/02_attention_step.py",
    provides=("multi_head_attention",), mistakes=MISTAKES, grade=grade)
