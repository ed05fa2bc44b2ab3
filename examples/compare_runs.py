"""Plot the per-epoch held-out accuracy of several training runs side by side.

Each run folder written by ``minigrad-translate train --out DIR`` holds ``metrics.jsonl``; this
draws their validation exact match (and token accuracy, dashed) against the epoch.

    python examples/compare_runs.py runs/dates_en runs/dates_en_plain --labels attention "no attention" \\
        --out docs/figures/dates_plain_vs_attention.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def read_metrics(run: Path) -> list[dict]:
    path = run / "metrics.jsonl"
    if not path.exists():
        raise SystemExit(f"error: {path} does not exist; is {run} a folder written by minigrad-translate train?")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders holding metrics.jsonl")
    parser.add_argument("--labels", nargs="+", help="one label per run (default: the folder names)")
    parser.add_argument("--title", default="held-out accuracy per epoch")
    parser.add_argument("--out", default="examples/out/compare_runs.png")
    args = parser.parse_args(argv)
    labels = args.labels or [run.name for run in args.runs]
    if len(labels) != len(args.runs):
        raise SystemExit(f"error: {len(args.runs)} runs but {len(labels)} labels")

    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(figsize=(5.5, 3.6))
    for run, label in zip(args.runs, labels):
        history = read_metrics(run)
        epochs = [h["epoch"] for h in history]
        line, = axes.plot(epochs, [h["valid_exact_match"] for h in history], marker="o", label=f"{label}: exact match")
        axes.plot(epochs, [h["valid_token_accuracy"] for h in history], linestyle="--", color=line.get_color(),
                  label=f"{label}: token accuracy")
        print(label, " ".join(f"epoch {h['epoch']}: {h['valid_exact_match']:.2%}" for h in history))
    axes.set(xlabel="epoch", ylabel="held-out accuracy", ylim=(0, 1.02), title=args.title)
    axes.set_xticks(sorted({h["epoch"] for run in args.runs for h in read_metrics(run)}))
    axes.legend(fontsize=8)
    figure.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    print(f"plot written to {out}")


if __name__ == "__main__":
    main()
