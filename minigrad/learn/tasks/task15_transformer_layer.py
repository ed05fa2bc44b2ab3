"""Task 15's grader: LayerNorm and the encoder layer against models.transformer.TransformerEncoderLayer,
then a short training run of the learner's layer that must learn."""

from __future__ import annotations

from types import ModuleType

import numpy as np

import minigrad as mg
from minigrad.learn.core import AnswerError, Task, Words
from minigrad.learn.grading import array, close, need_close, rng, tensor
from models.attention import padding_mask
from models.transformer import TransformerEncoderLayer

MISTAKES = {
    "norm_wrong_axis": (
        "LayerNorm normalised over the wrong axis: each position's E features get their own mean and var, "
        "mean(axis=-1, keepdims=True)",
        "LayerNorm이 엉뚱한 축을 정규화했습니다. 위치마다 E개 특징의 평균과 분산을 따로 구하세요: "
        "mean(axis=-1, keepdims=True)"),
    "no_residual": (
        "the layer lost its input: each block adds what it computes to what came in, "
        "h = LayerNorm(x + attention(x)), y = LayerNorm(h + feed_forward(h))",
        "층이 입력을 잃었습니다. 블록마다 계산한 것을 들어온 값에 더합니다: "
        "h = LayerNorm(x + attention(x)), y = LayerNorm(h + feed_forward(h))"),
    "pre_norm": (
        "this is the pre-norm layer, x + block(LayerNorm(x)); this one is post-norm (torch's default): "
        "LayerNorm(x + block(x))",
        "pre-norm 층 x + block(LayerNorm(x))을 만들었습니다. 이 과제는 post-norm(torch 기본값)입니다: "
        "LayerNorm(x + block(x))"),
    "no_relu": (
        "the feed-forward block has no relu: W₂ relu(W₁ h + b₁) + b₂; without it the two linear maps are one",
        "피드포워드 블록에 relu가 없습니다: W₂ relu(W₁ h + b₁) + b₂. 없으면 두 선형 변환이 하나와 같습니다"),
}
MESSAGES = {
    "does_not_learn": (
        "your layer trained for {steps} steps but did not learn to copy the first token to every position "
        "(accuracy {accuracy:.0%}, needs {needed:.0%}): check that the gradient reaches every parameter",
        "층을 {steps}단계 학습했지만 첫 토큰을 모든 위치로 옮기는 법을 배우지 못했습니다(정확도 {accuracy:.0%}, "
        "{needed:.0%} 필요). 모든 매개변수에 기울기가 닿는지 확인하세요"),
}


def _norm(x: np.ndarray, axis: int = -1) -> np.ndarray:
    centred = x - x.mean(axis=axis, keepdims=True)
    return centred / np.sqrt((centred ** 2).mean(axis=axis, keepdims=True) + 1e-5)


def oracle(params: dict[str, np.ndarray], x: np.ndarray, heads: int, mask: mg.Tensor | None) -> np.ndarray:
    """models.transformer.TransformerEncoderLayer (no dropout) on the same parameters, in float64."""
    dtype = mg.get_default_dtype()
    mg.set_default_dtype(mg.float64)
    try:
        layer = TransformerEncoderLayer(x.shape[-1], heads, params["linear1.weight"].shape[0], dropout=0.0,
                                        device="cpu")
        layer.load_state_dict({name: tensor(value) for name, value in params.items()})
        with mg.no_grad():
            return layer(tensor(x), mask)[0].numpy()
    finally:
        mg.set_default_dtype(dtype)


def _check_layer_norm(module: ModuleType, generator: np.random.Generator) -> None:
    x = generator.standard_normal((2, 5, 4)) * 3 + 1
    weight, bias = generator.standard_normal(4), generator.standard_normal(4)
    got = array(module.layer_norm(tensor(x), tensor(weight), tensor(bias)))
    if close(got, _norm(x, axis=1) * weight + bias):
        raise AnswerError("norm_wrong_axis")
    need_close("layer_norm", got, _norm(x) * weight + bias)


