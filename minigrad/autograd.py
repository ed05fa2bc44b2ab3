"""Reverse-mode autograd: Function (one op, forward and backward) and the backward pass.

An op is a subclass of :class:`Function`, written the way PyTorch's
``torch.autograd.Function`` is::

    class Tanh(Function):
        @staticmethod
        def forward(ctx, x):                 # x is a backend array
            y = ctx.xp.tanh(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):             # grad is a Tensor: dL/dy
            y, = ctx.saved_tensors
            return grad * (1 - y * y)        # dL/dx = dL/dy * (1 - tanh²x)

``forward`` works on raw arrays (fast), ``backward`` on Tensors: so a backward can itself
be differentiated, which is all that ``create_graph=True`` needs. ``Tanh.apply(x)`` runs
the op on tensors and records it in the graph.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from minigrad import backend
from minigrad.tensor import Tensor

# --- grad mode ------------------------------------------------------------------

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


class set_grad_enabled:  # noqa: N801 - PyTorch's name, used as a context manager
    """Switch graph recording on or off inside a ``with`` block (or a decorated function)."""

    def __init__(self, mode: bool) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        global _grad_enabled
        self.previous, _grad_enabled = _grad_enabled, self.mode

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self.previous

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            # a fresh manager per call (one instance keeps one `previous`, so calls may nest);
            # the base class, since no_grad() and enable_grad() take no mode argument
            with set_grad_enabled(self.mode):
                return function(*args, **kwargs)

        return wrapped


class no_grad(set_grad_enabled):  # noqa: N801
    """Record nothing: ops inside give tensors with no grad_fn. A context manager or decorator."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):  # noqa: N801
    """Record the graph again, e.g. inside a ``no_grad`` block."""

    def __init__(self) -> None:
        super().__init__(True)


ARRAY_MODULES = backend.ARRAY_MODULES
_host_scalar = backend.host_scalar


def _array_module(first: Any) -> Any:
    return backend.default_device().xp if first is None else backend.array_module(first)


# --- Function ---------------------------------------------------------------------

_FREED = object()  # marks saved arrays that backward has released
_recorded = itertools.count()  # numbers the recorded ops in the order they ran


