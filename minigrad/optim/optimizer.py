"""Optimizer: the parameter groups, the per-parameter state, and saving both.

An optimizer holds its parameters in *parameter groups*, each a dict of the tensors
(``"params"``) and the hyper-parameters that apply to them (``"lr"``, ``"momentum"``, ...).
Passing plain tensors makes a single group; passing dicts makes one group each, and
every hyper-parameter a group leaves out comes from the optimizer's defaults::

    SGD([{"params": encoder.parameters()},
         {"params": decoder.parameters(), "lr": 1e-2}], lr=1e-3, momentum=0.9)

``step()`` walks every parameter that has a gradient and hands it to the subclass's
:meth:`Optimizer.update`, which changes ``param.data`` in place from backend arrays
only (so one code path serves NumPy, CuPy and the strict stand-in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from minigrad import backend
from minigrad.grad_mode import enable_grad, no_grad
from minigrad.tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """The base class: subclasses set ``defaults`` and define :meth:`update`."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}  # param -> e.g. {"step": 3, "exp_avg": array}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of tensors (e.g. model.parameters()), "
                "not a single tensor; wrap it in a list"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{type(self).__name__}: params must be in a fixed order (a list), not a set")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; there is nothing to optimize")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a group of parameters; the hyper-parameters it leaves out come from the defaults."""
        name = type(self).__name__
        if not isinstance(group, Mapping):
            raise TypeError(f"{name}: a parameter group is a dict such as {{'params': [...], 'lr': 0.1}}, "
                            f"not {type(group).__name__}")
        if "params" not in group:
            raise ValueError(f"{name}: parameter group {len(self.param_groups)} has no 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError(f"{name}: parameter group {len(self.param_groups)} has an empty parameter list")
        for index, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"{name} can only optimize tensors, but parameter {index} of group "
                                f"{len(self.param_groups)} is a {type(param).__name__}")
            if not param.requires_grad:
                raise ValueError(
                    f"{name}: parameter {index} of group {len(self.param_groups)} (shape {param.shape}) does not "
                    "require grad, so it would never change; leave it out, e.g. "
                    "[p for p in model.parameters() if p.requires_grad]"
                )
            if not param.is_leaf:
                raise ValueError(f"{name} can only optimize leaf tensors, but parameter {index} was made by an op")
        seen = {id(p) for other in self.param_groups for p in other["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a parameter appears more than once (in one group, or in two groups)")
        filled = {**self.defaults, **group, "params": params}
        self.check_hyperparameters(filled)
        self.param_groups.append(filled)

    def check_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise ValueError for a hyper-parameter out of range; subclasses add their own checks."""
        if group["lr"] < 0:
            raise ValueError(f"{type(self).__name__}: learning rate must be >= 0, got lr={group['lr']}")
        if group.get("weight_decay", 0) < 0:
            raise ValueError(f"{type(self).__name__}: weight_decay must be >= 0, got {group['weight_decay']}")

    # --- a training step ---------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every parameter's gradient (or, with ``set_to_none=False``, fill it with zeros)."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:  # a fresh array: the old one may be shared with another tensor's grad
                    param.grad = Tensor(param.device.xp.zeros_like(param.grad.data))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient. ``closure`` re-evaluates the loss, if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        state = self.state.setdefault(param, {})
                        self.update(param, param.grad.data, state, group)
        return loss

    def update(self, param: Tensor, grad: Any, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Change ``param.data`` in place, given its gradient ``grad`` (a backend array).

        ``state`` is this parameter's own dict (momentum buffers, step counts) and ``group``
        holds the hyper-parameters. Never change ``grad`` in place: autograd may share it.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define update()")

    # --- saving and restoring -----------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """A snapshot to save: ``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are named by their position across all groups (0, 1, 2, ...), as PyTorch
        does, so the dict fits a new optimizer built over the same parameters in the same order.
        Arrays in the state come as Tensors holding copies, so later steps do not change them.
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            groups.append({**group, "params": [index_of[id(p)] for p in group["params"]]})
        state = {
            index_of[id(param)]: {key: Tensor(value.copy()) if backend.is_array(value) else value
                                  for key, value in param_state.items()}
            for param, param_state in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyper-parameters and state from :meth:`state_dict` (for example after ``minigrad.load``).

        Arrays are copied onto each parameter's device with its dtype, so a checkpoint loaded
        with ``map_location="cpu"`` resumes a model that lives on another device.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups', "
                             "as Optimizer.state_dict() returns")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter "
                             f"group(s), but this optimizer has {len(self.param_groups)}")
        param_of: dict[int, Tensor] = {}
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {number} has {len(saved['params'])} "
                                 f"parameter(s) in the saved state but {len(group['params'])} here")
            param_of.update(zip((int(i) for i in saved["params"]), group["params"]))
        for key in state_dict["state"]:
            if int(key) not in param_of:
                raise ValueError(f"{name}.load_state_dict: the saved state is for parameter {key}, "
                                 "which no parameter group lists")

        restored_groups = []  # everything is checked before anything changes
        for saved, group in zip(saved_groups, self.param_groups):
            restored = {**group, **{k: v for k, v in saved.items() if k != "params"}}
            try:
                self.check_hyperparameters(restored)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{name}.load_state_dict: the saved hyper-parameters are refused: {error}") from None
            restored_groups.append(restored)
        state = {}
        for key, param_state in state_dict["state"].items():
            param = param_of[int(key)]
            if not isinstance(param_state, Mapping):
                raise ValueError(f"{name}.load_state_dict: the state of parameter {key} is not a dict")
            state[param] = {k: _onto(v, param) for k, v in param_state.items()}
            for k, value in state[param].items():
                if backend.is_array(value) and tuple(value.shape) != tuple(param.shape):
                    raise ValueError(f"{name}.load_state_dict: state[{key}][{k!r}] has shape {tuple(value.shape)}, "
                                     f"but parameter {key} has shape {tuple(param.shape)}")
                if backend.is_array(value) and not bool(param.device.xp.isfinite(value).all()):
                    raise ValueError(f"{name}.load_state_dict: state[{key}][{k!r}] holds NaN or inf")
            try:
                self.check_state(state[param])
            except (TypeError, ValueError) as error:
                raise ValueError(f"{name}.load_state_dict: the state of parameter {key} is refused: {error}") from None
        self.state = state
        for restored, group in zip(restored_groups, self.param_groups):
            group.update(restored)

    def check_state(self, state: dict[str, Any]) -> None:
        """Raise ValueError for one parameter's restored state that :meth:`update` cannot use.

        The base checks nothing more than shapes and finiteness (done by :meth:`load_state_dict`);
        subclasses name what their own state must hold.
        """

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            lines += [f"    {key}: {value}" for key, value in sorted(group.items()) if key != "params"]
        return "\n".join(lines + [")"])


def _onto(value: Any, param: Tensor) -> Any:
    """A saved state value, as a fresh array on ``param``'s device (floats in ``param``'s dtype)."""
    if isinstance(value, Tensor):
        value = value.data
    if not backend.is_array(value):
        return value  # a number such as "step"
    dtype = param.dtype if backend.is_floating(value.dtype) else value.dtype
    array = param.device.asarray(value, dtype=dtype)
    return array.copy() if array is value else array
