"""What a minigrad-translate checkpoint must hold, checked before any model is built.

:func:`minigrad.serialization.read` has already bounded the file and checked its tensors (dtype,
shape, byte range, SHA-256). This module checks the *meaning* of its metadata against a schema:

* the training options and the model config: known names only, each of its type, sizes within
  :data:`LIMITS`, decoder and score names that exist, and the model config agreeing with the
  options;
* the vocabularies: lists of distinct strings that start with the special tokens, a known level;
  at level ``bpe``, merges within :data:`MAX_MERGES`, each a pair of pieces of at most
  :data:`MAX_TOKEN_CHARS` characters that exist before it (the alphabet's single characters, which
  are code points UTF-8 can write, or earlier merges), and tokens that are exactly the alphabet,
  the byte pieces and the merges' pieces, so that the segmenter rebuilt from them is the one trained;
* the sizes agreeing with the tensors in the file (the embedding tables hold one row per token
  of each vocabulary and ``embed_size`` columns, the LSTM ``4·hidden_size`` rows, as many layers
  and directions as the config says), so that building the model allocates what the file already
  holds, never more;
* the training state where there is one: progress as non-negative whole numbers, a history with
  one numeric record per finished epoch, the RNG state as NumPy's MT19937 expects it, and the
  optimizer's state shaped as the parameters it belongs to (:func:`check_optimizer`, once the
  model exists).

Each refusal is a :class:`CheckpointError` naming the file and the first thing wrong.

Below the checks, a run's checkpoints are written (:func:`save_checkpoint`: the weights, the config
and the vocabularies; ``last`` adds the optimizer and the RNG for ``--resume``) and read back
(:func:`load_checkpoint`: checked, then the model built from its :class:`models.seq2seq.ModelConfig`).
The stored format is the one models/training.py wrote before it was split into stages, so older checkpoints
load as before.
"""

from __future__ import annotations

import hashlib
import math
import os
import types
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

import minigrad as mg
from minigrad import CheckpointError, optim, safefile, serialization
from models.attention import SCORES
from models.bpe import BPE, BYTES
from models.config import TrainConfig
from models.corpus import Corpus
from models.data import LEVELS, MAX_TASK_SIZE, MAX_TOKEN_CHARS, SPECIALS, DataError, Vocab
from models.decoder import DECODERS
from models.seq2seq import ModelConfig, Seq2Seq, build_model

LIMITS = {"embed_size": 4096, "hidden_size": 4096, "num_layers": 16, "max_len": 10_000, "batch_size": 1_000_000,
          "epochs": 1_000_000, "size": MAX_TASK_SIZE, "seed": 2**63 - 1, "heads": 64, "ff_size": 16384}
MAX_DATA_BYTES = 4 * 2**30  # a training file larger than this is not hashed (nor, then, re-read by evaluate)
MAX_VOCAB = 2_000_000
MAX_MERGES = 1_000_000
RNG_KEYS = 624  # MT19937's state: 624 32-bit words
FRACTIONS = ("dropout", "valid_fraction", "test_fraction", "label_smoothing")


class ProblemError(Exception):
    """The first thing wrong with a checkpoint, without the file's name."""


def check(checkpoint: serialization.Checkpoint, train_config: type) -> None:
    """Check ``checkpoint`` (already bounded and checksummed) as minigrad-translate's; raise CheckpointError."""
    try:
        _check(checkpoint, train_config)
    except ProblemError as exc:
        raise CheckpointError(f"checkpoint {checkpoint.path} {exc}") from None


def _check(checkpoint: serialization.Checkpoint, train_config: type) -> None:
    config, state = checkpoint.config, checkpoint.meta["state"]
    if not isinstance(config, dict) or not {"train", "model", "source_vocab", "target_vocab"} <= set(config):
        raise ProblemError("was not written by minigrad-translate (it has no model config)")
    train = _check_options(config["train"], {f.name: f for f in fields(train_config)}, "its training options")
    model = _check_model(config["model"])
    for key, value in model.items():
        if key in train and train[key] != value:
            raise ProblemError(f"is inconsistent: its model config says {key}={value!r} but its training options "
                          f"say {train[key]!r}")
    vocab_sizes = [_check_vocab(config[name], name.replace("_", " ")) for name in ("source_vocab", "target_vocab")]
    if "data_sha256" in config and not (isinstance(config["data_sha256"], str) and len(config["data_sha256"]) == 64):
        raise ProblemError("has a damaged data_sha256 (not a SHA-256 in hex)")
    if not isinstance(state, dict) or not isinstance(state.get("model"), dict):
        raise ProblemError("holds no model weights (its state has no 'model' dict)")
    _check_shapes(checkpoint, state["model"], {**train, **model}, vocab_sizes)
    if "progress" in state:
        _check_progress(state["progress"], state.get("history"), train.get("epochs"))
    if "rng" in state:
        _check_rng(state["rng"])