class Function:
    """One differentiable op. Subclass it and write ``forward`` and ``backward``.

    An instance is the op's node in the graph and its ``ctx``: ``inputs`` are the
    tensors it was applied to, ``needs_input_grad`` says which of them want a gradient,
    and ``ctx.xp`` is the array module of their device.
    """

    # _outputs: (the output array,) for one output; weak references to the output tensors for several
    __slots__ = ("inputs", "needs_input_grad", "xp", "_saved", "_outputs", "_hooks", "_retained", "_sequence",
                 "__dict__")

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
        """dL/d(each input) from dL/d(each output): one gradient per input, None where there is none."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the tensors' arrays; record the op if a gradient will be needed."""
        if not _grad_enabled:
            return cls._apply_untracked(args, kwargs)
        ctx = cls.__new__(cls)
        ctx._saved = ()
        arrays, needs = [], []
        first = None  # the first tensor's array: its device is the op's device
        record = False  # does any input want a gradient?
        for arg in args:
            if isinstance(arg, Tensor):
                data = arg.data
                arrays.append(data)
                if arg._requires_grad:
                    needs.append(True)
                    record = True
                else:
                    needs.append(False)
                if first is None:
                    first = data
                elif type(data) is not type(first):
                    _check_same_device(cls, args)
            else:
                arrays.append(arg)
                needs.append(False)
        xp = ARRAY_MODULES.get(type(first))
        ctx.xp = xp if xp is not None else _array_module(first)
        ctx.needs_input_grad = tuple(needs)  # before forward, which may use it to choose what to save
        data = cls.forward(ctx, *arrays, **kwargs)
        if isinstance(data, _host_scalar):  # NumPy gives scalars for 0-d results; a tensor holds arrays
            scalar, data = data, ctx.xp.asarray(data)
            ctx._saved = tuple(data if s is scalar else s for s in ctx._saved)
        record = record and _grad_enabled
        if type(data) is tuple:  # an op with several outputs, such as split
            return ctx._record_outputs(data, args, record)
        if not record:
            return Tensor(data)
        ctx.inputs = args
        ctx._hooks = ctx._retained = None
        ctx._sequence = next(_recorded)
        # One output: its array, not a weak reference to its tensor: an array is no work for
        # Python's garbage collector, which otherwise revisits every node of a long graph.
        ctx._outputs = (data,)
        return Tensor(data, True, ctx)

    @classmethod
    def _apply_untracked(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``apply`` with recording off (no_grad, or a backward without create_graph): no graph, less work."""
        ctx = cls.__new__(cls)
        ctx._saved = ()
        arrays = []
        first = None
        for arg in args:
            if isinstance(arg, Tensor):
                data = arg.data
                if first is None:
                    first = data
                elif type(data) is not type(first):
                    _check_same_device(cls, args)
                arrays.append(data)
            else:
                arrays.append(arg)
        xp = ARRAY_MODULES.get(type(first))
        ctx.xp = xp if xp is not None else _array_module(first)
        ctx.needs_input_grad = (False,) * len(args)
        data = cls.forward(ctx, *arrays, **kwargs)
        if type(data) is tuple:
            return tuple(Tensor(a) for a in data)
        if isinstance(data, _host_scalar):  # NumPy gives scalars for 0-d results; a tensor holds arrays
            data = ctx.xp.asarray(data)
        return Tensor(data)

    def _record_outputs(self, arrays: tuple[Any, ...], args: tuple[Any, ...], record: bool) -> tuple[Tensor, ...]:
        """Tensors for an op that returns several arrays; backward gets one gradient per output."""
        if not record:
            return tuple(Tensor(a) for a in arrays)
        self.inputs = args
        self._hooks = self._retained = None
        self._sequence = next(_recorded)
        outputs = tuple(Tensor(a, True, self) for a in arrays)
        self._outputs = tuple(weakref.ref(o) for o in outputs)
        self.output_shapes = tuple((a.shape, a.dtype) for a in arrays)  # zeros for outputs that get no grad
        return outputs

    def output_index(self, output: Tensor) -> int:
        """Which of this op's outputs ``output`` is (0 for a one-output op)."""
        if len(self._outputs) == 1:
            return 0
        return next(i for i, ref in enumerate(self._outputs) if ref() is output)

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for backward. Inputs and the output come back as their Tensors."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple[Tensor, ...]:
        if self._saved is _FREED:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time, but its "
                "saved values were freed by the first backward; pass retain_graph=True to the first "
                "backward (or to minigrad.grad) to keep them"
            )
        # An array that is an input or an output comes back as that tensor, so that a backward
        # written in Tensor ops stays connected to the graph (create_graph=True).
        tensors = []
        for array in self._saved:
            for t in self.inputs:
                if isinstance(t, Tensor) and t.data is array:
                    break
            else:
                t = self._output_tensor(array)
            tensors.append(t)
        return tuple(tensors)

    def _output_tensor(self, array: Any) -> Any:
        """The tensor for a saved ``array`` that is not an input: an output of this op, or a plain value."""
        if len(self._outputs) == 1:
            if array is self._outputs[0]:  # a tensor standing for the output: made by this op
                return Tensor(array, True, self)
        else:
            for ref in self._outputs:
                output = ref()
                if output is not None and output.data is array:
                    return output
        return Tensor(array) if backend.is_array(array) else array

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"

    # hooks and retain_grad on the tensors this op made, by output index
    def output_hooks(self, output: Tensor) -> list[Callable]:
        if self._hooks is None:
            self._hooks = {}
        return self._hooks.setdefault(self.output_index(output), [])

    def retain_output(self, output: Tensor) -> None:
        if self._retained is None:
            self._retained = {}
        self._retained[self.output_index(output)] = weakref.ref(output)


def _check_same_device(op: type, args: Sequence[Any]) -> None:
    devices = [a.device for a in args if isinstance(a, Tensor)]
    first = devices[0]
    for other in devices[1:]:
        if other != first:
            raise backend.DeviceError(
                f"{op.__name__.lower()}: expected all tensors on one device, but found "
                f"{first} and {other}; move them with .to(device)"
            )


