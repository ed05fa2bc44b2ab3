"""Per-op overhead: a 2,000-op chain of elementwise ops on a 4x4 float32 tensor.

Prints µs per op for forward+backward and for forward under no_grad, for minigrad and
(if installed) torch in the same process, with their ratio. Times are medians over
repeats. This is a benchmark, not a test: it asserts nothing about time.

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


def median_us_per_op(run: Callable[[], None], ops: int, repeats: int) -> float:
    run()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / ops * 1e6


def bench_minigrad(ops: int, repeats: int) -> tuple[float, float]:
    data = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    x = mg.tensor(data, requires_grad=True)

    def train() -> None:
        x.grad = None
        chain(x, ops).sum().backward()

    def infer() -> None:
        with mg.no_grad():
            chain(x, ops)

    return median_us_per_op(train, ops, repeats), median_us_per_op(infer, ops, repeats)


def bench_torch(ops: int, repeats: int) -> tuple[float, float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    x = torch.tensor(np.random.default_rng(0).standard_normal((4, 4)), dtype=torch.float32, requires_grad=True)

    def train() -> None:
        x.grad = None
        chain(x, ops).sum().backward()

    def infer() -> None:
        with torch.no_grad():
            chain(x, ops)

    return median_us_per_op(train, ops, repeats), median_us_per_op(infer, ops, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}; {args.ops}-op chain on 4x4 float32")
    mine = bench_minigrad(args.ops, args.repeats)
    theirs = bench_torch(args.ops, args.repeats)
    print(f"{'':10} {'fwd+bwd µs/op':>15} {'no_grad fwd µs/op':>19}")
    print(f"{'minigrad':10} {mine[0]:15.2f} {mine[1]:19.2f}")
    if theirs is None:
        print("torch not installed: no reference run")
        return
    print(f"{'torch':10} {theirs[0]:15.2f} {theirs[1]:19.2f}")
    print(f"{'ratio':10} {mine[0] / theirs[0]:15.2f} {mine[1] / theirs[1]:19.2f}   (minigrad / torch)")


if __name__ == "__main__":
    main()
