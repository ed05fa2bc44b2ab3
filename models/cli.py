"""``minigrad-translate`` (also ``python -m models``): train, translate, evaluate, draw attention.

    minigrad-translate train --task dates --epochs 3 --out runs/dates
    minigrad-translate translate --checkpoint runs/dates/best.safetensors "September 27, 1994"
    minigrad-translate evaluate --checkpoint runs/dates/best.safetensors
    minigrad-translate attention --checkpoint runs/dates/best.safetensors "27 septembre 1994" --out fig.png
    minigrad-translate convert runs/old/best.npz
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import minigrad as mg
from minigrad import CheckpointError, DeviceError, distributed, legacy, set_num_threads
from models.attention import SCORES
from models.bpe import shown
from models.checkpoint import check_training_data, load_checkpoint
from models.config import (
    FEW_PATTERN_PAIRS,
    SMALL_PATTERN_DEFAULTS,
    TRANSFORMER_FIELDS,
    TrainConfig,
    model_line,
    run_defaults,
    sentence_model,
    stopping_line,
)
from models.corpus import load_corpus
from models.data import (
    BOS_ID,
    LEVELS,
    MAX_LINE_BYTES,
    SENTENCE_TASKS,
    TASKS,
    DataError,
    read_tsv,
    stream_lines,
)
from models.decoder import DECODERS, JOINS
from models.evaluation import evaluate, held_out_line, translate
from models.options import (
    HelpFormatter,
    Parser,
    check_image_path,
    check_out,
    clip_norm,
    fraction,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from models.report import (
    choose_merges,
    choose_threads,
    data_report,
    evaluation_warnings,
    is_sentences,
    pattern_reason,
    sentence_reason,
)
from models.runfolder import BEST, LAST
from models.seq2seq import LSTM_PATHS, MODELS
from models.trainer import Trainer


def _parser() -> argparse.ArgumentParser:
    formatter = {"formatter_class": HelpFormatter}
    parser = Parser(prog="minigrad-translate", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("demo", help="the main job: train on dates, translate, draw a heatmap (see demo --help)")
    train = commands.add_parser("train", help="train a translation model", **formatter)
    source = train.add_mutually_exclusive_group()
    source.add_argument("--task", choices=sorted(TASKS), help="a built-in task (default: dates)")
    source.add_argument("--data", help="your own pairs: a UTF-8 TSV file, source<TAB>target per line "
                        "(default: none, a --task)")
    train.add_argument("--level", choices=LEVELS, help="tokens of both sides: characters, whitespace-separated words, "
                       "or BPE pieces (default: chosen per side from the data)")
    train.add_argument("--source-level", choices=LEVELS, help="tokens of the source (default: --level, or chosen)")
    train.add_argument("--target-level", choices=LEVELS, help="tokens of the target (default: --level, or chosen)")
    train.add_argument("--bpe-merges", type=positive_int, help="merges each BPE side learns from the training "
                       "split (default: 1,000 up to 5,000 training pairs, 2,000 up to 20,000, 4,000 up to 100,000, "
                       "else 8,000)")
    train.add_argument("--skip-bad-lines", action="store_true",
                       help="skip (and count) TSV lines that cannot be used instead of stopping at the first")
    train.add_argument("--max-len", type=positive_int,
                       help=f"the most tokens a side may have; longer pairs are refused (or skipped) (default: "
                       f"{TrainConfig.max_len}, and longer pairs are left out and counted in the data report)")
    train.add_argument("--size", type=positive_int, help="how many pairs a built-in task generates "
                       "(default: the task's own)")
    train.add_argument("--decoder", choices=DECODERS, help="the LSTM model's decoder (default: luong)")
    train.add_argument("--score", choices=SCORES, help="attention score (default: dot for luong, additive for "
                                                       "bahdanau; general on numbers and phrases)")
    train.add_argument("--input-feeding", action="store_true", default=None,
                       help="Luong's input feeding (default: off)")
    train.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                       help="a bidirectional encoder, or not (default: off; on for numbers and phrases)")
    train.add_argument("--reverse-source", action="store_true", help="feed the source backwards")
    train.add_argument("--epochs", type=positive_int,
                       help="epochs to train (default: 3 for the LSTM, 10 on phrases; 5 for the Transformer; on a "
                       "file of your own and on real sentences up to 100, with --patience and --max-minutes 20)")
    train.add_argument("--batch-size", type=positive_int, help="pairs per batch (default: 128; 64 for numbers, "
                       "32 for phrases)")
    train.add_argument("--model", choices=MODELS,
                       help="an LSTM encoder with an attention decoder, or the Transformer (default: lstm; the "
                       "Transformer on real sentences)")
    train.add_argument("--hidden", type=positive_int, dest="hidden_size",
                       help="LSTM size, or the Transformer's width (default: 256 for the LSTM, 128 on numbers, 64 on "
                       "phrases; 64 for the Transformer)")
    train.add_argument("--heads", type=positive_int, help="the Transformer's attention heads (default: 4)")
    train.add_argument("--ff", type=positive_int, dest="ff_size", help="the Transformer's feed-forward size "
                       "(default: 256)")
    train.add_argument("--embed", type=positive_int, dest="embed_size",
                       help="embedding size (default: 16; 32 for numbers and phrases)")
    train.add_argument("--layers", type=positive_int, dest="num_layers",
                       help="LSTM layers, or the Transformer's layers on each side (default: 1 for the LSTM, 2)")
    train.add_argument("--dropout", type=fraction, help="dropout, in [0, 1) (default: 0 for the LSTM, 0.1)")
    train.add_argument("--lr", type=positive_float, help="Adam's learning rate (default: 0.001 for the LSTM, 0.003 "
                       "on numbers and phrases and for the Transformer)")
    train.add_argument("--clip", type=clip_norm, default=5.0, help="gradient-norm clipping bound, or 'off'")
    train.add_argument("--label-smoothing", type=fraction, help="label smoothing ε, in [0, 1) (default: 0; 0.1 on "
                       "real sentences)")
    train.add_argument("--warmup", type=non_negative_int,
                       help="batches over which the learning rate rises linearly to --lr (default: 0, none, for "
                       "the LSTM; 300 for the Transformer)")
    train.add_argument("--patience", type=positive_int, help="stop after this many epochs without a better "
                       "held-out score: chrF on sentences, exact match on patterns, where every validation pair "
                       "right also stops (default: 5 on a file of patterns, 8 on real sentences; else train every "
                       "epoch)")
    train.add_argument("--max-minutes", type=positive_float, help="start no epoch that would end past this many "
                       "minutes of training (default: 20 on a file of your own and on real sentences; else no limit)")
    train.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N, or strict (the CPU stand-in for CuPy)")
    train.add_argument("--seed", type=int, default=0, help="the split, initial weights, batch order, dropout")
    train.add_argument("--out", help="run folder (default: runs/<file name> or runs/<task>)")
    train.add_argument("--resume", action="store_true", help="go on from OUT/last.safetensors")
    train.add_argument("--overwrite", action="store_true", help="start again in an OUT that holds a run")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument("--examples", type=non_negative_int, default=5, help="test translations to print at the end")
    train.add_argument("--no-bucket", dest="bucket", action="store_false", default=None,
                       help="batch random sentences together, not sentences of about one length (default: off)")
    train.add_argument("--join", choices=JOINS,
                       help="how the Luong decoder combines context and state: [c; s] or c + s (default: concat)")
    train.add_argument("--lstm", choices=LSTM_PATHS, help="run the LSTMs composed from the basic ops (what a learner "
                       "reads and draws) or fused into one op per layer (minigrad.fast: the same numbers, faster) "
                       "(default: fused)")
    train.add_argument("--threads", type=positive_int, help="CPU threads for matmuls (default: the cores that are "
                       "free now, from the load average)")
    train.add_argument("--profile", type=positive_int, nargs="?", const=3, metavar="N",
                       help="record training steps 2 to N+1 with minigrad.profile and print where their time went, op "
                       "by op; training then goes on (default: off; N is 3 when --profile comes alone)")

    def with_checkpoint(name: str, help_text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text, **formatter)
        command.add_argument("--checkpoint", required=True, help="a checkpoint written by train")
        command.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or strict")
        command.add_argument("--beam", type=positive_int, default=1, help="beam size (1: greedy)")
        command.add_argument("--length-penalty", type=non_negative_float, default=1.0,
                             help="beam search ranks finished outputs by log p / length^this")
        return command

    translate_command = with_checkpoint("translate", "translate text (arguments, or lines on stdin)")
    translate_command.add_argument("text", nargs="*", help="texts to translate (default: the lines of stdin)")
    evaluate_command = with_checkpoint("evaluate", "metrics on held-out data and the worst examples")
    evaluate_command.add_argument("--data", help="a TSV file to evaluate on (default: the run's test split)")
    evaluate_command.add_argument("--worst", type=non_negative_int, default=5, help="wrong outputs to show")
    attention = with_checkpoint("attention", "draw the attention heatmap of one translation")
    attention.add_argument("text", help="the text to translate")
    attention.add_argument("--out", default="attention.png", help="the image file (.png, .pdf, .svg, ...)")
    convert = commands.add_parser("convert", help="rewrite an old .npz checkpoint as .safetensors")
    convert.add_argument("old", help="an old .npz checkpoint")
    convert.add_argument("new", nargs="?", help="where to write it (default: OLD with .safetensors for .npz)")
    return parser


def _shown(text: str, limit: int = 100) -> str:
    """A sentence as the examples after training show it: quoted, ∅ when it is empty, and cut after
    ``limit`` characters (saying how long it is) so that a long one stays on a readable line."""
    if not text:
        return "∅"
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def _expected(example: dict) -> str:
    """The reference(s) of an example: ``'a'``, or ``'a' or 'b'`` for a source with several."""
    return " or ".join(_shown(reference) for reference in example.get("references", [example["target"]]))


def _as_flags(options: dict) -> str:
    """``{"hidden_size": 128, "bidirectional": True}`` as the command line says it: ``--hidden 128 --bidirectional``."""
    renamed = {"hidden_size": "hidden", "embed_size": "embed", "num_layers": "layers", "ff_size": "ff"}
    flags = []
    for name, value in options.items():
        flag = "--" + renamed.get(name, name).replace("_", "-")
        flags.append(flag if value is True else f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}")
    return " ".join(flags)


# Options that only one model, or one decoder, has: given to another, they would be ignored in silence.
LSTM_ONLY = {"decoder": "--decoder", "score": "--score", "input_feeding": "--input-feeding",
             "bidirectional": "--bidirectional", "join": "--join", "lstm": "--lstm", "embed_size": "--embed"}
TRANSFORMER_ONLY = {"heads": "--heads", "ff_size": "--ff"}
LUONG_ONLY = {"input_feeding": "--input-feeding", "join": "--join"}


def check_combination(options: dict) -> None:
    """Refuse an option that the chosen model or decoder does not have (``options``: only those given)."""
    def flag(name: str, table: dict[str, str]) -> str:
        return "--no-bidirectional" if name == "bidirectional" and options[name] is False else table[name]

    if options.get("model") == "transformer":
        for name in LSTM_ONLY:
            if name in options:
                raise DataError(f"{flag(name, LSTM_ONLY)} is an option of the LSTM model, not of the Transformer "
                                "(--model transformer)" + ("; its embeddings are --hidden wide"
                                                           if name == "embed_size" else ""))
        return
    for name in TRANSFORMER_ONLY:
        if name in options:
            raise DataError(f"{TRANSFORMER_ONLY[name]} is an option of the Transformer; add --model transformer")
    decoder = options.get("decoder", "luong")
    for name in LUONG_ONLY:
        if name in options and options[name] is not False and decoder != "luong":
            raise DataError(f"{LUONG_ONLY[name]} is an option of the Luong decoder, not of --decoder {decoder}")
    if "score" in options and decoder == "plain":
        raise DataError("--score is an option of the attention decoders; --decoder plain has no attention")


def _train(args: argparse.Namespace) -> int:
    world = mg.distributed.world()  # one of several processes under mpiexec (docs/distributed.md)
    if not world.is_root:  # rank 0 alone reports, and writes (models/trainer.py)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - for the rest of this process
    names = {f.name for f in fields(TrainConfig)}
    options = {k: v for k, v in vars(args).items() if k in names and v is not None}
    task = None if args.data else (args.task or "dates")
    given = dict(options)  # what the user set; the defaults fill in the rest once the data is read
    # --heads or --ff alone: the Transformer's options, right for a file that reads as sentences (the
    # Transformer is their default), wrong for patterns (the LSTM's); known once the file is read
    deferred = bool(args.data) and "model" not in given and any(name in given for name in TRANSFORMER_FIELDS)
    if not deferred:  # before any data is read
        check_combination({**given, "model": sentence_model(given)} if task in SENTENCE_TASKS else given)
    options["clip"] = args.clip  # None: no clipping
    options["task"] = task
    options["device"] = world.device(args.device)  # under mpiexec, "cuda" is this process's own GPU
    options["out"] = args.out or f"runs/{Path(args.data).stem if args.data else options['task']}"
    if args.data:
        options["data"] = str(Path(args.data).resolve())  # so that evaluate finds it from anywhere
    config = TrainConfig(**options)
    out = Path(config.out)
    check_out(out, args.resume, args.overwrite)  # before any data is read
    threads, why = (args.threads, "--threads") if args.threads else choose_threads()
    set_num_threads(threads)
    # --max-len not given: a pair longer than its default is left out and counted, not refused
    corpus = load_corpus(config, leave_out_long=args.max_len is None)
    config.source_level, config.target_level = corpus.source_vocab.level, corpus.target_vocab.level
    # the Transformer's, a built-in task's, real sentences' or a file of patterns' defaults, where not given,
    # all applied here, before anything (the model, the batches, the stopping rule) reads the config
    sentences = corpus.sentences if args.data else task in SENTENCE_TASKS
    applied, whose = run_defaults(given, task, sentences, user_data=bool(args.data), train_pairs=len(corpus.train))
    config = replace(config, **applied)
    if deferred:
        check_combination({**given, "model": config.model})
    if args.data:
        texts = [t for _, t in corpus.train + corpus.valid + corpus.test]  # as the target's level line counts them
        reason = (sentence_reason(texts) or "the target side is read as BPE pieces").removeprefix("real sentences: ")
        kind = (f"real sentences ({reason})" if sentences
                else f"patterns ({pattern_reason(texts)}), each output right or wrong")
        small = "" if sentences or not set(SMALL_PATTERN_DEFAULTS) & set(applied) else (
            f"; {len(corpus.train):,} training pairs are few (under {FEW_PATTERN_PAIRS:,}): smaller batches at a "
            "higher rate give each epoch more steps")
        print(f"the target side reads as {kind}; options not given, {whose} defaults (docs/cli.md): "
              f"{_as_flags(applied) or 'none'}{small}")
    elif applied:
        print(f"options not given, {whose} defaults (docs/cli.md): {_as_flags(applied)}")
    if args.data or sentences:
        print(model_line(config, given, sentences))
    stopping = stopping_line(config, corpus.sentences)
    if stopping:
        print(stopping)
    if "bpe" in (config.source_level, config.target_level) and config.bpe_merges is None:
        config.bpe_merges = choose_merges([s for s, _ in corpus.train], [t for _, t in corpus.train])
    print(data_report(corpus, config.task or args.data, config.max_len).text())
    print(f"threads: {threads} ({why})")
    if world.size > 1:
        print(f"processes: {world.size} (mpiexec), each with its share of every batch of {config.batch_size} pairs")
        route = distributed.route_for(mg.get_device(config.device), world)
        print(f"gradients all-reduced: {route.name} ({route.why})")
    trainer = Trainer(config, corpus, progress_bar=not args.no_progress and world.is_root,
                      profile_steps=args.profile or 0)
    trainer.open_run(resume=args.resume, overwrite=args.overwrite)  # locks out/ for this training
    if args.resume:
        print(f"resuming {out / LAST} at epoch {trainer.epoch + 1}, batch {trainer.batch_index}")
    print(trainer.model)
    try:
        trainer.fit()
    except KeyboardInterrupt:
        return 130
    finally:
        trainer.show_profile()  # --profile on a run with fewer steps than it asked for
    if not world.is_root:
        return 0
    trainer.model.load_state_dict(load_checkpoint(out / BEST, config.device).state["model"])
    test = evaluate(trainer.model, corpus, corpus.test or corpus.valid, config)
    print(f"test ({BEST}): {held_out_line(test.metrics('test'), corpus.sentences, 'test')}")
    for example in test.examples[:args.examples]:
        mark = "✓" if example["correct"] else "✗"
        print(f"  {mark} {_shown(example['source'])} → {_shown(example['output'])}" +
              ("" if example["correct"] else f" (expected {_expected(example)})"))
    print(f"checkpoints, metrics.jsonl and metrics.png are in {config.out}/")
    return 0


def _warn_unknown(loaded: object, texts: list[str]) -> None:
    for text in texts:
        unknown = loaded.source_vocab.unknown(text)  # type: ignore[attr-defined]
        if unknown:
            listed = ", ".join(repr(t) for t in dict.fromkeys(unknown))
            read_as = "its UTF-8 bytes" if loaded.source_vocab.level == "bpe" else "<unk>"  # type: ignore[attr-defined]
            print(f"warning: {listed} not in the source vocabulary of this model; read as {read_as} in {text!r}",
                  file=sys.stderr)


MAX_STDIN_BYTES = 64 << 20  # what translate reads from standard input, at most


class _Bounded:
    """A binary stream that refuses to give more than ``limit`` bytes in all (``translate < /dev/zero``)."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream, self.left = stream, limit

    def readline(self, size: int) -> bytes:
        line = self.stream.readline(min(size, self.left + 1))
        self.left -= len(line)
        if self.left < 0:
            raise DataError(f"standard input holds more than {MAX_STDIN_BYTES >> 20} MiB; translate it in parts")
        return line


