"""Function: one differentiable op, forward and backward, and how it is recorded in the graph.

(The backward pass that walks the recorded graph is in :mod:`minigrad.tensor`, beside the
Tensor whose ``backward()`` starts it; ``backward`` and ``grad`` here are torch.autograd's
entry points to it.)

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
            return grad * (1 - y * y)        # dL/dx = dL/dy * (1 - tanh²x), as ops/elementwise.py says

``forward`` works on raw arrays (fast), ``backward`` on Tensors: so a backward can itself
be differentiated, which is all that ``create_graph=True`` needs. ``Tanh.apply(x)`` runs
the op on tensors and records it in the graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from minigrad import backend, profiler
from minigrad.grad_mode import is_grad_enabled
from minigrad.tensor import Node, Tensor, run_backward

ARRAY_MODULES = backend.ARRAY_MODULES  # array type -> its module (NumPy, the strict stand-in, CuPy once loaded)
_recorded = itertools.count()  # numbers the recorded ops in the order they ran


class Function(Node):
    """One differentiable op. Subclass it and write ``forward`` and ``backward``.

    An instance is the op's node in the graph (the fields the backward walk reads are
    :class:`~minigrad.tensor.Node`'s) and its ``ctx``: ``inputs`` are what it was applied to,
    ``needs_input_grad`` says which of them want a gradient, and ``ctx.xp`` is the array module
    of their device. An op keeps anything else it needs as attributes of ``ctx``.
    """

    __slots__ = ("__dict__",)

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, *grads: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
        """dL/d(each input) from dL/d(each output): one gradient per input, None where there is none."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the tensors' arrays; record the op in the graph if an input wants a gradient.

        Returns a tensor, or a tuple of tensors when ``forward`` returns a tuple of arrays.
        """
        ctx = cls.__new__(cls)
        ctx.saved_values = ()
        recording = is_grad_enabled()
        arrays, needs = [], []
        first = None  # the first tensor's array: its device is the op's device
        for arg in args:
            if isinstance(arg, Tensor):
                arrays.append(arg.data)
                needs.append(recording and arg.requires_grad)
                if first is None:
                    first = arg.data
                elif type(arg.data) is not type(first):
                    _check_same_device(cls, args)
            else:
                arrays.append(arg)
                needs.append(False)
        ctx.xp = ARRAY_MODULES.get(type(first)) or backend.array_module_of(first)
        ctx.needs_input_grad = tuple(needs)  # before forward, which may use it to choose what to save
        if profiler.active is None:
            result = cls.forward(ctx, *arrays, **kwargs)
        else:  # inside minigrad.profile(): the same call, timed and recorded (minigrad/profiler.py)
            result = profiler.active.forward(cls, ctx, arrays, kwargs)
        several = type(result) is tuple  # an op with several outputs (such as split) returns arrays
        if isinstance(result, backend.host_scalar):  # NumPy gives a scalar for a 0-d result; a tensor holds arrays
            result = _as_array(ctx, result)
        outputs = result if several else (result,)
        record = True in needs
        if record:
            ctx.inputs = args
            ctx.outputs = outputs  # arrays, not tensors: no work for Python's garbage collector
            ctx.hooks = ctx.retained = None
            ctx.sequence = next(_recorded)
        node = ctx if record else None
        return tuple(Tensor(a, record, node) for a in outputs) if several else Tensor(outputs[0], record, node)

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (or numbers) for backward. They come back as tensors from ``saved_tensors``."""
        self.saved_values = values

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """What ``save_for_backward`` kept, as tensors: an input or an output is that tensor, in the graph."""
        if self.saved_values is None:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time, but its "
                "saved values were freed by the first backward; pass retain_graph=True to the first "
                "backward (or to minigrad.grad) to keep them"
            )
        return tuple(self._as_tensor(value) for value in self.saved_values)

    def _as_tensor(self, value: Any) -> Tensor | None:
        if value is None or isinstance(value, Tensor):
            return value
        if not backend.is_array(value):  # a number (``x * 2.0``): a 0-d tensor of the op's dtype
            for t in self.inputs:
                if isinstance(t, Tensor):
                    return Tensor(self.xp.asarray(value, dtype=t.data.dtype))
        # An input or an output comes back as a tensor in the graph, so that a backward written in
        # Tensor ops stays connected to it (create_graph=True).
        for t in self.inputs:
            if isinstance(t, Tensor) and t.data is value:
                return t
        for array in self.outputs:
            if array is value:
                return Tensor(array, True, self)
        return Tensor(value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


def _as_array(ctx: Function, result: Any) -> Any:
    """The NumPy scalar ``result`` as a 0-d array, in what was saved as well."""
    array = ctx.xp.asarray(result)
    ctx.saved_values = tuple(array if s is result else s for s in ctx.saved_values)
    return array


def _check_same_device(op: type, args: Sequence[Any]) -> None:
    devices = [a.device for a in args if isinstance(a, Tensor)]
    first = devices[0]
    for other in devices[1:]:
        if other != first:
            raise backend.DeviceError(
                f"{op.__name__.lower()}: expected all tensors on one device, but found "
                f"{first} and {other}; move them with .to(device)"
            )


# --- torch.autograd's entry points -----------------------------------------------------------


def backward(tensors: Sequence[Tensor], grad_tensors: Sequence[Any] | None = None,
             retain_graph: bool = False, create_graph: bool = False) -> None:
    """Accumulate gradients of ``tensors`` into ``.grad`` of the leaves they depend on."""
    tensors = list(tensors)
    grad_tensors = [None] * len(tensors) if grad_tensors is None else list(grad_tensors)
    run_backward(tensors, grad_tensors, retain_graph or create_graph, create_graph)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = True) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs), returned rather than stored in ``.grad`` (``torch.autograd.grad``).

    An input that the outputs do not depend on gets ``None``.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("grad: every input must require grad, but one does not")
    keep = create_graph if retain_graph is None else retain_graph
    found = run_backward(outputs, grad_outputs, keep, create_graph, inputs=inputs)
    if not allow_unused and any(g is None for g in found):
        raise RuntimeError("grad: an input was not used to compute the outputs (allow_unused=False)")
    return tuple(found)
