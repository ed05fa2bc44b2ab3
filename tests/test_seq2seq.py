"""The showcase models: masks, decoding, training to accuracy, resume, heatmaps."""

from __future__ import annotations

import datetime
import random
import warnings
from types import SimpleNamespace

import pytest

import minigrad as mg
from models import evaluation
from models.batches import make_batch
from models.config import TrainConfig
from models.corpus import Corpus
from models.data import PAD_ID, Vocab, date_pairs, german_number_words, phrase_pairs, split
from models.decoder import DECODERS, BahdanauDecoder
from models.evaluation import evaluate
from models.seq2seq import build_model
from models.trainer import Trainer


def reverse_corpus(count: int = 600, seed: int = 0) -> Corpus:
    """A tiny task with real reordering: a string of 2-6 letters → the same letters reversed."""
    rng = random.Random(seed)
    pairs = {}
    while len(pairs) < count:
        word = "".join(rng.choice("abcdef") for _ in range(rng.randint(2, 6)))
        pairs[word] = word[::-1]
    train, valid, test = split(list(pairs.items()), seed, 0.1, 0.1)
    source_vocab = Vocab.build((s for s, _ in train), "char")
    target_vocab = Vocab.build((t for _, t in train), "char")
    return Corpus(train, valid, test, source_vocab, target_vocab)


ATTENTION_DECODERS = [name for name in DECODERS if name != "plain"]  # plain is the baseline without attention


def tiny_model(decoder: str = "luong", **options: object) -> object:
    mg.manual_seed(0)
    return build_model(12, 10, decoder=decoder, embed_size=8, hidden_size=16, **options)


@pytest.mark.parametrize("decoder", ATTENTION_DECODERS)
def test_padding_gets_no_attention_and_does_not_change_the_loss(decoder: str) -> None:
    model = tiny_model(decoder)
    source = mg.tensor([[4, 5, 6, PAD_ID], [7, 8, 9, 10]])
    longer = mg.tensor([[4, 5, 6, PAD_ID, PAD_ID, PAD_ID], [7, 8, 9, 10, PAD_ID, PAD_ID]])
    target_in, target_out = mg.tensor([[1, 4, 5], [1, 6, PAD_ID]]), mg.tensor([[4, 5, 2], [6, 2, PAD_ID]])

    _, weights = model(source, target_in)
    assert weights.numpy()[0, :, 3].tolist() == [0.0, 0.0, 0.0]  # the padded source position
    assert weights.numpy()[0].sum(axis=-1) == pytest.approx([1.0] * 3, abs=1e-6)

    _, longer_weights = model(longer, target_in)
    assert (longer_weights.numpy()[:, :, 4:] == 0.0).all()
    loss, longer_loss = model.loss(source, target_in, target_out), model.loss(longer, target_in, target_out)
    assert longer_loss.item() == pytest.approx(loss.item(), abs=1e-6)

    # changing what stands in a padded target position changes nothing either
    other_out = mg.tensor([[4, 5, 2], [6, 2, PAD_ID]])
    assert model.loss(source, target_in, other_out).item() == pytest.approx(loss.item(), abs=1e-7)


@pytest.mark.parametrize("decoder", DECODERS)
def test_beam_search_with_beam_one_is_greedy(decoder: str) -> None:
    model = tiny_model(decoder)
    source = mg.tensor([[4, 5, 6, PAD_ID], [7, 8, 9, 10], [11, 4, PAD_ID, PAD_ID]])
    greedy = model.greedy(source, max_len=7)
    beam = model.beam_search(source, beam_size=1, max_len=7)
    assert [g.ids for g in greedy] == [b.ids for b in beam]


def test_beam_search_finds_at_least_the_greedy_score() -> None:
    model = tiny_model("luong")
    source = mg.tensor([[4, 5, 6, 7]])
    greedy = model.greedy(source, max_len=6)[0]
    beam = model.beam_search(source, beam_size=4, max_len=6, length_penalty=0.0)[0]
    assert beam.score >= greedy.score - 1e-5


