"""Batched beam search against the per-sentence search and greedy decoding; training options
(label smoothing, warm-up, patience, no clipping)."""

from __future__ import annotations

from pathlib import Path

import pytest

import minigrad as mg
from models.config import TrainConfig
from models.data import PAD_ID
from models.evaluation import translate
from models.trainer import Trainer
from tests.test_seq2seq import reverse_corpus


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """A half-trained reverser: its outputs end at <eos> at different steps, some right, some not."""
    corpus = reverse_corpus(300)
    config = TrainConfig(task=None, epochs=3, batch_size=32, hidden_size=24, embed_size=8, lr=0.01,
                         out=str(tmp_path_factory.mktemp("reverser")))
    trainer = Trainer(config, corpus, progress_bar=False)
    trainer.fit(log=lambda message: None)
    return trainer.model, corpus


def sources(corpus: object, count: int = 12) -> mg.Tensor:
    from models.data import pad  # noqa: PLC0415

    return mg.tensor(pad([corpus.encode_source(s) for s, _ in corpus.test[:count]]), dtype=mg.int64)


def test_beam_one_is_greedy_ids_scores_and_attention(trained: tuple) -> None:
    model, corpus = trained
    source = sources(corpus)
    greedy, beam = model.greedy(source, max_len=9), model.beam_search(source, beam_size=1, max_len=9)
    assert [g.ids for g in greedy] == [b.ids for b in beam]
    assert [g.score for g in greedy] == pytest.approx([b.score for b in beam], abs=1e-5)
    for g, b in zip(greedy, beam):
        assert len(g.weights) == len(b.weights)
        assert [w for row in g.weights for w in row] == pytest.approx([w for row in b.weights for w in row], abs=1e-6)


@pytest.mark.parametrize(("beam_size", "length_penalty"), [(2, 1.0), (4, 0.0), (4, 1.0), (5, 2.0)])
def test_batched_beam_search_finds_what_the_per_sentence_search_finds(trained: tuple, beam_size: int,
                                                                      length_penalty: float) -> None:
    model, corpus = trained
    source = sources(corpus)
    batched = model.beam_search(source, beam_size, max_len=9, length_penalty=length_penalty)
    one_by_one = model.beam_search_one_by_one(source, beam_size, max_len=9, length_penalty=length_penalty)
    assert [t.ids for t in batched] == [t.ids for t in one_by_one]
    assert [t.score for t in batched] == pytest.approx([t.score for t in one_by_one], abs=1e-4)
    assert [len(t.weights) for t in batched] == [len(t.weights) for t in one_by_one]


def test_a_wider_beam_scores_at_least_as_well_as_greedy(trained: tuple) -> None:
    model, corpus = trained
    source = sources(corpus)
    greedy = model.greedy(source, max_len=9)
    beam = model.beam_search(source, 5, max_len=9, length_penalty=0.0)
    assert len(beam) == len(greedy) == source.shape[0] and all(b.ids for b in beam)
    assert all(b.score >= g.score - 1e-5 for g, b in zip(greedy, beam))


def test_beam_search_of_one_row_and_of_padded_rows(trained: tuple) -> None:
    model, corpus = trained
    source = sources(corpus, 3)
    alone = [model.beam_search(source[b:b + 1], 3, max_len=9)[0].ids for b in range(3)]
    assert [t.ids for t in model.beam_search(source, 3, max_len=9)] == alone
    assert PAD_ID in source.numpy()  # the rows have different lengths
    with pytest.raises(ValueError, match="beam_size must be at least 1"):
        model.beam_search(source, 0)


def test_translate_with_a_length_penalty(trained: tuple) -> None:
    model, corpus = trained
    texts = [s for s, _ in corpus.test[:5]]
    short = translate(model, corpus, texts, "cpu", beam=4, max_len=9, length_penalty=0.0)
    assert len(short) == 5 and all(isinstance(t.ids, list) for t in short)


def test_label_smoothing_warmup_patience_and_no_clipping(tmp_path: Path) -> None:
    corpus = reverse_corpus(200)
    config = TrainConfig(task=None, epochs=6, batch_size=32, hidden_size=16, embed_size=8, lr=0.01,
                         out=str(tmp_path / "a"), label_smoothing=0.1, warmup=5, patience=1, clip=None)
    trainer = Trainer(config, corpus, progress_bar=False)
    messages: list[str] = []
    trainer.fit(log=messages.append)
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.01)  # warm-up is over
    scores = [h["valid_exact_match"] for h in trainer.history]
    if len(scores) < 6:  # stopped early: the last epoch did not beat the best before it
        assert scores[-1] <= max(scores[:-1]) and "stopping early (--patience 1)" in messages[-1]
    smooth = trainer.model.loss(*_batch(corpus), label_smoothing=0.1).item()
    plain = trainer.model.loss(*_batch(corpus)).item()
    assert smooth != pytest.approx(plain)


def test_warmup_raises_the_rate_linearly(tmp_path: Path) -> None:
    corpus = reverse_corpus(64)
    config = TrainConfig(task=None, epochs=1, batch_size=16, hidden_size=8, embed_size=4, lr=0.01,
                         out=str(tmp_path), warmup=8)
    trainer = Trainer(config, corpus, progress_bar=False)
    trainer._start_warmup()
    rates = []
    for _ in range(3):
        rates.append(trainer.optimizer.param_groups[0]["lr"])
        trainer.warmup.step()
    assert rates == pytest.approx([0.01 / 8, 0.02 / 8, 0.03 / 8])


def _batch(corpus: object) -> tuple:
    from models.batches import make_batch  # noqa: PLC0415

    batch = make_batch(corpus, corpus.train[:16], "cpu")
    return batch.source, batch.target_in, batch.target_out


def test_batched_beam_search_of_a_transformer_matches_the_per_sentence_search() -> None:
    from models.seq2seq import build_transformer  # noqa: PLC0415

    mg.manual_seed(0)
    model = build_transformer(12, 10, d_model=16, nhead=2, num_layers=1, dim_feedforward=32, dropout=0.0)
    model.eval()
    source = mg.tensor([[4, 5, 6, PAD_ID], [7, 8, 9, 10], [11, 4, PAD_ID, PAD_ID]])
    batched = model.beam_search(source, 3, max_len=6)
    assert [t.ids for t in batched] == [t.ids for t in model.beam_search_one_by_one(source, 3, max_len=6)]
    assert [t.ids for t in model.beam_search(source, 1, max_len=6)] == [t.ids for t in model.greedy(source, 6)]
