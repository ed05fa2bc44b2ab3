"""Attention, as the notes define it: the score functions, the softmax weights, the context.

What is specified here:
- the worked example of the notes (§4) gives its numbers;
- each score function agrees with its formula, written out in NumPy, on every device;
- the weights of all decoder steps are one (batch, tgt_len, src_len) matrix from batched
  matmuls, never a Python loop over time;
- masked keys get weight exactly 0 and gradient exactly 0, and a query with nothing to
  attend to is an error, not NaN;
- multi-head self-attention is PyTorch's ``nn.MultiheadAttention`` with the same weights;
- every module passes gradcheck, and bad input gets an error that names the sizes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
from minigrad import nn
from models.attention import (
    SCORES,
    AdditiveScore,
    Attention,
    CosineScore,
    DotScore,
    GeneralScore,
    MultiHeadSelfAttention,
    ScaledDotScore,
    causal_mask,
    check_mask,
    make_score,
    padding_mask,
)
from models.seq2seq import build_model

TOL = {"rtol": 1e-5, "atol": 1e-5}
# (query_size, key_size): the learned scores map between different sizes, the others need equal ones
SIZES = {"dot": (4, 4), "scaled_dot": (4, 4), "general": (3, 5), "additive": (3, 5), "cosine": (4, 4)}
# the scores that learn weights (and so map between sizes), and the others, as SCORES has them
LEARNED = [name for name in SCORES if list(make_score(name, 4, 4).parameters())]
UNWEIGHTED = [name for name in SCORES if name not in LEARNED]
VALUE_SIZE = 2  # values need not have the keys' size


# --- NumPy references, written from the formulas in the docstrings --------------------------------


def reference_scores(name: str, score: nn.Module, query: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """e[b, i, j] = score(query[b, i], keys[b, j]), in float64."""
    query, keys = query.astype(np.float64), keys.astype(np.float64)
    keys_t = keys.swapaxes(-1, -2)  # (batch, key_size, src_len)
    if name == "dot":  # sᵀh
        return query @ keys_t
    if name == "scaled_dot":  # sᵀh / √d
        return query @ keys_t / math.sqrt(keys.shape[-1])
    if name == "general":  # sᵀ W h
        return query @ score.W.weight.numpy() @ keys_t
    if name == "additive":  # vᵀ tanh(W_q s + W_k h + b)
        projected_query = query @ score.W_q.weight.numpy().T  # (batch, tgt_len, attention_size)
        projected_keys = keys @ score.W_k.weight.numpy().T + score.W_k.bias.numpy()  # (batch, src_len, attention_size)
        hidden = np.tanh(projected_query[:, :, None, :] + projected_keys[:, None, :, :])
        return hidden @ score.v.weight.numpy()[0]
    if name == "cosine":  # sᵀh / (‖s‖ ‖h‖)
        unit_query = query / np.linalg.norm(query, axis=-1, keepdims=True)
        unit_keys = keys / np.linalg.norm(keys, axis=-1, keepdims=True)
        return unit_query @ unit_keys.swapaxes(-1, -2)
    raise AssertionError(name)


def reference_softmax(scores: np.ndarray) -> np.ndarray:
    exp = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def assert_close(ours: mg.Tensor, expected: np.ndarray | torch.Tensor, what: str, **tolerance: float) -> None:
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    np.testing.assert_allclose(ours.numpy(), expected, **(tolerance or TOL), err_msg=what)


def make_attention(name: str, device: str) -> Attention:
    query_size, key_size = SIZES[name]
    return Attention(score=name, query_size=query_size, key_size=key_size, device=device)


def batch_for(name: str, device: str, batch: int = 2, tgt_len: int = 3, src_len: int = 5,
              requires_grad: bool = False) -> tuple[mg.Tensor, mg.Tensor, mg.Tensor]:
    """query (batch, tgt_len, query_size), keys (batch, src_len, key_size), values (batch, src_len, 2)."""
    query_size, key_size = SIZES[name]
    return (mg.randn(batch, tgt_len, query_size, device=device, requires_grad=requires_grad),
            mg.randn(batch, src_len, key_size, device=device, requires_grad=requires_grad),
            mg.randn(batch, src_len, VALUE_SIZE, device=device, requires_grad=requires_grad))


def weighted_sum(tensor: mg.Tensor, seed: int) -> mg.Tensor:
    """Σ u·tensor for a fixed random u: a scalar loss that every element reaches."""
    u = np.random.default_rng(seed).standard_normal(tensor.shape).astype(np.float32)
    return (tensor * mg.tensor(u, device=tensor.device)).sum()


def gradcheck_module(module: nn.Module, forward: Callable[..., Any], inputs: list) -> bool:
    """gradcheck of ``forward(*inputs)`` with respect to its inputs and every parameter of ``module``.

    The parameters go in as explicit inputs (gradcheck promotes them to float64, and its numerical
    side runs on the host), swapped into the module for the duration of each call.
    """
    slots = [(owner, name) for owner in module.modules() for name, p in owner._parameters.items() if p is not None]
    parameters = [owner._parameters[name] for owner, name in slots]
    count = len(inputs)

    def run(*args: mg.Tensor) -> Any:
        for (owner, name), value in zip(slots, args[count:]):
            owner._parameters[name] = value
        try:
            return forward(*args[:count])
        finally:
            for (owner, name), parameter in zip(slots, parameters):
                owner._parameters[name] = parameter

    return mg.gradcheck(run, [*inputs, *parameters])


# --- the worked example of the notes (§4) --------------------------------------------------------

EXAMPLE_QUERY = [[1.0, 0.0], [0.0, 1.0]]
EXAMPLE_KEYS = [[1.0, 0.0], [1.0, 1.0]]
EXAMPLE_VALUES = [[1.0, 1.0], [0.0, 0.0]]
EXAMPLE_SCORES = [[1.0, 1.0], [0.0, 1.0]]  # Q Kᵀ
EXAMPLE_WEIGHTS = [[0.5, 0.5], [0.2689, 0.7311]]  # row softmax
EXAMPLE_CONTEXT = [[0.5, 0.5], [0.2689, 0.2689]]  # weights V
EXAMPLE_TOL = {"rtol": 0, "atol": 1e-4}  # the notes give four decimals


def test_worked_example_scores_from_the_dot_score(device: str) -> None:
    query = mg.tensor([EXAMPLE_QUERY], device=device)
    keys = mg.tensor([EXAMPLE_KEYS], device=device)
    for score in (DotScore(), make_score("dot", 2, 2)):
        scores = score(query, keys)
        assert scores.shape == (1, 2, 2)
        assert_close(scores[0], np.array(EXAMPLE_SCORES), "scores = Q Kᵀ", **EXAMPLE_TOL)
        assert_close(scores.softmax(axis=-1)[0], np.array(EXAMPLE_WEIGHTS), "weights", **EXAMPLE_TOL)


def test_worked_example_through_dot_attention(device: str) -> None:
    context, weights = Attention("dot")(mg.tensor([EXAMPLE_QUERY], device=device),
                                        mg.tensor([EXAMPLE_KEYS], device=device),
                                        mg.tensor([EXAMPLE_VALUES], device=device))
    assert weights.shape == (1, 2, 2) and context.shape == (1, 2, 2)
    assert_close(weights[0], np.array(EXAMPLE_WEIGHTS), "weights = softmax(Q Kᵀ)", **EXAMPLE_TOL)
    assert_close(context[0], np.array(EXAMPLE_CONTEXT), "output = weights V", **EXAMPLE_TOL)


# --- each score function against its formula ------------------------------------------------------


@pytest.mark.parametrize("name", SCORES)
def test_score_module_matches_its_formula(name: str, device: str) -> None:
    query_size, key_size = SIZES[name]
    score = make_score(name, query_size, key_size, device=device)
    query, keys, _ = batch_for(name, device)
    scores = score(query, keys)
    assert scores.shape == (2, 3, 5)  # (batch, tgt_len, src_len)
    assert_close(scores, reference_scores(name, score, query.numpy(), keys.numpy()), f"{name} scores")


def test_make_score_builds_the_named_module() -> None:
    kinds = {"dot": DotScore, "scaled_dot": ScaledDotScore, "general": GeneralScore,
             "additive": AdditiveScore, "cosine": CosineScore}
    assert set(kinds) == set(SCORES)
    for name, kind in kinds.items():
        assert type(make_score(name, 3, 5)) is kind
    assert make_score("general", 3, 5).W.weight.shape == (3, 5)  # W: (query_size, key_size)
    assert make_score("additive", 3, 5, attention_size=7).v.weight.shape == (1, 7)


@pytest.mark.parametrize("name", SCORES)
def test_attention_weights_and_context_match_the_formulas(name: str, device: str) -> None:
    attention = make_attention(name, device)
    query, keys, values = batch_for(name, device)
    context, weights = attention(query, keys, values)
    assert weights.shape == (2, 3, 5)  # (batch, tgt_len, src_len)
    assert context.shape == (2, 3, VALUE_SIZE)  # (batch, tgt_len, value_size)
    expected_weights = reference_softmax(reference_scores(name, attention.score, query.numpy(), keys.numpy()))
    assert_close(weights, expected_weights, f"{name} weights = softmax(scores)")
    assert_close(context, expected_weights @ values.numpy().astype(np.float64), f"{name} context = weights values")
    np.testing.assert_allclose(weights.numpy().sum(axis=-1), 1.0, **TOL)


@pytest.mark.parametrize("name", SCORES)
def test_values_default_to_the_keys(name: str, device: str) -> None:
    attention = make_attention(name, device)
    query, keys, _ = batch_for(name, device)
    context, weights = attention(query, keys)
    assert_close(context, weights.numpy() @ keys.numpy(), "context = weights keys")


@pytest.mark.parametrize("name", SCORES)
def test_a_single_query_gives_one_context_and_one_row_of_weights(name: str, device: str) -> None:
    attention = make_attention(name, device)
    query, keys, values = batch_for(name, device, tgt_len=1)
    single_query = mg.tensor(query.numpy()[:, 0], device=device)  # (batch, query_size)
    context, weights = attention(single_query, keys, values)
    assert context.shape == (2, VALUE_SIZE) and weights.shape == (2, 5)
    batched_context, batched_weights = attention(query, keys, values)
    assert_close(context, batched_context.numpy()[:, 0], "single-query context")
    assert_close(weights, batched_weights.numpy()[:, 0], "single-query weights")
    mask = padding_mask([3, 5], device=device)  # one decoder step over padded sources
    context, weights = attention(single_query, keys, values, mask=mask)
    batched_context, batched_weights = attention(query, keys, values, mask=mask)
    assert np.all(weights.numpy()[0, 3:] == 0.0)
    assert_close(context, batched_context.numpy()[:, 0], "single-query context, padded")
    assert_close(weights, batched_weights.numpy()[:, 0], "single-query weights, padded")


def test_scaled_dot_is_dot_over_root_d(device: str) -> None:
    query, keys, _ = batch_for("dot", device)
    assert_close(ScaledDotScore()(query, keys), DotScore()(query, keys).numpy() / 2.0, "d = 4, √d = 2")


def test_cosine_scores_lie_in_minus_one_to_one_and_ignore_length(device: str) -> None:
    query, keys, _ = batch_for("cosine", device)
    scores = CosineScore()(query, keys).numpy()
    assert np.all(np.abs(scores) <= 1.0 + 1e-6)
    assert_close(CosineScore()(query * 3.0, keys * 0.5), scores, "scaling q or h leaves the cosine alone")


# --- masks ----------------------------------------------------------------------------------------


def test_padding_mask_is_true_at_real_tokens(device: str) -> None:
    mask = padding_mask([3, 1, 4], device=device)
    assert mask.dtype == mg.bool_ and mask.shape == (3, 4)
    np.testing.assert_array_equal(mask.numpy(), [[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]])
    assert padding_mask([2], max_len=4, device=device).numpy().tolist() == [[True, True, False, False]]
    assert padding_mask(mg.tensor([1, 2]), device=device).numpy().tolist() == [[True, False], [True, True]]


def test_causal_mask_lets_position_i_see_keys_up_to_i(device: str) -> None:
    mask = causal_mask(4, device=device)
    assert mask.dtype == mg.bool_
    # (1, length, length): broadcasts over the batch, never mistaken for a (batch, src_len) padding mask
    assert mask.shape == (1, 4, 4)
    np.testing.assert_array_equal(mask.numpy()[0], np.tril(np.ones((4, 4), dtype=bool)))


@pytest.mark.parametrize("name", SCORES)
def test_padding_hides_keys_exactly(name: str, device: str) -> None:
    lengths = [5, 2, 3]
    attention = make_attention(name, device)
    query, keys, values = batch_for(name, device, batch=3, requires_grad=True)
    context, weights = attention(query, keys, values, mask=padding_mask(lengths, device=device))
    all_weights, all_context = weights.numpy(), context.numpy()
    np.testing.assert_allclose(all_weights.sum(axis=-1), 1.0, **TOL)
    for b, length in enumerate(lengths):
        assert np.all(all_weights[b, :, length:] == 0.0), f"sequence {b}: weight on its padding"
        # the same as attention over the real keys only
        alone_context, alone_weights = attention(mg.tensor(query.numpy()[b:b + 1], device=device),
                                                 mg.tensor(keys.numpy()[b:b + 1, :length], device=device),
                                                 mg.tensor(values.numpy()[b:b + 1, :length], device=device))
        np.testing.assert_allclose(all_weights[b, :, :length], alone_weights.numpy()[0], **TOL)
        np.testing.assert_allclose(all_context[b], alone_context.numpy()[0], **TOL)
    (weighted_sum(context, 1) + weighted_sum(weights, 2)).backward()
    for b, length in enumerate(lengths):
        assert np.all(keys.grad.numpy()[b, length:] == 0.0), f"sequence {b}: gradient reaches padded keys"
        assert np.all(values.grad.numpy()[b, length:] == 0.0), f"sequence {b}: gradient reaches padded values"
        assert np.any(keys.grad.numpy()[b, :length] != 0.0) and np.any(values.grad.numpy()[b, :length] != 0.0)


@pytest.mark.parametrize("batch", [2, 4], ids=["batch<len", "batch=len"])
def test_causal_mask_hides_the_future_exactly(batch: int, device: str) -> None:
    length = 4  # batch == length must not make the causal mask look like a padding mask
    attention = Attention("scaled_dot")
    x = mg.randn(batch, length, 3, device=device, requires_grad=True)
    values = mg.randn(batch, length, 2, device=device, requires_grad=True)
    context, weights = attention(x, x, values, mask=causal_mask(length, device=device))
    all_weights = weights.numpy()
    assert np.all(all_weights[:, ~np.tril(np.ones((length, length), dtype=bool))] == 0.0), "weight on the future"
    np.testing.assert_allclose(all_weights.sum(axis=-1), 1.0, **TOL)
    for i in range(length):
        past = mg.tensor(x.numpy()[:, :i + 1], device=device)
        alone_context, alone_weights = attention(mg.tensor(x.numpy()[:, i], device=device), past,
                                                 mg.tensor(values.numpy()[:, :i + 1], device=device))
        np.testing.assert_allclose(all_weights[:, i, :i + 1], alone_weights.numpy(), **TOL)
        np.testing.assert_allclose(context.numpy()[:, i], alone_context.numpy(), **TOL)
    # the output at step 1 depends on steps 0 and 1 only
    only_step_1 = np.zeros(context.shape, dtype=np.float32)
    only_step_1[:, 1] = 1.0
    (context * mg.tensor(only_step_1, device=device)).sum().backward()
    assert np.all(values.grad.numpy()[:, 2:] == 0.0) and np.all(x.grad.numpy()[:, 2:] == 0.0)
    assert np.all(values.grad.numpy()[:, :2] != 0.0)


def test_a_query_with_every_key_masked_is_an_error_not_nan(device: str) -> None:
    query, keys, values = batch_for("dot", device, src_len=3)
    with pytest.raises(ValueError, match="every key masked"):  # refused where the mask is made
        Attention("dot")(query, keys, values, mask=padding_mask([3, 0], device=device))
    one_row_empty = np.ones((2, 3, 3), dtype=bool)
    one_row_empty[1, 2] = False
    with pytest.raises(ValueError, match="every key masked"):
        check_mask(mg.tensor(one_row_empty, device=device))
    assert check_mask(padding_mask([3, 1], device=device)).shape == (2, 3)
    empty_sequence = mg.tensor([[True, True, True], [False, False, False]], device=device)
    with pytest.raises(ValueError, match="every key masked"):
        MultiHeadSelfAttention(4, 2, device=device)(keys, mask=empty_sequence)


def test_the_mask_is_checked_once_per_batch_not_at_every_decoding_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # Bahdanau's decoder attends once per target step; checking the mask reads it on the host,
    # which on a GPU waits for all queued work, so it happens once, where the batch's mask is made.
    model = build_model(6, 7, decoder="bahdanau", embed_size=4, hidden_size=5)
    source = mg.tensor([[3, 4, 2, 0], [5, 2, 0, 0]])  # two sources, padded with 0
    target_in = mg.tensor([[1, 3, 4, 5, 6], [1, 6, 5, 4, 3]])
    checks = []
    any_of = mg.Tensor.any
    monkeypatch.setattr(mg.Tensor, "any", lambda self, *args, **kwargs: checks.append(1) or any_of(self, *args,
                                                                                                 **kwargs))
    logits, weights = model(source, target_in)
    assert logits.shape == (2, 5, 7) and weights.shape == (2, 5, 4)
    assert len(checks) == 1
    np.testing.assert_array_equal(weights.numpy()[1, :, 2:], 0.0)  # padding gets exactly no weight


# --- gradcheck of every module ----------------------------------------------------------------------


@pytest.mark.parametrize("name", SCORES)
def test_gradcheck_score(name: str, device: str) -> None:
    query_size, key_size = SIZES[name]
    score = make_score(name, query_size, key_size, attention_size=2, device=device)
    query = mg.randn(2, 2, query_size, device=device, requires_grad=True)
    keys = mg.randn(2, 3, key_size, device=device, requires_grad=True)
    assert gradcheck_module(score, score, [query, keys])


@pytest.mark.parametrize("masked", [False, True], ids=["unmasked", "padding"])
@pytest.mark.parametrize("name", SCORES)
def test_gradcheck_attention(name: str, masked: bool, device: str) -> None:
    query_size, key_size = SIZES[name]
    attention = Attention(name, query_size, key_size, attention_size=2, device=device)
    query = mg.randn(2, 2, query_size, device=device, requires_grad=True)
    keys = mg.randn(2, 3, key_size, device=device, requires_grad=True)
    values = mg.randn(2, 3, VALUE_SIZE, device=device, requires_grad=True)
    mask = padding_mask([3, 2], device=device) if masked else None
    assert gradcheck_module(attention, lambda q, k, v, m: attention(q, k, v, mask=m), [query, keys, values, mask])


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
def test_gradcheck_multi_head_self_attention(causal: bool, device: str) -> None:
    attention = MultiHeadSelfAttention(4, 2, causal=causal, device=device)
    x = mg.randn(2, 3, 4, device=device, requires_grad=True)
    assert gradcheck_module(attention, attention, [x])
    mask = padding_mask([3, 2], device=device)
    assert gradcheck_module(attention, lambda x, m: attention(x, mask=m), [x, mask])


# --- multi-head self-attention is torch's nn.MultiheadAttention ---------------------------------------


def torch_twin(attention: MultiHeadSelfAttention) -> torch.nn.MultiheadAttention:
    """torch's layer with random weights and biases, copied into ours (in_proj rows are q, k, v)."""
    embed_dim = attention.embed_dim
    twin = torch.nn.MultiheadAttention(embed_dim, attention.num_heads, batch_first=True)
    with torch.no_grad():  # torch starts its biases at zero, which would hide a mix-up of them
        twin.in_proj_bias.normal_()
        twin.out_proj.bias.normal_()
    weight, bias = twin.in_proj_weight.detach().numpy(), twin.in_proj_bias.detach().numpy()
    state = {}
    for k, part in enumerate(("q_proj", "k_proj", "v_proj")):
        rows = slice(k * embed_dim, (k + 1) * embed_dim)
        state[f"{part}.weight"], state[f"{part}.bias"] = weight[rows], bias[rows]
    state["out_proj.weight"] = twin.out_proj.weight.detach().numpy()
    state["out_proj.bias"] = twin.out_proj.bias.detach().numpy()
    attention.load_state_dict(state)
    return twin


