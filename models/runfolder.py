"""A run folder that stays consistent through kills, Ctrl-C and a second training.

What ``train --out DIR`` keeps in DIR, and the rules that keep it whole:

* **one training at a time**: ``DIR/.lock`` is held with ``fcntl.flock`` while a training runs
  and names its process id, so a second training into DIR is refused with that id;
* **a commit order that survives a kill anywhere**: after each epoch, ``best`` (when the epoch
  is the best so far, and always on the first) is written before ``last``, so ``best`` exists
  whenever ``last`` does; ``metrics.jsonl`` is then written whole from ``last``'s own history,
  and on resume it is written again from it, so no epoch is ever listed twice; ``metrics.png``
  is written atomically too;
* **files are made in DIR, never through a symlink**: every file is written to a new temporary
  file (``O_CREAT | O_EXCL | O_NOFOLLOW``, mode 0o666, so the process umask decides its
  permissions) and renamed over its name, which replaces a symlink rather than writing through it.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from minigrad import safefile

try:
    import fcntl
except ImportError:  # Windows: no flock; a second training is not detected there
    fcntl = None  # type: ignore[assignment]

LAST, BEST = "last.safetensors", "best.safetensors"
OLD_LAST = "last.npz"
METRICS, PLOT, LOCK = "metrics.jsonl", "metrics.png", ".lock"
# every other option must match the checkpoint's; "lstm" (composed or fused) computes the same numbers either way
MAY_CHANGE_ON_RESUME = ("epochs", "lr", "device", "lstm", "out", "max_minutes", "patience")


class RunFolderBusyError(OSError):
    """Another training holds the run folder."""


class RunFolder:
    """``RunFolder(out).acquire()``: the folder, created if need be, locked for this process."""

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.out = Path(out)
        self._lock: int | None = None

    def acquire(self) -> RunFolder:
        self.out.mkdir(parents=True, exist_ok=True)
        if fcntl is None or self._lock is not None:
            return self
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            descriptor = os.open(self.out / LOCK, flags, 0o666)
        except OSError as exc:
            raise OSError(f"cannot lock run folder {self.out}: {self.out / LOCK}: {exc.strerror}") from exc
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(descriptor)
            raise RunFolderBusyError(f"run folder {self.out} is in use by another training (process {holder}); "
                                     "wait for it to finish or stop it, or choose another --out") from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        self._lock = descriptor
        for partial in self.out.glob(".*.partial"):  # left by a training killed mid-write; we hold the lock
            partial.unlink(missing_ok=True)
        return self

    def release(self) -> None:
        if self._lock is not None:
            os.ftruncate(self._lock, 0)
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = None

    def path(self, name: str) -> Path:
        return self.out / name

    def write_bytes(self, name: str, content: bytes) -> None:
        """Write ``DIR/name`` atomically, without following a symlink, with the umask."""
        safefile.write_atomically(str(self.out / name), lambda file: file.write(content))

    def write_metrics(self, history: list[Mapping[str, Any]]) -> None:
        """``metrics.jsonl`` rewritten whole from ``history``: one line per finished epoch, never two."""
        self.write_bytes(METRICS, "".join(json.dumps(record) + "\n" for record in history).encode("utf-8"))

    def write_plot(self, history: list[Mapping[str, Any]], plot: Any) -> None:
        """``metrics.png`` drawn by ``plot(history, file)`` into memory, then written atomically."""
        if not history:
            return
        buffer = io.BytesIO()
        plot(history, buffer)
        self.write_bytes(PLOT, buffer.getvalue())

    def clear(self) -> None:
        """Remove a previous run's files (for --overwrite): ``last`` first, so ``best`` outlives it."""
        for name in (LAST, BEST, METRICS, PLOT):
            (self.out / name).unlink(missing_ok=True)


def option_differences(saved: Mapping[str, Any], given: Mapping[str, Any]) -> list[str]:
    """The options that differ between a checkpoint's training options and this command's, as ``name a → b``."""
    names = [name for name in given if name not in MAY_CHANGE_ON_RESUME]
    return [f"{name} {saved.get(name)!r} → {given[name]!r}"
            for name in names if saved.get(name, given[name]) != given[name]]
