"""Gradient checking: do an op's backward and its forward agree?

The numerical side is central differences in float64 on the host,

    ∂f/∂xₖ ≈ (f(x + ε eₖ) - f(x - ε eₖ)) / 2ε,

one column of the Jacobian per input element. The analytic side asks backward for
one row of the Jacobian per output element. The two Jacobians must agree with
``allclose`` semantics: ``|analytic - numerical| <= atol + rtol * |numerical|``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad import backend
from minigrad.autograd import grad
from minigrad.tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic and numerical gradients disagree; the message says where and by how much."""


def _as_outputs(result: Any) -> list[Tensor]:
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    if not all(isinstance(o, Tensor) for o in outputs):
        raise TypeError("gradcheck: fn must return a tensor or a tuple of tensors")
    return outputs


def _evaluate_on_host(fn: Callable, hosts: list[np.ndarray], inputs: Sequence[Any]) -> np.ndarray:
    """fn at the given float64 host values, its outputs flattened into one vector."""
    # Inputs keep requires_grad, since fn may itself take gradients (gradgradcheck's fn does).
    args = [Tensor(backend.get_device("cpu").asarray(h), requires_grad=i.requires_grad)
            if isinstance(i, Tensor) else i for h, i in zip(hosts, inputs)]
    outputs = _as_outputs(fn(*args))
    return np.concatenate([o.numpy().astype(np.float64).ravel() for o in outputs])


def _numerical_jacobian(fn: Callable, inputs: Sequence[Any], checked: list[int], eps: float) -> list[np.ndarray]:
    hosts = [i.numpy().astype(np.float64) if isinstance(i, Tensor) and i.dtype.kind == "f"
             else (i.numpy() if isinstance(i, Tensor) else None) for i in inputs]
    jacobians = []
    for k in checked:
        columns = []
        flat = hosts[k].reshape(-1)
        for j in range(flat.size):
            saved = flat[j]
            flat[j] = saved + eps
            plus = _evaluate_on_host(fn, hosts, inputs)
            flat[j] = saved - eps
            minus = _evaluate_on_host(fn, hosts, inputs)
            flat[j] = saved
            columns.append((plus - minus) / (2 * eps))
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((0, 0)))
    return jacobians


def _double(inputs: Sequence[Any]) -> list[Any]:
    """Inputs as float64 leaves on their own device (the analytic side)."""
    return [Tensor(i.data.astype(backend.float64), requires_grad=i.requires_grad)
            if isinstance(i, Tensor) and i.dtype.kind == "f" else i for i in inputs]


def _analytic_jacobian(fn: Callable, inputs: list[Any], checked: list[int]) -> list[np.ndarray]:
    outputs = _as_outputs(fn(*inputs))
    rows: list[list[np.ndarray]] = [[] for _ in checked]
    for output in outputs:
        for e in range(output.size):
            if not output.requires_grad:
                for r, k in zip(rows, checked):
                    r.append(np.zeros(inputs[k].size))
                continue
            seed = np.zeros(output.size)
            seed[e] = 1.0
            seed_tensor = Tensor(output.device.asarray(seed.reshape(output.shape), dtype=output.dtype))
            grads = grad([output], [inputs[k] for k in checked], [seed_tensor], retain_graph=True)
            for r, k, g in zip(rows, checked, grads):
                r.append(np.zeros(inputs[k].size) if g is None else g.numpy().astype(np.float64).ravel())
    return [np.stack(r, axis=0) if r else np.zeros((0, inputs[k].size)) for r, k in zip(rows, checked)]


def _compare(analytic: np.ndarray, numerical: np.ndarray, what: str, shape: tuple[int, ...],
             atol: float, rtol: float) -> None:
    error = np.abs(analytic - numerical)
    allowed = atol + rtol * np.abs(numerical)
    bad = ~(error <= allowed)  # NaN counts as bad
    if bad.any():
        excess = np.where(bad, np.nan_to_num(error - allowed, nan=np.inf), -np.inf)
        out_index, in_index = np.unravel_index(int(np.argmax(excess)), error.shape)
        element = np.unravel_index(in_index, shape) if shape else ()
        worst = error.max()  # NaN if any entry is NaN: the worst there is (nanmax would warn)
        raise GradcheckError(
            f"gradcheck failed for {what} at element {tuple(int(i) for i in element)} "
            f"(output element {int(out_index)}): analytic {analytic[out_index, in_index]:.8g} vs "
            f"numerical {numerical[out_index, in_index]:.8g}; worst |error| {worst:.3g} "
            f"(atol={atol}, rtol={rtol}, {int(bad.sum())} of {bad.size} entries off)"
        )