@pytest.mark.parametrize("causal", [False, True], ids=["full", "causal"])
@pytest.mark.parametrize("padded", [False, True], ids=["no-padding", "padding"])
def test_multi_head_self_attention_matches_torch(causal: bool, padded: bool, device: str) -> None:
    torch.manual_seed(0)
    batch, length, embed_dim, num_heads = 3, 5, 8, 2
    attention = MultiHeadSelfAttention(embed_dim, num_heads, causal=causal, device=device)
    twin = torch_twin(attention)
    x = mg.randn(batch, length, embed_dim, device=device, requires_grad=True)
    x_twin = torch.tensor(x.numpy(), requires_grad=True)
    mask = padding_mask([5, 2, 4], device=device) if padded else None
    torch_masks = {
        "attn_mask": torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1) if causal else None,
        "key_padding_mask": torch.tensor(~mask.numpy()) if padded else None,  # torch: True = padding
    }
    output, weights = attention(x, mask=mask)
    output_twin, mean_weights_twin = twin(x_twin, x_twin, x_twin, need_weights=True, average_attn_weights=True,
                                          **torch_masks)
    assert weights.shape == (batch, num_heads, length, length)
    assert_close(output, output_twin, "output")
    mean_weights = weights.mean(axis=1)
    assert_close(mean_weights, mean_weights_twin, "weights averaged over heads")
    if causal:
        assert np.all(weights.numpy()[..., ~np.tril(np.ones((length, length), dtype=bool))] == 0.0)

    (weighted_sum(output, 3) + weighted_sum(mean_weights, 4)).backward()
    u_output = np.random.default_rng(3).standard_normal(output.shape).astype(np.float32)
    u_weights = np.random.default_rng(4).standard_normal(mean_weights.shape).astype(np.float32)
    ((output_twin * torch.tensor(u_output)).sum() + (mean_weights_twin * torch.tensor(u_weights)).sum()).backward()
    assert_close(x.grad, x_twin.grad, "gradient of x")
    in_weight_grad, in_bias_grad = twin.in_proj_weight.grad, twin.in_proj_bias.grad
    for k, part in enumerate(("q_proj", "k_proj", "v_proj")):
        rows = slice(k * embed_dim, (k + 1) * embed_dim)
        projection = getattr(attention, part)
        assert_close(projection.weight.grad, in_weight_grad[rows], f"gradient of {part}.weight")
        assert_close(projection.bias.grad, in_bias_grad[rows], f"gradient of {part}.bias")
    assert_close(attention.out_proj.weight.grad, twin.out_proj.weight.grad, "gradient of out_proj.weight")
    if padded:
        assert np.all(x.grad.numpy()[1, 2:] != 0.0)  # padded positions still ask (as queries in torch too)


