"""LSTMCell and LSTM: PyTorch's weights load as they are and give PyTorch's outputs and gradients,
padding leaves final states alone, and the backward passes gradcheck.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
from minigrad import nn

TOL = {"rtol": 1e-5, "atol": 1e-5}


def to_torch(x: mg.Tensor, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(x.numpy(), requires_grad=requires_grad)


def load_from_torch(module: nn.Module, twin: torch.nn.Module) -> None:
    module.load_state_dict({name: value.numpy() for name, value in twin.state_dict().items()})


def assert_close(ours: mg.Tensor, theirs: torch.Tensor, what: str) -> None:
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL, err_msg=what)


def assert_grads_match(module: nn.Module, twin: torch.nn.Module) -> None:
    twin_parameters = dict(twin.named_parameters())
    for name, parameter in module.named_parameters():
        assert_close(parameter.grad, twin_parameters[name].grad, f"gradient of {name}")


def weighted_sum(tensors: list, seed: int = 5) -> tuple[mg.Tensor, torch.Tensor]:
    """Σ uₖ·tensorₖ for fixed random uₖ, for pairs (ours, theirs): a loss that reaches every output."""
    rng = np.random.default_rng(seed)
    ours, theirs = 0.0, 0.0
    for mine, twin in tensors:
        weights = rng.standard_normal(mine.shape).astype(np.float32)
        ours = ours + (mine * mg.tensor(weights, device=mine.device)).sum()
        theirs = theirs + (twin * torch.tensor(weights)).sum()
    return ours, theirs


def gradcheck_module(module: nn.Module, inputs: list, **kwargs: object) -> bool:
    """gradcheck with respect to the inputs that require grad and every parameter of ``module``."""
    named = list(module.named_parameters())
    count = len(inputs)

    def run(*args: mg.Tensor) -> tuple[mg.Tensor, ...]:
        originals = dict(module._parameters)
        module._parameters.update({name: value for (name, _), value in zip(named, args[count:])})
        try:
            outputs, (h_n, c_n) = module(*args[:count], **kwargs)
        finally:
            module._parameters.update(originals)
        return outputs, h_n, c_n

    return mg.gradcheck(run, [*inputs, *(parameter for _, parameter in named)])


# --- LSTMCell ----------------------------------------------------------------------------------


def test_lstm_cell_matches_torch(device: str) -> None:
    cell, twin = nn.LSTMCell(3, 4, device=device), torch.nn.LSTMCell(3, 4)
    assert [name for name, _ in cell.named_parameters()] == [name for name, _ in twin.named_parameters()]
    load_from_torch(cell, twin)
    x = mg.randn(2, 3, device=device, requires_grad=True)
    h = mg.randn(2, 4, device=device, requires_grad=True)
    c = mg.randn(2, 4, device=device, requires_grad=True)
    x_twin, h_twin, c_twin = (to_torch(t, requires_grad=True) for t in (x, h, c))
    h_new, c_new = cell(x, (h, c))
    h_new_twin, c_new_twin = twin(x_twin, (h_twin, c_twin))
    ours, theirs = weighted_sum([(h_new, h_new_twin), (c_new, c_new_twin)])
    ours.backward()
    theirs.backward()
    for name, mine, other in [("h'", h_new, h_new_twin), ("c'", c_new, c_new_twin), ("dx", x.grad, x_twin.grad),
                              ("dh", h.grad, h_twin.grad), ("dc", c.grad, c_twin.grad)]:
        assert_close(mine, other, name)
    assert_grads_match(cell, twin)


def test_lstm_cell_starts_from_zeros_and_gradchecks() -> None:
    cell = nn.LSTMCell(2, 3)
    x = mg.randn(4, 2)
    h, c = cell(x)
    h_zero, c_zero = cell(x, (mg.zeros(4, 3), mg.zeros(4, 3)))
    np.testing.assert_array_equal(h.numpy(), h_zero.numpy())
    named = list(cell.named_parameters())

    def run(x: mg.Tensor, h: mg.Tensor, c: mg.Tensor, *parameters: mg.Tensor) -> tuple[mg.Tensor, mg.Tensor]:
        originals = dict(cell._parameters)
        cell._parameters.update({name: value for (name, _), value in zip(named, parameters)})
        try:
            return cell(x, (h, c))
        finally:
            cell._parameters.update(originals)

    inputs = [mg.randn(*shape, requires_grad=True) for shape in [(2, 2), (2, 3), (2, 3)]]
    assert mg.gradcheck(run, [*inputs, *(parameter for _, parameter in named)])


def test_lstm_cell_shape_errors() -> None:
    cell = nn.LSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 3\), got \(2, 5\)"):
        cell(mg.randn(2, 5))
    with pytest.raises(ValueError, match=r"expected h and c of shape \(2, 4\)"):
        cell(mg.randn(2, 3), (mg.zeros(2, 3), mg.zeros(2, 3)))


# --- LSTM: PyTorch's layout, outputs and gradients ------------------------------------------


def test_lstm_parameters_have_pytorchs_names_shapes_and_order() -> None:
    ours = nn.LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True)
    twin = torch.nn.LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True)
    assert [(name, p.shape) for name, p in ours.named_parameters()] == \
           [(name, tuple(p.shape)) for name, p in twin.named_parameters()]


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
def test_lstm_loads_a_torch_state_dict_and_matches_outputs_states_and_all_gradients(fused: bool) -> None:
    twin = torch.nn.LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True)
    lstm = nn.LSTM(5, 4, num_layers=2, bidirectional=True, batch_first=True, fused=fused)
    lstm.load_state_dict(twin.state_dict())  # torch tensors load as they are
    x = mg.randn(3, 6, 5, requires_grad=True)
    h_0, c_0 = mg.randn(4, 3, 4, requires_grad=True), mg.randn(4, 3, 4, requires_grad=True)
    x_twin, h_0_twin, c_0_twin = (to_torch(t, requires_grad=True) for t in (x, h_0, c_0))
    outputs, (h_n, c_n) = lstm(x, (h_0, c_0))
    outputs_twin, (h_n_twin, c_n_twin) = twin(x_twin, (h_0_twin, c_0_twin))
    assert outputs.shape == (3, 6, 8) and h_n.shape == c_n.shape == (4, 3, 4)
    ours, theirs = weighted_sum([(outputs, outputs_twin), (h_n, h_n_twin), (c_n, c_n_twin)])
    ours.backward()
    theirs.backward()
    for name, mine, other in [("outputs", outputs, outputs_twin), ("h_n", h_n, h_n_twin), ("c_n", c_n, c_n_twin),
                              ("dx", x.grad, x_twin.grad), ("dh_0", h_0.grad, h_0_twin.grad),
                              ("dc_0", c_0.grad, c_0_twin.grad)]:
        assert_close(mine, other, name)
    assert_grads_match(lstm, twin)


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
def test_lstm_time_major_and_without_bias_match_torch(device: str, fused: bool) -> None:
    twin = torch.nn.LSTM(3, 2, bias=False, bidirectional=True)
    lstm = nn.LSTM(3, 2, bias=False, bidirectional=True, batch_first=False, device=device, fused=fused)
    load_from_torch(lstm, twin)
    x = mg.randn(5, 2, 3, device=device)  # (seq, batch, input)
    outputs, (h_n, _) = lstm(x)
    outputs_twin, (h_n_twin, _) = twin(to_torch(x))
    assert_close(outputs, outputs_twin, "outputs")
    assert_close(h_n, h_n_twin, "h_n")


# --- LSTM: padding -----------------------------------------------------------------------------


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
def test_lstm_lengths_match_torch_packed_sequences(fused: bool) -> None:
    twin = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, fused=fused, batch_first=True)
    load_from_torch(lstm, twin)
    lengths = [5, 2, 4]
    x = mg.randn(3, 5, 3, requires_grad=True)
    x_twin = to_torch(x, requires_grad=True)
    outputs, (h_n, c_n) = lstm(x, lengths=lengths)
    packed = torch.nn.utils.rnn.pack_padded_sequence(x_twin, torch.tensor(lengths), batch_first=True,
                                                     enforce_sorted=False)
    packed_outputs, (h_n_twin, c_n_twin) = twin(packed)
    outputs_twin, _ = torch.nn.utils.rnn.pad_packed_sequence(packed_outputs, batch_first=True, total_length=5)
    ours, theirs = weighted_sum([(outputs, outputs_twin), (h_n, h_n_twin), (c_n, c_n_twin)])
    ours.backward()
    theirs.backward()
    for name, mine, other in [("outputs", outputs, outputs_twin), ("h_n", h_n, h_n_twin), ("c_n", c_n, c_n_twin),
                              ("dx", x.grad, x_twin.grad)]:
        assert_close(mine, other, name)
    assert_grads_match(lstm, twin)
    np.testing.assert_array_equal(outputs.numpy()[1, 2:], 0.0)  # padded positions give zeros


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
def test_padded_positions_do_not_change_the_final_state(device: str, fused: bool) -> None:
    lstm = nn.LSTM(3, 4, bidirectional=True, device=device, fused=fused, batch_first=True)
    x = mg.randn(2, 6, 3, device=device)
    mask = mg.tensor([[True] * 6, [True] * 4 + [False] * 2], device=device)
    garbage = mg.where(mask.reshape(2, 6, 1), x, mg.randn(2, 6, 3, device=device) * 100)
    outputs, (h_n, c_n) = lstm(x, mask=mask)
    outputs_garbage, (h_n_garbage, c_n_garbage) = lstm(garbage, mask=mask)
    for mine, other in [(outputs, outputs_garbage), (h_n, h_n_garbage), (c_n, c_n_garbage)]:
        np.testing.assert_array_equal(mine.numpy(), other.numpy())
    # and the short sequence on its own, unpadded, ends in the same state (both directions)
    alone_outputs, (alone_h, alone_c) = lstm(x[1:, :4])
    np.testing.assert_allclose(h_n.numpy()[:, 1:], alone_h.numpy(), **TOL)
    np.testing.assert_allclose(c_n.numpy()[:, 1:], alone_c.numpy(), **TOL)
    np.testing.assert_allclose(outputs.numpy()[1:, :4], alone_outputs.numpy(), **TOL)


def test_mask_and_lengths_agree() -> None:
    lstm = nn.LSTM(2, 3, bidirectional=True, batch_first=False)
    x = mg.randn(4, 2, 2)  # (seq, batch, input); the mask is (batch, seq) all the same
    with_lengths = lstm(x, lengths=mg.tensor([4, 1]))
    with_mask = lstm(x, mask=[[True, True, True, True], [True, False, False, False]])
    np.testing.assert_array_equal(with_lengths[0].numpy(), with_mask[0].numpy())
    np.testing.assert_array_equal(with_lengths[1][0].numpy(), with_mask[1][0].numpy())


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
def test_lstm_gradcheck_with_padding(fused: bool) -> None:
    lstm = nn.LSTM(2, 2, bidirectional=True, fused=fused, batch_first=True)
    x = mg.randn(2, 3, 2, requires_grad=True)
    assert gradcheck_module(lstm, [x], lengths=[3, 2])


# --- LSTM: devices, dropout, errors ------------------------------------------------------------


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
def test_lstm_gives_the_same_numbers_on_every_device(device: str, fused: bool) -> None:
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, fused=fused, batch_first=True)
    x = mg.randn(2, 5, 3)
    expected, (expected_h, _) = lstm(x, lengths=[5, 3])
    lstm.to(device)
    x = x.to(device).detach().requires_grad_()
    outputs, (h_n, _) = lstm(x, lengths=[5, 3])
    outputs.sum().backward()
    np.testing.assert_allclose(outputs.numpy(), expected.numpy(), **TOL)
    np.testing.assert_allclose(h_n.numpy(), expected_h.numpy(), **TOL)
    assert x.grad.device == device and all(p.grad.device == device for p in lstm.parameters())


def test_lstm_dropout_acts_between_layers_in_training_only() -> None:
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5, batch_first=True)
    x = mg.randn(2, 5, 3)
    first, _ = lstm(x)
    second, _ = lstm(x)
    assert not np.allclose(first.numpy(), second.numpy())
    lstm.eval()
    np.testing.assert_array_equal(lstm(x)[0].numpy(), lstm(x)[0].numpy())


def test_lstm_errors_name_expected_and_actual_shapes() -> None:
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, seq, 3\) or \(seq, 3\), got \(5, 2\)"):
        lstm(mg.randn(5, 2))  # (5, 3) is one unbatched sequence, as in torch
    with pytest.raises(ValueError, match=r"expected input of shape \(seq, batch, 3\) or \(seq, 3\), got \(2, 5, 4\)"):
        nn.LSTM(3, 4, batch_first=False)(mg.randn(2, 5, 4))
    with pytest.raises(ValueError, match=r"h_0 and c_0 of shape .* = \(2, 2, 4\), got \(1, 2, 4\)"):
        lstm(mg.randn(2, 5, 3), (mg.zeros(1, 2, 4), mg.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match=r"each in \[0, 5\], got \[5, 6\]"):
        lstm(mg.randn(2, 5, 3), lengths=[5, 6])
    with pytest.raises(ValueError, match=r"padding mask of shape \(batch, seq\) = \(2, 5\), got \(5, 2\)"):
        lstm(mg.randn(2, 5, 3), mask=mg.ones(5, 2, dtype=mg.bool_))


def test_lstm_repr() -> None:
    assert repr(nn.LSTM(3, 4, num_layers=2, bidirectional=True)) == \
        "LSTM(3, 4, num_layers=2, bidirectional=True)  # 736 parameters"
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)  # 144 parameters"
    assert repr(nn.LSTM(3, 4, fused=True)) == "LSTM(3, 4, fused=True)  # 144 parameters"


# --- the fused recurrence against the composed one ------------------------------------------------


def run_both(device: str, seed: int = 0, **options: object) -> list[list[np.ndarray]]:
    """Outputs, final states and every gradient (inputs and parameters) of a fused and a composed twin."""
    padding = options.pop("lengths", None)
    mg.manual_seed(seed)
    fused = nn.LSTM(4, 5, dtype=mg.float64, device=device, fused=True, batch_first=True, **options)
    composed = nn.LSTM(4, 5, dtype=mg.float64, device=device, fused=False, batch_first=True, **options)
    composed.load_state_dict(fused.state_dict())
    states = fused.num_layers * fused.num_directions
    x, h_0, c_0 = (mg.randn(*shape, dtype=mg.float64, device=device)
                   for shape in [(3, 6, 4), (states, 3, 5), (states, 3, 5)])
    results = []
    for lstm in (fused, composed):
        inputs = [t.detach().requires_grad_() for t in (x, h_0, c_0)]
        outputs, (h_n, c_n) = lstm(inputs[0], (inputs[1], inputs[2]), lengths=padding)
        # a loss that weighs every output, the final h and c differently
        loss = (outputs * outputs).sum() + (h_n * 3).sum() + (c_n * c_n * c_n).sum()
        loss.backward()
        results.append([outputs.numpy(), h_n.numpy(), c_n.numpy()] + [t.grad.numpy() for t in inputs]
                       + [p.grad.numpy() for p in lstm.parameters()])
    return results


@pytest.mark.parametrize("options", [
    {}, {"bidirectional": True}, {"num_layers": 2}, {"bias": False},
    {"num_layers": 2, "bidirectional": True, "lengths": [6, 2, 4]},
    {"bidirectional": True, "lengths": [1, 6, 3]},
], ids=["plain", "bidirectional", "two-layers", "no-bias", "everything-padded", "padded"])
def test_fused_and_composed_lstm_agree_on_outputs_states_and_every_gradient(device: str, options: dict) -> None:
    fused, composed = run_both(device, **dict(options))
    for mine, reference in zip(fused, composed, strict=True):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)


def test_composed_lstm_gradgradchecks_inputs_and_states() -> None:
    """Every backward of the composed LSTM is written in tensor ops, so its second derivatives are right too."""
    lstm = nn.LSTM(2, 3, bidirectional=True, batch_first=True, dtype=mg.float64)
    x = mg.randn(2, 3, 2, dtype=mg.float64, requires_grad=True)
    h_0, c_0 = (mg.randn(2, 2, 3, dtype=mg.float64, requires_grad=True) for _ in range(2))
    assert mg.gradgradcheck(lambda x, h, c: lstm(x, (h, c), lengths=[3, 2])[0], [x, h_0, c_0])
    assert mg.gradgradcheck(lambda x: lstm(x)[1][1], [x])  # through the final cell state as well


def test_fused_lstm_recurrence_gradchecks_every_input() -> None:
    from minigrad.fast.lstm import LSTMRecurrence

    rng = np.random.default_rng(3)
    steps, batch, features, hidden = 4, 3, 2, 3

    def tensor(*shape: int) -> mg.Tensor:
        return mg.tensor(rng.standard_normal(shape), dtype=mg.float64, requires_grad=True)

    inputs = [tensor(steps, batch, features), tensor(batch, hidden), tensor(batch, hidden),
              tensor(4 * hidden, features), tensor(4 * hidden, hidden), tensor(4 * hidden)]
    mask = np.array([[1, 1, 1], [1, 0, 1], [1, 0, 1], [0, 0, 1]], dtype=bool).reshape(steps, batch, 1)
    for step_mask in (None, mask):
        for reverse in (False, True):
            assert mg.gradcheck(lambda *args, m=step_mask, r=reverse: LSTMRecurrence.apply(*args, m, r), inputs)


def test_fused_lstm_refuses_a_second_order_gradient_and_says_what_to_use() -> None:
    x = mg.randn(2, 3, 4, requires_grad=True)
    outputs, _ = nn.LSTM(4, 5, fused=True, batch_first=True)(x)
    (grad,) = mg.grad(outputs.sum(), x, create_graph=False)
    assert grad.shape == x.shape
    with pytest.raises(RuntimeError, match=r"fused=False"):
        mg.grad(nn.LSTM(4, 5, fused=True, batch_first=True)(x)[0].sum(), x, create_graph=True)
    outputs, _ = nn.LSTM(4, 5, fused=False, batch_first=True)(x)
    (grad,) = mg.grad(outputs.sum(), x, create_graph=True)
    grad.sum().backward()  # the composed path is twice differentiable


def test_fused_lstm_backward_twice_with_retain_graph_gives_the_same_gradients() -> None:
    lstm = nn.LSTM(3, 4, bidirectional=True, fused=True, batch_first=True)
    x = mg.randn(2, 5, 3, requires_grad=True)
    outputs, (h_n, c_n) = lstm(x, lengths=[5, 3])
    loss = (outputs * outputs).sum() + h_n.sum() + c_n.sum()
    loss.backward(retain_graph=True)
    first = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in lstm.parameters()]
    x.grad = None
    lstm.zero_grad()
    loss.backward()  # the saved arrays were not changed by the first backward
    second = [x.grad.numpy()] + [p.grad.numpy() for p in lstm.parameters()]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
