"""Function transforms, torch.func's meanings: ``grad``, ``grad_and_value``, ``vjp``, ``jvp`` (forward mode),
``jacrev``, ``jacfwd``, ``jacobian``, ``hessian``, ``hvp``.

Reverse mode (what ``backward`` does) pulls a cotangent u back through f: the vector-Jacobian
product uᵀJ, one backward pass. Forward mode pushes a tangent v forward: the Jacobian-vector product
J v, which is what a directional derivative is. minigrad has no forward rule per op. It gets J v
from reverse mode by the *double-VJP trick*: g(u) = Jᵀu is linear in u, so its own VJP with v is
vᵀJᵀ = (J v)ᵀ. In code: one backward with a dummy u that requires grad (``create_graph=True``
records Jᵀu as a function of u), then a second backward of that, seeded with v. Both are ordinary
backward passes through ops whose backward is itself made of ops, which is why it works on every
op of the set with nothing written per op. It costs about two backward passes where a dual-number
rule would cost one forward pass; docs/autograd.md says why this choice and what it would take.

Every transform makes its own fresh inputs (a copy that requires grad), so the function's other
tensors are treated as constants, and transforms nest: ``hessian`` is ``jacrev(jacrev(f))``.
Results are cut off from the graph unless a primal itself requires grad (a transform inside
another one), in which case they stay differentiable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from minigrad import autograd
from minigrad.creation import zeros, zeros_like
from minigrad.functional import reshape, stack
from minigrad.grad_mode import enable_grad
from minigrad.tensor import Tensor

__all__ = ["grad", "grad_and_value", "hessian", "hvp", "jacfwd", "jacobian", "jacrev", "jvp", "vjp"]


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _enter(primals: Sequence[Tensor], op: str) -> tuple[list[Tensor], bool]:
    """Fresh inputs to differentiate with respect to, and whether this transform is inside another."""
    for p in primals:
        if not isinstance(p, Tensor) or not p.is_floating_point():
            raise TypeError(f"{op}: every primal must be a floating-point tensor, got {p!r}")
    nested = any(p.requires_grad for p in primals)
    # inside another transform: a copy in the outer graph; else a new leaf
    return [p * 1 if p.requires_grad else p.detach().requires_grad_() for p in primals], nested


def _leave(value: Any, nested: bool) -> Any:
    """Results as the caller gets them: detached at the top level, still in the graph when nested."""
    if isinstance(value, tuple):
        return tuple(_leave(v, nested) for v in value)
    return value if nested or not isinstance(value, Tensor) else value.detach()


def _pull(outputs: Sequence[Tensor], inputs: Sequence[Tensor], cotangents: Sequence[Tensor]) -> list[Tensor]:
    """uᵀJ for each input (zeros where an input is not used): one backward pass, recorded (create_graph)."""
    live = [(o, u) for o, u in zip(outputs, cotangents) if o.requires_grad]
    if not live:
        return [zeros_like(x) for x in inputs]
    found = autograd.grad([o for o, _ in live], list(inputs), grad_outputs=[u for _, u in live], create_graph=True)
    return [zeros_like(x) if g is None else g for g, x in zip(found, inputs)]


def vjp(func: Callable[..., Any], *primals: Tensor) -> tuple[Any, Callable[..., tuple[Tensor, ...]]]:
    """(func(*primals), vjp_fn), where vjp_fn(cotangent) = uᵀJ for each primal (torch.func.vjp).

    The cotangent has the output's shape (a tuple of them for a tuple of outputs).
    """
    inputs, nested = _enter(primals, "vjp")
    with enable_grad():
        output = func(*inputs)
    outputs = _as_tuple(output)

    def vjp_fn(*cotangents: Any) -> tuple[Tensor, ...]:
        cotangents = _as_tuple(cotangents[0]) if len(cotangents) == 1 else cotangents
        if len(cotangents) != len(outputs):
            raise ValueError(f"vjp: {len(cotangents)} cotangent(s) for {len(outputs)} output(s)")
        with enable_grad():
            pulled = _pull(outputs, inputs, cotangents)
        return _leave(tuple(pulled), nested or any(u.requires_grad for u in cotangents))

    return _leave(output, nested), vjp_fn


def grad_and_value(func: Callable[..., Tensor],
                   argnums: int | tuple[int, ...] = 0) -> Callable[..., tuple[Any, Tensor]]:
    """The function x ↦ (∇func(x), func(x)) of a scalar function (torch.func.grad_and_value); a tuple of
    gradients when ``argnums`` is a tuple."""

    def gradient_and_value(*args: Tensor) -> tuple[Any, Tensor]:
        chosen = _argnums(argnums, len(args))
        inputs, nested = _enter([args[a] for a in chosen], "grad")
        with enable_grad():
            full = list(args)
            for a, x in zip(chosen, inputs):
                full[a] = x
            output = func(*full)
            if not isinstance(output, Tensor) or output.size != 1:
                raise ValueError("grad: the function must return a single number (a tensor with one element)")
            gradients = tuple(_pull([output], inputs, [None]))
        return _leave(gradients[0] if isinstance(argnums, int) else gradients, nested), _leave(output, nested)

    return gradient_and_value


def grad(func: Callable[..., Tensor], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The function x ↦ ∇func(x) of a scalar function (torch.func.grad); composes: grad(grad(f)) is f''."""
    gradient_and_value = grad_and_value(func, argnums)
    return lambda *args: gradient_and_value(*args)[0]


