"""The old checkpoint format (format 1, the ``.npz`` that minigrad wrote before .safetensors), read under bounds
so that it can be converted.

:func:`minigrad.load` reads .safetensors only. An old ``.npz`` checkpoint (a zip of ``.npy``
arrays plus a JSON ``header`` entry) is read here, with the same care: the zip's own table is
checked before any member is read (stored members only, as ``np.savez`` writes them, so nothing
inflates; sizes inside the file; no duplicate names), each ``.npy`` header is parsed with
NumPy's size cap and must describe a numeric array that fills its member exactly, and the JSON
header goes through the same bounds as a safetensors header. Then :func:`convert` writes the
state and config again with :func:`minigrad.save`.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zipfile
from typing import Any

import numpy as np

from minigrad.io import safefile
from minigrad.io.serialization import CheckpointError, save
from minigrad.tensor import Tensor

MAX_MEMBERS = 10_000
_TAGS = ("__tensor__", "__array__", "__tuple__", "__dict__")


def read_npz(path: str | os.PathLike[str], max_bytes: int = safefile.DEFAULT_MAX_BYTES) -> tuple[Any, Any]:
    """``(state, config)`` of an old .npz checkpoint, every member bounded and checked first."""
    path = os.fspath(path)
    try:
        return _read(path, max_bytes)
    except safefile.FileProblemError as exc:
        raise CheckpointError(f"checkpoint {path} {exc}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        first_line = (str(exc).splitlines() or [""])[0][:200]
        raise CheckpointError(f"checkpoint {path} is not a readable old .npz checkpoint "
                              f"({type(exc).__name__}: {first_line})") from None


def _read(path: str, max_bytes: int) -> tuple[Any, Any]:
    descriptor, size = safefile.open_regular(path, max_bytes)
    with os.fdopen(descriptor, "rb") as file:
        if file.read(2) != b"PK":
            raise safefile.FileProblemError("is not a zip archive, so not an old .npz checkpoint")
        _check_member_count(file, size)
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise safefile.FileProblemError(f"holds {len(infos):,} members, more than the limit of {MAX_MEMBERS:,}")
            names = [info.filename for info in infos]
            if len(set(names)) != len(names):
                duplicate = next(name for name in names if names.count(name) > 1)
                raise safefile.FileProblemError(f"holds the member {duplicate[:80]!r} twice")
            for info in infos:
                if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
                    raise safefile.FileProblemError(f"has a compressed member {info.filename[:80]!r}; old minigrad "
                                               "checkpoints store their members uncompressed")
                if info.file_size > size or info.flag_bits & 0x1:
                    raise safefile.FileProblemError(f"has a member {info.filename[:80]!r} that cannot be in it")
            if sum(info.file_size for info in infos) > size:
                raise safefile.FileProblemError("has members that together claim more bytes than the file has")
            members = {name.removesuffix(".npy"): info for name, info in zip(names, infos)}
            if "header" not in members:
                raise safefile.FileProblemError("is an .npz archive but not a minigrad checkpoint (no 'header' entry)")
            header_bytes = _array(archive, members["header"], "header")
            if header_bytes.dtype != np.uint8 or header_bytes.ndim != 1:
                raise safefile.FileProblemError("has a damaged header (not a byte array)")
            header = safefile.bounded_json(header_bytes.tobytes(), "header")
            if not isinstance(header, dict) or header.get("format") != "minigrad.checkpoint" or header.get(
                    "version") != 1 or not isinstance(header.get("arrays"), dict):
                raise safefile.FileProblemError("is not an old (version 1) minigrad checkpoint")
            arrays = {}
            for key in header["arrays"]:
                if not isinstance(key, str) or key not in members or key == "header":
                    raise safefile.FileProblemError(f"lists an array {str(key)[:80]!r} that it does not hold")
                arrays[key] = _array(archive, members[key], key)
    if _checksum(arrays) != header.get("sha256"):
        raise safefile.FileProblemError("failed its SHA-256 check: the array data is corrupted")
    return _decode(header.get("state"), arrays, 0), header.get("config")


def _check_member_count(file: Any, size: int) -> None:
    """Refuse too many members from the zip's end record, before zipfile reads its whole table."""
    tail_size = min(size, 22 + 65535)  # the end record, and a comment of at most 64 kB
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end >= 0 and end + 22 <= len(tail):
        (count,) = struct.unpack("<H", tail[end + 10:end + 12])
        if count != 0xFFFF and count > MAX_MEMBERS:  # 0xFFFF: a zip64 archive, whose count zipfile checks below
            raise safefile.FileProblemError(f"holds {count:,} members, more than the limit of {MAX_MEMBERS:,}")


def _array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> np.ndarray:
    """One stored ``.npy`` member: its header parsed under NumPy's cap, its size checked, no pickle."""
    with archive.open(info) as member:
        raw = member.read(info.file_size)  # stored: exactly the declared bytes; the zip CRC is checked
    stream = io.BytesIO(raw)
    version = np.lib.format.read_magic(stream)
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = reader(stream, max_header_size=10_000)
    if dtype.kind not in "biuf" or dtype.hasobject or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise safefile.FileProblemError(f"has an array {key!r} of dtype {dtype}, which is not numeric")
    count = int(np.prod(shape, dtype=object))
    if count * dtype.itemsize != len(raw) - stream.tell():
        raise safefile.FileProblemError(f"has an array {key!r} whose shape {shape} does not fit its bytes")
    flat = np.frombuffer(raw, dtype=dtype, count=count, offset=stream.tell())
    return flat.reshape(shape, order="F" if fortran else "C").copy()


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key, array in arrays.items():
        digest.update(f"{key}:{array.dtype.str}:{array.shape};".encode())
        digest.update(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
    return digest.hexdigest()


def _decode(value: Any, arrays: dict[str, np.ndarray], depth: int) -> Any:
    if depth > safefile.MAX_JSON_DEPTH:
        raise safefile.FileProblemError("has state nested too deeply")
    if isinstance(value, list):
        return [_decode(item, arrays, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and next(iter(value)) in _TAGS:
        ((tag, content),) = value.items()
        if tag == "__tuple__" and isinstance(content, list):
            return tuple(_decode(item, arrays, depth + 1) for item in content)
        if tag == "__dict__" and isinstance(content, list) and all(
                isinstance(pair, list) and len(pair) == 2 and not isinstance(pair[0], (list, dict))
                for pair in content):
            return {key: _decode(item, arrays, depth + 1) for key, item in content}
        if tag in ("__tensor__", "__array__") and isinstance(content, str) and content in arrays:
            return Tensor(arrays[content]) if tag == "__tensor__" else arrays[content]
        raise safefile.FileProblemError(f"has a damaged state (a {tag} entry that is malformed)")
    return {key: _decode(item, arrays, depth + 1) for key, item in value.items()}


def convert(old: str | os.PathLike[str], new: str | os.PathLike[str]) -> None:
    """Read the old .npz checkpoint ``old`` (bounded, checked) and write it to ``new`` as .safetensors."""
    state, config = read_npz(old)
    save(state, new, config=config)
