"""benchmarks/gpu_check.py cannot rot before a GPU is lent: its dry run runs every step on `strict`.

The dry run is the real check with the device swapped for CuPy's stand-in on the CPU, tiny sizes
and no install; the plan of the real check is checked command by command; the report's table is
read back from a benchmark output as cuda prints it.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"


def gpu_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, check=False)


def load_script():  # noqa: ANN201 - the benchmark module itself
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_dry_run_runs_every_step_on_strict_and_writes_the_report(tmp_path: Path) -> None:
    pytest.importorskip("torch")  # the benchmark step times minigrad beside torch
    done = gpu_check("--dry-run", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| install | skipped (dry run) |" in report
    for step in ("device", "tests", "train", "bench"):
        assert re.search(rf"^\| {step} \| ok \| [0-9.]+ \| {step}\.log \|$", report, re.M), report
        assert (tmp_path / f"{step}.log").exists()
    assert "device: strict" in report
    for batch in (2, 4):  # a row per batch size: five variants' ms and two ratios, all numbers
        row = re.search(rf"^\| {batch} \|(.*)\|$", report, re.M)
        assert row is not None, report
        assert all(re.fullmatch(r"[0-9.]+", cell.strip()) for cell in row.group(1).split("|")), row.group(0)
    assert re.search(r"^epoch 2: train loss", report, re.M)  # the showcase trained its 2 epochs
    assert "--profile: where training steps 2 to 4 went" in report and "LSTMRecurrence" in report
    assert re.search(r"^\d+ passed", report, re.M)  # the suite's strict cases passed


def test_the_real_check_installs_the_extra_tests_trains_and_times_on_cuda() -> None:
    done = gpu_check("--plan", "--out", "runs/x")
    assert done.returncode == 0, done.stderr
    commands = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert commands["install"].endswith("-m pip install --disable-pip-version-check -e .[cuda]")
    assert commands["device"].endswith("-c <device probe> cuda")
    assert commands["tests"].endswith("-m pytest -p no:cacheprovider -k cuda tests")
    assert "-m models train --task dates --epochs 2 --device cuda" in commands["train"]
    assert "--profile 3" in commands["train"] and "--size" not in commands["train"]
    assert "--device cuda" in commands["bench"] and "--batch 32,64,128,256,512,1024 --hidden 256" in commands["bench"]
    only = gpu_check("--plan", "--no-install", "--steps", "bench")
    assert only.stdout.splitlines()[:3] == ["install: skipped (--no-install)", "device: skipped (not in --steps)",
                                           "tests: skipped (not in --steps)"]


def test_a_failing_step_fails_the_check_and_the_others_still_run(tmp_path: Path) -> None:
    done = gpu_check("--dry-run", "--out", str(tmp_path), "--python", sys.executable + "-missing")
    assert done.returncode == 1
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    for step in ("device", "tests", "train", "bench"):  # each tried, each failed, none stopped the rest
        assert re.search(rf"^\| {step} \| FAILED ", report, re.M), report


def test_the_report_reads_the_benchmark_table_as_cuda_prints_it() -> None:
    output = """== 1 thread(s), cuda: batch 32, hidden 256, embed 16, src_len 29, tgt_len 11; medians of 10
variant               step ms greedy ms  peak MB traced MB | step/b step/d greedy/b greedy/d  mem/b  mem/d
(a) minigrad             20.0      10.0        —         — |   2.00   1.00     1.00     1.00      —      —
(a') composed            40.0      10.0        —         — |   4.00   1.00     1.00     1.00      —      —
(b) torch nn.LSTM        10.0      10.0        —         — |   1.00   1.00     1.00     1.00      —      —
(c) torch LSTMCell       30.0      10.0        —         — |   3.00   1.00     1.00     1.00      —      —
(d) cupy by hand         20.0      10.0        —         — |   2.00   1.00     1.00     1.00      —      —

== 1 thread(s), cuda: batch 1024, hidden 256, embed 16, src_len 29, tgt_len 11; medians of 10
(a) minigrad             50.0      10.0        —         — |
(b) torch nn.LSTM       100.0      10.0        —         — |
"""
    script = load_script()
    table = script.bench_table(output).splitlines()
    assert table[2] == "| 32 | 20.0 | 40.0 | 10.0 | 30.0 | 20.0 | 2.00 | 4.00 |"
    assert table[3] == "| 1024 | 50.0 | — | 100.0 | — | — | 0.50 | — |"
    assert script.bench_table("Traceback ...") == "(the benchmark printed no table: see bench.log)"
