"""The main job, on any OS: ``minigrad-translate demo`` or ``python -m models.demo`` (what scripts/demo.sh runs).

Trains an LSTM encoder with a Luong attention decoder on the built-in ``dates`` task (NumPy
backend), reports its held-out exact match, translates a few dates written in several languages,
and draws the attention heatmap of a Korean one. It needs only ``pip install -e ".[showcase]"``:
no bash, no apt (the Hangul glyphs come from the pip-installed NanumGothic, see models/heatmap.py).

    python -m models.demo                                   # the full job, a few minutes on two cores
    python -m models.demo --size 2000 --epochs 1 --out runs/quick   # a quick look
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from models.cli import main as translate

SENTENCES = ("September 27, 1994", "27 septembre 1994", "Dienstag, 27. September 1994",
             "martes, 27 de septiembre de 1994", "1994년 9월 27일", "3/14/2015")
HEATMAP_SENTENCE = "1994년 9월 27일 화요일"


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def parse_args(argv: list[str] | None, prog: str = "python -m models.demo") -> argparse.Namespace:
    """The options; the defaults can also come from DEMO_SIZE, DEMO_EPOCHS, DEMO_HIDDEN, DEMO_OUT."""
    env = os.environ
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=_positive, default=env.get("DEMO_SIZE", "30000"), help="training pairs")
    parser.add_argument("--epochs", type=_positive, default=env.get("DEMO_EPOCHS", "4"))
    parser.add_argument("--hidden", type=_positive, default=env.get("DEMO_HIDDEN", "128"), help="LSTM size")
    parser.add_argument("--out", type=Path, default=Path(env.get("DEMO_OUT", "runs/demo")), help="run folder")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or strict (default: cpu)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, prog: str = "python -m models.demo") -> int:
    """Train, translate, draw; the exit status of the first step that fails (2 for bad input), else 0."""
    args = parse_args(argv, prog)
    out = args.out
    status = translate(["train", "--task", "dates", "--size", str(args.size), "--epochs", str(args.epochs),
                        "--hidden", str(args.hidden), "--device", args.device, "--out", str(out),
                        "--examples", "8", "--overwrite"])  # running the main job again starts it again
    if status:
        return status
    found = [path for path in sorted(out.glob("best.*")) if path.suffix in (".npz", ".safetensors")]
    if not found:
        print(f"error: training wrote no best checkpoint into {out}", file=sys.stderr)
        return 2
    checkpoint = str(found[0])
    print(f"\ntranslations by {checkpoint}:")
    status = translate(["translate", "--checkpoint", checkpoint, *SENTENCES])
    if status:
        return status
    print()
    return translate(["attention", "--checkpoint", checkpoint, HEATMAP_SENTENCE, "--out", str(out / "attention.png")])


if __name__ == "__main__":
    sys.exit(main())
