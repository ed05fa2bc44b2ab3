"""What a training run is built from: :class:`TrainConfig` (every option of ``train``), and the
defaults a run takes where an option is not given, each with the measurement behind it.

``train`` builds a TrainConfig from the options given, reads the data (models/corpus.py), and only
then fills in the rest with :func:`run_defaults`: whether a user's file is real sentences or
patterns, and how many pairs it has, decide which defaults fit. :func:`stopping_line` and
:func:`model_line` say, before training, when the run stops and why the model has its size.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from models.seq2seq import ModelConfig


@dataclass
class TrainConfig(ModelConfig):
    """Everything a training run is built from; stored in its checkpoints. The model's fields
    (decoder, sizes, dropout, ...) are :class:`models.seq2seq.ModelConfig`'s; these are the run's."""

    task: str | None = "dates"
    data: str | None = None  # a TSV file of the user's own pairs, instead of a task
    size: int | None = None  # how many pairs a built-in task generates (None: the task's default)
    level: str | None = None  # 'char', 'word' or 'bpe' for both sides (None: chosen per side from the data)
    source_level: str | None = None  # overrides level for the source; a trained run stores its choice here
    target_level: str | None = None
    bpe_merges: int | None = None  # merges a BPE side learns (None: chosen from the data; a run stores its choice)
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
    max_len: int = 100  # tokens a side: longer pairs are left out (--max-len not given) or refused; decoding limit
    skip_bad_lines: bool = False
    valid_fraction: float = 0.05
    test_fraction: float = 0.05
    bucket: bool = True  # batch sentences of similar length together (less padding, faster steps)
    lstm: str = "fused"  # train's own default; ModelConfig's is "composed" (what a learner reads)

    def model_config(self) -> ModelConfig:
        """The model these options describe: the fields that :func:`models.seq2seq.build_model` reads."""
        return ModelConfig(**{name: getattr(self, name) for name in MODEL_FIELDS})


MODEL_FIELDS = tuple(field.name for field in fields(ModelConfig))  # TrainConfig's fields that build the model


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