# --- bad input: errors that name the sizes ---------------------------------------------------------


def test_the_tables_cover_every_score() -> None:
    assert set(SIZES) == set(SCORES)
    assert LEARNED == ["general", "additive"] and UNWEIGHTED == ["dot", "scaled_dot", "cosine"]


@pytest.mark.parametrize("name", UNWEIGHTED)
def test_scores_without_weights_need_equal_query_and_key_sizes(name: str) -> None:
    query, keys = mg.randn(2, 3, 4), mg.randn(2, 5, 6)
    with pytest.raises(ValueError, match=f"{name} score: the query size 4 and the key size 6 differ"):
        make_score(name, 4, 6)(query, keys)
    with pytest.raises(ValueError, match="query size 4 and the key size 6"):
        Attention(name)(query, keys)


def test_attention_checks_the_sizes_it_was_built_for() -> None:
    attention = Attention("general", query_size=3, key_size=5)
    with pytest.raises(ValueError, match="query size is 4, but this module was built for 3"):
        attention(mg.randn(2, 1, 4), mg.randn(2, 6, 5))
    with pytest.raises(ValueError, match="key size is 4, but this module was built for 5"):
        attention(mg.randn(2, 1, 3), mg.randn(2, 6, 4))
    with pytest.raises(ValueError, match=r"disagree on batch size or source length"):
        attention(mg.randn(2, 1, 3), mg.randn(2, 6, 5), mg.randn(2, 7, 2))
    with pytest.raises(ValueError, match=r"disagree on batch size or source length"):
        attention(mg.randn(3, 1, 3), mg.randn(2, 6, 5))


