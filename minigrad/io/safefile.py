"""Reading a .safetensors file from a stranger: bounded first, then checked, then built.

A .safetensors file is 8 bytes (``N``, little-endian), ``N`` bytes of JSON (each tensor's dtype,
shape and byte range, plus a ``__metadata__`` map of strings), then the tensors' bytes. Nothing
in it can run code, but a hostile file can still ask for memory or time: a header that claims
a terabyte, JSON nested 10 000 deep, a million tiny strings, a tensor whose shape promises more
bytes than the file has. So :func:`read` refuses all of that *before* it allocates anything that
the file's own size does not already bound:

1. the file is a regular file (a FIFO, a device or a folder is refused by type) of at most
   ``max_bytes``;
2. the header is at most :data:`MAX_HEADER_BYTES` (safetensors itself caps it at 100 MB; ours
   is smaller, since a checkpoint's JSON is config and vocabularies, not a model zoo), and the
   number of JSON values in it is bounded by counting separators before parsing;
3. every tensor has a numeric dtype, a shape of at most :data:`MAX_DIMS` non-negative sizes
   whose product times the item size is exactly its byte range, and the byte ranges tile the
   data section, which ends where the file does;
4. only then are the bytes read and handed to ``safetensors.numpy.load``.

:func:`write_atomically` is the other half: a new file beside the target, created without
following symlinks and with the process umask, forced to disk, then renamed over the target.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_HEADER_BYTES = 8 * 2**20  # safetensors' own cap is 100 MB
MAX_JSON_VALUES = 500_000  # bounds the memory json.loads may take (about 70 bytes per value at most)
MAX_JSON_OBJECTS = 50_000  # each JSON object costs a Python call (the duplicate-key check)
MAX_JSON_DEPTH = 64
MAX_DIMS = 8
MAX_TENSORS = 10_000
DEFAULT_MAX_BYTES = 16 * 2**30

# safetensors' dtype names that NumPy holds; BF16, F8_* and the rest are refused by name.
DTYPES: dict[str, np.dtype] = {
    "BOOL": np.dtype(np.bool_), "U8": np.dtype(np.uint8), "I8": np.dtype(np.int8),
    "U16": np.dtype("<u2"), "I16": np.dtype("<i2"), "U32": np.dtype("<u4"), "I32": np.dtype("<i4"),
    "U64": np.dtype("<u8"), "I64": np.dtype("<i8"), "F16": np.dtype("<f2"), "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
}


class FileProblemError(ValueError):
    """What is wrong with a file, said without its name (the caller adds it); ``magic``: its first bytes."""

    magic = b""


# --- opening by type ------------------------------------------------------------------------------


def open_regular(path: str, max_bytes: int) -> tuple[int, int]:
    """Open ``path`` for reading as a regular file: ``(descriptor, size)``.

    ``O_NONBLOCK`` so that a FIFO does not hang the open; the type is read from the open
    descriptor (fstat), so what is checked is what is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError as exc:
        raise FileProblemError("does not exist") from exc
    except IsADirectoryError as exc:
        raise FileProblemError("is a folder, not a file") from exc
    except OSError as exc:
        raise FileProblemError(f"cannot be opened: {exc.strerror}") from exc
    try:
        info = os.fstat(descriptor)
        kind = _kind(info.st_mode)
        if kind:
            raise FileProblemError(f"is {kind}, not a regular file")
        if info.st_size > max_bytes:
            raise FileProblemError(f"is {info.st_size:,} bytes, more than the limit of {max_bytes:,}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, info.st_size


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _pread(descriptor: int, count: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(descriptor, count, offset)
    os.lseek(descriptor, offset, os.SEEK_SET)  # Windows has no pread
    return os.read(descriptor, count)


def read_exactly(descriptor: int, count: int, offset: int) -> bytes:
    """``count`` bytes at ``offset``, or FileProblemError if the file ends (or grows strange) first."""
    chunks, done = [], 0
    while done < count:
        chunk = _pread(descriptor, min(count - done, 1 << 26), offset + done)
        if not chunk:
            raise FileProblemError(f"is truncated: it ends {count - done:,} bytes early")
        chunks.append(chunk)
        done += len(chunk)
    return b"".join(chunks)


# --- bounded JSON -----------------------------------------------------------------------------------


def bounded_json(raw: bytes, what: str, walk_depth: bool = True) -> Any:
    """Parse ``raw`` as JSON after bounding its size, its number of values and (after) its depth.

    Separators bound the values: a JSON text with ``k`` commas and colons holds at most about
    ``2k + 1`` values, so counting them (in C, over bytes) bounds what json.loads will build.
    Duplicate keys are refused, not silently resolved to the last one.
    """
    if len(raw) > MAX_HEADER_BYTES:
        raise FileProblemError(f"has a {what} of {len(raw):,} bytes, more than the limit of {MAX_HEADER_BYTES:,}")
    values = raw.count(b",") + raw.count(b":") + raw.count(b"[") + raw.count(b"{")
    if values > MAX_JSON_VALUES:
        raise FileProblemError(f"has a {what} of about {values:,} JSON values, more than the limit of "
                               f"{MAX_JSON_VALUES:,}")
    objects = raw.count(b"{")
    if objects > MAX_JSON_OBJECTS:
        raise FileProblemError(f"has a {what} of about {objects:,} JSON objects, more than the limit of "
                               f"{MAX_JSON_OBJECTS:,}")
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as exc:
        raise FileProblemError(f"has a {what} that is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except RecursionError as exc:
        raise FileProblemError(f"has a {what} nested too deeply") from exc
    except ValueError as exc:  # json.JSONDecodeError, and our duplicate keys
        raise FileProblemError(f"has a {what} that is not valid JSON ({exc})") from exc
    depth = json_depth(value) if walk_depth else 0
    if depth > MAX_JSON_DEPTH:
        raise FileProblemError(f"has a {what} nested {depth} deep, more than the limit of {MAX_JSON_DEPTH}")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise ValueError(f"the key {duplicate[:80]!r} appears twice in one object")
    return result


def json_depth(value: Any) -> int:
    """How deep lists and dicts nest in ``value``, walked with a stack (no recursion)."""
    if not isinstance(value, (list, dict)):
        return 0
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break  # deeper is refused anyway: no need to walk it all
        children = item.values() if isinstance(item, dict) else item
        stack.extend([(child, depth + 1) for child in children if type(child) in (list, dict)])
    return deepest


# --- the safetensors header ------------------------------------------------------------------------


def check_table(header: Any, data_size: int) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The tensor table and the ``__metadata__`` of a parsed header, every entry checked against the file."""
    if not isinstance(header, dict):
        raise FileProblemError(f"has a header that is a JSON {type(header).__name__}, not an object")
    if len(header) > MAX_TENSORS + 1:
        raise FileProblemError(f"lists {len(header) - 1:,} tensors, more than the limit of {MAX_TENSORS:,}")
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FileProblemError("has a __metadata__ that is not a map of strings")
    table = {name: entry for name, entry in header.items() if name != "__metadata__"}
    if len(table) > MAX_TENSORS:
        raise FileProblemError(f"lists {len(table):,} tensors, more than the limit of {MAX_TENSORS:,}")
    for name, entry in table.items():
        _check_entry(name, entry, data_size)
    ranges = sorted((entry["data_offsets"][0], entry["data_offsets"][1], name) for name, entry in table.items())
    end = 0
    for begin, stop, name in ranges:
        if begin != end:
            problem = "overlaps another tensor" if begin < end else f"leaves a gap of {begin - end:,} bytes before it"
            raise FileProblemError(f"has a damaged tensor table: tensor {name[:80]!r} {problem}")
        end = stop
    if end != data_size:
        raise FileProblemError(f"is damaged: its tensors take {end:,} bytes but its data section has {data_size:,}")
    return table, metadata


def _check_entry(name: str, entry: Any, data_size: int) -> None:
    label = f"tensor {name[:80]!r}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise FileProblemError(f"has a damaged tensor table: {label} is not {{dtype, shape, data_offsets}}")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in DTYPES:
        raise FileProblemError(f"has {label} of dtype {str(dtype)[:20]!r}, which minigrad does not read (numeric "
                          f"dtypes only: {', '.join(DTYPES)})")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS
            or not all(type(size) is int and 0 <= size <= data_size for size in shape)):
        raise FileProblemError(f"has {label} with a bad shape (at most {MAX_DIMS} sizes, each a whole number from 0 to "
                          "the file's size)")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
            or not 0 <= offsets[0] <= offsets[1]):
        raise FileProblemError(f"has {label} whose byte range {str(offsets)[:60]} is not a range")
    if offsets[1] > data_size:
        raise FileProblemError(f"is truncated: {label} ends at byte {offsets[1]:,} of the data, which has "
                               f"{data_size:,}")
    elements = 1
    for size in shape:
        elements *= size  # Python ints: no overflow, and each size is at most the file's size
        if elements > data_size:
            break
    if elements * DTYPES[dtype].itemsize != offsets[1] - offsets[0]:
        raise FileProblemError(f"has {label} of shape {shape} and dtype {dtype}, which needs "
                          f"{elements * DTYPES[dtype].itemsize:,} bytes, but its byte range holds "
                          f"{offsets[1] - offsets[0]:,}")


def read(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors and the ``__metadata__`` of the .safetensors file at ``path``, bounded and checked first.

    The header is read and checked here; the tensors are then read by ``safetensors`` itself
    (``safe_open``, which maps the file and copies each tensor out), from the very file that was
    checked (``/proc/self/fd/N`` where there is one), and must match the checked table.
    """
    from safetensors import safe_open  # noqa: PLC0415 - only when a file is read

    descriptor, size = open_regular(path, max_bytes)
    try:
        if size < 8:
            raise FileProblemError("is empty" if size == 0 else f"is truncated ({size} bytes)")
        start = read_exactly(descriptor, 8, 0)
        (header_size,) = struct.unpack("<Q", start)
        try:
            if header_size > MAX_HEADER_BYTES:
                raise FileProblemError(f"claims a header of {header_size:,} bytes, more than the limit of "
                                       f"{MAX_HEADER_BYTES:,}")
            if 8 + header_size > size:
                raise FileProblemError(f"is truncated: its header claims {header_size:,} bytes, but the file has "
                                       f"{size - 8:,}")
            raw = read_exactly(descriptor, header_size, 8)
            if not raw.lstrip(b" ").startswith(b"{"):
                raise FileProblemError("has a header that is not a JSON object")
        except FileProblemError as exc:
            exc.magic = start  # so that the caller can say what the file is instead
            raise
        # the table's depth is checked by check_table's types; JSON's own recursion limit bounds the parse
        table, metadata = check_table(bounded_json(raw.rstrip(b" "), "header", walk_depth=False),
                                      size - 8 - header_size)
        same_file = f"/proc/self/fd/{descriptor}"
        try:
            with safe_open(same_file if os.path.exists(same_file) else path, framework="np") as file:
                if (file.metadata() or {}) != metadata or set(file.keys()) != set(table):
                    raise FileProblemError("changed while it was read")
                tensors = {name: file.get_tensor(name) for name in table}
        except FileProblemError:
            raise
        except Exception as exc:  # safetensors' own checks: they should agree with ours  # noqa: BLE001
            raise FileProblemError(f"is not a valid safetensors file ({str(exc)[:200]})") from exc
    finally:
        os.close(descriptor)
    for name, entry in table.items():
        if tensors[name].dtype != DTYPES[entry["dtype"]] or list(tensors[name].shape) != entry["shape"]:
            raise FileProblemError(f"changed while it was read (tensor {name[:80]!r})")
    return tensors, metadata


# --- writing ------------------------------------------------------------------------------------------


def write_atomically(path: str, write: Callable[[Any], None]) -> None:
    """Call ``write(file)`` on a new file beside ``path``, fsync it, then rename it over ``path``.

    The new file is made with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and mode 0o666, so the process
    umask decides its permissions and no symlink or other file's mode is ever followed or copied;
    the rename replaces a symlink at ``path`` itself, never its target. If anything fails, the
    file previously at ``path`` is left as it was.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {path}: the folder {directory} does not exist")
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}.partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points at them
        os.replace(temporary, path)  # the commit: atomic, so readers see the old file or the new one
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(directory)  # make the rename itself survive a power cut


def fsync_directory(directory: str) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder to fsync it
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
