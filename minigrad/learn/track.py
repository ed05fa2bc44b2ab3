"""Checking a learner's file: load it fresh, find the names the task asks for, and run the task's grader.

A check never grades a cached module, nor the reference unless asked. Later tasks use earlier
answers through :mod:`minigrad.learn.mine`, which hands out the learner's own answer when its task
passes and the reference otherwise, with a note.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import threading
import traceback
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from minigrad.learn.core import SOLUTIONS, AnswerError, Task, message
from minigrad.learn.tasks import TASKS

DEFAULT_WORKSPACE = Path("minigrad-learn")
LANGS = ("en", "ko")


@dataclass
class Result:
    """What a check found: passed or the failure's key and details, and notes on where earlier answers came from."""

    task: Task
    path: Path
    failure: AnswerError | None = None
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    module: ModuleType | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None

    @property
    def key(self) -> str | None:
        return None if self.failure is None else self.failure.key

    def text(self, lang: str = "en") -> str:
        """The failure's message in ``lang`` ('' when it passed)."""
        return "" if self.failure is None else message(self.task, self.failure.key, self.failure.details, lang)


@dataclass
class Context:
    """Whose code a check grades: the workspace's files, or minigrad's own (``reference``)."""

    workspace: Path
    reference: bool
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


_contexts: list[Context] = []
_passed: dict[tuple, Result] = {}  # (task, file, mtime, size) -> Result, for the earlier tasks a later one uses


def current() -> Context:
    return _contexts[-1] if _contexts else Context(DEFAULT_WORKSPACE, reference=False)


@contextmanager
def grading(context: Context) -> Iterator[Context]:
    _contexts.append(context)
    try:
        yield context
    finally:
        _contexts.pop()


def tasks() -> list[Task]:
    return TASKS


def task(number: int) -> Task:
    found = [t for t in tasks() if t.number == number]
    if not found:
        raise KeyError(number)
    return found[0]


def load(path: Path) -> ModuleType:
    """A fresh module from ``path``: the learner's file as it is now."""
    spec = importlib.util.spec_from_file_location(f"minigrad_learn_{path.stem}_{id(path)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _where(error: BaseException, path: Path) -> tuple[str, str]:
    """Where in the learner's file an error came from, and the function it was in."""
    if isinstance(error, SyntaxError) and error.lineno is not None:
        return f"{path.name}, line {error.lineno}", "?"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).resolve() == path.resolve()]
    if not frames:  # raised outside the learner's file, on something it returned
        return "what your code returned", "?"
    return f"{path.name}, line {frames[-1].lineno}", frames[-1].name


class _OutOfTimeError(Exception):
    """The check's time ran out (a loop in the learner's code that never ends)."""


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise _OutOfTimeError wherever the code is after ``seconds`` (POSIX, main thread; elsewhere no limit)."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise _OutOfTimeError

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(number: int, workspace: Path | str = DEFAULT_WORKSPACE, reference: bool = False,
          time_limit: float | None = None) -> Result:
    """Grade task ``number``: the learner's file in ``workspace``, or the reference with ``reference=True``.

    ``time_limit`` (seconds) stops code that never ends; the command gives it 60."""
    the_task = task(number)
    workspace = Path(workspace)
    path = SOLUTIONS / the_task.filename if reference else workspace / the_task.filename
    result = Result(the_task, path)
    with grading(Context(workspace, reference)) as context, _time_limit(time_limit):
        try:
            if not path.exists():
                raise AnswerError("no_file", path=path, number=number)
            result.module = module = load(path)
            absent = [name for name in the_task.provides if not hasattr(module, name)]
            if absent:
                raise AnswerError("missing", what=", ".join(absent))
            with warnings.catch_warnings(), np.errstate(all="ignore"):  # a NaN or inf is graded, not warned of
                warnings.simplefilter("ignore", RuntimeWarning)
                the_task.grade(module)
        except AnswerError as wrong:
            result.failure = wrong
        except _OutOfTimeError as error:
            result.failure = AnswerError("too_slow", seconds=time_limit, where=_where(error, path)[0])
        except NotImplementedError as error:
            result.failure = AnswerError("not_done", what=_where(error, path)[1])
        except Exception as error:  # the learner's code failed: say where, in their file
            where, _ = _where(error, path)
            result.failure = AnswerError("raised", error=type(error).__name__, where=where, text=str(error) or "-")
        result.notes = context.notes
    return result


def earlier(name: str) -> Any:
    """``name`` from the task that provides it: the learner's answer if that task passes, else the reference."""
    owner = next((t for t in tasks() if name in t.provides), None)
    if owner is None:
        raise AttributeError(f"no task of the track provides {name!r}")
    context = current()
    if context.reference:
        return getattr(_reference(owner), name)
    path = context.workspace / owner.filename
    stat = path.stat() if path.exists() else None
    cache_key = (owner.number, str(path.resolve()), stat and stat.st_mtime_ns, stat and stat.st_size)
    if cache_key not in _passed:
        _passed[cache_key] = check(owner.number, context.workspace)
    found = _passed[cache_key]
    if found.passed and found.module is not None:
        context.notes.append(("yours", {"what": name, "number": owner.number}))
        return getattr(found.module, name)
    context.notes.append(("fallback", {"what": name, "number": owner.number, "name": owner.name}))
    return getattr(_reference(owner), name)


_references: dict[int, ModuleType] = {}


def _reference(owner: Task) -> ModuleType:
    if owner.number not in _references:
        with grading(Context(DEFAULT_WORKSPACE, reference=True)):
            _references[owner.number] = load(SOLUTIONS / owner.filename)
    return _references[owner.number]


def language(explicit: str | None = None) -> str:
    """``explicit`` if given, else Korean when the locale says so (LC_ALL, LC_MESSAGES, LANG), else English."""
    if explicit:
        return explicit
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def started(the_task: Task, workspace: Path) -> str:
    """'absent', 'stub' (untouched) or 'changed': the state of the learner's file."""
    path = workspace / the_task.filename
    if not path.exists():
        return "absent"
    return "stub" if path.read_text(encoding="utf-8") == the_task.stub_text() else "changed"


def start(the_task: Task, workspace: Path) -> tuple[Path, bool]:
    """Write the stub of ``the_task`` into ``workspace``; never over a file the learner changed.

    Returns the path and whether the file was written (False: the learner's file was kept)."""
    path = workspace / the_task.filename
    if started(the_task, workspace) == "changed":
        return path, False
    workspace.mkdir(parents=True, exist_ok=True)
    path.write_text(the_task.stub_text(), encoding="utf-8")
    return path, True
