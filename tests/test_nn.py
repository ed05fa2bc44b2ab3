"""minigrad.nn: Module bookkeeping (names, order, state dicts, devices, modes) and the basic layers.

Every layer is checked against torch.nn with the same weights (outputs and gradients), and its
backward against central differences.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
from minigrad import nn

TOL = {"rtol": 1e-5, "atol": 1e-5}


# --- helpers: torch twins and gradient checks --------------------------------------------


def to_torch(x: mg.Tensor, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(x.numpy(), requires_grad=requires_grad)


def copy_into_torch(module: nn.Module, twin: torch.nn.Module) -> None:
    """Give the torch twin our weights (the names and layouts are the same)."""
    twin.load_state_dict({name: to_torch(value) for name, value in module.state_dict().items()})


def compare_with_torch(layer: nn.Module, twin: torch.nn.Module, x: mg.Tensor, rtol: float, atol: float) -> None:
    """Outputs and input gradients of ``layer`` and its torch twin agree, for a random upstream gradient."""
    y = layer(x)
    upstream = mg.randn(*y.shape, device=x.device)
    (y * upstream).sum().backward()
    x_twin = to_torch(x, requires_grad=True)
    y_twin = twin(x_twin)
    (y_twin * to_torch(upstream)).sum().backward()
    np.testing.assert_allclose(y.numpy(), y_twin.detach().numpy(), **TOL)
    np.testing.assert_allclose(x.grad.numpy(), x_twin.grad.numpy(), rtol=rtol, atol=atol)


def assert_grads_match(module: nn.Module, twin: torch.nn.Module) -> None:
    twin_parameters = dict(twin.named_parameters())
    for name, parameter in module.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), twin_parameters[name].grad.numpy(), **TOL,
                                   err_msg=f"gradient of {name}")


@contextlib.contextmanager
def parameters_replaced(module: nn.Module, names: Sequence[str], values: Sequence[mg.Tensor]) -> Iterator[None]:
    """Run the module with other tensors in place of its parameters (for gradcheck)."""
    owners = []
    for name in names:
        *path, attribute = name.split(".")
        owner = module
        for step in path:
            owner = getattr(owner, step)
        owners.append((owner, attribute, owner._parameters[attribute]))
    for (owner, attribute, _), value in zip(owners, values):
        owner._parameters[attribute] = value
    try:
        yield
    finally:
        for owner, attribute, original in owners:
            owner._parameters[attribute] = original


def gradcheck_module(module: nn.Module, inputs: Sequence[mg.Tensor], **kwargs: object) -> bool:
    """gradcheck with respect to the inputs that require grad and every parameter of ``module``."""
    names, parameters = zip(*module.named_parameters())
    count = len(inputs)

    def run(*args: mg.Tensor) -> mg.Tensor:
        with parameters_replaced(module, names, args[count:]):
            return module(*args[:count], **kwargs)

    return mg.gradcheck(run, [*inputs, *parameters])


class Tiny(nn.Module):
    """A small model that uses every kind of registration."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(5, 3, padding_idx=0)
        self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 2, bias=False)])
        self.scale = nn.Parameter(mg.ones(1))
        self.drop = nn.Dropout(0.5)
        self.norm = nn.LayerNorm(2)

    def forward(self, tokens: mg.Tensor) -> mg.Tensor:
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x).tanh()
        return self.norm(self.drop(x) * self.scale)


class TorchTiny(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(5, 3, padding_idx=0)
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(3, 3), torch.nn.Linear(3, 2, bias=False)])
        self.scale = torch.nn.Parameter(torch.ones(1))
        self.drop = torch.nn.Dropout(0.5)
        self.norm = torch.nn.LayerNorm(2)


# --- Module: registration and names --------------------------------------------------------


def test_named_parameters_follow_pytorch_names_and_order() -> None:
    names = [name for name, _ in Tiny().named_parameters()]
    assert names == [name for name, _ in TorchTiny().named_parameters()]
    assert names == ["scale", "embed.weight", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
                     "norm.weight", "norm.bias"]


def test_parameters_carry_their_dotted_names() -> None:
    model = Tiny()
    assert all(parameter.name == name for name, parameter in model.named_parameters())


def test_parameters_are_leaves_that_require_grad() -> None:
    for parameter in Tiny().parameters():
        assert isinstance(parameter, nn.Parameter) and isinstance(parameter, mg.Tensor)
        assert parameter.is_leaf and parameter.requires_grad


def test_children_and_modules_in_order() -> None:
    model = Tiny()
    assert [name for name, _ in model.named_children()] == ["embed", "blocks", "drop", "norm"]
    assert [type(m).__name__ for m in model.children()] == ["Embedding", "ModuleList", "Dropout", "LayerNorm"]
    assert [name for name, _ in model.named_modules()] == ["", "embed", "blocks", "blocks.0", "blocks.1",
                                                           "drop", "norm"]
    assert len(list(model.modules())) == 7


