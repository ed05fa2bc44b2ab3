"""Optimizers, gradient clipping and LR schedules, as a specification, with torch as the oracle.

Each optimizer gets the same starting values and the same gradients as torch's optimizer
with the same hyper-parameters, and must land on the same values step after step. Gradients
are set by hand (``p.grad = ...``), so these tests check the update rules, not autograd.
Tests that take the ``device`` fixture run on cpu, on the strict stand-in, and on cuda.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
from minigrad import optim

SHAPES = [(3, 4), (4,), ()]

# name -> (optimizer class name, keyword arguments), the same names in minigrad.optim and torch.optim
CASES = {
    "sgd": ("SGD", {"lr": 0.1}),
    "sgd_momentum": ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}),
    "sgd_nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "sgd_weight_decay": ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}),
    "adam": ("Adam", {"lr": 0.01}),
    "adam_betas_eps": ("Adam", {"lr": 0.02, "betas": (0.8, 0.9), "eps": 1e-6}),
    "adam_weight_decay": ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    "adamw": ("AdamW", {"lr": 0.01}),
    "adamw_weight_decay": ("AdamW", {"lr": 0.01, "betas": (0.85, 0.99), "weight_decay": 0.3}),
}


def make_params(device: str, dtype: str = "float64", seed: int = 0) -> tuple[list[mg.Tensor], list[torch.Tensor]]:
    """The same starting values as minigrad parameters on ``device`` and as torch parameters."""
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    ours = [mg.tensor(start, device=device, requires_grad=True) for start in starts]
    theirs = [torch.tensor(start, requires_grad=True) for start in starts]
    return ours, theirs


def set_grads(ours: list[mg.Tensor], theirs: list[torch.Tensor], rng: np.random.Generator) -> None:
    for mine, their in zip(ours, theirs):
        grad = rng.standard_normal(mine.shape).astype(mine.dtype)
        mine.grad = mg.tensor(grad, device=mine.device)
        their.grad = torch.tensor(grad)


def assert_same(ours: list[mg.Tensor], theirs: list[torch.Tensor], atol: float = 1e-9) -> None:
    for mine, their in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), their.detach().numpy(), rtol=0, atol=atol)


def run_steps(opt: optim.Optimizer, torch_opt: torch.optim.Optimizer, ours: list[mg.Tensor],
              theirs: list[torch.Tensor], steps: int, seed: int = 1, atol: float = 1e-9) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        set_grads(ours, theirs, rng)
        opt.step()
        torch_opt.step()
        assert_same(ours, theirs, atol)


# --- the update rules against torch ------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_optimizer_matches_torch_step_for_step(case, device):
    name, kwargs = CASES[case]
    ours, theirs = make_params(device)
    opt = getattr(optim, name)(ours, **kwargs)
    torch_opt = getattr(torch.optim, name)(theirs, **kwargs)
    run_steps(opt, torch_opt, ours, theirs, steps=6)
    for param in ours:
        assert param.device == device and param.dtype == mg.float64


@pytest.mark.parametrize("case", ["sgd_weight_decay", "adam_weight_decay", "adamw"])
def test_float32_parameters_stay_float32_and_match_torch(case, device):
    name, kwargs = CASES[case]
    ours, theirs = make_params(device, dtype="float32")
    opt = getattr(optim, name)(ours, **kwargs)
    run_steps(opt, getattr(torch.optim, name)(theirs, **kwargs), ours, theirs, steps=6, atol=1e-6)
    for param in ours:
        assert param.dtype == mg.float32, "a Python-float hyper-parameter must not promote to float64"
    for state in opt.state.values():
        assert all(value.dtype == mg.float32 for value in state.values() if hasattr(value, "dtype"))


def test_updates_happen_in_place_on_the_parameter_array(device):
    ours, _ = make_params(device)
    arrays = [param.data for param in ours]
    opt = optim.Adam(ours, lr=0.1)
    for param in ours:
        param.grad = mg.ones_like(param)
    opt.step()
    assert all(param.data is array for param, array in zip(ours, arrays))
    assert all(param.grad_fn is None for param in ours), "a step records no graph"


def test_a_step_does_not_change_the_gradient_arrays(device):
    """Autograd may hand one array to several .grad tensors, so the optimizers must not write to it."""
    ours, _ = make_params(device)
    shared = mg.tensor(np.full((3, 4), 0.5), device=device)
    ours[0].grad = shared
    opt = optim.SGD(ours[:1], lr=0.1, momentum=0.9, weight_decay=0.1)
    opt.step()
    opt.step()
    np.testing.assert_array_equal(shared.numpy(), np.full((3, 4), 0.5))


def test_parameters_without_a_gradient_are_left_alone(device):
    ours, _ = make_params(device)
    before = [param.numpy() for param in ours]
    opt = optim.Adam(ours, lr=0.1)
    ours[0].grad = mg.ones_like(ours[0])
    opt.step()
    assert not np.allclose(ours[0].numpy(), before[0])
    for param, start in zip(ours[1:], before[1:]):
        np.testing.assert_array_equal(param.numpy(), start)
    assert list(opt.state) == [ours[0]]


def test_zero_grad_forgets_gradients(device):
    ours, _ = make_params(device)
    opt = optim.SGD(ours, lr=0.1)
    for param in ours:
        param.grad = mg.ones_like(param)
    opt.zero_grad(set_to_none=False)
    assert all(np.all(param.grad.numpy() == 0) and param.grad.device == device for param in ours)
    opt.zero_grad()
    assert all(param.grad is None for param in ours)


def test_step_calls_the_closure_and_returns_its_loss():
    ours, _ = make_params("cpu")
    opt = optim.SGD(ours, lr=0.1)
    assert opt.step(lambda: 1.5) == 1.5


# --- parameter groups --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_parameter_groups_with_their_own_hyperparameters_match_torch(name, device):
    ours, theirs = make_params(device)
    extra = {"momentum": 0.5} if name == "SGD" else {"betas": (0.5, 0.9)}

    def groups(params: list) -> list[dict]:
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.5, **extra}]

    opt = getattr(optim, name)(groups(ours), lr=0.05)
    torch_opt = getattr(torch.optim, name)(groups(theirs), lr=0.05)
    assert opt.param_groups[0]["lr"] == 0.05 and opt.param_groups[1]["lr"] == 0.5
    run_steps(opt, torch_opt, ours, theirs, steps=4)


def test_groups_get_the_defaults_they_leave_out():
    ours, _ = make_params("cpu")
    opt = optim.Adam([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.5}], lr=0.01, weight_decay=0.1)
    first, second = opt.param_groups
    assert first == {"params": ours[:1], "lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.1}
    assert second["lr"] == 0.5 and second["weight_decay"] == 0.1
    assert "Parameter Group 1" in repr(opt) and "lr: 0.5" in repr(opt)


def test_a_generator_of_parameters_is_accepted():
    ours, _ = make_params("cpu")
    opt = optim.SGD((param for param in ours), lr=0.1)
    assert opt.param_groups[0]["params"] == ours


# --- clear errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "message"), [
    (lambda ps: optim.SGD(ps, lr=-0.1), "learning rate must be >= 0"),
    (lambda ps: optim.Adam(ps, lr=-1e-3), "learning rate must be >= 0"),
    (lambda ps: optim.Adam(ps, betas=(1.0, 0.999)), r"beta1 must be in \[0, 1\)"),
    (lambda ps: optim.AdamW(ps, betas=(0.9, -0.1)), r"beta2 must be in \[0, 1\)"),
    (lambda ps: optim.Adam(ps, eps=-1.0), "eps must be >= 0"),
    (lambda ps: optim.Adam(ps, weight_decay=-0.1), "weight_decay must be >= 0"),
    (lambda ps: optim.SGD(ps, lr=0.1, momentum=-0.5), "momentum must be >= 0"),
    (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), "Nesterov momentum needs momentum > 0"),
    (lambda ps: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda ps: optim.SGD([{"params": []}], lr=0.1), "group 0 has an empty parameter list"),
    (lambda ps: optim.SGD([{"lr": 0.1}], lr=0.1), "group 0 has no 'params' entry"),
    (lambda ps: optim.SGD(ps + ps[:1], lr=0.1), "appears more than once"),
    (lambda ps: optim.SGD([{"params": ps[:1]}, {"params": ps[:2]}], lr=0.1), "appears more than once"),
])
def test_bad_hyperparameters_and_parameter_lists_raise_value_errors(make, message):
    ours, _ = make_params("cpu")
    with pytest.raises(ValueError, match=message):
        make(ours)


def test_a_parameter_that_does_not_require_grad_is_refused():
    frozen = mg.zeros(3, 4)
    with pytest.raises(ValueError, match=r"parameter 1 of group 0 \(shape \(3, 4\)\) does not require grad"):
        optim.Adam([mg.zeros(2, requires_grad=True), frozen])


def test_things_that_are_not_lists_of_tensors_are_refused():
    with pytest.raises(TypeError, match="not a single tensor; wrap it in a list"):
        optim.SGD(mg.zeros(2, requires_grad=True), lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({mg.zeros(2, requires_grad=True)}, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize tensors, but parameter 0 of group 0 is a list"):
        optim.SGD([[1.0, 2.0]], lr=0.1)


# --- clip_grad_norm_ ---------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])  # clipped, and left alone
def test_clip_grad_norm_matches_torch(norm_type, max_norm, device):
    ours, theirs = make_params(device)
    set_grads(ours, theirs, np.random.default_rng(2))
    total = optim.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, mg.Tensor) and total.shape == () and total.device == device  # as torch: a tensor
    assert total.item() == pytest.approx(expected.item(), rel=1e-9)
    for mine, their in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), their.grad.numpy(), rtol=1e-9, atol=1e-12)
        assert mine.grad.device == device


def test_clip_grad_norm_in_float32_keeps_float32(device):
    ours, theirs = make_params(device, dtype="float32")
    set_grads(ours, theirs, np.random.default_rng(3))
    total = optim.clip_grad_norm_(ours, 1.0)
    assert total.item() == pytest.approx(torch.nn.utils.clip_grad_norm_(theirs, 1.0).item(), rel=1e-6)
    assert total.dtype == mg.float32
    for mine, their in zip(ours, theirs):
        assert mine.grad.dtype == mg.float32
        np.testing.assert_allclose(mine.grad.numpy(), their.grad.numpy(), atol=1e-6)


def test_clip_grad_norm_skips_missing_grads_and_does_not_write_into_shared_arrays():
    ours, _ = make_params("cpu")
    shared = mg.tensor(np.full((3, 4), 3.0))
    ours[0].grad = shared  # ours[1:] have no grad
    total = optim.clip_grad_norm_(ours, 1.0)
    assert total.item() == pytest.approx(3.0 * math.sqrt(12))
    assert ours[0].grad is shared, "the same grad tensor, with new data"
    assert np.linalg.norm(shared.numpy()) == pytest.approx(1.0, rel=1e-5)
    assert optim.clip_grad_norm_(ours[1:], 1.0).item() == 0.0  # no gradients at all


def test_clip_grad_norm_errors():
    param = mg.zeros(2, requires_grad=True)
    param.grad = mg.tensor([math.inf, 1.0])
    with pytest.raises(RuntimeError, match="total norm of the gradients is inf"):
        optim.clip_grad_norm_(param, 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="max_norm must be >= 0"):
        optim.clip_grad_norm_(param, -1.0)


# --- learning-rate schedules -------------------------------------------------------------------


def lr_sequences(make_ours: Callable, make_theirs: Callable, steps: int = 12) -> tuple[list, list]:
    """The lr of every group after each of ``steps`` epochs, from both schedulers."""
    ours, theirs = make_params("cpu")
    groups = lambda ps: [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.3}]  # noqa: E731
    opt, torch_opt = optim.SGD(groups(ours), lr=0.1), torch.optim.SGD(groups(theirs), lr=0.1)
    scheduler, torch_scheduler = make_ours(opt), make_theirs(torch_opt)
    mine, expected = [scheduler.get_last_lr()], [torch_scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        torch_opt.step()
        scheduler.step()
        torch_scheduler.step()
        mine.append(scheduler.get_last_lr())
        expected.append(torch_scheduler.get_last_lr())
        assert [group["lr"] for group in opt.param_groups] == mine[-1]
    return mine, expected


def test_step_lr_matches_torch():
    mine, expected = lr_sequences(lambda o: optim.StepLR(o, step_size=3, gamma=0.5),
                                  lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5))
    np.testing.assert_allclose(mine, expected, rtol=1e-12)


def test_lambda_lr_with_one_function_per_group_matches_torch():
    lambdas = [lambda epoch: 0.9**epoch, lambda epoch: 1 / (1 + epoch)]
    mine, expected = lr_sequences(lambda o: optim.LambdaLR(o, lambdas),
                                  lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambdas))
    np.testing.assert_allclose(mine, expected, rtol=1e-12)


def test_linear_warmup_matches_torch_lambda_lr_and_linear_lr():
    warmup = 5
    mine, expected = lr_sequences(
        lambda o: optim.LinearWarmup(o, warmup_steps=warmup),
        lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda step: min(1.0, (step + 1) / warmup)))
    np.testing.assert_allclose(mine, expected, rtol=1e-12)
    assert mine[0] == pytest.approx([0.1 / warmup, 0.3 / warmup])
    assert mine[warmup - 1] == mine[-1] == [0.1, 0.3]
    mine, expected = lr_sequences(
        lambda o: optim.LinearWarmup(o, warmup_steps=warmup),
        lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / warmup, total_iters=warmup - 1))
    np.testing.assert_allclose(mine, expected, rtol=1e-12)


@pytest.mark.parametrize("make", [
    lambda o: optim.StepLR(o, step_size=2, gamma=0.1),
    lambda o: optim.LinearWarmup(o, warmup_steps=4),
    lambda o: optim.LambdaLR(o, lambda epoch: 0.5**epoch),
])
def test_scheduler_state_dict_resumes_the_schedule(make):
    ours, _ = make_params("cpu")
    opt = optim.SGD(ours, lr=1.0)
    scheduler = make(opt)
    for _ in range(3):
        scheduler.step()
    state = scheduler.state_dict()
    assert "optimizer" not in state and "lr_lambdas" not in state and state["last_epoch"] == 3

    resumed_opt = optim.SGD(make_params("cpu")[0], lr=1.0)
    resumed_opt.load_state_dict(opt.state_dict())  # brings 'initial_lr' along
    resumed = make(resumed_opt)
    resumed.load_state_dict(state)
    for _ in range(4):
        scheduler.step()
        resumed.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert resumed_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]


def test_scheduler_errors():
    opt = optim.SGD([mg.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="step_size must be a whole number of epochs >= 1"):
        optim.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="warmup_steps must be a whole number >= 1"):
        optim.LinearWarmup(opt, warmup_steps=0)
    with pytest.raises(ValueError, match="got 2 lr_lambda functions for 1 parameter groups"):
        optim.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])
    with pytest.raises(TypeError, match="schedules an Optimizer"):
        optim.StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), step_size=1)


# --- the optimizer's state_dict ----------------------------------------------------------------


@pytest.mark.parametrize("case", ["sgd_momentum", "adam_weight_decay", "adamw"])
def test_state_dict_has_torchs_layout(case):
    name, kwargs = CASES[case]
    ours, theirs = make_params("cpu")
    opt, torch_opt = getattr(optim, name)(ours, **kwargs), getattr(torch.optim, name)(theirs, **kwargs)
    run_steps(opt, torch_opt, ours, theirs, steps=2)
    state, expected = opt.state_dict(), torch_opt.state_dict()
    assert list(state["state"]) == list(expected["state"]) == [0, 1, 2]
    for index, param_state in state["state"].items():
        assert set(param_state) == set(expected["state"][index])
        for key, value in param_state.items():
            expected_value = expected["state"][index][key]
            if key == "step":
                assert value == expected_value.item()
            else:
                assert isinstance(value, mg.Tensor)
                np.testing.assert_allclose(value.numpy(), expected_value.numpy(), atol=1e-9)
    assert [group["params"] for group in state["param_groups"]] == [[0, 1, 2]]


@pytest.mark.parametrize("case", ["sgd_nesterov", "adam_weight_decay", "adamw_weight_decay"])
def test_state_dict_round_trip_continues_identically(case, device):
    name, kwargs = CASES[case]
    ours, theirs = make_params(device)
    opt, torch_opt = getattr(optim, name)(ours, **kwargs), getattr(torch.optim, name)(theirs, **kwargs)
    run_steps(opt, torch_opt, ours, theirs, steps=3, seed=1)

    state = opt.state_dict()
    copies = [mg.tensor(param.numpy(), device=device, requires_grad=True) for param in ours]
    resumed = getattr(optim, name)(copies, lr=123.0)  # hyper-parameters come from the state dict
    resumed.load_state_dict(state)
    assert resumed.param_groups[0]["lr"] == kwargs["lr"]
    run_steps(resumed, torch_opt, copies, theirs, steps=3, seed=2)


def test_state_dict_is_a_snapshot_and_load_copies(device):
    ours, _ = make_params(device)
    opt = optim.SGD(ours, lr=0.1, momentum=0.9)
    for param in ours:
        param.grad = mg.ones_like(param)
    opt.step()
    state = opt.state_dict()
    saved = state["state"][0]["momentum_buffer"].numpy()
    opt.step()
    np.testing.assert_array_equal(state["state"][0]["momentum_buffer"].numpy(), saved)

    resumed = optim.SGD(ours, lr=0.1, momentum=0.9)
    resumed.load_state_dict(state)
    resumed.step()
    np.testing.assert_array_equal(state["state"][0]["momentum_buffer"].numpy(), saved)


def test_load_state_dict_puts_state_on_the_parameters_device_and_dtype(device):
    ours, _ = make_params(device, dtype="float32")
    opt = optim.Adam(ours)
    cpu_state = {"state": {0: {"step": 2, "exp_avg": mg.ones(3, 4, dtype=mg.float64),
                               "exp_avg_sq": mg.ones(3, 4, dtype=mg.float64)}},
                 "param_groups": [{**opt.state_dict()["param_groups"][0], "lr": 0.5}]}
    opt.load_state_dict(cpu_state)
    param_state = opt.state[ours[0]]
    assert param_state["step"] == 2 and opt.param_groups[0]["lr"] == 0.5
    for key in ("exp_avg", "exp_avg_sq"):
        assert mg.Tensor(param_state[key]).device == device and param_state[key].dtype == mg.float32


def test_load_state_dict_refuses_a_state_for_other_parameters():
    ours, _ = make_params("cpu")
    opt = optim.SGD(ours, lr=0.1, momentum=0.9)
    small = optim.SGD(ours[:2], lr=0.1)
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameter"):
        opt.load_state_dict(small.state_dict())
    two_groups = optim.SGD([{"params": ours[:1]}, {"params": ours[1:]}], lr=0.1)
    with pytest.raises(ValueError, match="saved state has 2 parameter group"):
        opt.load_state_dict(two_groups.state_dict())
    with pytest.raises(ValueError, match="expected a dict with 'state' and 'param_groups'"):
        opt.load_state_dict({"weights": []})


# --- a whole training loop, through autograd ---------------------------------------------------


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_gradients_that_autograd_shares_between_parameters(name, device):
    """After (a + b).sum().backward(), a.grad and b.grad may be one read-only broadcast array."""
    a = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    b = mg.tensor([3.0, 4.0], device=device, requires_grad=True)
    (a + b).sum().backward()
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(2.0)
    for param in (a, b):
        np.testing.assert_allclose(param.grad.numpy(), [0.5, 0.5], rtol=1e-5)  # each scaled once
    opt = getattr(optim, name)([a, b], lr=0.1, weight_decay=0.1)
    opt.step()
    opt.step()
    assert a.numpy()[0] < 1.0 and b.numpy()[0] < 3.0


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_fitting_a_line_brings_the_loss_down(name, device):
    x = mg.tensor(np.linspace(-1, 1, 16).reshape(16, 1), device=device)
    y = 3.0 * x - 0.5
    weight = mg.zeros(1, 1, device=device, requires_grad=True)
    bias = mg.zeros(1, device=device, requires_grad=True)
    opt = getattr(optim, name)([weight, bias], lr=0.1)
    scheduler = optim.LinearWarmup(opt, warmup_steps=5)
    losses = []
    for _ in range(100):
        loss = ((x @ weight + bias - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        optim.clip_grad_norm_([weight, bias], max_norm=5.0)
        opt.step()
        scheduler.step()
        losses.append(loss.item())
    assert losses[-1] < 0.01 * losses[0]
    assert weight.dtype == mg.float32 and weight.device == device