# --- options and model config ---------------------------------------------------------------------


def _allowed(annotation: Any, default: Any) -> tuple[type, ...]:
    """The JSON types a field may hold, from its annotation ("int | None") or its default's type."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    if isinstance(annotation, types.UnionType):
        text = " | ".join(getattr(arg, "__name__", str(arg)) for arg in annotation.__args__)
    names = {part.strip() for part in str(text).split("|")}
    table = {"int": int, "float": float, "str": str, "bool": bool, "None": type(None), "NoneType": type(None)}
    allowed = tuple(table[name] for name in names if name in table)
    if not allowed:
        allowed = (type(default),)
    if float in allowed:
        allowed = (*allowed, int)  # JSON writes 1.0 as 1 where it likes
    return allowed


def _check_value(name: str, value: Any, allowed: tuple[type, ...], where: str) -> None:
    if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
        kinds = " or ".join(sorted({t.__name__.replace("NoneType", "null") for t in allowed}))
        raise ProblemError(f"has {where} with {name}={str(value)[:40]!r}, which is not {kinds}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ProblemError(f"has {where} with {name}={value}, which is not a finite number")
    if isinstance(value, int) and not isinstance(value, bool):
        low = 1 if name in ("embed_size", "hidden_size", "num_layers", "max_len", "batch_size") else 0
        high = LIMITS.get(name, 2**63 - 1)
        if not low <= value <= high:
            raise ProblemError(f"has {where} with {name}={value}, outside {low}..{high:,}")
    if name in FRACTIONS and isinstance(value, (int, float)) and not 0 <= value < 1:
        raise ProblemError(f"has {where} with {name}={value}, outside [0, 1)")
    if name in ("lr", "clip") and isinstance(value, (int, float)) and not value > 0:
        raise ProblemError(f"has {where} with {name}={value}, which must be positive")
    if isinstance(value, str) and len(value) > 4096:
        raise ProblemError(f"has {where} with a {name} of {len(value):,} characters")
    if name == "decoder" and value not in DECODERS:
        raise ProblemError(f"has {where} with decoder={str(value)[:40]!r}, which is not one of {', '.join(DECODERS)}")
    if name == "score" and value is not None and value not in SCORES:
        raise ProblemError(f"has {where} with score={str(value)[:40]!r}, which is not one of {', '.join(SCORES)}")
    if name in ("level", "source_level", "target_level") and value is not None and value not in LEVELS:
        raise ProblemError(f"has {where} with level={str(value)[:40]!r}, which is not {', '.join(LEVELS)}")


def _check_options(options: Any, known: dict[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(options, dict):
        raise ProblemError(f"has {where} as a JSON {type(options).__name__}, not an object")
    for name, value in options.items():
        if name not in known:
            raise ProblemError(f"has {where} with an unknown option {str(name)[:40]!r}")
        field_ = known[name]
        default = field_.default if field_.default is not MISSING else None
        _check_value(name, value, _allowed(field_.type, default), where)
    return options


def _check_model(model: Any) -> dict[str, Any]:
    return _check_options(model, {field_.name: field_ for field_ in fields(ModelConfig)}, "its model config")


def _check_vocab(vocab: Any, what: str) -> int:
    bpe = isinstance(vocab, dict) and vocab.get("level") == "bpe"
    keys = {"tokens", "level", "merges"} if bpe else {"tokens", "level"}
    if not isinstance(vocab, dict) or set(vocab) != keys:
        raise ProblemError(f"has a damaged {what} (not {{{', '.join(sorted(keys, reverse=True))}}})")
    tokens, level = vocab["tokens"], vocab["level"]
    if level not in LEVELS:
        raise ProblemError(f"has a {what} of level {str(level)[:40]!r}, not {', '.join(LEVELS)}")
    if not isinstance(tokens, list) or not all(isinstance(t, str) and 0 < len(t) <= MAX_TOKEN_CHARS for t in tokens):
        raise ProblemError(f"has a {what} that is not a list of non-empty strings (at most {MAX_TOKEN_CHARS} "
                      "characters each)")
    if not all(_utf8(t) for t in tokens):  # read from UTF-8 data, a token never holds a lone surrogate
        raise ProblemError(f"has a {what} with a token that is not UTF-8 text (a lone surrogate)")
    if len(tokens) > MAX_VOCAB:
        raise ProblemError(f"has a {what} of {len(tokens):,} tokens, more than the limit of {MAX_VOCAB:,}")
    if tuple(tokens[:4]) != SPECIALS:
        raise ProblemError(f"has a {what} that does not start with {', '.join(SPECIALS)}")
    if len(set(tokens)) != len(tokens):
        raise ProblemError(f"has a {what} that lists a token twice")
    if level == "bpe":
        _check_merges(vocab["merges"], tokens, what)
    return len(tokens)


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_merges(merges: Any, tokens: list[str], what: str) -> None:
    """A BPE vocabulary's merges: bounded, each made of pieces that exist before it, and agreeing with its tokens."""
    if not isinstance(merges, list) or len(merges) > MAX_MERGES:
        raise ProblemError(f"has a {what} whose merges are not a list of at most {MAX_MERGES:,}")
    if BYTES[0] not in tokens:
        raise ProblemError(f"has a BPE {what} without its byte pieces")
    alphabet = tokens[4:tokens.index(BYTES[0])]
    for character in alphabet:
        if len(character) != 1 or 0xD800 <= ord(character) <= 0xDFFF:
            raise ProblemError(f"has a BPE {what} whose alphabet holds {character[:40]!r}, not one character UTF-8 "
                               "can write")
    pieces = set(alphabet)
    for number, merge in enumerate(merges, start=1):
        if not (isinstance(merge, list) and len(merge) == 2 and all(isinstance(p, str) and p for p in merge)):
            raise ProblemError(f"has a {what} whose merge {number} is not a pair of non-empty strings")
        left, right = merge
        if len(left) + len(right) > MAX_TOKEN_CHARS:
            raise ProblemError(f"has a {what} whose merge {number} makes a piece longer than {MAX_TOKEN_CHARS} "
                               "characters")
        if left not in pieces or right not in pieces:
            missing = left if left not in pieces else right
            raise ProblemError(f"has a {what} whose merge {number} joins {missing[:40]!r}, a piece that neither the "
                               "alphabet nor an earlier merge makes")
        pieces.add(left + right)
    if tokens[4:] != BPE(alphabet, [tuple(merge) for merge in merges]).pieces:
        raise ProblemError(f"has a BPE {what} whose tokens are not its alphabet, byte pieces and merges' pieces")