@pytest.mark.parametrize("shapes", [((2, 3, 1, 4), (2, 5, 4)), ((4,), (2, 5, 4)), ((2, 3, 4), (5, 4))],
                         ids=["4-d query", "1-d query", "2-d keys"])
def test_attention_rejects_the_wrong_rank(shapes: tuple) -> None:
    query_shape, keys_shape = shapes
    with pytest.raises(ValueError, match=r"expected query \(batch, tgt_len, size\)") as error:
        Attention("dot")(mg.randn(*query_shape), mg.randn(*keys_shape))
    assert str(keys_shape) in str(error.value)


@pytest.mark.parametrize("mask_shape", [(2, 6), (3, 5), (2, 4, 5), (2, 3, 4), (1, 2, 3, 5)])
def test_attention_rejects_a_mask_of_the_wrong_shape(mask_shape: tuple) -> None:
    query, keys, values = batch_for("dot", "cpu")  # scores (2, 3, 5)
    with pytest.raises(ValueError, match="does not fit scores") as error:
        Attention("dot")(query, keys, values, mask=mg.tensor(np.ones(mask_shape, dtype=bool)))
    assert str(mask_shape) in str(error.value) and "(2, 3, 5)" in str(error.value)


def test_a_two_dimensional_mask_is_a_padding_mask_even_when_batch_equals_tgt_len() -> None:
    query, keys, values = batch_for("dot", "cpu", batch=3, tgt_len=3, src_len=3)
    per_query = np.tril(np.ones((3, 3), dtype=bool))  # rows are sequences here, not query positions
    _, weights = Attention("dot")(query, keys, values, mask=mg.tensor(per_query))
    for b in range(3):
        assert np.all(weights.numpy()[b, :, b + 1:] == 0.0) and np.all(weights.numpy()[b, :, :b + 1] > 0.0)


