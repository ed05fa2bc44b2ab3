"""The examples run, with small settings, in a subprocess, and print (and write) what they promise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from models.attention import SCORES

ROOT = Path(__file__).resolve().parent.parent


HANG = 1800  # seconds: bounds a hang, never a slow machine (the longest run here takes under a minute when quiet)


def run(example: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run examples/<example>.py; it must exit 0. Returns its stdout."""
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg", **(env or {})}
    result = subprocess.run([sys.executable, str(ROOT / "examples" / f"{example}.py"), *args],
                            capture_output=True, text=True, timeout=HANG, cwd=ROOT, env=environment)
    assert result.returncode == 0, f"{example}.py exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def number_after(label: str, text: str) -> float:
    match = re.search(re.escape(label) + r"\s*(-?[0-9.]+)", text)
    assert match, f"{label!r} not found in:\n{text}"
    return float(match.group(1))


def test_autograd_basics_checks_the_chain_rule_and_draws_the_graph(tmp_path: Path) -> None:
    out = run("autograd_basics", "--out", str(tmp_path))
    for name in "abc":
        backward, by_hand = re.search(rf"dL/d{name}: backward (\S+)\s+chain rule by hand (\S+)", out).groups()
        assert backward == by_hand
    svg = tmp_path / "autograd_basics.svg"
    assert f"graph drawn to {svg.resolve()}" in out
    assert svg.read_text().lstrip().startswith("<?xml") and "Tanh" in svg.read_text()


def test_autograd_basics_without_graphviz_says_why_and_carries_on(tmp_path: Path) -> None:
    out = run("autograd_basics", "--out", str(tmp_path), env={"PATH": str(tmp_path)})  # no `dot` on PATH
    assert "graph not drawn: Graphviz's `dot` program was not found" in out
    assert "d(sum of first-class probabilities)/d(weight)" in out  # the rest still ran
    assert not (tmp_path / "autograd_basics.svg").exists()


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_custom_function_passes_gradcheck_and_the_wrong_backward_is_caught(device: str) -> None:
    out = run("custom_function", "--size", "3", "--device", device)
    assert "gradcheck: Softplus backward agrees with central differences" in out
    assert "gradgradcheck: and so does its second derivative" in out
    caught = out.split("gradcheck caught the wrong backward:")[1]
    assert "gradcheck failed for input 0" in caught and "numerical 0" in caught


@pytest.mark.parametrize("device", ["cpu", "strict"])
def test_worked_example_gives_the_notes_numbers_both_ways(device: str) -> None:
    out = run("worked_example", "--device", device)
    assert "[1.0000, 1.0000]\n    [0.0000, 1.0000]" in out  # scores Q Kᵀ
    assert out.count("[0.2689, 0.7311]") == 2  # weights: plain ops, then Attention
    assert out.count("[0.2689, 0.2689]") == 2  # output / context
    assert "plain ops and Attention('dot') agree" in out


def test_score_functions_table_has_every_score_and_weights_that_sum_to_one() -> None:
    out = run("score_functions")
    rows = {}
    for line in out.splitlines():
        name, _, numbers = line.partition("|")
        if name.strip() in SCORES:
            rows[name.strip()] = [float(v) for v in numbers.replace("|", " ").split()]
    assert set(rows) == set(SCORES)
    for values in rows.values():
        assert len(values) == 8 and abs(sum(values[4:]) - 1) < 2e-3
    assert rows["dot"][:4] == [2.0, 6.0, 0.0, -2.0]  # q·k for k = q, 3q, ⟂q, -q
    assert rows["scaled_dot"][:4] == [1.0, 3.0, 0.0, -1.0]  # / √4
    assert rows["cosine"][:4] == [1.0, 1.0, 0.0, -1.0]  # direction only: k = q and k = 3q tie
    assert rows["dot"][5] > 0.9  # dot favours the longest key


def test_self_attention_draws_the_heatmap_and_matches_the_loop(tmp_path: Path) -> None:
    out = run("self_attention", "--embed-dim", "8", "--heads", "2", "--sentence", "the cat saw the dog",
              "--out", str(tmp_path))
    assert "weights (1, 2, 5, 5)" in out
    assert "scores in the module: 1 batched matmul" in out
    assert "10 matmuls (one per query and head), same weights" in out
    assert (tmp_path / "self_attention.png").stat().st_size > 1000


