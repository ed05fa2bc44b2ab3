"""Checkpoints: save and load nested state (tensors, arrays, numbers, strings) as .safetensors.

A checkpoint is a `safetensors <https://github.com/huggingface/safetensors>`_ file, the format
PyTorch, JAX and Hugging Face users already open (``safetensors.torch.load_file``), holding

* every array of the state as a tensor. The entries of a top-level ``"model"`` dict (a
  ``state_dict()``) and the top-level arrays are named by their own keys, which are PyTorch's
  names (``encoder.lstm.weight_ih_l0``); every other array is named by its path with ``/``
  (``optimizer/state/0/exp_avg``), which no ``state_dict`` name contains;
* one string of metadata, ``"minigrad"``: JSON with the format name and version, the state with
  each array replaced by a reference such as ``{"__tensor__": "decoder.output.weight"}``, the
  ``config``, each array's device, and a SHA-256 over all of it and every tensor's bytes.

So ``save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)``
writes the weights under their state_dict names and the epoch into the metadata, and
``torch_module.load_state_dict(safetensors.torch.load_file(path))`` works for a file that holds
only a model.

Why not pickle, as ``torch.save`` does? Unpickling can run any code the file asks for; a
safetensors file is a JSON header and raw bytes. Loading is also *bounded*: the file's size,
the header's size, every dtype, shape and byte range are checked before anything is allocated
(:mod:`minigrad.io.safefile`), and then the arrays are built.

Why the temporary file? A crash halfway through writing over the only checkpoint would lose a
run. :func:`save` writes a complete new file next to the target, forces it to disk, and only then
renames it over the target in one atomic step.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import IO, Any

import numpy as np  # host-side only: checkpoints are written from host copies

from minigrad import backend
from minigrad.backend import Device
from minigrad.io import safefile
from minigrad.tensor import Tensor

FORMAT, VERSION = "minigrad.checkpoint", 2
METADATA_KEY = "minigrad"
_TAGS = ("__tensor__", "__array__", "__tuple__", "__dict__")  # JSON objects with one of these keys are ours
_KINDS = "biuf"  # bool, int, uint, float: what safetensors holds


class CheckpointError(ValueError):
    """A file cannot be loaded as a minigrad checkpoint: missing, truncated, corrupted, or something else."""


# --- saving ---------------------------------------------------------------------------------
def save(state: Any, path: str | os.PathLike[str], *, config: Mapping[str, Any] | None = None) -> None:
    """Write ``state`` to ``path`` as a .safetensors checkpoint, atomically.

    ``state`` is usually a dict; its values may be Tensors, backend arrays, numbers, strings,
    None, and lists, tuples and dicts of these (dict keys: strings, or numbers as in an
    optimizer's state). ``config`` is plain JSON (say the model's sizes), readable without the
    weights through :func:`load_config`. Tensors are copied to the host; they stay on their device.
    The file is made with the process umask; if writing fails midway, the file previously at
    ``path`` is left as it was.
    """
    from safetensors.numpy import save as save_safetensors  # noqa: PLC0415

    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    devices: dict[str, str] = {}
    meta = {"format": FORMAT, "version": VERSION, "state": _encode(state, (), arrays, devices),
            "config": _check_config(config), "devices": devices}
    meta["sha256"] = checksum(meta, arrays)
    content = save_safetensors(arrays, metadata={METADATA_KEY: json.dumps(meta)})
    safefile.write_atomically(path, lambda file: _write_archive(file, content))


def _name(where: tuple) -> str:
    """The tensor name of the array at ``where`` (a path of keys): see the module docstring."""
    if len(where) == 1 or (len(where) == 2 and where[0] == "model"):
        return str(where[-1])
    return "/".join(str(key) for key in where)


def _label(where: tuple) -> str:
    return "/".join(["state", *(str(key) for key in where)])


def _encode(value: Any, where: tuple, arrays: dict[str, np.ndarray], devices: dict[str, str]) -> Any:
    """``value`` as JSON, with each array moved into ``arrays`` and replaced by a reference."""
    if isinstance(value, Tensor) or backend.is_array(value):
        data = value.data if isinstance(value, Tensor) else value
        host = backend.to_host(data)  # a copy; the tensor stays on its device
        host = host if host.flags.c_contiguous else host.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)
        if host.dtype.kind not in _KINDS:
            raise TypeError(f"save: {_label(where)} has dtype {host.dtype}, which a checkpoint cannot hold "
                            "(only bool, integer and float arrays)")
        name = _name(where) if where else "tensor"
        if name in arrays:
            raise TypeError(f"save: two arrays would have the tensor name {name!r} ({_label(where)} is one)")
        arrays[name] = host.astype(host.dtype.newbyteorder("<"), copy=False)
        devices[name] = str(backend.device_of(data))
        return {"__tensor__" if isinstance(value, Tensor) else "__array__": name}
    if isinstance(value, np.generic):  # a NumPy scalar such as np.float32(0.5): keep the number
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item, (*where, i), arrays, devices) for i, item in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(item, (*where, i), arrays, devices) for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        for key in value:
            if key is not None and not isinstance(key, (str, int, float)):
                raise TypeError(f"save: {_label(where)} has a key {key!r} of type {type(key).__name__}; "
                                "a checkpoint's dict keys are strings or numbers")
        items = [(key, _encode(item, (*where, key), arrays, devices)) for key, item in value.items()]
        if all(isinstance(key, str) and key not in _TAGS for key in value):
            return dict(items)  # the common case: an ordinary JSON object
        return {"__dict__": [[key, item] for key, item in items]}  # keeps number keys numbers
    raise TypeError(f"save: {_label(where)} is a {type(value).__name__}, which a checkpoint cannot hold; use "
                    "Tensors, arrays, numbers, strings, None, and lists, tuples or dicts of these")


def _check_config(config: Mapping[str, Any] | None) -> Any:
    try:
        json.dumps(config)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"save: config must be plain JSON (numbers, strings, lists, dicts): {exc}") from exc
    return config


def checksum(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over the metadata (without its own ``sha256``) and each tensor's name, dtype, shape and bytes."""
    digest = hashlib.sha256()
    digest.update(json.dumps({k: v for k, v in meta.items() if k != "sha256"}, sort_keys=True).encode())
    for name in sorted(arrays):
        array = arrays[name]
        digest.update(f";{name}:{array.dtype.str}:{array.shape}:".encode())
        digest.update(array.reshape(-1).view(np.uint8) if array.flags.c_contiguous else array.tobytes())
    return digest.hexdigest()