def learns(module: ModuleType) -> None:
    """Embedding → the learner's layer → a linear head, trained to put the first token at every position."""
    generator = rng(150)
    vocab, length, size, heads, steps, needed = 4, 5, 8, 2, 60, 0.9
    names_shapes = {"self_attn.in_proj_weight": (3 * size, size), "self_attn.in_proj_bias": (3 * size,),
                    "self_attn.out_proj.weight": (size, size), "self_attn.out_proj.bias": (size,),
                    "linear1.weight": (2 * size, size), "linear1.bias": (2 * size,),
                    "linear2.weight": (size, 2 * size), "linear2.bias": (size,)}
    params = {name: mg.nn.Parameter(tensor(generator.standard_normal(shape) / np.sqrt(shape[-1])))
              for name, shape in names_shapes.items()}
    for n in ("norm1", "norm2"):
        params[f"{n}.weight"] = mg.nn.Parameter(tensor(np.ones(size)))
        params[f"{n}.bias"] = mg.nn.Parameter(tensor(np.zeros(size)))
    embedding = mg.nn.Parameter(tensor(generator.standard_normal((vocab + length, size))))
    head = mg.nn.Parameter(tensor(generator.standard_normal((vocab, size)) / np.sqrt(size)))
    optimizer = mg.optim.Adam([*params.values(), embedding, head], lr=0.03)
    accuracy = 0.0
    for _ in range(steps):
        tokens = generator.integers(0, vocab, (16, length))
        ids = mg.tensor(tokens + 0, device="cpu")
        positions = mg.tensor(np.broadcast_to(vocab + np.arange(length), tokens.shape).copy(), device="cpu")
        x = embedding[ids] + embedding[positions]
        logits = module.encoder_layer(x, params, heads) @ head.T  # (16, length, vocab)
        targets = mg.tensor(np.repeat(tokens[:, :1], length, axis=1), device="cpu")
        loss = mg.nn.CrossEntropyLoss()(logits.reshape(-1, vocab), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accuracy = float((logits.numpy().argmax(axis=-1) == targets.numpy()).mean())
    if accuracy < needed:
        raise AnswerError("does_not_learn", steps=steps, accuracy=accuracy, needed=needed)


def grade(module: ModuleType) -> None:
    generator = rng(15)
    _check_layer_norm(module, generator)
    batch, length, size, heads, hidden = 2, 4, 6, 3, 8
    shapes = {"self_attn.in_proj_weight": (3 * size, size), "self_attn.in_proj_bias": (3 * size,),
              "self_attn.out_proj.weight": (size, size), "self_attn.out_proj.bias": (size,),
              "linear1.weight": (hidden, size), "linear1.bias": (hidden,), "linear2.weight": (size, hidden),
              "linear2.bias": (size,), "norm1.weight": (size,), "norm1.bias": (size,), "norm2.weight": (size,),
              "norm2.bias": (size,)}
    params = {name: generator.standard_normal(shape) * 0.7 for name, shape in shapes.items()}
    x = generator.standard_normal((batch, length, size))
    for mask, what in ((None, Words("without a mask", "마스크 없이")),
                       (padding_mask([4, 2]).unsqueeze(1), Words("with a padding mask", "패딩 마스크를 쓴"))):
        want = oracle(params, x, heads, mask)
        got = array(module.encoder_layer(tensor(x), {n: tensor(v) for n, v in params.items()}, heads, mask))
        if not close(got, want) and mask is None:
            for key, variant in (("no_residual", _variant(params, x, heads, residual=False)),
                                 ("pre_norm", _variant(params, x, heads, pre_norm=True)),
                                 ("no_relu", _variant(params, x, heads, relu=False))):
                if close(got, variant):
                    raise AnswerError(key)
        need_close(Words(f"the layer's output {what.en}", f"{what.ko} 층의 출력"), got, want)
    learns(module)


def _variant(params: dict[str, np.ndarray], x: np.ndarray, heads: int, residual: bool = True,
             pre_norm: bool = False, relu: bool = True) -> np.ndarray:
    """The encoder layer in NumPy, right or with one of the typical mistakes (no mask)."""
    batch, length, size = x.shape
    d = size // heads

    def norm(v: np.ndarray, n: int) -> np.ndarray:
        return _norm(v) * params[f"norm{n}.weight"] + params[f"norm{n}.bias"]

    def attention(v: np.ndarray) -> np.ndarray:
        q, k, w = (v @ p.T + b for p, b in zip(np.split(params["self_attn.in_proj_weight"], 3),
                                                np.split(params["self_attn.in_proj_bias"], 3)))
        q, k, w = (t.reshape(batch, length, heads, d).swapaxes(1, 2) for t in (q, k, w))
        scores = q @ k.swapaxes(-1, -2) / np.sqrt(d)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        context = (weights / weights.sum(axis=-1, keepdims=True)) @ w
        context = context.swapaxes(1, 2).reshape(batch, length, size)
        return context @ params["self_attn.out_proj.weight"].T + params["self_attn.out_proj.bias"]

    def feed_forward(v: np.ndarray) -> np.ndarray:
        hidden = v @ params["linear1.weight"].T + params["linear1.bias"]
        return (np.maximum(hidden, 0) if relu else hidden) @ params["linear2.weight"].T + params["linear2.bias"]

    if pre_norm:
        h = x + attention(norm(x, 1))
        return h + feed_forward(norm(h, 2))
    keep = 1.0 if residual else 0.0
    h = norm(keep * x + attention(x), 1)
    return norm(keep * h + feed_forward(h), 2)


TASK = Task(
    number=15, name="transformer_layer",
    title={"en": "a Transformer encoder layer", "ko": "Transformer 인코더 층"},
    goal={"en": "LayerNorm, then norm(x + attention(x)) and norm(h + W₂ relu(W₁ h)); it must learn",
          "ko": "LayerNorm, 그리고 norm(x + attention(x))와 norm(h + W₂ relu(W₁ h)); 학습이 되어야 함"},
    docs="docs/attention.md#9-the-transformer-attention-is-all-it-has",
    notebook="notebooks/02_attention_step.py",
    provides=("layer_norm", "encoder_layer"), mistakes=MISTAKES, messages=MESSAGES, grade=grade)
