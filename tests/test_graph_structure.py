"""What the recorded graph looks like: how many ops of each kind a layer records.

These pin structure, not numbers (the numbers are pinned beside each layer's own tests): the
composed LSTM projects each sequence with one matmul, the fused one is one op per layer and
direction, and attention records one graph for all decoder steps or positions at once.
"""

from __future__ import annotations

from collections import Counter

import pytest
from test_attention import SCORES, VALUE_SIZE, batch_for, make_attention

import minigrad as mg
from minigrad import nn
from models.attention import MultiHeadSelfAttention, make_score


def graph_ops(output: mg.Tensor) -> Counter:
    """How many nodes of each op the graph behind ``output`` holds (walked with a stack)."""
    counts: Counter = Counter()
    seen: set[int] = set()
    stack = [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        counts[type(node).__name__] += 1
        stack.extend(t.grad_fn for t in node.inputs if isinstance(t, mg.Tensor))
    return counts


# --- the LSTM ---------------------------------------------------------------------------------------


def test_composed_lstm_projects_each_sequence_with_one_matmul_per_layer_and_direction() -> None:
    outputs, _ = nn.LSTM(3, 2, num_layers=2, bidirectional=True, fused=False, batch_first=True)(mg.randn(2, 7, 3))
    assert graph_ops(outputs)["MatMul"] == 2 * 2 * (1 + 7)  # per layer and direction: one projection, one per step


def test_fused_lstm_is_one_op_per_layer_and_direction() -> None:
    outputs, _ = nn.LSTM(3, 2, num_layers=2, bidirectional=True, fused=True, batch_first=True)(mg.randn(2, 7, 3))
    counts = graph_ops(outputs)
    assert counts["LSTMRecurrence"] == 2 * 2 and "MatMul" not in counts and "Sigmoid" not in counts


# --- attention: all decoder steps at once, batched matmul, no loop over time ---------------------------


@pytest.mark.parametrize("name", SCORES)
def test_all_steps_come_from_the_same_batched_graph(name: str) -> None:
    attention = make_attention(name, "cpu")
    graphs = {}
    for tgt_len in (1, 7):
        query, keys, values = batch_for(name, "cpu", tgt_len=tgt_len, requires_grad=True)
        context, weights = attention(query, keys, values)
        assert weights.shape == (2, tgt_len, 5) and context.shape == (2, tgt_len, VALUE_SIZE)
        graphs[tgt_len] = graph_ops(context)
    # a loop over decoder steps would add nodes per step (and index and stack the steps)
    assert graphs[1] == graphs[7], f"the graph grows with tgt_len: {graphs[1]} vs {graphs[7]}"
    assert graphs[7]["GetItem"] == 0 and graphs[7]["Concat"] == 0
    if not list(make_score(name, 4, 4).parameters()):  # a score without weights: dot, scaled_dot, cosine
        assert graphs[7]["MatMul"] == 2  # one product for all the scores, one for all the contexts


def test_self_attention_is_one_graph_for_every_position() -> None:
    attention = MultiHeadSelfAttention(8, 2, causal=True)
    graphs = {}
    for length in (2, 9):
        output, weights = attention(mg.randn(3, length, 8, requires_grad=True))
        assert output.shape == (3, length, 8) and weights.shape == (3, 2, length, length)
        graphs[length] = graph_ops(output)
    assert graphs[2] == graphs[9]
    assert graphs[9]["MatMul"] == 6  # Q, K, V, scores, context, output projection
    assert graphs[9]["GetItem"] == 0 and graphs[9]["Concat"] == 0
