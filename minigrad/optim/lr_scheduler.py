"""Learning-rate schedules: set each parameter group's ``lr`` from the step count.

Call ``scheduler.step()`` once per epoch (or per batch, for warm-up), after
``optimizer.step()``. Each schedule is a closed formula of ``last_epoch`` (the number of
``step()`` calls so far) and of each group's starting rate ``initial_lr``, so its
``state_dict()`` is a few numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from minigrad.optim.optimizer import Optimizer


class LRScheduler:
    """The base class: subclasses define :meth:`get_lr` as a function of ``self.last_epoch``."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} schedules an Optimizer, not a {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise ValueError(f"{type(self).__name__}: resuming at last_epoch={last_epoch} needs 'initial_lr' "
                                 "in every parameter group (load the optimizer's state_dict first)")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()  # set the rates for epoch last_epoch + 1 (epoch 0 for a fresh schedule)

    def get_lr(self) -> list[float]:
        """The learning rate of each group at epoch ``self.last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def step(self) -> None:
        """Move to the next epoch and set each group's ``lr``."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates that the last ``step()`` set."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The schedule's numbers (``last_epoch``, ``base_lrs``, ...): everything but the optimizer."""
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs, as ``torch.optim.lr_scheduler.StepLR``::

        lr(epoch) = initial_lr · gamma^⌊epoch / step_size⌋
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a whole number of epochs >= 1, got {step_size}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """Scale each group's initial rate by a function of the epoch, as ``torch.optim.lr_scheduler.LambdaLR``::

        lr(epoch) = initial_lr · lr_lambda(epoch)

    ``lr_lambda`` is one function for all groups or a list with one per group. The functions
    are not part of ``state_dict()``: build the scheduler with the same ones before loading.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        groups = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(self.lr_lambdas) != groups:
            raise ValueError(f"LambdaLR: got {len(self.lr_lambdas)} lr_lambda functions for {groups} parameter groups")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base_lr * scale(self.last_epoch) for base_lr, scale in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        del state["lr_lambdas"]  # functions: a checkpoint cannot hold them
        return state


class LinearWarmup(LRScheduler):
    """Raise the learning rate linearly over the first ``warmup_steps`` steps, then hold it::

        lr(step) = initial_lr · min(1, (step + 1) / warmup_steps)

    so step 0 uses initial_lr / warmup_steps and step warmup_steps − 1 onwards uses initial_lr.
    Large early updates from Adam's still-noisy second moments are what this guards against.
    It equals ``LambdaLR(optimizer, lambda step: min(1, (step + 1) / warmup_steps))``.
    """

    def __init__(self, optimizer: Optimizer, warmup_steps: int, last_epoch: int = -1) -> None:
        if not isinstance(warmup_steps, int) or warmup_steps < 1:
            raise ValueError(f"LinearWarmup: warmup_steps must be a whole number >= 1, got {warmup_steps}")
        self.warmup_steps = warmup_steps
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        scale = min(1.0, (self.last_epoch + 1) / self.warmup_steps)
        return [base_lr * scale for base_lr in self.base_lrs]
