"""Optimizers, gradient clipping and learning-rate schedules (``torch.optim``'s names).

A training step::

    optimizer = Adam(model.parameters(), lr=1e-3)
    loss.backward()
    clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    optimizer.zero_grad()
"""

from minigrad.optim import lr_scheduler
from minigrad.optim.adam import Adam, AdamW
from minigrad.optim.clip import clip_grad_norm_
from minigrad.optim.lr_scheduler import (
    CosineAnnealingLR,
    LambdaLR,
    LinearWarmup,
    LRScheduler,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "CosineAnnealingLR", "LRScheduler", "LambdaLR", "LinearWarmup", "OneCycleLR",
           "Optimizer", "ReduceLROnPlateau", "StepLR", "clip_grad_norm_", "lr_scheduler"]
