"""The GRU: torch's layout and equations, every gradient checked against central differences and torch."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
from minigrad import nn
from minigrad.nn.gru import gru_step


def copy_from_torch(ours: nn.Module, twin: torch.nn.Module, device: str = "cpu") -> None:
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in twin.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    ours.to(device)


def test_gru_parameters_have_torchs_names_shapes_and_order() -> None:
    ours = nn.GRU(5, 4, num_layers=2, bidirectional=True)
    twin = torch.nn.GRU(5, 4, num_layers=2, bidirectional=True)
    assert [(name, p.shape) for name, p in ours.named_parameters()] == \
           [(name, tuple(p.shape)) for name, p in twin.named_parameters()]
    assert [(name, p.shape) for name, p in nn.GRUCell(3, 2).named_parameters()] == \
           [(name, tuple(p.shape)) for name, p in torch.nn.GRUCell(3, 2).named_parameters()]


@pytest.mark.parametrize("options", [{}, {"batch_first": True}, {"num_layers": 2, "bidirectional": True},
                                     {"bias": False}], ids=["default", "batch_first", "2 layers, bidirectional",
                                                            "no bias"])
def test_gru_matches_torch_on_outputs_state_and_every_gradient(options: dict, device: str) -> None:
    torch.manual_seed(0)
    twin = torch.nn.GRU(3, 4, **options)
    ours = nn.GRU(3, 4, **options)
    copy_from_torch(ours, twin, device)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 3) if options.get("batch_first") else (5, 2, 3)).astype(np.float32)
    x_mg, x_torch = mg.tensor(x, device=device, requires_grad=True), torch.tensor(x, requires_grad=True)
    (out, h), (out_t, h_t) = ours(x_mg), twin(x_torch)
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), h_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    (out.sum() + (h * h).sum()).backward()
    (out_t.sum() + (h_t * h_t).sum()).backward()
    np.testing.assert_allclose(x_mg.grad.numpy(), x_torch.grad.numpy(), rtol=1e-4, atol=1e-5)
    twin_parameters = dict(twin.named_parameters())
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), twin_parameters[name].grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_gru_padding_carries_the_state_as_torchs_packed_sequences() -> None:
    rnn = torch.nn.utils.rnn
    pack_padded_sequence, pad_packed_sequence = rnn.pack_padded_sequence, rnn.pad_packed_sequence
    torch.manual_seed(0)
    twin = torch.nn.GRU(3, 4, bidirectional=True, batch_first=True)
    ours = nn.GRU(3, 4, bidirectional=True, batch_first=True)
    copy_from_torch(ours, twin)
    x = np.random.default_rng(1).standard_normal((3, 5, 3)).astype(np.float32)
    lengths = [5, 2, 4]
    out, h = ours(mg.tensor(x), lengths=lengths)
    packed = pack_padded_sequence(torch.tensor(x), torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    packed_out, h_t = twin(packed)
    out_t, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=5)
    np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), h_t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_gru_cell_backward_agrees_with_central_differences_to_second_order() -> None:
    cell = nn.GRUCell(3, 2, dtype=mg.float64)
    x = mg.randn(2, 3, dtype=mg.float64, requires_grad=True)
    h = mg.randn(2, 2, dtype=mg.float64, requires_grad=True)
    assert mg.gradcheck(lambda x, h, w_ih, w_hh: _cell_with(cell, w_ih, w_hh)(x, h),
                        [x, h, cell.weight_ih, cell.weight_hh])
    assert mg.gradgradcheck(lambda x, h: cell(x, h), [x, h])


def _cell_with(cell: nn.GRUCell, weight_ih: mg.Tensor, weight_hh: mg.Tensor):
    """The cell's step with the weights as arguments, so that gradcheck varies them too."""

    def run(x: mg.Tensor, h: mg.Tensor) -> mg.Tensor:
        return gru_step(x @ weight_ih.T + cell.bias_ih, h, weight_hh, cell.bias_hh)

    return run


def test_gru_refuses_wrong_shapes_with_a_clear_message() -> None:
    gru = nn.GRU(3, 4)
    with pytest.raises(ValueError, match=r"GRU: expected input of shape \(seq, batch, 3\) or \(seq, 3\), got \(5, 2\)"):
        gru(mg.randn(5, 2))
    with pytest.raises(ValueError, match=r"GRU: expected h_0 of shape .* = \(1, 2, 4\), got \(1, 3, 4\)"):
        gru(mg.randn(5, 2, 3), mg.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"GRUCell: expected input of shape \(batch, 3\), got \(2, 4\)"):
        nn.GRUCell(3, 4)(mg.randn(2, 4))


def test_gru_repr_names_what_differs_from_torchs_defaults() -> None:
    assert repr(nn.GRU(3, 4)) == "GRU(3, 4)  # 108 parameters"
    assert repr(nn.GRU(3, 4, batch_first=True, num_layers=2)) == \
        "GRU(3, 4, num_layers=2, batch_first=True)  # 228 parameters"
