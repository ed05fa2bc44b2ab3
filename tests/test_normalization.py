"""Normalisation (issue 24): F.batch_norm, F.layer_norm, F.group_norm as op-table rows (gradcheck and
torch, every device), BatchNorm1d/2d against torch's layers through training steps and eval, and
LayerNorm(bias=False)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import torch
from test_ops import Op, draw_inputs, minigrad_inputs, normal
from test_ops import test_backward_agrees_with_central_differences as check_gradient
from test_ops import test_values_and_gradients_agree_with_torch as check_against_torch

import minigrad as mg
import minigrad.nn.functional as MF

TF = torch.nn.functional


def _eval_batch_norm(lib):
    """Eval mode: fixed running statistics (state, not inputs of the gradient)."""

    def run(x, w, b):
        channels = x.shape[1]
        mean, var = lib.linspace(-0.5, 0.5, channels), lib.linspace(0.5, 2.0, channels)
        if lib is mg:
            mean, var = mean.to(x.device, x.dtype), var.to(x.device, x.dtype)
        else:
            mean, var = mean.to(x.dtype), var.to(x.dtype)
        return lib.nn.functional.batch_norm(x, mean, var, w, b)

    return run


ROWS = [
    Op("F.batch_norm(training=True)", lambda x, w, b: MF.batch_norm(x, None, None, w, b, training=True),
       lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
       [((4, 3), (3,), (3,)), ((2, 3, 5), (3,), (3,)), ((2, 2, 3, 3), (2,), (2,))], (normal, normal, normal)),
    Op("F.batch_norm(running statistics)", _eval_batch_norm(mg), _eval_batch_norm(torch),
       [((4, 3), (3,), (3,)), ((2, 3, 5), (3,), (3,)), ((2, 2, 3, 3), (2,), (2,))], (normal, normal, normal)),
    Op("F.layer_norm", lambda x, w, b: MF.layer_norm(x, w.shape, w, b), lambda x, w, b: TF.layer_norm(x, w.shape, w, b),
       [((3, 4), (4,), (4,)), ((2, 3, 4), (3, 4), (3, 4)), ((5,), (5,), (5,))], (normal, normal, normal)),
    Op("F.layer_norm(no affine)", lambda x: MF.layer_norm(x, x.shape[-1:]), lambda x: TF.layer_norm(x, x.shape[-1:]),
       [(3, 4), (2, 3, 5), (6,)]),
    Op("F.group_norm(2)", lambda x, w, b: MF.group_norm(x, 2, w, b), lambda x, w, b: TF.group_norm(x, 2, w, b),
       [((2, 4, 3), (4,), (4,)), ((1, 6, 2, 2), (6,), (6,)), ((3, 2), (2,), (2,))], (normal, normal, normal)),
]
CASES = [pytest.param(op, shapes, id=f"{op.name} {' '.join(map(str, shapes))}")
         for op in ROWS for shapes in op.shape_sets()]


@pytest.mark.parametrize(("op", "shapes"), CASES)
def test_backward_agrees_with_central_differences(op, shapes, device):
    check_gradient(op, shapes, device)


@pytest.mark.parametrize(("op", "shapes"), CASES)
def test_values_and_gradients_agree_with_torch(op, shapes, device):
    check_against_torch(op, shapes, device)


@pytest.mark.parametrize("op", ROWS, ids=lambda op: op.name)
def test_second_derivative_agrees_with_central_differences(op):
    inputs = minigrad_inputs(draw_inputs(op, op.shape_sets()[0], seed=3), "cpu")
    assert mg.gradgradcheck(op.minigrad, inputs)


@pytest.mark.parametrize(("layer", "shape", "momentum"), [
    ("BatchNorm1d", (6, 3), 0.1), ("BatchNorm1d", (4, 3, 5), None), ("BatchNorm2d", (3, 3, 4, 2), 0.3)])
def test_batchnorm_keeps_torchs_running_statistics_through_training_and_eval(layer, shape, momentum, device):
    ours = getattr(mg.nn, layer)(3, momentum=momentum).to(device)
    theirs = getattr(torch.nn, layer)(3, momentum=momentum)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        x_ours, x_theirs = mg.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-4, atol=1e-5)
        (y_ours * y_ours * y_ours).sum().backward()
        (y_theirs ** 3).sum().backward()
        np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4, atol=1e-4)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-5, err_msg=name)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    one = ours(mg.tensor(x[:1], device=device)).numpy()  # eval: an example's output does not depend on its batch
    np.testing.assert_allclose(ours(mg.tensor(x, device=device)).numpy()[:1], one, rtol=1e-6)
    np.testing.assert_allclose(one, theirs(torch.tensor(x[:1])).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_batchnorm_state_dict_holds_torchs_names_and_loads_torchs_state():
    theirs = torch.nn.BatchNorm2d(2)
    theirs(torch.randn(4, 2, 3, 3))
    ours = mg.nn.BatchNorm2d(2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({name: value.numpy() for name, value in theirs.state_dict().items()})
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy())
    assert ours.num_batches_tracked.item() == 1 and ours.num_batches_tracked.dtype == mg.int64
    assert [name for name, _ in ours.named_parameters()] == ["weight", "bias"]  # buffers are not trained
    ours.double()
    assert ours.running_mean.dtype == mg.float64 and ours.num_batches_tracked.dtype == mg.int64


def test_state_dict_order_is_torchs_module_by_module():
    ours = mg.nn.Sequential(mg.nn.BatchNorm1d(3), mg.nn.Linear(3, 2), mg.nn.BatchNorm1d(2))
    theirs = torch.nn.Sequential(torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_batch_norm_with_one_value_per_channel_is_refused_in_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        mg.nn.BatchNorm1d(3)(mg.zeros(1, 3))


def test_layernorm_without_bias_is_torchs():
    ours, theirs = mg.nn.LayerNorm(4, bias=False), torch.nn.LayerNorm(4, bias=False)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["weight"]
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
