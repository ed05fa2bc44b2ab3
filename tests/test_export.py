"""Trained weights go to PyTorch and come back unchanged (export_torch_state_dict)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


class Tagger(nn.Module):
    """Embedding → bidirectional 2-layer LSTM → Linear, with PyTorch's module names."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(11, 6)
        self.lstm = nn.LSTM(6, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.output = nn.Linear(10, 4)

    def forward(self, tokens: mg.Tensor) -> mg.Tensor:
        states, _ = self.lstm(self.embedding(tokens))
        return self.output(states)


class TorchTagger(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = torch.nn.Embedding(11, 6)
        self.lstm = torch.nn.LSTM(6, 5, num_layers=2, bidirectional=True, batch_first=True)
        self.output = torch.nn.Linear(10, 4)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.output(self.lstm(self.embedding(tokens))[0])


def test_export_loads_into_torch_and_computes_the_same() -> None:
    mg.manual_seed(0)
    model = Tagger()
    exported = nn.export_torch_state_dict(model)
    assert all(isinstance(array, np.ndarray) for array in exported.values())
    twin = TorchTagger()
    twin.load_state_dict({name: torch.from_numpy(array) for name, array in exported.items()}, strict=True)

    tokens = np.random.default_rng(0).integers(0, 11, size=(3, 7))
    ours = model(mg.tensor(tokens)).numpy()
    theirs = twin(torch.from_numpy(tokens)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_round_trip_through_torch_leaves_every_weight_unchanged() -> None:
    mg.manual_seed(1)
    model = Tagger()
    twin = TorchTagger()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in nn.export_torch_state_dict(model).items()})
    back = Tagger()
    back.load_state_dict(twin.state_dict())
    for (name, a), (_, b) in zip(model.state_dict().items(), back.state_dict().items()):
        assert (a.numpy() == b.numpy()).all(), name


def test_the_export_is_a_copy_on_the_host() -> None:
    model = Tagger().to("strict")
    exported = nn.export_torch_state_dict(model)
    exported["output.bias"][:] = 42.0
    assert not (model.output.bias.numpy() == 42.0).any()
