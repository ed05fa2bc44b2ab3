"""The torch names issue 24 adds, side by side with torch: one row per idiom, run as written on both.

The rows use test_torch_parity.py's machinery (the same inputs on both sides; values, dtypes and
the gradient of every input from the same upstream gradient must agree); what a row cannot say is
in the tests after the table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_torch_parity import Idiom, integers, normal, positive, same_weights, values
from test_torch_parity import test_torch_idiom_gives_torchs_answer as check_idiom

import minigrad as mg


def F(lib: Any) -> Any:  # noqa: N802
    return lib.nn.functional


def with_same_weights(lib: Any, module: Any) -> Any:
    """The module with the same weights on both sides."""
    return same_weights(lib, module)


def _written(lib: Any, x: Any, v: Any) -> Any:
    y = x * 1  # a non-leaf, so that it may be written into while recording
    y[1] = v
    y[:, 0] = 7.0
    return y * 2


def _written_without_grad(lib: Any) -> Any:
    y = lib.zeros(2, 3)
    y[0] = lib.tensor([1.0, 2.0, 3.0])
    y[1, 1:] = 5.0
    return y


def _hook_removed(lib: Any, x: Any) -> Any:
    y = x * 2
    handle = y.register_hook(lambda g: g * 10)
    handle.remove()
    y.sum().backward()
    return x.grad


def _forward_hooked(lib: Any, x: Any) -> Any:
    layer = lib.nn.Linear(3, 2)
    with lib.no_grad():
        layer.weight.fill_(0.5)
        layer.bias.fill_(0.1)
    seen = []
    handle = layer.register_forward_hook(lambda module, args, output: output * 2)
    pre = layer.register_forward_pre_hook(lambda module, args: seen.append(tuple(args[0].shape)))
    first = layer(x)
    handle.remove()
    pre.remove()
    return first, layer(x), seen


def _module_dict(lib: Any, x: Any) -> Any:
    layers = lib.nn.ModuleDict({"a": lib.nn.Linear(3, 2), "b": lib.nn.Tanh()})
    with lib.no_grad():
        layers["a"].weight.fill_(0.2)
        layers["a"].bias.fill_(0.0)
    return list(layers.keys()), len(layers), "b" in layers, layers["b"](layers["a"](x)), \
        [name for name, _ in layers.named_parameters()]


def _buffers(lib: Any) -> Any:
    class Scaled(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("scale", lib.ones(2) * 3)
            self.register_buffer("scratch", lib.zeros(1), persistent=False)

        def forward(self, x: Any) -> Any:
            return x * self.scale

    model = Scaled().double()
    return list(model.state_dict()), [name for name, _ in model.named_buffers()], model.scale.dtype == lib.float64, \
        len(list(model.parameters()))


def _frozen(lib: Any) -> Any:
    layer = lib.nn.Linear(2, 2).requires_grad_(False)
    return [p.requires_grad for p in layer.parameters()]


def _inference(lib: Any, x: Any) -> Any:
    with lib.inference_mode():
        y = x * 2
    return y.requires_grad, lib.is_grad_enabled()


def _backward_gradient(lib: Any, x: Any) -> Any:
    y = x * x
    y.backward(gradient=lib.ones_like(y) * 0.5)
    return x.grad


IDIOMS = [
    Idiom("lib.bool, lib.long", lambda lib, x: ((x > 0).dtype == lib.bool, x.long().dtype == lib.long,
                                                 x.to(lib.long).dtype == lib.int64), (normal(3),)),
    Idiom("x.is_floating_point()", lambda lib, x, i: (x.is_floating_point(), i.is_floating_point()),
          (normal(3), integers(4, 3))),
    Idiom("x.device.type", lambda lib, x: x.device.type, (normal(2),)),
    Idiom("x.contiguous()", lambda lib, x: x.t().contiguous(), (normal(2, 3),)),
    Idiom("x[i] = v (recorded)", _written, (normal(3, 4), normal(4))),
    Idiom("x[i] = v (no grad)", lambda lib: _written_without_grad(lib)),
    Idiom("x.narrow(1, 1, 2)", lambda lib, x: x.narrow(1, 1, 2), (normal(3, 4),)),
    Idiom("lib.narrow(x, 0, -2, 2)", lambda lib, x: lib.narrow(x, 0, -2, 2), (normal(3, 4),)),
    Idiom("lib.mm(a, b)", lambda lib, a, b: lib.mm(a, b), (normal(3, 4), normal(4, 2))),
    Idiom("lib.bmm(a, b)", lambda lib, a, b: lib.bmm(a, b), (normal(2, 3, 4), normal(2, 4, 5))),
    Idiom("lib.mm on 3-D", lambda lib, a, b: lib.mm(a, b), (normal(2, 3, 4), normal(4, 2)), raises=True),
    Idiom("lib.clamp(x, -0.5, 0.5)", lambda lib, x: lib.clamp(x, -0.5, 0.5), (values([-1.0, -0.2, 0.3, 2.0]),)),
    Idiom("y.backward(gradient=...)", _backward_gradient, (normal(3),)),
    Idiom("lib.atan2(y, x)", lambda lib, y, x: lib.atan2(y, x), (normal(3, 4), normal(3, 4))),
    Idiom("y.atan2(x) broadcast", lambda lib, y, x: y.atan2(x), (normal(3, 4), positive(4))),
    Idiom("x.cumprod(dim=1)", lambda lib, x: x.cumprod(dim=1), (normal(3, 4),)),
    Idiom("lib.cumprod(x, 0) with a zero", lambda lib, x: lib.cumprod(x, 0), (values([2.0, 0.0, 3.0, -1.5]),)),
    Idiom("x.index_select(0, i)", lambda lib, x, i: x.index_select(0, i), (normal(4, 3), values([2, 0, 2], np.int64))),
    Idiom("lib.index_select(x, 1, i)", lambda lib, x, i: lib.index_select(x, 1, i),
          (normal(2, 4), values([3, 1], np.int64))),
    Idiom("lib.addmm(c, a, b, beta=0.5, alpha=2)", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2),
          (normal(3, 2), normal(3, 4), normal(4, 2))),
    Idiom("lib.addmm(bias, a, b)", lambda lib, c, a, b: lib.addmm(c, a, b), (normal(2), normal(3, 4), normal(4, 2))),
    Idiom("lib.baddbmm(c, a, b)", lambda lib, c, a, b: lib.baddbmm(c, a, b, alpha=0.5),
          (normal(2, 3, 5), normal(2, 3, 4), normal(2, 4, 5))),
    Idiom("x.scatter(1, index, src)", lambda lib, x, i, s: x.scatter(1, i, s),
          (normal(3, 5), values([[0, 4], [2, 1], [3, 3 - 1]], np.int64), normal(3, 2))),
    Idiom("lib.scatter(x, 0, index, 2.5)", lambda lib, x, i: lib.scatter(x, 0, i, 2.5),
          (normal(3, 2), values([[2, 0]], np.int64))),
    Idiom("Module.double()", lambda lib: lib.nn.Linear(2, 3).double().weight.dtype == lib.float64),
    Idiom("handle.remove() (tensor hook)", _hook_removed, (normal(3),)),
    Idiom("register_forward_hook / pre_hook", _forward_hooked, (normal(2, 3),)),
    Idiom("requires_grad_(False) on a module", lambda lib: _frozen(lib)),
    Idiom("x.requires_grad_()", lambda lib, x: x.detach().requires_grad_().requires_grad, (normal(2),)),
    Idiom("register_buffer", lambda lib: _buffers(lib)),
    Idiom("nn.ModuleDict", _module_dict, (normal(2, 3),)),
    Idiom("lib.cuda.is_available() is a bool", lambda lib: isinstance(lib.cuda.is_available(), bool)),
    Idiom("lib.inference_mode()", _inference, (normal(3),)),
    Idiom("lib.tensordot(a, b, dims=2)", lambda lib, a, b: lib.tensordot(a, b, dims=2),
          (normal(2, 3, 4), normal(3, 4, 5))),
    Idiom("lib.tensordot(a, b, dims=([1, 0], [0, 2]))", lambda lib, a, b: lib.tensordot(a, b, dims=([1, 0], [0, 2])),
          (normal(2, 3, 4), normal(3, 5, 2))),
    Idiom("lib.tensordot(a, b, dims=0)", lambda lib, a, b: lib.tensordot(a, b, dims=0), (normal(2), normal(3))),
    Idiom("x.trace()", lambda lib, x: x.trace(), (normal(3, 4),)),
    Idiom("lib.trace(x)", lambda lib, x: lib.trace(x), (normal(3, 3),)),
    Idiom("lib.vstack([a, b])", lambda lib, a, b: lib.vstack([a, b]), (normal(3), normal(2, 3))),
    Idiom("lib.hstack([a, b]) 1-D", lambda lib, a, b: lib.hstack([a, b]), (normal(3), normal(2))),
    Idiom("lib.hstack([a, b]) 2-D", lambda lib, a, b: lib.hstack([a, b]), (normal(2, 3), normal(2, 1))),
    Idiom("lib.row_stack, lib.column_stack", lambda lib, a, b: (lib.row_stack([a, b]), lib.column_stack([a, b])),
          (normal(3), normal(3))),
    Idiom("x.deg2rad(), lib.rad2deg(x)", lambda lib, x: (x.deg2rad(), lib.rad2deg(x)), (normal(5),)),
    Idiom("x.repeat_interleave(2)", lambda lib, x: x.repeat_interleave(2), (normal(2, 3),)),
    Idiom("lib.repeat_interleave(x, 3, dim=1)", lambda lib, x: lib.repeat_interleave(x, 3, dim=1), (normal(2, 2),)),
    Idiom("x.repeat_interleave(tensor, dim=0)", lambda lib, x, r: x.repeat_interleave(r, dim=0),
          (normal(3, 2), values([1, 0, 2], np.int64))),
    Idiom("nn.GRUCell(3, 4)(x, h) unbatched", lambda lib, x, h: with_same_weights(lib, lib.nn.GRUCell(3, 4))(x, h),
          (normal(3), normal(4))),
    Idiom("nn.LSTMCell(3, 4)(x) unbatched", lambda lib, x: with_same_weights(lib, lib.nn.LSTMCell(3, 4))(x),
          (normal(3),)),
    Idiom("nn.GRU(3, 4)(x) unbatched", lambda lib, x: with_same_weights(lib, lib.nn.GRU(3, 4))(x), (normal(5, 3),)),
    Idiom("x.norm(p=0)", lambda lib, x: x.norm(p=0), (values([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]]),)),
    Idiom("lib.norm(x, p=0, dim=1)", lambda lib, x: lib.norm(x, p=0, dim=1),
          (values([[0.0, 1.5, -2.0], [0.0, 0.0, 3.0]]),)),
    Idiom("F.cross_entropy(logits, probabilities)", lambda lib, x, p: F(lib).cross_entropy(x, p.softmax(dim=1)),
          (normal(4, 3), normal(4, 3))),
    Idiom("F.cross_entropy(probabilities, label_smoothing, none)",
          lambda lib, x, p: F(lib).cross_entropy(x, p.softmax(dim=1), label_smoothing=0.2, reduction="none"),
          (normal(2, 3, 5), normal(2, 3, 5))),
]


@pytest.mark.parametrize("idiom", IDIOMS, ids=[idiom.code for idiom in IDIOMS])
def test_torch_idiom_gives_torchs_answer(idiom: Idiom) -> None:
    check_idiom(idiom)


def test_writing_into_a_leaf_that_requires_grad_is_refused_as_in_torch():
    x = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf that requires grad"):
        x[0] = 1.0
    with mg.no_grad():
        x[0] = 1.0  # allowed, as torch allows it
    assert x.tolist() == [1.0, 0.0, 0.0]


def test_writing_keeps_the_values_an_earlier_op_saved(device):
    """y = x * w saved w's old values; writing into w afterwards must not change dL/dx."""
    x = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    w = mg.tensor([3.0, 4.0], device=device) * 1
    y = x * w
    w[0] = 100.0
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_index_assignment_is_differentiable_twice():
    x = mg.tensor(np.random.default_rng(0).standard_normal((3, 4)), dtype=mg.float64, requires_grad=True)
    v = mg.tensor(np.random.default_rng(1).standard_normal(4), dtype=mg.float64, requires_grad=True)

    def written(x, v):
        y = x * x
        y[1] = v * v
        return y

    assert mg.gradcheck(written, [x, v]) and mg.gradgradcheck(written, [x, v])


