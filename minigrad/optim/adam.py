"""Adam and AdamW: gradient steps scaled by running averages of the gradient and its square."""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

from minigrad import backend
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    For each parameter p with gradient g, at step t = 1, 2, ...::

        g ← g + weight_decay·p              (L2 penalty folded into the gradient, if weight_decay > 0)
        m ← β₁·m + (1 − β₁)·g               (running mean of g,  state["exp_avg"])
        v ← β₂·v + (1 − β₂)·g²              (running mean of g², state["exp_avg_sq"])
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   (undo the bias towards the zeros m and v start from)
        p ← p − lr·m̂ / (√v̂ + ε)

    With weight decay, Adam's L2 penalty is scaled down along with the gradient wherever v
    is large; :class:`AdamW` decouples it instead.
    """

    decoupled_weight_decay = False

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    def check_hyperparameters(self, group: dict[str, Any]) -> None:
        super().check_hyperparameters(group)
        name = type(self).__name__
        if len(group["betas"]) != 2:
            raise ValueError(f"{name}: betas is a pair (beta1, beta2), got {group['betas']}")
        for number, beta in enumerate(group["betas"], start=1):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: beta{number} must be in [0, 1), got betas={tuple(group['betas'])}")
        if group["eps"] < 0:
            raise ValueError(f"{name}: eps must be >= 0, got {group['eps']}")

    def check_state(self, state: dict[str, Any]) -> None:
        """A restored state needs a whole ``step`` >= 0, ``exp_avg`` and ``exp_avg_sq`` >= 0 (a mean of g²)."""
        if not state:
            return
        missing = {"step", "exp_avg", "exp_avg_sq"} - set(state)
        if missing:
            raise ValueError(f"missing {', '.join(sorted(missing))}")
        step = state["step"]
        if isinstance(step, bool) or not isinstance(step, Integral) or step < 0:
            raise ValueError(f"step must be a whole number >= 0, got {step!r}")
        if not backend.is_array(state["exp_avg"]) or not backend.is_array(state["exp_avg_sq"]):
            raise ValueError("exp_avg and exp_avg_sq must be arrays")
        if bool((state["exp_avg_sq"] < 0).any()):
            raise ValueError("exp_avg_sq (a running mean of squared gradients) has negative entries")

    def update(self, param: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = param.device.xp
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param.data)
            state["exp_avg_sq"] = xp.zeros_like(param.data)
        state["step"] += 1
        step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]

        if weight_decay != 0:
            if self.decoupled_weight_decay:
                param.data *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param.data
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)

        # Python floats (not arrays) for the bias corrections, so float32 stays float32
        step_size = lr / (1 - beta1**step)
        denominator = xp.sqrt(exp_avg_sq) / math.sqrt(1 - beta2**step) + eps
        param.data -= step_size * (exp_avg / denominator)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    The same as :class:`Adam`, except that the weight decay shrinks the parameter directly
    instead of entering the gradient (and hence m and v)::

        p ← p·(1 − lr·weight_decay)
        m, v, m̂, v̂ as in Adam, from the plain gradient g
        p ← p − lr·m̂ / (√v̂ + ε)
    """

    decoupled_weight_decay = True

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
