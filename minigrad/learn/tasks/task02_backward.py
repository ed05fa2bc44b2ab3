"""Task 2's grader: the learner's walk over graphs built from their own Value (task 1)."""

from __future__ import annotations

import math
from types import ModuleType

from minigrad.learn.core import AnswerError, Task, Words

MISTAKES = {
    "no_seed": (
        "every gradient stayed 0: seed the root first, root.grad = 1 (dL/dL = 1), then walk",
        "모든 기울기가 0입니다. 먼저 루트에 root.grad = 1(dL/dL = 1)을 넣고 나서 걸어가세요"),
    "forward_order": (
        "in L = tanh(tanh(x)), x.grad is 0: you called _backward from the leaves up, before the nodes above "
        "had their grad; go from the root down (the topological order, reversed)",
        "L = tanh(tanh(x))에서 x.grad가 0입니다. 위쪽 노드가 grad를 받기 전에 잎에서부터 _backward를 불렀습니다. "
        "루트에서 아래로(위상 순서를 뒤집어서) 걸어가세요"),
    "skips_root": (
        "in L = a * b, a.grad and b.grad are 0: the walk left out the root's own _backward (an off-by-one); "
        "every node, the root too, runs its _backward once",
        "L = a * b에서 a.grad와 b.grad가 0입니다. 걷는 동안 루트 자신의 _backward를 빠뜨렸습니다(하나 차이 오류). "
        "루트를 포함한 모든 노드가 _backward를 한 번씩 불러야 합니다"),
    "twice": (
        "where a node feeds two others, it came {count} times in your order, so its _backward ran {count} times "
        "and its inputs got too much gradient: visit each node once (keep a set of the visited ones)",
        "두 노드에 들어가는 노드가 순서에 {count}번 나와서 _backward가 {count}번 불렸고, 그 입력이 기울기를 너무 많이 "
        "받았습니다. 노드마다 한 번만 방문하세요(방문한 노드를 집합에 기록)"),
    "recursion": (
        "a chain {depth} nodes deep exceeded Python's recursion limit: build the order with a list as a stack, "
        "not with a recursive function",
        "{depth}단계 깊이의 사슬에서 파이썬의 재귀 한도를 넘었습니다. "
        "재귀 함수 대신 리스트를 스택으로 써서 순서를 만드세요"),
}
MESSAGES = {
    "order": ("topological_order put {node} before one of its inputs: each node comes after all of its _prev",
              "topological_order가 {node}을(를) 그 입력보다 앞에 두었습니다. "
              "각 노드는 자기 _prev 전부의 뒤에 와야 합니다"),
    "grad": ("in {graph}, {name}.grad is {got:.6g}, expected {want:.6g}",
             "{graph}에서 {name}.grad가 {got:.6g}인데 {want:.6g}이어야 합니다"),
}


def _expect(graph: str, name: str, got: float, want: float) -> None:
    if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
        raise AnswerError("grad", graph=graph, name=name, got=got, want=want)


def grade(module: ModuleType) -> None:
    if not hasattr(module, "Value"):
        raise AnswerError("missing", what=Words("Value (keep the stub's import of it)",
                                                "Value(스텁의 import를 그대로 두세요)"))
    value = module.Value  # task 1's class: the graphs are made of the learner's own Value
    walk = module.backward
    # L = a * b: one op
    a, b = value(0.7), value(-1.2)
    root = a * b
    walk(root)
    if a.grad == 0 and b.grad == 0:
        raise AnswerError("skips_root" if root.grad == 1.0 else "no_seed")
    _expect("L = a * b", "a", a.grad, -1.2)
    # L = tanh(tanh(x)): a chain, where the order matters
    x = value(0.4)
    walk(x.tanh().tanh())
    t1 = math.tanh(0.4)
    t2 = math.tanh(t1)
    if x.grad == 0:
        raise AnswerError("forward_order")
    _expect("L = tanh(tanh(x))", "x", x.grad, (1 - t2 * t2) * (1 - t1 * t1))
    # a diamond: y feeds two nodes; each node must run once
    x = value(0.5)
    y = x.tanh()
    root = y * 2.0 + y * 3.0
    count = sum(node is y for node in module.topological_order(root))
    if count > 1:
        raise AnswerError("twice", count=count)
    walk(root)
    want = 5 * (1 - math.tanh(0.5) ** 2)
    _expect("L = 2y + 3y with y = tanh(x)", "x", x.grad, want)
    # a deep chain: no recursion
    depth = 3000
    x = value(0.1)
    node = x
    for _ in range(depth):
        node = node * 1.0 + 0.0
    try:
        walk(node)
    except RecursionError as error:
        raise AnswerError("recursion", depth=depth) from error
    _expect(f"a chain {depth} steps deep", "x", x.grad, 1.0)
    # the order itself: every node once, after its inputs, the root last
    x = value(0.5)
    y = x * x
    root = (y + y * x).tanh()
    order = module.topological_order(root)
    position = {id(node): k for k, node in enumerate(order)}
    if len(position) != len(order) or order[-1] is not root:
        raise AnswerError("order", node="the root")
    for node in order:
        for child in node._prev:
            if id(child) not in position or position[id(child)] > position[id(node)]:
                raise AnswerError("order", node=repr(node))

TASK = Task(
    number=2, name="backward",
    title={"en": "the backward walk", "ko": "backward 순회"},
    goal={"en": "a topological order with an explicit stack, a seed of 1, and one walk from the root back",
          "ko": "명시적 스택으로 만든 위상 순서, 1로 시작하는 씨앗, 루트에서 거꾸로 한 번 걷기"},
    docs="docs/autograd.md#how-backward-walks-the-graph",
    notebook="notebooks/01_autograd_internals.py",
    provides=("topological_order", "backward"), mistakes=MISTAKES, messages=MESSAGES, grade=grade)
