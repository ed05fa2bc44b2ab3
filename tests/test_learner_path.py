"""The learner's set-up without bash or apt, and backward made visible.

* ``python -m models.demo`` is the main job on any OS (scripts/demo.sh runs it after its set-up);
  a bad option is one ``error:`` line and exit status 2.
* Hangul glyphs come from the pip-installed NanumGothic when no system font has them.
* ``minigrad.backward_trace`` records the order in which backward hands each tensor its gradient,
  and draws it.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import minigrad as mg
from minigrad import nn
from minigrad.backward_trace import backward_dot, draw_backward, graph_tensors, trace_backward

ROOT = Path(__file__).resolve().parent.parent


# --- python -m models.demo -------------------------------------------------------------------------

def test_demo_trains_translates_and_draws_without_bash(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "models.demo", "--size", "200", "--epochs", "1",
                             "--hidden", "8", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "translations by" in result.stdout and "1994년 9월 27일" in result.stdout
    assert (out / "attention.png").stat().st_size > 0
    assert sorted(p.name for p in out.glob("best.*"))


@pytest.mark.parametrize("option, value", [("--size", "0"), ("--epochs", "many"), ("--hidden", "-3")])
def test_demo_rejects_a_bad_option_in_one_line(option: str, value: str, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "models.demo", option, value, "--out", str(tmp_path / "x")],
                            cwd=ROOT, capture_output=True, text=True, timeout=1800)  # bounds a hang only
    assert result.returncode == 2
    assert "error:" in result.stderr and option in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_minigrad_translate_demo_is_the_same_job() -> None:
    result = subprocess.run([sys.executable, "-m", "models", "demo", "--epochs", "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=1800)  # bounds a hang only
    assert result.returncode == 2 and "minigrad-translate demo: error: argument --epochs" in result.stderr
    helped = subprocess.run([sys.executable, "-m", "models", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)  # bounds a hang only
    assert "demo" in helped.stdout


def test_demo_sh_runs_the_same_job() -> None:
    script = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    assert "python -m models.demo" in script


# --- Hangul glyphs without a system font ----------------------------------------------------------

def test_hangul_font_comes_from_pip_when_no_system_font_has_it(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    pytest.importorskip("koreanize_matplotlib", reason="the showcase extra installs it")
    from matplotlib import font_manager

    from models import heatmap

    manager = font_manager.fontManager
    without = [f for f in manager.ttflist if not any(k in f.name for k in ("Nanum", "Noto", "CJK", "UnDotum"))]
    monkeypatch.setattr(manager, "ttflist", without)  # no system CJK font, as on a fresh Windows or macOS
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *args, **kwargs: [])
    bundled = heatmap.pip_font()
    assert bundled is not None and bundled.name == "NanumGothic.ttf" and "koreanize_matplotlib" in str(bundled)
    assert heatmap.cjk_font() == "NanumGothic"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for each tofu
        path = heatmap.draw_attention([[0.9, 0.1]], ["년", "월"], ["일"], tmp_path / "ko.png", title="한글 제목",
                                      axis_labels=("입력", "출력", "어텐션 가중치 α"))
    assert path.stat().st_size > 0


def test_heatmap_axis_labels_must_be_three(tmp_path: Path) -> None:
    from models.heatmap import draw_attention

    with pytest.raises(ValueError, match="give 3, not 2"):
        draw_attention([[1.0]], ["a"], ["b"], tmp_path / "x.png", axis_labels=("입력", "출력"))


# --- backward, visible ------------------------------------------------------------------------------

def _expression():
    a, b, c = (mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (2.0, -3.0, 10.0))
    a.name, b.name, c.name = "a", "b", "c"
    product = a * b
    total = product + c
    loss = total.tanh()
    loss.name = "L"
    return a, b, c, product, total, loss


def test_trace_follows_the_chain_rule_from_the_output_back() -> None:
    a, b, c, product, total, loss = _expression()
    visits = trace_backward(loss)
    assert [v.name for v in visits] == ["L", "add", "mul", "c", "a", "b"]
    assert [v.step for v in visits] == [1, 2, 3, 4, 5, 6]
    dl_dd = 1 - math.tanh(4.0) ** 2
    grads = {v.name: v.grad.item() for v in visits}
    assert grads["L"] == 1.0
    assert math.isclose(grads["add"], dl_dd) and math.isclose(grads["mul"], dl_dd)
    assert math.isclose(grads["a"], -3 * dl_dd) and math.isclose(grads["b"], 2 * dl_dd)
    assert math.isclose(a.grad.item(), grads["a"])  # .grad is set as by a plain backward


def test_a_node_comes_only_after_every_node_that_feeds_it() -> None:
    x = mg.tensor(1.5, dtype=mg.float64, requires_grad=True)
    x.name = "x"
    y = x * x
    y.name = "y"
    z = y.exp() + y.tanh()  # y is used twice: its gradient is complete only after both uses
    z.name = "z"
    visits = trace_backward(z)
    step = {v.name: v.step for v in visits}
    assert step["y"] > step["exp"] and step["y"] > step["tanh"] and step["x"] == len(visits)
    expected = (math.exp(2.25) + 1 - math.tanh(2.25) ** 2) * 3.0
    assert math.isclose(next(v for v in visits if v.name == "x").grad.item(), expected)


def test_trace_removes_its_hooks_and_refuses_a_tensor_without_grad() -> None:
    *_, loss = _expression()
    trace_backward(loss, None)
    with pytest.raises(ValueError, match="requires grad"):
        trace_backward(mg.tensor(1.0))


def test_one_lstm_step_reaches_every_parameter() -> None:
    mg.manual_seed(0)
    cell = nn.LSTMCell(3, 2)
    x = mg.randn(1, 3, requires_grad=True)
    state = (mg.zeros(1, 2, requires_grad=True), mg.zeros(1, 2, requires_grad=True))
    h1, c1 = cell(x, state)
    loss = h1.sum() + c1.sum()
    visits = trace_backward(loss)
    reached = {id(v.tensor) for v in visits}
    assert all(id(p) in reached for p in cell.parameters()) and id(x) in reached
    assert visits[0].tensor is loss and len(visits) == len(graph_tensors(loss))
    dot = backward_dot(loss, visits, title="one LSTM step")
    assert dot.count("->") > len(visits) and "1. " in dot and "∂L/∂·" in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_draw_backward_renders_svg(tmp_path: Path) -> None:
    *_, loss = _expression()
    visits = trace_backward(loss)
    drawing = draw_backward(loss, visits, tmp_path / "order.svg", title="backward의 방문 순서")
    assert drawing.path.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    assert "6. b" in drawing.svg and drawing._repr_svg_() == drawing.svg
