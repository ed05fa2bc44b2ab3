"""Byte-pair encoding (models/bpe.py): the paper's merges, exact round trips over generated and real text,
a comparable segmentation to SentencePiece's BPE (a test-only oracle), the merges checked on load, and
``--level bpe`` through the CLI."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import checkpoint as schema
from models.bpe import BPE, BYTES, chunks, learn_merges, learn_merges_by_counting, shown
from models.data import Vocab, split
from tests.test_cli import run
from tests.test_cli_checkpoints import craft, one_error_line

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_FILES = sorted(SHARED.glob("*.tsv")) if SHARED.is_dir() else []
SHIPPED = Path(__file__).resolve().parents[1] / "models" / "corpora" / "tatoeba-eng-kor.tsv"


def test_the_papers_worked_example_gives_the_papers_merges_in_order() -> None:
    # Sennrich, Haddow and Birch (2016), Algorithm 1: the dictionary, with '</w>' ending each word,
    # and the ten merges its code prints
    words = {("l", "o", "w", "</w>"): 5, ("l", "o", "w", "e", "r", "</w>"): 2,
             ("n", "e", "w", "e", "s", "t", "</w>"): 6, ("w", "i", "d", "e", "s", "t", "</w>"): 3}
    assert learn_merges(words, 10, min_count=1) == [
        ("e", "s"), ("es", "t"), ("est", "</w>"), ("l", "o"), ("lo", "w"), ("n", "e"), ("ne", "w"),
        ("new", "est</w>"), ("low", "</w>"), ("w", "i")]


    assert learn_merges_by_counting(words, 10, min_count=1) == learn_merges(words, 10, min_count=1)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text("abcab ", min_size=1, max_size=8).map(tuple), st.integers(1, 5), max_size=12),
       st.integers(0, 30), st.integers(1, 3))
def test_the_fast_learner_gives_the_merges_of_counting_again_each_time(words: dict, merges: int,
                                                                       min_count: int) -> None:
    assert learn_merges(words, merges, min_count) == learn_merges_by_counting(words, merges, min_count)


def test_the_fast_learner_agrees_on_real_text() -> None:
    texts = [line.split("\t")[1] for line in SHIPPED.read_text(encoding="utf-8").splitlines()[:800]]
    words: dict = {}
    for text in texts:
        for chunk in chunks(text):
            words[tuple(chunk)] = words.get(tuple(chunk), 0) + 1
    assert learn_merges(words, 150) == learn_merges_by_counting(words, 150)


def test_the_same_corpus_as_text_words_start_with_their_space() -> None:
    text = " ".join(["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3)
    bpe = BPE.learn([text], 8)
    # as in the paper, "es" and "est" first (9 times); then "lo", "low" (7), and the space before a word
    # takes the place of its '</w>' after it
    assert bpe.merges == [("e", "s"), ("es", "t"), ("l", "o"), ("lo", "w"), (" ", "low"), (" ", "n"), (" n", "e"),
                          (" ne", "w")]
    assert bpe.encode(" lowest") == [" low", "est"]  # unseen: smaller pieces it knows
    assert bpe.decode(bpe.encode("newest lower")) == "newest lower"


def test_ties_go_to_the_pair_seen_first_and_learning_stops_at_pairs_seen_once() -> None:
    bpe = BPE.learn(["ba ab", "ab ba"], 10)
    assert bpe.merges[0] == ("b", "a")  # "b a" and "a b" are each seen twice; "ba" comes first in the text
    assert BPE.learn(["abcdef"], 10).merges == []  # every pair once: nothing worth learning


def test_merges_never_cross_words_numbers_or_punctuation() -> None:
    assert chunks("Who painted this?") == ["Who", " painted", " this", "?"]
    assert chunks("  3,051°C  ") == ["  3", ",", "051", "°", "C", "  "]
    bpe = BPE.learn(["this? this. this!"] * 5, 50)
    assert bpe.encode("this?") == ["this", "?"]


@given(st.text())
def test_chunks_cover_the_text(text: str) -> None:
    assert "".join(chunks(text)) == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1), min_size=1, max_size=20), st.integers(0, 60))
def test_decode_encode_is_the_text_for_any_text(texts: list[str], merges: int) -> None:
    bpe = BPE.learn(texts, merges)
    for text in texts:
        pieces = bpe.encode(text)
        assert bpe.decode(pieces) == text
        assert not any(piece in BYTES for piece in pieces)  # every character was seen: no byte pieces


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_unseen_characters_fall_back_to_their_bytes_and_still_decode(text: str) -> None:
    bpe = BPE.learn(["hello world, 안녕하세요 — café"], 20)
    pieces = bpe.encode(text)
    assert bpe.decode(pieces) == text
    assert all(piece in bpe.pieces for piece in pieces)  # a model has an embedding for each


def test_hangul_accents_emoji_tabs_and_spaces_round_trip() -> None:
    texts = ["나는 학교에 갑니다.", "Ça va ? Très bien…", "e\u0301te\u0301", "🙂 ok 👍🏽", "a\t b  c ", " lead"]
    bpe = BPE.learn(texts * 3, 100)
    for text in texts:
        assert bpe.decode(bpe.encode(text)) == text
    assert shown(" 학교") == "▁학교"


def read_pairs(path: Path) -> list[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(line.split("\t")[0], line.split("\t")[1]) for line in lines if line.count("\t") >= 1]


# the 44,000 Japanese pairs take about 12 s: slow
ROUND_TRIP_FILES = [pytest.param(path, marks=[pytest.mark.slow] if path.stat().st_size > 1_000_000 else [])
                    for path in [SHIPPED, *REAL_FILES]]


@pytest.mark.parametrize("path", ROUND_TRIP_FILES, ids=lambda p: p.name)
def test_every_line_of_the_real_files_round_trips_with_merges_from_the_training_split(path: Path) -> None:
    train, valid, test = split(read_pairs(path))
    for side in (0, 1):
        bpe = BPE.learn([pair[side] for pair in train], 2000)
        for pair in train + valid + test:
            assert bpe.decode(bpe.encode(pair[side])) == pair[side]


@pytest.mark.parametrize("side", [0, 1], ids=["english", "korean"])
def test_pieces_per_sentence_are_close_to_sentencepiece_bpe(tmp_path: Path, side: int) -> None:
    spm = pytest.importorskip("sentencepiece")
    train, valid, test = split(read_pairs(SHIPPED))
    texts = [pair[side] for pair in train]
    bpe = BPE.learn(texts, 1000)
    corpus = tmp_path / "train.txt"
    corpus.write_text("\n".join(texts) + "\n", encoding="utf-8")
    # the same vocabulary size: the alphabet and the merges' pieces (SentencePiece adds <unk>, <s>, </s>)
    size = len(bpe.pieces) - len(BYTES) + 3
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(tmp_path / "sp"), vocab_size=size,
                                   model_type="bpe", character_coverage=1.0, minloglevel=2)
    oracle = spm.SentencePieceProcessor(model_file=str(tmp_path / "sp.model"))
    held_out = [pair[side] for pair in valid + test]
    ours = statistics.mean(len(bpe.encode(text)) for text in held_out)
    theirs = statistics.mean(len(oracle.encode(text)) for text in held_out)
    assert abs(ours - theirs) <= 0.15 * theirs, (ours, theirs)


# --- the vocabulary and the checkpoint --------------------------------------------------------------


def test_a_bpe_vocabulary_round_trips_through_its_dict() -> None:
    vocab = Vocab.build(["the cat sat", "the cat ran", "a dog sat"], "bpe", 10)
    again = Vocab.from_dict(json.loads(json.dumps(vocab.to_dict())))
    assert again.tokens == vocab.tokens and again.bpe.merges == vocab.bpe.merges
    assert again.decode(again.encode("the dog ran")) == "the dog ran"
    assert schema._check_vocab(vocab.to_dict(), "source vocab") == len(vocab)


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda v: v.pop("merges"), "damaged source vocab"),
    (lambda v: v.update(merges="ab"), "merges are not a list"),
    (lambda v: v["merges"].append(["zz", "q"]), "joins 'zz', a piece that neither the alphabet nor an earlier merge"),
    (lambda v: v["merges"].append([1, 2]), "is not a pair of non-empty strings"),
    (lambda v: v["merges"].append(["a", "b" * 1000]), "longer than 1000 characters"),
    (lambda v: v["tokens"].append("xyz"), "tokens are not its alphabet"),
    (lambda v: v["tokens"].insert(4, "\ud800"), "lone surrogate"),
    (lambda v: v["tokens"].remove(BYTES[0]), "without its byte pieces"),
    (lambda v: v.update(merges=[["a", "b"]] * (schema.MAX_MERGES + 1)), "at most 1,000,000"),
])
def test_damaged_merges_are_refused_by_name(edit, problem: str) -> None:  # noqa: ANN001
    saved = Vocab.build(["the cat sat", "the cat ran", "a dog sat"], "bpe", 10).to_dict()
    edit(saved)
    with pytest.raises(schema.ProblemError, match=problem):
        schema._check_vocab(saved, "source vocab")


# --- through the CLI ---------------------------------------------------------------------------------

SENTENCES = [("the cat sees the dog.", "le chat voit le chien."), ("the dog sees a cat.", "le chien voit un chat."),
             ("a cat runs.", "un chat court."), ("the dogs run!", "les chiens courent !"),
             ("we see the cats.", "nous voyons les chats."), ("a dog sleeps.", "un chien dort.")] * 8


@pytest.fixture(scope="module")
def bpe_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bpe")
    data = folder / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in SENTENCES), encoding="utf-8")
    result = run("train", "--data", str(data), "--level", "bpe", "--bpe-merges", "30", "--epochs", "2", "--hidden",
                 "16", "--embed", "8", "--batch-size", "8", "--out", str(folder / "run"), "--no-progress",
                 "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert "source: BPE pieces (--level bpe)" in result.stdout and "BPE merges learned" in result.stdout
    return folder


def test_the_merges_are_in_the_checkpoint_and_used_by_every_command(bpe_run: Path, tmp_path: Path) -> None:
    from models.checkpoint import load_checkpoint  # noqa: PLC0415

    checkpoint = bpe_run / "run" / "best.safetensors"
    loaded = load_checkpoint(checkpoint)
    assert loaded.config.bpe_merges == 30 and loaded.source_vocab.level == "bpe"
    assert 0 < len(loaded.source_vocab.bpe.merges) <= 30
    assert all(left + right in loaded.source_vocab.index for left, right in loaded.source_vocab.bpe.merges)
    result = run("translate", "--checkpoint", str(checkpoint), "the cat sleeps.")
    assert result.returncode == 0 and result.stdout.startswith("the cat sleeps.\t"), result.stderr
    unseen = run("translate", "--checkpoint", str(checkpoint), "the cat ☃")  # a character never seen in training
    assert unseen.returncode == 0 and "'☃' not in the source vocabulary" in unseen.stderr
    assert "read as its UTF-8 bytes" in unseen.stderr
    result = run("evaluate", "--checkpoint", str(checkpoint))
    assert result.returncode == 0, result.stderr
    result = run("attention", "--checkpoint", str(checkpoint), "the cat sleeps.", "--out", str(tmp_path / "a.png"))
    assert result.returncode == 0 and (tmp_path / "a.png").stat().st_size > 0, result.stderr


def test_a_checkpoint_with_damaged_merges_is_one_error_line(bpe_run: Path, tmp_path: Path) -> None:
    best = bpe_run / "run" / "best.safetensors"
    crafted = craft(best, tmp_path / "bad.safetensors",
                    lambda meta: meta["config"]["source_vocab"]["merges"].insert(0, ["nowhere", "x"]))
    line = one_error_line(run("translate", "--checkpoint", str(crafted), "the cat"))
    assert f"checkpoint {crafted} " in line and "merge 1 joins 'nowhere'" in line, line


def test_the_korean_task_reads_bpe_both_sides_and_trains(tmp_path: Path) -> None:
    result = run("train", "--task", "kor-eng", "--size", "300", "--epochs", "1", "--hidden", "16", "--no-progress",
                 "--threads", "1", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert "source: BPE pieces (the kor-eng task's own)" in result.stdout
    assert "held-out BLEU" in result.stdout  # sentences lead with BLEU and chrF


def test_the_heatmap_shows_the_pieces_with_their_spaces_as_marks(bpe_run: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import models.heatmap  # noqa: PLC0415
    from models.cli import main  # noqa: PLC0415

    drawn = {}

    def record(weights, source_tokens, output_tokens, path, **options):  # noqa: ANN001, ANN003, ANN202
        drawn.update(source=source_tokens, output=output_tokens)
        return Path(path)

    monkeypatch.setattr(models.heatmap, "draw_attention", record)
    checkpoint = bpe_run / "run" / "best.safetensors"
    assert main(["attention", "--checkpoint", str(checkpoint), "the cat sleeps.", "--out",
                 str(tmp_path / "a.png")]) == 0
    from models.checkpoint import load_checkpoint  # noqa: PLC0415

    pieces = load_checkpoint(checkpoint).source_vocab.tokenize("the cat sleeps.")
    assert drawn["source"] == [shown(piece) for piece in pieces] + ["<eos>"]
    assert "▁cat" in drawn["source"] or "▁c" in drawn["source"]  # a piece that starts a word shows its space
