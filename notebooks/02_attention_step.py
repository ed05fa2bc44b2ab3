# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. One attention step, with the notes' numbers · 노트의 숫자로 따라가는 어텐션 한 단계
#
# A query asks, the keys answer how well they match (the **attention scores**), a softmax turns
# the scores into **attention weights** that sum to 1, and the weighted sum of the values is the
# **context vector**. We do it with the study notes' own Q, K and V, then compare the score
# functions, and draw the weights as a heatmap.
#
# 쿼리가 묻고, 키들은 자신이 얼마나 잘 맞는지 답합니다(**어텐션 스코어**, 어텐션 점수). 소프트맥스가
# 스코어를 합이 1인 **어텐션 가중치**(어텐션 분포)로 바꾸고, 값들을 그 가중치로 더한 것이
# **문맥 벡터**(컨텍스트 벡터)입니다. 학습 노트의 Q, K, V 그대로 계산해 보고, 스코어 함수들을
# 비교한 뒤, 가중치를 히트맵으로 그립니다.

# %%
import tempfile
from pathlib import Path

import numpy as np
from IPython.display import Image, display

import minigrad as mg
from models.attention import SCORES, Attention
from models.heatmap import draw_attention

figures = Path(tempfile.mkdtemp(prefix="attention-notebook-"))

# %% [markdown]
# ## Scores, weights, context · 스코어, 가중치, 문맥 벡터
#
# | step · 단계 | formula · 수식 |
# | --- | --- |
# | score · 어텐션 스코어 | e = Q Kᵀ (the dot score · 내적 `dot`) |
# | weights · 어텐션 가중치 | α = softmax(e), row by row · 행마다 |
# | context · 문맥 벡터 | c = α V |

# %%
Q = mg.tensor([[1.0, 0.0], [0.0, 1.0]])   # one query per row · 행마다 쿼리 하나
K = mg.tensor([[1.0, 0.0], [1.0, 1.0]])   # one key per row · 행마다 키 하나
V = mg.tensor([[1.0, 1.0], [0.0, 0.0]])   # one value per row · 행마다 값 하나

scores = Q @ K.T
weights = scores.softmax(axis=-1)
context = weights @ V
print("scores  · 스코어 ", scores.tolist())
print("weights · 가중치 ", np.round(weights.numpy(), 4).tolist())
print("context · 문맥 벡터", np.round(context.numpy(), 4).tolist())
assert np.allclose(weights.numpy(), [[0.5, 0.5], [0.2689, 0.7311]], atol=1e-4)
assert np.allclose(context.numpy(), [[0.5, 0.5], [0.2689, 0.2689]], atol=1e-4)

# %% [markdown]
# The second row by hand: scores 0 and 1 give weights e⁰/(e⁰ + e¹) = 1/(1 + e) ≈ 0.2689 and
# e/(1 + e) ≈ 0.7311. The module `Attention("dot")` computes the same, for a whole batch at once.
#
# 둘째 행을 손으로 계산하면, 스코어 0과 1에서 가중치 1/(1 + e) ≈ 0.2689와 e/(1 + e) ≈ 0.7311이
# 나옵니다. `Attention("dot")` 모듈도 배치 전체에 대해 한 번에 같은 값을 계산합니다.

# %%
by_hand = 1 / (1 + np.e)
module_context, module_weights = Attention("dot")(Q.unsqueeze(0), K.unsqueeze(0), V.unsqueeze(0))
print(round(by_hand, 4), np.allclose(module_weights.numpy()[0], weights.numpy()),
      np.allclose(module_context.numpy()[0], context.numpy()))

