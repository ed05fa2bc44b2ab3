"""Training and evaluation of a Seq2Seq: batches, the epoch loop, metrics, checkpoints, resume.

Everything that decides what a run does is derived from its seed: the data (built-in tasks), the
split, the initial weights, the batch order of each epoch (seed and epoch number), and the
dropout stream (whose state goes into every checkpoint). So a run stopped after epoch 1 and
resumed gives the same parameters as one that ran straight through.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import minigrad as mg
from minigrad import CheckpointError, distributed, optim, serialization
from models import checkpoint as schema
from models.data import (
    BOS_ID,
    EOS_ID,
    MAX_LINE_BYTES,
    PAD_ID,
    TASKS,
    DataError,
    Vocab,
    check_pairs,
    pad,
    read_pairs,
    split,
    task_pairs,
)
from models.interrupt import CtrlC, ignoring_ctrl_c
from models.parallel import backward_share
from models.report import LevelChoice, choose_level, choose_merges, given_level, is_sentences
from models.runfolder import BEST, LAST, MAY_CHANGE_ON_RESUME, OLD_LAST, RunFolder, option_differences
from models.seq2seq import Seq2Seq, Translation, build_model

Pairs = list[tuple[str, str]]


@dataclass
class TrainConfig:
    """Everything a training run is built from; stored in its checkpoints."""

    task: str | None = "dates"
    data: str | None = None  # a TSV file of the user's own pairs, instead of a task
    size: int | None = None  # how many pairs a built-in task generates (None: the task's default)
    level: str | None = None  # 'char', 'word' or 'bpe' for both sides (None: chosen per side from the data)
    source_level: str | None = None  # overrides level for the source; a trained run stores its choice here
    target_level: str | None = None
    bpe_merges: int | None = None  # merges a BPE side learns (None: chosen from the data; a run stores its choice)
    decoder: str = "luong"
    score: str | None = None  # None: dot for luong, additive for bahdanau
    embed_size: int = 16
    hidden_size: int = 256
    num_layers: int = 1
    bidirectional: bool = False
    input_feeding: bool = False
    dropout: float = 0.0
    reverse_source: bool = False
    epochs: int = 3
    batch_size: int = 128
    lr: float = 1e-3
    clip: float | None = 5.0  # None: no gradient clipping
    label_smoothing: float = 0.0
    warmup: int = 0  # batches over which the learning rate rises linearly to lr (0: none)
    patience: int | None = None  # stop after this many epochs without a better held-out score (see Corpus.sentences)
    max_minutes: float | None = None  # start no epoch that would end past this many minutes of training
    seed: int = 0
    device: str = "cpu"
    out: str = "runs/dates"
    max_len: int = 100  # tokens a side: longer pairs are refused (or skipped); also the decoding limit
    skip_bad_lines: bool = False
    valid_fraction: float = 0.05
    test_fraction: float = 0.05
    bucket: bool = True  # batch sentences of similar length together (less padding, faster steps)
    lstm: str = "fused"  # "composed" (op by op, as a learner reads it) or "fused" (minigrad.fast: same numbers, faster)
    join: str = "concat"  # how the Luong decoder combines context and state: "concat" or "add"
    model: str = "lstm"  # "lstm" (encoder, attention decoder) or "transformer"
    heads: int = 4  # the Transformer's attention heads
    ff_size: int = 256  # the Transformer's feed-forward width

    def model_config(self) -> dict[str, Any]:
        return {"decoder": self.decoder, "score": self.score, "embed_size": self.embed_size,
                "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "bidirectional": self.bidirectional, "input_feeding": self.input_feeding,
                "dropout": self.dropout, "lstm": self.lstm, "join": self.join, "model": self.model,
                "heads": self.heads, "ff_size": self.ff_size}


# What a Transformer run uses where an option is not given (the LSTM's defaults are TrainConfig's):
# width 64, 2 + 2 layers, dropout 0.1, a higher learning rate reached over a warm-up, 5 epochs; it
# learns the dates more slowly than the LSTM does (measured: docs/cli.md, "The Transformer").
TRANSFORMER_DEFAULTS = {"hidden_size": 64, "num_layers": 2, "dropout": 0.1, "lr": 3e-3, "warmup": 300, "epochs": 5}

# What an LSTM run of a built-in task uses where an option is not given, for the tasks that
# TrainConfig's defaults (chosen on the 45,000 dates) do not fit: 10,000 numbers and 3,000 phrases
# give too few batches at lr 1e-3 (measured, with TrainConfig's defaults: 0.40 % held-out exact
# match after 3 epochs on numbers, 0 % on phrases; with these: 100 % from epoch 2, and 97.44 % from
# epoch 5; docs/cli.md, "What the built-in tasks reach").
TASK_DEFAULTS = {
    "numbers": {"hidden_size": 128, "embed_size": 32, "batch_size": 64, "bidirectional": True, "score": "general",
                "lr": 3e-3},
    "phrases": {"hidden_size": 64, "embed_size": 32, "batch_size": 32, "bidirectional": True, "score": "general",
                "lr": 3e-3, "epochs": 10},
}


# How long a run on a user's file (or on real sentences) trains where no option says: until the held-out
# score has not improved for `patience` epochs, or at most `epochs`, or before an epoch that would end past
# `max_minutes` of training, whichever comes first. The budget is the acceptance check (default
# flags, about 20 minutes on 2 cores): at 10 minutes both eng-kor directions were still rising (docs/cli.md,
# "Real sentences: the eng-kor task"), and patience ends a small data set's run well before the budget.
DATA_BUDGET_MINUTES = 20.0

# What a run on real sentences uses where an option is not given: the built-in sentence tasks (eng-kor,
# kor-eng), and a user's file whose target side reads as sentences (models/report.py). The dates'
# defaults (embeddings of 16, 3 epochs, best on exact match) leave such a model far from trained. Both
# models were measured on eng-kor with a 10-minute budget (docs/cli.md, "Real sentences: the eng-kor
# task"): the Transformer below reached test BLEU 11.2, chrF 18.3, the LSTM below 8.6 and 16.1 (both
# 18.3-18.4 validation chrF at best), so the Transformer is the default and the LSTM what --model lstm
# takes. Training stops when chrF has not improved for 8 epochs (on eng-kor a new best came at most 4
# epochs after the last, and 189 validation sentences make chrF jump by a point or two), after 100 epochs
# (a cap that the budget or the patience reaches first), or within DATA_BUDGET_MINUTES.
SENTENCE_STOPPING: dict[str, Any] = {"epochs": 100, "patience": 8, "max_minutes": DATA_BUDGET_MINUTES}
SENTENCE_DEFAULTS: dict[str, dict[str, Any]] = {
    "transformer": {"model": "transformer", "hidden_size": 128, "ff_size": 512, "num_layers": 2, "heads": 4,
                    "dropout": 0.3, "label_smoothing": 0.1, "lr": 3e-3, "warmup": 300, "batch_size": 32,
                    **SENTENCE_STOPPING},
    "lstm": {"model": "lstm", "hidden_size": 256, "embed_size": 128, "bidirectional": True, "score": "general",
             "dropout": 0.3, "label_smoothing": 0.1, "lr": 3e-3, "batch_size": 32, **SENTENCE_STOPPING},
}
# How long a run on a user's file of patterns (a target that does not read as sentences: dates, digits,
# a small grammar) trains where no option says: the same budget, with patience on exact match (then chrF),
# instead of the dates' fixed 3 epochs. Measured on integer_reversal (2,000 pairs, every other flag at its
# default): 3 epochs gave 0.00% held-out exact match; with these, 100% from epoch 16, after 35 s
# (docs/cli.md, "What data of your own reaches"). A run also stops once every validation pair is right
# (Trainer._out_of_patience): no later epoch could be kept as better.
PATTERN_STOPPING: dict[str, Any] = {"epochs": 100, "patience": 5, "max_minutes": DATA_BUDGET_MINUTES}
# A small file of patterns also takes batches of 32 at lr 3e-3, as the built-in numbers and phrases do: at
# 128 pairs a batch and 1e-3, 1,800 training pairs are 15 small steps an epoch. Measured on number_words
# (2,000 pairs, the LSTM's sizes, the stopping rule above): 1.00% held-out exact match at 128 and 1e-3 (its
# training loss stalled at 0.94), 99.00% with these; on arithmetic 4.00% and 11.00% (docs/cli.md).
FEW_PATTERN_PAIRS = 10_000  # fewer training pairs than this: a small file
SMALL_PATTERN_DEFAULTS: dict[str, Any] = {"batch_size": 32, "lr": 3e-3}
LSTM_FIELDS = ("decoder", "score", "input_feeding", "bidirectional", "join", "lstm", "embed_size")  # the LSTM's only
TRANSFORMER_FIELDS = ("heads", "ff_size")  # the Transformer's only


def sentence_model(given: dict[str, Any]) -> str:
    """The model a run on sentences trains: ``--model``, else the LSTM if an option only it has is given,
    else the Transformer."""
    return given.get("model") or ("lstm" if any(name in given for name in LSTM_FIELDS) else "transformer")


def run_defaults(given: dict[str, Any], task: str | None, sentences: bool = False, user_data: bool = False,
                 train_pairs: int | None = None) -> tuple[dict[str, Any], str]:
    """What a run takes where ``given`` (TrainConfig fields the user set) says nothing, and whose it is:
    on ``sentences``, the sentence defaults of its model (:func:`sentence_model`); else the Transformer's
    defaults for ``model="transformer"``, else those of the built-in ``task`` (none for the dates); and on
    a user's file of patterns (``user_data``), its stopping rule (:data:`PATTERN_STOPPING`), with smaller
    batches where it has fewer than :data:`FEW_PATTERN_PAIRS` ``train_pairs``. A score is for the Luong
    decoder; Bahdanau keeps its own."""
    if sentences:
        defaults, whose = dict(SENTENCE_DEFAULTS[sentence_model(given)]), "real sentences'"
        if given.get("decoder", "luong") != "luong":
            defaults.pop("score", None)
        return {name: value for name, value in defaults.items() if name not in given}, whose
    defaults: dict[str, Any] = {}
    owners = []
    if given.get("model") == "transformer":
        defaults, owners = dict(TRANSFORMER_DEFAULTS), ["the Transformer's"]
    elif task in TASK_DEFAULTS:
        defaults, owners = dict(TASK_DEFAULTS[task]), [f"the {task} task's"]
        if given.get("decoder", "luong") != "luong":
            defaults.pop("score", None)
    if user_data:
        small = SMALL_PATTERN_DEFAULTS if train_pairs is not None and train_pairs < FEW_PATTERN_PAIRS else {}
        defaults, owners = {**defaults, **small, **PATTERN_STOPPING}, [*owners, "patterns'"]
    return {name: value for name, value in defaults.items() if name not in given}, " and ".join(owners)


def stopping_line(config: TrainConfig, sentences: bool) -> str | None:
    """When a run stops, in words (None for a run of a fixed number of epochs)."""
    if not config.patience and not config.max_minutes:
        return None
    score = "chrF (then BLEU)" if sentences else "exact match (then chrF)"
    rules = [f"after {config.epochs} epoch{'s' if config.epochs != 1 else ''} at most"]
    if config.patience:
        rules.append(f"once {config.patience} epochs in a row have not beaten the best held-out {score}")
        if not sentences:
            rules.append("once every validation pair is right")
    if config.max_minutes:
        rules.append(f"before an epoch that would end past {config.max_minutes:g} minutes of training")
    return (f"training stops {', '.join(rules[:-1])} or {rules[-1]}; best.safetensors is the epoch with the best "
            f"held-out {score}")


SIZE_FLAGS = {"model": "--model", "hidden_size": "--hidden", "embed_size": "--embed", "num_layers": "--layers",
              "heads": "--heads", "ff_size": "--ff", "dropout": "--dropout"}


def model_line(config: TrainConfig, given: dict[str, Any], sentences: bool) -> str:
    """The model a run on a user's file (or on real sentences) trains, its size, and why that size.

    The size is fixed, not scaled with the data. Measured on eng-kor (3,420 training pairs), 5 minutes
    each on one thread of the shared 2-core CPU: width 128 (the default) trained 5 epochs to validation
    chrF 7.6, width 256 with a feed-forward of 1,024 3 epochs to 5.7 (about 1.7 times as long an epoch;
    a little ahead epoch for epoch, behind minute for minute); PyTorch's 3 + 3 layers of width 256
    reached chrF 5.5 in 10 minutes where minigrad's default reached 18.3 (docs/cli.md, "Real sentences:
    the eng-kor task"). Whether a wider model pays on much more data was not measured: one epoch of
    18,000 eng-jpn pairs had not finished after 2 minutes there, under load."""
    if config.model == "transformer":
        size = (f"the Transformer, {config.num_layers} + {config.num_layers} layers of width {config.hidden_size}, "
                f"{config.heads} heads, feed-forward {config.ff_size}, dropout {config.dropout:g}")
    else:
        size = (f"an LSTM encoder ({'bidirectional, ' if config.bidirectional else ''}{config.num_layers} layer"
                f"{'s' if config.num_layers > 1 else ''} of {config.hidden_size}, embeddings of {config.embed_size}) "
                f"with the {config.decoder} decoder, dropout {config.dropout:g}")
    chosen = [flag for name, flag in SIZE_FLAGS.items() if name in given]
    if chosen:
        why = f"{', '.join(chosen)} as given"
    elif sentences:
        why = ("a fixed size, not scaled with the data: on eng-kor, in the same 5 minutes, width 256 trained 3 "
               "epochs to validation chrF 5.7 and width 128 5 epochs to 7.6; --hidden, --ff, --layers and "
               "--dropout change it")
    else:
        why = ("the dates' size, fixed: it learns the generated stand-ins of docs/cli.md to 97-100%; "
               "--hidden, --embed, --layers and --dropout change it")
    return f"model: {size} ({why})"


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


# --- batches -------------------------------------------------------------------------------------


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


# --- evaluation ----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    exact_match: float
    token_accuracy: float
    bleu: float | None
    loss: float
    examples: list[dict] = field(default_factory=list)  # source, target, output, correct
    chrf: float | None = None
    sources: int = 0  # distinct sources, each scored once against all of its references

    def metrics(self, prefix: str) -> dict[str, float]:
        values = {"exact_match": self.exact_match, "token_accuracy": self.token_accuracy, "loss": self.loss}
        if self.bleu is not None:
            values["bleu"] = self.bleu
        if self.chrf is not None:
            values["chrf"] = self.chrf
        return {f"{prefix}_{name}": round(value, 6) for name, value in values.items()}


def translate(model: Seq2Seq, corpus: Corpus, sources: Sequence[str], device: str, beam: int = 1,
              max_len: int = 100, batch_size: int = 256, length_penalty: float = 1.0) -> list[Translation]:
    """Decode ``sources`` (greedy if beam is 1, else batched beam search); model in eval mode."""
    model.eval()
    results: list[Translation] = []
    for begin in range(0, len(sources), batch_size):
        chunk = sources[begin:begin + batch_size]
        source = mg.tensor(pad([corpus.encode_source(s) for s in chunk]), dtype=mg.int64, device=device)
        results += (model.greedy(source, max_len) if beam == 1
                    else model.beam_search(source, beam, max_len, length_penalty))
    return results


def decode_limit(corpus: Corpus, config: TrainConfig) -> int:
    """How many tokens decoding may produce: twice the longest training target and 10 more (an
    untrained model then does not run to ``max_len`` on every sentence), at most ``max_len``."""
    if not corpus.train:
        return config.max_len
    longest = max(len(corpus.target_vocab.encode(t, add_eos=False)) for _, t in corpus.train)
    return min(config.max_len, 2 * longest + 10)


def references_of(pairs: Pairs) -> dict[str, list[str]]:
    """Each distinct source of ``pairs`` (in the order first seen) → every target it has there: sentence
    data often holds one source with several right translations."""
    references: dict[str, list[str]] = {}
    for source, target in pairs:
        if target not in references.setdefault(source, []):
            references[source].append(target)
    return references


def corpus_scores(outputs: Sequence[str], references: Sequence[Sequence[str]]) -> tuple[float, float]:
    """Multi-reference (BLEU, chrF) with sacrebleu: ``outputs[i]`` is scored against every string of
    ``references[i]`` (any number of them)."""
    import sacrebleu  # noqa: PLC0415 - a dependency of the showcase only

    most = max((len(r) for r in references), default=1)
    streams = [[r[k] if k < len(r) else None for r in references] for k in range(most)]
    # force: the outputs are detokenized text (BPE gives the spaces back), however they look
    bleu = sacrebleu.corpus_bleu(list(outputs), streams, force=True).score
    return bleu, sacrebleu.corpus_chrf(list(outputs), streams).score


def evaluate(model: Seq2Seq, corpus: Corpus, pairs: Pairs, config: TrainConfig, beam: int = 1,
             length_penalty: float = 1.0) -> Evaluation:
    """Exact match, chrF and (targets of words or BPE pieces) BLEU of decoded outputs, and teacher-forced
    token accuracy and loss.

    A source that occurs several times in ``pairs`` is translated once: BLEU and chrF score that
    output against all of its targets (multi-reference), and it is an exact match if it equals any
    of them. Token accuracy and loss are over every pair."""
    model.eval()
    references = references_of(pairs)
    sources = list(references)
    decoded: list[str] = []
    for begin in range(0, len(sources), 256):  # translate's own batches; each one's attention is let go at once
        outputs = translate(model, corpus, sources[begin:begin + 256], config.device, beam,
                            decode_limit(corpus, config), length_penalty=length_penalty)
        decoded += [corpus.target_vocab.decode(t.ids) for t in outputs]
    examples = [{"source": s, "target": references[s][0], "references": references[s], "output": o,
                 "correct": o in references[s]} for s, o in zip(sources, decoded)]
    correct_tokens = total_tokens = 0
    loss_sum = 0.0
    with mg.no_grad():
        for begin in range(0, len(pairs), 256):
            batch = make_batch(corpus, pairs[begin:begin + 256], config.device)
            logits, _ = model(batch.source, batch.target_in)
            real = batch.target_out != PAD_ID
            hits = (logits.argmax(axis=-1) == batch.target_out) & real
            correct_tokens += int(hits.sum().item())
            total_tokens += int(real.sum().item())
            loss_sum += model_loss_from_logits(logits, batch.target_out).item() * int(real.sum().item())
    bleu, chrf = corpus_scores(decoded, [references[s] for s in sources]) if pairs else (None, None)
    if corpus.target_vocab.level == "char":
        bleu = None  # patterns of characters (dates): BLEU's words mean little there
    return Evaluation(sum(e["correct"] for e in examples) / max(len(examples), 1),
                      correct_tokens / max(total_tokens, 1), bleu, loss_sum / max(total_tokens, 1), examples, chrf,
                      len(sources))


def score_key(record: dict[str, Any], sentences: bool) -> tuple[float, float]:
    """What "best" means for a held-out record (``valid_...`` metrics of one epoch): chrF, then BLEU, for
    sentence data, where an exact match is rare and says little; exact match, then chrF, for patterns
    (dates, numbers), where the output is right or wrong. The second breaks ties, so that an epoch with
    0 % exact match that is closer to right still beats the first epoch."""
    chrf = record.get("valid_chrf") or 0.0
    if sentences:
        return chrf, record.get("valid_bleu") or 0.0
    return record["valid_exact_match"], chrf


def held_out_line(record: dict[str, Any], sentences: bool, prefix: str = "valid") -> str:
    """The scores of one evaluation, the one that decides first: BLEU and chrF for sentences, exact match
    for patterns."""
    get = lambda name: record.get(f"{prefix}_{name}")  # noqa: E731
    exact = f"exact match {get('exact_match'):.2%}"
    scores = ([f"BLEU {get('bleu'):.1f}"] if get("bleu") is not None else []) + (
        [f"chrF {get('chrf'):.1f}"] if get("chrf") is not None else [])
    accuracy = f"token accuracy {get('token_accuracy'):.2%}"
    return ", ".join([*scores, exact, accuracy] if sentences else [exact, accuracy, *scores])


def score_name(sentences: bool) -> str:
    return "chrF" if sentences else "exact match"


def model_loss_from_logits(logits: mg.Tensor, target_out: mg.Tensor) -> mg.Tensor:
    return mg.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target_out.reshape(-1),
                                          ignore_index=PAD_ID)


# --- checkpoints ---------------------------------------------------------------------------------


def checkpoint_config(config: TrainConfig, corpus: Corpus, data_sha256: str | None = None) -> dict[str, Any]:
    saved = {"train": asdict(config), "model": config.model_config(),
             "source_vocab": corpus.source_vocab.to_dict(), "target_vocab": corpus.target_vocab.to_dict()}
    if data_sha256:
        saved["data_sha256"] = data_sha256  # evaluate re-reads the training file only if it still matches
    return saved


def save_checkpoint(path: Path, model: Seq2Seq, optimizer: optim.Optimizer | None, config: TrainConfig,
                    corpus: Corpus, progress: dict[str, Any], history: list[dict], rng: dict | None = None,
                    data_sha256: str | None = None) -> None:
    """Write a checkpoint atomically (minigrad.save): an interrupted write keeps the old file.

    Without an optimizer (``best``), the file's tensors are the model's weights alone, under
    their state_dict names, so ``torch_module.load_state_dict(safetensors.torch.load_file(path))``
    takes it as it is; ``last`` adds the optimizer and the RNG state for ``--resume``.
    """
    state: dict[str, Any] = {"model": model.state_dict(), "progress": progress, "history": history}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
        state["rng"] = rng or mg.get_device(config.device).get_rng_state()
    try:
        mg.save(state, path, config=checkpoint_config(config, corpus, data_sha256))
    except OSError as exc:
        raise OSError(f"cannot write checkpoint {path}: {exc.strerror or exc}; the previous checkpoint "
                      "(if any) is unchanged") from exc


@dataclass
class Loaded:
    """A checkpoint read back: the model, its config and vocabularies, and the training state."""

    model: Seq2Seq
    config: TrainConfig
    source_vocab: Vocab
    target_vocab: Vocab
    state: dict[str, Any]
    data_sha256: str | None = None

    def corpus(self) -> Corpus:
        return Corpus([], [], [], self.source_vocab, self.target_vocab, self.config.reverse_source)


def load_checkpoint(path: str | Path, device: str = "cpu") -> Loaded:
    """Read a checkpoint bounded, check it against the schema, then build the model on ``device``.

    Raises CheckpointError naming the file and the first thing wrong; nothing is built before
    the file, its metadata and its tensors' shapes have passed (models/checkpoint.py).
    """
    path = str(path)
    if path.endswith(".npz") and not Path(path).is_dir() and Path(path).exists():
        raise CheckpointError(f"checkpoint {path} is in the old .npz format, which minigrad no longer loads; "
                              f"convert it once with: minigrad-translate convert {path}")
    read = serialization.read(path)
    schema.check(read, TrainConfig)
    saved = read.config
    config = TrainConfig(**{**saved["train"], "device": device})
    source_vocab = Vocab.from_dict(saved["source_vocab"])
    target_vocab = Vocab.from_dict(saved["target_vocab"])
    try:
        model = build_model(len(source_vocab), len(target_vocab), device=device, **saved["model"])
    except (TypeError, ValueError) as exc:  # a config value the schema let through but the model refuses
        raise CheckpointError(f"checkpoint {path} has a model config this minigrad cannot build: {exc}") from None
    state = read.state(mg.get_device(device))
    try:
        model.load_state_dict(state["model"])
    except (KeyError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} does not fit the model its config describes: {exc}") from None
    return Loaded(model, config, source_vocab, target_vocab, state, saved.get("data_sha256"))


def check_training_data(loaded: Loaded, path: str | Path) -> None:
    """Before ``evaluate`` re-reads the training file a checkpoint names: is it the file it was trained on?

    A checkpoint is data from anyone, so the file it names is read only if its SHA-256 is the one
    recorded at training time; otherwise the user is asked for ``--data``.
    """
    data = loaded.config.data
    if not data:
        return  # a built-in task: generated, no file
    if not loaded.data_sha256:
        raise DataError(f"checkpoint {path} names its training file {data} without a SHA-256 of it, so it is not "
                        "read; pass --data FILE to evaluate on")
    try:
        matches = schema.data_file_sha256(data) == loaded.data_sha256
    except OSError as exc:
        raise DataError(f"the training file of checkpoint {path} cannot be read ({exc}); pass --data FILE") from None
    if not matches:
        raise DataError(f"{data} is not the file checkpoint {path} was trained on (its SHA-256 differs); pass "
                        "--data FILE to evaluate on")


# --- the training loop ---------------------------------------------------------------------------


def plot_history(history: list[dict], path: Any) -> None:
    """Loss and held-out accuracy per epoch, as a PNG."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    epochs = [h["epoch"] for h in history]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [h["train_loss"] for h in history], marker="o", label="train")
    left.plot(epochs, [h["valid_loss"] for h in history], marker="o", label="valid")
    left.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    left.legend()
    right.plot(epochs, [h["valid_exact_match"] for h in history], marker="o", label="exact match")
    right.plot(epochs, [h["valid_token_accuracy"] for h in history], marker="o", label="token accuracy")
    right.set(xlabel="epoch", ylim=(0, 1.02), title="held-out accuracy")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110, format="png")
    plt.close(figure)


