"""Forward mode and its relatives (minigrad.func, issue 24): jvp, vjp, jacrev, jacfwd, jacobian, hessian,
hvp, on a table of ops, against central differences and against torch.func.

jvp is made by the double-VJP trick, so these tests are also a check that every backward in the table
is linear in its incoming gradient and differentiable again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import torch
from test_ops import ALL_OPS
from test_ops import draw_inputs as draw_op_inputs

import minigrad as mg
from minigrad import func as mf


@dataclass(frozen=True)
class Row:
    name: str
    fn: Callable  # (lib, *inputs) -> one tensor; the same code for minigrad and torch
    shapes: tuple
    positive: bool = False  # inputs in [0.5, 2] rather than N(0, 1)


def F(lib):  # noqa: N802
    return lib.nn.functional


ROWS = [
    Row("sin", lambda lib, x: x.sin(), ((3, 4),)),
    Row("exp * tanh", lambda lib, x: x.exp() * x.tanh(), ((5,),)),
    Row("sigmoid", lambda lib, x: lib.sigmoid(x), ((2, 3),)),
    Row("log / sqrt", lambda lib, x: x.log() / x.sqrt(), ((4,),), positive=True),
    Row("x ** 3 + y", lambda lib, x, y: x ** 3 + y, ((3, 2), (2,))),
    Row("x * y broadcast", lambda lib, x, y: x * y, ((3, 1), (1, 4))),
    Row("matmul", lambda lib, x, y: x @ y, ((3, 4), (4, 2))),
    Row("softmax", lambda lib, x: x.softmax(dim=-1), ((2, 5),)),
    Row("log_softmax", lambda lib, x: x.log_softmax(dim=0), ((4, 3),)),
    Row("logsumexp", lambda lib, x: x.logsumexp(dim=1), ((3, 4),)),
    Row("mean and var", lambda lib, x: x.var(dim=0) + x.mean(dim=1).sum(), ((4, 3),)),
    Row("max(dim=1)", lambda lib, x: x.max(dim=1).values, ((3, 4),)),
    Row("cumsum", lambda lib, x: x.cumsum(dim=1), ((2, 4),)),
    Row("cumprod", lambda lib, x: x.cumprod(dim=0), ((4, 2),)),
    Row("x[index]", lambda lib, x: x[1:, ::2] * x[0, :2], ((3, 4),)),
    Row("atan2", lambda lib, y, x: lib.atan2(y, x), ((3,), (3,))),
    Row("tensordot", lambda lib, x, y: lib.tensordot(x, y, dims=1), ((2, 3), (3, 2))),
    Row("layer_norm", lambda lib, x: F(lib).layer_norm(x, (4,)), ((3, 4),)),
    Row("batch_norm (training)", lambda lib, x: F(lib).batch_norm(x, None, None, training=True), ((4, 3),)),
    Row("conv2d", lambda lib, x, w: F(lib).conv2d(x, w, padding=1), ((1, 2, 4, 4), (3, 2, 3, 3))),
    Row("max_pool2d", lambda lib, x: F(lib).max_pool2d(x, 2), ((1, 2, 4, 4),)),
    Row("avg_pool2d", lambda lib, x: F(lib).avg_pool2d(x, 3, 2, 1), ((1, 1, 5, 5),)),
    Row("scaled_dot_product_attention", lambda lib, q, k, v: F(lib).scaled_dot_product_attention(q, k, v),
        ((2, 3), (4, 3), (4, 2))),
    Row("gelu", lambda lib, x: F(lib).gelu(x), ((6,),)),
]


def draw(row: Row, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if row.positive:
        return [rng.uniform(0.5, 2.0, shape) for shape in row.shapes]
    # distinct values, so that max and max_pool have no ties
    return [rng.permutation(int(np.prod(s))).reshape(s) * 0.37 / max(1, np.prod(s)) * 3 + rng.uniform(-.05, .05, s)
            for s in row.shapes]


def ours(row: Row) -> Callable:
    return lambda *xs: row.fn(mg, *xs)


def theirs(row: Row) -> Callable:
    return lambda *xs: row.fn(torch, *xs)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_jvp_agrees_with_central_differences_and_torch_func(row, device):
    primals, tangents = draw(row, 0), [np.random.default_rng(1).standard_normal(s) for s in row.shapes]
    output, pushed = mf.jvp(ours(row), tuple(mg.tensor(p, dtype=mg.float64, device=device) for p in primals),
                            tuple(mg.tensor(t, dtype=mg.float64, device=device) for t in tangents))
    h = 1e-6
    plus = row.fn(mg, *[mg.tensor(p + h * t, dtype=mg.float64) for p, t in zip(primals, tangents)]).numpy()
    minus = row.fn(mg, *[mg.tensor(p - h * t, dtype=mg.float64) for p, t in zip(primals, tangents)]).numpy()
    np.testing.assert_allclose(pushed.numpy(), (plus - minus) / (2 * h), rtol=1e-5, atol=1e-7)
    want_output, want = torch.func.jvp(theirs(row), tuple(torch.tensor(p) for p in primals),
                                       tuple(torch.tensor(t) for t in tangents))
    np.testing.assert_allclose(output.numpy(), want_output.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(pushed.numpy(), want.numpy(), rtol=1e-9, atol=1e-12)
    assert not pushed.requires_grad and pushed.device == output.device


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_jacobians_forward_and_reverse_agree_with_torch_func(row):
    primals = draw(row, 2)
    argnums = tuple(range(len(primals)))
    reverse = mf.jacrev(ours(row), argnums)(*[mg.tensor(p) for p in primals])
    forward = mf.jacfwd(ours(row), argnums)(*[mg.tensor(p) for p in primals])
    want = torch.func.jacrev(theirs(row), argnums)(*[torch.tensor(p) for p in primals])
    for mine_r, mine_f, expected in zip(reverse, forward, want):
        assert mine_r.shape == tuple(expected.shape) == mine_f.shape
        np.testing.assert_allclose(mine_r.numpy(), expected.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(mine_f.numpy(), expected.numpy(), rtol=1e-9, atol=1e-12)


SCALAR_ROWS = [row for row in ROWS if row.name not in ("max(dim=1)", "max_pool2d")]  # piecewise linear: H = 0


@pytest.mark.parametrize("row", SCALAR_ROWS, ids=lambda row: row.name)
def test_hessian_and_hvp_agree_with_torch(row):
    def scalar(lib):
        return lambda x, *rest: (row.fn(lib, x, *rest) ** 2).sum()

    primals = draw(row, 3)
    first = primals[0]
    rest_mg = [mg.tensor(p) for p in primals[1:]]
    rest_t = [torch.tensor(p) for p in primals[1:]]
    hessian = mf.hessian(lambda x: scalar(mg)(x, *rest_mg))(mg.tensor(first))
    want = torch.func.hessian(lambda x: scalar(torch)(x, *rest_t))(torch.tensor(first))
    np.testing.assert_allclose(hessian.numpy(), want.numpy(), rtol=1e-8, atol=1e-10)
    direction = np.random.default_rng(4).standard_normal(first.shape)
    value, product = mf.hvp(lambda x: scalar(mg)(x, *rest_mg), (mg.tensor(first),), (mg.tensor(direction),))
    want_value, want_product = torch.autograd.functional.hvp(lambda x: scalar(torch)(x, *rest_t), torch.tensor(first),
                                                             torch.tensor(direction))
    np.testing.assert_allclose(value.item(), want_value.item(), rtol=1e-10)
    np.testing.assert_allclose(product.numpy(), want_product.numpy(), rtol=1e-8, atol=1e-10)


def test_vjp_agrees_with_torch_func_on_two_inputs_and_two_outputs():
    rng = np.random.default_rng(0)
    x, y, u, w = (rng.standard_normal((3, 2)) for _ in range(4))

    def pair(lib):
        return lambda a, b: (a * b.sin(), (a @ b.T).tanh()[:, :2])

    (first, second), pull = mg.vjp(pair(mg), mg.tensor(x), mg.tensor(y))
    (t_first, t_second), t_pull = torch.func.vjp(pair(torch), torch.tensor(x), torch.tensor(y))
    grads = pull((mg.tensor(u), mg.tensor(w)))
    t_grads = t_pull((torch.tensor(u), torch.tensor(w)))
    np.testing.assert_allclose(first.numpy(), t_first.numpy())
    np.testing.assert_allclose(second.numpy(), t_second.numpy())
    assert len(grads) == 2
    for mine, want in zip(grads, t_grads):
        np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=1e-12)


def test_jacobian_of_a_tuple_of_inputs_is_a_tuple_of_blocks():
    x, y = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0, 5.0])
    dx, dy = mf.jacobian(lambda a, b: mg.outer(a, b).sum(dim=1), (x, y))
    assert dx.shape == (2, 2) and dy.shape == (2, 3)
    np.testing.assert_allclose(dx.numpy(), np.diag([12.0, 12.0]))
    np.testing.assert_allclose(dy.numpy(), [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])


def test_a_function_that_ignores_its_input_has_zero_derivatives():
    x = mg.tensor([1.0, 2.0])
    _, pushed = mg.jvp(lambda a: mg.ones(3), (x,), (mg.ones(2),))
    assert pushed.tolist() == [0.0, 0.0, 0.0]
    assert mf.jacrev(lambda a: a.sum() * 0 + 1.0)(x).tolist() == [0.0, 0.0]


def test_transforms_leave_the_callers_tensors_alone():
    w = mg.tensor([2.0, 3.0], requires_grad=True)  # a parameter the function closes over: a constant here
    x = mg.tensor([1.0, 1.0])
    _, pushed = mg.jvp(lambda a: a * w, (x,), (mg.ones(2),))
    assert pushed.tolist() == [2.0, 3.0] and w.grad is None and x.grad is None and not x.requires_grad


def test_grad_is_torch_funcs_and_composes_to_higher_derivatives():
    def f(lib):
        return lambda x, y: (x.sin() * y).sum()

    x, y = np.array([0.3, -1.2, 2.0]), np.array([1.5, 0.5, -2.0])
    gradients = mf.grad(f(mg), argnums=(0, 1))(mg.tensor(x), mg.tensor(y))
    want = torch.func.grad(f(torch), argnums=(0, 1))(torch.tensor(x), torch.tensor(y))
    for mine, expected in zip(gradients, want):
        np.testing.assert_allclose(mine.numpy(), expected.numpy(), rtol=1e-12)
    gradient, value = mf.grad_and_value(f(mg))(mg.tensor(x), mg.tensor(y))
    assert value.item() == pytest.approx(float((np.sin(x) * y).sum()))
    third = mf.grad(mf.grad(mf.grad(lambda t: t.sin())))(mg.tensor(0.5, dtype=mg.float64))  # d³/dt³ sin = −cos
    assert third.item() == pytest.approx(-np.cos(0.5), rel=1e-12)
    with pytest.raises(ValueError, match="single number"):
        mf.grad(lambda t: t * 2)(mg.tensor([1.0, 2.0]))


def first_output_of(fn: Callable, given: list, floats: list[int]) -> Callable:
    """An op-table row as a function of its float inputs only (indices and masks held fixed), first output."""

    def first_output(*values):
        full = list(given)
        for i, value in zip(floats, values):
            full[i] = value
        output = fn(*full)
        return output[0] if isinstance(output, (tuple, list)) else output

    return first_output


@pytest.mark.parametrize("op", ALL_OPS, ids=lambda op: op.name)
def test_jvp_of_every_row_of_the_op_tables_agrees_with_central_differences_and_torch_func(op):
    """The double-VJP trick needs each backward to be linear in its incoming gradient and made of ops;
    this checks that for the whole op set of tests/test_ops.py (its last, often 0-d or broadcast, shapes),
    against central differences, and against torch.func.jvp wherever torch has forward AD for the op
    (all rows but scaled_dot_product_attention's CPU kernel, when this was written)."""
    arrays = draw_op_inputs(op, op.shape_sets()[-1], seed=0)
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    inputs = [mg.tensor(a, dtype=mg.float64) if a.dtype.kind == "f" else mg.tensor(a) for a in arrays]

    first_output = first_output_of(op.minigrad, inputs, floats)

    rng = np.random.default_rng(1)
    primals = [inputs[i] for i in floats]
    tangents = [mg.tensor(rng.standard_normal(p.shape), dtype=mg.float64) for p in primals]
    output, pushed = mg.jvp(first_output, tuple(primals), tuple(tangents))
    if output.dtype.kind != "f":
        return  # indices (argsort and the like): nothing to differentiate
    h = 1e-6
    plus = first_output(*[mg.tensor(p.numpy() + h * t.numpy(), dtype=mg.float64) for p, t in zip(primals, tangents)])
    minus = first_output(*[mg.tensor(p.numpy() - h * t.numpy(), dtype=mg.float64) for p, t in zip(primals, tangents)])
    np.testing.assert_allclose(pushed.numpy(), (plus.numpy() - minus.numpy()) / (2 * h), rtol=1e-4, atol=1e-6)
    torch_inputs = [torch.tensor(a) for a in arrays]
    try:
        _, want = torch.func.jvp(first_output_of(op.torch, torch_inputs, floats),
                                 tuple(torch_inputs[i] for i in floats),
                                 tuple(torch.tensor(t.numpy()) for t in tangents))
    except (NotImplementedError, RuntimeError):  # torch has no forward AD for this kernel
        return
    np.testing.assert_allclose(pushed.numpy(), want.detach().numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("op", ALL_OPS, ids=lambda op: op.name)
def test_jacrev_of_every_row_of_the_op_tables_agrees_with_torch_func(op):
    arrays = draw_op_inputs(op, op.shape_sets()[-1], seed=0)
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]

    ours = [mg.tensor(a, dtype=mg.float64) if a.dtype.kind == "f" else mg.tensor(a) for a in arrays]
    f = first_output_of(op.minigrad, ours, floats)
    if f(*[ours[i] for i in floats]).dtype.kind != "f":
        return  # indices: no Jacobian
    argnums = tuple(range(len(floats)))
    jacobians = mf.jacrev(f, argnums)(*[ours[i] for i in floats])
    theirs = [torch.tensor(a) for a in arrays]
    want = torch.func.jacrev(first_output_of(op.torch, theirs, floats), argnums)(*[theirs[i] for i in floats])
    for mine, expected in zip(jacobians, want):
        assert mine.shape == tuple(expected.shape)
        np.testing.assert_allclose(mine.numpy(), expected.detach().numpy(), rtol=1e-8, atol=1e-10)
