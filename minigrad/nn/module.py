"""Module and Parameter: how a layer keeps its weights, and how a model finds them all.

A :class:`Module` remembers, in the order they were assigned, every :class:`Parameter` and
every sub-Module set as an attribute (``self.weight = Parameter(...)``,
``self.encoder = Encoder(...)``). Walking that tree gives the dotted names PyTorch uses
(``"encoder.lstm.weight_ih_l0"``), which is what ``parameters()``, ``state_dict()`` and
``load_state_dict()`` are built on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from minigrad.backend import Device, float16, float32, float64, is_floating
from minigrad.creation import tensor
from minigrad.grad_mode import no_grad
from minigrad.tensor import RemovableHandle, Tensor


class Parameter(Tensor):
    """A tensor that a Module learns: a leaf that requires grad.

    ``Parameter(mg.randn(3, 4))`` takes the data of the tensor (never its graph).
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if not isinstance(data, Tensor):
            data = tensor(data)
        super().__init__(data.data)
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class LoadResult(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match (as PyTorch returns it)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """The base class of layers and models: parameters, submodules, train/eval, save/load.

    Subclasses call ``super().__init__()`` first, assign their parameters and submodules as
    attributes, and define ``forward``. Calling the module calls ``forward``.

    Each parameter's ``.name`` (which ``minigrad.viz`` shows) is set to its dotted name as it is
    registered, and renamed when its module is assigned into a bigger one; a module added to a
    container after the container was assigned keeps shorter names, so for names that are
    certain use ``named_parameters()`` (``for name, p in m.named_parameters(): p.name = name``).
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these two dicts to exist already
        object.__setattr__(self, "_parameters", {})  # name -> Parameter or None, in insertion order
        object.__setattr__(self, "_modules", {})  # name -> Module, in insertion order
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_buffers", {})  # name -> Tensor or None: state that is not learned
        object.__setattr__(self, "_forward_hooks", None)  # (pre-hooks, hooks) once one is registered

    def __setstate__(self, state: dict[str, Any]) -> None:  # a module pickled before buffers existed
        state.setdefault("_buffers", {})
        state.setdefault("_forward_hooks", None)
        self.__dict__.update(state)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward(self, ...)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        hooks = self.__dict__.get("_forward_hooks")
        if hooks is None:
            return self.forward(*args, **kwargs)
        pre_hooks, post_hooks = hooks
        for hook in list(pre_hooks.values()):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        output = self.forward(*args, **kwargs)
        for hook in list(post_hooks.values()):
            changed = hook(self, args, output)
            output = output if changed is None else changed
        return output

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple], Any]) -> RemovableHandle:
        """Call ``hook(module, args)`` before each forward; what it returns (if not None) replaces the args."""
        return self._add_forward_hook(0, hook)

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], Any]) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after each forward; what it returns (if not None) is the output."""
        return self._add_forward_hook(1, hook)

    def _add_forward_hook(self, which: int, hook: Callable) -> RemovableHandle:
        if self._forward_hooks is None:
            object.__setattr__(self, "_forward_hooks", ({}, {}))
        hooks, key = self._forward_hooks[which], object()
        hooks[key] = hook
        return RemovableHandle(lambda: hooks.pop(key, None))

    # --- registration --------------------------------------------------------------
    def _registries(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        parameters, modules = self.__dict__.get("_parameters"), self.__dict__.get("_modules")
        if parameters is None or modules is None:
            raise AttributeError(
                f"cannot assign '{name}' before Module.__init__() has run; call super().__init__() "
                f"first in {type(self).__name__}.__init__"
            )
        return parameters, modules

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            parameters, modules = self._registries(name)
            self.__dict__.pop(name, None)
            modules.pop(name, None)
            parameters[name] = value
            value.name = name
        elif isinstance(value, Module):
            parameters, modules = self._registries(name)
            self.__dict__.pop(name, None)
            parameters.pop(name, None)
            modules[name] = value
            for child_name, parameter in value.named_parameters():
                parameter.name = f"{name}.{child_name}"  # the dotted name seen from the outermost module
        elif name in self.__dict__.get("_parameters", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to parameter '{name}' of {type(self).__name__}; "
                    "wrap it in nn.Parameter (or assign None)"
                )
            self._parameters[name] = None
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} to buffer '{name}'; give a Tensor or None")
            self._buffers[name] = value
        elif name in self.__dict__.get("_modules", ()):
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to submodule '{name}'; give a Module")
            del self._modules[name]
            object.__setattr__(self, name, None)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # only called when ordinary lookup fails: parameters and submodules live in their dicts
        parameters = self.__dict__.get("_parameters", {})
        if name in parameters:
            return parameters[name]
        modules = self.__dict__.get("_modules", {})
        if name in modules:
            return modules[name]
        buffers = self.__dict__.get("_buffers", {})
        if name in buffers:
            return buffers[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        elif name in self._buffers:
            del self._buffers[name]
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, parameter: Parameter | None) -> None:
        """Add a parameter by name; ``None`` records that there is none (``bias=False``)."""
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(f"register_parameter: '{name}' must be a Parameter or None, not {type(parameter).__name__}")
        parameters, _ = self._registries(name)
        if parameter is None:
            parameters[name] = None
        else:
            setattr(self, name, parameter)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not learned (BatchNorm's running mean): it moves with ``to()`` and, when
        ``persistent``, is saved in ``state_dict()``, but the optimizer never sees it."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: '{name}' must be a Tensor or None, not {type(tensor).__name__}")
        if name in self._parameters or name in self._modules:
            raise KeyError(f"register_buffer: '{name}' is already a parameter or a submodule")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if not persistent:
            object.__setattr__(self, "_non_persistent", self.__dict__.get("_non_persistent", set()) | {name})

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) for every buffer of this module and those below it."""
        for module_name, module in self.named_modules():
            for name, buffer in module.__dict__.get("_buffers", {}).items():
                if buffer is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buffer

    def buffers(self) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers():
            yield buffer

    def add_module(self, name: str, module: Module) -> None:
        """Add a submodule by name (the same as ``setattr(self, name, module)``)."""
        if not isinstance(module, Module):
            raise TypeError(f"add_module: '{name}' must be a Module, not {type(module).__name__}")
        setattr(self, name, module)

    # --- walking the tree ----------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module below it, depth first, with dotted names ("" for self)."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child}" if name else child, m) for child, m in module._modules.items()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules, in the order they were assigned."""
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        """The direct submodules, in the order they were assigned."""
        yield from self._modules.values()

    def _all_named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Every (dotted name, parameter), a shared parameter once under each of its names."""
        for module_name, module in self.named_modules():
            for name, parameter in module._parameters.items():
                if parameter is not None:
                    yield (f"{module_name}.{name}" if module_name else name), parameter

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs in registration order; a shared parameter comes once."""
        seen: set[int] = set()
        for name, parameter in self._all_named_parameters():
            if id(parameter) not in seen:
                seen.add(id(parameter))
                yield name, parameter

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter, each once, in registration order (what an optimizer is given)."""
        for _, parameter in self.named_parameters():
            yield parameter

    def num_parameters(self) -> int:
        """How many numbers the module learns (each shared parameter counted once)."""
        return sum(parameter.size for parameter in self.parameters())

    # --- modes and gradients -------------------------------------------------------
    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule, then on this one (torch's order), e.g. to initialise weights."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every submodule (dropout acts only in training)."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """``train(False)``: dropout off, for evaluation and inference."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradients on or off for every parameter (off: the module is frozen)."""
        for parameter in self.parameters():
            parameter.requires_grad = requires_grad
        return self

    def double(self) -> Module:
        """Every floating parameter and buffer as float64 (``to(dtype=float64)``)."""
        return self.to(dtype=float64)

    def float(self) -> Module:
        """Every floating parameter and buffer as float32."""
        return self.to(dtype=float32)

    def half(self) -> Module:
        """Every floating parameter and buffer as float16."""
        return self.to(dtype=float16)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``), before the next backward."""
        for parameter in self.parameters():
            parameter.grad = None

    def to(self, device: str | Device | None = None, dtype: Any = None) -> Module:
        """Move every parameter (and its gradient) to ``device`` and/or ``dtype``, in place.

        The parameters stay the same objects, so an optimizer that holds them keeps working.
        """
        if dtype is not None and not is_floating(dtype):
            raise TypeError(f"to: parameters must stay floating point, not {dtype}")
        with no_grad():
            for parameter in self.parameters():
                parameter.data = parameter.to(device, dtype).data
                if parameter.grad is not None:
                    parameter.grad = parameter.grad.to(device, dtype)
            for buffer in self.buffers():  # an integer buffer (a count) keeps its dtype
                buffer.data = buffer.to(device, dtype if is_floating(buffer.dtype) else None).data
        return self

    # --- saving and loading --------------------------------------------------------
    def _all_named_state(self) -> Iterator[tuple[str, Tensor]]:
        """What ``state_dict`` holds, in torch's order: each module's parameters, then its persistent
        buffers, module by module, by dotted name."""
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name, parameter in module._parameters.items():
                if parameter is not None:
                    yield prefix + name, parameter
            skipped = module.__dict__.get("_non_persistent", ())
            for name, buffer in module.__dict__.get("_buffers", {}).items():
                if buffer is not None and name not in skipped:
                    yield prefix + name, buffer

    def state_dict(self) -> dict[str, Tensor]:
        """Every parameter (and persistent buffer) by dotted name, detached (no graph); it shares memory
        with the model."""
        return {name: parameter.detach() for name, parameter in self._all_named_state()}

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> LoadResult:
        """Copy values from ``state_dict`` into the parameters of the same names.

        Values may be tensors, arrays or nested lists; each is put on its parameter's device
        and dtype. All problems are reported together in one error: shapes that differ always,
        missing and unexpected keys when ``strict``.
        """
        own = dict(self._all_named_state())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        loaded, mismatched = {}, []
        for name, parameter in own.items():
            if name in state_dict:
                value = state_dict[name]
                value = tensor(value.detach() if isinstance(value, Tensor) else value,
                               dtype=parameter.dtype, device=parameter.device)
                if value.shape != parameter.shape:
                    mismatched.append(f"{name}: the state dict has {value.shape}, the model {parameter.shape}")
                loaded[name] = value
        problems = []
        if strict and missing:
            problems.append(f"missing keys ({len(missing)}): {', '.join(missing)}")
        if strict and unexpected:
            problems.append(f"unexpected keys ({len(unexpected)}): {', '.join(unexpected)}")
        if mismatched:
            problems.append(f"shape mismatches ({len(mismatched)}):\n    " + "\n    ".join(mismatched))
        if problems:
            raise RuntimeError(
                f"load_state_dict: the state dict does not fit {type(self).__name__}; nothing was loaded\n  "
                + "\n  ".join(problems)
            )
        for name, value in loaded.items():
            own[name].data = value.data
        return LoadResult(missing, unexpected)

    # --- drawing: Module.draw(example_inputs, path) is added by minigrad.viz, which sits above nn ---

    # --- printing ------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The arguments to print inside ``Name(...)``; layers override it."""
        return ""

    def __repr__(self) -> str:
        count = self.num_parameters()
        comment = f"  # {count:,} parameter{'s' if count != 1 else ''}" if count else ""
        if not self._modules:
            return f"{type(self).__name__}({self.extra_repr()}){comment}"
        lines = [f"{type(self).__name__}({comment}"]
        if self.extra_repr():
            lines.append(f"  {self.extra_repr()}")
        for name, module in self._modules.items():
            child = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        lines.append(")")
        return "\n".join(lines)


