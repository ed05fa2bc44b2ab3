"""The learning-rate schedules issue 24 adds (CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau), step by step
against torch's: the same rates (and, for OneCycleLR, the same momentum) at every step."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import torch

import minigrad as mg


def pair(optimizer: str, **kwargs):
    ours = getattr(mg.optim, optimizer)([mg.zeros(2, requires_grad=True)], **kwargs)
    theirs = getattr(torch.optim, optimizer)([torch.zeros(2, requires_grad=True)], **kwargs)
    return ours, theirs


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


SCHEDULES = [
    ("CosineAnnealingLR(T_max=10, eta_min=0.01) past T_max", "SGD", {"lr": 0.5},
     lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01), 25),
    ("OneCycleLR(SGD, cos)", "SGD", {"lr": 0.1, "momentum": 0.9},
     lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20), 20),
    ("OneCycleLR(Adam, linear, three_phase)", "Adam", {"lr": 0.1},
     lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.3, epochs=3, steps_per_epoch=5,
                                                        anneal_strategy="linear", three_phase=True), 15),
]


@pytest.mark.parametrize(("code", "optimizer", "kwargs", "make", "steps"), SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_sets_torchs_rates_at_every_step(code, optimizer, kwargs, make, steps):
    ours, theirs = pair(optimizer, **kwargs)
    ours_schedule, their_schedule = make(mg, ours), make(torch, theirs)
    for step in range(steps):
        np.testing.assert_allclose(ours.param_groups[0]["lr"], theirs.param_groups[0]["lr"], rtol=1e-12,
                                   err_msg=f"lr at step {step}")
        np.testing.assert_allclose(momentum_of(ours.param_groups[0]), momentum_of(theirs.param_groups[0]),
                                   rtol=1e-12, err_msg=f"momentum at step {step}")
        assert ours_schedule.get_last_lr() == pytest.approx(their_schedule.get_last_lr(), rel=1e-12)
        ours.step()
        theirs.step()
        if step < steps - 1:
            ours_schedule.step()
            their_schedule.step()


def test_reduce_lr_on_plateau_waits_patience_then_divides_then_cools_down():
    ours, theirs = pair("SGD", lr=1.0)
    kwargs = {"factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.1, "threshold": 0.01}
    ours_schedule = mg.optim.ReduceLROnPlateau(ours, **kwargs)
    their_schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    losses = [5.0, 4.0, 3.99, 3.98, 3.97, 3.96, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0] + [3.0] * 8
    rates = []
    for loss in losses:
        ours_schedule.step(loss)
        their_schedule.step(loss)
        rates.append(ours.param_groups[0]["lr"])
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)
    assert min(rates) == 0.1 and rates[0] == 1.0  # it was divided, down to min_lr and no further


def test_reduce_lr_on_plateau_in_max_mode_takes_a_tensor_metric():
    ours, theirs = pair("SGD", lr=1.0)
    ours_schedule = mg.optim.ReduceLROnPlateau(ours, mode="max", patience=0, threshold_mode="abs", threshold=0.1)
    their_schedule = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, mode="max", patience=0,
                                                                threshold_mode="abs", threshold=0.1)
    for accuracy in [0.5, 0.55, 0.7, 0.65, 0.9]:
        ours_schedule.step(mg.tensor(accuracy))
        their_schedule.step(torch.tensor(accuracy))
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)
