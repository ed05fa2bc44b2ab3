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
# # 3. Train your own translator · 나만의 번역기 학습시키기
#
# From a file of sentence pairs to a trained attention model and its heatmaps, with every part in
# view: the data, the vocabularies, the model, the training loop, the evaluation. The pairs are
# dates written in six languages → ISO dates (the main job's task), written to a TSV file exactly
# as your own data would be.
#
# 문장 쌍 파일에서 시작해 학습된 어텐션 모델과 그 히트맵까지, 데이터, 어휘, 모델, 학습 루프, 평가의
# 모든 부분을 직접 보면서 갑니다. 문장 쌍은 여섯 언어로 쓴 날짜 → ISO 날짜(메인 작업의 과제)이고,
# 여러분의 데이터와 똑같은 형식의 TSV 파일로 씁니다.
#
# In CI this notebook trains a tiny model for a few steps (`MINIGRAD_NOTEBOOK_QUICK=1`); run it
# yourself to train one that translates. · CI에서는 아주 작은 모델을 몇 단계만 학습시킵니다
# (`MINIGRAD_NOTEBOOK_QUICK=1`). 직접 실행하면 실제로 번역하는 모델을 학습시킵니다.

# %%
import os
import tempfile
import time
from pathlib import Path

from IPython.display import Image, display

import minigrad as mg
from minigrad import optim
from models.data import Vocab, pad, read_tsv, split, task_pairs
from models.heatmap import draw_attention
from models.seq2seq import build_model