class ModuleList(Module):
    """A list of modules, registered under the names "0", "1", ... (as in PyTorch)."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class Sequential(ModuleList):
    """Modules applied one after another: ``Sequential(a, b)(x) == b(a(x))``."""

    def __init__(self, *modules: Module) -> None:
        if len(modules) == 1 and isinstance(modules[0], dict):  # Sequential(OrderedDict(name=module, ...))
            super().__init__()
            for name, module in modules[0].items():
                self.add_module(name, module)
            return
        super().__init__(modules)

    def forward(self, x: Any) -> Any:
        for module in self:
            x = module(x)
        return x


class ParameterList(Module):
    """A list of parameters, registered under the names "0", "1", ... (as in PyTorch)."""

    def __init__(self, parameters: Iterable[Parameter] = ()) -> None:
        super().__init__()
        for parameter in parameters:
            self.append(parameter)

    def append(self, parameter: Parameter) -> ParameterList:
        self.register_parameter(str(len(self._parameters)), parameter)
        return self

    def __getitem__(self, index: int) -> Parameter:
        return list(self._parameters.values())[index]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())


class ModuleDict(Module):
    """Modules by name, registered under those names, in insertion order (as in PyTorch)."""

    def __init__(self, modules: dict[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules: dict[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for name, module in (modules.items() if isinstance(modules, dict) else modules):
            self.add_module(name, module)

    def __getitem__(self, name: str) -> Module:
        return self._modules[name]

    def __setitem__(self, name: str, module: Module) -> None:
        self.add_module(name, module)

    def __delitem__(self, name: str) -> None:
        del self._modules[name]

    def __contains__(self, name: str) -> bool:
        return name in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()
