"""gradcheck, as a specification: when it passes, when it fails, and what its failure says.

The pass rule is NumPy's allclose, entry by entry of the Jacobian:
``|analytic - numerical| <= atol + rtol * |numerical|``. The linear ops below have an exact
numerical derivative, so each test can put the analytic one just inside or just outside the line.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def linear_claiming(slope: float, claimed: float):
    """f(x) = slope · x, whose backward claims the slope is ``claimed``."""

    class Linear(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * slope

        @staticmethod
        def backward(ctx, grad):
            return grad * claimed

    return Linear.apply


def point(device: str, n: int = 3) -> mg.Tensor:
    return mg.tensor(np.linspace(-1.0, 1.0, n), dtype=mg.float64, device=device, requires_grad=True)


# --- the tolerance rule ------------------------------------------------------------------------


def test_a_correct_backward_passes_and_gradcheck_returns_true(device):
    assert mg.gradcheck(linear_claiming(2.0, 2.0), [point(device)], atol=0.0, rtol=1e-7) is True


@pytest.mark.parametrize(("claimed", "passes"), [(2.19, True), (2.21, False), (1.81, True), (1.79, False)])
def test_rtol_is_relative_to_the_numerical_value(device, claimed, passes):
    check = lambda: mg.gradcheck(linear_claiming(2.0, claimed), [point(device)], atol=0.0, rtol=0.1)
    if passes:
        assert check()
    else:
        with pytest.raises(mg.GradcheckError):
            check()


def test_the_tolerance_scales_with_the_numerical_value_not_the_analytic_one(device):
    # numerical 2: allowed error 0.6 · 2 = 1.2 whatever the analytic value is
    assert mg.gradcheck(linear_claiming(2.0, 0.9), [point(device)], atol=0.0, rtol=0.6)  # error 1.1
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(linear_claiming(2.0, 3.3), [point(device)], atol=0.0, rtol=0.6)  # error 1.3


@pytest.mark.parametrize(("claimed", "passes"), [(2.09, True), (2.11, False)])
def test_atol_is_an_absolute_allowance(device, claimed, passes):
    check = lambda: mg.gradcheck(linear_claiming(2.0, claimed), [point(device)], atol=0.1, rtol=0.0)
    if passes:
        assert check()
    else:
        with pytest.raises(mg.GradcheckError):
            check()


def test_atol_and_rtol_add_up(device):
    # allowed: 0.05 + 0.05 · 2 = 0.15, more than either alone
    assert mg.gradcheck(linear_claiming(2.0, 2.14), [point(device)], atol=0.05, rtol=0.05)
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(linear_claiming(2.0, 2.16), [point(device)], atol=0.05, rtol=0.05)


@pytest.mark.filterwarnings("error")  # and says so without a RuntimeWarning of its own
def test_a_nan_gradient_fails(device):
    with pytest.raises(mg.GradcheckError, match="nan"):
        mg.gradcheck(linear_claiming(2.0, float("nan")), [point(device)], atol=1.0, rtol=1.0)


def test_float32_inputs_are_checked_in_float64(device):
    x = mg.tensor([0.3, -0.7, 1.1], device=device, requires_grad=True)  # float32
    assert mg.gradcheck(lambda t: t.tanh() * t, [x], atol=1e-8, rtol=1e-6)  # float32 could not do this
    assert x.dtype == mg.float32 and x.grad is None and x.device == device  # the input is left alone


# --- what a failure says ------------------------------------------------------------------------


class OffAtOneElement(mg.Function):
    """z = x · y, but the gradient for y is 0.5 too large at element (0, 1)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        offset = np.zeros(y.shape)
        offset[0, 1] = 0.5
        return grad * y, grad * (x + mg.tensor(offset, dtype=x.dtype, device=x.device))