def test_a_shared_parameter_is_learned_once_but_saved_under_each_name() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[1].weight = model[0].weight
    assert len(list(model.parameters())) == 3
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_assigning_a_plain_tensor_to_a_parameter_is_an_error() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="wrap it in nn.Parameter"):
        layer.weight = mg.zeros(2, 2)
    layer.bias = None  # allowed: no bias from now on
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_forgetting_super_init_is_named() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.weight = nn.Parameter(mg.ones(2))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_parameter_list_and_sequential() -> None:
    holder = nn.Module()
    holder.weights = nn.ParameterList([nn.Parameter(mg.ones(2)), nn.Parameter(mg.zeros(3))])
    assert [name for name, _ in holder.named_parameters()] == ["weights.0", "weights.1"]
    assert len(holder.weights) == 2 and holder.weights[1].shape == (3,)
    stack = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    assert stack(mg.randn(5, 3)).shape == (5, 2)


# --- Module: state dicts ---------------------------------------------------------------------


def test_state_dict_round_trip_reproduces_the_model() -> None:
    source = Tiny().eval()
    target = Tiny().eval()  # the seeded stream has moved on: different weights
    tokens = mg.tensor([[1, 2, 0], [4, 3, 2]])
    assert not np.allclose(source(tokens).numpy(), target(tokens).numpy())
    state = source.state_dict()
    assert list(state) == [name for name, _ in source.named_parameters()]
    assert all(not value.requires_grad and value.is_leaf for value in state.values())
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(source(tokens).numpy(), target(tokens).numpy())
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in target.parameters())


def test_load_state_dict_reports_every_problem_at_once() -> None:
    model = Tiny()
    before = {name: value.numpy() for name, value in model.state_dict().items()}
    state = {name: value.numpy() for name, value in Tiny().state_dict().items()}
    del state["blocks.0.bias"], state["norm.weight"]
    state["head.weight"] = np.zeros((2, 2), dtype=np.float32)
    state["blocks.1.weight"] = np.zeros((3, 3), dtype=np.float32)
    with pytest.raises(RuntimeError) as caught:
        model.load_state_dict(state)
    message = str(caught.value)
    for expected in ("missing keys (2): blocks.0.bias, norm.weight", "unexpected keys (1): head.weight",
                     "shape mismatches (1)", "blocks.1.weight: the state dict has (3, 3), the model (2, 3)"):
        assert expected in message
    for name, value in model.state_dict().items():  # nothing was loaded
        np.testing.assert_array_equal(value.numpy(), before[name])


