"""Render the figures that docs/autograd.md and docs/attention.md show.

    .venv/bin/python docs/make_figures.py            # writes docs/figures/*.svg and *.png

Every computation graph is drawn by minigrad.viz.draw_graph (or Module.draw, which calls it) from
a graph that minigrad really recorded, and the heatmap by models.heatmap.draw_attention; nothing
is drawn by hand. Rendering the graphs needs Graphviz's `dot` (scripts/setup.sh installs it), the
heatmap matplotlib (the `showcase` extra). Run the script again after changing an op or the
drawing code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import minigrad as mg
from minigrad.viz import Drawing, GraphvizNotFoundError, draw_graph
from models.attention import Attention
from models.heatmap import draw_attention

FIGURES = Path(__file__).resolve().parent / "figures"


def expression() -> Drawing:
    """L = tanh(a * b + c), after backward: values, gradients and the dashed way back."""
    a = mg.tensor(2.0, requires_grad=True)
    b = mg.tensor(-3.0, requires_grad=True)
    c = mg.tensor(10.0, requires_grad=True)
    a.name, b.name, c.name = "a", "b", "c"
    loss = (a * b + c).tanh()
    loss.name = "L"
    loss.backward()
    return draw_graph(loss, FIGURES / "expression.svg", show_values=True, show_grads=True)


def broadcasting() -> Drawing:
    """x @ w + b with b of shape (2,) added to a (4, 2) product: no broadcast node in the graph."""
    mg.manual_seed(0)
    x = mg.randn(4, 3)
    w = mg.randn(3, 2, requires_grad=True)
    b = mg.zeros(2, requires_grad=True)
    x.name, w.name, b.name = "x", "w", "b"
    loss = (x @ w + b).sum()
    loss.name = "loss"
    loss.backward()
    return draw_graph(loss, FIGURES / "broadcasting.svg", show_grads=True)


def split() -> Drawing:
    """One Split op with two outputs; the edge labels say which output each tensor is."""
    x = mg.arange(6.0, requires_grad=True)
    x.name = "x"
    first, second = x.split([2, 4])
    first.name, second.name = "first", "second"
    loss = (first * 2.0).sum() + second.mean()
    loss.name = "loss"
    return draw_graph(loss, FIGURES / "split.svg")


def second_order() -> Drawing:
    """dy/dx of y = x³, built with create_graph=True: backward's own ops form a graph."""
    x = mg.tensor(2.0, requires_grad=True)
    x.name = "x"
    y = x**3
    (dy_dx,) = mg.grad(y, x, create_graph=True)
    dy_dx.name = "dy/dx = 3x²"
    return draw_graph(dy_dx, FIGURES / "second_order.svg", show_values=True)


def attention_step() -> Drawing:
    """One attention step (general score) on a batch of 1: 2 queries, 3 source positions."""
    mg.manual_seed(0)
    attention = Attention("general", query_size=4, key_size=4)
    query = mg.randn(1, 2, 4, requires_grad=True)  # (batch, tgt_len, query_size)
    keys = mg.randn(1, 3, 4, requires_grad=True)  # (batch, src_len, key_size)
    query.name, keys.name = "query", "keys (= values)"
    return attention.draw((query, keys), FIGURES / "attention_step.svg")


def notes_heatmap() -> Path:
    """The attention notes' illustrative weights for "I am a student" (not a trained model)."""
    weights = [[0.8, 0.1, 0.1, 0.0],
               [0.1, 0.8, 0.1, 0.0],
               [0.0, 0.0, 0.1, 0.9]]
    return draw_attention(weights, ["I", "am", "a", "student"], ["Je", "suis", "étudiant"],
                          FIGURES / "notes_heatmap.png", title="the notes' example (not a trained model)")


def main() -> None:
    FIGURES.mkdir(parents=True, exist_ok=True)
    try:
        drawings = [expression(), broadcasting(), split(), second_order(), attention_step()]
    except GraphvizNotFoundError as exc:
        sys.exit(f"make_figures.py: {exc}")
    for drawing in drawings:
        print(f"wrote {drawing.path}")
    print(f"wrote {notes_heatmap()}")


if __name__ == "__main__":
    main()
