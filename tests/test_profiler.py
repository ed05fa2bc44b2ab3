"""minigrad.profile(): one event per op run and per backward, counted, measured and estimated as documented.

The counts are checked against the graph itself (the nodes a forward recorded, the nodes a
backward walked), the FLOPs against the formulas of docs/performance.md (matmul 2·m·n·k, one per
output element for elementwise ops, one per input element for reductions), the bytes kept against
what the ops saved for backward, and the switch against the ways it could be left on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import profiler

ROOT = Path(__file__).resolve().parent.parent


def graph_nodes(output: mg.Tensor) -> list[mg.Function]:
    """Every node of the graph that made ``output``, each once (an explicit stack, no recursion)."""
    found: dict[int, mg.Function] = {}
    stack = [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in found:
            continue
        found[id(node)] = node
        stack.extend(t.grad_fn for t in node.inputs if isinstance(t, mg.Tensor))
    return list(found.values())


def counts(events: list[profiler.Event], phase: str, depth: int = 0) -> Counter:
    return Counter(e.op for e in events if e.phase == phase and e.depth == depth)


def small_expression() -> tuple[mg.Tensor, list[mg.Tensor]]:
    x, w, b = mg.randn(4, 3, requires_grad=True), mg.randn(3, 5, requires_grad=True), mg.randn(5, requires_grad=True)
    hidden = (x @ w + b).tanh()
    return (hidden * hidden).mean() + hidden.sum() * 0.5, [x, w, b]


def test_forward_events_are_the_ops_the_graph_recorded_and_backward_events_the_nodes_walked() -> None:
    with mg.profile() as forward:
        loss, leaves = small_expression()
    nodes = Counter(type(node).__name__ for node in graph_nodes(loss))
    assert nodes == {"MatMul": 1, "Add": 2, "Tanh": 1, "Mul": 2, "Mean": 1, "Sum": 1}
    assert counts(forward.events, "forward") == nodes
    assert len(forward.events) == sum(nodes.values())  # nothing else: no backward, nothing nested

    with mg.profile() as backward:
        loss.backward()
    assert counts(backward.events, "backward") == nodes  # each node walked once
    assert all(leaf.grad is not None for leaf in leaves)
    # a backward's own ops are one level deeper, and its time includes theirs
    tanh = next(e for e in backward.events if e.op == "Tanh" and e.phase == "backward")
    assert any(e.depth == 1 for e in backward.events)
    assert tanh.time >= tanh.self_time >= 0
    rows = {(row.op, row.phase): row for row in backward.rows()}
    assert rows[("Tanh", "backward")].calls == 1
    assert sum(row.calls for row in backward.rows()) == len(backward.events)


def test_the_events_record_the_op_its_module_and_the_shapes() -> None:
    x = mg.randn(2, 3, 4, requires_grad=True)
    w = mg.randn(2, 4, 5, requires_grad=True)
    with mg.profile() as p:
        y = x @ w  # batched: one MatMul
        y.sum().backward()
    matmul = p.events[0]
    assert (matmul.op, matmul.module, matmul.phase, matmul.depth) == ("MatMul", "minigrad.ops.linalg", "forward", 0)
    assert (matmul.input_shapes, matmul.output_shapes) == (((2, 3, 4), (2, 4, 5)), ((2, 3, 5),))
    back = next(e for e in p.events if e.op == "MatMul" and e.phase == "backward")
    assert back.input_shapes == ((2, 3, 5),)  # the gradient that arrived: dL/dy
    assert back.output_shapes == ((2, 3, 4), (2, 4, 5))  # dL/dx, dL/dw


def test_flops_follow_the_formulas(device: str) -> None:
    a, b = mg.randn(2, 3, 4, device=device), mg.randn(2, 4, 5, device=device)
    v, m = mg.randn(4, device=device), mg.randn(6, 4, device=device)
    with mg.profile() as p:
        a @ b  # batch 2 of (3, 4) @ (4, 5): 2·m·n·k per matrix
        v @ v  # a dot product: k multiplies and k adds
        m @ v  # (6, 4) @ (4,): 2·6·4
        a * 2.0  # elementwise: one per output element
        a.tanh()
        a.sum(axis=1)  # a reduction: one per input element
        a.reshape(6, 4)  # no clear formula: None
    flops = [(e.op, e.flops) for e in p.events if e.op != "Reshape"]  # matmul lifts a vector to a matrix by reshape
    assert flops == [("MatMul", 2 * 2 * 3 * 5 * 4), ("MatMul", 2 * 4), ("MatMul", 2 * 6 * 4), ("Mul", 24),
                     ("Tanh", 24), ("Sum", 24)]
    assert {e.flops for e in p.events if e.op == "Reshape"} == {None}
    assert profiler.estimated_flops(type("Mine", (), {}), [np.ones(3)], [np.ones(3)]) is None  # a user's own op


def test_the_showcase_matmul_flops_are_the_performance_pages_formula() -> None:
    # docs/performance.md: the encoder's input projection, one matmul for all steps, is 2·B·S·E·4H
    # ((B, S, E) @ (E, 4H) is folded to one (B·S, E) @ (E, 4H) matmul, between two reshapes)
    batch, steps, embed, hidden = 8, 5, 3, 4
    inputs, weight = mg.randn(batch, steps, embed), mg.randn(embed, 4 * hidden)
    with mg.profile() as p:
        inputs @ weight
    assert [e.flops for e in p.events if e.op == "MatMul"] == [2 * batch * steps * embed * 4 * hidden]


def test_bytes_kept_are_the_arrays_saved_for_backward(device: str) -> None:
    x = mg.randn(8, 16, requires_grad=True, device=device)
    y = mg.randn(8, 16, device=device)
    with mg.profile() as p:
        z = x * y  # Mul keeps x and y
        t = z.tanh()  # Tanh keeps its output
    saved = [sum(v.nbytes for v in node.saved_values) for node in (z.grad_fn, t.grad_fn)]
    assert [e.bytes_kept for e in p.events] == saved == [2 * 8 * 16 * 4, 8 * 16 * 4]
    rows = {row.op: row for row in p.rows()}
    assert rows["Mul"].bytes_kept + rows["Tanh"].bytes_kept == 3 * 8 * 16 * 4
    with mg.no_grad(), mg.profile() as unrecorded:  # nothing is recorded, so nothing is kept
        x * y
    assert unrecorded.events[0].bytes_kept == 0
    with mg.profile() as same_array:  # an array saved twice is kept once
        x * x
    assert same_array.events[0].bytes_kept == 8 * 16 * 4


class Failing(mg.Function):
    """An op whose forward or backward raises, as a shape mistake in a user's op would."""

    @staticmethod
    def forward(ctx: mg.Function, x: np.ndarray, fail_forward: bool) -> np.ndarray:
        if fail_forward:
            raise ValueError("forward failed")
        return x * 1

    @staticmethod
    def backward(ctx: mg.Function, grad: mg.Tensor) -> tuple[mg.Tensor, None]:
        raise ValueError("backward failed")


