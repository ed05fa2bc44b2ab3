"""One training loop, three devices: only the device string changes.

A small attention Seq2Seq (``models.seq2seq.build_model``) learns to reverse short sequences for
a few Adam steps, on each device in ``--devices``:

* ``cpu``: NumPy;
* ``cuda``: CuPy on an NVIDIA GPU (if there is none, or no CuPy, minigrad raises ``DeviceError``,
  whose message says why, and the example goes on without it);
* ``strict``: the CPU stand-in that refuses, as CuPy does, any implicit conversion to NumPy, so
  that the CuPy code path is exercised on a machine without a GPU.

The model is built on the CPU and then moved (``model.to(device)``), because each device draws
random numbers from its own stream and CuPy's differs from NumPy's: moved, every device starts
from the same weights, and the losses agree step by step (to float32 rounding on a GPU).

    python examples/devices.py --steps 10 --devices cpu cuda strict
"""

from __future__ import annotations

import argparse
import random
import time

import minigrad as mg
from minigrad import optim
from models.data import BOS_ID, EOS_ID
from models.seq2seq import build_model

FIRST_TOKEN, VOCAB = 4, 10  # ids 0-3 are <pad> <bos> <eos> <unk>; the sequences use 4 … 9


def reversal_batch(size: int, length: int, seed: int) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    """Source, decoder input and decoder output ids (plain lists) for the task "reverse the sequence"."""
    rng = random.Random(seed)
    sources = [[rng.randrange(FIRST_TOKEN, VOCAB) for _ in range(length)] for _ in range(size)]
    targets = [source[::-1] for source in sources]
    return sources, [[BOS_ID, *target] for target in targets], [[*target, EOS_ID] for target in targets]


def train(device: str, steps: int, batch: tuple[list[list[int]], ...], hidden: int) -> list[float]:
    """The training loop. Nothing in it knows which device it runs on, apart from ``device``."""
    mg.manual_seed(0)
    model = build_model(VOCAB, VOCAB, decoder="luong", embed_size=8, hidden_size=hidden, device="cpu").to(device)
    source, target_in, target_out = (mg.tensor(ids, dtype=mg.int64, device=device) for ids in batch)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(steps):
        loss = model.loss(source, target_in, target_out)  # mean cross-entropy over the target tokens
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The same Seq2Seq training steps on cpu, cuda and strict.")
    parser.add_argument("--steps", type=int, default=10, help="Adam steps (default: 10)")
    parser.add_argument("--devices", nargs="+", default=["cpu", "cuda", "strict"],
                        help="devices to run on (default: cpu cuda strict)")
    parser.add_argument("--hidden", type=int, default=16, help="LSTM hidden size (default: 16)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--length", type=int, default=5, help="sequence length (default: 5)")
    args = parser.parse_args(argv)

    batch = reversal_batch(args.batch_size, args.length, seed=0)
    results: dict[str, list[float]] = {}
    for device in args.devices:
        try:
            mg.get_device(device)  # fails here, with the reason, if the device cannot be used
        except mg.DeviceError as error:
            print(f"{device}: not available, skipped: {error}")
            continue
        start = time.perf_counter()
        results[device] = train(device, args.steps, batch, args.hidden)
        print(f"{device}: {args.steps} steps in {time.perf_counter() - start:.2f} s")
    if not results:
        raise SystemExit("devices.py: none of the devices could be used")

    names = list(results)
    print("\nstep " + "".join(f"{name:>12}" for name in names))
    for step in range(args.steps):
        print(f"{step + 1:4d} " + "".join(f"{results[name][step]:12.6f}" for name in names))

    reference = results[names[0]]
    difference = max((abs(a - b) for name in names[1:] for a, b in zip(results[name], reference)), default=0.0)
    if difference > 1e-4:
        raise SystemExit(f"devices.py: the losses differ across devices by up to {difference:.3g}")
    print(f"losses match across {', '.join(names)} (largest difference {difference:.2g})")


if __name__ == "__main__":
    main()