class Trainer:
    """Runs epochs, evaluates after each, keeps best/last checkpoints and metrics.jsonl (models/runfolder.py)."""

    def __init__(self, config: TrainConfig, corpus: Corpus, progress_bar: bool = True, profile_steps: int = 0) -> None:
        self.config, self.corpus, self.progress_bar = config, corpus, progress_bar
        # train --profile N: steps 2 … N + 1 of this run are recorded by minigrad.profile (_profiled)
        self.profile, self.profile_steps = (mg.profile() if profile_steps else None), profile_steps
        self.steps_run, self.profile_shown = 0, False
        self.out = Path(config.out)
        self.device = mg.get_device(config.device)  # a clear error now if the device cannot be used
        mg.manual_seed(config.seed)
        self.model = build_model(len(corpus.source_vocab), len(corpus.target_vocab), device=config.device,
                                 **config.model_config())
        self.world = distributed.world()  # under mpiexec: data-parallel, rank 0 alone writes (docs/distributed.md)
        distributed.broadcast_parameters(self.model.parameters(), self.world)
        self.optimizer = optim.Adam(self.model.parameters(), lr=config.lr)
        self.history: list[dict] = []
        self.epoch, self.batch_index = 0, 0  # where training goes on from
        self.warmup: optim.LinearWarmup | None = None
        self.loss_sum, self.tokens = 0.0, 0  # over the finished batches of this epoch, resumed ones included
        self.run: RunFolder | None = None
        self.ctrl_c = CtrlC()
        self.data_sha256 = schema.data_file_sha256(config.data) if config.data else None
        self._rng = self.device.get_rng_state()  # the RNG as it was after the last finished update

    @property
    def stop_requested(self) -> bool:
        return self.ctrl_c.requested

    def open_run(self, resume: bool = False, overwrite: bool = False) -> None:
        """Lock the run folder for this training, then resume, start again, or refuse to touch a run in it."""
        self.run = RunFolder(self.out).acquire() if self.world.is_root else None
        try:
            if resume:
                self.resume()
            elif not overwrite and (self.out / LAST).exists():
                raise DataError(f"{self.out} already holds a run ({self.out / LAST}); pass --resume to go on with "
                                "it, --overwrite to start it again, or choose another --out")
            elif not overwrite and (self.out / OLD_LAST).exists():
                raise DataError(f"{self.out} holds a run in the old .npz format ({self.out / OLD_LAST}); convert it "
                                f"with `minigrad-translate convert {self.out / OLD_LAST}` to resume it, pass "
                                "--overwrite to start again, or choose another --out")
            elif overwrite and self.run is not None:
                self.run.clear()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.run is not None:
            self.run.release()
            self.run = None

    def resume(self) -> None:
        """Continue from ``out/last.safetensors``: weights, optimizer, RNG, data position, loss sums, history."""
        path = self.out / LAST
        if not path.exists() and (self.out / OLD_LAST).exists():
            raise DataError(f"{self.out / OLD_LAST} is in the old .npz format; convert it first with "
                            f"`minigrad-translate convert {self.out / OLD_LAST}`")
        read = serialization.read(path)
        schema.check(read, TrainConfig)
        saved = read.config
        if (saved["source_vocab"] != self.corpus.source_vocab.to_dict()
                or saved["target_vocab"] != self.corpus.target_vocab.to_dict()):
            raise DataError(f"checkpoint {path} was trained with other vocabularies than this data gives; "
                            "resume with the same --task/--data and --seed, or use a new --out")
        differences = option_differences(saved["train"], asdict(self.config))
        if differences:
            may_change = ", ".join(f"--{name.replace('_', '-')}" for name in MAY_CHANGE_ON_RESUME if name != "out")
            raise DataError(f"checkpoint {path} was trained with other options: {'; '.join(differences)}; resume "
                            f"with the same options (only {may_change} may change) or use a new --out")
        state = read.state(self.device)
        missing = [key for key in ("optimizer", "rng", "progress", "history") if key not in state]
        if missing:
            raise CheckpointError(f"checkpoint {path} holds no training state ({', '.join(missing)} missing)")
        try:
            self.model.load_state_dict(state["model"])
        except (KeyError, ValueError) as exc:
            raise CheckpointError(f"checkpoint {path} does not fit the model its config describes: {exc}") from None
        schema.check_optimizer(str(path), state["optimizer"], list(self.model.parameters()))
        try:  # the optimizer checks its own hyper-parameters and moments (Adam: betas in [0, 1), v >= 0)
            self.optimizer.load_state_dict(state["optimizer"])
        except ValueError as exc:
            raise CheckpointError(f"checkpoint {path} has a damaged optimizer state: {exc}") from None
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr  # a changed --lr takes effect, and the checkpoints record it
        progress = state["progress"]
        if progress["batch"] > len(epoch_batches(self.corpus, self.config, progress["epoch"])):
            raise CheckpointError(f"checkpoint {path} has a damaged progress (batch {progress['batch']} of an epoch "
                                  "with fewer batches)")
        self.device.set_rng_state(state["rng"])
        self._rng = state["rng"]
        self.history = list(state["history"])
        self.epoch, self.batch_index = progress["epoch"], progress["batch"]
        self.loss_sum, self.tokens = float(progress.get("loss_sum", 0.0)), int(progress.get("tokens", 0))
        if self.run is not None:  # the folder agrees with the checkpoint again: no epoch twice
            self.run.write_metrics(self.history)
            self.run.write_plot(self.history, plot_history)

    def _save(self, name: str) -> Path:
        path = self.out / name
        if not self.world.is_root:
            return path
        progress = {"epoch": self.epoch, "batch": self.batch_index, "loss_sum": self.loss_sum, "tokens": self.tokens}
        optimizer = self.optimizer if name == LAST else None
        save_checkpoint(path, self.model, optimizer, self.config, self.corpus, progress, self.history,
                        rng=self._rng, data_sha256=self.data_sha256)
        return path

    def train_epoch(self) -> tuple[float, float]:
        """One epoch (or what is left of it); returns (mean loss over all its batches, target tokens per second)."""
        from tqdm import tqdm  # noqa: PLC0415 - a dependency of the showcase only

        self.model.train()
        steps = math.ceil(len(self.corpus.train) / self.config.batch_size)
        bar = tqdm(total=steps, initial=self.batch_index, desc=f"epoch {self.epoch + 1}/{self.config.epochs}",
                   disable=not self.progress_bar, unit="batch", dynamic_ncols=True,
                   mininterval=0.5 if sys.stderr.isatty() else 30)  # a log file gets a line per 30 s
        tokens, started = 0, time.perf_counter()
        try:  # closed on Ctrl-C too: no bar left for the interpreter's exit to tear down
            for batch in self._profiled(batches(self.corpus, self.config, self.epoch, self.batch_index, self.world)):
                if self.world.any(self.stop_requested):  # every process stops at the same batch
                    self.ctrl_c.requested = True  # (a Ctrl-C that reached another process only)
                    break
                loss_sum, batch_tokens = backward_share(self.model, self.optimizer, batch,
                                                        self.config.label_smoothing, self.world)
                if self.config.clip is not None:
                    optim.clip_grad_norm_(self.model.parameters(), self.config.clip)
                with self.ctrl_c.commit():  # the update and the position that goes with it: all or nothing
                    self.optimizer.step()
                    if self.warmup is not None:
                        self.warmup.step()
                    self.batch_index += 1
                    self.loss_sum += loss_sum
                    self.tokens += batch_tokens
                    self._rng = self.device.get_rng_state()
                tokens += batch_tokens
                speed = tokens / (time.perf_counter() - started)
                bar.set_postfix(loss=f"{loss_sum / batch_tokens:.4f}", tok_s=f"{speed:,.0f}", refresh=False)
                bar.update()
        finally:
            bar.close()
        return self.loss_sum / max(self.tokens, 1), tokens / max(time.perf_counter() - started, 1e-9)

    def _profiled(self, batches: Iterator[Batch | None]) -> Iterator[Batch | None]:
        """The batches, with steps 2 … N + 1 of the run (``--profile N``) trained inside ``minigrad.profile()``.

        The first step is left out: it allocates what later steps reuse. Training goes on after the
        profiled steps, and their table is printed as soon as they are done.
        """
        for batch in batches:
            self.steps_run += 1
            if self.profile is None or not 1 < self.steps_run <= self.profile_steps + 1:
                yield batch
                continue
            with self.profile:  # the whole step, the loop's body in train_epoch, runs while this waits at yield
                yield batch
            if self.steps_run == self.profile_steps + 1:
                from tqdm import tqdm  # noqa: PLC0415 - a dependency of the showcase only

                self.show_profile(tqdm.write)  # above the progress bar, not through it

    def show_profile(self, write: Any = print) -> None:
        """Print the ``--profile`` table once (at the end of a run too short for all N profiled steps)."""
        if self.profile is None or self.profile_shown or not self.profile.events:
            return
        self.profile_shown = True
        last = min(self.steps_run, self.profile_steps + 1)
        write(f"--profile: where training steps 2 to {last} went (minigrad.profile, docs/performance.md):\n"
              f"{self.profile.table(limit=30)}")

    def _start_warmup(self) -> None:
        """``--warmup N``: optim's LinearWarmup, one step per batch, at the step a resumed run left off."""
        if not self.config.warmup:
            return
        steps_per_epoch = math.ceil(len(self.corpus.train) / self.config.batch_size)
        done = self.epoch * steps_per_epoch + self.batch_index
        for group in self.optimizer.param_groups:
            group["initial_lr"] = self.config.lr  # the rate the warm-up climbs to (a resumed --lr included)
        self.warmup = optim.LinearWarmup(self.optimizer, self.config.warmup, last_epoch=done - 1)

    def _out_of_patience(self, log: Any) -> bool:
        """``--patience N``: True once N epochs in a row have not beaten the best held-out score (:func:`score_key`),
        or, on patterns, once an epoch had every validation pair right: a tie is never kept as better, so
        ``best`` could not change."""
        patience = self.config.patience
        if patience and not self.corpus.sentences and any(h["valid_exact_match"] >= 1.0 for h in self.history):
            log(f"every validation pair is right (exact match 100%): no later epoch could be kept as better; "
                f"stopping early (--patience {patience})")
            return True
        if not patience or len(self.history) <= patience:
            return False
        scores = [score_key(h, self.corpus.sentences) for h in self.history]
        if max(scores[-patience:]) > max(scores[:-patience]):
            return False
        log(f"no better held-out {score_name(self.corpus.sentences)} in {patience} epoch(s): stopping early "
            f"(--patience {patience})")
        return True

    def _out_of_time(self, log: Any) -> bool:
        """``--max-minutes M``: True when another epoch, as long as the last one, would end past M minutes
        of training (the epochs' own seconds, those before a resume included)."""
        if not self.config.max_minutes or not self.history:
            return False
        spent = sum(h.get("seconds", 0.0) for h in self.history)
        if spent + self.history[-1].get("seconds", 0.0) <= 60 * self.config.max_minutes:
            return False
        log(f"{spent / 60:.1f} minutes spent and an epoch takes {self.history[-1].get('seconds', 0.0) / 60:.1f}: "
            f"stopping within the time budget (--max-minutes {self.config.max_minutes:g})")
        scores = [score_key(h, self.corpus.sentences) for h in self.history]
        recent = scores[-3:]
        if len(scores) > 3 and max(recent) >= max(scores):  # a best epoch among the last three: still learning
            log(f"the held-out {score_name(self.corpus.sentences)} was still rising; a larger budget "
                f"(--max-minutes {2 * self.config.max_minutes:g}) and --resume go on from here")
        return True

    def fit(self, log: Any = print) -> list[dict]:
        """Train until ``config.epochs``.

        Ctrl-C lets the batch in hand finish, then saves ``last.safetensors`` and says how to resume,
        so a resumed run goes on exactly where this one stopped (same weights, optimizer, RNG,
        data, loss sums). A second Ctrl-C stops sooner, but never inside an update or a commit.
        """
        if self.run is None and self.world.is_root:  # used as a library, without open_run: one training at a time
            self.run = RunFolder(self.out).acquire()
            if self.history:  # resumed: the folder's metrics agree with the checkpoint again
                self.run.write_metrics(self.history)
        best = max((score_key(h, self.corpus.sentences) for h in self.history), default=(-1.0, -1.0))
        self._start_warmup()
        try:
            with self.ctrl_c:
                while (self.epoch < self.config.epochs and not self._out_of_patience(log)
                       and not self._out_of_time(log)):
                    started = time.perf_counter()
                    train_loss, speed = self.train_epoch()
                    if self.stop_requested:
                        raise KeyboardInterrupt
                    valid = evaluate(self.model, self.corpus, self.corpus.valid, self.config)
                    record = {"epoch": self.epoch + 1, "train_loss": round(train_loss, 6), **valid.metrics("valid"),
                              "lr": self.optimizer.param_groups[0]["lr"], "tokens_per_second": round(speed, 1),
                              "seconds": round(time.perf_counter() - started, 2)}
                    with self.ctrl_c.commit():  # best before last, so that best exists whenever last does
                        self.history.append(record)
                        self.epoch, self.batch_index, self.loss_sum, self.tokens = self.epoch + 1, 0, 0.0, 0
                        if score_key(record, self.corpus.sentences) > best or not (self.out / BEST).exists():
                            best = max(best, score_key(record, self.corpus.sentences))
                            self._save(BEST)
                        self._save(LAST)
                        if self.run is not None:  # None on the ranks other than 0, which write nothing
                            self.run.write_metrics(self.history)
                    if self.run is not None:
                        self.run.write_plot(self.history, plot_history)
                    log(f"epoch {record['epoch']}: train loss {train_loss:.4f}, held-out "
                        f"{held_out_line(record, self.corpus.sentences)} ({record['seconds']:.0f} s)")
        except KeyboardInterrupt:
            with ignoring_ctrl_c():  # the save that keeps the work is never cut short by another Ctrl-C
                if not (self.out / BEST).exists():
                    self._save(BEST)
                path = self._save(LAST)
            log(f"interrupted: saved {path} (epoch {self.epoch + 1}, batch {self.batch_index}); "
                f"to go on, run the same command with --resume")
            raise
        finally:
            self.close()
        return self.history