def stdin_texts(stream: Any = None) -> list[str]:
    """The non-blank lines of standard input, bounded: each line and the whole input."""
    stream = _Bounded(stream if stream is not None else sys.stdin.buffer, MAX_STDIN_BYTES)
    texts = []
    for number, raw in stream_lines(stream, MAX_LINE_BYTES, "standard input"):
        if raw is None:
            raise DataError(f"standard input, line {number}: longer than {MAX_LINE_BYTES:,} bytes, too long to "
                            "translate as one sentence")
        try:
            text = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"standard input, line {number}: not UTF-8 text") from None
        if text.strip():
            texts.append(text)
    return texts


def tsv_field(text: str) -> str:
    """``text`` safe for one TSV field and a terminal: tabs, line breaks and other control characters escaped."""
    return "".join(_ESCAPES.get(c, f"\\x{ord(c):02x}" if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 else c)
                   for c in text)


_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _translate(args: argparse.Namespace) -> int:
    loaded = load_checkpoint(args.checkpoint, args.device)
    texts = args.text or stdin_texts()
    _warn_unknown(loaded, texts)
    results = translate(loaded.model, loaded.corpus(), texts, args.device, args.beam, loaded.config.max_len,
                        length_penalty=args.length_penalty)
    outputs = [loaded.target_vocab.decode(result.ids) for result in results]
    for text, output in zip(texts, outputs):
        print(f"{tsv_field(text)}\t{tsv_field(output)}")
    empty = [text for text, output in zip(texts, outputs) if not output]
    if empty:
        print(f"warning: {len(empty)} of {len(texts)} translations are empty (the model said <eos> at once): "
              + ", ".join(f"{text!r} → ∅" for text in empty[:3]) + (", ..." if len(empty) > 3 else ""),
              file=sys.stderr)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    loaded = load_checkpoint(args.checkpoint, args.device)
    if args.data:
        pairs, _ = read_tsv(args.data)
        corpus = loaded.corpus()
    else:
        check_training_data(loaded, args.checkpoint)  # never reads a file the checkpoint names unless it matches
        corpus = load_corpus(loaded.config, leave_out_long=True)  # the run's own split: long pairs left out
        corpus.source_vocab, corpus.target_vocab = loaded.source_vocab, loaded.target_vocab
        pairs = corpus.test
    result = evaluate(loaded.model, corpus, pairs, loaded.config, beam=args.beam, length_penalty=args.length_penalty)
    sentences = loaded.target_vocab.level == "bpe" or is_sentences([t for _, t in pairs])
    several = f" ({result.sources:,} distinct sources, each scored against all its references)" \
        if result.sources != len(pairs) else ""
    print(f"{len(pairs)} pairs{several}: {held_out_line(result.metrics('test'), sentences, 'test')}, "
          f"loss {result.loss:.4f}")
    for warning in evaluation_warnings(result, [s for s, _ in pairs], loaded.source_vocab):
        print(f"warning: {warning}", file=sys.stderr)
    if sentences:  # a few translations beside their references: most are neither right nor wrong
        shown_examples = result.examples[:args.worst]
        if shown_examples:
            print("translations beside their references:")
        for example in shown_examples:
            print(f"  {_shown(example['source'])} → {_shown(example['output'])} (reference: {_expected(example)})")
        return 0
    wrong = [e for e in result.examples if not e["correct"]][:args.worst]
    if wrong:
        print("wrong outputs:")
    for example in wrong:
        print(f"  {_shown(example['source'])} → {_shown(example['output'])} (expected {_expected(example)})")
    return 0


