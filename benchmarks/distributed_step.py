"""What a data-parallel training step costs: compute, waiting, and the gradient all-reduce.

    python benchmarks/distributed_step.py --threads 2          # 1 process, the whole batch
    mpiexec -n 2 python benchmarks/distributed_step.py         # 2 processes, half the batch each
    mpiexec -n 3 python benchmarks/distributed_step.py         # 3 and 4: oversubscribed on 2 cores
    mpiexec -n 4 python benchmarks/distributed_step.py

The model is the dates configuration of ``minigrad-translate train`` (LSTM encoder and Luong
decoder, dot score, hidden 256, embedding 16, the fused LSTM), float32, on a global batch of
``--batch`` random sentences (source 29 tokens, target 11, the dates' lengths), split across the
processes as the trainer splits it. A step is what the trainer does: each process's forward and
backward on its share, ``minigrad.distributed.average_gradients``, ``clip_grad_norm_(5)`` and
Adam. Each step is timed in parts on every process:

    compute   forward and backward of this process's share
    wait      a barrier right after: the time the fastest process waits for the slowest
    reduce    average_gradients: the counts all-reduced, the gradient buffer made (one copy of
              every gradient), all-reduced in place by MPI, and cut back into the gradients
    update    clipping and Adam

and the table gives the median over ``--steps`` steps of the slowest process's time for each part.
The bytes: the gradient buffer (4 bytes a parameter), and what one process sends in a ring
all-reduce of it, 2(P−1)/P times that. Then the buffer alone (*buffer*: made from the
gradients and cut back into them, without MPI, on rank 0), and last MPI's Allreduce and
:func:`ring_allreduce` (the lesson, in Python) on a buffer of that size, median of ``--steps`` calls. The 1-minute load
average is printed before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import distributed, optim  # noqa: E402
from models.seq2seq import build_model  # noqa: E402

VOCAB = 40  # about the dates' vocabularies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128, help="the global batch")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10, help="timed steps (after 2 untimed)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads per process")
    args = parser.parse_args()
    world = distributed.world()
    mg.set_num_threads(args.threads)
    mg.manual_seed(0)
    model = build_model(VOCAB, VOCAB, hidden_size=args.hidden, embed_size=16, lstm="fused")
    distributed.broadcast_parameters(model.parameters(), world)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)  # the same batches on every process; each takes its share
    rows = distributed.shard(list(range(args.batch)), world)
    source_all = rng.integers(4, VOCAB, (args.batch, 29))
    target_all = rng.integers(4, VOCAB, (args.batch, 12))
    source = mg.tensor(source_all[rows], dtype=mg.int64)
    target_in, target_out = mg.tensor(target_all[rows, :-1], dtype=mg.int64), mg.tensor(target_all[rows, 1:],
                                                                                        dtype=mg.int64)
    tokens = target_out.shape[0] * target_out.shape[1]
    parts: dict[str, list[float]] = {"compute": [], "wait": [], "reduce": [], "update": [], "step": []}
    load_before = os.getloadavg()[0]
    for step in range(args.steps + 2):
        started = time.perf_counter()
        optimizer.zero_grad()
        model.loss(source, target_in, target_out).backward()
        computed = time.perf_counter()
        world.barrier()
        waited = time.perf_counter()
        distributed.average_gradients(model.parameters(), world, tokens)
        reduced = time.perf_counter()
        optim.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        updated = time.perf_counter()
        if step >= 2:
            for name, seconds in (("compute", computed - started), ("wait", waited - computed),
                                  ("reduce", reduced - waited), ("update", updated - reduced),
                                  ("step", updated - started)):
                parts[name].append(seconds)
    slowest = {name: [max(times) for times in zip(*gathered(world, values))] for name, values in parts.items()}
    parameters = sum(p.data.size for p in model.parameters())
    buffer = np.ones(parameters, dtype=np.float32)
    mpi_ms, ring_ms, buffer_ms = [], [], []
    used = [p for p in model.parameters() if p.grad is not None]
    for _ in range(args.steps):  # the buffer alone, no MPI: made from the gradients and cut back into them
        begin = time.perf_counter()
        distributed.unflatten_gradients(distributed.flatten_gradients(used), used)
        buffer_ms.append(time.perf_counter() - begin)
    if world.comm is not None:
        for _ in range(args.steps):
            out = np.empty_like(buffer)
            world.barrier()
            begin = time.perf_counter()
            world.comm.Allreduce(buffer, out)
            mpi_ms.append(time.perf_counter() - begin)
            world.barrier()
            begin = time.perf_counter()
            distributed.ring_allreduce(buffer, world.comm)
            ring_ms.append(time.perf_counter() - begin)
    if not world.is_root:
        return
    ms = lambda values: statistics.median(values) * 1000  # noqa: E731
    size = world.size
    route = distributed.route_for(mg.get_device("cpu"), world).name if size > 1 else "none (one process)"
    print(f"load average (1 min) at start {load_before:.2f}, at end {os.getloadavg()[0]:.2f}; "
          f"{size} process(es), {args.threads} BLAS thread(s) each, global batch {args.batch} "
          f"({len(rows)} on rank 0), {parameters:,} parameters; gradient route: {route}")
    print("processes | step ms | compute ms | wait ms | reduce ms | update ms | gradient MB | sent per process MB "
          "| buffer ms | MPI Allreduce ms | ring_allreduce ms")
    print(f"{size} | {ms(slowest['step']):.1f} | {ms(slowest['compute']):.1f} | {ms(slowest['wait']):.1f} | "
          f"{ms(slowest['reduce']):.2f} | {ms(slowest['update']):.1f} | {buffer.nbytes / 1e6:.2f} | "
          f"{2 * (size - 1) / size * buffer.nbytes / 1e6:.2f} | {ms(buffer_ms):.2f} | "
          + (f"{ms(mpi_ms):.2f} | {ms(ring_ms):.2f}" if mpi_ms else "- | -"))


def gathered(world: distributed.World, values: list[float]) -> list[list[float]]:
    """Every process's list of times (on rank 0; a world of one: its own)."""
    return world.comm.gather(values, root=0) or [values] if world.comm is not None else [values]


if __name__ == "__main__":
    main()
