"""Graph drawing: the DOT text has the right nodes, edges, labels and clusters, and renders.

The DOT is read back with a small parser (below), so each test says what the picture holds:
which ops, which tensors, which arrows, which module boxes.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field

import pytest

import minigrad as mg
from minigrad import nn
from minigrad.viz import Drawing, GraphvizNotFoundError, draw_graph, to_dot, trace_modules

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


# --- reading the DOT back ----------------------------------------------------------------------

_NODE = re.compile(r'^\s*(\w+) \[label="((?:[^"\\]|\\.)*)", shape=(\w+)')
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?;$")
_CLUSTER = re.compile(r'^\s*subgraph "cluster_([^"]+)" \{$')


@dataclass
class Node:
    lines: list[str]  # the label, line by line
    shape: str  # "ellipse" for a tensor, "box" for an op, "note" for the cut note
    cluster: str | None  # the innermost module cluster it was declared in

    @property
    def title(self) -> str:
        return self.lines[0]


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, attributes)
    clusters: dict[str, str | None] = field(default_factory=dict)  # cluster -> its parent cluster

    def ops(self, **where: str | None) -> Counter[str]:
        """How many ops of each class; ``cluster=...`` counts only those declared in that cluster."""
        return Counter(node.title for node in self.nodes.values()
                       if node.shape == "box" and ("cluster" not in where or node.cluster == where["cluster"]))

    def tensors(self) -> dict[str, Node]:
        return {key: node for key, node in self.nodes.items() if node.shape == "ellipse"}

    def named(self, title: str) -> str:
        (key,) = [key for key, node in self.nodes.items() if node.title == title]
        return key

    def data_edges(self) -> list[tuple[str, str]]:
        return [(a, b) for a, b, attributes in self.edges if "dashed" not in attributes and a != "more"]

    def grad_edges(self) -> list[tuple[str, str, str]]:
        return [(a, b, attributes) for a, b, attributes in self.edges if "dashed" in attributes]


def parse(dot: str) -> Graph:
    graph, open_clusters = Graph(), []
    assert dot.startswith("digraph minigrad {") and dot.rstrip().endswith("}")
    for line in dot.splitlines()[1:-1]:
        if match := _CLUSTER.match(line):
            graph.clusters[match[1]] = open_clusters[-1] if open_clusters else None
            open_clusters.append(match[1])
        elif line.strip() == "}":
            open_clusters.pop()
        elif match := _EDGE.match(line):
            graph.edges.append((match[1], match[2], match[3] or ""))
        elif match := _NODE.match(line):
            label = match[2].replace('\\"', '"')
            graph.nodes[match[1]] = Node(label.split("\\n"), match[3], open_clusters[-1] if open_clusters else None)
    assert not open_clusters, "a cluster is left open"
    return graph


def micrograd_expression() -> tuple[mg.Tensor, ...]:
    """micrograd's a * b + c, with named leaves."""
    a = mg.tensor(2.0, requires_grad=True)
    b = mg.tensor(-3.0, requires_grad=True)
    c = mg.tensor(10.0, requires_grad=True)
    a.name, b.name, c.name = "a", "b", "c"
    return a, b, c, a * b + c