def test_handles_remove_hooks_and_still_call_as_before():
    x = mg.tensor([1.0], requires_grad=True)
    y = x * 2
    remove = y.register_hook(lambda g: g * 10)
    remove()  # the handle, called, removes as the old returned function did
    y.backward()
    assert x.grad.tolist() == [2.0]


def test_device_count_agrees_with_is_available():
    assert (mg.cuda.device_count() > 0) == mg.cuda.is_available()


@pytest.mark.parametrize("op", ["atan2", "cumprod", "index_select", "scatter", "tensordot", "trace",
                                "repeat_interleave", "narrow"])
def test_the_new_ops_pass_gradcheck_on_every_device(op, device):
    rng = np.random.default_rng(0)

    def leaf(*shape):
        return mg.tensor(rng.standard_normal(shape), dtype=mg.float64, device=device, requires_grad=True)

    calls = {
        "atan2": (lambda y, x: mg.atan2(y, x), [leaf(3, 4), leaf(4)]),
        "cumprod": (lambda x: x.cumprod(dim=0), [leaf(4, 3)]),
        "index_select": (lambda x: x.index_select(1, mg.tensor([2, 0, 2], device=x.device)), [leaf(2, 3)]),
        "scatter": (lambda x, s: x.scatter(1, mg.tensor([[0, 2], [1, 1]], device=x.device), s),
                    [leaf(2, 3), leaf(2, 2)]),
        "tensordot": (lambda a, b: mg.tensordot(a, b, dims=([0], [1])), [leaf(3, 2), leaf(4, 3)]),
        "trace": (lambda x: x.trace(), [leaf(3, 3)]),
        "repeat_interleave": (lambda x: x.repeat_interleave(2, dim=1), [leaf(2, 3)]),
        "narrow": (lambda x: x.narrow(0, 1, 2), [leaf(4, 2)]),
    }
    fn, inputs = calls[op]
    assert mg.gradcheck(fn, inputs)
    if device == "cpu":
        assert mg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize(("shape", "to"), [((2, 3, 4), (3, 1)), ((2, 3), (2, 3)), ((4, 1, 3), (1, 1)), ((3,), ())])
def test_sum_to_undoes_broadcast_to(shape, to, device):
    x = mg.tensor(np.random.default_rng(0).standard_normal(shape), dtype=mg.float64, device=device,
                  requires_grad=True)
    summed = mg.functional.sum_to(x, to)
    assert summed.shape == to
    expected = x.numpy().sum(axis=tuple(range(len(shape) - len(to))))
    expected = expected.sum(axis=tuple(i for i, n in enumerate(to) if n == 1), keepdims=True).reshape(to)
    np.testing.assert_allclose(summed.numpy(), expected)
    assert mg.gradcheck(lambda t: mg.functional.sum_to(t, to), [x])
    with pytest.raises(ValueError, match="cannot be summed to"):
        mg.functional.sum_to(x, (5,) * (len(shape) + 1))
