"""Training step of the LSTM with attention against the Transformer, each with its CLI defaults, in one process.

    python benchmarks/model_step.py --task dates_en --rounds 5
    python benchmarks/model_step.py --task numbers --rounds 5

The models are what ``minigrad-translate train --task TASK`` builds with no other option:

    lstm (fused)      the LSTM encoder and Luong decoder (dot score), hidden 256, embedding 16,
                      the LSTMs as one op per layer from minigrad.fast (the CLI's default); on
                      numbers and phrases their own defaults (models.config.TASK_DEFAULTS)
    lstm (composed)   the same with --lstm composed: every LSTM step recorded op by op
    transformer       --model transformer: width 64, 2 + 2 layers, 4 heads, feed-forward 256,
                      dropout 0.1

A step is what the trainer does for one batch (``Trainer.train_epoch``): the loss, backward,
clip_grad_norm_(5) and Adam's update. Every model steps through the same ``--batches`` batches
of the task's training pairs, made as the trainer makes them (the LSTM's batch size, grouped by
length). The
models take turns in rounds, the order reversed every other round, so that a change in the
machine's load falls on all alike. The table gives the median ms per step over the rounds, the
range, and the ratio to the first model, computed within each round (median and range); then
the same for greedy decoding of one batch of 128 validation sources, as the trainer's evaluation
decodes them after every epoch: ``Seq2Seq.greedy``'s encode and decoder steps, run for the task's
whole decoding limit (the models are untrained, and stopping at <eos> would time outputs of
different lengths). The LSTM decoder takes one step on its state per token; the Transformer's
computes the new position, whose self-attention reads the earlier positions' keys and values
from its state, so its cost grows with each token.
The machine may be shared: the 1-minute load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minigrad as mg  # noqa: E402
from minigrad import optim  # noqa: E402
from models.batches import Batch, batches, make_batch  # noqa: E402
from models.config import TrainConfig, run_defaults  # noqa: E402
from models.corpus import load_corpus  # noqa: E402
from models.data import BOS_ID  # noqa: E402
from models.evaluation import decode_limit  # noqa: E402
from models.seq2seq import build_model  # noqa: E402


def configs(task: str, size: int | None) -> dict[str, TrainConfig]:
    """The three models' configs, as the CLI makes them from ``--task TASK`` (plus --lstm/--model)."""
    lstm = TrainConfig(task=task, size=size, **run_defaults({}, task)[0])
    transformer_defaults, _ = run_defaults({"model": "transformer"}, task)
    transformer = TrainConfig(task=task, size=size, model="transformer", **transformer_defaults)
    return {"lstm (fused)": lstm, "lstm (composed)": replace(lstm, lstm="composed"), "transformer": transformer}


def step(model: mg.nn.Module, optimizer: optim.Adam, batch: Batch, clip: float | None) -> float:
    """One training step, as the trainer takes it; returns the loss."""
    loss = model.loss(batch.source, batch.target_in, batch.target_out)
    optimizer.zero_grad()
    loss.backward()
    if clip is not None:
        optim.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="dates_en", choices=("dates", "dates_en", "numbers", "phrases"))
    parser.add_argument("--size", type=int, default=4000, help="pairs to generate (only the batches are used)")
    parser.add_argument("--batches", type=int, default=10, help="batches per model per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (minigrad.set_num_threads)")
    args = parser.parse_args()
    for name in ("size", "batches", "rounds", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, not {getattr(args, name)}")
    mg.set_num_threads(args.threads)
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.2f}; {args.threads} BLAS thread(s)")

    variants = configs(args.task, args.size)
    corpus = load_corpus(next(iter(variants.values())))
    chosen = list(batches(corpus, next(iter(variants.values())), epoch=0))[: args.batches]
    tokens = sum(b.tokens for b in chosen) / len(chosen)
    print(f"task {args.task}: {len(chosen)} batches of the training pairs, {tokens:.0f} target tokens each on average")

    models = {}
    for name, config in variants.items():
        mg.manual_seed(config.seed)
        model = build_model(len(corpus.source_vocab), len(corpus.target_vocab), config.model_config())
        model.train()
        models[name] = (model, optim.Adam(model.parameters(), lr=config.lr), config.clip)
        step(*models[name][:2], chosen[0], config.clip)  # warm-up: the buffers, the first allocations
        print(f"  {name:16s} {model.num_parameters():>9,} parameters")

    source = make_batch(corpus, corpus.valid[:128], "cpu").source
    limit = decode_limit(corpus, next(iter(variants.values())))

    def decode(name: str) -> None:
        model = models[name][0]
        model.eval()
        with mg.no_grad():
            memory = model.encode(source)
            state = model.decoder.start(memory)
            tokens = mg.full((source.shape[0],), BOS_ID, dtype=mg.int64)
            for _ in range(limit):
                logits, state, _ = model.decoder.step(tokens, state, memory)
                tokens = logits.argmax(axis=-1)
        model.train()

    def train(name: str) -> None:
        model, optimizer, clip = models[name]
        for batch in chosen:
            step(model, optimizer, batch, clip)

    for label, work, per in (("step ms", train, len(chosen)), ("greedy ms", decode, 1)):
        times: dict[str, list[float]] = {name: [] for name in models}
        for round_ in range(args.rounds):
            order = list(models) if round_ % 2 == 0 else list(reversed(models))
            for name in order:
                started = time.perf_counter()
                work(name)
                times[name].append((time.perf_counter() - started) / per * 1000)
        first = next(iter(models))
        print(f"\n{'model':16s} {label:>9s} {'range':>15s} {'÷ ' + first:>20s} {'range':>13s}"
              + (f"   ({limit} tokens)" if work is decode else ""))
        for name, measured in times.items():
            ratios = [t / f for t, f in zip(measured, times[first])]
            print(f"{name:16s} {statistics.median(measured):9.1f} {min(measured):7.1f}-{max(measured):<7.1f} "
                  f"{statistics.median(ratios):20.2f} {min(ratios):6.2f}-{max(ratios):<6.2f}")
    print(f"\nload average (1 min) at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