# %% [markdown]
# ## The score functions · 스코어 함수
#
# | code · 코드 | 이름 | score(q, k) |
# | --- | --- | --- |
# | `dot` | 내적 | q·k |
# | `scaled_dot` | 스케일드 내적 | q·k / √d_k |
# | `general` | 일반(곱셈) | qᵀ W k |
# | `additive` | 가법(Bahdanau) | vᵀ tanh(W_q q + W_k k) |
# | `cosine` | 코사인 유사도 | q·k / (‖q‖ ‖k‖) |
#
# One query and four keys: k₁ equals the query, k₂ is three times it, k₃ is at right angles, k₄
# points the other way. The learned scores (`general`, `additive`) are random before training.
#
# 쿼리 하나와 키 넷: k₁은 쿼리와 같고, k₂는 쿼리의 세 배, k₃는 직각, k₄는 반대 방향입니다.
# 학습되는 스코어(`general`, `additive`)는 학습 전이라 임의의 값입니다.

# %%
mg.manual_seed(0)
query = mg.tensor([[1.0, 1.0, 0.0, 0.0]])
keys = mg.tensor([[[1.0, 1.0, 0.0, 0.0], [3.0, 3.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0], [-1.0, -1.0, 0.0, 0.0]]])
names_ko = {"dot": "내적", "scaled_dot": "스케일드 내적", "general": "일반(곱셈)", "additive": "가법",
            "cosine": "코사인 유사도"}
table = {}
for name in SCORES:
    attention = Attention(name, query_size=4, key_size=4)
    with mg.no_grad():
        _, score_weights = attention(query, keys)
    table[name] = score_weights.numpy()[0]
    print(f"{name:10} {names_ko[name]:8} weights · 가중치 {np.round(table[name], 3).tolist()}")
assert table["dot"].argmax() == 1 and np.isclose(table["cosine"][0], table["cosine"][1])

# %% [markdown]
# `dot` prefers the long k₂ by far; dividing by √4 = 2 softens it (`scaled_dot`); `cosine` sees
# only directions, so k₁ and k₂ tie. · `dot`은 긴 k₂를 압도적으로 고르고, √4 = 2로 나누면(`scaled_dot`)
# 누그러지며, `cosine`은 방향만 보므로 k₁과 k₂가 같은 점수를 받습니다.
#
# ## The heatmap · 히트맵
#
# Attention is computed again at every decoder step, so the weights of all steps form a matrix
# (output × source). The notes' "I am a student" → "Je suis étudiant" (illustrative weights, not a
# trained model): · 어텐션은 디코더의 매 단계마다 다시 계산되므로, 모든 단계의 가중치가 (출력 × 입력)
# 행렬을 이룹니다. 노트의 "I am a student" → "Je suis étudiant" 예시입니다(학습된 모델이 아닌 예시 값).

# %%
notes_weights = [[0.8, 0.1, 0.1, 0.0],
                 [0.1, 0.8, 0.1, 0.0],
                 [0.0, 0.0, 0.1, 0.9]]
path = draw_attention(notes_weights, ["I", "am", "a", "student"], ["Je", "suis", "étudiant"],
                      figures / "notes.png", title="노트의 예시 · the notes' example",
                      axis_labels=("입력 · source", "출력 · output", "어텐션 가중치 α"))
display(Image(filename=str(path)))

# %% [markdown]
# ## Exercise · 연습 문제
#
# Write `scaled_dot_context(q, K, V)` in plain NumPy: the context vector of one query `q` (d,) over
# keys `K` (n, d) and values `V` (n, m) with the scaled dot score. `check_scaled_dot_context`
# compares it with `Attention("scaled_dot")` on keys it makes up.
#
# 순수 NumPy로 `scaled_dot_context(q, K, V)`를 작성하세요. 쿼리 `q` (d,), 키 `K` (n, d), 값 `V` (n, m)에서
# 스케일드 내적 스코어로 구한 문맥 벡터를 돌려주면 됩니다. `check_scaled_dot_context`가
# `Attention("scaled_dot")`과 비교합니다.

# %%
from exercises import check_scaled_dot_context  # noqa: E402


def scaled_dot_context(q, K, V):  # noqa: N803 - the notes write K and V
    # solution · 풀이: scores, a stable softmax, then the weighted sum of the values
    scores = K @ q / np.sqrt(K.shape[1])
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    return weights @ V


print(check_scaled_dot_context(scaled_dot_context))
