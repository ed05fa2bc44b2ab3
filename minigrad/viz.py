"""Pictures of the computation graph: which ops made a tensor, and from which inputs.

    to_dot(loss)                             # the graph as DOT text; needs nothing installed
    draw_graph(loss, "graph.svg")            # rendered by Graphviz's `dot`; shows itself in Jupyter
    with trace_modules(model):               # remember which module ran each op ...
        loss = model.loss(source, target_in, target_out)
    draw_graph(loss, "step.svg", module=model)   # ... and draw one box (cluster) per module
    model.draw(example_inputs, "model.svg")  # the same in one call

Tensors are ellipses (name, shape, dtype), ops are boxes (the Function's class name), and the
edges follow the data: input → op → output. ``show_grads=True`` adds, dashed, the way back that
``backward`` walks: from a tensor into the op that made it, and from the op to each input that
wants a gradient.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from minigrad import backend
from minigrad.autograd import Function
from minigrad.grad_mode import enable_grad
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor

__all__ = ["Drawing", "GraphvizNotFoundError", "draw_graph", "draw_module", "to_dot", "trace_modules"]

FORMATS = ("svg", "png", "pdf")
_TAG = "_viz_module"  # set on a Function by trace_modules: the dotted name of the module that ran it
_MAX_VALUES = 16  # tensors with at most this many elements show their values; bigger ones their range
_MAX_ARGS_CHARS = 40  # an op's non-tensor arguments (axes, index, ...) are cut to this length

_NO_DOT = (
    "Graphviz's `dot` program was not found on PATH, and drawing a graph needs it. Install Graphviz "
    "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; or conda install graphviz), "
    "or use minigrad.viz.to_dot() to get the DOT text without it."
)
_NO_PACKAGE = (
    "drawing a graph needs the graphviz Python package: pip install 'minigrad[viz]' "
    "(and Graphviz's `dot` program); minigrad.viz.to_dot() gives the DOT text without either."
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz is missing: its ``dot`` program, or the ``graphviz`` Python package."""


# --- walking the graph ---------------------------------------------------------------------


def _walk(outputs: Sequence[Tensor]) -> list[Tensor | Function]:
    """Every tensor and op that ``outputs`` came from, nearest first (breadth first).

    The list is its own queue: no recursion, so a graph 100,000 ops deep is walked like any other.
    """
    found: list[Tensor | Function] = []
    seen: set[int] = set()
    for output in outputs:
        if id(output) not in seen:
            seen.add(id(output))
            found.append(output)
    position = 0
    while position < len(found):
        node = found[position]
        position += 1
        if isinstance(node, Tensor):
            parents = () if node.grad_fn is None else (node.grad_fn,)
        else:
            parents = [x for x in node.inputs if isinstance(x, Tensor)]
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                found.append(parent)
    return found


def _inputs_first(ops: Sequence[Function], drawn: set[int]) -> list[Function]:
    """``ops`` ordered so that each op comes after the drawn ops that made its inputs (an explicit stack)."""
    order: list[Function] = []
    done: set[int] = set()
    stack: list[tuple[Function, bool]] = [(op, False) for op in reversed(ops)]
    while stack:
        op, inputs_done = stack.pop()
        if inputs_done:
            order.append(op)
            continue
        if id(op) in done:
            continue
        done.add(id(op))
        stack.append((op, True))
        for x in op.inputs:
            producer = x.grad_fn if isinstance(x, Tensor) else None
            if producer is not None and id(producer) in drawn and id(producer) not in done:
                stack.append((producer, False))
    return order


def _tensors_in(value: Any) -> list[Tensor]:
    """The tensors inside a forward's arguments or result (tuples, lists, dicts, dataclasses), in order."""
    found: list[Tensor] = []
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            found.append(item)
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(reversed([getattr(item, field.name) for field in dataclasses.fields(item)]))
    return found


# --- which module made each op ------------------------------------------------------------


