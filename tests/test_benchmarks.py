"""The benchmarks run end to end and print their tables (behaviour only: nothing about time)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run_benchmark(script: str, *args: str) -> str:
    """Run ``benchmarks/<script>`` in a subprocess; return its stdout once it has exited with 0."""
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, f"{script} {' '.join(args)} exited with {done.returncode}:\n{done.stderr}"
    return done.stdout


def test_overhead_prints_its_table() -> None:
    out = run_benchmark("overhead.py", "--ops", "40", "--repeats", "1")
    assert "fwd+bwd µs/op" in out
    assert "no_grad fwd µs/op" in out
    assert "minigrad" in out


def test_seq2seq_step_smoke_run_checks_and_prints_its_table() -> None:
    pytest.importorskip("torch")
    out = run_benchmark("seq2seq_step.py", "--quick", "--hidden", "32", "--batch", "8", "--repeats", "1",
                        "--threads", "1")
    assert "load average (1 min) at start" in out and "load average (1 min) at end" in out
    assert "check (d) against torch" in out  # the floor's gradients were checked
    assert "loss check, same weights and batch" in out and "(ok," in out
    for header in ("variant", "step ms", "greedy ms", "peak MB", "step/b", "step/d"):
        assert header in out
    for variant in ("(a) minigrad", "(a') composed", "(b) torch nn.LSTM", "(c) torch LSTMCell", "(d) numpy by hand"):
        assert variant in out


def test_seq2seq_step_memory_run_reports_megabytes() -> None:
    """What each memory subprocess of a full run does (a --quick run skips them)."""
    pytest.importorskip("torch")
    traced = {}
    for hidden in (32, 128):
        out = run_benchmark("seq2seq_step.py", "--memory-of", "minigrad", "--hidden", str(hidden), "--batch", "8",
                            "--threads", "1", "--memory-steps", "1")
        memory = json.loads(out.strip().splitlines()[-1])
        assert isinstance(memory["peak"], (int, float)) and memory["peak"] >= 0  # RSS growth: ~0 when memory is reused
        traced[hidden] = memory["traced"]
    # the weights alone grow 16-fold with the hidden size squared: the traced peak must grow with them
    assert 0 < traced[32] < traced[128]


def test_seq2seq_step_without_a_gpu_says_so_and_exits_cleanly() -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is here: the cuda run is a real benchmark, not a smoke test")
    out = run_benchmark("seq2seq_step.py", "--device", "cuda", "--quick", "--hidden", "32", "--batch", "8")
    assert "--device cuda: cannot run here" in out


def test_checkpoint_load_prints_its_table() -> None:
    out = run_benchmark("checkpoint_load.py", "--mb", "2", "--repeats", "1")
    assert "minigrad.load (.safetensors)" in out and "np.load (.npz)" in out


def test_model_step_times_the_lstm_and_the_transformer_with_the_cli_defaults() -> None:
    out = run_benchmark("model_step.py", "--task", "numbers", "--size", "300", "--batches", "1", "--rounds", "2")
    assert "load average (1 min) at start" in out and "load average (1 min) at end" in out
    for name in ("lstm (fused)", "lstm (composed)", "transformer"):
        assert re.search(rf"^  {re.escape(name)}\s+[0-9,]+ parameters$", out, re.M), (name, out)
        assert re.search(rf"^{re.escape(name)}\s+[0-9.]+\s+[0-9.]+-[0-9.]+\s+[0-9.]+", out, re.M), (name, out)
    assert re.search(r"^lstm \(fused\)\s+[0-9.]+\s+[0-9.]+-[0-9.]+\s+1\.00\s+1\.00-1\.00", out, re.M), out


@pytest.mark.slow
def test_torch_translators_train_both_models_and_print_their_table() -> None:
    pytest.importorskip("torch")
    out = run_benchmark("torch_translators.py", "--task", "kor-eng", "--size", "200", "--minutes", "0.01",
                        "--threads", "1")
    assert "| model | epochs (best) | test BLEU | test chrF | exact match | seconds |" in out
    assert re.search(r"^\| tutorial GRU \+ Bahdanau, words \| \d+ \(\d+\) \| [\d.]+ \| [\d.]+ \|", out, re.M), out
    assert re.search(r"^\| Transformer 3\+3 × 256, BPE \| \d+ \(\d+\) \| [\d.]+ \| [\d.]+ \|", out, re.M), out