def jvp(func: Callable[..., Any], primals: Sequence[Tensor], tangents: Sequence[Tensor]) -> tuple[Any, Any]:
    """(func(*primals), J·tangents) (torch.func.jvp): the derivative of func at the primals in the
    direction of the tangents, one per primal, by the double-VJP trick (see the module's docstring)."""
    primals, tangents = _as_tuple(primals), _as_tuple(tangents)
    if len(primals) != len(tangents) or any(p.shape != t.shape for p, t in zip(primals, tangents)):
        raise ValueError("jvp: give one tangent per primal, each with its primal's shape")
    inputs, nested = _enter(primals, "jvp")
    with enable_grad():
        output = func(*inputs)
        outputs = _as_tuple(output)
        dummies = [zeros_like(o).requires_grad_() for o in outputs]  # u: Jᵀu is linear in it
        pulled = _pull(outputs, inputs, dummies)  # Jᵀu, recorded as a function of u
        live = [(g, t) for g, t in zip(pulled, tangents) if g.requires_grad]
        if live:  # the VJP of u ↦ Jᵀu, seeded with the tangents: (J v)ᵀ
            pushed = autograd.grad([g for g, _ in live], dummies, grad_outputs=[t for _, t in live], create_graph=True)
        else:
            pushed = [None] * len(outputs)
    pushed = tuple(zeros_like(o) if p is None else p for p, o in zip(pushed, outputs))
    nested = nested or any(t.requires_grad for t in tangents)
    return _leave(output, nested), _leave(pushed if isinstance(output, (tuple, list)) else pushed[0], nested)


def _argnums(argnums: int | tuple[int, ...], count: int) -> tuple[int, ...]:
    chosen = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if any(not -count <= a < count for a in chosen):
        raise ValueError(f"argnums {argnums} is out of range for {count} argument(s)")
    return tuple(a % count for a in chosen)


