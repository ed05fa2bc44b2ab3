"""Per-op overhead: a 2,000-op chain of elementwise ops on a 4x4 float32 tensor.

Prints µs per op for forward+backward and for forward under no_grad, for minigrad and
(if installed) torch in the same process, with their ratio. Times are medians over
repeats, the two libraries taking turns repeat by repeat, so that a change in the machine's
load falls on both alike. This is a benchmark, not a test: it asserts nothing about time.

    python benchmarks/overhead.py [--ops 2000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg


def chain(x: Any, ops: int) -> Any:
    """ops elementwise ops in a row: mul, add, tanh, sub, cycling."""
    y = x
    for _ in range(ops // 4):
        y = ((y * 0.5 + 0.25).tanh()) - 0.1
    return y


def runs_for(lib: Any, x: Any, ops: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """(forward+backward, forward under no_grad) of the chain, for minigrad or torch."""

    def train() -> None:
        x.grad = None
        chain(x, ops).sum().backward()

    def infer() -> None:
        with lib.no_grad():
            chain(x, ops)

    return train, infer


def median_us_per_op(runs: dict[str, Callable[[], None]], ops: int, repeats: int) -> dict[str, float]:
    """Each run ``repeats`` times, taking turns; the median µs per op of each."""
    for run in runs.values():
        run()  # warm up
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) / ops * 1e6 for name, values in times.items()}


def bench(ops: int, repeats: int) -> tuple[tuple[float, float], tuple[float, float] | None]:
    data = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    runs = dict(zip(("minigrad train", "minigrad infer"),
                    runs_for(mg, mg.tensor(data, requires_grad=True), ops)))
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(1)
        runs.update(zip(("torch train", "torch infer"),
                        runs_for(torch, torch.tensor(data, requires_grad=True), ops)))
    result = median_us_per_op(runs, ops, repeats)
    mine = (result["minigrad train"], result["minigrad infer"])
    theirs = (result["torch train"], result["torch infer"]) if torch is not None else None
    return mine, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}; {args.ops}-op chain on 4x4 float32")
    mine, theirs = bench(args.ops, args.repeats)
    print(f"{'':10} {'fwd+bwd µs/op':>15} {'no_grad fwd µs/op':>19}")
    print(f"{'minigrad':10} {mine[0]:15.2f} {mine[1]:19.2f}")
    if theirs is None:
        print("torch not installed: no reference run")
        return
    print(f"{'torch':10} {theirs[0]:15.2f} {theirs[1]:19.2f}")
    print(f"{'ratio':10} {mine[0] / theirs[0]:15.2f} {mine[1] / theirs[1]:19.2f}   (minigrad / torch)")


if __name__ == "__main__":
    main()
