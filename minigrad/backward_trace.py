"""Backward, visible: the order in which ``backward`` hands each tensor its gradient, and a drawing of it.

    visits = trace_backward(loss)          # runs loss.backward(), recording who got a gradient when
    for v in visits:
        print(v.step, v.name, v.grad)      # 1 L 1.0, 2 (a*b+c) ..., leaves last
    draw_backward(loss, visits, "order.svg")   # the graph, each tensor with its step number and dL/dt

The order is recorded, not recomputed: a hook (``Tensor.register_hook``, as in PyTorch) on every
tensor of the graph that wants a gradient notes the moment its gradient is complete, which is
when the engine takes the op that made it off its queue (for a leaf: at the end, when the leaves
get their whole gradients). So the numbers are the engine's real walk: the chain rule applied
from the output back, each node once, only after every node that sends it a gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from minigrad.tensor import Tensor
from minigrad.viz import Drawing, GraphvizNotFoundError

__all__ = ["Visit", "draw_backward", "graph_tensors", "trace_backward"]


@dataclass
class Visit:
    """One tensor getting its gradient: ``step`` (1 = first), its ``name``, and ``grad`` = dL/d(tensor)."""

    step: int
    name: str
    tensor: Tensor
    grad: Tensor


def graph_tensors(output: Tensor) -> list[Tensor]:
    """Every tensor that wants a gradient in the graph that made ``output``, output first (no recursion)."""
    found: dict[int, Tensor] = {}
    stack = [output]
    while stack:
        tensor = stack.pop()
        if id(tensor) in found or not tensor.requires_grad:
            continue
        found[id(tensor)] = tensor
        if tensor.grad_fn is not None:
            stack.extend(x for x in tensor.grad_fn.inputs if isinstance(x, Tensor))
    return list(found.values())


def _name(tensor: Tensor) -> str:
    if tensor.name:
        return tensor.name
    if tensor.grad_fn is not None:
        return type(tensor.grad_fn).__name__.lower()
    return "leaf"


def trace_backward(output: Tensor, grad: Any = None) -> list[Visit]:
    """Run ``output.backward(grad)`` and return, in the order they came, the gradients each tensor got.

    Unnamed tensors are named after the op that made them (``mul``); give a tensor a ``.name``
    to see it instead. The hooks are removed afterwards; ``.grad`` of the leaves is set as usual.
    """
    if not isinstance(output, Tensor) or not output.requires_grad:
        raise ValueError("trace_backward: the output must be a tensor that requires grad")
    visits: list[Visit] = []
    removers = []
    for tensor in graph_tensors(output):
        name = _name(tensor)

        def record(g: Tensor, tensor: Tensor = tensor, name: str = name) -> None:
            visits.append(Visit(len(visits) + 1, name, tensor, Tensor(g.numpy().copy())))

        removers.append(tensor.register_hook(record))
    try:
        output.backward(grad)
    finally:
        for remove in removers:
            remove()
    return visits


def _short(array: np.ndarray) -> str:
    if array.size == 1:
        return f"{array.item():.4g}"
    if array.size <= 4:
        return "[" + ", ".join(f"{v:.3g}" for v in array.ravel()) + "]"
    return f"{tuple(array.shape)}, ‖·‖ = {np.linalg.norm(array):.3g}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def backward_dot(output: Tensor, visits: Sequence[Visit], title: str | None = None) -> str:
    """The DOT text: forward edges grey, tensors numbered in backward's order and shaded by it."""
    step_of = {id(v.tensor): v for v in visits}
    lines = ["digraph backward {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    if title:
        lines.append(f"  labelloc=t; label={_quote(title)};")
    ops: dict[int, Any] = {}
    last = max(len(visits), 1)
    tensors = graph_tensors(output)
    number = {id(t): i for i, t in enumerate(tensors)}  # node names that do not change from run to run
    op_number: dict[int, int] = {}
    for tensor in tensors:
        visit = step_of.get(id(tensor))
        value = _short(tensor.numpy())
        if visit is None:
            label, fill = f"{_name(tensor)} = {value}\n(no gradient)", "#eeeeee"
        else:
            shade = 255 - int(150 * (visit.step - 1) / max(last - 1, 1))
            fill = f"#ff{shade:02x}{shade:02x}"
            label = f"{visit.step}. {visit.name}\nvalue {value}\n∂L/∂· = {_short(visit.grad.numpy())}"
        lines.append(f'  t{number[id(tensor)]} [shape=ellipse, style=filled, fillcolor="{fill}", '
                     f'label={_quote(label)}];')
        if tensor.grad_fn is not None:
            op = tensor.grad_fn
            if id(op) not in ops:
                ops[id(op)] = op
                op_number[id(op)] = len(op_number)
                lines.append(f'  f{op_number[id(op)]} [shape=box, style=rounded, color="#888888", '
                             f'label={_quote(type(op).__name__)}];')
                for x in op.inputs:
                    if isinstance(x, Tensor) and x.requires_grad:
                        lines.append(f'  t{number[id(x)]} -> f{op_number[id(op)]} [color="#aaaaaa"];')
            lines.append(f'  f{op_number[id(op)]} -> t{number[id(tensor)]} [color="#aaaaaa"];')
    lines.append("}")
    return "\n".join(lines)


def draw_backward(output: Tensor, visits: Sequence[Visit], path: str | Path | None = None,
                  title: str | None = None) -> Drawing:
    """Render :func:`backward_dot` as SVG (shown inline in Jupyter); write it to ``path`` if given."""
    source = backward_dot(output, visits, title)
    try:
        import graphviz  # noqa: PLC0415 - optional, as in minigrad.viz
    except ImportError as exc:
        raise GraphvizNotFoundError("drawing needs the graphviz package: pip install 'minigrad[viz]'") from exc
    try:
        data = graphviz.Source(source).pipe(format="svg")
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFoundError("Graphviz's `dot` program was not found on PATH (see README.md)") from exc
    target = None
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return Drawing(source, data, "svg", target)