# --- sizes against the tensors ---------------------------------------------------------------------


def _check_shapes(checkpoint: serialization.Checkpoint, weights: dict[str, Any], config: dict[str, Any],
                  vocab_sizes: list[int]) -> None:
    """Every weight the config's model would allocate is in the file with that shape, and nothing else is.

    The model is never built to find out: :func:`expected_shapes` builds it small.
    """
    shapes = {}
    for name, reference in weights.items():
        target = reference.get("__tensor__") if isinstance(reference, dict) and len(reference) == 1 else None
        if not isinstance(target, str) or target not in checkpoint.tensors:
            raise ProblemError(f"has a model weight {str(name)[:80]!r} that is not a tensor in the file")
        tensor = checkpoint.tensors[target]
        if tensor.dtype.kind != "f":
            raise ProblemError(f"has a model weight {name!r} of dtype {tensor.dtype}, not floating point")
        shapes[name] = tuple(tensor.shape)
    try:
        expected = expected_shapes(config, vocab_sizes)
    except (TypeError, ValueError) as exc:  # a combination of options the model refuses
        raise ProblemError(f"has a model config this minigrad cannot build: {exc}") from None
    for name, shape in expected.items():
        if shapes.get(name) != shape:
            found = "absent" if name not in shapes else f"of shape {shapes[name]}"
            raise ProblemError(f"does not fit its own config: {name} should be of shape {shape} (from the vocabulary "
                               f"and sizes it records) but is {found}")
    extra = sorted(set(shapes) - set(expected))
    if extra:
        raise ProblemError(f"does not fit its own config: it holds {extra[0][:80]}, which its model does not have")


SIZES = ("source_vocab", "target_vocab", "embed_size", "hidden_size", "ff_size")  # what a weight's sides grow with


