"""Batched beam search against the per-sentence loop it replaced, in one process.

Both decode the same sources with the same model: ``Seq2Seq.beam_search`` runs all sentences of
a batch at once (batch × beam decoder rows per step), ``Seq2Seq.beam_search_one_by_one`` one
sentence at a time (beam rows per step). They are checked to give the same translations, then
timed in alternating rounds (so that a change in the machine's load falls on both alike); the
table gives the median seconds per call and the ratio. The model is a checkpoint's (a trained
one stops at <eos> as real use does) or, without ``--checkpoint``, a random dates-sized one
(hidden 256), which decodes every sentence to ``--max-len``.

    python benchmarks/beam_search.py --checkpoint runs/dates/best.safetensors --data dates.tsv --beam 5
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minigrad as mg  # noqa: E402
from models.checkpoint import load_checkpoint  # noqa: E402
from models.data import pad, read_pairs  # noqa: E402
from models.seq2seq import build_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", help="a checkpoint written by minigrad-translate train")
    parser.add_argument("--data", help="a TSV file whose sources are decoded (default: random ids)")
    parser.add_argument("--sentences", type=int, default=64, help="sentences per call (default: %(default)s)")
    parser.add_argument("--beam", type=int, default=5, help="beam size (default: %(default)s)")
    parser.add_argument("--max-len", type=int, default=12, help="decoding limit (default: %(default)s)")
    parser.add_argument("--hidden", type=int, default=256, help="random model's size (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds (default: %(default)s)")
    args = parser.parse_args(argv)
    mg.manual_seed(0)
    if args.checkpoint:
        loaded = load_checkpoint(args.checkpoint)
        model, corpus = loaded.model, loaded.corpus()
        if not args.data:
            parser.error("--checkpoint needs --data, the sentences to decode")
        texts = [s for s, _ in read_pairs(args.data).pairs[:args.sentences]]
        source = mg.tensor(pad([corpus.encode_source(t) for t in texts]), dtype=mg.int64)
    else:
        model = build_model(60, 14, hidden_size=args.hidden)
        rng = random.Random(0)
        source = mg.tensor([[rng.randrange(4, 60) for _ in range(20)] for _ in range(args.sentences)], dtype=mg.int64)
    model.eval()
    batched = model.beam_search(source, args.beam, args.max_len)
    one_by_one = model.beam_search_one_by_one(source, args.beam, args.max_len)
    assert [t.ids for t in batched] == [t.ids for t in one_by_one], "the two searches disagree"
    times: dict[str, list[float]] = {"batched": [], "one by one": []}
    for _ in range(args.repeats):
        for name, search in (("batched", model.beam_search), ("one by one", model.beam_search_one_by_one)):
            started = time.perf_counter()
            search(source, args.beam, args.max_len)
            times[name].append(time.perf_counter() - started)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{source.shape[0]} sentences, beam {args.beam}, max_len {args.max_len}; load average {load:.1f}")
    print(f"{'search':<12} {'s/call':>8} {'sentences/s':>12}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<12} {median:8.3f} {source.shape[0] / median:12.1f}")
    ratio = statistics.median(times["one by one"]) / statistics.median(times["batched"])
    print(f"batched is {ratio:.1f}x as fast as one by one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