@contextlib.contextmanager
def trace_modules(model: Module) -> Iterator[Module]:
    """Inside the block, each op is tagged with the module whose forward ran it.

    Every submodule's ``forward`` is wrapped for the duration of the block (and restored after).
    When a forward returns, the ops that it made are tagged with the module's dotted name
    ("encoder.lstm"): walking back from its outputs, up to its arguments and to ops that an inner
    module has tagged already, so the innermost module wins. The tag is an attribute on the
    :class:`~minigrad.autograd.Function`; :func:`to_dot` uses it to cluster the ops by module.
    """
    wrapped: list[tuple[Module, Any]] = []
    try:
        for path, submodule in model.named_modules():
            previous = submodule.__dict__.get("forward")  # normally None: forward lives on the class
            object.__setattr__(submodule, "forward", _tagging(submodule.forward, path))
            wrapped.append((submodule, previous))
        yield model
    finally:
        for submodule, previous in reversed(wrapped):
            if previous is None:
                object.__delattr__(submodule, "forward")
            else:
                object.__setattr__(submodule, "forward", previous)


def _tagging(forward: Callable[..., Any], path: str) -> Callable[..., Any]:
    """``forward``, then tag the ops it made with ``path``."""

    @functools.wraps(forward)
    def traced(*args: Any, **kwargs: Any) -> Any:
        result = forward(*args, **kwargs)
        arguments = {id(t) for t in _tensors_in((args, kwargs))}
        stack = [t.grad_fn for t in _tensors_in(result) if t.grad_fn is not None and id(t) not in arguments]
        while stack:
            op = stack.pop()
            if getattr(op, _TAG, None) is not None:
                continue  # tagged already: by an inner module, or by an earlier forward
            setattr(op, _TAG, path)
            stack.extend(x.grad_fn for x in op.inputs
                         if isinstance(x, Tensor) and x.grad_fn is not None and id(x) not in arguments)
        return result

    return traced


def _module_of(name: str) -> str:
    """The module part of a dotted parameter name: "encoder.lstm.weight_ih_l0" -> "encoder.lstm"."""
    return name.rpartition(".")[0]


def _guess_op_modules(ops: Sequence[Function], drawn: set[int],
                      parameter_name: Callable[[Tensor], str | None]) -> dict[int, str]:
    """Without a trace, guess each op's module from the parameters it reads.

    An op goes where most of its parameter inputs belong; an input computed from parameters alone
    (``W.T``, ``b_ih + b_hh``) counts as a parameter. An op that reads no parameter goes where all
    of its inputs that have a module agree to put it (the gates after an LSTM's matmuls), else top level.
    """
    path: dict[int, str] = {}
    from_parameters: set[int] = set()  # ops whose inputs are all parameters
    for op in _inputs_first(ops, drawn):
        votes: Counter[str] = Counter()
        others: set[str] = set()
        only_parameters = True
        for x in op.inputs:
            if not isinstance(x, Tensor):
                continue
            producer = x.grad_fn
            if producer is None and parameter_name(x) is not None:
                votes[_module_of(parameter_name(x))] += 1  # a parameter
            elif producer is not None and id(producer) in from_parameters:
                votes[path[id(producer)]] += 1
            else:
                only_parameters = False
                if producer is not None and path.get(id(producer)):
                    others.add(path[id(producer)])
        if votes:
            path[id(op)] = votes.most_common(1)[0][0]  # a tie goes to the first input
            if only_parameters:
                from_parameters.add(id(op))
        else:
            path[id(op)] = others.pop() if len(others) == 1 else ""
    return path


# --- labels --------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """``text`` as a DOT string: backslashes and quotes escaped, newlines as DOT's \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "")
    return '"' + escaped.replace("\n", "\\n") + '"'


def _values(t: Tensor) -> str:
    """A small tensor's values, rounded; a bigger one's range."""
    array = t.numpy()  # on the host, whatever the device
    if array.size <= _MAX_VALUES:
        return np.array2string(array, separator=", ", max_line_width=48,
                               formatter={"float_kind": lambda v: f"{v:.4g}"})
    if array.dtype.kind in "fiu":
        return f"min {array.min():.4g}, max {array.max():.4g}"
    return ""


def _tensor_label(t: Tensor, name: str | None, show_values: bool, show_grads: bool) -> str:
    shape = "scalar" if t.shape == () else str(t.shape)
    lines = [name or "tensor", f"{shape} {t.dtype}"]
    if show_values:
        lines.append(_values(t))
    if show_grads and t.grad is not None:
        lines.append(f"grad {_values(t.grad)}")
    return "\n".join(line for line in lines if line)


