"""Where the time goes: ``with minigrad.profile() as p:`` records every op run and every backward.

    with mg.profile() as p:
        loss = model(x).sum()
        loss.backward()
    print(p.table())           # one row per op and phase, the most time first
    p.events                   # the raw records, one per forward and one per backward of an op

Each :class:`Event` is one ``Function.apply`` (phase ``"forward"``) or one call of a Function's
``backward`` by the walk (phase ``"backward"``): the op's class and the module it is written in,
the shapes in and out, the time it took, the bytes its forward kept for backward (the
``nbytes`` of what ``save_for_backward`` kept, when the op was recorded in the graph) and its
estimated floating-point operations where the formula is clear (:func:`estimated_flops`).

A backward is written in Tensor ops, so the ops it runs are events too, one level deeper
(``depth``): ``time`` includes them, ``self_time`` does not, and the table adds up self times,
so that nothing is counted twice. Forward events at depth 0 during a backward are the walk's own
work: adding up the gradients that meet at a tensor, and undoing broadcasting.

When no profile is on, the engine pays one check per op (``profiler.active is None``, in
``Function.apply`` and in the backward walk). One profile records at a time, in the thread
that entered it; ops that other threads run meanwhile are run as usual and not recorded. The
same profile may be entered again: its events add up (``minigrad-translate train --profile``
records a few training steps so). On a GPU, CuPy queues kernels and returns: the times are
those of queueing, not of running, unless the code synchronises.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from minigrad import backend

__all__ = ["Event", "Profile", "Row", "active", "estimated_flops", "profile"]

active: Profile | None = None  # the profile that is recording now; the engine checks this, and only this

MATMUL = ("minigrad.ops.linalg", "MatMul")
ELEMENTWISE = {"minigrad.ops.elementwise", "minigrad.ops.pointwise", "minigrad.ops.trig"}  # one FLOP per output
NOT_ARITHMETIC = {"To"}  # in ops/elementwise.py, but a copy to another dtype or device: no FLOPs
REDUCTIONS = {"minigrad.ops.reduce"}  # one FLOP per input element


def estimated_flops(op: type, inputs: Sequence[Any], outputs: Sequence[Any]) -> int | None:
    """The floating-point operations of one forward of ``op``, or None where no formula is clear.

    matmul: 2·m·n·k (a multiply and an add per term; batch axes multiply it);
    elementwise ops (``ops/elementwise.py``, ``pointwise.py``, ``trig.py``): one per output element;
    reductions (``ops/reduce.py``): one per input element. Every other op: None.
    """
    if (op.__module__, op.__name__) == MATMUL:  # (..., m, k) @ (..., k, n) -> (..., m, n)
        return 2 * outputs[0].size * inputs[0].shape[-1]
    if op.__module__ in ELEMENTWISE and op.__name__ not in NOT_ARITHMETIC:
        return sum(output.size for output in outputs)
    if op.__module__ in REDUCTIONS:
        return inputs[0].size
    return None


@dataclass(frozen=True)
class Event:
    """One forward (``Function.apply``) or one backward of an op, as the profile saw it.

    ``time`` and ``self_time`` are seconds: ``time`` from call to return, ``self_time`` without
    the ops run inside it (a backward's own ops). ``depth`` 0 is an op called from outside any op.
    For a backward, the shapes in are those of the gradients that arrived and the shapes out those
    it returned (None where it returned none); ``bytes_kept`` and ``flops`` are a forward's.
    """

    op: str
    module: str
    phase: str  # "forward" or "backward"
    input_shapes: tuple[tuple[int, ...] | None, ...]
    output_shapes: tuple[tuple[int, ...] | None, ...]
    time: float
    self_time: float
    bytes_kept: int
    flops: int | None
    depth: int


@dataclass
class Row:
    """The events of one op and phase, added up: one line of :meth:`Profile.table`."""

    op: str
    module: str
    phase: str
    calls: int = 0
    self_time: float = 0.0
    time: float = 0.0
    bytes_kept: int = 0
    flops: int | None = None


SORT_KEYS = {"self": lambda r: r.self_time, "total": lambda r: r.time, "calls": lambda r: r.calls,
             "flops": lambda r: r.flops or 0, "kept": lambda r: r.bytes_kept}


class Profile:
    """The events recorded inside ``with`` blocks (one or several) of this profile; see the module's docstring."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.wall = 0.0  # seconds spent inside this profile's with blocks
        self._thread: int | None = None  # the thread that records, while recording
        self._inner: list[float] = []  # per open event: seconds spent in the events inside it
        self._entered = 0.0

    @property
    def recording(self) -> bool:
        return active is self

    def __enter__(self) -> Profile:
        global active
        if active is not None:
            raise RuntimeError("minigrad.profile: a profile is already recording (profiles do not nest); "
                               "leave it first, or enter the same profile again later to add to its events")
        self._thread, self._inner = threading.get_ident(), []
        self._entered = time.perf_counter()
        active = self
        return self

    def __exit__(self, *exc: object) -> None:
        global active
        active = None
        self.wall += time.perf_counter() - self._entered
        self._thread = None

    # --- the two calls the engine makes while this profile records -----------------------------
    def forward(self, op: type, ctx: Any, arrays: list[Any], kwargs: dict[str, Any]) -> Any:
        """Run ``op.forward(ctx, *arrays, **kwargs)`` for ``Function.apply``, and record it."""
        if threading.get_ident() != self._thread:
            return op.forward(ctx, *arrays, **kwargs)
        started = self._open()
        try:
            result = op.forward(ctx, *arrays, **kwargs)
        except BaseException:
            self._close(started)  # the op raised: no event, and the ops around it stay right
            raise
        elapsed = time.perf_counter() - started
        outputs = result if type(result) is tuple else (result,)
        kept = _nbytes(ctx.saved_values) if True in ctx.needs_input_grad else 0  # else nothing holds ctx
        self._close(started, elapsed, op, "forward", _shapes(arrays), _shapes(outputs), kept,
                    estimated_flops(op, arrays, outputs))
        return result

    def backward(self, node: Any, grads: list[Any]) -> Any:
        """Run ``node``'s backward for the walk in :mod:`minigrad.tensor`, and record it."""
        op = type(node)
        if threading.get_ident() != self._thread:
            return op.backward(node, *grads)
        started = self._open()
        try:
            input_grads = op.backward(node, *grads)
        except BaseException:
            self._close(started)  # the op raised: no event, and the ops around it stay right
            raise
        elapsed = time.perf_counter() - started
        returned = input_grads if isinstance(input_grads, tuple) else (input_grads,)
        self._close(started, elapsed, op, "backward", _shapes(g.data for g in grads),
                    _shapes(None if g is None else g.data for g in returned), 0, None)
        return input_grads

    def _open(self) -> float:
        self._inner.append(0.0)
        return time.perf_counter()

    def _close(self, started: float, elapsed: float = 0.0, op: type | None = None, phase: str = "",
               inputs: tuple = (), outputs: tuple = (), kept: int = 0, flops: int | None = None) -> None:
        """Record the event that began at ``started`` (none without ``op``) and count it in the op around it."""
        inner = self._inner.pop()
        if op is not None:
            self.events.append(Event(op.__qualname__, op.__module__, phase, inputs, outputs, elapsed,
                                     max(elapsed - inner, 0.0), kept, flops, len(self._inner)))
        if self._inner:  # the op that runs this one: its self time leaves out this one's time and bookkeeping
            self._inner[-1] += time.perf_counter() - started

    # --- reading it ------------------------------------------------------------------------------
    def rows(self, sort_by: str = "self") -> list[Row]:
        """One :class:`Row` per op and phase, sorted by ``sort_by`` (self, total, calls, flops, kept), most first."""
        if sort_by not in SORT_KEYS:
            raise ValueError(f"profile: sort_by must be one of {', '.join(SORT_KEYS)}, not {sort_by!r}")
        rows: dict[tuple[str, str, str], Row] = {}
        for event in self.events:
            row = rows.get((event.module, event.op, event.phase))
            if row is None:
                row = rows[(event.module, event.op, event.phase)] = Row(event.op, event.module, event.phase)
            row.calls += 1
            row.self_time += event.self_time
            row.time += event.time
            row.bytes_kept += event.bytes_kept
            if event.flops is not None:
                row.flops = (row.flops or 0) + event.flops
        return sorted(rows.values(), key=SORT_KEYS[sort_by], reverse=True)

    def table(self, sort_by: str = "self", limit: int | None = None) -> str:
        """A text table, one line per op and phase, the most total self time first (as torch.profiler's
        ``key_averages().table()``): calls, self and total milliseconds, the share of the profile's
        time, megabytes (2²⁰ bytes) kept for backward, millions of FLOPs and GFLOP/s where they are known."""
        rows = self.rows(sort_by)
        ops_time = sum(row.self_time for row in rows)
        wall = self.wall + (time.perf_counter() - self._entered if self.recording else 0.0)
        lines = [f"{len(self.events)} events, {ops_time * 1e3:.1f} ms in ops of {wall * 1e3:.1f} ms profiled "
                 f"({_share(ops_time, wall)}); the rest ran outside any op (Python, raw-array code, data)"]
        header = (f"{'op':<22} {'phase':<8} {'calls':>6} {'self ms':>9} {'self %':>7} {'total ms':>9} "
                  f"{'kept MB':>8} {'MFLOP':>9} {'GFLOP/s':>8}  module")
        lines += [header, "-" * len(header)]
        for row in rows[:limit]:
            mflop = "" if row.flops is None else f"{row.flops / 1e6:.2f}"
            speed = "" if row.flops is None or row.self_time <= 0 else f"{row.flops / 1e9 / row.self_time:.2f}"
            kept = f"{row.bytes_kept / 2**20:.2f}" if row.phase == "forward" else ""
            lines.append(f"{row.op[:22]:<22} {row.phase:<8} {row.calls:>6} {row.self_time * 1e3:>9.2f} "
                         f"{_share(row.self_time, wall):>7} {row.time * 1e3:>9.2f} {kept:>8} {mflop:>9} "
                         f"{speed:>8}  {row.module}")
        if limit is not None and len(rows) > limit:
            lines.append(f"... and {len(rows) - limit} more rows")
        return "\n".join(lines)


def profile() -> Profile:
    """A profile to record with: ``with minigrad.profile() as p: ...``, then ``print(p.table())``."""
    return Profile()


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole > 0 else "-"


def _shapes(values: Any) -> tuple[tuple[int, ...] | None, ...]:
    """The shape of each array (a NumPy scalar's is ``()``), None for anything else (a number, an axis)."""
    return tuple(tuple(v.shape) if hasattr(v, "shape") else None for v in values)


def _nbytes(saved: Any) -> int:
    """The bytes of the arrays in what an op saved for backward (a tensor's array; each array once)."""
    arrays = {}
    for value in saved or ():
        array = value if backend.is_array(value) else getattr(value, "data", None)  # a Tensor holds its array
        if backend.is_array(array):
            arrays[id(array)] = array.nbytes
    return sum(arrays.values())
