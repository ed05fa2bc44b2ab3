"""Checkpoints: save and load nested state (tensors, arrays, numbers, strings) safely.

A checkpoint is an ``.npz`` file (NumPy's zip of ``.npy`` arrays) holding

* each array of the state under a flat key: ``array_0``, ``array_1``, ...;
* a ``header`` entry of UTF-8 JSON: the format name and version, the state with each array
  replaced by a reference such as ``{"__tensor__": "array_0"}``, the ``config``, each array's
  path, dtype, shape and device, and a SHA-256 checksum over all the arrays.

So ``save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)``
writes the weights as arrays and the epoch into the header.

Why not pickle, as ``torch.save`` does? Unpickling a file can run any code that the file
asks for. Here loading reads arrays with ``allow_pickle=False`` and parses nothing but JSON,
so a checkpoint from a stranger is data, never code.

Why the temporary file? A crash halfway through writing over the only checkpoint would
lose a run. :func:`save` writes a complete new file next to the target, forces it to disk,
and only then renames it over the target in one atomic step.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO, Any

import numpy as np  # host-side only: checkpoints are written from host copies

from minigrad import backend
from minigrad.backend import Device
from minigrad.tensor import Tensor

FORMAT, VERSION = "minigrad.checkpoint", 1
HEADER_KEY = "header"
_TAGS = ("__tensor__", "__array__", "__tuple__", "__dict__")  # JSON objects with one of these keys are ours
_DTYPE_KINDS = "biufc"  # bool, int, uint, float, complex: what .npy holds without pickle


class CheckpointError(ValueError):
    """A file cannot be loaded as a minigrad checkpoint: missing, truncated, corrupted, or something else."""


# --- saving ---------------------------------------------------------------------------------
def save(state: Any, path: str | os.PathLike[str], *, config: Mapping[str, Any] | None = None) -> None:
    """Write ``state`` to ``path`` as a checkpoint, atomically.

    ``state`` is usually a dict; its values may be Tensors, backend arrays, numbers, strings,
    None, and lists, tuples and dicts of these (dict keys: strings, or numbers as in an
    optimizer's state). ``config`` is plain JSON (say the model's sizes), readable without the
    weights through :func:`load_config`. Tensors are copied to the host; they stay on their device.
    If writing fails midway, the file previously at ``path`` is left as it was.
    """
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    records: dict[str, dict[str, Any]] = {}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "state": _encode(state, "state", arrays, records),
        "config": _check_config(config),
        "arrays": records,
        "sha256": _checksum(arrays),
    }
    header_bytes = json.dumps(header).encode("utf-8")
    _write_atomically(path, {HEADER_KEY: np.frombuffer(header_bytes, dtype=np.uint8), **arrays})


def _encode(value: Any, where: str, arrays: dict[str, np.ndarray], records: dict[str, dict[str, Any]]) -> Any:
    """``value`` as JSON, with each array moved into ``arrays`` and replaced by a reference."""
    if isinstance(value, Tensor) or backend.is_array(value):
        data = value.data if isinstance(value, Tensor) else value
        host = backend.to_host(data)  # a copy; the tensor stays on its device
        if host.dtype.kind not in _DTYPE_KINDS:
            raise TypeError(f"save: {where} has dtype {host.dtype}, which a checkpoint cannot hold "
                            "(only bool, integer, float and complex arrays)")
        key = f"array_{len(arrays)}"
        arrays[key] = host
        records[key] = {"path": where, "dtype": host.dtype.str, "shape": list(host.shape),
                        "device": str(backend.device_of(data))}
        return {"__tensor__" if isinstance(value, Tensor) else "__array__": key}
    if isinstance(value, np.generic):  # a NumPy scalar such as np.float32(0.5): keep the number
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item, f"{where}[{i}]", arrays, records) for i, item in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(item, f"{where}[{i}]", arrays, records) for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        items = [(key, _encode(item, f"{where}/{key}", arrays, records)) for key, item in value.items()]
        if all(isinstance(key, str) and key not in _TAGS for key in value):
            return dict(items)  # the common case: an ordinary JSON object
        for key in value:
            if key is not None and not isinstance(key, (str, int, float)):
                raise TypeError(f"save: {where} has a key {key!r} of type {type(key).__name__}; "
                                "a checkpoint's dict keys are strings or numbers")
        return {"__dict__": [[key, item] for key, item in items]}  # keeps number keys numbers
    raise TypeError(f"save: {where} is a {type(value).__name__}, which a checkpoint cannot hold; use "
                    "Tensors, arrays, numbers, strings, None, and lists, tuples or dicts of these")


def _check_config(config: Mapping[str, Any] | None) -> Any:
    try:
        json.dumps(config)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"save: config must be plain JSON (numbers, strings, lists, dicts): {exc}") from exc
    return config


def _checksum(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over each array's name, dtype, shape and bytes, in order."""
    digest = hashlib.sha256()
    for key, array in arrays.items():
        digest.update(f"{key}:{array.dtype.str}:{array.shape};".encode())
        digest.update(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
    return digest.hexdigest()


def _write_atomically(path: str, entries: dict[str, np.ndarray]) -> None:
    """Write to a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: cannot write checkpoint {path}: the folder {directory} does not exist")
    mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.isfile(path) else 0o644
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as file:
            _write_archive(file, entries)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points at them
        os.chmod(temporary, mode)
        os.replace(temporary, path)  # the commit: atomic, so readers see the old file or the new one
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)  # make the rename itself survive a power cut


def _write_archive(file: IO[bytes], entries: dict[str, np.ndarray]) -> None:
    np.savez(file, **entries)  # to an open file, so no ".npz" is added to the name


def _fsync_directory(directory: str) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder to fsync it
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- loading --------------------------------------------------------------------------------
def load(path: str | os.PathLike[str], map_location: str | Device | None = "cpu") -> Any:
    """Read a checkpoint written by :func:`save`, with its Tensors and arrays on ``map_location``.

    The default ``"cpu"`` loads a checkpoint saved on any device on any machine; ``None`` puts
    each array back on the device it was saved from. The structure comes back as it was saved
    (tuples as tuples, number keys as numbers); Tensors come back as plain tensors that do not
    require grad, ready for ``load_state_dict``. Raises :class:`CheckpointError` for a file that
    is missing, truncated, corrupted (the SHA-256 check), or not a minigrad checkpoint.
    """
    path = os.fspath(path)
    device = None if map_location is None else backend.get_device(map_location)
    header, arrays = _read(path, read_arrays=True)
    return _decode(header["state"], path, header["arrays"], arrays, device)


def load_config(path: str | os.PathLike[str]) -> Any:
    """The ``config`` saved with a checkpoint, read from its header alone (the arrays are not checked)."""
    path = os.fspath(path)
    return _read(path, read_arrays=False)[0]["config"]


def _read(path: str, read_arrays: bool) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The checked header and (if asked) the checked arrays of the checkpoint at ``path``."""
    try:
        file = open(path, "rb")  # closed by the `with file` below
    except FileNotFoundError as exc:
        raise CheckpointError(f"checkpoint {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise CheckpointError(f"checkpoint {path} is a folder, not a file") from exc
    except OSError as exc:
        raise CheckpointError(f"checkpoint {path} cannot be opened: {exc.strerror}") from exc
    with file:
        _check_start(path, file.read(4))
        file.seek(0)
        try:
            archive = np.load(file, allow_pickle=False)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise CheckpointError(f"checkpoint {path} is truncated or not a zip archive ({exc})") from exc
        try:
            with archive:
                header = _read_header(path, archive)
                arrays = {key: _read_array(path, archive, key) for key in header["arrays"]} if read_arrays else {}
        except CheckpointError:
            raise
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, zlib.error) as exc:
            raise CheckpointError(
                f"checkpoint {path} is corrupted or not a minigrad checkpoint ({type(exc).__name__}: {exc})"
            ) from exc
    if read_arrays:
        _verify(path, header, arrays)
    return header, arrays


def _check_start(path: str, magic: bytes) -> None:
    """Recognise, from its first bytes, a file that is not a zip archive at all."""
    if not magic:
        raise CheckpointError(f"checkpoint {path} is empty")
    if magic.startswith(b"\x80"):
        raise CheckpointError(f"checkpoint {path} is a Python pickle, not a minigrad checkpoint; minigrad never "
                              "unpickles files, since unpickling can run code from the file")
    if not magic.startswith(b"PK"):
        raise CheckpointError(f"checkpoint {path} is not a zip archive, so not a minigrad checkpoint "
                              f"(it starts with {magic!r})")


def _read_header(path: str, archive: Any) -> dict[str, Any]:
    if HEADER_KEY not in archive.files:
        entries = ", ".join(archive.files[:5]) or "none"
        raise CheckpointError(f"checkpoint {path} is an .npz archive but not a minigrad checkpoint: it has no "
                              f"'{HEADER_KEY}' entry (its entries: {entries})")
    raw = archive[HEADER_KEY]
    try:
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"the header is a {raw.dtype} array of shape {raw.shape}, not bytes")
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"checkpoint {path} has a damaged header ({exc})") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else type(header).__name__
        raise CheckpointError(f"checkpoint {path} is not a minigrad checkpoint (its header's format is {found!r})")
    if header.get("version") != VERSION:
        raise CheckpointError(f"checkpoint {path} has format version {header.get('version')!r}, but this minigrad "
                              f"reads version {VERSION} only")
    missing = [key for key in ("state", "config", "arrays", "sha256") if key not in header]
    if missing:
        raise CheckpointError(f"checkpoint {path} has a damaged header (it lacks {', '.join(missing)})")
    records = header["arrays"]
    if not isinstance(records, dict) or not all(
        isinstance(record, dict) and isinstance(record.get("dtype"), str) and isinstance(record.get("shape"), list)
        and isinstance(record.get("device"), str) for record in records.values()
    ):
        raise CheckpointError(f"checkpoint {path} has a damaged header (its list of arrays is malformed)")
    return header