def test_kernel_regression_learned_width_beats_the_fixed_kernel(tmp_path: Path) -> None:
    out = run("kernel_regression", "--steps", "20", "--out", str(tmp_path))
    fixed = out.split("fixed kernel (w = 1):")[1]
    learned = out.split("learned kernel (w = ")[1]
    assert number_after("leave-one-out loss", learned) < number_after("leave-one-out loss", fixed)
    assert number_after("test MSE", learned) < number_after("test MSE", fixed)
    assert float(learned.split(")")[0]) > 1  # the learned kernel is narrower than w = 1
    assert (tmp_path / "kernel_regression.png").stat().st_size > 1000


def test_devices_give_the_same_losses() -> None:
    out = run("devices", "--steps", "3", "--hidden", "8", "--batch-size", "4")
    header = next(line for line in out.splitlines() if line.startswith("step "))
    devices = header.split()[1:]
    assert devices[0] == "cpu" and "strict" in devices
    assert ("cuda" in devices) != ("cuda: not available, skipped:" in out)  # ran, or said why not
    rows = [line.split()[1:] for line in out.splitlines() if re.match(r"\s+\d+ ", line)]
    table = [dict(zip(devices, map(float, row))) for row in rows]
    assert len(table) == 3
    for row in table:
        assert row["strict"] == row["cpu"]  # the same NumPy arithmetic behind both: the very same numbers
        assert abs(row.get("cuda", row["cpu"]) - row["cpu"]) <= 1e-4  # CuPy: the same math, other kernels
    assert table[-1]["cpu"] < table[0]["cpu"]  # and the loss went down
    assert f"losses match across {', '.join(devices)}" in out


def test_student_heatmap_learns_the_notes_alignments(tmp_path: Path) -> None:
    # four epochs of a small model (about 10 s of CPU): enough for the notes' alignments to appear
    out = run("student_heatmap", "--epochs", "4", "--hidden", "32", "--out", str(tmp_path))
    assert "'i am a student' → 'je suis étudiant'" in out
    assert number_after("\nheld-out exact match", out) > 80  # the last line: after training
    looks = {(token, source): float(weight) for token, source, weight in
             re.findall(r"^ {4}(\S+)\s+looks most at '([^']+)'\s+\(weight ([0-9.]+)\)", out, flags=re.MULTILINE)}
    # the notes: each French word puts most of its weight on the English word it translates
    for token, source in (("suis", "am"), ("étudiant", "student"), ("voiture", "car"), ("rouge", "red")):
        assert looks.get((token, source), 0.0) >= 0.4, (token, source, looks)
    # "je" on the subject or on the verb that shows it (the full run looks at "am": docs/attention.md §6)
    assert max(looks.get(("je", "i"), 0.0), looks.get(("je", "am"), 0.0)) >= 0.4, looks
    assert all((tmp_path / f"heatmap_{i}.png").stat().st_size > 1000 for i in range(3))


