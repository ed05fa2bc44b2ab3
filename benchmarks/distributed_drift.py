"""Why 1 and N processes end with different weights on a long run: measured, step by step.

    python benchmarks/distributed_drift.py --save /tmp/drift/one.npz                  # 1 process
    mpiexec -n 2 python benchmarks/distributed_drift.py --save /tmp/drift/two.npz     # 2 processes
    python benchmarks/distributed_drift.py --save /tmp/drift/ulp.npz --nudge          # 1 process, weights +1 ulp
    python benchmarks/distributed_drift.py --compare /tmp/drift/one.npz /tmp/drift/two.npz

A run is the trainer's own (``models.trainer.Trainer.fit``, what ``minigrad-translate train``
runs) on the numbers task with that task's defaults (``--task numbers --seed 0``: 9,000 pairs,
batch 64, hidden 128, lr 0.003, 2 epochs, 282 steps), ``--threads`` BLAS threads per process
(default 1). Every ``--every`` steps, and at the end of each epoch, rank 0 keeps a copy of all
weights; it also keeps each step's gradient norm before clipping, each epoch's held-out
scores, and the weights of ``best.safetensors``. ``--nudge`` moves every initial weight by one
unit in the last place (``np.nextafter``) after the broadcast: a difference as small as rounding,
made on purpose. ``--dtype float64`` runs it all in float64. ``--shares V`` (1 process) computes
each batch as V processes would: the gradient of each of its V shares (``distributed.shard``),
scaled by its share of the target tokens, then added up in rank order, as ``MPI.Allreduce`` adds
them on 2 processes.

``--compare A B`` prints, at each kept step, the largest weight difference between the two runs,
the parameter tensor it is in and that tensor's largest weight, and the two runs' gradient norms
before clipping at that step; then each epoch's train loss and held-out scores, and
at the end which epoch each saved as ``best`` and how far their ``best`` weights are apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import distributed, optim  # noqa: E402
from minigrad.backend import to_host  # noqa: E402
from models import trainer as training  # noqa: E402  (the names the trainer loop looks up, swapped below)
from models.batches import Batch, epoch_batches, make_batch  # noqa: E402
from models.config import TrainConfig, run_defaults  # noqa: E402
from models.corpus import Corpus, load_corpus  # noqa: E402
from models.seq2seq import Seq2Seq  # noqa: E402
from models.trainer import Trainer  # noqa: E402


def record(args: argparse.Namespace) -> None:
    """Train once, keeping the weights every ``args.every`` steps (rank 0 writes ``args.save``)."""
    mg.set_num_threads(args.threads)
    if args.dtype == "float64":
        mg.set_default_dtype(mg.float64)
    defaults, _ = run_defaults({}, "numbers")
    with tempfile.TemporaryDirectory() as out:
        config = TrainConfig(**{**defaults, "task": "numbers", "seed": args.seed, "out": out,
                                **({"epochs": args.epochs} if args.epochs else {}),
                                **({"size": args.size} if args.size else {})})
        corpus = load_corpus(config)
        trainer = Trainer(config, corpus, progress_bar=False)
        names = list(trainer.model.state_dict())
        parameters = list(trainer.model.parameters())
        if args.nudge:  # one unit in the last place, every weight: a rounding-sized difference
            for p in parameters:
                p.data[...] = p.device.asarray(np.nextafter(to_host(p.data), np.inf))
        kept: dict[str, np.ndarray] = {}
        norms: list[float] = []
        step = [0]
        per_epoch = len(epoch_batches(corpus, config, 0))

        def keep(label: str) -> None:
            kept[label] = np.concatenate([to_host(p.data).ravel().astype(np.float64) for p in parameters])

        keep("0")
        clip, original_step = optim.clip_grad_norm_, trainer.optimizer.step

        def clipping(parameters_: object, max_norm: float, *rest: object) -> object:
            norm = clip(parameters_, max_norm, *rest)
            norms.append(float(norm))
            return norm

        def stepping() -> None:
            original_step()
            step[0] += 1
            if step[0] % args.every == 0 or step[0] % per_epoch == 0:
                keep(str(step[0]))

        if args.shares > 1:
            if trainer.world.size > 1:
                raise SystemExit("--shares is for one process: it does on one what --shares processes do")
            training.batches = lambda *a, **k: shared_batches(args.shares, *a, **k)
            training.backward_share = backward_shares
        backward, spent = training.backward_share, [0.0]

        def timed(*arguments: object) -> tuple[float, int]:
            begin = time.perf_counter()
            try:
                return backward(*arguments)
            finally:
                spent[0] += time.perf_counter() - begin

        training.backward_share = timed
        training.optim.clip_grad_norm_ = clipping  # the trainer calls optim.clip_grad_norm_ by name
        trainer.optimizer.step = stepping
        trainer.open_run(overwrite=True)
        trainer.fit(log=lambda line: print(line) if trainer.world.is_root else None)
        keep(str(step[0]))
        if not trainer.world.is_root:
            return
        from safetensors.numpy import load_file  # noqa: PLC0415

        best = load_file(str(Path(out) / "best.safetensors"))
        sizes = [p.data.size for p in parameters]
        np.savez(args.save, steps=np.array(sorted(map(int, kept))), sizes=np.array(sizes), names=np.array(names),
                 norms=np.array(norms), best=np.concatenate([best[n].ravel().astype(np.float64) for n in names]),
                 history=json.dumps(trainer.history), **{f"w{k}": v for k, v in kept.items()})
    print(f"{distributed.world().size} process(es), {args.shares} share(s) each batch, {args.dtype}, nudge "
          f"{args.nudge}: {step[0]} steps, forward + backward + gradient sum {1000 * spent[0] / step[0]:.1f} ms a "
          f"step (rank 0); kept in {args.save}")


def shared_batches(count: int, corpus: Corpus, config: TrainConfig, epoch: int, start: int = 0,
                   world: object = None) -> Iterator[list[Batch | None]]:
    """Each batch of ``epoch`` as the ``count`` shares that ``count`` processes would each take."""
    for chunk in epoch_batches(corpus, config, epoch)[start:]:
        shares = (distributed.shard(chunk, distributed.World(rank, count)) for rank in range(count))
        yield [make_batch(corpus, [corpus.train[i] for i in share], config.device) if share else None
               for share in shares]


def backward_shares(model: Seq2Seq, optimizer: optim.Optimizer, shares: list[Batch | None],
                    label_smoothing: float, world: object) -> tuple[float, int]:
    """What ``models.parallel.backward_share`` and ``average_gradients`` do on len(shares) processes, on
    one: each share's gradient, times its tokens over the batch's, summed in rank order."""
    parameters = list(model.parameters())
    total = sum(share.tokens for share in shares if share is not None)
    summed, loss_sum = None, 0.0
    for share in shares:
        optimizer.zero_grad()
        if share is None:  # an empty share adds zeros, which change no sum
            continue
        mean = model.loss(share.source, share.target_in, share.target_out, label_smoothing)
        mean.backward()
        flat = np.concatenate([to_host(p.grad.data).ravel() for p in parameters])
        flat *= flat.dtype.type(share.tokens / total)
        summed = flat if summed is None else summed + flat
        loss_sum += mean.item() * share.tokens
    offset = 0
    for p in parameters:
        p.grad = mg.Tensor(summed[offset:offset + p.data.size].reshape(p.shape))
        offset += p.data.size
    return loss_sum, total


def compare(first: str, second: str) -> None:
    """The largest weight difference between two recorded runs at each kept step, and where it is."""
    a, b = np.load(first), np.load(second)
    names, sizes = list(a["names"]), list(a["sizes"])
    bounds = np.cumsum([0, *sizes])
    print("step | max abs weight difference | in | largest weight there | grad norm A | grad norm B")
    for step in a["steps"]:
        wa, wb = a[f"w{step}"], b[f"w{step}"]
        gap = np.abs(wa - wb)
        where = int(np.searchsorted(bounds, int(gap.argmax()), side="right")) - 1
        piece = slice(bounds[where], bounds[where + 1])
        norm_a = a["norms"][step - 1] if step else float("nan")
        norm_b = b["norms"][step - 1] if step else float("nan")
        print(f"{step} | {gap.max():.3g} | {names[where]} | {np.abs(wa[piece]).max():.3g} | "
              f"{norm_a:.4g} | {norm_b:.4g}")
    for label, run in (("A", a), ("B", b)):
        history = json.loads(str(run["history"]))
        print(f"{label}: " + "; ".join(f"epoch {h['epoch']} train loss {h['train_loss']:.6f}, valid exact match "
                                      f"{h['valid_exact_match']:.4f}, valid loss {h['valid_loss']:.6f}"
                                      for h in history))
    gap = np.abs(a["best"] - b["best"])
    print(f"best.safetensors: max abs difference {gap.max():.3g}, "
          f"weights differing by more than 1e-3: {(gap > 1e-3).sum()} of {gap.size}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", help="record a run into this .npz file (rank 0 writes it)")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two recorded runs")
    parser.add_argument("--every", type=int, default=10, help="keep the weights every this many steps")
    parser.add_argument("--epochs", type=int, help="epochs (default: the numbers task's, 2)")
    parser.add_argument("--size", type=int, help="pairs the numbers task generates (default: the task's, 10,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads per process")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--shares", type=int, default=1, help="on 1 process: each batch as this many processes")
    parser.add_argument("--nudge", action="store_true", help="every initial weight one ulp up")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
    elif args.save:
        record(args)
    else:
        parser.error("give --save FILE (record a run) or --compare A B")


if __name__ == "__main__":
    main()
