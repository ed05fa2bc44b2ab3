"""Task 2: backward, the walk over the graph that calls each node's _backward in the right order.

Read: docs/autograd.md (§ How `backward` walks the graph) and notebooks/01_autograd_internals.py.
Check: minigrad-learn check 2. The grader runs your walk on graphs made of your Value from task 1
(or the reference's, if task 1 does not pass yet).

A node's ``_backward`` hands its ``grad`` to its inputs (``_prev``), so it may run only once
every node that uses it has handed in its share. Order the nodes topologically (each node after
all its inputs), seed dL/dL = 1 at the root, then call ``_backward`` from the root back to the
leaves, once per node. Graphs can be thousands of nodes deep (an unrolled LSTM): walk them with
a list used as a stack rather than with recursion.
"""

from __future__ import annotations

from typing import Any

from minigrad.learn.mine import Value  # noqa: F401 (task 1's answer: the grader builds its graphs with it)


def topological_order(root: Any) -> list[Any]:
    """Every node that ``root`` depends on, ``root`` included, each after all of its ``_prev``."""
    raise NotImplementedError


def backward(root: Any) -> None:
    """Fill ``grad`` of every node in root's graph with d(root)/d(node)."""
    raise NotImplementedError
