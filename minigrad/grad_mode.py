"""Grad mode: whether ops record the graph. One switch per thread, as in PyTorch.

Inside ``with no_grad():`` an op computes its result and records nothing: no ``grad_fn``, no
saved values, no memory held for backward. Evaluation and the optimizer's update run so.
The switch is per thread (``threading.local``), so one thread evaluating under ``no_grad``
never stops another thread's training step from recording its graph.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any


class _GradMode(threading.local):
    enabled = True  # each thread starts with recording on


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Do ops record the graph in this thread now?"""
    return _mode.enabled


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Switch graph recording on or off: as a plain call, a ``with`` block or a decorator.

    As in PyTorch, ``set_grad_enabled(False)`` switches at once; leaving a ``with`` block
    puts back the mode it found; a decorated function runs with ``mode`` and then puts back
    the caller's.
    """

    def __init__(self, mode: bool) -> None:
        self.previous, self.mode = _mode.enabled, bool(mode)
        _mode.enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self.previous

    def __call__(self, function: Callable) -> Callable:
        _mode.enabled = self.previous  # decorating a function must not switch the mode now
        return _decorate(function, self.mode)


class no_grad:  # noqa: N801 - PyTorch's name
    """Record nothing: ops inside give tensors with no ``grad_fn``.

    ``with no_grad():``, or a decorator, with or without parentheses (``@no_grad()``, ``@no_grad``).
    """

    mode = False

    def __new__(cls, function: Callable | None = None) -> Any:
        if function is not None:  # ``@no_grad`` without parentheses: the function comes straight in
            return _decorate(function, cls.mode)
        return super().__new__(cls)

    def __enter__(self) -> None:
        self.previous, _mode.enabled = _mode.enabled, self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self.previous

    def __call__(self, function: Callable) -> Callable:
        return _decorate(function, self.mode)


class enable_grad(no_grad):  # noqa: N801 - PyTorch's name
    """Record the graph again, e.g. inside a ``no_grad`` block."""

    mode = True


def _decorate(function: Callable, mode: bool) -> Callable:
    """Run ``function`` with grad mode ``mode``, putting back the caller's mode afterwards.

    A generator function runs a little at each ``next``: as in PyTorch, the mode is set for each
    resumption and the caller's put back at each ``yield``, so the caller's code between two
    items records (or not) as it would without the decorator.
    """
    if inspect.isgeneratorfunction(function):

        @functools.wraps(function)
        def generator_with_mode(*args: Any, **kwargs: Any) -> Any:
            generator = function(*args, **kwargs)
            resume: Callable = generator.send
            value: Any = None
            while True:
                previous, _mode.enabled = _mode.enabled, mode
                try:
                    item = resume(value)
                except StopIteration as stop:
                    return stop.value
                finally:
                    _mode.enabled = previous
                try:
                    value, resume = (yield item), generator.send
                except GeneratorExit:
                    generator.close()
                    raise
                except BaseException as error:  # thrown in by the caller: the generator gets it
                    value, resume = error, generator.throw

        return generator_with_mode

    @functools.wraps(function)
    def with_mode(*args: Any, **kwargs: Any) -> Any:
        previous, _mode.enabled = _mode.enabled, mode
        try:
            return function(*args, **kwargs)
        finally:
            _mode.enabled = previous

    return with_mode


class inference_mode(no_grad):  # noqa: N801 - PyTorch's name
    """torch.inference_mode: here the same as ``no_grad()`` (nothing is recorded); ``inference_mode(False)``
    leaves recording as it is. A ``with`` block, or a decorator with or without its parentheses."""

    def __new__(cls, mode: bool | Callable = True) -> Any:
        if callable(mode):  # ``@inference_mode`` without parentheses
            return _decorate(mode, False)
        return object.__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.switch_off = bool(mode)

    def __enter__(self) -> None:
        self.previous = _mode.enabled
        if self.switch_off:
            _mode.enabled = False

    def __call__(self, function: Callable) -> Callable:
        return _decorate(function, False) if self.switch_off else function
