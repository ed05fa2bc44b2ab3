"""minigrad.utils.data (issue 24): Dataset, TensorDataset, Subset, random_split, DataLoader, as torch's."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import torch

import minigrad as mg
from minigrad.utils.data import DataLoader, Dataset, TensorDataset, default_collate, random_split


def examples(lib):
    return lib.utils.data.TensorDataset(lib.arange(10).reshape(10, 1) * 1.0, lib.arange(10))


@pytest.mark.parametrize(("batch_size", "drop_last"), [(3, False), (3, True), (5, False), (1, True), (20, False)])
def test_batches_in_order_are_torchs(batch_size, drop_last):
    ours = list(DataLoader(examples(mg), batch_size=batch_size, drop_last=drop_last))
    theirs = list(torch.utils.data.DataLoader(examples(torch), batch_size=batch_size, drop_last=drop_last))
    assert len(ours) == len(theirs) == len(DataLoader(examples(mg), batch_size=batch_size, drop_last=drop_last))
    for (x, y), (tx, ty) in zip(ours, theirs):
        assert x.shape == tuple(tx.shape) and x.dtype == mg.float32
        assert y.tolist() == ty.tolist() and y.dtype == mg.int64


def test_shuffle_visits_every_example_once_per_pass_in_a_new_order_that_manual_seed_repeats():
    loader = DataLoader(examples(mg), batch_size=4, shuffle=True)
    mg.manual_seed(3)
    first = [i for _, y in loader for i in y.tolist()]
    second = [i for _, y in loader for i in y.tolist()]
    mg.manual_seed(3)
    again = [i for _, y in loader for i in y.tolist()]
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != second and first == again


def test_random_split_gives_torchs_lengths_and_disjoint_parts():
    for lengths in ([0.7, 0.3], [0.34, 0.33, 0.33], [6, 4]):
        ours = random_split(examples(mg), lengths)
        theirs = torch.utils.data.random_split(examples(torch), lengths)
        assert [len(part) for part in ours] == [len(part) for part in theirs]
        seen = [int(part[i][1].item()) for part in ours for i in range(len(part))]
        assert sorted(seen) == list(range(10))
    with pytest.raises(ValueError, match="do not add up"):
        random_split(examples(mg), [3, 3])


def test_a_dataset_of_dicts_and_numbers_collates_field_by_field():
    class Squares(Dataset):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, i: int) -> dict:
            return {"x": mg.tensor([float(i), float(i * i)]), "label": i % 2}

    batch = next(iter(DataLoader(Squares(), batch_size=4)))
    assert batch["x"].shape == (4, 2) and batch["label"].tolist() == [0, 1, 0, 1]
    assert default_collate([(1.0, mg.ones(2)), (2.0, mg.zeros(2))])[1].shape == (2, 2)


def test_tensor_dataset_refuses_tensors_of_different_lengths():
    with pytest.raises(ValueError, match="share their first axis"):
        TensorDataset(mg.zeros(3, 2), mg.zeros(4))


def test_a_training_loop_over_a_data_loader_learns():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], dtype=np.float32))[:, None]
    model = mg.nn.Linear(3, 1)
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(mg.tensor(x), mg.tensor(y)), batch_size=16, shuffle=True, num_workers=2)
    for _ in range(30):
        for inputs, targets in loader:
            loss = mg.nn.functional.mse_loss(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    assert loss.item() < 1e-3