QUICK = os.environ.get("MINIGRAD_NOTEBOOK_QUICK") == "1"
SIZE, STEPS, HIDDEN, BATCH = (600, 25, 32, 32) if QUICK else (20_000, 1_000, 128, 128)
out = Path(os.environ.get("MINIGRAD_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="translator-"))
print(f"{SIZE} pairs, {STEPS} steps, hidden size {HIDDEN}; files in {out}")

# %% [markdown]
# ## The data: one pair per line, source TAB target · 데이터: 한 줄에 한 쌍, 입력 TAB 출력
#
# Your own data is a UTF-8 file like this one; `read_tsv` reads it and names the file and line of
# anything wrong. · 여러분의 데이터도 이런 UTF-8 파일이면 됩니다. `read_tsv`가 읽고, 잘못된 곳이 있으면
# 파일과 줄 번호를 알려 줍니다.

# %%
pairs_file = out / "pairs.tsv"
pairs_file.write_text("".join(f"{s}\t{t}\n" for s, t in task_pairs("dates", seed=0, size=SIZE)), encoding="utf-8")
pairs, skipped = read_tsv(pairs_file)
train, valid, test = split(pairs, seed=0)
print(len(train), "train ·", len(valid), "valid ·", len(test), "test")
print(*pairs[:4], sep="\n")

# %% [markdown]
# ## Vocabularies: characters ↔ ids · 어휘: 문자 ↔ id
#
# Ids 0–3 are `<pad> <bos> <eos> <unk>`. The decoder reads `<bos> y₁ … yₙ` and learns to say
# `y₁ … yₙ <eos>` (teacher forcing). · id 0–3은 `<pad> <bos> <eos> <unk>`입니다. 디코더는
# `<bos> y₁ … yₙ`을 읽고 `y₁ … yₙ <eos>`를 말하도록 배웁니다(교사 강제).

# %%
source_vocab = Vocab.build((s for s, _ in train), level="char")
target_vocab = Vocab.build((t for _, t in train), level="char")
print(len(source_vocab), "source tokens ·", len(target_vocab), "target tokens")


def batch_of(chunk):
    """Padded id tensors (source, target_in, target_out) for a list of pairs."""
    sources = pad([source_vocab.encode(s) for s, _ in chunk])
    targets = [target_vocab.encode(t, add_eos=False) for _, t in chunk]
    target_in = pad([[1, *t] for t in targets])       # <bos> first
    target_out = pad([[*t, 2] for t in targets])      # <eos> last
    return tuple(mg.tensor(rows, dtype=mg.int64) for rows in (sources, target_in, target_out))


# %% [markdown]
# ## The model and the training loop · 모델과 학습 루프
#
# An LSTM encoder and a Luong decoder with the dot score (내적 `dot`): at every output step the
# decoder's state is the query, the encoder's states are the keys and values. The loop is the one
# a PyTorch user writes: zero the gradients, loss, backward, clip, step.
#
# LSTM 인코더와 내적(`dot`) 스코어를 쓰는 Luong 디코더입니다. 출력 단계마다 디코더의 상태가 쿼리,
# 인코더의 상태들이 키이자 값입니다. 학습 루프는 PyTorch 사용자가 쓰는 그대로입니다. 기울기를
# 비우고, 손실, backward, 클리핑, 한 단계 갱신.

# %%
mg.manual_seed(0)
model = build_model(len(source_vocab), len(target_vocab), decoder="luong", hidden_size=HIDDEN)
optimizer = optim.Adam(model.parameters(), lr=3e-3)
start, losses = time.perf_counter(), []
for step in range(STEPS):
    chunk = [train[(step * BATCH + i) % len(train)] for i in range(BATCH)]
    source, target_in, target_out = batch_of(chunk)
    optimizer.zero_grad()
    loss = model.loss(source, target_in, target_out)
    loss.backward()
    optim.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    losses.append(loss.item())
    if step % max(STEPS // 10, 1) == 0 or step == STEPS - 1:
        print(f"step {step:5d}  loss {loss.item():.3f}")
print(f"{time.perf_counter() - start:.1f} s")
assert losses[-1] < losses[0], "the loss should fall · 손실이 줄어야 합니다"

# %% [markdown]
# ## Evaluation: exact match on held-out pairs · 평가: 학습에 쓰지 않은 쌍에서의 완전 일치율

# %%
model.eval()
held_out = valid[:200]
translations = model.greedy(batch_of(held_out)[0], max_len=12)
right = sum(target_vocab.decode(t.ids) == target for t, (_, target) in zip(translations, held_out))
print(f"exact match · 완전 일치: {right}/{len(held_out)}")
for (source, target), t in list(zip(held_out, translations))[:5]:
    print(f"{source!r:40} → {target_vocab.decode(t.ids)!r} (expected · 정답 {target!r})")

# %% [markdown]
# ## Reading the heatmap · 히트맵 읽기
#
# Each row is an output character, each column a source character; a bright cell is where that
# output step looked. A trained model reads the year's digits for the year, the month word for
# the month. · 행은 출력 문자, 열은 입력 문자입니다. 밝은 칸이 그 출력 단계가 본 곳입니다. 학습된
# 모델은 연도를 쓸 때 연도 숫자를, 월을 쓸 때 월 이름을 봅니다.

# %%
sentence = "1994년 9월 27일"
(translation,) = model.greedy(mg.tensor([source_vocab.encode(sentence)], dtype=mg.int64), max_len=12)
output_tokens = [target_vocab.tokens[i] for i in translation.ids] + ["<eos>"]
rows = translation.weights[:len(output_tokens)]
source_tokens = list(sentence) + ["<eos>"]
heatmap = draw_attention(rows, source_tokens, output_tokens[:len(rows)], out / "heatmap.png",
                         title=f"{sentence} → {target_vocab.decode(translation.ids)}",
                         axis_labels=("입력 · source", "출력 · output", "어텐션 가중치 α"))
display(Image(filename=str(heatmap)))

# %% [markdown]
# The same, from the command line (any OS): · 같은 일을 명령줄에서(어떤 OS든):
#
# ```
# python -m models train --data pairs.tsv --out runs/mine
# python -m models attention --checkpoint runs/mine/best.safetensors "1994년 9월 27일" --out fig.png
# ```
#
# ## Exercise · 연습 문제
#
# Write `alignment(weights, source_tokens)`: for each output step (row), the source token that
# step looked at most. `check_alignment` tries it on weights it makes up; then we apply it to the
# heatmap above. · `alignment(weights, source_tokens)`를 작성하세요. 출력 단계(행)마다 가장 많이 본
# 입력 토큰을 돌려줍니다. `check_alignment`가 만들어 낸 가중치로 확인한 뒤, 위 히트맵에 적용합니다.

# %%
from exercises import check_alignment  # noqa: E402


def alignment(weights, source_tokens):
    # solution · 풀이: the column of the largest weight, row by row
    return [source_tokens[max(range(len(row)), key=row.__getitem__)] for row in weights]


print(check_alignment(alignment))
print(list(zip(output_tokens, alignment(rows, source_tokens))))

# %% [markdown]
# ## Real sentences: Korean → English in subword pieces · 실제 문장: 한국어 → 영어, 서브워드 조각으로
#
# Dates are a pattern with a tiny vocabulary. Real sentences are not: most words are rare, so word
# tokens meet `<unk>` everywhere and characters make sequences long. Translation toolkits use
# **subword pieces** (byte-pair encoding, BPE; Sennrich et al. 2016): start from characters and
# merge the most frequent neighbouring pair again and again, learned from the training split only.
# minigrad ships 3,798 real Tatoeba pairs (CC-BY 2.0 France) as the tasks `kor-eng` and `eng-kor`.
#
# 날짜는 어휘가 아주 작은 패턴입니다. 실제 문장은 다릅니다. 대부분의 단어가 드물게 나오므로 단어
# 토큰은 곳곳에서 `<unk>`를 만나고, 문자 토큰은 시퀀스를 길게 만듭니다. 번역 도구들은 **서브워드
# 조각**(바이트 쌍 인코딩, BPE; Sennrich 외 2016)을 씁니다. 문자에서 시작해 가장 자주 붙어 나오는
# 쌍을 거듭 합치며, 학습 분할에서만 배웁니다. minigrad에는 실제 Tatoeba 문장 3,798쌍(CC-BY 2.0
# France)이 `kor-eng`, `eng-kor` 과제로 들어 있습니다.

# %%
from models.bpe import BPE, shown  # noqa: E402

korean_pairs = task_pairs("kor-eng", seed=0)
korean_train, _, korean_test = split(korean_pairs, seed=0)
pieces = BPE.learn([source for source, _ in korean_train], merges=200 if QUICK else 1_000)
sentence, reference = korean_test[0]
encoded = pieces.encode(sentence)
print(f"{len(korean_pairs):,} pairs; {sentence!r} → {reference!r}")
print(f"{len(encoded)} pieces:", " ".join(shown(piece) for piece in encoded))
assert BPE.decode(encoded) == sentence  # the pieces join back to the sentence exactly
print(f"the first merges: {pieces.merges[:8]}")

# %% [markdown]
# `▁` shows where a space is kept inside a piece. A syllable never seen in training still encodes,
# as its UTF-8 bytes, never as `<unk>`. To train on these pairs, the command line picks BPE on
# both sides and a small Transformer by itself (docs/cli.md measures it: about BLEU 14.5, chrF 30.3
# on the test split after 10 minutes on 2 cores; by default it trains for up to 20):
#
# `▁`는 조각 안에 공백이 남아 있는 자리를 보여 줍니다. 학습에서 본 적 없는 음절도 `<unk>`가 아니라
# UTF-8 바이트로 인코딩됩니다. 이 문장 쌍으로 학습하려면 명령줄이 양쪽 모두 BPE와 작은
# Transformer를 스스로 고릅니다(docs/cli.ko.md의 측정: 2코어에서 10분 학습 후 테스트 분할에서
# BLEU 약 14.5, chrF 30.3. 기본값으로는 20분까지 학습합니다):
#
# ```
# python -m models train --task kor-eng --out runs/kor-eng
# python -m models translate --checkpoint runs/kor-eng/best.safetensors "나는 경찰을 불렀다."
# python -m models attention --checkpoint runs/kor-eng/best.safetensors "나는 경찰을 불렀다." --out ko.png
# ```