def test_profiling_is_off_by_default_and_the_engine_never_calls_it_then(monkeypatch: pytest.MonkeyPatch) -> None:
    assert profiler.active is None

    def called(*args: object) -> None:
        raise AssertionError("the profiler was called while no profile was on")

    monkeypatch.setattr(profiler.Profile, "forward", called)
    monkeypatch.setattr(profiler.Profile, "backward", called)
    loss, _ = small_expression()
    loss.backward()


def test_exceptions_and_nesting_leave_profiling_off() -> None:
    x = mg.randn(3, requires_grad=True)
    with pytest.raises(ValueError, match="forward failed"), mg.profile() as p:
        (x * 2).sum()
        Failing.apply(x, True)
    assert profiler.active is None and not p.recording
    assert [e.op for e in p.events] == ["Mul", "Sum"]  # the failed op left no event

    with mg.profile() as p:
        with pytest.raises(ValueError, match="forward failed"):
            Failing.apply(x, True)
        with pytest.raises(ValueError, match="backward failed"):
            (Failing.apply(x, False) * 3).sum().backward()
        x.tanh()  # after two failures inside ops: still an op at depth 0
    assert p.events[-1].op == "Tanh" and p.events[-1].depth == 0
    assert profiler.active is None

    with mg.profile() as outer:
        with pytest.raises(RuntimeError, match="already recording"), mg.profile():
            pass
        x.exp()
    assert profiler.active is None
    assert [e.op for e in outer.events] == ["Exp"]  # the outer profile went on recording