def _attention(args: argparse.Namespace) -> int:
    from models.heatmap import draw_attention, draw_attention_grid  # noqa: PLC0415

    image = check_image_path(args.out)  # before the model is read
    loaded = load_checkpoint(args.checkpoint, args.device)
    if loaded.config.decoder == "plain" and loaded.config.model == "lstm":
        print("error: this model has no attention (decoder 'plain'), so there is no heatmap", file=sys.stderr)
        return 2
    _warn_unknown(loaded, [args.text])
    result = translate(loaded.model, loaded.corpus(), [args.text], args.device, args.beam, loaded.config.max_len,
                       length_penalty=args.length_penalty)[0]
    source_tokens = [shown(token) for token in loaded.source_vocab.tokenize(args.text)] + ["<eos>"]
    if loaded.config.reverse_source:
        source_tokens = source_tokens[-2::-1] + ["<eos>"]
    output_tokens = [shown(loaded.target_vocab.tokens[i]) for i in result.ids]  # BPE pieces: spaces as ▁
    if len(result.weights) > len(result.ids):  # the step that said <eos> (absent if max_len cut it off)
        output_tokens.append("<eos>")
    output = loaded.target_vocab.decode(result.ids)
    path = draw_attention(result.weights, source_tokens, output_tokens, image, title=f"{args.text} → {output or '∅'}")
    print(f"{tsv_field(args.text)}\t{tsv_field(output)}\nheatmap written to {path.resolve()}")
    if loaded.config.model == "transformer":  # and every layer's and head's attention over the source
        grid = _transformer_heads(loaded, args.text, result.ids, len(output_tokens), args.device)
        heads = draw_attention_grid(grid, source_tokens, output_tokens, image.with_stem(image.stem + "_heads"),
                                    title=f"{args.text} → {output or '∅'}: cross-attention per layer and head")
        print(f"every layer and head written to {heads.resolve()}")
    return 0