# --- the backward pass --------------------------------------------------------------


def _sum_to(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Undo broadcasting: sum ``grad`` down to ``shape``. The only place this happens."""
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def _as_grad(grad: Any, like: Tensor) -> Tensor:
    if not isinstance(grad, Tensor):
        grad = Tensor(like.device.asarray(grad, dtype=like.dtype))
    if grad.shape != like.shape:
        raise ValueError(f"backward: the gradient has shape {grad.shape} but the output has shape {like.shape}")
    return grad


def _run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any] | None,
                  retain_graph: bool, create_graph: bool,
                  capture: Sequence[Tensor] | None = None) -> list[Tensor | None] | None:
    """Send gradients from ``outputs`` back through the graph.

    Without ``capture``, gradients accumulate into ``.grad`` of leaves. With it, they are
    returned for the tensors in ``capture`` instead, and no ``.grad`` is touched.
    """
    for out in outputs:
        if not out.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no grad_fn; did an input set "
                "requires_grad=True, and was the graph recorded outside no_grad()?"
            )
    if grad_outputs is None:
        for out in outputs:
            if out.size != 1:
                raise RuntimeError(
                    f"backward: the output has shape {out.shape}, not a single value; pass grad= "
                    "(dL/doutput, same shape) or reduce it first, e.g. with .sum()"
                )
        grad_outputs = [Tensor(out.device.xp.ones(out.shape, dtype=out.dtype)) for out in outputs]
    grad_outputs = [_as_grad(g, out) for g, out in zip(grad_outputs, outputs)]

    captured: dict[int, Tensor | None] = {}
    capture_nodes: dict[tuple[int, int], int] = {}  # (id(grad_fn), output index) -> id(tensor), non-leaves
    if capture is not None:
        for t in capture:
            captured[id(t)] = None
            if t.grad_fn is not None:
                capture_nodes[(id(t.grad_fn), t.grad_fn.output_index(t))] = id(t)

    # id(node) -> gradient w.r.t. that node's output (a list, one per output, for several outputs)
    grads: dict[int, Any] = {}

    def send(tensor: Tensor, grad: Tensor) -> None:
        """Add ``grad`` to what has reached the non-leaf ``tensor`` so far."""
        node = tensor.grad_fn
        key = id(node)
        if len(node._outputs) == 1:
            grads[key] = grads[key] + grad if key in grads else grad
        else:
            slots = grads.setdefault(key, [None] * len(node._outputs))
            i = node.output_index(tensor)
            slots[i] = grad if slots[i] is None else slots[i] + grad

    leaf_grads: dict[int, tuple[Tensor, Tensor]] = {}  # id(leaf) -> (leaf, its total gradient so far)

    def accumulate_leaf(leaf: Tensor, grad: Tensor) -> None:
        if capture is not None and id(leaf) not in captured:
            return
        previous = leaf_grads.get(id(leaf))
        leaf_grads[id(leaf)] = (leaf, grad if previous is None else previous[1] + grad)

    # The nodes wait in a heap, the most recently recorded first. An op is recorded after the
    # ops that made its inputs, so when a node comes out, every node that sends it a gradient has
    # already come out and sent it: its gradient is complete. (No recursion, and no separate sort.)
    queue: list[tuple[int, Function]] = []
    queued: set[int] = set()

    def enqueue(node: Function) -> None:
        if id(node) not in queued:
            queued.add(id(node))
            heapq.heappush(queue, (-node._sequence, node))

    for out, grad in zip(outputs, grad_outputs):
        if out.grad_fn is None:
            accumulate_leaf(out, grad)
        else:
            send(out, grad)
            enqueue(out.grad_fn)

    with set_grad_enabled(create_graph):
        while queue:
            node = heapq.heappop(queue)[1]
            grad = grads.pop(id(node), None)
            if grad is None:
                continue  # no gradient flows into this node
            if node._saved is _FREED:
                node.saved_tensors  # raises the "second backward" error  # noqa: B018
            if len(node._outputs) == 1 and not (node._hooks or node._retained or capture_nodes):
                input_grads = type(node).backward(node, grad)  # the common case, kept short
            else:
                output_grads = [grad] if len(node._outputs) == 1 else grad
                _prepare_output_grads(node, output_grads, create_graph, capture_nodes, captured)
                input_grads = type(node).backward(node, *output_grads)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            if len(input_grads) != len(node.inputs):
                raise RuntimeError(
                    f"{type(node).__name__}.backward returned {len(input_grads)} gradient(s) for "
                    f"{len(node.inputs)} input(s); return one per input (None where there is none)"
                )
            if not retain_graph:
                node._saved = _FREED
            for parent, parent_grad in zip(node.inputs, input_grads):
                if parent_grad is None or not isinstance(parent, Tensor) or not parent._requires_grad:
                    continue
                if parent_grad.data.shape != parent.data.shape:
                    parent_grad = _sum_to(parent_grad, parent.data.shape)
                if parent_grad.data.dtype != parent.data.dtype:  # float32 + float64 sends float64 back
                    parent_grad = parent_grad.to(dtype=parent.dtype)  # a gradient has its tensor's dtype
                if parent.grad_fn is None:
                    accumulate_leaf(parent, parent_grad)
                else:
                    send(parent, parent_grad)
                    enqueue(parent.grad_fn)
    # Leaves last: each gets its whole gradient at once, through its hooks, as in PyTorch.
    with set_grad_enabled(create_graph):
        for leaf, grad in leaf_grads.values():
            if leaf._hooks:
                grad = _run_hooks(leaf._hooks, grad)
            if capture is not None:
                captured[id(leaf)] = grad
            elif leaf.grad is None:  # a copy: the same array may have gone to other tensors too
                leaf.grad = grad if create_graph else Tensor(grad.data.copy())
            else:
                leaf.grad = leaf.grad + grad if create_graph else Tensor(leaf.grad.data + grad.data)
    if capture is None:
        return None
    return [captured[id(t)] for t in capture]


def _prepare_output_grads(node: Function, output_grads: list[Tensor | None], create_graph: bool,
                          capture_nodes: dict[tuple[int, int], int], captured: dict[int, Tensor | None]) -> None:
    """Zeros for outputs that got no gradient, then hooks, retain_grad and captures, per output."""
    for i, output_grad in enumerate(output_grads):
        if output_grad is None:  # an output nobody used: its gradient is zero
            shape, dtype = node.output_shapes[i]
            output_grads[i] = output_grad = Tensor(node.xp.zeros(shape, dtype=dtype))
        if node._hooks and i in node._hooks:
            output_grads[i] = output_grad = _run_hooks(node._hooks[i], output_grad)
        if node._retained and i in node._retained and (kept := node._retained[i]()) is not None:
            grad_here = output_grad if create_graph else Tensor(output_grad.data)
            # accumulates across backward calls, as a leaf's .grad does
            kept.grad = grad_here if kept.grad is None else kept.grad + grad_here
        if (id(node), i) in capture_nodes:
            captured[capture_nodes[(id(node), i)]] = output_grad


def _run_hooks(hooks: list[Callable], grad: Tensor) -> Tensor:
    for hook in list(hooks):
        replaced = hook(grad)
        if replaced is not None:
            grad = replaced
    return grad


def backward(tensors: Sequence[Tensor], grad_tensors: Sequence[Any] | None = None,
             retain_graph: bool = False, create_graph: bool = False) -> None:
    """Accumulate gradients of ``tensors`` into ``.grad`` of the leaves they depend on."""
    _run_backward(list(tensors), grad_tensors, retain_graph or create_graph, create_graph)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = True) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs), returned rather than stored in ``.grad`` (``torch.autograd.grad``).

    An input that the outputs do not depend on gets ``None``.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is not None and not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("grad: every input must require grad, but one does not")
    keep = create_graph if retain_graph is None else retain_graph
    found = _run_backward(outputs, grad_outputs, keep, create_graph, capture=inputs)
    if not allow_unused and any(g is None for g in found):
        raise RuntimeError("grad: an input was not used to compute the outputs (allow_unused=False)")
    return tuple(found)
