"""Ctrl-C during training: stop at a state the uninterrupted run also passes through.

The first Ctrl-C asks the loop to stop after the batch in hand. A second one stops sooner, but
never inside a *commit*: the optimizer's update of the parameters (with the data position and
the loss sums that go with it) or the writing of an epoch's checkpoints. There it waits for the
commit to end, so what is saved afterwards is never a half-updated model.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any


class CtrlC:
    """A SIGINT handler with a deferred zone: ``with ctrl_c.commit(): ...`` is never cut in two."""

    def __init__(self, notice: Callable[[str], None] = print) -> None:
        self.requested = False  # the first Ctrl-C: stop after this batch
        self.notice = notice
        self._depth = 0  # inside how many commits we are
        self._pending = False  # a second Ctrl-C arrived inside a commit
        self._previous: Any = None

    def __enter__(self) -> CtrlC:
        self.requested = self._pending = False
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.requested:
            self.requested = True
            self.notice("\nCtrl-C: finishing this batch, then saving (press Ctrl-C again to stop sooner; "
                        "the state after the last finished update is saved)")
            return
        if self._depth:
            self._pending = True  # raised when the commit ends
            return
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def commit(self) -> Iterator[None]:
        """A block that a second Ctrl-C does not interrupt; it takes effect right after."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._pending and not self._depth:
                self._pending = False
                raise KeyboardInterrupt


@contextlib.contextmanager
def ignoring_ctrl_c() -> Iterator[None]:
    """A block that Ctrl-C does not reach at all (in the main thread; elsewhere signals never arrive)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
