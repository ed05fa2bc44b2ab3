"""examples/cnn_shapes.py: the small CNN learns the generated shapes (issue 24), on the cpu and strict devices,
and draws its graph with the convolutions' Unfold ops in it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "cnn_shapes.py"), *args], capture_output=True,
                            text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_the_cnn_learns_the_shapes_far_above_chance(device, tmp_path):
    out = run("--epochs", "4", "--device", device, "--out", str(tmp_path))
    accuracies = [float(a) for a in re.findall(r"test accuracy ([0-9.]+)", out)]
    assert accuracies[0] < 0.5  # before training: near chance (0.25)
    assert accuracies[-1] >= 0.95, out
    assert float(re.search(r"trained in ([0-9.]+) s", out).group(1)) < 60
    if shutil.which("dot"):
        svg = (tmp_path / "cnn_shapes.svg").read_text()
        assert "Unfold" in svg and "MatMul" in svg