def _write_archive(file: IO[bytes], content: bytes) -> None:
    file.write(content)


# --- loading --------------------------------------------------------------------------------
def load(path: str | os.PathLike[str], map_location: str | Device | None = "cpu", *,
         max_bytes: int = safefile.DEFAULT_MAX_BYTES) -> Any:
    """Read a checkpoint written by :func:`save`, with its Tensors and arrays on ``map_location``.

    The default ``"cpu"`` loads a checkpoint saved on any device on any machine; ``None`` puts
    each array back on the device it was saved from. The structure comes back as it was saved
    (tuples as tuples, number keys as numbers); Tensors come back as plain tensors that do not
    require grad, ready for ``load_state_dict``. Raises :class:`CheckpointError`, naming the file
    and the first thing wrong, for a file that is missing, not a regular file, larger than
    ``max_bytes``, truncated, corrupted (the SHA-256 check), or not a minigrad checkpoint.
    """
    device = None if map_location is None else backend.get_device(map_location)
    return read(path, max_bytes=max_bytes).state(device)


def load_config(path: str | os.PathLike[str]) -> Any:
    """The ``config`` saved with a checkpoint (the whole file is checked, its SHA-256 included)."""
    return read(path).config


class Checkpoint:
    """A checkpoint read and checked, its arrays on the host: ``config``, ``tensors``, ``state(device)``."""

    def __init__(self, path: str, meta: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        self.path, self.meta, self.tensors = path, meta, tensors
        self.config = meta["config"]

    def state(self, device: Device | None = None) -> Any:
        """The saved state with each array on ``device`` (None: where it was saved)."""
        return _decode(self.meta["state"], self, device, 0)


def read(path: str | os.PathLike[str], max_bytes: int = safefile.DEFAULT_MAX_BYTES) -> Checkpoint:
    """The checked contents of the checkpoint at ``path`` (see :func:`load`)."""
    path = os.fspath(path)
    try:
        tensors, metadata = safefile.read(path, max_bytes)
        if METADATA_KEY not in metadata:
            raise safefile.FileProblemError("is a safetensors file but not a minigrad checkpoint (it has no 'minigrad' "
                                       "metadata); load its tensors with safetensors.numpy.load_file")
        meta = safefile.bounded_json(metadata[METADATA_KEY].encode("utf-8"), "metadata")
    except safefile.FileProblemError as exc:
        raise CheckpointError(f"checkpoint {path} {exc}{_hint(exc.magic)}") from None
    _check_meta(path, meta, tensors)
    if checksum(meta, tensors) != meta["sha256"]:
        raise CheckpointError(f"checkpoint {path} failed its SHA-256 check: it is corrupted or was edited")
    return Checkpoint(path, meta, tensors)


def _hint(magic: bytes) -> str:
    """For a file that is not safetensors, from its first bytes: what it probably is, and what to do."""
    if magic.startswith(b"PK"):
        return ("; it looks like an old minigrad .npz checkpoint or another zip archive: convert an old checkpoint "
                "with `minigrad-translate convert OLD.npz`")
    if magic.startswith(b"\x80"):
        return ("; it looks like a Python pickle (torch.save), which minigrad never unpickles, since unpickling "
                "can run code from the file")
    return ""


def _check_meta(path: str, meta: Any, tensors: Mapping[str, np.ndarray]) -> None:
    def fail(problem: str) -> None:
        raise CheckpointError(f"checkpoint {path} {problem}")

    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        fail(f"is not a minigrad checkpoint (its metadata's format is {str(found)[:40]!r})")
    if meta.get("version") != VERSION:
        fail(f"has format version {str(meta.get('version'))[:20]}, but this minigrad reads version {VERSION} only")
    missing = [key for key in ("state", "config", "devices", "sha256") if key not in meta]
    if missing:
        fail(f"has damaged metadata (it lacks {', '.join(missing)})")
    if not isinstance(meta["sha256"], str):
        fail("has damaged metadata (its sha256 is not a string)")
    devices = meta["devices"]
    if not isinstance(devices, dict) or set(devices) != set(tensors) or not all(
            isinstance(device, str) and len(device) <= 32 for device in devices.values()):
        fail("has damaged metadata (its list of tensors and devices does not match the tensors in the file)")


def _decode(value: Any, checkpoint: Checkpoint, device: Device | None, depth: int) -> Any:
    """Undo :func:`_encode`: references become Tensors or arrays on ``device``; malformed tags are refused."""
    path = checkpoint.path
    if depth > safefile.MAX_JSON_DEPTH:
        raise CheckpointError(f"checkpoint {path} has state nested too deeply")
    if isinstance(value, list):
        return [_decode(item, checkpoint, device, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)) in _TAGS:
        ((tag, content),) = value.items()
        if tag == "__tuple__":
            if not isinstance(content, list):
                raise CheckpointError(f"checkpoint {path} has a damaged state (a __tuple__ that is not a list)")
            return tuple(_decode(item, checkpoint, device, depth + 1) for item in content)
        if tag == "__dict__":
            if not isinstance(content, list) or not all(
                    isinstance(pair, list) and len(pair) == 2
                    and (pair[0] is None or isinstance(pair[0], (str, int, float))) for pair in content):
                raise CheckpointError(f"checkpoint {path} has a damaged state (a __dict__ that is not a list of "
                                      "[key, value] pairs)")
            return {key: _decode(item, checkpoint, device, depth + 1) for key, item in content}
        if not isinstance(content, str) or content not in checkpoint.tensors:
            raise CheckpointError(f"checkpoint {path} is damaged: its state refers to tensor {str(content)[:80]!r}, "
                                  "which the file does not hold")
        array = _on_device(checkpoint, content, device)
        return Tensor(array) if tag == "__tensor__" else array
    return {key: _decode(item, checkpoint, device, depth + 1) for key, item in value.items()}


def _on_device(checkpoint: Checkpoint, name: str, device: Device | None) -> Any:
    host = checkpoint.tensors[name]
    if device is None:  # map_location=None: back where it came from
        saved = checkpoint.meta["devices"][name]
        try:
            device = backend.get_device(saved)
        except backend.DeviceError as exc:
            raise backend.DeviceError(
                f"checkpoint {checkpoint.path}: {name} was saved on {saved!r}, which this machine "
                f"cannot use ({exc}); load it with map_location='cpu'"
            ) from exc
    return device.asarray(host)
