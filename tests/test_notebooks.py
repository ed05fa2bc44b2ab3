"""The notebooks run, top to bottom, in a real Jupyter kernel, and their exercises' checks can fail.

Every ``notebooks/*.py`` is a jupytext percent-format notebook (plain text, so that it diffs
well). Each test here reads one with jupytext, executes it with nbclient in a fresh kernel whose
working directory is ``notebooks/`` (so ``import exercises`` works), with ``MINIGRAD_NOTEBOOK_QUICK=1``
so that the training notebook trains a tiny model, and fails with the cell's source and error if
any cell raises. A learner opens the same files in Jupyter (``jupytext --to ipynb`` or the jupytext
plugin). All the notebooks together stay within about a minute on two shared cores.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = sorted(p for p in NOTEBOOKS.glob("[0-9]*.py"))
EXPECTED = ["01_autograd_internals.py", "02_attention_step.py", "03_train_a_translator.py", "04_bottleneck.py"]
# All notebooks together take about 20 s on an idle 2-core machine and about 40 s with the cores
# shared five ways; this guard only stops a notebook from growing into a long run.
BUDGET_S = 90.0

jupytext = pytest.importorskip("jupytext", reason="the notebooks extra: pip install -e '.[notebooks]'")
nbclient = pytest.importorskip("nbclient", reason="the notebooks extra: pip install -e '.[notebooks]'")

_timings: dict[str, float] = {}


def test_the_notebooks_are_the_ones_we_ship() -> None:
    assert [p.name for p in SOURCES] == EXPECTED


def _execute(path: Path) -> object:
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name}: a cell failed:\n{error}", pytrace=False)
    return notebook


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_notebook_runs_top_to_bottom(path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed: the notebooks draw graphs")
    monkeypatch.setenv("MINIGRAD_NOTEBOOK_QUICK", "1")
    monkeypatch.setenv("MINIGRAD_NOTEBOOK_OUT", str(tmp_path))  # where the training notebook writes
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    start = time.perf_counter()
    notebook = _execute(path)
    _timings[path.name] = time.perf_counter() - start
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "correct:" in text, "the exercise's check did not report a correct solution"
    if path.name != "03_train_a_translator.py":  # the first two draw inline: SVG graphs or PNG heatmaps
        shown = [o for o in outputs if o.get("output_type") in ("display_data", "execute_result")]
        assert any({"image/svg+xml", "image/png"} & set(o.get("data", {})) for o in shown)


def test_all_notebooks_together_fit_the_budget() -> None:
    if len(_timings) != len(SOURCES):
        pytest.skip("runs after the notebooks themselves (all of them, in this session)")
    total = sum(_timings.values())
    print(f"notebooks: {', '.join(f'{k} {v:.1f} s' for k, v in _timings.items())}; total {total:.1f} s")
    assert total < BUDGET_S, f"the notebooks took {total:.1f} s together, over the {BUDGET_S:.0f} s budget"


# --- the exercises' checks reject wrong answers ---------------------------------------------------

sys.path.insert(0, str(NOTEBOOKS))
exercises = pytest.importorskip("exercises")


def test_sigmoid_check_rejects_a_missing_factor() -> None:
    def forgot_the_derivative(w, x, b):  # d/dz of σ left out
        return x, w, 1.0

    with pytest.raises(AssertionError, match="σ"):
        exercises.check_sigmoid_grads(forgot_the_derivative)

    def swapped(w, x, b):  # ∂L/∂w and ∂L/∂x exchanged
        s = exercises.sigmoid(w * x + b)
        return s * (1 - s) * w, s * (1 - s) * x, s * (1 - s)

    with pytest.raises(AssertionError):
        exercises.check_sigmoid_grads(swapped)


def test_context_check_rejects_an_unscaled_score() -> None:
    def plain_dot(q, keys, values):  # forgot the 1/√d_k
        scores = keys @ q
        weights = np.exp(scores - scores.max())
        return (weights / weights.sum()) @ values

    with pytest.raises(AssertionError, match="√d_k"):
        exercises.check_scaled_dot_context(plain_dot)


def test_alignment_check_rejects_columns_for_rows() -> None:
    def by_column(weights, tokens):  # argmax over the wrong axis
        return [tokens[j] for j in np.asarray(weights).argmax(axis=0)][:len(weights)]

    with pytest.raises(AssertionError):
        exercises.check_alignment(by_column)


def test_decay_check_rejects_the_plain_ratio() -> None:
    def ratio_without_root(norms):  # first / last, not its (n − 1)-th root
        return norms[0] / norms[-1]

    with pytest.raises(AssertionError, match="root"):
        exercises.check_decay_per_step(ratio_without_root)