def expected_shapes(config: dict[str, Any], vocab_sizes: list[int]) -> dict[str, tuple[int, ...]]:
    """The name and shape of every weight of the model ``config`` describes, computed from small models.

    Each side of each weight grows linearly with the sizes (V_src, V_tgt, E, H, F: an embedding is
    V×E, an LSTM's hidden weights 4H×H, a combine layer H×(2H)...). So the model is built once
    with small sizes and once more with each size one step larger; the steps give each side's
    coefficients, and those give the shapes at the config's own sizes, with nothing allocated
    beyond a few small models. (The sizes are already bounded by :data:`LIMITS`.)
    """
    defaults = _model_parameters()
    structure = {key: value for key, value in config.items()
                 if key in defaults and key not in SIZES and key != "device"}
    structure["dropout"] = 0.0
    heads = int(config.get("heads", 4)) if config.get("model", "lstm") == "transformer" else 1
    base = {"source_vocab": 5, "target_vocab": 7, "embed_size": 2, "hidden_size": 3 * heads, "ff_size": 11}
    step = {"source_vocab": 1, "target_vocab": 1, "embed_size": 1, "hidden_size": heads, "ff_size": 1}
    actual = {"source_vocab": vocab_sizes[0], "target_vocab": vocab_sizes[1],
              **{key: config.get(key, defaults[key]) for key in ("embed_size", "hidden_size", "ff_size")}}

    def shapes_of(sizes: dict[str, int]) -> dict[str, tuple[int, ...]]:
        model = build_model(**structure, **sizes, device="cpu")
        return {name: tuple(value.shape) for name, value in model.state_dict().items()}

    at_base = shapes_of(base)
    grown = {size: shapes_of({**base, size: base[size] + step[size]}) for size in SIZES}
    expected = {}
    for name, shape in at_base.items():
        sides = []
        for axis, side in enumerate(shape):
            grows = 0
            for size in SIZES:
                slope, remainder = divmod(grown[size][name][axis] - side, step[size])
                if remainder:
                    raise ValueError(f"{name} does not grow in whole steps with {size}")
                grows += slope * (actual[size] - base[size])
            sides.append(side + grows)
        expected[name] = tuple(sides)
    return expected


def _model_parameters() -> dict[str, Any]:
    """The fields of :class:`models.seq2seq.ModelConfig` and their defaults."""
    return {field_.name: field_.default for field_ in fields(ModelConfig)}


# --- training state ---------------------------------------------------------------------------------


def _whole(value: Any, name: str, high: int = 2**63 - 1) -> int:
    if type(value) is not int or not 0 <= value <= high:
        raise ProblemError(f"has a damaged {name} ({str(value)[:40]!r} is not a whole number from 0 to {high:,})")
    return value


def _check_progress(progress: Any, history: Any, epochs: Any) -> None:
    if not isinstance(progress, dict) or not {"epoch", "batch"} <= set(progress):
        raise ProblemError("has a damaged progress (not {epoch, batch, ...})")
    epoch = _whole(progress["epoch"], "progress epoch", LIMITS["epochs"])
    _whole(progress["batch"], "progress batch")
    if "tokens" in progress:
        _whole(progress["tokens"], "progress token count")
    loss_sum = progress.get("loss_sum", 0.0)
    if isinstance(loss_sum, bool) or not isinstance(loss_sum, (int, float)) or not loss_sum >= 0:
        raise ProblemError(f"has a damaged progress loss sum ({str(loss_sum)[:40]!r})")
    if not isinstance(history, list) or len(history) != epoch:
        raise ProblemError(f"has a history of {len(history) if isinstance(history, list) else 'no'} epochs, but its "
                      f"progress says {epoch} finished")
    for number, record in enumerate(history, start=1):
        if not isinstance(record, dict) or record.get("epoch") != number or not all(
                isinstance(key, str) and (value is None or isinstance(value, (int, float)))
                for key, value in record.items()):
            raise ProblemError(f"has a damaged history record for epoch {number}")


def _check_rng(rng: Any) -> None:
    if not isinstance(rng, dict) or set(rng) != {"kind", "keys", "pos", "has_gauss", "cached_gaussian"}:
        raise ProblemError("has a damaged RNG state (not {kind, keys, pos, has_gauss, cached_gaussian})")
    if rng["kind"] != "MT19937":
        raise ProblemError(f"has an RNG state of kind {str(rng['kind'])[:40]!r}, not MT19937")
    keys = rng["keys"]
    if not isinstance(keys, list) or len(keys) != RNG_KEYS or not all(
            type(k) is int and 0 <= k < 2**32 for k in keys):
        raise ProblemError(f"has a damaged RNG state (its keys are not {RNG_KEYS} 32-bit whole numbers)")
    if keys[0] >> 31 == 0 and not any(keys[1:]):  # MT19937's state is its top bit and the 623 words after it
        raise ProblemError("has a damaged RNG state (all zero: MT19937 would give only zeros)")
    _whole(rng["pos"], "RNG position", RNG_KEYS)
    if rng["has_gauss"] not in (0, 1) or type(rng["has_gauss"]) is not int:
        raise ProblemError("has a damaged RNG state (has_gauss is not 0 or 1)")
    if not isinstance(rng["cached_gaussian"], (int, float)) or isinstance(rng["cached_gaussian"], bool):
        raise ProblemError("has a damaged RNG state (cached_gaussian is not a number)")


