"""Task 10's grader: weights and context against models.attention.masked_softmax, with both kinds of mask."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minigrad as mg
from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import array, need_close, rng, tensor
from models.attention import causal_mask, masked_softmax, padding_mask

MISTAKES = {
    "wrong_axis": (
        "the weights of query {row} do not sum to 1 (they sum to {total:.4g}): softmax over the last axis, "
        "the keys, so that each query shares out its attention",
        "쿼리 {row}의 가중치 합이 1이 아닙니다({total:.4g}). 마지막 축(키)을 따라 softmax해야 쿼리마다 "
        "주의를 나눠 줍니다"),
    "mask_inverted": (
        "the weights fall on the hidden keys and are 0 on the real ones: the mask is True where a query may "
        "attend, so hide the keys where it is False (~mask)",
        "가중치가 가려야 할 키에 가고 실제 키에서는 0입니다. 마스크는 볼 수 있는 곳이 True이니, False인 곳(~mask)을 "
        "가리세요"),
    "zero_fill": (
        "a hidden key got weight {weight:.3g}: a score filled with 0 still gets e⁰ = 1 in the softmax; "
        "fill with -inf, whose exp is 0",
        "가려진 키의 가중치가 {weight:.3g}입니다. 0으로 채운 점수도 softmax에서 e⁰ = 1을 받습니다. "
        "exp가 0인 -inf로 채우세요"),
    "after_softmax": (
        "the weights of a query sum to {total:.4g}: zeroing hidden keys after the softmax leaves the rest "
        "summing to less than 1; mask the scores with -inf before the softmax",
        "한 쿼리의 가중치 합이 {total:.4g}입니다. softmax 다음에 가려진 키를 0으로 만들면 나머지의 합이 1보다 "
        "작아집니다. softmax 전에 점수를 -inf로 가리세요"),
    "no_unsqueeze": (
        "a padding mask of shape (batch, src_len) = {shape} was lined up with the queries' axis: give it an "
        "axis for the queries first, mask.unsqueeze(1) → (batch, 1, src_len)",
        "shape (batch, src_len) = {shape}인 패딩 마스크가 쿼리 축에 맞춰졌습니다. 먼저 쿼리 축을 붙이세요: "
        "mask.unsqueeze(1) → (batch, 1, src_len)"),
}


def _check(module: ModuleType, scores: np.ndarray, values: np.ndarray, mask: mg.Tensor | None,
           what: Words) -> None:
    """The learner's weights and context against masked_softmax's, naming the mistake when one fits."""
    full = None if mask is None else (mask.unsqueeze(1) if mask.ndim == 2 else mask)
    with mg.no_grad():
        want = masked_softmax(tensor(scores), full).numpy()
    try:
        context, weights = module.attend(tensor(scores), tensor(values), mask)
    except ValueError as error:
        if mask is not None and mask.ndim == 2:
            raise AnswerError("no_unsqueeze", shape=mask.shape) from error
        raise
    weights = array(weights)
    allowed = np.broadcast_to(np.ones(want.shape, bool) if full is None else full.numpy(), want.shape)
    if weights.shape == want.shape:
        totals = weights.sum(axis=-1)
        if full is not None and np.any(weights[~allowed] > 1e-6):
            hidden = weights[~allowed]
            if not np.any(weights[allowed] > 1e-9):  # 0, or NaN where every key was hidden
                raise AnswerError("mask_inverted")
            raise AnswerError("zero_fill", weight=float(hidden.max()))
        if not np.allclose(totals, 1):
            row = np.unravel_index(int(np.argmax(np.abs(totals - 1))), totals.shape)
            if full is not None:
                kept = np.exp(scores - scores.max(axis=-1, keepdims=True))
                kept = kept / kept.sum(axis=-1, keepdims=True)
                if np.allclose(weights, kept * allowed):
                    raise AnswerError("after_softmax", total=float(totals[row]))
            raise AnswerError("wrong_axis", row=int(row[-1]), total=float(totals[row]))
    need_close(Words(f"the weights {what.en}", f"{what.ko} 가중치"), weights, want)
    need_close(Words(f"the context {what.en}", f"{what.ko} 문맥 벡터"), context, want @ values)


def grade(module: ModuleType) -> None:
    generator = rng(10)
    batch, tgt_len, src_len, size = 2, 3, 5, 4
    scores = generator.standard_normal((batch, tgt_len, src_len)) * 2
    values = generator.standard_normal((batch, src_len, size))
    _check(module, scores, values, None, Words("without a mask", "마스크 없는"))
    _check(module, scores, values, padding_mask([5, 3]),
           Words("with the padding mask of lengths [5, 3]", "길이 [5, 3] 패딩 마스크를 쓴"))
    square = generator.standard_normal((batch, src_len, src_len))
    _check(module, square, generator.standard_normal((batch, src_len, size)), causal_mask(src_len),
           Words("with a causal mask", "인과 마스크를 쓴"))


TASK = Task(
    number=10, name="attention",
    title={"en": "masked attention", "ko": "마스크를 쓴 어텐션"},
    goal={"en": "attention weights as a softmax over the keys, hidden keys at exactly 0, and the context vector",
          "ko": "키를 따라 softmax한 어텐션 가중치, 가려진 키는 정확히 0, 그리고 문맥 벡터"},
    docs="docs/attention.md#2-one-attention-step",
    notebook="notebooks/02_attention_step.py",
    provides=("attend",), mistakes=MISTAKES, grade=grade)