def _describe(value: Any, inner: bool = False) -> str:
    """A short text for an op's non-tensor argument: an axis, a shape, an index, a scalar."""
    if isinstance(value, backend.host_scalar):
        value = value.item()  # a NumPy number
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is Ellipsis:
        return "..."
    if isinstance(value, slice):
        parts = ["" if part is None else str(part) for part in (value.start, value.stop, value.step)]
        return ":".join(parts if value.step is not None else parts[:2])
    if backend.is_array(value):
        return f"{value.dtype}{list(value.shape)}"
    if isinstance(value, (tuple, list)) and not inner:
        items = [_describe(item, inner=True) for item in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, (backend.Device, np.dtype)):
        return str(value)
    return getattr(value, "__name__", None) or type(value).__name__  # a dtype class: float32


def _op_label(op: Function) -> str:
    arguments = ", ".join(_describe(x) for x in op.inputs if not isinstance(x, Tensor))
    if len(arguments) > _MAX_ARGS_CHARS:
        arguments = arguments[:_MAX_ARGS_CHARS - 1] + "…"
    return type(op).__name__ + (f"\n{arguments}" if arguments else "")


# --- DOT -----------------------------------------------------------------------------------

_PARAMETER, _OUTPUT, _WANTS_GRAD, _OP = "#cfe2f3", "#d9ead3", "#fff2cc", "#eeeeee"
_GRAD_EDGE = 'style=dashed, color="#b22222", constraint=false'


