"""Data sets and their batches, as ``torch.utils.data`` has them: Dataset, TensorDataset, Subset,
random_split, and DataLoader with the default collation (tensors stacked along a new batch axis).

A data set is anything with ``__getitem__(i)`` and ``__len__()``. A DataLoader walks it in order,
or in a random order drawn from minigrad's random stream (``mg.manual_seed`` makes it repeat), and
hands out one batch at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from minigrad import backend
from minigrad.creation import tensor
from minigrad.functional import stack
from minigrad.tensor import Tensor

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]


class Dataset:
    """The base class of a map-style data set: define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not define __len__")


class TensorDataset(Dataset):
    """Example i is (t[i] for each tensor t): the tensors share their first axis."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors or any(len(t) != len(tensors[0]) for t in tensors):
            raise ValueError(f"TensorDataset: the tensors must share their first axis, got shapes "
                             f"{[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _permutation(count: int, generator: Any) -> list[int]:
    """A random order of range(count): from ``generator`` (a NumPy Generator or a seed) if given, else from
    minigrad's own random stream, so that ``mg.manual_seed`` repeats it."""
    if generator is None:
        keys = backend.get_device("cpu").rand((count,), backend.float64)
        return np.argsort(keys, kind="stable").tolist()
    rng = generator if isinstance(generator, np.random.Generator) else np.random.default_rng(generator)
    return rng.permutation(count).tolist()


def random_split(dataset: Any, lengths: Sequence[int | float], generator: Any = None) -> list[Subset]:
    """``dataset`` split at random into parts of the given lengths (or fractions that add up to 1; the
    remainder goes one by one to the first parts, as torch does)."""
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and any(isinstance(n, float) for n in lengths):
        counts = [int(math.floor(total * fraction)) for fraction in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(n) for n in lengths]
    if sum(counts) != total or any(n < 0 for n in counts):
        raise ValueError(f"random_split: lengths {list(lengths)} do not add up to the data set's {total} examples")
    order = _permutation(total, generator)
    parts, start = [], 0
    for n in counts:
        parts.append(Subset(dataset, order[start:start + n]))
        start += n
    return parts


def default_collate(examples: list[Any]) -> Any:
    """A list of examples as one batch: tensors stacked on a new axis 0, numbers made a tensor, and tuples,
    lists and dicts collated field by field."""
    first = examples[0]
    if isinstance(first, Tensor):
        return stack(examples)
    if isinstance(first, (int, float, bool, np.number, np.ndarray)):
        return tensor(np.asarray(examples))
    if isinstance(first, dict):
        return {key: default_collate([example[key] for example in examples]) for key in first}
    if isinstance(first, tuple):
        return tuple(default_collate(list(field)) for field in zip(*examples))
    if isinstance(first, list):
        return [default_collate(list(field)) for field in zip(*examples)]
    return examples


class DataLoader:
    """Batches of ``batch_size`` examples from ``dataset``, reshuffled on each pass when ``shuffle``.

    ``drop_last`` leaves out a last batch that is not full; ``collate_fn`` turns a list of examples
    into a batch (:func:`default_collate`: stacked tensors). ``batch_size=None`` gives examples one by
    one, uncollated. Everything runs in this one process: ``num_workers`` and ``pin_memory`` are
    accepted, as a torch script passes them, and change nothing.
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False, drop_last: bool = False,
                 collate_fn: Callable[[list[Any]], Any] | None = None, generator: Any = None, num_workers: int = 0,
                 pin_memory: bool = False) -> None:
        if num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be >= 0, got {num_workers}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1 (or None), got {batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.generator = np.random.default_rng(generator) if isinstance(generator, int) else generator

    def __iter__(self) -> Iterator[Any]:
        order = _permutation(len(self.dataset), self.generator) if self.shuffle else range(len(self.dataset))
        if self.batch_size is None:
            for i in order:
                yield self.dataset[i]
            return
        order = list(order)
        for start in range(0, len(order), self.batch_size):
            chosen = order[start:start + self.batch_size]
            if len(chosen) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn([self.dataset[i] for i in chosen])

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.dataset)
        whole, rest = divmod(len(self.dataset), self.batch_size)
        return whole + (1 if rest and not self.drop_last else 0)
