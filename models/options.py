"""The checks on ``minigrad-translate``'s options that run before anything else does.

Each numeric option has an argparse ``type`` that refuses a bad value with the option's name, so
that ``--batch-size 0`` or ``--lr nan`` ends with one ``error:`` line and exit status 2 before any
data is read or any folder is made. :func:`check_out` does the same for the run folder.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path


def _number(text: str, kind: type) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {'a whole number' if kind is int else 'a number'}, "
                                         f"not {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def at_least(low: int) -> Callable[[str], int]:
    """A whole number ≥ ``low``."""

    def check(text: str) -> int:
        value = int(_number(text, int))
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        return value

    check.__name__ = f"whole number ≥ {low}"
    return check


positive_int = at_least(1)
non_negative_int = at_least(0)


def positive_float(text: str) -> float:
    """A finite number > 0 (a learning rate)."""
    value = _number(text, float)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number ≥ 0 (a length penalty)."""
    value = _number(text, float)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, not {text}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1) (dropout, label smoothing)."""
    value = _number(text, float)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, not {text}")
    return value


def clip_norm(text: str) -> float | None:
    """A gradient-norm bound > 0, or ``off`` for no clipping."""
    if text.strip().lower() in ("off", "none"):
        return None
    value = _number(text, float)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 (or 'off' for no clipping), not {text}")
    return value


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` shows each option's default; options whose default is None say theirs in their help."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "%(default)" in text or "default:" in text or action.default in (None, argparse.SUPPRESS):
            return text
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
            return text + " (default: off)" if action.default is False else text
        return text + " (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, ``error: ...`` (exit status 2), without the usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def check_out(out: Path, resume: bool, overwrite: bool) -> None:
    """Refuse a run folder that cannot be used, before any data is read and without making it.

    It must be a folder (or not exist yet, under a folder that can be written to); one that holds
    a run needs ``--resume`` or ``--overwrite``; ``--resume`` needs a run to go on from. (Locking
    the folder, and runs in the old format, are ``Trainer.open_run``'s.)
    """
    from models.data import DataError  # noqa: PLC0415
    from models.runfolder import LAST, OLD_LAST  # noqa: PLC0415

    if out.exists() and not out.is_dir():
        raise DataError(f"cannot use --out {out}: it is a file, not a folder")
    held = out / LAST
    if resume and not held.exists() and not (out / OLD_LAST).exists():
        raise DataError(f"--resume: {out} holds no run to go on from ({held} does not exist)")
    if held.exists() and not resume and not overwrite:
        raise DataError(f"{out} already holds a run ({held}); pass --resume to go on with it, "
                        "--overwrite to start it again, or choose another --out")
    existing = out
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise DataError(f"cannot create the run folder {out}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "write into" if existing == out else f"create {out} in"
        raise DataError(f"cannot {what} {existing}: permission denied; choose another --out")


IMAGE_FORMATS = ("png", "pdf", "svg", "jpg", "jpeg", "webp", "eps", "ps", "tif", "tiff")


def check_image_path(path: str) -> Path:
    """An image file name whose suffix matplotlib can write."""
    from models.data import DataError  # noqa: PLC0415

    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in IMAGE_FORMATS:
        raise DataError(f"--out {path}: {'.' + suffix if suffix else 'no suffix'} is not an image format; "
                        f"use one of {', '.join('.' + s for s in IMAGE_FORMATS)}")
    return Path(path)