def to_dot(output: Tensor | Sequence[Tensor], *, show_values: bool = False, show_grads: bool = False,
           max_nodes: int | None = 500, group_by_module: bool = True, module: Module | None = None) -> str:
    """The graph that made ``output`` (a tensor, or several), as Graphviz DOT text.

    Tensors are ellipses labelled with their name (a parameter's dotted name, else "tensor"), shape
    and dtype; ops are boxes labelled with their Function's class name and any non-tensor arguments.
    Parameters are blue, the outputs green, other leaves that want a gradient yellow.

    * ``show_values``: small tensors show their values (rounded), bigger ones their min and max.
    * ``show_grads``: tensors show ``.grad`` (after a backward), and dashed red edges show the way
      backward goes: tensor → the op that made it → each input that wants a gradient ("grad").
    * ``max_nodes``: draw only the nodes nearest the output (None: all); a note says how many are left.
    * ``group_by_module``: one cluster per module, nested as the modules are. A parameter sits in its
      module; an op in the module that :func:`trace_modules` recorded, else in the module of the
      parameters it reads (a guess).
    * ``module``: the model, for exact parameter names and the modules' class names.
    """
    outputs = [output] if isinstance(output, Tensor) else list(output)
    if not outputs or not all(isinstance(t, Tensor) for t in outputs):
        raise TypeError("to_dot: expected a tensor or a sequence of tensors to draw the graph of")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"to_dot: max_nodes must be at least 1 (or None for no limit), not {max_nodes}")
    nodes = _walk(outputs)
    drawn = nodes if max_nodes is None else nodes[:max_nodes]
    node_id = {id(node): f"n{i}" for i, node in enumerate(drawn)}
    not_drawn = len(nodes) - len(drawn)
    names = _Names(module)

    # one declaration per node, filed under its module ("" = top level)
    op_module = _op_modules(drawn, node_id, names) if group_by_module else {}
    output_ids = {id(t) for t in outputs}
    declarations: dict[str, list[str]] = {"": []}
    for node in drawn:
        if isinstance(node, Tensor):
            parameter = names.parameter(node)
            fill = (_OUTPUT if id(node) in output_ids else _PARAMETER if parameter is not None
                    else _WANTS_GRAD if node.is_leaf and node.requires_grad else "white")
            label = _tensor_label(node, names.label(node), show_values, show_grads)
            attributes = f"label={_quote(label)}, shape=ellipse, fillcolor={_quote(fill)}"
            producer = node.grad_fn
            where = (_module_of(parameter) if parameter is not None
                     else op_module.get(id(producer), "") if producer is not None else "")
        else:
            attributes = f"label={_quote(_op_label(node))}, shape=box, fillcolor={_quote(_OP)}"
            where = op_module.get(id(node), "")
        declarations.setdefault(where if group_by_module else "", []).append(f"{node_id[id(node)]} [{attributes}];")

    edges, cut = _edges(drawn, node_id, show_grads)
    lines = [
        "digraph minigrad {",
        '  graph [rankdir=TB, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.3];',
        '  node [fontname="Helvetica", fontsize=10, style=filled, fillcolor=white];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    ]
    lines += _clusters(declarations, names.classes)
    if not_drawn:
        note = f"… {not_drawn} more node{'s' if not_drawn != 1 else ''} not shown"
        lines.append(f'  more [label={_quote(note)}, shape=note, fillcolor="#fafafa", fontcolor="#666666"];')
        edges += [f'more -> {here} [style=dotted, color="#999999"];' for here in cut]
    lines += [f"  {edge}" for edge in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


class _Names:
    """Tensor names: a parameter's dotted name (from ``module`` when given, else its ``.name``)."""

    def __init__(self, module: Module | None) -> None:
        self.of = {id(p): name for name, p in module.named_parameters()} if module is not None else {}
        self.classes = {path: type(m).__name__ for path, m in module.named_modules()} if module is not None else {}

    def parameter(self, t: Tensor) -> str | None:
        """The dotted name of a parameter; None for any other tensor."""
        if id(t) in self.of:
            return self.of[id(t)]
        return (t.name or "parameter") if isinstance(t, Parameter) else None

    def label(self, t: Tensor) -> str | None:
        return self.of.get(id(t)) or t.name


def _edges(drawn: Sequence[Tensor | Function], node_id: dict[int, str],
           show_grads: bool) -> tuple[list[str], list[str]]:
    """The data edges (input → op → output), the dashed gradient edges back if asked, and the cut:
    the drawn nodes that have an input which is not drawn."""
    edges, cut = [], []
    drawn_outputs = Counter(id(node.grad_fn) for node in drawn if isinstance(node, Tensor) and node.grad_fn)
    for node in drawn:
        here = node_id[id(node)]
        if isinstance(node, Tensor):
            if node.grad_fn is None:
                continue
            if id(node.grad_fn) not in node_id:
                cut.append(here)
                continue
            # an op with several outputs (split): say which output this tensor is
            which = f' [label="{node.grad_fn.output_index(node)}"]' if drawn_outputs[id(node.grad_fn)] > 1 else ""
            edges.append(f"{node_id[id(node.grad_fn)]} -> {here}{which};")
            if show_grads:  # backward starts from this tensor's gradient, in the op that made it
                edges.append(f"{here} -> {node_id[id(node.grad_fn)]} [{_GRAD_EDGE}];")
            continue
        inputs_cut = False
        for x, wants_grad in zip(node.inputs, node.needs_input_grad):
            if not isinstance(x, Tensor):
                continue
            if id(x) not in node_id:
                inputs_cut = True
                continue
            edges.append(f"{node_id[id(x)]} -> {here};")
            if show_grads and wants_grad:  # the op's backward sends a gradient to this input
                edges.append(f'{here} -> {node_id[id(x)]} [{_GRAD_EDGE}, label="grad", fontcolor="#b22222"];')
        if inputs_cut:
            cut.append(here)
    return edges, cut


def _op_modules(drawn: Sequence[Tensor | Function], node_id: dict[int, str], names: _Names) -> dict[int, str]:
    """id(op) -> dotted module name: from trace_modules if it ran, else guessed from parameters."""
    ops = [node for node in drawn if not isinstance(node, Tensor)]
    if any(getattr(op, _TAG, None) is not None for op in ops):
        return {id(op): getattr(op, _TAG, None) or "" for op in ops}  # untagged: made outside any module
    return _guess_op_modules(ops, set(node_id), names.parameter)


def _clusters(declarations: dict[str, list[str]], classes: dict[str, str]) -> list[str]:
    """The node declarations, nested in one ``subgraph cluster_...`` per module (an explicit stack)."""
    children: dict[str, list[str]] = {"": []}
    for path in list(declarations):
        parts = path.split(".") if path else []
        for depth in range(1, len(parts) + 1):
            parent, name = ".".join(parts[:depth - 1]), ".".join(parts[:depth])
            if name not in children:
                children[name] = []
                children[parent].append(name)
    lines = [f"  {line}" for line in declarations[""]]
    stack: list[tuple[str, bool]] = [(path, False) for path in reversed(children[""])]
    while stack:
        path, close = stack.pop()
        indent = "  " * (path.count(".") + 1)
        if close:
            lines.append(f"{indent}}}")
            continue
        label = f"{path} ({classes[path]})" if path in classes else path
        lines.append(f"{indent}subgraph {_quote('cluster_' + path)} {{")
        lines.append(f'{indent}  label={_quote(label)}; labeljust=l; style=rounded; color="#888888";')
        lines += [f"{indent}  {line}" for line in declarations.get(path, [])]
        stack.append((path, True))
        stack.extend((child, False) for child in reversed(children[path]))
    return lines


# --- rendering -----------------------------------------------------------------------------


class Drawing:
    """A rendered graph: ``source`` (DOT), ``data`` (the bytes in ``format``), ``path`` (or None).

    In Jupyter it shows itself, through ``_repr_svg_``.
    """

    def __init__(self, source: str, data: bytes, format: str, path: Path | None) -> None:
        self.source, self.data, self.format, self.path = source, data, format, path
        self._svg = data.decode("utf-8") if format == "svg" else None

    @property
    def svg(self) -> str:
        """The graph as SVG text (rendered now if it was drawn in another format)."""
        if self._svg is None:
            self._svg = _pipe(self.source, "svg").decode("utf-8")
        return self._svg

    def _repr_svg_(self) -> str:
        """What Jupyter shows."""
        return self.svg

    def __repr__(self) -> str:
        where = f", path='{self.path}'" if self.path is not None else ""
        return f"Drawing(format='{self.format}'{where})"


def _pipe(source: str, format: str) -> bytes:
    """Run Graphviz's ``dot`` on ``source``; say clearly what to install if it is missing."""
    try:
        import graphviz  # noqa: PLC0415 - an optional dependency, needed only to render
    except ImportError as exc:
        raise GraphvizNotFoundError(_NO_PACKAGE) from exc
    try:
        return graphviz.Source(source).pipe(format=format)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(_NO_DOT) from exc


def _target(path: str | Path | None, format: str | None) -> tuple[Path | None, str]:
    """The file to write (the format's extension added if missing) and the format."""
    suffix = Path(path).suffix.lower().lstrip(".") if path is not None else ""
    if format is None:
        format = suffix if suffix in FORMATS else "svg"
    if format not in FORMATS:
        raise ValueError(f"draw_graph: format must be one of {', '.join(FORMATS)}, not {format!r}")
    if path is None:
        return None, format
    path = Path(path)
    if suffix in FORMATS and suffix != format:
        raise ValueError(f"draw_graph: the path {path} ends in .{suffix}, but the format is {format!r}")
    if suffix != format:
        path = path.with_name(f"{path.name}.{format}")
    return path, format


def draw_graph(output: Tensor | Sequence[Tensor], path: str | Path | None = None, format: str | None = None,
               **to_dot_options: Any) -> Drawing:
    """Render the graph of ``output`` with Graphviz; write it to ``path`` if given.

    ``format`` is "svg", "png" or "pdf" (default: from the path's extension, else svg); the
    extension is added to ``path`` if it lacks one. ``to_dot_options`` are :func:`to_dot`'s.
    Raises :class:`GraphvizNotFoundError`, saying what to install, if Graphviz is missing.
    """
    target, format = _target(path, format)
    source = to_dot(output, **to_dot_options)
    data = _pipe(source, format)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return Drawing(source, data, format, target)


def draw_module(model: Module, example_inputs: Any, path: str | Path | None = None, **options: Any) -> Drawing:
    """Draw one forward pass of ``model``, one cluster per submodule (what ``Module.draw`` calls).

    ``example_inputs`` is a tensor, or a tuple of the forward's arguments. The forward runs inside
    :func:`trace_modules`; its first tensor output, summed to a scalar if it is not one, is drawn.
    """
    arguments = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    with enable_grad(), trace_modules(model):
        result = model(*arguments)
    tensors = _tensors_in(result)
    if not tensors:
        raise TypeError(f"draw: the forward of {type(model).__name__} returned no tensor, so there is no graph")
    output = tensors[0] if tensors[0].size == 1 else tensors[0].sum()
    options.setdefault("group_by_module", True)
    options.setdefault("module", model)
    return draw_graph(output, path, **options)


def _draw(self: Module, example_inputs: Any, path: str | Path | None = None, **options: Any) -> Drawing:
    """Draw the graph of one forward pass on ``example_inputs``, one cluster per submodule.

    ``example_inputs`` is a tensor, or a tuple of the forward's arguments. Returns a
    :class:`Drawing` (it shows itself in Jupyter); writes ``path`` if given. ``options`` are
    those of :func:`draw_graph` (``format``, ``show_values``, ...).
    """
    return draw_module(self, example_inputs, path, **options)


Module.draw = _draw  # viz sits above nn: it gives every Module its draw method (as minigrad.ops gives Tensor its)
