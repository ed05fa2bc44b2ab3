"""The autograd engine, as a specification: what backward computes, keeps, frees and refuses.

Gradients are checked against closed forms or against torch (the oracle). Tests that take the
``device`` fixture run on cpu, on the strict stand-in, and on cuda where a GPU is present.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
from minigrad.backend import get_device


def values(t: mg.Tensor) -> np.ndarray:
    return t.numpy()


def close(t: mg.Tensor, expected: object, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    np.testing.assert_allclose(values(t), expected, rtol=rtol, atol=atol)


# --- accumulation and the shapes of graphs --------------------------------------------


def test_leaf_grad_accumulates_across_two_backward_calls(device):
    x = mg.tensor([1.0, -2.0, 3.0], device=device, requires_grad=True)
    (x * x).sum().backward()
    close(x.grad, [2.0, -4.0, 6.0])
    (x * 3.0).sum().backward()  # a new graph: its gradient is added, not written over
    close(x.grad, [5.0, -1.0, 9.0])
    assert x.grad.device == device and x.grad.dtype == mg.float32


def test_zero_grad_starts_accumulation_afresh(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    (x * 2.0).sum().backward()
    x.zero_grad()
    assert x.grad is None
    (x * 5.0).sum().backward()
    close(x.grad, [5.0, 5.0])


def test_reused_node_collects_gradient_from_every_use(device):
    a = mg.tensor([1.0, -0.5, 2.0], device=device, requires_grad=True)
    b = a + a
    c = b * b  # c = 4a², so dc/da = 8a
    c.sum().backward()
    close(a.grad, 8 * np.array([1.0, -0.5, 2.0]))


def test_diamond_graph(device):
    # x feeds two branches that meet again: z = (2x) * eˣ, dz/dx = 2eˣ + 2x eˣ
    data = np.array([0.3, -1.2, 2.0], dtype=np.float32)
    x = mg.tensor(data, device=device, requires_grad=True)
    left, right = x * 2.0, x.exp()
    (left * right).sum().backward()
    close(x.grad, 2 * np.exp(data) + 2 * data * np.exp(data), rtol=1e-5)


def test_input_used_in_two_branches_matches_torch(device):
    rng = np.random.default_rng(0)
    x_np, w1_np, w2_np = (rng.standard_normal(s).astype(np.float32) for s in ((2, 3), (3, 4), (3, 4)))
    x, w1, w2 = (mg.tensor(a, device=device, requires_grad=True) for a in (x_np, w1_np, w2_np))
    loss = (x @ w1).tanh().sum() + ((x @ w2).sigmoid() * (x @ w1)).sum()
    loss.backward()

    tx, tw1, tw2 = (torch.tensor(a, requires_grad=True) for a in (x_np, w1_np, w2_np))
    (torch.tanh(tx @ tw1).sum() + (torch.sigmoid(tx @ tw2) * (tx @ tw1)).sum()).backward()
    for mine, theirs in ((x, tx), (w1, tw1), (w2, tw2)):
        close(mine.grad, theirs.grad, rtol=1e-5, atol=1e-6)


def test_broadcast_input_gets_gradient_summed_back_to_its_shape(device):
    x = mg.ones(2, 3, device=device, requires_grad=True)
    bias = mg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    column = mg.tensor([[1.0], [10.0]], device=device, requires_grad=True)
    ((x + bias) * column).sum().backward()
    assert bias.grad.shape == (3,) and column.grad.shape == (2, 1)
    close(bias.grad, [11.0, 11.0, 11.0])
    close(column.grad, [[9.0], [9.0]])  # Σ (1 + bias) over the row


def test_chain_of_100000_ops_backward_without_recursion_error():
    # y ← y + x, then y ← y * 1.0, alternating: x is added 50,000 times, so dy/dx = 50,001
    x = mg.tensor([0.5], requires_grad=True)
    y = x
    for step in range(100_000):
        y = y * 1.0 if step % 2 else y + x
    y.sum().backward()
    assert x.grad.item() == 50_001.0
    del y  # dropping a 100,000-deep graph must not overflow the stack either


# --- what backward keeps and what it frees --------------------------------------------


def test_second_backward_through_a_freed_graph_raises_naming_retain_graph(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    loss = (x.tanh() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_that_doubles_grad(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    loss = (x.tanh() * x).sum()
    loss.backward(retain_graph=True)
    first = values(x.grad).copy()
    loss.backward()
    close(x.grad, 2 * first)


def _mlp_step(x: mg.Tensor, w1: mg.Tensor, w2: mg.Tensor) -> None:
    loss = ((x @ w1).tanh() @ w2).tanh().sum()
    loss.backward()


def _array_bytes() -> int:
    """Bytes held by live NumPy array buffers (NumPy reports them to tracemalloc in its own domain)."""
    only_arrays = tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)
    return sum(stat.size for stat in tracemalloc.take_snapshot().filter_traces([only_arrays]).statistics("filename"))


def _graph_objects() -> int:
    return sum(issubclass(type(o), (mg.Tensor, mg.Function)) for o in gc.get_objects())


def test_memory_stays_flat_over_1000_training_steps():
    x = mg.randn(4, 8)
    w1 = mg.randn(8, 16, requires_grad=True)
    w2 = mg.randn(16, 2, requires_grad=True)
    _mlp_step(x, w1, w2)  # now .grad exists and is only added to
    tracemalloc.start()
    try:
        _mlp_step(x, w1, w2)  # the .grad arrays are now traced ones
        arrays, objects, total = _array_bytes(), _graph_objects(), tracemalloc.get_traced_memory()[0]
        for step in range(1, 1001):
            _mlp_step(x, w1, w2)
            if step % 250 == 0:
                assert _array_bytes() == arrays, f"array memory grew by step {step}"
        grown = tracemalloc.get_traced_memory()[0] - total
    finally:
        tracemalloc.stop()
    assert _graph_objects() == objects  # no Tensor or Function outlives its step
    # Python's free lists keep up to a few hundred kB; one leaked graph per step would be megabytes
    assert grown < 400_000, f"memory grew by {grown} bytes over 1000 steps"


def test_graph_is_freed_by_reference_counting_once_the_loss_is_dropped():
    x = mg.randn(4, 8)
    w = mg.randn(8, 3, requires_grad=True)
    hidden = (x @ w).tanh()
    loss = hidden.sum()
    watched = [weakref.ref(hidden), weakref.ref(hidden.grad_fn), weakref.ref(loss.grad_fn),
               weakref.ref(hidden.grad_fn.inputs[0].grad_fn)]  # the matmul node
    loss.backward()
    gc.disable()  # no cycles: the graph must go as soon as nothing refers to it
    try:
        del hidden, loss
        alive = [ref() for ref in watched if ref() is not None]
        assert not alive, f"still alive after the loss was dropped: {alive}"
    finally:
        gc.enable()
    assert w.grad is not None and w.grad.grad_fn is None  # the gradient does not keep a graph alive


# --- backward's arguments -------------------------------------------------------------


def test_backward_on_a_non_scalar_needs_grad_and_says_the_shape(device):
    y = mg.ones(2, 3, device=device, requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*grad="):
        y.backward()


def test_backward_with_grad_sends_that_gradient_back(device):
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = mg.tensor(data, device=device, requires_grad=True)
    y = x * x
    upstream = np.array([[1.0, 0.0, -1.0], [2.0, 0.5, 3.0]], dtype=np.float32)
    y.backward(mg.tensor(upstream, device=device))
    close(x.grad, 2 * data * upstream)


def test_backward_accepts_a_scalar_output_without_grad_of_any_one_element_shape(device):
    x = mg.tensor([[2.0]], device=device, requires_grad=True)
    (x * x).backward()  # shape (1, 1): one value, so dL/dy = 1 is implied
    close(x.grad, [[4.0]])


def test_backward_with_a_grad_of_the_wrong_shape_names_both_shapes(device):
    y = mg.ones(2, 3, device=device, requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(mg.ones(3, device=device))


def test_backward_on_a_tensor_without_a_graph_explains_itself(device):
    with pytest.raises(RuntimeError, match="does not require grad"):
        (mg.ones(2, device=device) * 2.0).sum().backward()


# --- minigrad.grad ------------------------------------------------------------------------


def test_grad_returns_gradients_like_torch_and_leaves_dot_grad_alone(device):
    rng = np.random.default_rng(1)
    x_np, w_np = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((4, 2)).astype(np.float32)
    x, w = mg.tensor(x_np, device=device, requires_grad=True), mg.tensor(w_np, device=device, requires_grad=True)
    gx, gw = mg.grad((x @ w).tanh().sum(), [x, w])
    assert x.grad is None and w.grad is None

    tx, tw = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)
    tgx, tgw = torch.autograd.grad(torch.tanh(tx @ tw).sum(), [tx, tw])
    close(gx, tgx, rtol=1e-5)
    close(gw, tgw, rtol=1e-5)
    assert gx.grad_fn is None and not gx.requires_grad  # no create_graph: plain values


def test_grad_takes_a_single_tensor_and_grad_outputs(device):
    x = mg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    (gx,) = mg.grad(x * x, x, grad_outputs=mg.tensor([1.0, 0.0, -1.0], device=device))
    close(gx, [2.0, 0.0, -6.0])


def test_grad_with_respect_to_a_non_leaf(device):
    x = mg.tensor([0.5, -1.0], device=device, requires_grad=True)
    hidden = x * 3.0
    loss = (hidden * hidden).sum()
    gh, gx = mg.grad(loss, [hidden, x])
    close(gh, 2 * np.array([1.5, -3.0]))
    close(gx, 18 * np.array([0.5, -1.0]))
    assert hidden.grad is None and x.grad is None


def test_grad_of_an_unused_input_is_none(device):
    x = mg.tensor([1.0], device=device, requires_grad=True)
    unused = mg.tensor([1.0], device=device, requires_grad=True)
    gx, gu = mg.grad((x * 2.0).sum(), [x, unused])
    close(gx, [2.0])
    assert gu is None
    with pytest.raises(RuntimeError, match="allow_unused"):
        mg.grad((x * 2.0).sum(), [x, unused], allow_unused=False)


def test_grad_needs_inputs_that_require_grad(device):
    x = mg.tensor([1.0], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="require grad"):
        mg.grad((x * 2.0).sum(), [mg.tensor([1.0], device=device)])


# --- retain_grad and hooks ------------------------------------------------------------------


def test_retain_grad_keeps_the_gradient_of_an_intermediate(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    hidden = x * 3.0
    other = x * 4.0
    hidden.retain_grad()
    (hidden * hidden + other).sum().backward()
    close(hidden.grad, [6.0, 12.0])  # d/dh of h²
    assert other.grad is None  # only retained intermediates keep a gradient


def test_retained_gradient_accumulates_like_a_leaf(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    hidden = x * 3.0
    hidden.retain_grad()
    loss = (hidden * hidden).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    close(hidden.grad, [12.0, 24.0])  # torch gives the same


def test_hook_sees_the_gradient_reaching_an_intermediate_and_a_leaf(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    hidden = x * 3.0
    seen = {}
    hidden.register_hook(lambda grad: seen.__setitem__("hidden", values(grad)))
    x.register_hook(lambda grad: seen.__setitem__("x", values(grad)))
    (hidden * hidden).sum().backward()
    np.testing.assert_allclose(seen["hidden"], [6.0, 12.0])
    np.testing.assert_allclose(seen["x"], [18.0, 36.0])


def test_hook_returning_a_tensor_replaces_the_gradient(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    hidden = x * 3.0
    hidden.register_hook(lambda grad: grad * 0.0 + 1.0)  # pretend dL/dhidden = 1
    (hidden * hidden).sum().backward()
    close(x.grad, [3.0, 3.0])  # so dL/dx = 1 · 3

    leaf = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    leaf.register_hook(lambda grad: grad * 10.0)
    (leaf * 3.0).sum().backward()
    close(leaf.grad, [30.0, 30.0])


def test_hook_handle_removes_the_hook(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    calls = []
    remove = x.register_hook(lambda grad: calls.append(1) or grad * 10.0)
    (x * 3.0).sum().backward()
    remove()
    x.zero_grad()
    (x * 3.0).sum().backward()
    assert calls == [1]
    close(x.grad, [3.0, 3.0])


def test_hooks_and_retain_grad_need_a_tensor_that_requires_grad(device):
    plain = mg.ones(2, device=device)
    with pytest.raises(RuntimeError, match="does not require grad"):
        plain.register_hook(lambda grad: grad)
    with pytest.raises(RuntimeError, match="does not require grad"):
        plain.retain_grad()


# --- grad mode and requires_grad ------------------------------------------------------------


def test_no_grad_as_a_context_manager_records_nothing(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = (x * 2.0).tanh().sum()
    assert mg.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad


def test_no_grad_as_a_decorator_records_nothing(device):
    @mg.no_grad()
    def step(x: mg.Tensor) -> mg.Tensor:
        return x @ x

    x = mg.ones(2, 2, device=device, requires_grad=True)
    y = step(x)
    assert y.grad_fn is None and not y.requires_grad
    assert mg.is_grad_enabled()
    assert step.__name__ == "step"


def test_enable_grad_records_again_inside_no_grad(device):
    x = mg.tensor([1.0], device=device, requires_grad=True)

    @mg.enable_grad()
    def recorded(t: mg.Tensor) -> mg.Tensor:
        return t * 2.0

    with mg.no_grad():
        with mg.enable_grad():
            inside = x * 2.0
        after = x * 2.0
        decorated = recorded(x)
        assert not mg.is_grad_enabled()
    assert inside.requires_grad and inside.grad_fn is not None
    assert decorated.requires_grad and decorated.grad_fn is not None
    assert after.grad_fn is None


def test_grad_mode_is_one_switch_per_thread_as_in_torch():
    # one thread evaluates under no_grad again and again while another trains: every training
    # step must still record its graph (a process-wide switch lost most of them)
    import threading  # noqa: PLC0415

    stop, lost, steps = threading.Event(), [], 300
    w = mg.randn(4, 4, requires_grad=True)

    def evaluate() -> None:
        while not stop.is_set():
            with mg.no_grad():
                (w @ w).sum()

    def train() -> None:
        for _ in range(steps):
            loss = (w @ w).tanh().sum()
            if loss.grad_fn is None:
                lost.append(1)

    evaluator = threading.Thread(target=evaluate)
    evaluator.start()
    trainer = threading.Thread(target=train)
    trainer.start()
    trainer.join()
    stop.set()
    evaluator.join()
    assert not lost, f"{len(lost)} of {steps} training steps recorded nothing"
    seen = []
    thread = threading.Thread(target=lambda: seen.append(mg.is_grad_enabled()))
    with mg.no_grad():
        thread.start()
        thread.join()
    assert seen == [True]  # a new thread starts with recording on, whatever another thread set


def test_no_grad_without_parentheses_and_set_grad_enabled_as_a_call_work_as_in_torch():
    @mg.no_grad
    def double(t: mg.Tensor) -> mg.Tensor:
        return t * 2.0

    x = mg.ones(2, requires_grad=True)
    assert double(x).grad_fn is None and double.__name__ == "double" and mg.is_grad_enabled()
    mg.set_grad_enabled(False)  # a plain call switches at once
    try:
        assert not mg.is_grad_enabled() and (x * 2.0).grad_fn is None
    finally:
        mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()

    @mg.set_grad_enabled(False)  # as a decorator it does not switch at decoration time
    def quiet(t: mg.Tensor) -> mg.Tensor:
        return t * 3.0

    assert mg.is_grad_enabled() and quiet(x).grad_fn is None and mg.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0  # noqa: B018
    assert mg.is_grad_enabled()


@pytest.mark.parametrize(("a_requires", "b_requires"), [(True, False), (False, True), (True, True), (False, False)])
def test_output_requires_grad_when_any_input_does(device, a_requires, b_requires):
    a = mg.ones(2, device=device, requires_grad=a_requires)
    b = mg.ones(2, device=device, requires_grad=b_requires)
    out = a * b + a
    assert out.requires_grad == (a_requires or b_requires)
    assert (out.grad_fn is not None) == (a_requires or b_requires)
    assert out.is_leaf == (not (a_requires or b_requires))


def test_detach_cuts_the_graph(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    cut = (x * 3.0).detach()
    assert cut.grad_fn is None and not cut.requires_grad
    close(cut, [3.0, 6.0])
    ((x * cut).sum()).backward()  # cut is a constant here: d/dx (x · 3x₀) = 3x₀
    close(x.grad, [3.0, 6.0])


def test_requires_grad_can_be_switched_off_only_on_a_leaf(device):
    x = mg.tensor([1.0], device=device, requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad = False
    x.requires_grad = False
    assert not (x * 2.0).requires_grad


# --- higher-order derivatives ---------------------------------------------------------------


def test_second_derivative_of_tanh(device):
    data = np.array([-1.5, -0.2, 0.0, 0.7, 2.0])
    x = mg.tensor(data, dtype=mg.float64, device=device, requires_grad=True)
    (first,) = mg.grad(x.tanh().sum(), x, create_graph=True)
    assert first.requires_grad
    close(first, 1 - np.tanh(data) ** 2, rtol=1e-12)
    (second,) = mg.grad(first.sum(), x)
    close(second, -2 * np.tanh(data) * (1 - np.tanh(data) ** 2), rtol=1e-10, atol=1e-12)


def test_third_derivative_of_cube_is_six(device):
    x = mg.tensor([2.0, -1.0], dtype=mg.float64, device=device, requires_grad=True)
    (first,) = mg.grad((x**3).sum(), x, create_graph=True)
    (second,) = mg.grad(first.sum(), x, create_graph=True)
    (third,) = mg.grad(second.sum(), x)
    close(first, [12.0, 3.0])
    close(second, [12.0, -6.0])
    close(third, [6.0, 6.0])


def test_backward_with_create_graph_leaves_a_differentiable_grad(device):
    x = mg.tensor([0.5, 1.5], dtype=mg.float64, device=device, requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    assert first.grad_fn is not None
    x.grad = None
    first.sum().backward()
    close(x.grad, 6 * np.array([0.5, 1.5]))


def _positive(shape: tuple[int, ...], device: str) -> mg.Tensor:
    return (mg.rand(*shape, dtype=mg.float64, device=device) + 0.5).requires_grad_()


def _any(shape: tuple[int, ...], device: str) -> mg.Tensor:
    return mg.randn(*shape, dtype=mg.float64, device=device, requires_grad=True)


GRADGRAD_CASES = {
    "tanh": (lambda x: x.tanh(), [_any]),
    "sigmoid": (lambda x: x.sigmoid(), [_any]),
    "exp": (lambda x: x.exp(), [_any]),
    "log": (lambda x: x.log(), [_positive]),
    "mul": (lambda x, y: x * y, [_any, _any]),
    "div": (lambda x, y: x / y, [_any, _positive]),
    "matmul": (lambda x, y: x @ y, [_any, _any]),
    "softmax": (lambda x: x.softmax(axis=-1), [_any]),
    "logsumexp": (lambda x: x.logsumexp(axis=-1), [_any]),
    "pow": (lambda x, y: x**y, [_positive, _any]),
    "pow_scalar": (lambda x: x**3, [_any]),
}


@pytest.mark.parametrize("name", GRADGRAD_CASES)
def test_gradgradcheck_passes(device, name):
    fn, makers = GRADGRAD_CASES[name]
    shapes = [(2, 3), (3, 2)] if name == "matmul" else [(2, 3)] * len(makers)
    inputs = [make(shape, device) for make, shape in zip(makers, shapes)]
    assert mg.gradgradcheck(fn, inputs)


# --- dtypes -------------------------------------------------------------------------------------


def test_float32_is_the_default(device):
    assert mg.tensor([1.0], device=device).dtype == mg.float32
    assert mg.tensor(1.5, device=device).dtype == mg.float32
    for make in (mg.zeros, mg.ones, mg.randn, mg.rand):
        assert make(2, 3, device=device).dtype == mg.float32
    assert mg.tensor([1, 2], device=device).dtype == mg.int64


@pytest.mark.parametrize("expression", [
    lambda x: x * 2.0, lambda x: 2.0 * x, lambda x: x / 3, lambda x: x**2,
    lambda x: x + 1, lambda x: 1 - x, lambda x: 3.0 / x, lambda x: x * np.float32(2.0),
], ids=["x*2.0", "2.0*x", "x/3", "x**2", "x+1", "1-x", "3.0/x", "x*np.float32"])
def test_python_numbers_keep_float32(device, expression):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    y = expression(x)
    assert y.dtype == mg.float32
    y.sum().backward()
    assert x.grad.dtype == mg.float32


def test_float32_with_float64_promotes_as_numpy_does_and_each_grad_keeps_its_dtype(device):
    single = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    double = mg.tensor([3.0, 4.0], dtype=mg.float64, device=device, requires_grad=True)
    out = single * double
    assert out.dtype == mg.float64 == np.result_type(np.float32, np.float64)
    out.sum().backward()
    assert single.grad.dtype == mg.float32 and double.grad.dtype == mg.float64  # as in torch
    close(single.grad, [3.0, 4.0])
    close(double.grad, [1.0, 2.0])


def test_an_integer_tensor_cannot_require_grad(device):
    with pytest.raises(TypeError, match="floating-point.*int64"):
        mg.tensor([1, 2, 3], device=device, requires_grad=True)
    indices = mg.tensor([1, 2, 3], device=device)
    with pytest.raises(TypeError, match="floating-point.*int64"):
        indices.requires_grad = True
    with pytest.raises(TypeError, match="floating-point"):
        mg.arange(3, device=device, requires_grad=True)


def test_an_integer_tensor_works_as_an_index(device):
    x = mg.tensor([10.0, 20.0, 30.0], device=device, requires_grad=True)
    picked = x[mg.tensor([2, 0, 2], device=device)]
    close(picked, [30.0, 10.0, 30.0])
    picked.sum().backward()
    close(x.grad, [1.0, 0.0, 2.0])  # a repeated index collects the gradient twice


# --- random numbers ---------------------------------------------------------------------------


def test_manual_seed_repeats_the_same_numbers(device):
    mg.manual_seed(7)
    first = (values(mg.randn(3, 4, device=device)), values(mg.rand(5, device=device)))
    mg.manual_seed(7)
    second = (values(mg.randn(3, 4, device=device)), values(mg.rand(5, device=device)))
    mg.manual_seed(8)
    other = values(mg.randn(3, 4, device=device))
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.allclose(first[0], other)
    assert np.all((first[1] >= 0) & (first[1] < 1))


# --- the Tensor API ---------------------------------------------------------------------------


def test_what_a_tensor_reports_about_itself(device):
    t = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device=device)
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.dtype == mg.float32
    assert t.device == device and t.device == get_device(device) and str(t.device) == get_device(device).name
    assert type(t.data) is type(get_device(device).xp.zeros(1))  # the device's own array type
    assert mg.tensor([2.5], device=device).item() == 2.5
    assert isinstance(mg.tensor(3, device=device).item(), int)
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        t.item()


def test_numpy_returns_a_host_copy(device):
    t = mg.tensor([1.0, 2.0], device=device)
    host = t.numpy()
    assert type(host) is np.ndarray
    host[0] = 100.0
    close(t, [1.0, 2.0])  # the tensor did not change


def test_to_and_cpu_move_a_tensor(device):
    t = mg.tensor([1.0, 2.0], device=device)
    on_cpu = t.cpu()
    assert on_cpu.device == "cpu" and type(on_cpu.data) is np.ndarray
    back = on_cpu.to(device)
    assert back.device == device
    close(back, [1.0, 2.0])
    assert t.to(device) is t  # already there: nothing to do
    as_double = t.to(dtype=mg.float64)
    assert as_double.dtype == mg.float64 and as_double.device == device


def test_detach_shares_values_but_not_the_graph(device):
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    cut = x.detach()
    assert not cut.requires_grad and cut.is_leaf
    close(cut, [1.0, 2.0])


def test_repr_is_readable(device):
    t = mg.tensor([1.0, 2.0], device=device)
    text = repr(t)
    assert text.startswith("tensor([1., 2.]") and "dtype=float32" in text
    assert ("device='strict'" in text) == (device == "strict")
    assert "requires_grad=True" in repr(mg.tensor([1.0], device=device, requires_grad=True))
    assert "grad_fn=<MulBackward>" in repr(mg.tensor([1.0], device=device, requires_grad=True) * 2.0)


def test_factories(device):
    zeros, ones = mg.zeros(2, 3, device=device), mg.ones((2, 3), device=device)
    assert zeros.shape == ones.shape == (2, 3)
    close(zeros, np.zeros((2, 3)))
    close(ones, np.ones((2, 3)))
    full = mg.full((2, 2), 7.5, device=device)
    assert full.dtype == mg.float32 and full.device == device
    close(full, np.full((2, 2), 7.5))
    assert mg.arange(4, device=device).dtype == mg.int64
    close(mg.arange(4, device=device), [0, 1, 2, 3])
    assert mg.arange(0.0, 1.0, 0.25, device=device).dtype == mg.float32
    close(mg.arange(0.0, 1.0, 0.25, device=device), [0.0, 0.25, 0.5, 0.75])
    noise = mg.randn(100, 50, device=device)
    assert noise.shape == (100, 50) and abs(values(noise).mean()) < 0.05 and 0.95 < values(noise).std() < 1.05
    uniform = values(mg.rand(1000, device=device))
    assert uniform.min() >= 0.0 and uniform.max() < 1.0
    like = mg.zeros_like(mg.tensor([1.0, 2.0], dtype=mg.float64, device=device))
    assert like.dtype == mg.float64 and like.device == device and like.shape == (2,)
    close(mg.ones_like(full), np.ones((2, 2)))
    assert mg.zeros(2, device=device, requires_grad=True).requires_grad
    for made in (zeros, ones, full, noise):
        assert made.device == device and made.is_leaf


def test_inplace_add_on_a_tensor_without_grad(device):
    t = mg.tensor([1.0, 2.0], device=device)
    before = t
    t += 1.0
    t *= mg.tensor([2.0, 3.0], device=device)
    assert t is before
    close(t, [4.0, 9.0])


def test_inplace_add_on_a_tensor_that_requires_grad_raises(device):
    weight = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place.*requires grad"):
        weight += 1.0
    with mg.no_grad():  # an optimizer step: allowed on a leaf
        weight -= 0.5
    close(weight, [0.5, 1.5])
    assert weight.requires_grad and weight.grad_fn is None


# --- user-defined Functions ----------------------------------------------------------------


class Cube(mg.Function):
    """y = x³;  dy/dx = 3x²."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3.0 * x * x