def test_load_state_dict_non_strict_returns_what_did_not_match() -> None:
    model = Tiny()
    state = model.state_dict()
    del state["scale"]
    state["extra"] = mg.ones(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["scale"] and result.unexpected_keys == ["extra"]
    state["embed.weight"] = mg.ones(2, 2)
    with pytest.raises(RuntimeError, match="embed.weight"):  # a wrong shape is never fine
        model.load_state_dict(state, strict=False)


# --- Module: devices, modes, gradients, printing --------------------------------------------


def test_to_moves_parameters_in_place(device: str) -> None:
    model = Tiny()
    before = list(model.parameters())
    assert model.to(device) is model
    after = list(model.parameters())
    assert all(a is b for a, b in zip(before, after))
    assert all(p.device == device and p.is_leaf and p.requires_grad for p in after)
    model(mg.tensor([[1, 2, 0]], device=device)).sum().backward()
    assert all(p.grad.device == device for p in model.parameters())
    model.to("cpu", dtype=mg.float64)
    assert all(p.device == "cpu" and p.dtype == mg.float64 for p in model.parameters())
    assert all(p.grad.dtype == mg.float64 for p in model.parameters())


def test_train_and_eval_reach_every_module() -> None:
    model = Tiny()
    assert all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_forgets_gradients() -> None:
    model = Tiny()
    model(mg.tensor([[1, 2]])).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_repr_reads_like_pytorch_with_parameter_counts() -> None:
    assert repr(Tiny()) == (
        "Tiny(  # 38 parameters\n"
        "  (embed): Embedding(5, 3, padding_idx=0)  # 15 parameters\n"
        "  (blocks): ModuleList(  # 18 parameters\n"
        "    (0): Linear(in_features=3, out_features=3, bias=True)  # 12 parameters\n"
        "    (1): Linear(in_features=3, out_features=2, bias=False)  # 6 parameters\n"
        "  )\n"
        "  (drop): Dropout(p=0.5)\n"
        "  (norm): LayerNorm(2, eps=1e-05, elementwise_affine=True)  # 4 parameters\n"
        ")"
    )
    assert Tiny().num_parameters() == sum(p.numel() for p in TorchTiny().parameters())


# --- Linear ------------------------------------------------------------------------------------


def test_linear_matches_torch(device: str) -> None:
    layer, twin = nn.Linear(4, 3, device=device), torch.nn.Linear(4, 3)
    copy_into_torch(layer, twin)
    compare_with_torch(layer, twin, mg.randn(2, 5, 4, device=device, requires_grad=True), **TOL)
    assert_grads_match(layer, twin)


def test_linear_gradcheck() -> None:
    assert gradcheck_module(nn.Linear(3, 2), [mg.randn(4, 3, requires_grad=True)])
    assert gradcheck_module(nn.Linear(3, 2, bias=False), [mg.randn(2, 2, 3, requires_grad=True)])


def test_linear_init_is_pytorchs_uniform_and_seeded() -> None:
    mg.manual_seed(1)
    layer = nn.Linear(400, 300)
    bound = 1 / 20
    weight = layer.weight.numpy()
    assert weight.shape == (300, 400) and layer.bias.shape == (300,)
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound
    assert abs(weight.mean()) < 1e-3 and abs(weight.std() - bound / np.sqrt(3)) < 1e-3
    mg.manual_seed(1)
    np.testing.assert_array_equal(nn.Linear(400, 300).weight.numpy(), weight)


def test_linear_dtype_and_wrong_input() -> None:
    layer = nn.Linear(3, 2, dtype=mg.float64)
    assert layer.weight.dtype == mg.float64 and layer.bias.dtype == mg.float64
    with pytest.raises(ValueError, match=r"Linear: expected input of shape \(\.\.\., 3\), got \(2, 4\)"):
        layer(mg.randn(2, 4, dtype=mg.float64))


# --- Embedding -----------------------------------------------------------------------------------


def test_embedding_matches_torch_and_padding_row_gets_no_gradient(device: str) -> None:
    layer, twin = nn.Embedding(6, 4, padding_idx=1, device=device), torch.nn.Embedding(6, 4, padding_idx=1)
    np.testing.assert_array_equal(layer.weight.numpy()[1], 0.0)  # the padding row starts at zero
    copy_into_torch(layer, twin)
    tokens = mg.tensor([[2, 1, 5, 2], [1, 1, 0, 3]], device=device)
    upstream = mg.randn(2, 4, 4, device=device)
    y = layer(tokens)
    (y * upstream).sum().backward()
    y_twin = twin(to_torch(tokens))
    (y_twin * to_torch(upstream)).sum().backward()
    np.testing.assert_allclose(y.numpy(), y_twin.detach().numpy(), **TOL)
    assert_grads_match(layer, twin)
    np.testing.assert_array_equal(layer.weight.grad.numpy()[1], 0.0)
    np.testing.assert_allclose(layer.weight.grad.numpy()[2], (upstream[0, 0] + upstream[0, 3]).numpy(), **TOL)


def test_embedding_init_and_lists_of_indices() -> None:
    mg.manual_seed(3)
    layer = nn.Embedding(1000, 50)
    weight = layer.weight.numpy()
    assert abs(weight.mean()) < 0.01 and abs(weight.std() - 1) < 0.01  # N(0, 1), as in PyTorch
    np.testing.assert_array_equal(layer([3, 7]).numpy(), weight[[3, 7]])


def test_embedding_index_out_of_range_names_index_and_rows() -> None:
    layer = nn.Embedding(10, 2)
    with pytest.raises(IndexError, match=r"index 12 .*10 rows"):
        layer(mg.tensor([1, 12]))
    with pytest.raises(ValueError, match="padding_idx 10 is out of range for 10 rows"):
        nn.Embedding(10, 2, padding_idx=10)


def test_embedding_gradcheck() -> None:
    # (with padding_idx the check would fail on purpose: that row's gradient is held at zero)
    assert gradcheck_module(nn.Embedding(4, 3), [mg.tensor([[0, 1, 3], [3, 3, 2]])])


# --- Dropout -------------------------------------------------------------------------------------


def test_dropout_zeroes_and_rescales_in_training_only() -> None:
    layer = nn.Dropout(0.25)
    x = mg.ones(200, 100)
    y = layer(x).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


# --- LayerNorm -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [4, (3, 4)])
def test_layer_norm_matches_torch(device: str, shape: int | tuple[int, ...]) -> None:
    layer, twin = nn.LayerNorm(shape, device=device), torch.nn.LayerNorm(shape)
    with mg.no_grad():  # move away from ones/zeros so that weight and bias matter
        layer.weight.data = (layer.weight + mg.randn(*layer.weight.shape, device=device)).data
        layer.bias.data = mg.randn(*layer.bias.shape, device=device).data
    copy_into_torch(layer, twin)
    compare_with_torch(layer, twin, mg.randn(2, 3, 4, device=device, requires_grad=True), rtol=1e-4, atol=1e-5)
    assert_grads_match(layer, twin)


def test_layer_norm_gradcheck_and_shape_error() -> None:
    layer = nn.LayerNorm(3)
    assert gradcheck_module(layer, [mg.randn(2, 3, requires_grad=True)])
    with pytest.raises(ValueError, match=r"LayerNorm: expected input of shape \(\.\.\., 3\), got \(2, 4\)"):
        layer(mg.randn(2, 4))
