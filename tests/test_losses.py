"""Losses: each matches torch.nn.functional (values and gradients) and passes gradcheck."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
from minigrad.ops import losses

TOL = {"rtol": 1e-5, "atol": 1e-6}

torch_f = torch.nn.functional


def to_torch(x: mg.Tensor, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(x.numpy(), requires_grad=requires_grad)


def targets_with_ignored(shape: tuple[int, ...], classes: int, ignore_index: int, device: str) -> mg.Tensor:
    """Random class indices, a few of them set to ``ignore_index``."""
    values = np.random.default_rng(0).integers(0, classes, size=shape)
    values.reshape(-1)[::3] = ignore_index
    return mg.tensor(values, device=device)


def assert_matches_torch(loss: mg.Tensor, logits: mg.Tensor, loss_twin: torch.Tensor,
                         logits_twin: torch.Tensor) -> None:
    upstream = np.random.default_rng(1).standard_normal(loss.shape).astype(np.float32)
    loss.backward(mg.tensor(upstream, device=logits.device))
    loss_twin.backward(torch.tensor(upstream))
    np.testing.assert_allclose(loss.numpy(), loss_twin.detach().numpy(), **TOL)
    np.testing.assert_allclose(logits.grad.numpy(), logits_twin.grad.numpy(), **TOL)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("shape", [(6, 5), (3, 5, 4), (2, 5, 3, 2), (5,)], ids=["NC", "NCd", "NCdd", "C"])
def test_cross_entropy_matches_torch(device: str, reduction: str, label_smoothing: float,
                                     shape: tuple[int, ...]) -> None:
    logits = mg.randn(*shape, device=device, requires_grad=True)
    target_shape = () if len(shape) == 1 else (shape[0], *shape[2:])
    ignore_index = -100 if len(shape) == 1 else 2  # class 2 is ignored where it appears
    target = targets_with_ignored(target_shape, 5, ignore_index, device) if target_shape else mg.tensor(3)
    loss = losses.cross_entropy(logits, target, ignore_index=ignore_index, label_smoothing=label_smoothing,
                                reduction=reduction)
    logits_twin = to_torch(logits, requires_grad=True)
    loss_twin = torch_f.cross_entropy(logits_twin, to_torch(target), ignore_index=ignore_index,
                                      label_smoothing=label_smoothing, reduction=reduction)
    assert loss.shape == tuple(loss_twin.shape)
    assert_matches_torch(loss, logits, loss_twin, logits_twin)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_matches_torch(device: str, reduction: str) -> None:
    log_probs = mg.randn(4, 6, 3, device=device).log_softmax(axis=1).detach().requires_grad_()
    target = targets_with_ignored((4, 3), 6, -1, device)
    loss = losses.nll_loss(log_probs, target, ignore_index=-1, reduction=reduction)
    log_probs_twin = to_torch(log_probs, requires_grad=True)
    loss_twin = torch_f.nll_loss(log_probs_twin, to_torch(target), ignore_index=-1, reduction=reduction)
    assert_matches_torch(loss, log_probs, loss_twin, log_probs_twin)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(device: str, reduction: str) -> None:
    prediction = mg.randn(3, 4, device=device, requires_grad=True)
    target = mg.randn(3, 4, device=device)
    loss = losses.mse_loss(prediction, target, reduction=reduction)
    prediction_twin = to_torch(prediction, requires_grad=True)
    loss_twin = torch_f.mse_loss(prediction_twin, to_torch(target), reduction=reduction)
    assert_matches_torch(loss, prediction, loss_twin, prediction_twin)


def test_losses_gradcheck() -> None:
    target = mg.tensor([[0, 2, 1], [1, 1, -100]])
    assert mg.gradcheck(lambda x: losses.cross_entropy(x, target, label_smoothing=0.2),
                        [mg.randn(2, 3, 3, requires_grad=True)])
    assert mg.gradcheck(lambda x: losses.cross_entropy(x, target[0], reduction="none"),
                        [mg.randn(3, 3, requires_grad=True)])
    assert mg.gradcheck(lambda x: losses.nll_loss(x, target[1], reduction="sum"),
                        [mg.randn(3, 2, requires_grad=True)])
    assert mg.gradcheck(lambda x, y: losses.mse_loss(x, y), [mg.randn(2, 3, requires_grad=True),
                                                             mg.randn(2, 3, requires_grad=True)])


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = mg.tensor([[1e4, 0.0, -1e4], [0.0, 3e4, 0.0]], requires_grad=True)
    loss = losses.cross_entropy(logits, [0, 0])
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1.5e4, rtol=1e-6)
    assert np.isfinite(logits.grad.numpy()).all()


def test_losses_are_in_nn_functional_as_in_torch() -> None:
    import minigrad.nn.functional as F  # noqa: PLC0415 - the spelling a torch user writes

    assert F.cross_entropy is losses.cross_entropy
    assert F.nll_loss is losses.nll_loss
    assert F.mse_loss is losses.mse_loss


def test_loss_errors_name_the_problem() -> None:
    logits = mg.randn(4, 5)
    with pytest.raises(IndexError, match=r"cross_entropy: target 7 is out of range for 5 classes"):
        losses.cross_entropy(logits, [0, 7, 1, -100])
    with pytest.raises(IndexError, match=r"target -3 is out of range"):
        losses.nll_loss(logits, [0, -3, 1, 2])
    with pytest.raises(ValueError, match=r"scores of shape \(4, 5\) .* need a target of shape \(4,\), got \(3,\)"):
        losses.cross_entropy(logits, [0, 1, 2])
    with pytest.raises(TypeError, match="class indices"):
        losses.cross_entropy(logits, mg.randn(4))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', not 'avg'"):
        losses.cross_entropy(logits, [0, 1, 2, 3], reduction="avg")
    with pytest.raises(ValueError, match=r"mse_loss: input \(4, 5\) and target \(5,\)"):
        losses.mse_loss(logits, mg.randn(5))