def gradcheck(fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, fast_mode: bool = False, seed: int = 0) -> bool:
    """Check fn's backward against central differences, for every input that requires grad.

    Pass if ``|analytic - numerical| <= atol + rtol * |numerical|`` for every entry of the
    Jacobian (``numpy.allclose`` semantics). Float inputs are promoted to float64 first; the
    analytic side runs on the inputs' device, the numerical side on the host.
    ``fast_mode=True`` compares the single number vᵀJu for random u, v instead of all of J.
    Raises :class:`GradcheckError` on a mismatch, returns True otherwise.
    """
    inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    checked = [k for k, i in enumerate(inputs) if isinstance(i, Tensor) and i.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    doubled = _double(inputs)
    if fast_mode:
        return _fast_check(fn, doubled, checked, eps, atol, rtol, seed)
    numerical = _numerical_jacobian(fn, doubled, checked, eps)
    analytic = _analytic_jacobian(fn, doubled, checked)
    for k, a, n in zip(checked, analytic, numerical):
        _compare(a, n, f"input {k}", inputs[k].shape, atol, rtol)
    return True


def _fast_check(fn: Callable, inputs: list[Any], checked: list[int], eps: float, atol: float,
                rtol: float, seed: int) -> bool:
    rng = np.random.default_rng(seed)
    outputs = _as_outputs(fn(*inputs))
    vs = [rng.standard_normal(o.shape) for o in outputs]
    us = {k: rng.standard_normal(inputs[k].shape) for k in checked}
    # analytic: vᵀ J u = Σₖ <grad of vᵀf w.r.t. xₖ, uₖ>
    live = [(o, v) for o, v in zip(outputs, vs) if o.requires_grad]
    grads = grad([o for o, _ in live], [inputs[k] for k in checked],
                 [Tensor(o.device.asarray(v, dtype=o.dtype)) for o, v in live])
    analytic = sum(float((g.numpy() * us[k]).sum()) for k, g in zip(checked, grads) if g is not None)
    # numerical: the directional derivative of vᵀf along u
    hosts = [i.numpy().astype(np.float64) if isinstance(i, Tensor) and i.dtype.kind == "f"
             else (i.numpy() if isinstance(i, Tensor) else None) for i in inputs]
    flat_v = np.concatenate([v.ravel() for v in vs])

    def along(step: float) -> float:
        moved = [h + step * us[k] if k in us else h for k, h in enumerate(hosts)]
        return float(flat_v @ _evaluate_on_host(fn, moved, inputs))

    numerical = (along(eps) - along(-eps)) / (2 * eps)
    if not abs(analytic - numerical) <= atol + rtol * abs(numerical):
        raise GradcheckError(
            f"gradcheck (fast mode) failed: vᵀJu is {analytic:.8g} by backward but {numerical:.8g} "
            f"numerically; |error| {abs(analytic - numerical):.3g} (atol={atol}, rtol={rtol}); "
            "run with fast_mode=False to find the element"
        )
    return True


def gradgradcheck(fn: Callable[..., Any], inputs: Sequence[Any], grad_outputs: Sequence[Tensor] | None = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, fast_mode: bool = False,
                  seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of (x, v) ↦ vᵀ ∂f/∂x, built with create_graph=True."""
    inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    doubled = _double(inputs)
    checked = [k for k, i in enumerate(doubled) if isinstance(i, Tensor) and i.requires_grad]
    outputs = _as_outputs(fn(*doubled))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor(o.device.asarray(rng.standard_normal(o.shape)), requires_grad=True)
                        for o in outputs]
    else:
        grad_outputs = [Tensor(g.data.astype(backend.float64), requires_grad=True) for g in grad_outputs]
    count = len(inputs)

    def first_derivatives(*args: Any) -> tuple[Tensor, ...]:
        xs, vs = list(args[:count]), list(args[count:])
        outs = _as_outputs(fn(*xs))
        grads = grad(outs, [xs[k] for k in checked], vs, create_graph=True)
        return tuple(g if g is not None else xs[k] * 0.0 for k, g in zip(checked, grads))

    return gradcheck(first_derivatives, [*doubled, *grad_outputs], eps, atol, rtol, fast_mode, seed)