def test_luong_input_feeding_and_bidirectional_encoder_train() -> None:
    model = tiny_model("luong", input_feeding=True, bidirectional=True, score="general")
    source, target_in = mg.tensor([[4, 5, 6, 7]]), mg.tensor([[1, 4, 5]])
    target_out = mg.tensor([[4, 5, 2]])
    loss = model.loss(source, target_in, target_out)
    loss.backward()
    for name, p in model.named_parameters():  # every parameter takes part: a gradient somewhere non-zero
        assert p.grad is not None and p.grad.shape == p.shape and (p.grad.numpy() != 0).any(), name
    # and the gradients are the loss's: a small step along them lowers it by about |grad|² · step
    step = 1e-3
    squared = sum(float((p.grad * p.grad).sum().item()) for p in model.parameters())
    with mg.no_grad():
        for p in model.parameters():
            p -= p.grad * step
        lowered = model.loss(source, target_in, target_out).item()
    assert abs((loss.item() - lowered) - squared * step) <= 0.1 * squared * step


def test_a_tiny_task_trains_to_high_accuracy(tmp_path: object) -> None:
    corpus = reverse_corpus()
    config = TrainConfig(task=None, epochs=12, batch_size=32, hidden_size=48, embed_size=16, lr=0.01,
                         out=str(tmp_path), seed=0)
    trainer = Trainer(config, corpus, progress_bar=False)
    trainer.fit(log=lambda message: None)
    result = evaluate(trainer.model, corpus, corpus.test, config)
    assert result.exact_match >= 0.9, result.examples[:5]


def test_resume_gives_identical_parameters(tmp_path: object) -> None:
    corpus = reverse_corpus(200)

    def config(out: str, epochs: int) -> TrainConfig:
        return TrainConfig(task=None, epochs=epochs, batch_size=32, hidden_size=16, embed_size=8, dropout=0.2,
                           out=str(out), seed=3)

    straight = Trainer(config(tmp_path / "straight", 2), corpus, progress_bar=False)
    straight.fit(log=lambda message: None)

    first = Trainer(config(tmp_path / "resumed", 1), corpus, progress_bar=False)
    first.fit(log=lambda message: None)
    second = Trainer(config(tmp_path / "resumed", 2), corpus, progress_bar=False)
    second.resume()
    second.fit(log=lambda message: None)

    for (name, a), (_, b) in zip(straight.model.state_dict().items(), second.model.state_dict().items()):
        assert (a.numpy() == b.numpy()).all(), f"{name} differs after resume"
    assert len(second.history) == 2


def test_resume_refuses_a_checkpoint_of_another_model(tmp_path: object) -> None:
    corpus = reverse_corpus(100)
    small = TrainConfig(task=None, epochs=1, batch_size=50, hidden_size=8, embed_size=4, out=str(tmp_path))
    Trainer(small, corpus, progress_bar=False).fit(log=lambda message: None)
    bigger = TrainConfig(**{**small.__dict__, "hidden_size": 12, "epochs": 2})
    with pytest.raises(ValueError, match="other options: hidden_size 8 → 12; resume with the same options"):
        Trainer(bigger, corpus, progress_bar=False).resume()


def test_evaluate_reports_bleu_for_word_tasks() -> None:
    pairs = phrase_pairs(60, seed=0)
    train, valid, _ = split(pairs, 0, 0.2, 0.0)
    corpus = Corpus(train, valid, [], Vocab.build((s for s, _ in train), "word"),
                    Vocab.build((t for _, t in train), "word"))
    model = build_model(len(corpus.source_vocab), len(corpus.target_vocab), embed_size=8, hidden_size=16)
    config = TrainConfig(task=None, max_len=10)
    result = evaluate(model, corpus, valid, config)
    outputs, references = [e["output"] for e in result.examples], [e["target"] for e in result.examples]
    assert references == [t for _, t in valid] and len(outputs) == len(valid)
    assert 0.0 <= result.token_accuracy <= 1.0

    # BLEU scores the outputs against the targets: 100 for perfect outputs, less for worse ones
    targets = [t for _, t in train]  # every word of them is in the vocabulary
    perfect = with_outputs(targets, model, corpus, train, config)
    assert perfect.bleu == pytest.approx(100.0) and perfect.exact_match == 1.0
    half = [t if i % 2 else " ".join(reversed(t.split())) for i, t in enumerate(targets)]
    halved = with_outputs(half, model, corpus, train, config)
    assert 0.0 < halved.bleu < 100.0 and halved.exact_match < 1.0
    first_words = with_outputs([t.split()[0] for t in targets], model, corpus, train, config)
    assert first_words.bleu < halved.bleu


