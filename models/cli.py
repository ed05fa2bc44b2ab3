"""``minigrad-translate`` (also ``python -m models``): train, translate, evaluate, draw attention.

    minigrad-translate train --task dates --epochs 3 --out runs/dates
    minigrad-translate translate --checkpoint runs/dates/best.safetensors "September 27, 1994"
    minigrad-translate evaluate --checkpoint runs/dates/best.safetensors
    minigrad-translate attention --checkpoint runs/dates/best.safetensors "27 septembre 1994" --out fig.png
    minigrad-translate convert runs/old/best.npz
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from minigrad import CheckpointError, DeviceError, legacy, set_num_threads
from models.attention import SCORES
from models.data import TASKS, DataError, read_tsv, tokenize
from models.decoder import DECODERS
from models.runfolder import BEST, LAST
from models.seq2seq import LSTM_PATHS
from models.training import (
    TrainConfig,
    Trainer,
    check_training_data,
    evaluate,
    load_checkpoint,
    load_corpus,
    translate,
)


def _at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minigrad-translate", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a translation model")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--task", choices=sorted(TASKS), help="a built-in task (default: dates)")
    source.add_argument("--data", help="your own pairs: a UTF-8 TSV file, source<TAB>target per line")
    train.add_argument("--level", choices=("char", "word"), help="tokens of a TSV file (default: guessed)")
    train.add_argument("--skip-bad-lines", action="store_true", help="skip TSV lines without a tab")
    train.add_argument("--size", type=int, help="how many pairs a built-in task generates")
    train.add_argument("--decoder", choices=DECODERS, default="luong")
    train.add_argument("--score", choices=SCORES, help="attention score (default: dot for luong, additive for "
                                                       "bahdanau)")
    train.add_argument("--input-feeding", action="store_true", help="Luong's input feeding")
    train.add_argument("--bidirectional", action="store_true", help="a bidirectional encoder")
    train.add_argument("--reverse-source", action="store_true", help="feed the source backwards")
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--batch-size", type=int, default=128)
    train.add_argument("--hidden", type=int, default=256, dest="hidden_size")
    train.add_argument("--embed", type=int, default=16, dest="embed_size")
    train.add_argument("--layers", type=int, default=1, dest="num_layers")
    train.add_argument("--dropout", type=float, default=0.0)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--clip", type=float, default=5.0)
    train.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N, or strict (the CPU stand-in for CuPy)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", help="run folder (default: runs/TASK)")
    train.add_argument("--resume", action="store_true", help="go on from OUT/last.safetensors")
    train.add_argument("--overwrite", action="store_true", help="start again in an OUT that holds a run")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument("--examples", type=int, default=5, help="test translations to print at the end")
    train.add_argument("--no-bucket", dest="bucket", action="store_false", default=None,
                       help="batch random sentences together, not sentences of about one length")
    train.add_argument("--lstm", choices=LSTM_PATHS, help="run the LSTMs composed from the basic ops (what a learner "
                       "reads and draws) or fused into one op per layer (minigrad.fast: the same numbers, faster; the "
                       "default)")
    train.add_argument("--threads", type=_at_least_one, help="CPU threads for matmuls (default: all cores; on a busy "
                       "machine fewer can be faster)")

    def with_checkpoint(name: str, help_text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--checkpoint", required=True, help="a checkpoint written by train")
        command.add_argument("--device", default="cpu")
        command.add_argument("--beam", type=int, default=1, help="beam size (1: greedy)")
        return command

    translate_command = with_checkpoint("translate", "translate text (arguments, or lines on stdin)")
    translate_command.add_argument("text", nargs="*")
    evaluate_command = with_checkpoint("evaluate", "metrics on held-out data and the worst examples")
    evaluate_command.add_argument("--data", help="a TSV file to evaluate on (default: the run's test split)")
    evaluate_command.add_argument("--worst", type=int, default=5)
    attention = with_checkpoint("attention", "draw the attention heatmap of one translation")
    attention.add_argument("text")
    attention.add_argument("--out", default="attention.png")
    convert = commands.add_parser("convert", help="rewrite an old .npz checkpoint as .safetensors")
    convert.add_argument("old", help="an old .npz checkpoint")
    convert.add_argument("new", nargs="?", help="where to write it (default: OLD with .safetensors for .npz)")
    return parser


def _train(args: argparse.Namespace) -> int:
    if args.threads is not None:
        set_num_threads(args.threads)
    names = {f.name for f in fields(TrainConfig)}
    options = {k: v for k, v in vars(args).items() if k in names and v is not None}
    options["task"] = None if args.data else (args.task or "dates")
    options["out"] = args.out or f"runs/{Path(args.data).stem if args.data else options['task']}"
    if args.data:
        options["data"] = str(Path(args.data).resolve())  # so that evaluate finds it from anywhere
    config = TrainConfig(**options)
    corpus = load_corpus(config)
    if corpus.skipped:
        print(f"skipped {corpus.skipped} bad line(s) of {config.data}")
    print(f"{config.task or config.data}: {len(corpus.train)} training, {len(corpus.valid)} validation, "
          f"{len(corpus.test)} test pairs; vocabularies {len(corpus.source_vocab)} → {len(corpus.target_vocab)}")
    trainer = Trainer(config, corpus, progress_bar=not args.no_progress)
    out = Path(config.out)
    trainer.open_run(resume=args.resume, overwrite=args.overwrite)  # locks out/ for this training
    if args.resume:
        print(f"resuming {out / LAST} at epoch {trainer.epoch + 1}, batch {trainer.batch_index}")
    print(trainer.model)
    try:
        trainer.fit()
    except KeyboardInterrupt:
        return 130
    trainer.model.load_state_dict(load_checkpoint(out / BEST, config.device).state["model"])
    test = evaluate(trainer.model, corpus, corpus.test or corpus.valid, config)
    print(f"test ({BEST}): exact match {test.exact_match:.2%}, token accuracy {test.token_accuracy:.2%}"
          + (f", BLEU {test.bleu:.1f}" if test.bleu is not None else ""))
    for example in test.examples[:args.examples]:
        mark = "✓" if example["correct"] else "✗"
        print(f"  {mark} {example['source']!r} → {example['output']!r}" +
              ("" if example["correct"] else f" (expected {example['target']!r})"))
    print(f"checkpoints, metrics.jsonl and metrics.png are in {config.out}/")
    return 0


def _warn_unknown(loaded: object, texts: list[str]) -> None:
    for text in texts:
        unknown = loaded.source_vocab.unknown(text)  # type: ignore[attr-defined]
        if unknown:
            shown = ", ".join(repr(t) for t in dict.fromkeys(unknown))
            print(f"warning: {shown} not in the source vocabulary of this model; read as <unk> in {text!r}",
                  file=sys.stderr)


def _translate(args: argparse.Namespace) -> int:
    loaded = load_checkpoint(args.checkpoint, args.device)
    texts = args.text or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    _warn_unknown(loaded, texts)
    results = translate(loaded.model, loaded.corpus(), texts, args.device, args.beam, loaded.config.max_len)
    for text, result in zip(texts, results):
        print(f"{text}\t{loaded.target_vocab.decode(result.ids)}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    loaded = load_checkpoint(args.checkpoint, args.device)
    if args.data:
        pairs, _ = read_tsv(args.data)
        corpus = loaded.corpus()
    else:
        check_training_data(loaded, args.checkpoint)  # never reads a file the checkpoint names unless it matches
        corpus = load_corpus(loaded.config)
        corpus.source_vocab, corpus.target_vocab = loaded.source_vocab, loaded.target_vocab
        pairs = corpus.test
    result = evaluate(loaded.model, corpus, pairs, loaded.config, beam=args.beam)
    print(f"{len(pairs)} pairs: exact match {result.exact_match:.2%}, token accuracy {result.token_accuracy:.2%}, "
          f"loss {result.loss:.4f}" + (f", BLEU {result.bleu:.1f}" if result.bleu is not None else ""))
    wrong = [e for e in result.examples if not e["correct"]][:args.worst]
    if wrong:
        print("wrong outputs:")
    for example in wrong:
        print(f"  {example['source']!r} → {example['output']!r} (expected {example['target']!r})")
    return 0


def _attention(args: argparse.Namespace) -> int:
    from models.heatmap import draw_attention  # noqa: PLC0415

    loaded = load_checkpoint(args.checkpoint, args.device)
    if loaded.config.decoder == "plain":
        print("error: this model has no attention (decoder 'plain'), so there is no heatmap", file=sys.stderr)
        return 2
    _warn_unknown(loaded, [args.text])
    result = translate(loaded.model, loaded.corpus(), [args.text], args.device, args.beam, loaded.config.max_len)[0]
    level = loaded.source_vocab.level
    source_tokens = tokenize(args.text, level) + ["<eos>"]
    if loaded.config.reverse_source:
        source_tokens = source_tokens[-2::-1] + ["<eos>"]
    output_tokens = [loaded.target_vocab.tokens[i] for i in result.ids]
    if len(result.weights) > len(result.ids):  # the step that said <eos> (absent if max_len cut it off)
        output_tokens.append("<eos>")
    path = draw_attention(result.weights, source_tokens, output_tokens, args.out,
                          title=f"{args.text} → {loaded.target_vocab.decode(result.ids)}")
    print(f"{args.text}\t{loaded.target_vocab.decode(result.ids)}\nheatmap written to {path}")
    return 0


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
    args = _parser().parse_args(argv)
    command = {"train": _train, "translate": _translate, "evaluate": _evaluate, "attention": _attention,
               "convert": _convert}
    try:
        return command[args.command](args)
    except (DataError, CheckpointError, DeviceError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
