"""Draw computation graphs with Graphviz: micrograd's a * b + c, and one step of an LSTM cell.

    python examples/draw_graph.py --out graphs/

writes graph_expression.svg (with values and, after backward, gradients and the dashed edges that
backward walks) and graph_lstm_step.svg (the ops of one LSTMCell step: two matmuls, four gate
slices, the gates, the new cell and hidden state). Rendering needs Graphviz's `dot` program;
``minigrad.viz.to_dot`` gives the DOT text without it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import minigrad as mg
from minigrad import nn
from minigrad.viz import Drawing, GraphvizNotFoundError, draw_graph


def draw_expression(out: Path) -> Drawing:
    """d = a * b + c, drawn after backward: values, gradients, and the way back."""
    a = mg.tensor(2.0, requires_grad=True)
    b = mg.tensor(-3.0, requires_grad=True)
    c = mg.tensor(10.0, requires_grad=True)
    a.name, b.name, c.name = "a", "b", "c"
    d = a * b + c
    d.backward()
    return draw_graph(d, out / "graph_expression.svg", show_values=True, show_grads=True)


def draw_lstm_step(out: Path) -> Drawing:
    """One LSTMCell step on a batch of 2: (h, c) -> (h', c')."""
    mg.manual_seed(0)
    cell = nn.LSTMCell(input_size=3, hidden_size=4)
    x, h, c = mg.randn(2, 3), mg.randn(2, 4), mg.randn(2, 4)
    x.name, h.name, c.name = "x", "h", "c"
    h_next, c_next = cell(x, (h, c))
    return draw_graph((h_next, c_next), out / "graph_lstm_step.svg", module=cell)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Draw a*b + c and one LSTM step as SVG graphs.")
    parser.add_argument("--out", type=Path, default=Path("."), help="the folder to write into (default: here)")
    args = parser.parse_args(argv)
    try:
        drawings = [draw_expression(args.out), draw_lstm_step(args.out)]
    except GraphvizNotFoundError as exc:
        sys.exit(f"draw_graph.py: {exc}")
    for drawing in drawings:
        print(f"wrote {drawing.path.resolve()}")


if __name__ == "__main__":
    main()