@pytest.mark.slow
def test_bottleneck_plain_falls_with_length_and_attention_holds(tmp_path: Path) -> None:
    """The shape of Bahdanau et al.'s Figure 2 at small scale (26 s quiet, longer on a busy machine): both
    decoders trained alike."""
    import json

    out = run("bottleneck", "--steps", "300", "--hidden", "64", "--shortest", "3", "--longest", "16",
              "--symbols", "10", "--train-size", "4000", "--bucket", "3", "--out", str(tmp_path))
    assert "training the no attention model" in out and "training the attention (Luong, dot) model" in out
    results = json.loads((tmp_path / "bottleneck.json").read_text())
    plain = [row["token_accuracy"] for row in results["accuracy"]["no attention"]]
    attention = [row["token_accuracy"] for row in results["accuracy"]["attention (Luong, dot)"]]
    assert [row["lengths"] for row in results["accuracy"]["no attention"]] == ["3-5", "6-8", "9-11", "12-14", "15-16"]
    # measured over seeds 0-2: plain 92-96 % on 3-5 symbols, 26-31 % on 15-16; attention 92-97 % on 15-16
    assert plain[0] >= 0.8, plain                      # the plain decoder learned the task on short sources,
    assert plain[0] - plain[-1] >= 0.4, plain          # and falls as they grow;
    assert attention[0] >= 0.9, attention
    assert attention[-1] >= plain[-1] + 0.4, (attention, plain)  # attention holds on the longest
    assert all(len(norms) == 17 for norms in results["gradient_norms"].values())  # 16 symbols + <eos>
    # the gradient path: at initialisation, what reaches the first source symbol is far larger with
    # attention (a direct path from every decoder step) than without (through all sixteen later
    # LSTM steps): about 1,000 times, measured
    init = results["gradient_norms"]
    plain_init, attention_init = init["no attention"], init["attention (Luong, dot)"]
    assert attention_init[0] > 100 * plain_init[0], (attention_init[0], plain_init[0])
    # after training the loss differs (attention's is lower, and so are all its gradients), so the
    # comparison is within each model: the first position's share of the largest gradient
    # (measured: plain 0.13, attention 0.54)
    reach = results["reach_trained"]
    assert reach["attention (Luong, dot)"] > 2 * reach["no attention"], reach
    # same hidden size; attention adds only the layer that combines context and state
    assert results["parameters"]["attention (Luong, dot)"] < 1.2 * results["parameters"]["no attention"]
    assert (tmp_path / "bottleneck.png").stat().st_size > 1000


def test_bottleneck_refuses_a_bad_alphabet() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "bottleneck.py"), "--symbols", "40"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "--symbols must be between 2 and 20, not 40" in done.stderr


def test_compare_runs_plots_each_runs_metrics(tmp_path: Path) -> None:
    import json

    for name, accuracies in (("a", [0.5, 0.9]), ("b", [0.1, 0.4])):
        (tmp_path / name).mkdir()
        lines = [json.dumps({"epoch": i + 1, "valid_exact_match": acc, "valid_token_accuracy": acc})
                 for i, acc in enumerate(accuracies)]
        (tmp_path / name / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    figure = tmp_path / "compare.png"
    out = run("compare_runs", str(tmp_path / "a"), str(tmp_path / "b"), "--labels", "A", "B", "--out", str(figure))
    assert "A epoch 1: 50.00% epoch 2: 90.00%" in out and "B epoch 1: 10.00%" in out
    assert figure.stat().st_size > 1000


def test_parallelism_lstm_steps_grow_with_length_and_self_attention_does_not(tmp_path: Path) -> None:
    out = run("parallelism", "--lengths", "8,16,32", "--width", "16", "--heads", "2", "--batch", "2",
              "--repeats", "1", "--out", str(tmp_path))
    rows = {int(parts[0]): [float(v) for v in parts[1:] if v != "|"]
            for parts in (line.split() for line in out.splitlines()) if parts and parts[0].isdigit()}
    assert sorted(rows) == [8, 16, 32]
    lstm_ops, lstm_depth = {n: rows[n][0] for n in rows}, {n: rows[n][1] for n in rows}
    attention_ops, attention_depth = {n: rows[n][4] for n in rows}, {n: rows[n][5] for n in rows}
    # the LSTM records ops per step: four times the length, about four times the ops and the depth
    assert lstm_ops[32] > 3.5 * lstm_ops[8] and lstm_depth[32] > 3.5 * lstm_depth[8]
    # self-attention is the same few batched ops at every length: all positions at once
    assert attention_ops[8] == attention_ops[16] == attention_ops[32] < lstm_ops[8]
    assert attention_depth[8] == attention_depth[32]
    assert (tmp_path / "parallelism.png").stat().st_size > 1000


def test_which_state_asks_bahdanau_the_previous_state_and_luong_the_new_one() -> None:
    out = run("which_state_asks")
    assert "so the query of bahdanau is the previous state s₀" in out
    assert "so the query of luong is the new state s₁" in out
    differences = [float(v) for v in re.findall(r"differ by ([0-9.e+-]+)", out)]
    bahdanau_before, bahdanau_after, luong_before, luong_after = differences
    assert bahdanau_before == 0.0 < bahdanau_after and luong_after == 0.0 < luong_before
    assert "join=concat: W_c is 8×16" in out and "join=add: W_c is 8×8" in out