def test_entering_a_profile_again_adds_to_its_events() -> None:
    x = mg.randn(3, requires_grad=True)
    p = mg.profile()
    for _ in range(3):
        with p:
            x.exp()
        x.log()  # between the with blocks: not recorded
    assert [e.op for e in p.events] == ["Exp"] * 3
    assert p.wall > 0


def test_only_the_thread_that_entered_the_profile_is_recorded() -> None:
    x = mg.randn(3, requires_grad=True)
    results = []
    with mg.profile() as p:
        worker = threading.Thread(target=lambda: results.append((x * 2).sum().item()))
        worker.start()
        worker.join()
        x.exp()
    assert [e.op for e in p.events] == ["Exp"]  # the other thread's ops ran, unrecorded
    assert results == [pytest.approx(2 * float(x.sum().item()))]


def test_the_table_is_sorted_by_self_time_and_names_every_op() -> None:
    with mg.profile() as p:
        loss, _ = small_expression()
        loss.backward()
    table = p.table()
    lines = table.splitlines()
    assert lines[0].startswith(f"{len(p.events)} events")
    assert lines[1].split()[:4] == ["op", "phase", "calls", "self"]
    body = lines[3:]
    assert len(body) == len(p.rows())
    self_ms = [float(line.split()[3]) for line in body]
    assert self_ms == sorted(self_ms, reverse=True)
    assert {"MatMul", "Tanh", "Mean"} <= {line.split()[0] for line in body}
    assert "minigrad.ops.linalg" in table
    by_calls = p.rows(sort_by="calls")
    assert [r.calls for r in by_calls] == sorted((r.calls for r in by_calls), reverse=True)
    assert p.table(limit=2).splitlines()[-1] == f"... and {len(p.rows()) - 2} more rows"
    with pytest.raises(ValueError, match="sort_by must be one of"):
        p.table(sort_by="time")


def test_train_profile_prints_where_the_profiled_steps_went(tmp_path: Path) -> None:
    pairs = [("ab", "ba"), ("abc", "cba"), ("bca", "acb"), ("cab", "bac"), ("aab", "baa"), ("bcc", "ccb"),
             ("ca", "ac"), ("abca", "acba"), ("cc", "cc"), ("bb", "bb"), ("acb", "bca"), ("ba", "ab")] * 3
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")

    def train(*extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "models", "train", "--data", str(data), "--epochs", "1", "--hidden", "16",
             "--embed", "8", "--batch-size", "4", "--no-progress", "--threads", "1", "--examples", "0",
             "--overwrite", "--out", str(tmp_path / "run"), *extra],
            capture_output=True, text=True, timeout=300, cwd=ROOT,
            env={**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)})
        assert result.returncode == 0, result.stderr
        return result.stdout

    out = train("--profile", "2")  # 34 training pairs, batches of 4: 9 steps, of which 2 and 3 are profiled
    assert "--profile: where training steps 2 to 3 went" in out
    assert "epoch 1:" in out.split("--profile:")[1]  # the table came first, and training went on
    rows = {tuple(line.split()[:2]): line.split() for line in out.splitlines() if "minigrad." in line}
    assert rows[("LSTMRecurrence", "forward")][2] == "4"  # the fused encoder and decoder LSTMs, twice each
    assert rows[("MatMul", "forward")][-1] == "minigrad.ops.linalg"
    out = train("--profile", "50")  # more steps than the run has: the table comes at the end, for those it had
    assert "--profile: where training steps 2 to 9 went" in out