class Scale(mg.Function):
    """y = x · w;  records which inputs asked for a gradient."""

    asked: list = []

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, grad):
        Scale.asked.append(ctx.needs_input_grad)
        x, w = ctx.saved_tensors
        return (grad * w if ctx.needs_input_grad[0] else None,
                grad * x if ctx.needs_input_grad[1] else None)


class SavesOnlyWhatIsNeeded(mg.Function):
    """z = x · w;  forward reads ctx.needs_input_grad to save only what backward will use."""

    @staticmethod
    def forward(ctx, x, w):
        needs_x, needs_w = ctx.needs_input_grad
        ctx.save_for_backward(w if needs_x else None, x if needs_w else None)
        return x * w

    @staticmethod
    def backward(ctx, grad):
        w, x = ctx.saved_tensors
        return (None if w is None else grad * w, None if x is None else grad * x)


class WrongCube(mg.Function):
    """Forward is x³, but backward is off by 1 at element (1, 2) only."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        offset = np.zeros(x.shape)
        offset[1, 2] = 1.0
        return grad * (3.0 * x * x + mg.tensor(offset, dtype=x.dtype, device=x.device))


def test_a_user_function_works_through_apply(device):
    x = mg.tensor([1.0, -2.0], device=device, requires_grad=True)
    y = Cube.apply(x)
    assert type(y.grad_fn) is Cube and repr(y.grad_fn) == "<CubeBackward>"
    close(y, [1.0, -8.0])
    y.sum().backward()
    close(x.grad, [3.0, 12.0])
    assert mg.gradcheck(Cube.apply, [_any((2, 3), device)])
    assert mg.gradgradcheck(Cube.apply, [_any((2, 3), device)])  # backward is in Tensor ops


def test_a_user_function_sees_which_inputs_need_a_gradient(device):
    Scale.asked.clear()
    x = mg.tensor([2.0], device=device, requires_grad=True)
    w = mg.tensor([5.0], device=device)
    Scale.apply(x, w).sum().backward()
    assert Scale.asked == [(True, False)]
    close(x.grad, [5.0])
    assert mg.gradcheck(Scale.apply, [_any((3,), device), _any((3,), device)])


def test_needs_input_grad_is_known_in_forward_too(device):
    x = mg.tensor([2.0, 3.0], device=device, requires_grad=True)
    w = mg.tensor([5.0, 7.0], device=device)
    SavesOnlyWhatIsNeeded.apply(x, w).sum().backward()
    close(x.grad, [5.0, 7.0])
    with mg.no_grad():  # nothing is recorded, but forward still runs (and still may ask), as in torch
        close(SavesOnlyWhatIsNeeded.apply(x, w), [10.0, 21.0])
    assert mg.gradcheck(SavesOnlyWhatIsNeeded.apply, [_any((3,), device), _any((3,), device)])


def test_a_user_function_returning_the_wrong_number_of_gradients_is_named():
    class TwoInOneOut(mg.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return grad

    out = TwoInOneOut.apply(mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError, match=r"TwoInOneOut.backward returned 1 gradient\(s\) for 2 input"):
        out.sum().backward()


def test_gradcheck_catches_a_wrong_user_backward_and_says_where(device):
    x = mg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), device=device, requires_grad=True)
    with pytest.raises(mg.GradcheckError) as failure:
        mg.gradcheck(WrongCube.apply, [x])
    message = str(failure.value)
    assert "input 0" in message and "element (1, 2)" in message
    # analytic 3x² + 1 = 4 at x = 1, numerical 3x² = 3
    assert "analytic 4 " in message and "numerical 3" in message


def test_a_leaf_hook_runs_once_on_the_whole_gradient():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    a.register_hook(lambda grad: calls.append(grad.tolist()))
    (a * a).sum().backward()  # two paths reach a: the hook sees their sum, 2a, once
    assert calls == [[2.0, 4.0]]
    assert a.grad.tolist() == [2.0, 4.0]
