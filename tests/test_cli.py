"""minigrad-translate end to end, in a subprocess, and every bad input it must explain."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad as mg

PAIRS = [("ab", "ba"), ("abc", "cba"), ("bca", "acb"), ("cab", "bac"), ("aab", "baa"), ("bcc", "ccb"),
         ("ca", "ac"), ("abca", "acba"), ("cc", "cc"), ("bb", "bb"), ("acb", "bca"), ("ba", "ab")] * 3


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "models", *args], input=stdin, capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    data = folder / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    result = run("train", "--data", str(data), "--epochs", "2", "--hidden", "16", "--embed", "8",
                 "--batch-size", "8", "--out", str(folder / "run"), "--no-progress", "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert "epoch 2:" in result.stdout and "test (best.safetensors): exact match" in result.stdout
    return folder


def test_train_writes_checkpoints_metrics_and_plot(trained: Path) -> None:
    run_folder = trained / "run"
    names = {p.name for p in run_folder.iterdir()}
    assert names >= {"best.safetensors", "last.safetensors", "metrics.jsonl", "metrics.png"}
    assert len((run_folder / "metrics.jsonl").read_text().splitlines()) == 2


def test_translate_arguments_and_stdin(trained: Path) -> None:
    checkpoint = str(trained / "run" / "last.safetensors")
    result = run("translate", "--checkpoint", checkpoint, "abc", "ca")
    assert result.returncode == 0, result.stderr
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["abc", "ca"]
    piped = run("translate", "--checkpoint", checkpoint, "--beam", "3", stdin="ab\nbb\n")
    assert piped.returncode == 0 and len(piped.stdout.splitlines()) == 2


def test_unknown_tokens_become_unk_with_a_warning_naming_them(trained: Path) -> None:
    result = run("translate", "--checkpoint", str(trained / "run" / "last.safetensors"), "abz")
    assert result.returncode == 0
    assert "'z'" in result.stderr and "<unk>" in result.stderr


def test_evaluate_and_attention_heatmap(trained: Path) -> None:
    checkpoint = str(trained / "run" / "best.safetensors")
    result = run("evaluate", "--checkpoint", checkpoint, "--data", str(trained / "pairs.tsv"))
    assert result.returncode == 0, result.stderr
    assert "exact match" in result.stdout
    figure = trained / "heatmap.png"
    result = run("attention", "--checkpoint", checkpoint, "abc", "--out", str(figure))
    assert result.returncode == 0, result.stderr
    assert figure.stat().st_size > 1000


def test_a_line_without_a_tab_names_the_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "bad.tsv"
    data.write_text("ab\tba\nno tab here\nabc\tcba\n" * 4, encoding="utf-8")
    result = run("train", "--data", str(data), "--epochs", "1", "--out", str(tmp_path / "run"), "--no-progress")
    assert result.returncode == 2
    assert f"{data}, line 2" in result.stderr and "--skip-bad-lines" in result.stderr
    skipped = run("train", "--data", str(data), "--epochs", "1", "--hidden", "8", "--skip-bad-lines",
                  "--out", str(tmp_path / "run"), "--no-progress")
    assert skipped.returncode == 0, skipped.stderr
    assert "12 pairs read, 4 skipped (4 without source<TAB>target)" in skipped.stdout


@pytest.mark.parametrize(("content", "message"), [(b"", "holds no"), (b"ab\tba\n\xff\xfe\x00bad\tx\n", "not UTF-8")])
def test_empty_and_non_utf8_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    data = tmp_path / "data.tsv"
    data.write_bytes(content)
    result = run("train", "--data", str(data), "--out", str(tmp_path / "run"), "--no-progress")
    assert result.returncode == 2 and message in result.stderr and str(data) in result.stderr


def test_a_checkpoint_that_is_not_a_translation_model_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.safetensors"
    mg.save({"weights": mg.zeros(3)}, other)
    result = run("translate", "--checkpoint", str(other), "abc")
    assert result.returncode == 2 and str(other) in result.stderr
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not a checkpoint at all")
    result = run("translate", "--checkpoint", str(garbage), "abc")
    assert result.returncode == 2 and str(garbage) in result.stderr


def test_threads_must_be_a_positive_number(tmp_path: Path) -> None:
    result = run("train", "--threads", "0", "--out", str(tmp_path / "run"))
    assert result.returncode == 2 and "--threads: must be at least 1, not 0" in result.stderr
    assert not (tmp_path / "run").exists()


def test_cuda_without_a_gpu_says_so(tmp_path: Path) -> None:
    try:
        mg.get_device("cuda")
        pytest.skip("a GPU is present")
    except mg.DeviceError:
        pass
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    result = run("train", "--data", str(data), "--device", "cuda", "--out", str(tmp_path / "run"))
    assert result.returncode == 2 and "cuda" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere, so a read-only folder cannot be made")
def test_an_unwritable_out_folder_is_reported(tmp_path: Path) -> None:
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run("train", "--data", str(data), "--epochs", "1", "--out", str(locked / "run"), "--no-progress")
    assert result.returncode == 2 and str(locked) in result.stderr


def test_long_sentences_are_cut_in_the_examples_after_training() -> None:
    from models.cli import _shown  # noqa: PLC0415 - how train and evaluate print a sentence

    assert _shown("je suis étudiant") == "'je suis étudiant'"
    assert _shown("") == "∅"
    long = " ".join(["w7"] * 600)  # a user's 600-token line: one readable line, not 1,800 characters
    assert _shown(long) == repr(long[:100]) + "… (1,799 characters)"