def test_the_failure_names_the_input_the_element_and_both_values(device):
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=mg.float64, device=device, requires_grad=True)
    y = mg.tensor([[1.0, -1.0, 2.0], [0.5, 3.0, -2.0]], dtype=mg.float64, device=device, requires_grad=True)
    with pytest.raises(mg.GradcheckError) as failure:
        mg.gradcheck(OffAtOneElement.apply, [x, y], atol=1e-5, rtol=1e-3)
    message = str(failure.value)
    assert "input 1" in message  # x is right; y is not
    assert "element (0, 1)" in message
    assert "output element 1" in message  # z[0, 1], flattened
    assert "analytic 2.5 vs numerical 2;" in message  # ∂z/∂y = x = 2 at (0, 1)
    assert "atol=1e-05" in message and "rtol=0.001" in message
    assert "1 of 36 entries off" in message


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(mg.GradcheckError, AssertionError)  # pytest reports it as a failed check


def test_inputs_that_do_not_require_grad_are_not_checked(device):
    x = mg.randn(2, 3, dtype=mg.float64, device=device, requires_grad=True)
    y = mg.randn(2, 3, dtype=mg.float64, device=device)  # its gradient is wrong, but nobody asks for it
    assert mg.gradcheck(OffAtOneElement.apply, [x, y])


def test_gradcheck_refuses_when_no_input_requires_grad(device):
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda t: t * 2.0, [mg.ones(3, dtype=mg.float64, device=device)])


def test_non_tensor_arguments_pass_through(device):
    x = mg.randn(2, 3, dtype=mg.float64, device=device, requires_grad=True)
    assert mg.gradcheck(lambda t, axis: t.softmax(axis=axis), [x, 0])
    table = mg.randn(5, 2, dtype=mg.float64, device=device, requires_grad=True)
    rows = mg.tensor([4, 0, 4], device=device)  # integer input: used, not checked
    assert mg.gradcheck(lambda weight, ids: mg.embedding(ids, weight), [table, rows])


def test_several_outputs_are_checked_together(device):
    x, y = point(device), point(device)
    assert mg.gradcheck(lambda a, b: (a.tanh(), a * b), [x, y])
    with pytest.raises(mg.GradcheckError, match="input 0"):
        mg.gradcheck(lambda a: (a.tanh(), linear_claiming(2.0, 2.5)(a)), [x])


# --- fast mode ----------------------------------------------------------------------------------


FAST_CASES = {
    "tanh": (lambda x: x.tanh(), [(3, 4)]),
    "matmul": (lambda x, y: x @ y, [(3, 4), (4, 2)]),
    "softmax": (lambda x: x.softmax(axis=-1), [(3, 4)]),
    "mul_broadcast": (lambda x, y: x * y, [(3, 4), (4,)]),
}


@pytest.mark.parametrize("name", FAST_CASES)
def test_fast_mode_passes_a_right_backward(device, name):
    fn, shapes = FAST_CASES[name]
    inputs = [mg.randn(*s, dtype=mg.float64, device=device, requires_grad=True) for s in shapes]
    assert mg.gradcheck(fn, inputs, fast_mode=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_mode_catches_a_wrong_backward(device, seed):
    x = mg.randn(2, 3, dtype=mg.float64, device=device, requires_grad=True)
    y = mg.randn(2, 3, dtype=mg.float64, device=device, requires_grad=True)
    with pytest.raises(mg.GradcheckError, match=r"fast mode.*fast_mode=False"):
        mg.gradcheck(OffAtOneElement.apply, [x, y], fast_mode=True, seed=seed)


def test_fast_mode_catches_a_backward_that_is_off_by_a_constant_factor(device):
    with pytest.raises(mg.GradcheckError, match="fast mode"):
        mg.gradcheck(linear_claiming(2.0, 2.1), [point(device)], fast_mode=True)


# --- second order ------------------------------------------------------------------------------


class CubeWithFlatBackward(mg.Function):
    """y = x³ with a right first derivative 3x², built from raw arrays, so it has no derivative itself."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * mg.Tensor(x.data * x.data * 3.0)


def test_gradgradcheck_catches_a_backward_that_cannot_be_differentiated(device):
    x = point(device)
    assert mg.gradcheck(CubeWithFlatBackward.apply, [x])
    with pytest.raises(mg.GradcheckError):
        mg.gradgradcheck(CubeWithFlatBackward.apply, [x])


def test_gradgradcheck_with_given_grad_outputs(device):
    x = point(device)
    assert mg.gradgradcheck(lambda t: t.tanh() * t, [x], grad_outputs=[mg.ones(3, device=device)])
