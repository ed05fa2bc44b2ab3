"""Checkpoints (minigrad.save / minigrad.load), as a specification.

What a checkpoint promises: the nested state comes back as it went in; a save that fails
halfway leaves the previous checkpoint loadable; a checkpoint saved on any device loads on
the CPU; and a file that is missing, truncated, corrupted, a pickle, or some other archive
raises CheckpointError naming the file, without ever running code from it.
"""

from __future__ import annotations

import json
import os
import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim, serialization
from minigrad.io.serialization import CheckpointError


def _has_cuda() -> bool:
    try:
        mg.get_device("cuda")
    except mg.DeviceError:
        return False
    return True


def nested_state(device: str) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    return {
        "model": {
            "encoder.weight": mg.tensor(rng.standard_normal((3, 4)).astype(np.float32), device=device),
            "encoder.bias": mg.tensor(rng.standard_normal(4), dtype=mg.float64, device=device),
            "scale": mg.tensor(2.5, device=device),  # 0-d
            "empty": mg.zeros(0, 3, device=device),
        },
        "token_ids": mg.get_device(device).asarray(np.array([[1, 2], [3, 4]], dtype=np.int64)),  # a bare array
        "mask": mg.tensor([True, False], device=device),
        "optimizer": {"state": {0: {"step": 3}, 1: {"step": 3}}, "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999),
                                                                                   "params": [0, 1]}]},
        "epoch": 3,
        "best_loss": 0.125,
        "nan": float("nan"),
        "name": "run-ü",
        "vocab": ["<pad>", "<s>", "</s>", "hello"],
        "nothing": None,
        "finished": False,
        "looks_like_a_reference": {"__tensor__": "array_0"},  # a user's dict that happens to use our tag
        "numpy_scalar": np.float32(0.5),
    }


def assert_same_state(loaded: Any, original: Any, device: str) -> None:
    if isinstance(original, mg.Tensor):
        assert isinstance(loaded, mg.Tensor) and not loaded.requires_grad
        assert loaded.device == device and loaded.dtype == original.dtype and loaded.shape == original.shape
        np.testing.assert_array_equal(loaded.numpy(), original.numpy())
    elif type(original).__name__ in ("ndarray", "StrictArray") or hasattr(original, "__cuda_array_interface__"):
        assert mg.Tensor(loaded).device == device and loaded.dtype == original.dtype
        np.testing.assert_array_equal(mg.Tensor(loaded).numpy(), mg.Tensor(original).numpy())
    elif isinstance(original, dict):
        assert type(loaded) is dict and list(loaded) == list(original)
        for key in original:
            assert_same_state(loaded[key], original[key], device)
    elif isinstance(original, (list, tuple)):
        assert type(loaded) is type(original) and len(loaded) == len(original)
        for mine, theirs in zip(loaded, original):
            assert_same_state(mine, theirs, device)
    elif isinstance(original, float) and np.isnan(original):
        assert np.isnan(loaded)
    else:
        assert loaded == original and type(loaded) is type(original.item() if hasattr(original, "item") else original)


