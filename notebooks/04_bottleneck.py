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
# # 4. The bottleneck, and the gradient's short way back · 병목, 그리고 기울기가 돌아가는 지름길
#
# Without attention the decoder sees only the encoder's last state: one fixed-size vector, however
# long the source. The gradient that should teach the encoder about the *first* source token must
# cross every later LSTM step on its way back, and it shrinks at each one (the vanishing gradient).
# Attention gives every source position a direct path. We measure that path, position by position,
# on an untrained model: no training needed to see it.
#
# 어텐션이 없으면 디코더는 인코더의 마지막 상태 하나만 봅니다. 입력이 아무리 길어도 고정된 크기의 벡터
# 하나입니다(정보의 병목). *첫* 입력 토큰에 대해 인코더를 가르쳐야 할 기울기는 돌아가는 길에 그 뒤의
# 모든 LSTM 단계를 거쳐야 하고, 단계마다 줄어듭니다(기울기 소실). 어텐션은 모든 입력 위치에 직접 가는
# 길을 줍니다. 그 길을 위치마다 재어 봅니다. 학습하지 않은 모델로도 보입니다.

# %%
import os
import tempfile
from pathlib import Path

import numpy as np
from IPython.display import Image, display

import minigrad as mg
from models.decoder import Memory
from models.seq2seq import build_model

QUICK = os.environ.get("MINIGRAD_NOTEBOOK_QUICK") == "1"
LENGTH, HIDDEN, BATCH = (30, 32, 8) if QUICK else (50, 64, 32)
figures = Path(tempfile.mkdtemp(prefix="bottleneck-notebook-"))

# %% [markdown]
# ## The same encoder, two decoders · 같은 인코더, 두 디코더
#
# A copy task: the source is a random string of symbols (ids 4…23), the target the same string.
# Both models get the same seed, so the same encoder weights. · 복사 과제입니다. 입력은 기호(id 4…23)로 된
# 무작위 문자열이고 출력은 같은 문자열입니다. 두 모델은 같은 시드로 만들어 인코더 가중치가 같습니다.

# %%
rng = np.random.default_rng(0)
symbols = rng.integers(4, 24, size=(BATCH, LENGTH))
source = mg.tensor(np.concatenate([symbols, np.full((BATCH, 1), 2)], axis=1), dtype=mg.int64)  # <eos> last
target_in = mg.tensor(np.concatenate([np.ones((BATCH, 1), dtype=int), symbols], axis=1), dtype=mg.int64)
target_out = mg.tensor(np.concatenate([symbols, np.full((BATCH, 1), 2)], axis=1), dtype=mg.int64)


def gradient_per_position(decoder: str) -> np.ndarray:
    """‖∂L/∂xⱼ‖ for each source position j, averaged over the batch, at initialisation."""
    mg.manual_seed(0)
    model = build_model(24, 24, decoder=decoder, hidden_size=HIDDEN)
    embedded = model.encoder.embedding(source)                  # xⱼ: (batch, src_len, embed)
    embedded.retain_grad()
    states, final = model.encoder.lstm(embedded)                # H and the last state
    memory = Memory(states, final, source != 0)                 # what the decoder reads
    logits, _ = model.decoder(target_in, memory)
    loss = mg.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target_out.reshape(-1))
    loss.backward()
    return np.sqrt((embedded.grad.numpy() ** 2).sum(axis=-1)).mean(axis=0)


plain = gradient_per_position("plain")
attention = gradient_per_position("luong")
for j in (0, LENGTH // 2, LENGTH - 1):
    print(f"position {j + 1:2d}: without attention {plain[j]:.2e}, with attention {attention[j]:.2e}")
assert attention[0] > 100 * plain[0], "attention gives the first token a direct path · 첫 토큰에 직접 가는 길"

# %% [markdown]
# ## The picture · 그림
#
# A log scale: a straight falling line without attention is a gradient multiplied by about the
# same factor < 1 at every LSTM step back. · 로그 눈금입니다. 어텐션이 없을 때의 곧게 떨어지는 선은
# LSTM 단계를 하나 거슬러 갈 때마다 기울기에 1보다 작은 거의 같은 수가 곱해진다는 뜻입니다.

# %%
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from models.heatmap import cjk_font  # noqa: E402

with matplotlib.rc_context({"font.family": ["DejaVu Sans", cjk_font() or "DejaVu Sans"]}):
    figure, axes = plt.subplots(figsize=(7, 3.5))
    positions = range(1, len(plain) + 1)
    axes.semilogy(positions, plain, label="어텐션 없음 · no attention (plain)")
    axes.semilogy(positions, attention, label="어텐션 · attention (Luong, 내적 dot)")
    axes.set(xlabel="입력 위치 j · source position", ylabel="‖∂L/∂xⱼ‖",
             title="각 입력 위치에 도달하는 기울기 (초기화 시점) · gradient at each source position")
    axes.legend()
    figure.tight_layout()
    figure.savefig(figures / "gradients.png", dpi=100)
    plt.close(figure)
display(Image(filename=str(figures / "gradients.png")))

# %% [markdown]
# Trained, the difference becomes accuracy: `python examples/bottleneck.py` trains both decoders to
# write strings of 5 to 40 symbols backwards and plots accuracy against length (docs/attention.md,
# §1): without attention 95 % of the tokens right on 5-10 symbols and 23 % on 35-40, with attention
# 94-100 % at every length. · 학습시키면 이 차이가 정확도의 차이가 됩니다. `python examples/bottleneck.py`가
# 5~40 기호 길이의 문자열을 거꾸로 쓰도록 두 디코더를 학습시키고 입력 길이별 정확도를 그립니다
# (docs/attention.ko.md 1절). 어텐션이 없으면 5~10 기호에서 토큰의 95%, 35~40 기호에서 23%를 맞히고,
# 어텐션이 있으면 모든 길이에서 94~100%를 맞힙니다.
#
# ## Exercise · 연습 문제
#
# If the gradient shrinks by the same factor r at every step back, then ‖∂L/∂x₁‖ = r^(n−1) ‖∂L/∂xₙ‖.
# Write `decay_per_step(norms)` that returns that r from the first and last entries. · 한 단계
# 거슬러 갈 때마다 기울기가 같은 비율 r로 줄어든다면 ‖∂L/∂x₁‖ = r^(n−1) ‖∂L/∂xₙ‖입니다. 첫 값과 마지막
# 값에서 그 r을 구하는 `decay_per_step(norms)`를 작성하세요.

# %%
from exercises import check_decay_per_step  # noqa: E402


def decay_per_step(norms):
    # solution · 풀이: r = (first / last) ** (1 / (n − 1))
    return (norms[0] / norms[-1]) ** (1 / (len(norms) - 1))


print(check_decay_per_step(decay_per_step))
print(f"without attention the gradient keeps {decay_per_step(plain):.2f} of itself per step back; "
      f"with attention {decay_per_step(attention):.2f}")
