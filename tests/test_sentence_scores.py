"""Scores that suit the data: multi-reference BLEU and chrF for sentences, the best checkpoint chosen on
chrF for sentences and on exact match (then chrF) for patterns, and ``--max-minutes``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from minigrad import serialization
from models.evaluation import corpus_scores, references_of, score_key
from tests.test_bpe import SENTENCES
from tests.test_cli import run


def test_a_source_with_several_targets_is_scored_against_all_of_them() -> None:
    pairs = [("Hi.", "안녕."), ("Hi.", "안녕하세요."), ("Run!", "뛰어!"), ("Hi.", "안녕.")]
    assert references_of(pairs) == {"Hi.": ["안녕.", "안녕하세요."], "Run!": ["뛰어!"]}
    outputs = ["오늘 아침에 나는 학교에 걸어서 갔어요.", "나는 어제 저녁에 친구와 영화를 봤다."]
    references = [["나는 오늘 아침 학교에 갔다.", "오늘 아침에 나는 학교에 걸어서 갔어요."],
                  ["나는 어제 저녁에 친구와 영화를 봤다."]]
    bleu, chrf = corpus_scores(outputs, references)
    assert bleu == pytest.approx(100.0) and chrf == pytest.approx(100.0)
    first_only = corpus_scores(outputs, [[r[0]] for r in references])
    assert first_only[0] < 70 and first_only[1] < 80  # against its first reference alone, a right answer loses


def test_bleu_counts_characters_where_the_references_are_written_without_spaces() -> None:
    """Japanese puts no spaces between words: word BLEU would see one "word" a sentence and give 0 to a
    nearly right output. There BLEU is sacrebleu's on characters; spaced text keeps word BLEU."""
    import sacrebleu

    references = [["私は昨日図書館で本を読みました。"], ["彼女は毎朝コーヒーを飲みます。"],
                  ["駅までの道を教えてください。"]]
    outputs = ["私は昨日図書館で本を読んだ。", "彼女は毎朝コーヒーを飲みます。", "駅への道を教えてください。"]
    bleu, chrf = corpus_scores(outputs, references)
    streams = [[r[0] for r in references]]
    assert bleu == pytest.approx(sacrebleu.corpus_bleu(outputs, streams, tokenize="char").score)
    assert 40 < bleu < 100 and sacrebleu.corpus_bleu(outputs, streams, force=True).score < 40
    spaced = corpus_scores(["I read a book in the library yesterday."], [["I read a book yesterday."]])
    assert spaced[0] == pytest.approx(sacrebleu.corpus_bleu(["I read a book in the library yesterday."],
                                                            [["I read a book yesterday."]]).score)


def test_best_is_chosen_on_chrf_for_sentences_and_on_exact_match_then_chrf_for_patterns() -> None:
    history = [{"valid_exact_match": 0.0, "valid_chrf": 10.4, "valid_bleu": 0.0},
               {"valid_exact_match": 0.0, "valid_chrf": 14.3, "valid_bleu": 1.0},
               {"valid_exact_match": 0.01, "valid_chrf": 12.0, "valid_bleu": 0.5}]
    best = lambda sentences: max(range(3), key=lambda i: score_key(history[i], sentences))  # noqa: E731
    assert best(sentences=True) == 1  # the case: epoch 3 beat epoch 1 on chrF, not on exact match
    assert best(sentences=False) == 2  # patterns: a right answer counts most
    history[2]["valid_exact_match"] = 0.0
    assert best(sentences=False) == 1  # 0 % everywhere: the epoch closer to right, never just the first


@pytest.fixture(scope="module")
def sentence_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sentences")
    data = folder / "pairs.tsv"
    # the same source twice with two translations: the evaluation must score it against both
    extra = [("the cat sees the dog.", "le chat regarde le chien.")] * 4
    data.write_text("".join(f"{s}\t{t}\n" for s, t in SENTENCES + extra), encoding="utf-8")
    result = run("train", "--data", str(data), "--level", "bpe", "--bpe-merges", "30", "--epochs", "3", "--hidden",
                 "16", "--embed", "8", "--batch-size", "8", "--out", str(folder / "run"), "--no-progress",
                 "--threads", "1")
    assert result.returncode == 0, result.stderr
    return folder


def test_the_best_checkpoint_is_the_epoch_with_the_best_score(sentence_run: Path) -> None:
    history = [json.loads(line) for line in (sentence_run / "run" / "metrics.jsonl").read_text().splitlines()]
    # six made-up sentences are patterns to the data report (far fewer than 1,000 word types): exact match first
    best_epoch = max(history, key=lambda record: score_key(record, sentences=False))["epoch"]
    saved = serialization.read(sentence_run / "run" / "best.safetensors")
    assert saved.meta["state"]["progress"]["epoch"] == best_epoch


def test_evaluate_scores_each_distinct_source_once_against_all_its_references(sentence_run: Path) -> None:
    result = run("evaluate", "--checkpoint", str(sentence_run / "run" / "best.safetensors"), "--data",
                 str(sentence_run / "pairs.tsv"))
    assert result.returncode == 0, result.stderr
    assert re.search(r"^52 pairs \(6 distinct sources, each scored against all its references\): ", result.stdout,
                     re.M), result.stdout


def test_the_korean_task_leads_with_bleu_and_chrf_and_shows_translations_beside_references(tmp_path: Path) -> None:
    result = run("train", "--task", "eng-kor", "--size", "200", "--epochs", "1", "--hidden", "16", "--no-progress",
                 "--threads", "1", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert re.search(r"^test \(best\.safetensors\): BLEU [\d.]+, chrF [\d.]+, exact match", result.stdout, re.M)
    evaluated = run("evaluate", "--checkpoint", str(tmp_path / "run" / "best.safetensors"), "--worst", "2")
    assert evaluated.returncode == 0, evaluated.stderr
    assert re.search(r"pairs.*: BLEU [\d.]+, chrF [\d.]+, exact match", evaluated.stdout)
    assert "translations beside their references:" in evaluated.stdout
    assert len(re.findall(r"\(reference: '", evaluated.stdout)) == 2


def test_max_minutes_stops_before_an_epoch_that_would_not_fit(tmp_path: Path) -> None:
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in SENTENCES), encoding="utf-8")
    result = run("train", "--data", str(data), "--level", "bpe", "--epochs", "50", "--hidden", "16", "--embed", "8",
                 "--max-minutes", "0.0001", "--out", str(tmp_path / "run"), "--no-progress", "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert "stopping within the time budget (--max-minutes 0.0001)" in result.stdout
    assert len((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()) == 1
