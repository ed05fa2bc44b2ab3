"""minigrad-translate and its checkpoints: one `error:` line and exit 2 for every bad file; convert; evaluate's data."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minigrad import serialization

PAIRS = [("ab", "ba"), ("abc", "cba"), ("bca", "acb"), ("cab", "bac"), ("aab", "baa"), ("bcc", "ccb"),
         ("ca", "ac"), ("abca", "acba"), ("cc", "cc"), ("bb", "bb"), ("acb", "bca"), ("ba", "ab")] * 3
TRAIN = ("--epochs", "1", "--hidden", "8", "--embed", "4", "--batch-size", "8", "--no-progress", "--threads", "1")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "models", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env=env)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("checkpoints")
    data = folder / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    result = run("train", "--data", str(data), *TRAIN, "--out", str(folder / "run"))
    assert result.returncode == 0, result.stderr
    return folder


def craft(source: Path, target: Path, edit) -> Path:  # noqa: ANN001
    """``source`` written again to ``target`` with its metadata edited and its SHA-256 made right."""
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(str(source), framework="np") as file:
        tensors = {name: file.get_tensor(name) for name in file.keys()}  # noqa: SIM118
        meta = json.loads(file.metadata()["minigrad"])
    edit(meta)
    meta["sha256"] = serialization.checksum(meta, tensors)
    save_file(tensors, str(target), metadata={"minigrad": json.dumps(meta)})
    return target


def test_evaluate_rereads_the_training_file_only_while_its_sha256_matches(trained: Path, tmp_path: Path) -> None:
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    result = run("train", "--data", str(data), *TRAIN, "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    checkpoint = str(tmp_path / "run" / "best.safetensors")
    assert run("evaluate", "--checkpoint", checkpoint).returncode == 0
    with open(data, "a", encoding="utf-8") as stream:
        stream.write("abc\tcba\n")
    line = one_error_line(run("evaluate", "--checkpoint", checkpoint))
    assert f"{data} is not the file checkpoint {checkpoint} was trained on" in line and "--data" in line
    assert run("evaluate", "--checkpoint", checkpoint, "--data", str(data)).returncode == 0


def test_a_checkpoint_naming_another_file_never_makes_evaluate_read_it(trained: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the first line of a file nobody should see\tleaked\n" * 30)
    best = trained / "run" / "best.safetensors"
    for name, edit in {
        "no_hash": lambda meta: (meta["config"]["train"].update(data=str(secret)), meta["config"].pop("data_sha256")),
        "wrong_hash": lambda meta: meta["config"]["train"].update(data=str(secret)),
        "a_fifo_hash": lambda meta: meta["config"]["train"].update(data="/dev/zero"),
    }.items():
        crafted = craft(best, tmp_path / f"{name}.safetensors", edit)
        result = run("evaluate", "--checkpoint", str(crafted))
        line = one_error_line(result)
        assert "the first line" not in result.stdout + result.stderr and "--data" in line, line


def test_a_hostile_checkpoint_is_one_error_line_and_exit_2_in_every_command(trained: Path, tmp_path: Path) -> None:
    best = trained / "run" / "best.safetensors"
    def hidden(size: int):  # noqa: ANN202
        return lambda meta: [meta["config"][part].update(hidden_size=size) for part in ("train", "model")]

    huge = craft(best, tmp_path / "huge.safetensors", hidden(30000))
    big = craft(best, tmp_path / "big.safetensors", hidden(2000))
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(best.read_bytes()[:-10])
    for path, problem in ((huge, "hidden_size=30000, outside 1..4,096"),
                          (big, "encoder.lstm.weight_ih_l0 should be of shape (8000, 4)"),
                          (truncated, "is truncated"), (tmp_path, "is a folder")):
        for command in (("translate", "--checkpoint", str(path), "abc"),
                        ("evaluate", "--checkpoint", str(path)),
                        ("attention", "--checkpoint", str(path), "abc", "--out", str(tmp_path / "a.png"))):
            line = one_error_line(run(*command))
            assert f"checkpoint {path} " in line and problem in line, line


def test_resume_with_other_options_is_refused_naming_them(trained: Path, tmp_path: Path) -> None:
    data = trained / "pairs.tsv"
    out = tmp_path / "run"
    assert run("train", "--data", str(data), *TRAIN, "--out", str(out)).returncode == 0
    line = one_error_line(run("train", "--data", str(data), *TRAIN, "--resume", "--out", str(out), "--epochs", "2",
                              "--dropout", "0.3"))
    assert "other options: dropout 0.0 → 0.3" in line
    assert "--epochs, --lr, --device, --lstm, --max-minutes, --patience may change" in line
    again = run("train", "--data", str(data), *TRAIN, "--out", str(out))
    assert "already holds a run" in one_error_line(again)
    fresh = run("train", "--data", str(data), *TRAIN, "--out", str(out), "--overwrite")
    assert fresh.returncode == 0, fresh.stderr
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 1


def old_checkpoint(path: Path) -> None:
    weight = np.arange(6, dtype=np.float32).reshape(2, 3)
    digest = hashlib.sha256()
    digest.update(f"array_0:{weight.dtype.str}:{weight.shape};".encode())
    digest.update(weight.reshape(-1).view(np.uint8))
    header = {"format": "minigrad.checkpoint", "version": 1, "config": None, "state": {"w": {"__tensor__": "array_0"}},
              "arrays": {"array_0": {"path": "state/w", "dtype": "<f4", "shape": [2, 3], "device": "cpu"}},
              "sha256": digest.hexdigest()}
    with open(path, "wb") as file:
        np.savez(file, array_0=weight, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))


def test_convert_rewrites_an_old_npz_and_a_old_run_folder_says_how(tmp_path: Path) -> None:
    old = tmp_path / "run" / "last.npz"
    old.parent.mkdir()
    old_checkpoint(old)
    line = one_error_line(run("translate", "--checkpoint", str(old), "abc"))
    assert f"minigrad-translate convert {old}" in line
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")
    line = one_error_line(run("train", "--data", str(data), *TRAIN, "--out", str(old.parent)))
    assert "old .npz format" in line and f"minigrad-translate convert {old}" in line
    done = run("convert", str(old))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"converted {old} → {old.with_suffix('.safetensors')}"
    assert "exists" in one_error_line(run("convert", str(old)))
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 and then nothing")
    assert str(garbage) in one_error_line(run("convert", str(garbage), str(tmp_path / "out.safetensors")))
    assert not (tmp_path / "out.safetensors").exists()