def check_optimizer(path: str, saved: Any, parameters: list[Any]) -> None:
    """Check an optimizer's saved state against the model's ``parameters`` before it is loaded."""
    def fail(problem: str) -> None:
        raise CheckpointError(f"checkpoint {path} has a damaged optimizer state: {problem}")

    if not isinstance(saved, dict) or set(saved) != {"state", "param_groups"}:
        fail("not {state, param_groups}")
    groups, state = saved["param_groups"], saved["state"]
    if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
        fail("param_groups is not a list of dicts")
    listed: list[Any] = []
    for group in groups:
        if not isinstance(group.get("params"), list):
            fail("a parameter group has no list of params")
        listed += group["params"]
        for key, value in group.items():
            numbers = value if isinstance(value, tuple) else (value,)
            if key != "params" and not all(
                    value is None or isinstance(n, (int, float)) and math.isfinite(n) for n in numbers):
                fail(f"the hyper-parameter {str(key)[:40]!r} is not a finite number")
        lr = group.get("lr")
        if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr > 0:
            fail("a parameter group's lr is not a positive number")
    if not all(type(i) is int for i in listed) or sorted(listed) != list(range(len(parameters))):
        fail(f"its groups list parameters {str(listed)[:60]}, but the model has {len(parameters)} "
             f"(0..{len(parameters) - 1})")
    if not isinstance(state, dict):
        fail("state is not a dict")
    for index, entry in state.items():
        if type(index) is not int or not 0 <= index < len(parameters) or not isinstance(entry, dict):
            fail(f"state for parameter {str(index)[:20]!r}, which the model does not have")
        for key, value in entry.items():
            if hasattr(value, "shape"):
                if tuple(value.shape) != tuple(parameters[index].shape) or value.dtype.kind != "f":
                    fail(f"{key} of parameter {index} is {value.dtype} {tuple(value.shape)}, but the parameter is "
                         f"{tuple(parameters[index].shape)}")
            elif key == "step":
                _whole_or_fail(value, fail)
            elif value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                fail(f"{key} of parameter {index} is not a number or an array")


def _whole_or_fail(value: Any, fail: Any) -> None:
    if type(value) is not int or value < 0:
        fail(f"step {str(value)[:20]!r} is not a non-negative whole number")


def data_file_sha256(path: str) -> str:
    """SHA-256 of the regular file at ``path`` (a FIFO, a device or a folder is refused), read in chunks."""
    try:
        descriptor, size = safefile.open_regular(path, MAX_DATA_BYTES)
        digest = hashlib.sha256()
        try:
            for offset in range(0, size, 1 << 20):
                digest.update(safefile.read_exactly(descriptor, min(1 << 20, size - offset), offset))
        finally:
            os.close(descriptor)
    except safefile.FileProblemError as exc:
        raise OSError(f"{path} {exc}") from None
    return digest.hexdigest()


# --- writing and reading a run's checkpoints -------------------------------------------------------


def checkpoint_config(config: TrainConfig, corpus: Corpus, data_sha256: str | None = None) -> dict[str, Any]:
    saved = {"train": asdict(config), "model": asdict(config.model_config()),
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
    check(read, TrainConfig)
    saved = read.config
    config = TrainConfig(**{**saved["train"], "device": device})
    source_vocab = Vocab.from_dict(saved["source_vocab"])
    target_vocab = Vocab.from_dict(saved["target_vocab"])
    try:
        model = build_model(len(source_vocab), len(target_vocab), ModelConfig(**saved["model"]), device=device)
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
        matches = data_file_sha256(data) == loaded.data_sha256
    except OSError as exc:
        raise DataError(f"the training file of checkpoint {path} cannot be read ({exc}); pass --data FILE") from None
    if not matches:
        raise DataError(f"{data} is not the file checkpoint {path} was trained on (its SHA-256 differs); pass "
                        "--data FILE to evaluate on")

