"""Autograd basics: build an expression, call backward, read the gradients.

The expression is micrograd's: L = (a * b + c) ** 2 with a tanh on top, small enough to check
by hand. The chain rule, step by step, is printed beside what backward found, and the graph
that backward walked is drawn to ``--out``/autograd_basics.svg (values, gradients, and the dashed
edges of the way back). Drawing needs Graphviz's `dot`; without it the example says so and goes on.

    python examples/autograd_basics.py --out examples/out
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import minigrad as mg
from minigrad.viz import GraphvizNotFoundError, draw_graph

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="L = tanh(a*b + c)^2: backward, the chain rule, the graph.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="the folder to draw the graph into (default: examples/out)")
    args = parser.parse_args(argv)

    a = mg.tensor(2.0, requires_grad=True)
    b = mg.tensor(-3.0, requires_grad=True)
    c = mg.tensor(10.0, requires_grad=True)
    a.name, b.name, c.name = "a", "b", "c"  # the names the drawing shows
    e = a * b                   # e = -6
    d = e + c                   # d = 4
    f = d.tanh()                # f = tanh(4)
    loss = f * f                # L = tanh²(4)
    e.name, d.name, f.name, loss.name = "e", "d", "f", "L"
    loss.backward()

    print(f"L = tanh(a*b + c)^2 = {loss.item():.6f}")
    print("graph, from the output back to the leaves:")
    node, depth = loss.grad_fn, 0
    while node is not None:
        print(f"  {'  ' * depth}{type(node).__name__}")
        parents = [t for t in node.inputs if isinstance(t, mg.Tensor) and t.grad_fn is not None]
        node, depth = (parents[0].grad_fn if parents else None), depth + 1

    # by hand: dL/df = 2f, df/dd = 1 - f², dd/de = 1, de/da = b, de/db = a, dd/dc = 1
    f_value = math.tanh(4.0)
    dl_dd = 2 * f_value * (1 - f_value**2)
    for name, leaf, by_hand in (("a", a, dl_dd * -3.0), ("b", b, dl_dd * 2.0), ("c", c, dl_dd)):
        print(f"dL/d{name}: backward {leaf.grad.item():+.6f}   chain rule by hand {by_hand:+.6f}")

    try:
        drawing = draw_graph(loss, args.out / "autograd_basics.svg", show_values=True, show_grads=True)
        print(f"graph drawn to {drawing.path.resolve()}")
    except GraphvizNotFoundError as exc:  # no `dot`: say why, and go on with the rest
        print(f"graph not drawn: {exc}")

    # the same on a batch: a tiny linear layer and a softmax, gradients of every parameter
    mg.manual_seed(0)
    x = mg.randn(4, 3)
    weight = mg.randn(3, 2, requires_grad=True)
    probabilities = (x @ weight).softmax(axis=-1)
    probabilities[:, 0].sum().backward()
    print("d(sum of first-class probabilities)/d(weight):")
    print(weight.grad)


if __name__ == "__main__":
    main()
