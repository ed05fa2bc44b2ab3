"""nn.MultiheadAttention (issue 24) against torch's, with the same weights: outputs, averaged and per-head
weights, masks, layouts, and the gradients of the inputs and of every parameter."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import torch

import minigrad as mg

CASES = {
    "self-attention (L, N, E)": ({}, ((4, 2, 6), (4, 2, 6), (4, 2, 6)), {}),
    "batch_first, cross-attention": ({"batch_first": True}, ((2, 3, 6), (2, 5, 6), (2, 5, 6)), {}),
    "unbatched, per-head weights": ({}, ((3, 6), (4, 6), (4, 6)), {"average_attn_weights": False}),
    "bool attn_mask (causal)": ({"batch_first": True}, ((2, 4, 6), (2, 4, 6), (2, 4, 6)), {"causal": True}),
    "key_padding_mask, no bias": ({"bias": False}, ((3, 2, 6), (5, 2, 6), (5, 2, 6)), {"padding": True}),
    "float attn_mask": ({"batch_first": True}, ((1, 3, 6), (1, 4, 6), (1, 4, 6)), {"float_mask": True}),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_multihead_attention_agrees_with_torch(case, device):
    options, shapes, call = CASES[case]
    theirs = torch.nn.MultiheadAttention(6, 3, **options)
    ours = mg.nn.MultiheadAttention(6, 3, **options)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict({n: p.detach().numpy() for n, p in theirs.named_parameters()})
    ours.to(device)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape).astype(np.float32) for shape in shapes]
    kwargs_t, kwargs_m = {}, {}
    length, source = shapes[0][-2] if options.get("batch_first") or len(shapes[0]) == 2 else shapes[0][0], \
        shapes[1][-2] if options.get("batch_first") or len(shapes[1]) == 2 else shapes[1][0]
    if call.get("causal"):
        mask = np.triu(np.ones((length, source), dtype=bool), 1)
        kwargs_t["attn_mask"], kwargs_m["attn_mask"] = torch.tensor(mask), mg.tensor(mask, device=device)
    if call.get("float_mask"):
        mask = rng.standard_normal((length, source)).astype(np.float32)
        kwargs_t["attn_mask"], kwargs_m["attn_mask"] = torch.tensor(mask), mg.tensor(mask, device=device)
    if call.get("padding"):
        mask = np.zeros((shapes[1][1], source), dtype=bool)
        mask[0, -2:] = True
        kwargs_t["key_padding_mask"], kwargs_m["key_padding_mask"] = torch.tensor(mask), mg.tensor(mask, device=device)
    if "average_attn_weights" in call:
        kwargs_t["average_attn_weights"] = kwargs_m["average_attn_weights"] = call["average_attn_weights"]
    inputs_t = [torch.tensor(a, requires_grad=True) for a in arrays]
    inputs_m = [mg.tensor(a, device=device, requires_grad=True) for a in arrays]
    out_t, weights_t = theirs(*inputs_t, **kwargs_t)
    out_m, weights_m = ours(*inputs_m, **kwargs_m)
    np.testing.assert_allclose(out_m.numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weights_m.numpy(), weights_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    upstream = rng.standard_normal(out_t.shape).astype(np.float32)
    (out_t * torch.tensor(upstream)).sum().backward()
    (out_m * mg.tensor(upstream, device=device)).sum().backward()
    for mine, want in zip(inputs_m, inputs_t):
        np.testing.assert_allclose(mine.grad.numpy(), want.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, mine), (_, want) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(mine.grad.numpy(), want.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_need_weights_false_gives_none():
    layer = mg.nn.MultiheadAttention(4, 2)
    x = mg.randn(3, 1, 4)
    output, weights = layer(x, x, x, need_weights=False)
    assert output.shape == (3, 1, 4) and weights is None


def test_heads_must_divide_the_embedding():
    with pytest.raises(ValueError, match="divisible by num_heads"):
        mg.nn.MultiheadAttention(6, 4)