@pytest.mark.parametrize("dtype", [mg.float32, mg.int64])
def test_masks_must_be_boolean(dtype: object) -> None:
    query, keys, values = batch_for("dot", "cpu")
    with pytest.raises(TypeError, match=f"the mask must be boolean.*{np.dtype(dtype)}"):
        Attention("dot")(query, keys, values, mask=mg.ones(2, 5, dtype=dtype))
    for causal in (False, True):
        with pytest.raises(TypeError, match="the mask must be boolean"):
            MultiHeadSelfAttention(4, 2, causal=causal)(keys, mask=mg.ones(2, 5, dtype=dtype))


def test_multi_head_self_attention_checks_its_input() -> None:
    with pytest.raises(ValueError, match="num_heads=3 does not divide embed_dim=8"):
        MultiHeadSelfAttention(8, 3)
    with pytest.raises(ValueError, match="num_heads=0"):
        MultiHeadSelfAttention(8, 0)
    attention = MultiHeadSelfAttention(8, 2)
    for shape in [(5, 8), (2, 5, 6), (1, 2, 5, 8)]:
        with pytest.raises(ValueError, match=r"expected x of shape \(batch, len, 8\)") as error:
            attention(mg.randn(*shape))
        assert str(shape) in str(error.value)
    with pytest.raises(ValueError, match=r"must be \(batch, len\) = \(2, 5\), not \(2, 4\)"):
        attention(mg.randn(2, 5, 8), mask=padding_mask([4, 3]))


@pytest.mark.parametrize("name", LEARNED)
def test_learned_scores_need_both_sizes(name: str) -> None:
    for sizes in ({}, {"query_size": 3}, {"key_size": 5}):
        with pytest.raises(ValueError, match=f"the '{name}' score learns weights, so it needs query_size and key_size"):
            Attention(name, **sizes)


def test_an_unknown_score_is_named_with_the_choices() -> None:
    message = "unknown attention score 'dott'; choose one of dot, scaled_dot, general, additive, cosine"
    with pytest.raises(ValueError, match=message):
        make_score("dott", 4, 4)
    with pytest.raises(ValueError, match=message):
        Attention("dott")