def _read_array(path: str, archive: Any, key: str) -> np.ndarray:
    if key not in archive.files:
        raise CheckpointError(f"checkpoint {path} is damaged: its header lists array '{key}', which is missing")
    return archive[key]


def _verify(path: str, header: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Check every array's dtype and shape against the header, then the checksum over them all."""
    for key, record in header["arrays"].items():
        array = arrays[key]
        if array.dtype.str != record["dtype"] or list(array.shape) != record["shape"]:
            raise CheckpointError(
                f"checkpoint {path} is damaged: {record.get('path', key)} is {array.dtype.str} {array.shape} in the "
                f"archive but {record['dtype']} {tuple(record['shape'])} in the header"
            )
    if _checksum(arrays) != header["sha256"]:
        raise CheckpointError(f"checkpoint {path} failed its SHA-256 check: the array data is corrupted")


def _decode(value: Any, path: str, records: dict[str, Any], arrays: dict[str, np.ndarray],
            device: Device | None) -> Any:
    """Undo :func:`_encode`: references become Tensors or arrays on ``device``."""
    if isinstance(value, list):
        return [_decode(item, path, records, arrays, device) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)) in _TAGS:
        ((tag, content),) = value.items()
        if tag == "__tuple__":
            return tuple(_decode(item, path, records, arrays, device) for item in content)
        if tag == "__dict__":
            return {key: _decode(item, path, records, arrays, device) for key, item in content}
        if content not in arrays:
            raise CheckpointError(f"checkpoint {path} is damaged: its state refers to array {content!r}, "
                                  "which the header does not list")
        array = _on_device(path, arrays[content], records[content], device)
        return Tensor(array) if tag == "__tensor__" else array
    return {key: _decode(item, path, records, arrays, device) for key, item in value.items()}


def _on_device(path: str, host: np.ndarray, record: dict[str, Any], device: Device | None) -> Any:
    if device is None:  # map_location=None: back where it came from
        try:
            device = backend.get_device(record["device"])
        except backend.DeviceError as exc:
            raise backend.DeviceError(
                f"checkpoint {path}: {record.get('path')} was saved on {record['device']!r}, which this machine "
                f"cannot use ({exc}); load it with map_location='cpu'"
            ) from exc
    return device.asarray(host)
