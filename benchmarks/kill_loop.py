"""kill -9 a small training at random moments, resume it each time, and check the run folder after every kill.

    python benchmarks/kill_loop.py --kills 40

After each kill: ``best`` exists whenever ``last`` does, ``metrics.jsonl`` lists epochs 1..n once
each, and the next ``train --resume`` (or a fresh ``train`` before any checkpoint) goes on. At
the end the checkpoints must be bitwise those of a run that was never killed. (tests/
test_runfolder.py runs the same loop with a handful of kills.)
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

PAIRS = [("ab", "ba"), ("abc", "cba"), ("bca", "acb"), ("cab", "bac"), ("aab", "baa"), ("bcc", "ccb"),
         ("ca", "ac"), ("abca", "acba"), ("cc", "cc"), ("bb", "bb"), ("acb", "bca"), ("ba", "ab")] * 12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from safetensors.numpy import load_file

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        data = folder / "pairs.tsv"
        data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS), encoding="utf-8")

        def command(out: Path) -> list[str]:
            return [sys.executable, "-m", "models", "train", "--data", str(data), "--epochs", str(args.epochs),
                    "--hidden", "8", "--embed", "4", "--batch-size", "4", "--dropout", "0.1", "--out", str(out),
                    "--no-progress", "--threads", "1", "--examples", "0"] + (
                        ["--resume"] if (out / "last.safetensors").exists() else [])

        subprocess.run(command(folder / "straight"), check=True, capture_output=True)
        rng, out = random.Random(args.seed), folder / "killed"
        kills, states = 0, []
        while True:
            process = subprocess.Popen(command(out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                process.wait(timeout=rng.uniform(0.3, 6.0) if kills < args.kills else 3600)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                kills += 1
            stderr = process.stderr.read().decode()
            process.stderr.close()
            listed = []
            if (out / "metrics.jsonl").exists():
                listed = [json.loads(line)["epoch"] for line in (out / "metrics.jsonl").read_text().splitlines()]
            has_last = (out / "last.safetensors").exists()
            assert not has_last or (out / "best.safetensors").exists(), "last without best"
            assert listed == list(range(1, len(listed) + 1)), f"metrics.jsonl lists {listed}"
            states.append(len(listed))
            if process.returncode == 0:
                break
            assert process.returncode == -9, stderr
        for name in ("last.safetensors", "best.safetensors"):
            mine, theirs = load_file(str(out / name)), load_file(str(folder / "straight" / name))
            assert mine.keys() == theirs.keys() and all((mine[k] == theirs[k]).all() for k in mine), name
    print(json.dumps({"kills": kills, "epochs_listed_after_each_kill": states[:-1],
                      "final_checkpoints_bitwise_equal_to_an_unkilled_run": True}))


if __name__ == "__main__":
    main()
