"""The batches of an epoch: which training pairs go together (a function of the seed and the epoch
only, so that a resumed run sees the same batches), and their padded id tensors."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import minigrad as mg
from minigrad import distributed
from models.config import TrainConfig
from models.corpus import Corpus
from models.data import BOS_ID, EOS_ID, pad


@dataclass
class Batch:
    source: mg.Tensor  # (batch, src_len) ids, padded
    target_in: mg.Tensor  # (batch, tgt_len): <bos> y₁ … y_n
    target_out: mg.Tensor  # (batch, tgt_len): y₁ … y_n <eos>
    tokens: int  # real target tokens, for tokens/s


def make_batch(corpus: Corpus, pairs: Sequence[tuple[str, str]], device: str) -> Batch:
    sources = [corpus.encode_source(s) for s, _ in pairs]
    targets = [corpus.target_vocab.encode(t, add_eos=False) for _, t in pairs]
    target_in = pad([[BOS_ID, *t] for t in targets])
    target_out = pad([[*t, EOS_ID] for t in targets])
    as_tensor = lambda rows: mg.tensor(rows, dtype=mg.int64, device=device)  # noqa: E731
    return Batch(as_tensor(pad(sources)), as_tensor(target_in), as_tensor(target_out),
                 sum(len(t) + 1 for t in targets))


BUCKET_BATCHES = 50  # bucketing sorts pools of this many batches' worth of pairs by length


def epoch_order(count: int, seed: int, epoch: int) -> list[int]:
    """The order of the training pairs in ``epoch``: a function of (seed, epoch) only."""
    order = list(range(count))
    random.Random(seed * 100_003 + epoch).shuffle(order)
    return order


def epoch_batches(corpus: Corpus, config: TrainConfig, epoch: int) -> list[list[int]]:
    """The batches of ``epoch``, as lists of training-pair indices: a function of (seed, epoch) only.

    With ``config.bucket``, the shuffled pairs are cut into pools of ``BUCKET_BATCHES`` batches,
    each pool is sorted by source length and cut into batches, and the batches are shuffled:
    a batch then holds sentences of about one length, so little of it is padding, and the
    encoder runs as many steps as its sentences need rather than as the longest of 128 random
    ones. Without it, batches are consecutive runs of the shuffled pairs.
    """
    order = epoch_order(len(corpus.train), config.seed, epoch)
    size = config.batch_size
    if config.bucket:
        pool_size = size * BUCKET_BATCHES
        lengths = [len(corpus.encode_source(source)) for source, _ in corpus.train]
        order = [i for begin in range(0, len(order), pool_size)
                 for i in sorted(order[begin:begin + pool_size], key=lengths.__getitem__)]
    chunks = [order[begin:begin + size] for begin in range(0, len(order), size)]
    if config.bucket:
        random.Random(f"batches {config.seed} {epoch}").shuffle(chunks)  # a stream of its own
    return chunks


def batches(corpus: Corpus, config: TrainConfig, epoch: int, start: int = 0,
            world: distributed.World | None = None) -> Iterator[Batch | None]:
    """The batches of ``epoch`` from ``start``; under mpiexec, this process's share of each (None: empty)."""
    for chunk in epoch_batches(corpus, config, epoch)[start:]:
        share = distributed.shard(chunk, world) if world else chunk
        yield make_batch(corpus, [corpus.train[i] for i in share], config.device) if share else None