def with_outputs(texts: list[str], model: object, corpus: Corpus, pairs: list, config: TrainConfig) -> object:
    """evaluate(...) as if the model had translated the sources into ``texts``."""
    fake = [SimpleNamespace(ids=corpus.target_vocab.encode(text, add_eos=False)) for text in texts]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(evaluation, "translate", lambda *args, **kwargs: fake)
        return evaluate(model, corpus, pairs, config)


def test_batches_are_padded_and_shifted() -> None:
    corpus = reverse_corpus(50)
    batch = make_batch(corpus, [("ab", "ba"), ("abcd", "dcba")], "cpu")
    assert batch.source.shape == (2, 5)  # longest source + <eos>
    assert batch.target_in.numpy()[:, 0].tolist() == [1, 1]  # <bos>
    assert batch.target_out.numpy()[0].tolist()[-3:] == [2, 0, 0]  # <eos> then padding


def test_built_in_tasks_are_reproducible_and_well_formed() -> None:
    pairs = date_pairs(50, seed=4)
    assert len(pairs) == 50 and pairs == date_pairs(50, seed=4) and pairs != date_pairs(50, seed=5)
    dates = date_pairs(200, seed=1)
    assert len(dates) == 200 and all(source for source, _ in dates)
    for _, iso in dates:
        assert datetime.date.fromisoformat(iso).isoformat() == iso  # a real date, written YYYY-MM-DD
    assert german_number_words(21) == "ein und zwanzig"
    assert german_number_words(1716) == "ein tausend sieben hundert sechzehn"
    assert ("i am a student", "je suis étudiant") in phrase_pairs(200, seed=0)


def test_heatmap_renders_hangul_without_missing_glyphs(tmp_path: object) -> None:
    from models.heatmap import cjk_font, draw_attention

    if cjk_font() is None:
        pytest.skip("no font with Hangul glyphs: pip install koreanize-matplotlib (in the showcase extra)")
    source = list("1994년 9월 27일")
    output = list("1994-09-27")
    weights = [[1.0 / len(source)] * len(source) for _ in output]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = draw_attention(weights, source, output, tmp_path / "heatmap.png", title="날짜 → ISO")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing
    assert path.stat().st_size > 1000


def test_a_full_disk_is_reported_and_the_previous_checkpoint_survives(tmp_path: object, monkeypatch: object) -> None:
    import errno

    import models.checkpoint as checkpoint

    corpus = reverse_corpus(100)
    config = TrainConfig(task=None, epochs=1, batch_size=50, hidden_size=8, embed_size=4, out=str(tmp_path))
    Trainer(config, corpus, progress_bar=False).fit(log=lambda message: None)
    before = (tmp_path / "last.safetensors").read_bytes()

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint.mg, "save", full_disk)
    again = Trainer(TrainConfig(**{**config.__dict__, "epochs": 2}), corpus, progress_bar=False)
    again.resume()
    with pytest.raises(OSError, match=r"cannot write checkpoint .*\.safetensors: No space left on device"):
        again.fit(log=lambda message: None)
    assert (tmp_path / "last.safetensors").read_bytes() == before


def test_ctrl_c_saves_after_the_batch_in_hand_and_resume_is_exact(tmp_path: object, monkeypatch: object) -> None:
    import signal

    corpus = reverse_corpus(200)

    def config(out: object) -> TrainConfig:
        return TrainConfig(task=None, epochs=2, batch_size=32, hidden_size=16, embed_size=8, dropout=0.2,
                           out=str(out), seed=5)

    straight = Trainer(config(tmp_path / "straight"), corpus, progress_bar=False)
    straight.fit(log=lambda message: None)

    interrupted = Trainer(config(tmp_path / "stopped"), corpus, progress_bar=False)
    steps = {"count": 0}
    original_step = interrupted.optimizer.step

    def step_then_ctrl_c() -> None:
        original_step()
        steps["count"] += 1
        if steps["count"] == 3:  # Ctrl-C arrives in the middle of epoch 1
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(interrupted.optimizer, "step", step_then_ctrl_c)
    messages: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        interrupted.fit(log=messages.append)
    assert "--resume" in messages[-1] and "batch 3" in messages[-1]

    resumed = Trainer(config(tmp_path / "stopped"), corpus, progress_bar=False)
    resumed.resume()
    assert (resumed.epoch, resumed.batch_index) == (0, 3)
    resumed.fit(log=lambda message: None)
    for (name, a), (_, b) in zip(straight.model.state_dict().items(), resumed.model.state_dict().items()):
        assert (a.numpy() == b.numpy()).all(), f"{name} differs after Ctrl-C and resume"


