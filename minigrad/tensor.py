"""Tensor: an array on a device, plus what autograd needs to send gradients back.

A tensor made by an op remembers the op in ``grad_fn``: a :class:`Node` (in practice a
:class:`~minigrad.autograd.Function` instance) that holds the op's inputs and whatever it saved
for backward. Following ``grad_fn`` from tensor to inputs to their ``grad_fn`` walks the
computation graph backwards, which is exactly what :meth:`Tensor.backward` does: the second half
of this file. :class:`Node` names every field of an op that the walk reads, here beside it.

The ops themselves (``+``, ``@``, ``tanh``, ``sum``, ``to``, ...) are attached to this class by
:mod:`minigrad.ops` (each ``ops/<kind>.py`` lists its methods), and the factories (``tensor``,
``zeros``, ...) are in :mod:`minigrad.creation`, so this file holds only what a tensor *is* and
how its gradient flows back.
"""

from __future__ import annotations

import heapq
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from minigrad import backend, profiler
from minigrad.backend import Device
from minigrad.grad_mode import set_grad_enabled


class Size(int):
    """An element count that is also torch's ``size()``: ``x.size == 12``, ``x.size() == (3, 4)``, ``x.size(0) == 3``.
    """

    def __new__(cls, count: int, shape: tuple[int, ...]) -> Size:
        size = super().__new__(cls, count)
        size.shape = shape
        return size

    def __call__(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.shape
        if not -len(self.shape) <= dim < len(self.shape):
            raise IndexError(f"size: dim {dim} is out of range for a tensor of shape {self.shape}")
        return self.shape[dim]


class RemovableHandle:
    """What registering a hook returns: ``handle.remove()`` takes the hook away again (torch's name).

    Calling the handle removes it too, and ``with handle:`` removes it at the end of the block.
    """

    def __init__(self, remove: Callable[[], None]) -> None:
        self._remove = remove

    def remove(self) -> None:
        self._remove()

    def __call__(self) -> None:
        self._remove()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self._remove()


class Node:
    """An op in the recorded graph, as the backward walk reads it; :class:`~minigrad.autograd.Function` is one.

    ``inputs`` are what the op was applied to, ``needs_input_grad`` says which of them want a
    gradient, ``xp`` is their array module. ``outputs`` are the output arrays (arrays, not
    tensors: nothing for the garbage collector to chase), ``sequence`` says when the op was
    recorded (a later op leaves the walk first), ``saved_values`` is what the op kept for its
    backward (None once a backward freed it). ``hooks`` and ``retained``, by output index, hold
    the hooks and the ``retain_grad`` tensors of its outputs (None while there are none).
    """

    __slots__ = ("inputs", "needs_input_grad", "xp", "saved_values", "outputs", "sequence", "hooks", "retained")

    @staticmethod
    def backward(ctx: Node, *grads: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
        """dL/d(each input) from dL/d(each output): one gradient per input, None where there is none."""
        raise NotImplementedError

    def output_index(self, output: Tensor) -> int:
        """Which of this op's outputs ``output`` is (0 for a one-output op)."""
        for i, array in enumerate(self.outputs):
            if array is output.data:
                return i

    def output_hooks(self, output: Tensor) -> list[Callable]:
        """The hooks of one output (``output.register_hook`` adds to them)."""
        if self.hooks is None:
            self.hooks = {}
        return self.hooks.setdefault(self.output_index(output), [])

    def retain_output(self, output: Tensor) -> None:
        """Keep the gradient that reaches ``output`` in its ``.grad`` (``output.retain_grad()``)."""
        if self.retained is None:
            self.retained = {}
        self.retained[self.output_index(output)] = weakref.ref(output)


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation."""

    __slots__ = ("data", "grad", "grad_fn", "_requires_grad", "_hooks", "name", "__weakref__")
    __array_priority__ = 1000  # so that numpy_array + tensor calls Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, grad_fn: Node | None = None,
                 name: str | None = None) -> None:
        self.data = data  # the backend array (NumPy, CuPy or the strict stand-in)
        self.grad: Tensor | None = None
        self.grad_fn = grad_fn  # the op (a Node) that made this tensor; None for a leaf
        self._requires_grad = requires_grad
        self._hooks: list[Callable] | None = None
        self.name = name  # used by minigrad.viz; set for parameters

    # --- what a tensor is -----------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> Size:
        """The number of elements (NumPy's ``x.size``), which may also be called as torch's ``x.size(dim)``."""
        return Size(self.data.size, self.data.shape)

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def device(self) -> Device:
        return backend.device_of(self.data)

    def is_floating_point(self) -> bool:
        """Does this tensor hold floating-point numbers (the ones that can require grad)?"""
        return backend.is_floating(self.dtype)

    def contiguous(self) -> Tensor:
        """This tensor: its array is always laid out in one block here (torch's views may not be)."""
        return self

    def is_contiguous(self) -> bool:
        return True

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not backend.is_floating(self.dtype):
            raise TypeError(
                f"only floating-point tensors can require grad, but this one is {self.dtype} "
                "(integer tensors hold indices)"
            )
        if not self.is_leaf and not value:
            raise RuntimeError("requires_grad can only be switched off on a leaf; use .detach()")
        self._requires_grad = bool(value)

    def requires_grad_(self, value: bool = True) -> Tensor:
        self.requires_grad = value
        return self

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        """The sub-tensors along the first axis, as torch (a 0-d tensor has none: TypeError, not ``[]``)."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        values = repr(backend.to_host(self.data)).removeprefix("array(").removesuffix(")")
        values = values.split(", dtype=")[0].replace("\n      ", "\n       ")
        extras = [f"dtype={self.dtype}"]
        if self.device.kind != "cpu":
            extras.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({values}, {', '.join(extras)})"

    # --- leaving the graph and the device ---------------------------------------
    def detach(self) -> Tensor:
        """The same data, cut off from the graph (no grad_fn, no requires_grad)."""
        return Tensor(self.data)

    def item(self) -> float | int | bool:
        """The single value of a one-element tensor, as a Python number."""
        if self.size != 1:
            raise ValueError(f"item(): only a tensor with one element has an item, this one has shape {self.shape}")
        return backend.to_host(self.data).item()

    def numpy(self) -> Any:
        """A NumPy copy on the host, whatever the device (never a view of this tensor)."""
        return backend.to_host(self.data)

    def tolist(self) -> Any:
        return self.numpy().tolist()

    # --- gradients --------------------------------------------------------------
    def backward(self, grad: Tensor | Any = None, retain_graph: bool = False,
                 create_graph: bool = False, *, gradient: Tensor | Any = None) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``grad`` (torch's keyword: ``gradient``) is d(loss)/d(self); it may be left out only when
        ``self`` is a scalar. ``retain_graph`` keeps the saved values for another backward;
        ``create_graph`` records the backward's own ops, for gradients of gradients.
        """
        run_backward([self], [grad if gradient is None else gradient], retain_graph or create_graph, create_graph)

    def retain_grad(self) -> None:
        """Keep the gradient that reaches this non-leaf tensor in ``.grad`` (leaves keep it anyway)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad(): this tensor does not require grad, so it gets none")
        if self.grad_fn is not None:
            self.grad_fn.retain_output(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when the gradient for this tensor is computed.

        A hook may return a tensor to use instead. Returns a handle: ``handle.remove()`` removes the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook(): this tensor does not require grad, so no gradient reaches it")
        if self.grad_fn is not None:
            hooks = self.grad_fn.output_hooks(self)
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return RemovableHandle(lambda: hooks.remove(hook) if hook in hooks else None)

    def zero_grad(self) -> None:
        self.grad = None


# --- the backward pass: a seed, a walk and a delivery to the leaves --------------------------------


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Any], retain_graph: bool, create_graph: bool,
                 inputs: Sequence[Tensor] | None = None) -> list[Tensor | None] | None:
    """Send d(loss)/d(root) for each root back through the graph, to the leaves.

    Each leaf that requires grad gets d(loss)/d(leaf) added to its ``.grad``. With ``inputs``
    (as :func:`minigrad.grad` calls it), the gradients of those tensors are returned instead,
    and no ``.grad`` is touched.
    """
    walk = _Walk(create_graph, inputs)
    with set_grad_enabled(create_graph):  # the backward's own ops are recorded only for create_graph
        for root, grad in zip(roots, root_grads):  # the seed: d(root)/d(root) = 1 unless told otherwise
            walk.send(root, _seed(root, grad))
        # The walk. The heap gives the most recently recorded op first; an op is recorded after
        # the ops that made its inputs, so when a node comes out, every node that sends it a
        # gradient has already sent it, and its gradient is complete.
        while walk.queue:
            node = heapq.heappop(walk.queue)[1]
            if profiler.active is None:
                input_grads = type(node).backward(node, *walk.arrived(node))
            else:  # inside minigrad.profile(): the same call, timed and recorded (minigrad/profiler.py)
                input_grads = profiler.active.backward(node, walk.arrived(node))
            input_grads = input_grads if isinstance(input_grads, tuple) else (input_grads,)
            if len(input_grads) != len(node.inputs):
                raise RuntimeError(f"{type(node).__name__}.backward returned {len(input_grads)} gradient(s) for "
                                   f"{len(node.inputs)} input(s); return one per input (None where there is none)")
            if not retain_graph:
                node.saved_values = None  # the op's saved values are freed: a second backward says so
            for tensor, needs_grad, grad in zip(node.inputs, node.needs_input_grad, input_grads):
                if needs_grad and grad is not None:
                    walk.send(tensor, grad)
        return walk.deliver()


def _seed(root: Tensor, grad: Any) -> Tensor:
    """The gradient that starts the walk: ``grad`` as a tensor shaped like ``root``, or 1 for a scalar."""
    if not root.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad and has no grad_fn; did an input set "
                           "requires_grad=True, and was the graph recorded outside no_grad()?")
    if grad is None and root.size != 1:
        raise RuntimeError(f"backward: the output has shape {root.shape}, not a single value; pass grad= "
                           "(dL/doutput, same shape) or reduce it first, e.g. with .sum()")
    if grad is None:  # d(root)/d(root) = 1
        grad = Tensor(root.device.xp.ones(root.shape, dtype=root.dtype))
    grad = grad if isinstance(grad, Tensor) else Tensor(root.device.asarray(grad, dtype=root.dtype))
    if grad.shape != root.shape:
        raise ValueError(f"backward: the gradient has shape {grad.shape} but the output has shape {root.shape}")
    return grad


class _Walk:
    """One backward pass: the gradients on their way, and the nodes that wait for them."""

    def __init__(self, create_graph: bool, inputs: Sequence[Tensor] | None) -> None:
        self.create_graph = create_graph
        self.grads: dict[int, list[Tensor | None]] = {}  # id(node) -> gradient of each output so far
        self.leaves: dict[int, tuple[Tensor, Tensor]] = {}  # id(leaf) -> (leaf, its gradient so far)
        self.queue: list[tuple[int, Node]] = []  # (-recording number, node): nodes with a gradient
        # minigrad.grad's inputs, by where their gradient is found, (node, which output) or (leaf, 0):
        # None until it arrives
        self.wanted = None if inputs is None else {
            (id(t), 0) if t.grad_fn is None else (id(t.grad_fn), t.grad_fn.output_index(t)): None for t in inputs}

    def send(self, tensor: Tensor, grad: Tensor) -> None:
        """Add ``grad`` to the gradient that has reached ``tensor`` so far."""
        if grad.data.shape != tensor.data.shape:
            grad = _sum_to(grad, tensor.shape)
        if grad.data.dtype != tensor.data.dtype:  # float32 + float64 sends float64 back: a grad has its tensor's dtype
            grad = grad.to(dtype=tensor.dtype)
        node = tensor.grad_fn
        if node is None:  # a leaf: it waits for the delivery (unless minigrad.grad did not ask for it)
            if self.wanted is None or (id(tensor), 0) in self.wanted:
                so_far = self.leaves.get(id(tensor))
                self.leaves[id(tensor)] = (tensor, grad if so_far is None else so_far[1] + grad)
            return
        slots = self.grads.get(id(node))
        if slots is None:  # the first gradient for this node: it joins the queue
            slots = self.grads[id(node)] = [None] * len(node.outputs)
            heapq.heappush(self.queue, (-node.sequence, node))
        i = node.output_index(tensor)
        slots[i] = grad if slots[i] is None else slots[i] + grad

    def arrived(self, node: Node) -> list[Tensor]:
        """The complete gradients of ``node``'s outputs, each through that output's hooks."""
        grads = self.grads.pop(id(node))
        for i, grad in enumerate(grads):
            if grad is None:  # an output that nothing used: its gradient is zero
                grad = Tensor(node.xp.zeros(node.outputs[i].shape, dtype=node.outputs[i].dtype))
            if node.hooks or node.retained or self.wanted is not None:  # else there is nothing to finish
                retained = node.retained and node.retained.get(i)
                grad = self.finish(grad, node.hooks and node.hooks.get(i), retained and retained(), (id(node), i))
            grads[i] = grad
        return grads

    def deliver(self) -> list[Tensor | None] | None:
        """Leaves last: each gets its whole gradient at once, through its hooks, as in PyTorch."""
        for leaf, grad in self.leaves.values():
            self.finish(grad, leaf._hooks, leaf if self.wanted is None else None, (id(leaf), 0))
        return None if self.wanted is None else list(self.wanted.values())

    def finish(self, grad: Tensor, hooks: list[Callable] | None, keep: Tensor | None,
               place: tuple[int, int]) -> Tensor:
        """One tensor's whole gradient: its hooks may replace it, then ``keep.grad`` adds it up
        (a leaf, or a tensor that called ``retain_grad``) and ``minigrad.grad`` takes it if asked."""
        for hook in list(hooks or ()):
            replaced = hook(grad)
            grad = grad if replaced is None else replaced
        if keep is not None:  # without create_graph, a copy: the same array may go to other tensors too
            mine = grad if self.create_graph else Tensor(grad.data.copy())
            keep.grad = mine if keep.grad is None else keep.grad + mine
        if self.wanted is not None and place in self.wanted:
            self.wanted[place] = grad
        return grad


def _sum_to(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Undo broadcasting: sum ``grad`` down to ``shape``. The only place this happens."""
    lead = grad.ndim - len(shape)  # the leading axes that broadcasting added, then the size-1 axes it stretched
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


