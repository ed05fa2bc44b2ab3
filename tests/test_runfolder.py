"""The run folder stays consistent: kills at random moments, Ctrl-C in an update, two trainings, symlinks."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from models.config import TrainConfig
from models.corpus import Corpus
from models.data import Vocab, split
from models.runfolder import BEST, LAST, METRICS, PLOT, RunFolder
from models.trainer import Trainer

posix_only = pytest.mark.skipif(os.name != "posix", reason="flock, kill -9, modes and symlinks are POSIX's")
PAIRS = [("ab", "ba"), ("abc", "cba"), ("bca", "acb"), ("cab", "bac"), ("aab", "baa"), ("bcc", "ccb"),
         ("ca", "ac"), ("abca", "acba"), ("cc", "cc"), ("bb", "bb"), ("acb", "bca"), ("ba", "ab")] * 3


def tiny_corpus(count: int = 120, seed: int = 0) -> Corpus:
    rng = random.Random(seed)
    pairs = {}
    while len(pairs) < count:
        word = "".join(rng.choice("abcd") for _ in range(rng.randint(2, 5)))
        pairs[word] = word[::-1]
    train, valid, test = split(list(pairs.items()), seed, 0.1, 0.1)
    return Corpus(train, valid, test, Vocab.build((s for s, _ in train)), Vocab.build((t for _, t in train)))


def tiny_config(out: Path, **changes: object) -> TrainConfig:
    base = {"task": None, "epochs": 2, "batch_size": 16, "hidden_size": 8, "embed_size": 4, "dropout": 0.2,
            "out": str(out), "seed": 7, "max_len": 8}
    return TrainConfig(**{**base, **changes})


def quiet(message: str) -> None:
    pass


def epochs_listed(out: Path) -> list[int]:
    return [json.loads(line)["epoch"] for line in (out / METRICS).read_text().splitlines()]


def weights(trainer: Trainer) -> dict[str, np.ndarray]:
    return {name: value.numpy() for name, value in trainer.model.state_dict().items()}


def assert_same_weights(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for name in a:
        assert (a[name] == b[name]).all(), f"{name} differs"


# --- Ctrl-C --------------------------------------------------------------------------------------


def test_a_second_ctrl_c_inside_the_update_waits_for_it_and_the_saved_state_resumes_exactly(tmp_path):
    corpus = tiny_corpus()
    straight = Trainer(tiny_config(tmp_path / "straight"), corpus, progress_bar=False)
    straight.fit(log=quiet)

    stopped = Trainer(tiny_config(tmp_path / "stopped"), corpus, progress_bar=False)
    original_step, steps = stopped.optimizer.step, {"count": 0}

    def step_with_two_ctrl_cs() -> None:
        steps["count"] += 1
        if steps["count"] == 4:  # both arrive inside the 4th update, before it touches the parameters
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)
        original_step()

    stopped.optimizer.step = step_with_two_ctrl_cs
    messages: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        stopped.fit(log=messages.append)
    assert "batch 4" in messages[-1], messages  # the 4th update was finished, not cut in two

    resumed = Trainer(tiny_config(tmp_path / "stopped"), corpus, progress_bar=False)
    resumed.resume()
    assert (resumed.epoch, resumed.batch_index) == (0, 4)
    resumed.fit(log=quiet)
    assert_same_weights(weights(resumed), weights(straight))
    assert resumed.history[0]["train_loss"] == straight.history[0]["train_loss"]


def test_the_train_loss_of_an_interrupted_epoch_is_the_mean_over_all_its_batches(tmp_path):
    corpus = tiny_corpus()
    straight = Trainer(tiny_config(tmp_path / "straight", epochs=1), corpus, progress_bar=False)
    straight.fit(log=quiet)

    stopped = Trainer(tiny_config(tmp_path / "stopped", epochs=1), corpus, progress_bar=False)
    original_step = stopped.optimizer.step
    total = -(-len(corpus.train) // 16)

    def ctrl_c_in_the_last_batch() -> None:
        original_step()
        if stopped.batch_index == total - 1:  # the update of the last batch is running
            signal.raise_signal(signal.SIGINT)

    stopped.optimizer.step = ctrl_c_in_the_last_batch
    with pytest.raises(KeyboardInterrupt):
        stopped.fit(log=quiet)
    resumed = Trainer(tiny_config(tmp_path / "stopped", epochs=1), corpus, progress_bar=False)
    resumed.resume()
    assert resumed.batch_index == total
    resumed.fit(log=quiet)
    assert resumed.history[0]["train_loss"] == straight.history[0]["train_loss"] > 0


def test_a_ctrl_c_before_the_first_epoch_ends_still_leaves_best_beside_last(tmp_path):
    corpus = tiny_corpus()
    trainer = Trainer(tiny_config(tmp_path), corpus, progress_bar=False)
    original_step = trainer.optimizer.step

    def ctrl_c_at_once() -> None:
        original_step()
        signal.raise_signal(signal.SIGINT)

    trainer.optimizer.step = ctrl_c_at_once
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(log=quiet)
    assert (tmp_path / LAST).exists() and (tmp_path / BEST).exists()


# --- resume ----------------------------------------------------------------------------------------


def test_resume_rebuilds_metrics_from_the_checkpoint_so_no_epoch_appears_twice(tmp_path):
    corpus = tiny_corpus()
    Trainer(tiny_config(tmp_path, epochs=1), corpus, progress_bar=False).fit(log=quiet)
    with open(tmp_path / METRICS, "a") as stream:  # a crash after the metrics line, before last was written
        stream.write(json.dumps({"epoch": 2, "train_loss": 9.0}) + "\n")
    resumed = Trainer(tiny_config(tmp_path, epochs=3), corpus, progress_bar=False)
    resumed.open_run(resume=True)
    assert epochs_listed(tmp_path) == [1]
    resumed.fit(log=quiet)
    assert epochs_listed(tmp_path) == [1, 2, 3]


def test_resume_with_a_new_lr_uses_it_and_records_it(tmp_path):
    corpus = tiny_corpus()
    Trainer(tiny_config(tmp_path, epochs=1), corpus, progress_bar=False).fit(log=quiet)
    resumed = Trainer(tiny_config(tmp_path, epochs=2, lr=0.05), corpus, progress_bar=False)
    resumed.open_run(resume=True)
    assert resumed.optimizer.param_groups[0]["lr"] == 0.05
    resumed.fit(log=quiet)
    assert [record["lr"] for record in resumed.history] == [1e-3, 0.05]
    assert mg.load_config(tmp_path / LAST)["train"]["lr"] == 0.05


def test_resume_refuses_other_options_naming_them(tmp_path):
    corpus = tiny_corpus()
    Trainer(tiny_config(tmp_path, epochs=1), corpus, progress_bar=False).fit(log=quiet)
    other = Trainer(tiny_config(tmp_path, epochs=2, dropout=0.5, batch_size=8), corpus, progress_bar=False)
    with pytest.raises(ValueError, match=r"other options: dropout 0.2 → 0.5; batch_size 16 → 8; resume with"):
        other.open_run(resume=True)


# --- the folder ------------------------------------------------------------------------------------


@posix_only
def test_a_second_training_into_the_same_folder_is_refused_naming_the_holder(tmp_path):
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    held = RunFolder(tmp_path / "run").acquire()
    try:
        result = subprocess.run([sys.executable, "-m", "models", "train", "--data", str(data), "--epochs", "1",
                                 "--hidden", "8", "--out", str(tmp_path / "run"), "--no-progress"],
                                capture_output=True, text=True, timeout=300)
    finally:
        held.release()
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: run folder {tmp_path / 'run'} is in use by another training "
                                     f"(process {os.getpid()}); wait for it to finish or stop it, or choose "
                                     "another --out")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [".lock"]


@posix_only
def test_files_are_made_in_the_folder_never_through_a_symlink_and_with_the_umask(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    for name in (METRICS, PLOT, LAST):
        (outside / name).write_text("not yours")
        os.chmod(outside / name, 0o4755)
        (run / name).symlink_to(outside / name)
    old = os.umask(0o077)
    try:
        Trainer(tiny_config(run, epochs=1), tiny_corpus(), progress_bar=False).fit(log=quiet)
    finally:
        os.umask(old)
    for name in (METRICS, PLOT, LAST):
        assert (outside / name).read_text() == "not yours"
        assert not (run / name).is_symlink()
        assert os.stat(run / name).st_mode & 0o7777 == 0o600, name


@posix_only
def test_a_loop_of_kills_at_random_moments_always_resumes_and_never_repeats_an_epoch(tmp_path):
    """kill -9 a small training at random moments; after each, the folder resumes and stays consistent.

    The end state is bitwise the one of a run that was never killed.
    """
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS * 4), encoding="utf-8")

    def command(out: Path, resume: bool) -> list[str]:
        return [sys.executable, "-m", "models", "train", "--data", str(data), "--epochs", "6", "--hidden", "8",
                "--embed", "4", "--batch-size", "4", "--dropout", "0.1", "--out", str(out), "--no-progress",
                "--threads", "1", "--examples", "0"] + (["--resume"] if resume else [])

    started = time.perf_counter()
    straight = subprocess.run(command(tmp_path / "straight", False), capture_output=True, text=True, timeout=600)
    assert straight.returncode == 0, straight.stderr
    took = time.perf_counter() - started  # the whole run, start-up included, on this machine now
    rng, out, kills, finished = random.Random(11), tmp_path / "killed", 0, False
    for _attempt in range(30):
        remaining = 6 - (len(epochs_listed(out)) if (out / METRICS).exists() else 0)
        process = subprocess.Popen(command(out, (out / LAST).exists()), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        # a random moment before this run would end (it needs at least remaining/6 of the straight
        # run's time), so that the kills happen on a fast machine as on a slow one
        delay = rng.uniform(0.1, 0.8) * took * max(remaining, 1) / 6 if kills < 5 else None
        try:
            process.wait(timeout=delay if delay is not None else 600)
        except subprocess.TimeoutExpired:
            process.kill()  # SIGKILL: no handler, no cleanup
            process.wait()
            kills += 1
        stderr = process.stderr.read()
        process.stderr.close()
        if (out / LAST).exists():
            assert (out / BEST).exists(), "best exists whenever last does"
            listed = epochs_listed(out) if (out / METRICS).exists() else []
            assert listed == list(range(1, len(listed) + 1)), listed
        if process.returncode == 0:
            finished = True
            break
        assert process.returncode == -signal.SIGKILL, stderr
    assert finished and kills >= 3, (finished, kills)
    assert epochs_listed(out) == [1, 2, 3, 4, 5, 6]
    assert not list(out.glob(".*.partial"))
    from safetensors.numpy import load_file

    for name in (LAST, BEST):
        mine, theirs = load_file(str(out / name)), load_file(str(tmp_path / "straight" / name))
        assert mine.keys() == theirs.keys()
        for key in mine:
            assert (mine[key] == theirs[key]).all(), f"{name}: {key} differs from the run that was never killed"


@posix_only
def test_the_lock_is_exclusive_until_released(tmp_path):
    from models.runfolder import RunFolderBusyError

    first = RunFolder(tmp_path).acquire()
    with pytest.raises(RunFolderBusyError, match=f"in use by another training \\(process {os.getpid()}\\)"):
        RunFolder(tmp_path).acquire()
    first.release()
    RunFolder(tmp_path).acquire().release()  # free again
