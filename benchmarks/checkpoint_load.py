"""Load time of a checkpoint: minigrad.load (.safetensors, bounded and checked) against np.load of an .npz.

    python benchmarks/checkpoint_load.py --mb 100 --repeats 5

Both files hold the same arrays (a state dict of float32 matrices of about ``--mb`` MB in all);
np.load reads every array of the .npz (``allow_pickle=False``); minigrad.load reads, bounds and
checks the .safetensors file, verifies its SHA-256 and builds the Tensors. The two are timed
interleaved in one process, and the table gives the median of each and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minigrad as mg  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    count = 20
    side = int((args.mb * 2**20 / 4 / count) ** 0.5)
    state = {f"layer{i}.weight": rng.standard_normal((side, side), dtype=np.float32) for i in range(count)}
    with tempfile.TemporaryDirectory() as folder:
        ours, theirs = Path(folder) / "model.safetensors", Path(folder) / "model.npz"
        mg.save({"model": {name: mg.tensor(value) for name, value in state.items()}}, ours)
        np.savez(theirs, **state)

        def load_ours() -> None:
            loaded = mg.load(ours)
            assert len(loaded["model"]) == count

        def load_theirs() -> None:
            with np.load(theirs, allow_pickle=False) as archive:
                loaded = {name: archive[name] for name in archive.files}
            assert len(loaded) == count

        times: dict[str, list[float]] = {"minigrad.load (.safetensors)": [], "np.load (.npz)": []}
        for _ in range(args.repeats):
            for name, function in zip(times, (load_ours, load_theirs)):
                started = time.perf_counter()
                function()
                times[name].append(time.perf_counter() - started)
        sizes = {"minigrad.load (.safetensors)": ours.stat().st_size, "np.load (.npz)": theirs.stat().st_size}
    reference = statistics.median(times["np.load (.npz)"])
    print(f"{'loader':32} {'file MB':>8} {'median ms':>10} {'ratio':>6}")
    for name, measured in times.items():
        median = statistics.median(measured)
        print(f"{name:32} {sizes[name] / 2**20:8.1f} {median * 1000:10.1f} {median / reference:6.2f}")


if __name__ == "__main__":
    main()