def test_bucketed_batches_cover_every_pair_once_hold_similar_lengths_and_repeat_per_seed() -> None:
    from models.batches import epoch_batches, epoch_order

    corpus = reverse_corpus(600)  # sources of 2-6 letters
    config = TrainConfig(task=None, batch_size=10)
    bucketed = epoch_batches(corpus, config, epoch=0)
    assert sorted(i for chunk in bucketed for i in chunk) == list(range(len(corpus.train)))
    assert bucketed == epoch_batches(corpus, config, epoch=0)  # what resume relies on
    assert bucketed != epoch_batches(corpus, config, epoch=1)
    plain = epoch_batches(corpus, TrainConfig(task=None, batch_size=10, bucket=False), epoch=0)
    order = epoch_order(len(corpus.train), 0, 0)
    assert plain == [order[i:i + 10] for i in range(0, len(order), 10)]

    def padding(chunks: list[list[int]]) -> int:  # padded source positions over the epoch
        lengths = [len(corpus.encode_source(corpus.train[i][0])) for i in range(len(corpus.train))]
        return sum(max(lengths[i] for i in chunk) * len(chunk) - sum(lengths[i] for i in chunk) for chunk in chunks)

    assert padding(bucketed) < padding(plain) / 4, (padding(bucketed), padding(plain))


def test_luong_joins_context_and_state_by_concatenation_or_by_addition() -> None:
    source, target_in, target_out = mg.tensor([[4, 5, 6, 7]]), mg.tensor([[1, 4, 5]]), mg.tensor([[4, 5, 2]])
    for join, inputs in (("concat", 32), ("add", 16)):
        model = tiny_model("luong", join=join)
        assert model.decoder.combine.weight.shape == (16, inputs)  # W_c over [c; s], or over c + s
        model.loss(source, target_in, target_out).backward()
        assert (model.decoder.combine.weight.grad.numpy() != 0).any()
    with pytest.raises(ValueError, match=r"join='add' adds the context \(size 32\) to the state \(size 16\)"):
        tiny_model("luong", join="add", bidirectional=True)


def test_build_model_takes_one_typed_configuration() -> None:
    """The training path passes a ModelConfig; keywords change its fields for a quick model. A checkpoint
    stores the same thirteen fields under "model" as before there was a ModelConfig."""
    from dataclasses import asdict  # noqa: PLC0415

    from models.seq2seq import ModelConfig  # noqa: PLC0415

    config = ModelConfig(decoder="bahdanau", embed_size=4, hidden_size=8, bidirectional=True)
    typed, keywords = build_model(6, 7, config), build_model(6, 7, decoder="bahdanau", embed_size=4, hidden_size=8,
                                                             bidirectional=True)
    assert {k: v.shape for k, v in typed.state_dict().items()} == {k: v.shape for k, v in keywords.state_dict().items()}
    assert isinstance(typed.decoder, BahdanauDecoder)
    stored = asdict(TrainConfig(hidden_size=32, model="transformer", heads=2).model_config())
    assert list(stored) == ["decoder", "score", "embed_size", "hidden_size", "num_layers", "bidirectional",
                            "input_feeding", "dropout", "lstm", "join", "model", "heads", "ff_size"]
    assert (stored["hidden_size"], stored["model"], stored["heads"], stored["lstm"]) == (32, "transformer", 2, "fused")
    with pytest.raises(TypeError):
        build_model(6, 7, hidden_sizes=8)  # a misspelt field is an error, not ignored