def raw(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The tensors and the minigrad metadata of a checkpoint, read with safetensors alone."""
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as file:
        tensors = {name: file.get_tensor(name) for name in file.keys()}  # noqa: SIM118
        meta = json.loads(file.metadata()["minigrad"])
    return tensors, meta


def rewrite(path: Path, edit_meta: Any = None, edit_tensors: Any = None, fix_checksum: bool = False) -> None:
    """Write ``path`` again as a valid safetensors file with its metadata and/or tensors changed."""
    from safetensors.numpy import save_file

    tensors, meta = raw(path)
    if edit_meta:
        edit_meta(meta)
    if edit_tensors:
        edit_tensors(tensors)
    if fix_checksum:
        meta["sha256"] = serialization.checksum(meta, tensors)
    save_file(tensors, str(path), metadata={"minigrad": json.dumps(meta)})


# --- round trips -------------------------------------------------------------------------------


def test_nested_state_round_trips(tmp_path, device):
    state = nested_state(device)
    path = tmp_path / "run.safetensors"
    mg.save(state, path)
    assert_same_state(mg.load(path, map_location=device), state, device)


def test_load_puts_everything_on_the_cpu_by_default(tmp_path, device):
    state = nested_state(device)
    mg.save(state, tmp_path / "run.npz")
    loaded = mg.load(tmp_path / "run.npz")
    assert_same_state(loaded, state, "cpu")


def test_map_location_none_puts_arrays_back_where_they_were_saved(tmp_path):
    state = {"on_strict": mg.ones(2, device="strict"), "on_cpu": mg.ones(2, device="cpu")}
    mg.save(state, tmp_path / "mixed.npz")
    loaded = mg.load(tmp_path / "mixed.npz", map_location=None)
    assert loaded["on_strict"].device == "strict" and loaded["on_cpu"].device == "cpu"


@pytest.mark.skipif(_has_cuda(), reason="this machine has a GPU")
def test_a_checkpoint_saved_on_cuda_loads_on_a_cpu_only_machine(tmp_path):
    path = tmp_path / "from_gpu.safetensors"
    mg.save({"weight": mg.ones(2, 3)}, path)
    rewrite(path, edit_meta=lambda meta: meta["devices"].update(weight="cuda:0"), fix_checksum=True)
    assert mg.load(path)["weight"].device == "cpu"
    with pytest.raises(mg.DeviceError, match=r"saved on 'cuda:0'.*map_location='cpu'"):
        mg.load(path, map_location=None)


def test_saving_copies_to_the_host_and_leaves_the_tensor_on_its_device(tmp_path, device):
    weight = mg.ones(2, 2, device=device, requires_grad=True)
    mg.save({"weight": weight}, tmp_path / "w.npz")
    assert weight.device == device and weight.requires_grad
    weight.data += 1  # later changes do not reach the saved copy
    np.testing.assert_array_equal(mg.load(tmp_path / "w.npz")["weight"].numpy(), np.ones((2, 2)))


def test_config_is_saved_in_the_header_and_readable_alone(tmp_path):
    config = {"hidden": 256, "layers": [2, 2], "attention": "additive"}
    mg.save({"weight": mg.ones(2)}, tmp_path / "run.npz", config=config)
    assert mg.load_config(tmp_path / "run.npz") == config
    mg.save({"weight": mg.ones(2)}, tmp_path / "plain.npz")
    assert mg.load_config(tmp_path / "plain.npz") is None
    with pytest.raises(TypeError, match="config must be plain JSON"):
        mg.save({}, tmp_path / "bad.npz", config={"activation": mg.tanh})


def test_the_file_is_plain_safetensors_with_state_dict_names_and_json_metadata(tmp_path):
    from safetensors.numpy import load_file

    path = tmp_path / "run.ckpt"  # any name: nothing is appended to it
    weight = mg.ones(2, 3)
    optimizer = optim.Adam([mg.ones(2, requires_grad=True)])
    optimizer.param_groups[0]["params"][0].grad = mg.ones(2)
    optimizer.step()
    mg.save({"model": {"encoder.weight": weight}, "optimizer": optimizer.state_dict(), "epoch": 7}, path,
            config={"hidden": 8})
    assert os.listdir(tmp_path) == ["run.ckpt"]
    tensors = load_file(str(path))  # safetensors alone, no minigrad
    assert sorted(tensors) == ["encoder.weight", "optimizer/state/0/exp_avg", "optimizer/state/0/exp_avg_sq"]
    np.testing.assert_array_equal(tensors["encoder.weight"], np.ones((2, 3), dtype=np.float32))
    _, meta = raw(path)
    assert meta["format"] == "minigrad.checkpoint" and meta["version"] == 2
    assert meta["state"]["model"] == {"encoder.weight": {"__tensor__": "encoder.weight"}}
    assert meta["state"]["epoch"] == 7
    saved_adam = meta["state"]["optimizer"]["state"]["__dict__"][0][1]
    assert saved_adam["exp_avg"] == {"__tensor__": "optimizer/state/0/exp_avg"}
    assert meta["config"] == {"hidden": 8} and meta["devices"]["encoder.weight"] == "cpu"
    assert len(meta["sha256"]) == 64


def test_two_arrays_with_one_tensor_name_are_refused(tmp_path):
    with pytest.raises(TypeError, match="two arrays would have the tensor name 'w'"):
        mg.save({"w": mg.ones(1), "model": {"w": mg.ones(1)}}, tmp_path / "x.safetensors")


def test_optimizer_state_resumes_identically_through_a_checkpoint(tmp_path, device):
    """Save model and Adam state mid-run, load on the CPU, resume on the device: the same numbers."""
    rng = np.random.default_rng(0)
    start = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(6)]

    def train(weight: mg.Tensor, opt: optim.Optimizer, steps: list) -> None:
        for grad in steps:
            weight.grad = mg.tensor(grad, dtype=weight.dtype, device=device)
            opt.step()

    weight = mg.tensor(start, device=device, requires_grad=True)
    opt = optim.AdamW([weight], lr=0.1)
    train(weight, opt, grads)

    weight = mg.tensor(start, device=device, requires_grad=True)
    opt = optim.AdamW([weight], lr=0.1)
    train(weight, opt, grads[:3])
    mg.save({"model": {"weight": weight}, "optimizer": opt.state_dict(), "step": 3}, tmp_path / "mid.safetensors")
    checkpoint = mg.load(tmp_path / "mid.safetensors")
    resumed_weight = mg.tensor(checkpoint["model"]["weight"], device=device, requires_grad=True)
    resumed = optim.AdamW([resumed_weight], lr=0.1)
    resumed.load_state_dict(checkpoint["optimizer"])
    train(resumed_weight, resumed, grads[3:])

    expected = mg.tensor(start, device=device, requires_grad=True)
    train(expected, optim.AdamW([expected], lr=0.1), grads)
    np.testing.assert_array_equal(resumed_weight.numpy(), expected.numpy())


def test_what_a_checkpoint_cannot_hold_is_refused_by_name(tmp_path):
    with pytest.raises(TypeError, match=r"state/model/layers is a set"):
        mg.save({"model": {"layers": {1, 2}}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match=r"state/objects has dtype object"):
        mg.save({"objects": np.array([{}, None], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match=r"key \(1, 2\) of type tuple"):
        mg.save({"pairs": {(1, 2): 3}}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_saving_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mg.save({}, tmp_path / "no" / "such" / "run.npz")


# --- atomic writes ----------------------------------------------------------------------------


def test_an_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "run.safetensors"
    mg.save({"weight": mg.ones(3), "epoch": 1}, path)

    def write_half_then_fail(file, content):
        file.write(content[: len(content) // 2])
        raise OSError("No space left on device")

    monkeypatch.setattr(serialization, "_write_archive", write_half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        mg.save({"weight": mg.zeros(3), "epoch": 2}, path)
    monkeypatch.undo()

    loaded = mg.load(path)
    assert loaded["epoch"] == 1
    np.testing.assert_array_equal(loaded["weight"].numpy(), np.ones(3))
    assert os.listdir(tmp_path) == ["run.safetensors"], "the half-written temporary file is removed"


def test_an_interrupt_during_the_rename_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "run.safetensors"
    mg.save({"epoch": 1}, path)

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        mg.save({"epoch": 2}, path)
    monkeypatch.undo()
    assert mg.load(path) == {"epoch": 1} and os.listdir(tmp_path) == ["run.safetensors"]


def test_save_syncs_the_file_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    mg.save({"epoch": 1}, tmp_path / "run.safetensors")
    assert events == (["fsync", "replace", "fsync"] if os.name == "posix" else ["fsync", "replace"])


@pytest.mark.skipif(os.name != "posix", reason="modes and symlinks are POSIX's")
def test_a_new_checkpoint_takes_the_umask_never_another_files_mode(tmp_path):
    path = tmp_path / "run.safetensors"
    mg.save({"epoch": 1}, path)
    os.chmod(path, 0o4755)  # a setuid bit on the old file must not come through
    old = os.umask(0o027)
    try:
        mg.save({"epoch": 2}, path)
    finally:
        os.umask(old)
    assert mg.load(path) == {"epoch": 2}
    assert os.stat(path).st_mode & 0o7777 == 0o640


@pytest.mark.skipif(os.name != "posix", reason="symlinks are POSIX's")
def test_saving_over_a_symlink_replaces_the_link_not_its_target(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious")
    os.chmod(target, 0o4700)
    link = tmp_path / "run.safetensors"
    link.symlink_to(target)
    mg.save({"epoch": 1}, link)
    assert target.read_text() == "precious" and not link.is_symlink()
    assert os.stat(link).st_mode & 0o4000 == 0


# --- files that are not good checkpoints --------------------------------------------------------

_unpickled: list[str] = []


def _record_unpickling(message: str) -> None:
    _unpickled.append(message)


class Payload:
    """Unpickling this calls _record_unpickling: the side effect that shows a file was unpickled."""

    def __reduce__(self) -> tuple:
        return (_record_unpickling, ("the file was unpickled",))


def about(path: Path, problem: str) -> str:
    """The pattern of an error message that names the file and then the problem."""
    return f"checkpoint {re.escape(str(path))} {problem}"


def saved(tmp_path: Path) -> Path:
    path = tmp_path / "run.safetensors"
    mg.save({"weight": mg.arange(1000.0, 1256.0), "epoch": 3}, path)
    return path


def test_a_missing_file(tmp_path, monkeypatch):
    path = tmp_path / "runs" / "missing.safetensors"
    with pytest.raises(CheckpointError, match=about(path, "does not exist")):
        mg.load(path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CheckpointError, match="^checkpoint runs/x.safetensors does not exist$"):
        mg.load("runs/x.safetensors")  # named as the caller named it
    with pytest.raises(CheckpointError, match="does not exist"):
        mg.load_config(path)


def test_a_folder(tmp_path):
    with pytest.raises(CheckpointError, match=about(tmp_path, "is a folder")):
        mg.load(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_by_type_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(CheckpointError, match=about(fifo, "is a FIFO")):
        mg.load(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_by_type():
    with pytest.raises(CheckpointError, match=about(Path("/dev/zero"), "is a device")):
        mg.load("/dev/zero")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = saved(tmp_path)
    with pytest.raises(CheckpointError, match=about(path, r"is [\d,]+ bytes, more than the limit of 100")):
        mg.load(path, max_bytes=100)


def test_a_truncated_file(tmp_path):
    path = saved(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=about(path, "is truncated: tensor 'weight' ends at byte 1,024")):
        mg.load(path)
    path.write_bytes(data[:100])
    with pytest.raises(CheckpointError, match=about(path, "is truncated")):
        mg.load(path)


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.safetensors"
    path.write_bytes(b"")
    with pytest.raises(CheckpointError, match=about(path, "is empty")):
        mg.load(path)


def test_flipped_bytes_in_the_array_data(tmp_path):
    path = saved(tmp_path)
    data = bytearray(path.read_bytes())
    weights = np.arange(1000.0, 1256.0, dtype=np.float32).tobytes()
    start = data.find(weights)
    assert start > 0, "safetensors stores tensors as raw bytes"
    data[start + 100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=about(path, "failed its SHA-256 check")):
        mg.load(path)


def test_changed_array_data_fails_the_checksum_even_when_the_file_is_consistent(tmp_path):
    path = saved(tmp_path)
    rewrite(path, edit_tensors=lambda tensors: tensors["weight"].__setitem__(7, 0.0))
    with pytest.raises(CheckpointError, match=about(path, "failed its SHA-256 check")):
        mg.load(path)


def test_changed_metadata_fails_the_checksum(tmp_path):
    path = saved(tmp_path)
    rewrite(path, edit_meta=lambda meta: meta["state"].update(epoch=4))
    with pytest.raises(CheckpointError, match=about(path, "failed its SHA-256 check")):
        mg.load(path)


def test_a_wrong_checksum(tmp_path):
    path = saved(tmp_path)
    rewrite(path, edit_meta=lambda meta: meta.update(sha256="0" * 64))
    with pytest.raises(CheckpointError, match=about(path, "failed its SHA-256 check")):
        mg.load(path)


def test_a_tensor_whose_shape_disagrees_with_its_bytes(tmp_path):
    path = saved(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"shape":[256]', b'"shape":[257]', 1))
    with pytest.raises(CheckpointError, match=about(path, r"has tensor 'weight' of shape \[257\] and dtype F32, "
                                                          r"which needs 1,028 bytes, but its byte range holds 1,024")):
        mg.load(path)


def test_an_ordinary_pickle_is_refused_without_unpickling_it(tmp_path):
    path = tmp_path / "model.pkl"
    with open(path, "wb") as file:
        pickle.dump({"weights": [1.0, 2.0], "payload": Payload()}, file)
    assert not _unpickled
    with pytest.raises(CheckpointError, match=about(path, ".*looks like a Python pickle")):
        mg.load(path)
    with pytest.raises(CheckpointError, match="looks like a Python pickle"):
        mg.load_config(path)
    assert not _unpickled, "load must never unpickle"
    pickle.loads(path.read_bytes())  # the payload is live: unpickling does call it
    assert _unpickled == ["the file was unpickled"]
    _unpickled.clear()


def test_an_npz_with_a_pickled_object_array_is_refused_without_unpickling_it(tmp_path):
    from minigrad.io.legacy import read_npz

    path = tmp_path / "sneaky.npz"
    objects = np.empty(1, dtype=object)
    objects[0] = Payload()
    with open(path, "wb") as file:
        np.savez(file, header=objects)
    with pytest.raises(CheckpointError, match=about(path, ".*old minigrad .npz checkpoint.*translate convert")):
        mg.load(path)
    with pytest.raises(CheckpointError, match=about(path, "has an array 'header' of dtype object")):
        read_npz(path)
    assert not _unpickled


def test_a_safetensors_file_that_is_not_a_minigrad_checkpoint(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "weights.safetensors"
    save_file({"weights": np.ones(3)}, str(path))
    with pytest.raises(CheckpointError, match=about(path, "is a safetensors file but not a minigrad checkpoint")):
        mg.load(path)


def test_metadata_from_another_format_or_version(tmp_path):
    path = saved(tmp_path)
    rewrite(path, edit_meta=lambda meta: meta.update(version=3))
    with pytest.raises(CheckpointError, match=about(path, "has format version 3")):
        mg.load(path)
    rewrite(path, edit_meta=lambda meta: meta.update(format="something.else"))
    with pytest.raises(CheckpointError, match="is not a minigrad checkpoint"):
        mg.load(path)
    rewrite(path, edit_meta=lambda meta: meta.update(format="minigrad.checkpoint", version=2, devices=[1]))
    with pytest.raises(CheckpointError, match=about(path, "has damaged metadata")):
        mg.load(path)


def test_a_text_file(tmp_path):
    path = tmp_path / "notes.safetensors"
    path.write_text("hello, this is not a checkpoint")
    with pytest.raises(CheckpointError, match=about(path, "claims a header of")):
        mg.load(path)


def test_checkpoint_error_is_a_value_error():
    assert issubclass(CheckpointError, ValueError)


# --- the old .npz format: read under bounds, only to convert -------------------------------------


def old_npz(path: Path, state_arrays: dict[str, np.ndarray], header: dict[str, Any]) -> None:
    """An .npz as minigrad 0.1 wrote it (arrays plus a JSON header entry)."""
    entries = {**state_arrays, "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
    with open(path, "wb") as file:
        np.savez(file, **entries)


def old_checkpoint(path: Path) -> None:
    import hashlib

    weight = np.arange(6, dtype=np.float32).reshape(2, 3)
    digest = hashlib.sha256()
    digest.update(f"array_0:{weight.dtype.str}:{weight.shape};".encode())
    digest.update(weight.reshape(-1).view(np.uint8))
    old_npz(path, {"array_0": weight}, {
        "format": "minigrad.checkpoint", "version": 1, "config": {"hidden": 3},
        "state": {"model": {"w": {"__tensor__": "array_0"}}, "epoch": 2, "pair": {"__tuple__": [1, 2]}},
        "arrays": {"array_0": {"path": "state/model/w", "dtype": "<f4", "shape": [2, 3], "device": "cpu"}},
        "sha256": digest.hexdigest()})


def test_an_old_npz_checkpoint_converts_to_safetensors(tmp_path):
    from minigrad.io.legacy import convert

    old = tmp_path / "best.npz"
    old_checkpoint(old)
    with pytest.raises(CheckpointError, match="minigrad-translate convert"):
        mg.load(old)
    convert(old, tmp_path / "best.safetensors")
    loaded = mg.load(tmp_path / "best.safetensors")
    assert loaded["epoch"] == 2 and loaded["pair"] == (1, 2)
    np.testing.assert_array_equal(loaded["model"]["w"].numpy(), np.arange(6).reshape(2, 3))
    assert mg.load_config(tmp_path / "best.safetensors") == {"hidden": 3}


def test_an_old_npz_with_a_member_that_inflates_is_refused_before_inflating(tmp_path):
    import zipfile

    from minigrad.io.legacy import read_npz

    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.npy", b"\0" * 50_000_000)  # 50 MB of zeros: about 50 kB deflated
    assert path.stat().st_size < 1_000_000
    with pytest.raises(CheckpointError, match=about(path, "has a compressed member 'header.npy'")):
        read_npz(path)


def test_an_old_npz_with_two_members_of_one_name_is_refused(tmp_path):
    import warnings
    import zipfile

    from minigrad.io.legacy import read_npz

    path = tmp_path / "twice.npz"
    old_checkpoint(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("array_0.npy", b"another copy")
    with pytest.raises(CheckpointError, match=about(path, "holds the member 'array_0.npy' twice")):
        read_npz(path)


def test_a_bare_state_dict_keeps_its_names_and_loads_into_a_module(tmp_path):
    from safetensors.numpy import load_file

    from minigrad import nn

    layer = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    mg.save(layer.state_dict(), tmp_path / "lstm.safetensors")
    assert sorted(load_file(str(tmp_path / "lstm.safetensors"))) == sorted(layer.state_dict())
    again = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    again.load_state_dict(mg.load(tmp_path / "lstm.safetensors"))
    for name, value in layer.state_dict().items():
        np.testing.assert_array_equal(again.state_dict()[name].numpy(), value.numpy())