def jacrev(func: Callable[..., Tensor], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The function x ↦ ∂func/∂x, row by row in reverse mode: one VJP per output element; the
    Jacobian has shape output.shape + input.shape (a tuple over ``argnums`` when it is a tuple)."""

    def jacobian_of(*args: Tensor) -> Any:
        chosen = _argnums(argnums, len(args))
        inputs, nested = _enter([args[a] for a in chosen], "jacrev")
        with enable_grad():
            full = list(args)
            for a, x in zip(chosen, inputs):
                full[a] = x
            output = func(*full)
            if not isinstance(output, Tensor):
                raise TypeError("jacrev: the function must return one tensor")
            flat = reshape(output, -1)
            rows = []
            for i in range(flat.shape[0]):  # row i of J: the gradient of output element i
                seed = zeros_like(flat)
                seed.data[i] = 1
                rows.append(_pull([flat], inputs, [seed]))
        blocks = tuple(_block(rows, k, output.shape, x.shape, x) for k, x in enumerate(inputs))
        return _leave(blocks[0] if isinstance(argnums, int) else blocks, nested)

    return jacobian_of


def jacfwd(func: Callable[..., Tensor], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The function x ↦ ∂func/∂x, column by column in forward mode: one JVP per input element."""

    def jacobian_of(*args: Tensor) -> Any:
        blocks = []
        for a in _argnums(argnums, len(args)):
            x = args[a]

            def along(value: Tensor, a: int = a) -> Tensor:
                return func(*args[:a], value, *args[a + 1:])

            output, columns = None, []
            for j in range(x.size):  # column j of J: the derivative along input element j
                tangent = zeros_like(x)
                tangent.data.reshape(-1)[j] = 1
                output, column = jvp(along, (x,), (tangent,))
                columns.append(reshape(column, -1))
            if output is None:  # an input with no elements: a Jacobian with no columns
                output = along(x)
                blocks.append(zeros(*output.shape, *x.shape, dtype=x.dtype, device=x.device))
            else:
                blocks.append(reshape(stack(columns, axis=1), *output.shape, *x.shape))
        return blocks[0] if isinstance(argnums, int) else tuple(blocks)

    return jacobian_of


def _block(rows: list[list[Tensor]], k: int, output_shape: tuple, input_shape: tuple, like: Tensor) -> Tensor:
    """The rows' k-th gradients stacked: ∂output/∂input k, shaped output_shape + input_shape."""
    if not rows:  # an output with no elements: a Jacobian with no rows
        return zeros(*output_shape, *input_shape, dtype=like.dtype, device=like.device)
    return reshape(stack([row[k] for row in rows]), *output_shape, *input_shape)


def jacobian(func: Callable[..., Any], inputs: Tensor | Sequence[Tensor]) -> Any:
    """torch.autograd.functional.jacobian: ∂func/∂inputs at ``inputs``, each block output.shape + input.shape
    (a tuple over inputs when ``inputs`` is a tuple)."""
    several = isinstance(inputs, (tuple, list))
    inputs = _as_tuple(inputs)
    return jacrev(func, tuple(range(len(inputs))) if several else 0)(*inputs)


def hessian(func: Callable[..., Tensor], argnums: int = 0) -> Callable[..., Tensor]:
    """The function x ↦ ∂²func/∂x² of a scalar function, shape x.shape + x.shape: the Jacobian of the
    gradient (reverse over reverse, ``jacrev(jacrev(func))``; torch.func writes jacfwd(jacrev(func)),
    with the same values)."""
    return jacrev(jacrev(func, argnums), argnums)


def hvp(func: Callable[..., Tensor], primals: Sequence[Tensor], tangents: Sequence[Tensor]) -> tuple[Tensor, Any]:
    """(func(*primals), H·tangents) for a scalar func, without forming H (torch.autograd.functional.hvp):
    the gradient's derivative along the tangents, i.e. the JVP of the gradient, by one more VJP
    since H is symmetric: H v = ∇(∇f · v)."""
    primals, tangents = _as_tuple(primals), _as_tuple(tangents)
    inputs, nested = _enter(primals, "hvp")
    with enable_grad():
        output = func(*inputs)
        if not isinstance(output, Tensor) or output.size != 1:
            raise ValueError("hvp: the function must return a single number")
        gradients = _pull([output], inputs, [None])
        directional = sum((g * t).sum() for g, t in zip(gradients, tangents))  # ∇f · v
        products = _pull([directional], inputs, [None]) if isinstance(directional, Tensor) else \
            [zeros_like(x) for x in inputs]
    products = tuple(products)
    return _leave(output, nested), _leave(products if len(products) > 1 else products[0], nested)