def _transformer_heads(loaded: Any, text: str, ids: list[int], steps: int,
                       device: str) -> list[list[list[list[float]]]]:
    """The decoder's cross-attention of each layer and head, (steps × source), for the output ``ids``."""
    source = mg.tensor([loaded.corpus().encode_source(text)], dtype=mg.int64, device=device)
    inputs = [BOS_ID, *ids][:steps]  # what the decoding steps read: <bos>, then each token it had said
    target_in = mg.tensor([inputs], dtype=mg.int64, device=device)
    with mg.no_grad():
        loaded.model(source, target_in)
    return [[head.tolist() for head in layer[0]] for layer in loaded.model.decoder.cross_weights]


def _convert(args: argparse.Namespace) -> int:
    old = Path(args.old)
    new = Path(args.new) if args.new else old.with_suffix(".safetensors") if old.suffix == ".npz" else None
    if new is None:
        raise DataError(f"say where to write the converted checkpoint: "
                        f"minigrad-translate convert {old} NEW.safetensors")
    if new.exists():
        raise DataError(f"{new} already exists; remove it or name another file")
    legacy.convert(old, new)
    print(f"converted {old} → {new}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo"]:  # the main job, with its own options (models/demo.py)
        from models.demo import main as demo  # noqa: PLC0415 - demo imports this module

        return demo(argv[1:], prog="minigrad-translate demo")
    args = _parser().parse_args(argv)
    command = {"train": _train, "translate": _translate, "evaluate": _evaluate, "attention": _attention,
               "convert": _convert}
    try:
        return command[args.command](args)
    except (DataError, CheckpointError, DeviceError, OSError, mg.distributed.DistributedError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        mg.distributed.abort(2)  # under mpiexec: the other processes stop too, rather than wait for this one
        return 2
    except KeyboardInterrupt:
        if threading.current_thread() is threading.main_thread():  # the work is saved: more Ctrl-C only exits
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