class TwoParts(nn.Module):
    """A model with two submodules, and one op of its own (the tanh between them)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(3, 4)
        self.decoder = nn.Linear(4, 2)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.decoder(self.encoder(x).tanh())


# --- nodes, edges, labels ------------------------------------------------------------------------


def test_expression_a_times_b_plus_c_is_two_ops_five_tensors_and_six_edges():
    a, b, c, d = micrograd_expression()
    graph = parse(to_dot(d))
    assert graph.ops() == Counter({"Mul": 1, "Add": 1})
    tensors = graph.tensors()
    assert len(tensors) == 5
    assert sorted(node.title for node in tensors.values()) == ["a", "b", "c", "tensor", "tensor"]
    mul, add = graph.named("Mul"), graph.named("Add")
    (product,) = [key for key, node in tensors.items() if node.title == "tensor" and (key, add) in graph.data_edges()]
    (output,) = [key for key, node in tensors.items() if node.title == "tensor" and key != product]
    expected = {(graph.named("a"), mul), (graph.named("b"), mul), (mul, product),
                (product, add), (graph.named("c"), add), (add, output)}
    assert set(graph.data_edges()) == expected and len(graph.data_edges()) == 6
    assert tensors[output].lines[1:] == ["scalar float32"]  # shape and dtype under the name


def test_one_lstm_cell_step_has_exactly_the_ops_of_lstm_step():
    cell = nn.LSTMCell(3, 4)
    h, c = cell(mg.randn(2, 3), (mg.randn(2, 4), mg.randn(2, 4)))
    graph = parse(to_dot((h, c)))
    expected = Counter({
        # LSTMCell.forward: x @ weight_ih.T, then + (bias_ih + bias_hh)
        "Permute": 2,  # weight_ih.T, weight_hh.T
        "MatMul": 2,  # x @ W_ihᵀ, h @ W_hhᵀ
        # bias_ih + bias_hh, gates_in + biases, gates_in + h W_hhᵀ, c' = f⊙c + i⊙g
        "Add": 4,
        "Split": 1,  # (batch, 4H) cut into the four gates by one op
        "Sigmoid": 3,  # input, forget, output gates
        "Tanh": 2,  # the candidate g, and tanh(c')
        "Mul": 3,  # f⊙c, i⊙g, o⊙tanh(c')
    })
    assert graph.ops() == expected
    split = graph.named("Split")
    assert graph.nodes[split].lines[1] == "(4, 4, 4, 4), 1"  # its non-tensor arguments: sizes, axis
    gates = [(to, attributes) for frm, to, attributes in graph.edges if frm == split]
    assert sorted(attributes for _, attributes in gates) == [f'label="{i}"' for i in range(4)]  # which output
    assert {graph.nodes[to].lines[1] for to, _ in gates} == {"(2, 4) float32"}


def test_parameter_names_appear_as_labels_and_as_dotted_names_in_a_model():
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = nn.LSTMCell(3, 4)

    model = Model()
    h, _ = model.cell(mg.randn(2, 3))
    titles = {node.title for node in parse(to_dot(h)).nodes.values()}
    assert {"cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh"} <= titles
    alone = nn.LSTMCell(3, 4)
    titles = {node.title for node in parse(to_dot(alone(mg.randn(2, 3))[0])).nodes.values()}
    assert {"weight_ih", "weight_hh", "bias_ih", "bias_hh"} <= titles


def test_labels_are_escaped_so_that_quotes_and_backslashes_survive():
    x = mg.tensor([1.0], requires_grad=True)
    x.name = 'say "hi" \\ then\nbye'
    dot = to_dot(x * 2.0)
    assert r'label="say \"hi\" \\ then\nbye' in dot
    assert parse(dot).nodes[parse(dot).named('say "hi" \\\\ then')].lines[1] == "bye"


def test_a_tensor_used_twice_is_one_node_with_two_edges_into_the_op():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    x.name = "x"
    graph = parse(to_dot(x * x))
    assert len(graph.tensors()) == 2
    x_node, mul = graph.named("x"), graph.named("Mul")
    assert [edge for edge in graph.data_edges() if edge[0] == x_node] == [(x_node, mul), (x_node, mul)]


def test_to_dot_says_what_it_wants():
    with pytest.raises(TypeError, match="tensor"):
        to_dot([1.0, 2.0])
    with pytest.raises(ValueError, match="max_nodes"):
        to_dot(mg.tensor(1.0), max_nodes=0)


# --- values and gradients ------------------------------------------------------------------------


def test_show_values_prints_small_tensors_rounded_and_big_ones_as_a_range(device):
    x = mg.tensor([[0.123456, 2.0]], device=device, requires_grad=True)
    big = mg.randn(10, 10, device=device, requires_grad=True)
    graph = parse(to_dot([x * 3.0, big.sum()], show_values=True))
    labels = [node.lines for node in graph.tensors().values()]
    assert ["tensor", "(1, 2) float32", "[[0.1235, 2]]"] in labels
    assert ["tensor", "(1, 2) float32", "[[0.3704, 6]]"] in labels
    (big_label,) = [lines for lines in labels if lines[1] == "(10, 10) float32"]
    assert big_label[2].startswith("min ") and ", max " in big_label[2]
    assert all(len(lines) == 2 for lines in (node.lines for node in parse(to_dot(x * 3.0)).tensors().values()))


def test_show_grads_adds_dashed_edges_back_along_what_backward_walks():
    a, b, c, d = micrograd_expression()
    data = mg.tensor(4.0)  # requires no grad: backward sends nothing to it
    data.name = "data"
    loss = d * data
    loss.backward()
    plain = parse(to_dot(loss))
    assert plain.grad_edges() == []
    graph = parse(to_dot(loss, show_grads=True))
    assert set(graph.data_edges()) == set(plain.data_edges())
    data_node = graph.named("data")
    # every forward edge is walked back, except the one from the input that wants no gradient
    assert {(frm, to) for frm, to, _ in graph.grad_edges()} == {
        (to, frm) for frm, to in graph.data_edges() if frm != data_node}
    to_inputs = [(frm, to, attributes) for frm, to, attributes in graph.grad_edges() if graph.nodes[frm].shape == "box"]
    assert to_inputs and all('label="grad"' in attributes for _, _, attributes in to_inputs)
    assert all("constraint=false" in attributes for _, _, attributes in graph.grad_edges())  # layout follows data
    assert graph.nodes[graph.named("a")].lines[-1] == "grad -12"  # dL/da = b · data = -3 · 4


# --- clusters: one box per module ----------------------------------------------------------------


def test_trace_modules_clusters_each_op_in_the_module_that_ran_it():
    model = TwoParts()
    with trace_modules(model):
        y = model(mg.randn(5, 3))
    graph = parse(to_dot(y, module=model))
    assert graph.clusters == {"encoder": None, "decoder": None}
    assert graph.nodes[graph.named("encoder.weight")].cluster == "encoder"
    assert graph.nodes[graph.named("decoder.bias")].cluster == "decoder"
    by_cluster = Counter((node.title, node.cluster) for node in graph.nodes.values() if node.shape == "box")
    assert by_cluster == Counter({("Permute", "encoder"): 1, ("MatMul", "encoder"): 1, ("Add", "encoder"): 1,
                                  ("Tanh", None): 1,  # TwoParts.forward's own op: top level
                                  ("Permute", "decoder"): 1, ("MatMul", "decoder"): 1, ("Add", "decoder"): 1})
    assert 'label="encoder (Linear)"' in to_dot(y, module=model)  # module= names the class


def test_trace_modules_restores_forward_even_when_it_fails():
    model = TwoParts()
    with pytest.raises(ValueError, match="Linear"), trace_modules(model):
        model(mg.randn(5, 7))
    assert all("forward" not in vars(module) for module in model.modules())
    with trace_modules(model):
        assert all("forward" in vars(module) for module in model.modules())
    assert all("forward" not in vars(module) for module in model.modules())


def test_without_a_trace_ops_are_clustered_by_the_parameters_they_read():
    model = TwoParts()
    graph = parse(to_dot(model(mg.randn(5, 3))))
    by_cluster = Counter((node.title, node.cluster) for node in graph.nodes.values() if node.shape == "box")
    assert by_cluster[("MatMul", "encoder")] == 1 and by_cluster[("MatMul", "decoder")] == 1
    assert by_cluster[("Add", "encoder")] == 1 and by_cluster[("Add", "decoder")] == 1


def test_nested_modules_give_nested_clusters_and_group_by_module_false_gives_none():
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = nn.LSTMCell(3, 4)

        def forward(self, x: mg.Tensor) -> mg.Tensor:
            return self.cell(x)[0].sigmoid()

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = Block()

        def forward(self, x: mg.Tensor) -> mg.Tensor:
            return self.block(x).sum()

    model = Model()
    with trace_modules(model):
        loss = model(mg.randn(2, 3))
    graph = parse(to_dot(loss, module=model))
    assert graph.clusters == {"block": None, "block.cell": "block"}
    assert graph.ops(cluster="block") == Counter({"Sigmoid": 1})
    assert graph.ops(cluster=None) == Counter({"Sum": 1})
    assert graph.ops(cluster="block.cell")["Split"] == 1
    assert "subgraph" not in to_dot(loss, module=model, group_by_module=False)


# --- big graphs ----------------------------------------------------------------------------------


def test_max_nodes_cuts_the_graph_with_a_note_saying_how_much_is_left():
    x = mg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10):
        y = y.tanh()  # 10 ops + 11 tensors = 21 nodes
    graph = parse(to_dot(y, max_nodes=5))
    assert len([key for key in graph.nodes if key != "more"]) == 5
    assert graph.nodes["more"].title == "… 16 more nodes not shown"
    assert [edge[:2] for edge in graph.edges if edge[0] == "more"] == [("more", "n4")]  # n4: the op whose input is cut
    assert "more" not in parse(to_dot(y, max_nodes=None)).nodes


def test_a_chain_of_100000_ops_converts_without_recursion_error():
    x = mg.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    graph = parse(to_dot(y, max_nodes=500))
    assert len(graph.nodes) == 501
    assert graph.nodes["more"].title == f"… {200_001 - 500} more nodes not shown"


# --- rendering -----------------------------------------------------------------------------------


@needs_dot
def test_draw_graph_renders_svg_shows_in_jupyter_and_adds_the_extension(tmp_path):
    *_, d = micrograd_expression()
    drawing = draw_graph(d, tmp_path / "expression")
    assert isinstance(drawing, Drawing) and drawing.path == tmp_path / "expression.svg"
    assert drawing.path.read_text().count("<svg") == 1
    assert "<svg" in drawing._repr_svg_() and "Mul" in drawing._repr_svg_()
    assert drawing.source == to_dot(d)
    png = draw_graph(d, tmp_path / "expression.png")
    assert png.format == "png" and png.path.read_bytes().startswith(b"\x89PNG")
    assert "<svg" in png._repr_svg_()  # shown in Jupyter as SVG whatever was written


def test_draw_graph_refuses_a_path_and_format_that_disagree():
    with pytest.raises(ValueError, match="ends in .png"):
        draw_graph(mg.tensor(1.0), "graph.png", format="svg")
    with pytest.raises(ValueError, match="svg, png, pdf"):
        draw_graph(mg.tensor(1.0), format="jpeg")


def test_without_dot_the_error_says_so_and_how_to_install_it(monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as caught:
        draw_graph(micrograd_expression()[-1])
    assert isinstance(caught.value, RuntimeError)
    assert "`dot` program was not found" in str(caught.value) and "brew install graphviz" in str(caught.value)


def test_without_the_graphviz_package_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    with pytest.raises(GraphvizNotFoundError, match=r"pip install 'minigrad\[viz\]'"):
        draw_graph(micrograd_expression()[-1])


@needs_dot
def test_module_draw_traces_one_forward_and_draws_it_clustered(tmp_path):
    model = TwoParts()
    drawing = model.draw(mg.randn(5, 3), tmp_path / "model.svg")
    assert drawing.path.exists()
    graph = parse(drawing.source)
    assert set(graph.clusters) == {"encoder", "decoder"}
    assert graph.ops()["Sum"] == 1  # the (5, 2) output is summed to a scalar
    assert all("forward" not in vars(module) for module in model.modules())
