"""Every option of minigrad-translate is checked before anything runs: exit 2, one line, nothing on disk."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from models.cli import _parser, main
from tests.test_cli import PAIRS, run

BAD_TRAIN_OPTIONS = [
    ("--batch-size", "0", "must be at least 1, not 0"), ("--batch-size", "-1", "must be at least 1, not -1"),
    ("--batch-size", "abc", "expected a whole number, not 'abc'"), ("--hidden", "0", "must be at least 1"),
    ("--embed", "0", "must be at least 1"), ("--layers", "0", "must be at least 1"),
    ("--epochs", "0", "must be at least 1, not 0"), ("--lr", "nan", "must be a finite number, not nan"),
    ("--lr", "inf", "must be a finite number"), ("--lr", "0", "must be greater than 0"),
    ("--lr", "-0.001", "must be greater than 0"), ("--dropout", "1", "must be at least 0 and below 1"),
    ("--dropout", "-0.1", "must be at least 0 and below 1"), ("--clip", "0", "or 'off' for no clipping"),
    ("--clip", "-5", "must be greater than 0"), ("--size", "0", "must be at least 1"),
    ("--threads", "0", "must be at least 1, not 0"), ("--max-len", "0", "must be at least 1"),
    ("--label-smoothing", "1", "must be at least 0 and below 1"), ("--warmup", "-1", "must be at least 0"),
    ("--patience", "0", "must be at least 1"), ("--examples", "-1", "must be at least 0"),
]


def main_in_process(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """``minigrad-translate ARGS`` in this process (a subprocess per bad option would cost a second
    each): its exit status, stdout and stderr."""
    try:
        status = main(list(args))
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(("option", "value", "message"), BAD_TRAIN_OPTIONS)
def test_a_bad_number_is_one_error_line_before_anything_is_read_or_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture, option: str,
                                                                         value: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "not-there.tsv"  # had the data been read first, this would be the error
    status, out, err = main_in_process(capsys, "train", "--data", str(missing), option, value,
                                       "--out", str(tmp_path / "run"))
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: argument {option}: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_a_bad_number_in_a_real_process_is_exit_2_and_one_line(tmp_path: Path) -> None:
    result = run("train", "--data", str(tmp_path / "none.tsv"), "--hidden", "0", "--out", str(tmp_path / "run"))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("error: argument --hidden: must be at least 1, not 0 "
                             "(see minigrad-translate train --help)\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["translate", "evaluate", "attention"])
@pytest.mark.parametrize(("option", "value"), [("--beam", "0"), ("--length-penalty", "-1"),
                                               ("--length-penalty", "nan")])
def test_decoding_options_are_checked_before_the_checkpoint_is_read(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                                    command: str, option: str, value: str) -> None:
    extra = ["some text"] if command == "attention" else []
    status, _, err = main_in_process(capsys, command, "--checkpoint", str(tmp_path / "none.npz"), option, value,
                                     *extra)
    assert status == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"error: argument {option}:")


def test_clip_off_turns_clipping_off() -> None:
    args = _parser().parse_args(["train", "--clip", "off"])
    assert args.clip is None
    assert _parser().parse_args(["train"]).clip == 5.0


def test_help_shows_every_default() -> None:
    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in subparsers.choices.items():
        help_text = " ".join(command.format_help().split())
        for action in command._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS or "-h" in action.option_strings:
                continue
            if action.required:
                continue
            shown = " ".join(action.help.split())
            assert shown in help_text, (name, action.dest)
            after = help_text.split(shown, 1)[1][:80]
            assert "default:" in shown or after.lstrip().startswith("(default:"), (name, action.option_strings)


def data_file(tmp_path: Path) -> Path:
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    return data


def test_an_out_that_is_a_file_or_under_a_file_is_refused_before_reading(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    missing = tmp_path / "not-there.tsv"
    result = run("train", "--data", str(missing), "--out", str(blocker))
    assert result.returncode == 2
    assert result.stderr == f"error: cannot use --out {blocker}: it is a file, not a folder\n"
    result = run("train", "--data", str(missing), "--out", str(blocker / "run"))
    assert result.returncode == 2
    assert result.stderr == (f"error: cannot create the run folder {blocker / 'run'}: {blocker} is a file, "
                             "not a folder\n")


def test_resume_without_a_run_and_a_used_out_are_refused_before_reading(tmp_path: Path) -> None:
    missing = tmp_path / "not-there.tsv"
    result = run("train", "--data", str(missing), "--out", str(tmp_path / "run"), "--resume")
    assert result.returncode == 2 and "holds no run to go on from" in result.stderr
    assert not (tmp_path / "run").exists()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "last.safetensors").write_bytes(b"")
    result = run("train", "--data", str(missing), "--out", str(tmp_path / "used"))
    assert result.returncode == 2 and "already holds a run" in result.stderr and "--overwrite" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere, so a read-only folder cannot be made")
def test_an_out_in_a_read_only_folder_is_refused_before_reading(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = run("train", "--data", str(tmp_path / "not-there.tsv"), "--out", str(locked / "run"))
    assert result.returncode == 2 and result.stderr.startswith(f"error: cannot create {locked / 'run'} in {locked}")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("options")
    result = run("train", "--data", str(data_file(folder)), "--epochs", "1", "--hidden", "8", "--embed", "4",
                 "--batch-size", "8", "--out", str(folder / "run"), "--no-progress", "--threads", "1",
                 "--label-smoothing", "0.1", "--warmup", "3", "--clip", "off", "--patience", "1")
    assert result.returncode == 0, result.stderr
    assert "source: characters (" in result.stdout and "target: characters (" in result.stdout
    assert "threads: 1 (--threads)" in result.stdout and "chrF" in result.stdout
    return folder / "run" / "best.safetensors"


def test_attention_refuses_a_format_it_cannot_write_and_names_the_path_it_wrote(tmp_path: Path,
                                                                               checkpoint: Path) -> None:
    result = run("attention", "--checkpoint", str(checkpoint), "abc", "--out", str(tmp_path / "x.txt"))
    assert result.returncode == 2 and ".txt is not an image format" in result.stderr and ".png" in result.stderr
    result = run("attention", "--checkpoint", str(checkpoint), "a$b$c", "--out", "fig.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"heatmap written to {(tmp_path / 'fig.png').resolve()}" in result.stdout
    assert (tmp_path / "fig.png").stat().st_size > 1000


def test_translate_and_evaluate_with_beam_and_length_penalty(checkpoint: Path, tmp_path: Path) -> None:
    result = run("translate", "--checkpoint", str(checkpoint), "--beam", "3", "--length-penalty", "0.5", "abc")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("abc\t")
    data = data_file(tmp_path)
    result = run("evaluate", "--checkpoint", str(checkpoint), "--data", str(data), "--beam", "2")
    assert result.returncode == 0, result.stderr
    assert "chrF" in result.stdout


def test_levels_given_per_side_are_stored_and_used_by_translate_and_attention(tmp_path: Path) -> None:
    from models.checkpoint import load_checkpoint  # noqa: PLC0415

    data = tmp_path / "numbers.tsv"
    data.write_text("".join(f"{a} {b}\t{b}{a}\n" for a in range(12) for b in range(12)), encoding="utf-8")
    result = run("train", "--data", str(data), "--source-level", "word", "--target-level", "char", "--epochs", "1",
                 "--hidden", "8", "--embed", "4", "--out", str(tmp_path / "run"), "--no-progress", "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert "source: words (--source-level word)" in result.stdout
    assert "target: characters (--target-level char)" in result.stdout
    checkpoint = tmp_path / "run" / "best.safetensors"
    loaded = load_checkpoint(checkpoint)
    assert (loaded.config.source_level, loaded.config.target_level) == ("word", "char")
    assert (loaded.source_vocab.level, loaded.target_vocab.level) == ("word", "char")
    result = run("translate", "--checkpoint", str(checkpoint), "3 99")
    assert result.returncode == 0 and "'99' not in the source vocabulary" in result.stderr  # a word, not '9'
    result = run("attention", "--checkpoint", str(checkpoint), "3 4", "--out", str(tmp_path / "a.svg"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("3 4\t") and (tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")


def test_a_built_in_task_takes_its_own_defaults_where_no_option_is_given(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture) -> None:
    """numbers and phrases have defaults measured for them (the dates' gave 0.40% and 0%); given options win."""
    from models.checkpoint import load_checkpoint  # noqa: PLC0415

    def trained(*options: str) -> tuple[str, object]:
        out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        code, printed, _ = main_in_process(capsys, "train", *options, "--epochs", "1", "--size", "200",
                                           "--no-progress", "--examples", "0", "--out", str(out))
        assert code == 0, printed
        return printed, load_checkpoint(out / "best.safetensors").config

    printed, config = trained("--task", "numbers")
    assert ("options not given, the numbers task's defaults (docs/cli.md): --hidden 128 --embed 32 --batch-size 64 "
            "--bidirectional --score general --lr 0.003") in printed
    assert (config.hidden_size, config.embed_size, config.batch_size, config.bidirectional, config.score,
            config.lr) == (128, 32, 64, True, "general", 0.003)
    printed, config = trained("--task", "phrases", "--hidden", "16", "--no-bidirectional", "--decoder", "bahdanau")
    assert "--hidden" not in printed.split("defaults (docs/cli.md):")[1].splitlines()[0]  # given: not a default
    assert (config.hidden_size, config.bidirectional, config.score, config.batch_size) == (16, False, None, 32)
    printed, config = trained("--task", "dates_en")  # the dates keep TrainConfig's defaults, and say nothing
    assert "options not given" not in printed and (config.hidden_size, config.batch_size) == (256, 128)
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{source}\t{target}\n" for source, target in PAIRS), encoding="utf-8")
    printed, config = trained("--data", str(data))  # a file of patterns: the LSTM's sizes, and a stopping rule
    assert ("the target side reads as patterns (12 word types, where real sentences have 1,000 or more), each output "
            "right or wrong; options not given, patterns' defaults (docs/cli.md): --batch-size 32 --lr 0.003 "
            "--patience 5 --max-minutes 20; 34 training pairs are few (under 10,000): smaller batches at a higher "
            "rate give each epoch more steps" in printed)
    assert ("training stops after 1 epoch at most, once 5 epochs in a row have not beaten the best held-out exact "
            "match (then chrF), once every validation pair is right or before an epoch that would end past 20 "
            "minutes of training; best.safetensors is the epoch with the best held-out exact match (then chrF)"
            in printed)
    assert config.bidirectional is False and (config.epochs, config.patience, config.max_minutes) == (1, 5, 20.0)
    assert (config.hidden_size, config.batch_size, config.lr) == (256, 32, 0.003)
    printed, config = trained("--data", str(data), "--model", "transformer")
    assert "options not given, the Transformer's and patterns' defaults (docs/cli.md): --hidden 64" in printed
    assert (config.warmup, config.patience) == (300, 5)


def test_defaults_of_a_users_file() -> None:
    from models.config import PATTERN_STOPPING, SENTENCE_DEFAULTS, run_defaults  # noqa: PLC0415

    assert run_defaults({}, None, user_data=True, train_pairs=10_000) == (PATTERN_STOPPING, "patterns'")
    assert PATTERN_STOPPING == {"epochs": 100, "patience": 5, "max_minutes": 20.0}
    small = run_defaults({}, None, user_data=True, train_pairs=1_800)[0]  # a small file: more steps an epoch
    assert small == {"batch_size": 32, "lr": 0.003, **PATTERN_STOPPING}
    assert run_defaults({"epochs": 3, "patience": 2, "lr": 0.01}, None, user_data=True,
                        train_pairs=1_800)[0] == {"batch_size": 32, "max_minutes": 20.0}
    assert run_defaults({}, "dates") == ({}, "")  # a built-in task of patterns keeps its fixed epochs
    applied, whose = run_defaults({}, None, sentences=True, user_data=True)
    assert applied == SENTENCE_DEFAULTS["transformer"] and whose == "real sentences'"
    assert (applied["epochs"], applied["patience"], applied["max_minutes"]) == (100, 8, 20.0)


def test_a_perfect_validation_score_ends_a_run_of_patterns_with_patience() -> None:
    from types import SimpleNamespace  # noqa: PLC0415

    from models.trainer import Trainer  # noqa: PLC0415

    said: list[str] = []
    record = lambda exact, chrf: {"valid_exact_match": exact, "valid_chrf": chrf}  # noqa: E731
    trainer = SimpleNamespace(config=SimpleNamespace(patience=5), corpus=SimpleNamespace(sentences=False),
                              history=[record(0.5, 80.0), record(1.0, 100.0)])
    assert Trainer._out_of_patience(trainer, said.append)  # no later epoch could beat it
    assert said == ["every validation pair is right (exact match 100%): no later epoch could be kept as better; "
                    "stopping early (--patience 5)"]
    trainer.history = [record(0.5, 80.0), record(0.9, 99.0)]
    assert not Trainer._out_of_patience(trainer, said.append)
    trainer.config.patience = None  # no stopping rule: every epoch is trained
    trainer.history = [record(1.0, 100.0)]
    assert not Trainer._out_of_patience(trainer, said.append)
    trainer.corpus.sentences, trainer.config.patience = True, 5  # sentences: chrF, which is never perfect
    assert not Trainer._out_of_patience(trainer, said.append)


def test_transformer_options_alone_suit_a_file_of_sentences_not_one_of_patterns(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from models.checkpoint import load_checkpoint  # noqa: PLC0415
    from models.data import corpus_pairs  # noqa: PLC0415

    patterns = tmp_path / "pairs.tsv"
    patterns.write_text("".join(f"{source}\t{target}\n" for source, target in PAIRS), encoding="utf-8")
    status, out, err = main_in_process(capsys, "train", "--data", str(patterns), "--ff", "64",
                                       "--out", str(tmp_path / "run"))
    assert status == 2 and "--ff is an option of the Transformer; add --model transformer" in err
    sentences = tmp_path / "eng-kor.tsv"
    sentences.write_text("".join(f"{s}\t{t}\n" for s, t in corpus_pairs("tatoeba-eng-kor.tsv")[::6]),
                         encoding="utf-8")
    status, out, err = main_in_process(capsys, "train", "--data", str(sentences), "--ff", "32", "--heads", "2",
                                       "--hidden", "16", "--epochs", "1", "--no-progress", "--examples", "0",
                                       "--out", str(tmp_path / "sentences"))
    assert status == 0, err
    config = load_checkpoint(tmp_path / "sentences" / "best.safetensors").config
    assert (config.model, config.ff_size, config.heads, config.hidden_size) == ("transformer", 32, 2, 16)


@pytest.mark.parametrize(("options", "message"), [
    (["--model", "transformer", "--decoder", "plain"],
     "--decoder is an option of the LSTM model, not of the Transformer (--model transformer)"),
    (["--model", "transformer", "--no-bidirectional"], "--no-bidirectional is an option of the LSTM model"),
    (["--model", "transformer", "--embed", "8"], "its embeddings are --hidden wide"),
    (["--model", "transformer", "--lstm", "composed"], "--lstm is an option of the LSTM model"),
    (["--heads", "2"], "--heads is an option of the Transformer; add --model transformer"),
    (["--ff", "64"], "--ff is an option of the Transformer"),
    (["--decoder", "bahdanau", "--input-feeding"], "--input-feeding is an option of the Luong decoder, not of "
                                                   "--decoder bahdanau"),
    (["--decoder", "plain", "--join", "add"], "--join is an option of the Luong decoder, not of --decoder plain"),
    (["--decoder", "plain", "--score", "dot"], "--score is an option of the attention decoders"),
])
def test_an_option_the_model_does_not_have_is_refused_not_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture, options: list[str],
                                                                 message: str) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = main_in_process(capsys, "train", "--task", "phrases", *options, "--out", str(tmp_path / "run"))
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and message in err, err
    assert list(tmp_path.iterdir()) == []  # nothing read, nothing made


def test_the_options_each_model_and_decoder_has_still_train() -> None:
    from models.cli import check_combination  # noqa: PLC0415

    for given in ({"model": "transformer", "heads": 2, "ff_size": 32, "reverse_source": True},
                  {"decoder": "bahdanau", "score": "dot", "bidirectional": True},
                  {"decoder": "luong", "input_feeding": True, "join": "add", "lstm": "composed", "embed_size": 8},
                  {"decoder": "plain", "bidirectional": False}):
        check_combination(given)  # no error
