"""The pairs a run trains on: a built-in task or the user's TSV (models/data.py reads and checks
it), the token level of each side, the split, and the vocabularies built from the training part.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.config import TrainConfig
from models.data import (
    EOS_ID,
    MAX_LINE_BYTES,
    TASKS,
    DataError,
    Vocab,
    check_pairs,
    read_pairs,
    split,
    task_pairs,
)
from models.report import LevelChoice, choose_level, choose_merges, given_level, is_sentences

Pairs = list[tuple[str, str]]


@dataclass
class Corpus:
    """The pairs of a run, split, with the vocabularies built from the training part."""

    train: Pairs
    valid: Pairs
    test: Pairs
    source_vocab: Vocab
    target_vocab: Vocab
    reverse_source: bool = False
    skipped: int = 0
    read: int = 0  # pairs read from the file (or generated), before any was skipped
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    levels: dict[str, LevelChoice] = field(default_factory=dict)  # "source"/"target" → level and why
    sentences: bool = False  # real sentences (scored by chrF and BLEU), not patterns (scored by exact match)
    extra_columns: int = 0  # lines of the file whose columns after the target were ignored
    too_long: dict[int, int] = field(default_factory=dict)  # line → tokens, of pairs longer than the default --max-len

    def encode_source(self, text: str) -> list[int]:
        ids = self.source_vocab.encode(text)
        return ids[-2::-1] + [EOS_ID] if self.reverse_source else ids


def choose_levels(config: TrainConfig, pairs: Pairs, default: str | None = None) -> dict[str, LevelChoice]:
    """The token level of each side: from ``--source-level``/``--target-level``, else ``--level``, else
    ``default`` (a built-in task's own), else chosen from the data (:func:`models.report.choose_level`)."""
    if default and " " in default:  # a task whose sides have levels of their own: "bpe bpe"
        source_default, target_default = default.split()
    else:
        source_default = target_default = default
    levels = {}
    for side, own, texts, default in (("source", config.source_level, [s for s, _ in pairs], source_default),
                                      ("target", config.target_level, [t for _, t in pairs], target_default)):
        if own:
            levels[side] = given_level(own, f"--{side}-level")
        elif config.level:
            levels[side] = given_level(config.level, "--level")
        elif default:
            levels[side] = LevelChoice(default, f"the {config.task} task's own", given=True)
        else:
            levels[side] = choose_level(texts)
    return levels


def load_corpus(config: TrainConfig, leave_out_long: bool = False) -> Corpus:
    """The run's data: a built-in task or the user's TSV, checked, split and with vocabularies.

    A pair of the user's file longer than ``config.max_len`` tokens a side is refused (file and line),
    or with ``leave_out_long`` (``train`` without ``--max-len``; ``evaluate``, which must find the run's
    own split again) left out and counted in ``Corpus.too_long``."""
    too_long: dict[int, int] = {}
    if config.data:
        data = read_pairs(config.data, config.skip_bad_lines, max(MAX_LINE_BYTES, 64 * config.max_len))
        read = len(data.pairs) + sum(data.skipped.values())
        levels = choose_levels(config, data.pairs)
        data = check_pairs(data, levels["source"].level, levels["target"].level, config.max_len,
                           config.skip_bad_lines, leave_out_long)
        pairs, skipped, extra_columns, too_long = data.pairs, data.skipped, data.extra_columns, data.too_long
    else:
        if config.task not in TASKS:
            raise DataError(f"unknown task {config.task!r}; the built-in tasks are {', '.join(TASKS)}")
        pairs, skipped, extra_columns = task_pairs(config.task, config.seed, config.size), {}, 0
        read, levels = len(pairs), choose_levels(config, pairs, TASKS[config.task].level)
    train, valid, test = split(pairs, config.seed, config.valid_fraction, config.test_fraction)
    if not train or not valid:
        raise DataError(f"{len(pairs)} pairs are too few to split into training and validation sets")
    merges = config.bpe_merges or choose_merges([s for s, _ in train], [t for _, t in train])
    source_vocab = Vocab.build([s for s, _ in train], levels["source"].level, merges)
    target_vocab = Vocab.build([t for _, t in train], levels["target"].level, merges)
    sentences = target_vocab.level == "bpe" or is_sentences([t for _, t in train])
    return Corpus(train, valid, test, source_vocab, target_vocab, config.reverse_source, sum(skipped.values()),
                  read, skipped, levels, sentences, extra_columns, too_long)

