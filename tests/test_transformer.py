"""The Transformer: its layers load torch.nn's weights as they are and give torch's outputs and
gradients (padding and causal masks included); positional encoding is the paper's formula;
decoding step by step gives what teacher forcing gives; a tiny model learns a tiny task.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
from models.attention import causal_mask, padding_mask
from models.data import BOS_ID, EOS_ID, PAD_ID
from models.seq2seq import build_transformer
from models.transformer import MultiheadAttention, PositionalEncoding, TransformerDecoderLayer, TransformerEncoderLayer

TOL = {"rtol": 1e-5, "atol": 1e-5}


def load_from_torch(module: mg.nn.Module, twin: torch.nn.Module) -> None:
    result = module.load_state_dict({name: value.numpy() for name, value in twin.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys  # the same names, as torch has them


def close(ours: mg.Tensor, theirs: torch.Tensor, what: str) -> None:
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **TOL, err_msg=what)


def weighted_sum(pairs: list[tuple[mg.Tensor, torch.Tensor]], seed: int = 3) -> tuple[mg.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    ours, theirs = 0.0, 0.0
    for mine, twin in pairs:
        u = rng.standard_normal(mine.shape).astype(np.float32)
        ours = ours + (mine * mg.tensor(u, device=mine.device)).sum()
        theirs = theirs + (twin * torch.tensor(u)).sum()
    return ours, theirs


def grads_match(module: mg.nn.Module, twin: torch.nn.Module) -> None:
    theirs = dict(twin.named_parameters())
    for name, parameter in module.named_parameters():
        close(parameter.grad, theirs[name].grad, f"gradient of {name}")


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
def test_encoder_layer_matches_torch_with_a_padding_mask(norm_first: bool, device: str) -> None:
    twin = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True,
                                            norm_first=norm_first)
    layer = TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, norm_first=norm_first, device=device)
    load_from_torch(layer, twin)
    x = mg.randn(3, 5, 8, device=device, requires_grad=True)
    x_twin = torch.tensor(x.numpy(), requires_grad=True)
    real = padding_mask([5, 2, 4], device=device)  # True at real tokens
    out, weights = layer(x, real.unsqueeze(1))
    out_twin = twin(x_twin, src_key_padding_mask=torch.tensor(~real.numpy()))  # torch: True = padding
    assert weights.shape == (3, 2, 5, 5)
    np.testing.assert_array_equal(weights.numpy()[1, :, :, 2:], 0.0)  # no weight on padding, exactly
    ours, theirs = weighted_sum([(out, out_twin)])
    ours.backward()
    theirs.backward()
    close(out, out_twin, "output")
    close(x.grad, x_twin.grad, "dx")
    grads_match(layer, twin)


@pytest.mark.parametrize("norm_first", [False, True], ids=["post-norm", "pre-norm"])
def test_decoder_layer_matches_torch_with_causal_and_memory_masks(norm_first: bool, device: str) -> None:
    twin = torch.nn.TransformerDecoderLayer(8, 2, dim_feedforward=12, dropout=0.0, batch_first=True,
                                            norm_first=norm_first)
    layer = TransformerDecoderLayer(8, 2, dim_feedforward=12, dropout=0.0, norm_first=norm_first, device=device)
    load_from_torch(layer, twin)
    y = mg.randn(2, 4, 8, device=device, requires_grad=True)
    memory = mg.randn(2, 6, 8, device=device, requires_grad=True)
    y_twin, memory_twin = (torch.tensor(t.numpy(), requires_grad=True) for t in (y, memory))
    real = padding_mask([6, 3], device=device)
    out, self_weights, cross_weights = layer(y, memory, causal_mask(4, device=device), real.unsqueeze(1))
    out_twin = twin(y_twin, memory_twin, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4),
                    memory_key_padding_mask=torch.tensor(~real.numpy()))
    assert self_weights.shape == (2, 2, 4, 4) and cross_weights.shape == (2, 2, 4, 6)
    np.testing.assert_array_equal(np.triu(self_weights.numpy()[0, 0], k=1), 0.0)  # no look at later positions
    ours, theirs = weighted_sum([(out, out_twin)])
    ours.backward()
    theirs.backward()
    close(out, out_twin, "output")
    close(y.grad, y_twin.grad, "dy")
    close(memory.grad, memory_twin.grad, "d memory")
    grads_match(layer, twin)


def test_multihead_attention_gives_torchs_weights_per_head() -> None:
    twin = torch.nn.MultiheadAttention(6, 3, batch_first=True)
    attention = MultiheadAttention(6, 3)
    load_from_torch(attention, twin)
    query, keys = mg.randn(2, 3, 6), mg.randn(2, 5, 6)
    out, weights = attention(query, keys, keys)
    out_twin, weights_twin = twin(torch.tensor(query.numpy()), torch.tensor(keys.numpy()),
                                  torch.tensor(keys.numpy()), average_attn_weights=False)
    close(out, out_twin, "output")
    close(weights, weights_twin, "weights")
    assert [name for name, _ in attention.named_parameters()] == [name for name, _ in twin.named_parameters()]


def test_positional_encoding_is_the_papers_sines_and_cosines() -> None:
    table = PositionalEncoding(6, max_len=50).table.numpy()
    for position, i in [(0, 0), (3, 1), (49, 2)]:
        angle = position / 10000 ** (2 * i / 6)
        np.testing.assert_allclose(table[position, 2 * i], math.sin(angle), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(table[position, 2 * i + 1], math.cos(angle), rtol=1e-6, atol=1e-7)
    # a longer sequence grows the table by the same formula (a user's --max-len is not bounded by it)
    encoding = PositionalEncoding(6, max_len=50)
    grown = encoding(mg.zeros(1, 120, 6)).numpy()[0]
    assert encoding.table.shape == (120, 6)
    np.testing.assert_allclose(grown[:50], table, rtol=0, atol=0)
    np.testing.assert_allclose(grown[119, 0], math.sin(119), rtol=1e-6)
    np.testing.assert_allclose(grown[119, 5], math.cos(119 / 10000 ** (4 / 6)), rtol=1e-6)


def tiny_transformer() -> object:
    mg.manual_seed(0)
    return build_transformer(12, 12, d_model=16, nhead=2, num_layers=2, dim_feedforward=32, dropout=0.0)


@pytest.mark.parametrize("norm_first", [True, False])
def test_step_by_step_decoding_gives_the_teacher_forced_logits(norm_first: bool) -> None:
    """The cached step (one new position a step) computes what teacher forcing computes for that position."""
    mg.manual_seed(0)
    model = build_transformer(12, 12, d_model=16, nhead=2, num_layers=2, dim_feedforward=32, dropout=0.1,
                              norm_first=norm_first)
    model.eval()  # dropout off
    source = mg.tensor([[4, 5, 6, EOS_ID], [7, 8, EOS_ID, PAD_ID]])
    target_in = mg.tensor([[BOS_ID, 4, 5, 6], [BOS_ID, 7, 8, 9]])
    logits, weights = model(source, target_in)
    assert logits.shape == (2, 4, 12) and weights.shape == (2, 4, 4)
    memory = model.encode(source)
    state = model.decoder.start(memory)
    for t in range(4):
        step_logits, state, step_weights = model.decoder.step(target_in[:, t], state, memory)
        np.testing.assert_allclose(step_logits.numpy(), logits.numpy()[:, t], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(step_weights.numpy(), weights.numpy()[:, t], rtol=1e-5, atol=1e-6)
        assert all(state[f"layer{i}.self_k"].shape == (2, t + 1, 16) for i in range(2))  # one more position a step
        assert state["layer1.memory_v"].shape == (2, 4, 16)  # the source's, projected once
    np.testing.assert_array_equal(weights.numpy()[1, :, 3], 0.0)  # the padding of the second source
    reordered = model.decoder.reorder(state, [1, 1, 0])
    assert reordered["layer1.self_v"].shape == (3, 4, 16)
    np.testing.assert_array_equal(reordered["layer1.self_v"].numpy()[2], state["layer1.self_v"].numpy()[0])


def test_beam_of_one_is_greedy_and_the_cross_attention_of_every_layer_is_kept() -> None:
    model = tiny_transformer()
    source = mg.tensor([[4, 5, 6, 7, EOS_ID]])
    greedy = model.greedy(source, max_len=6)
    beam = model.beam_search(source, beam_size=1, max_len=6)
    assert [g.ids for g in greedy] == [b.ids for b in beam]
    model(source, mg.tensor([[BOS_ID, *greedy[0].ids]]))  # teacher forcing keeps every layer's and head's
    assert len(model.decoder.cross_weights) == 2  # layers
    assert model.decoder.cross_weights[0].shape == (1, 2, len(greedy[0].ids) + 1, 5)  # heads, steps, source


def test_a_tiny_transformer_learns_to_reverse_sequences() -> None:
    model = tiny_transformer()
    rng = np.random.default_rng(0)
    optimizer = mg.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(200):
        words = rng.integers(4, 12, (32, 3))
        source = mg.tensor(np.concatenate([words, np.full((32, 1), EOS_ID)], axis=1))
        target = words[:, ::-1]
        target_in = mg.tensor(np.concatenate([np.full((32, 1), BOS_ID), target], axis=1))
        target_out = mg.tensor(np.concatenate([target, np.full((32, 1), EOS_ID)], axis=1))
        optimizer.zero_grad()
        loss = model.loss(source, target_in, target_out)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.5  # from ln 12 ≈ 2.5 at the start
    words = rng.integers(4, 12, (20, 3))
    source = mg.tensor(np.concatenate([words, np.full((20, 1), EOS_ID)], axis=1))
    decoded = [t.ids for t in model.greedy(source, max_len=5)]
    correct = sum(ids == list(row[::-1]) for ids, row in zip(decoded, words.tolist()))
    assert correct >= 16, f"{correct} of 20 reversed correctly"


def test_the_attention_of_every_layer_and_head_is_drawn(tmp_path) -> None:
    from models.heatmap import draw_attention_grid  # noqa: PLC0415 - matplotlib, for this test only

    model = tiny_transformer()
    model(mg.tensor([[4, 5, 6, EOS_ID]]), mg.tensor([[BOS_ID, 4, 5]]))
    grid = [[head.tolist() for head in layer[0]] for layer in model.decoder.cross_weights]  # [layer][head]
    assert len(grid) == 2 and len(grid[0]) == 2
    path = draw_attention_grid(grid, ["a", "b", "c", "<eos>"], ["<bos>", "a", "b"], tmp_path / "heads.png")
    assert path.stat().st_size > 5000
    with pytest.raises(ValueError, match="weights are 3×4 but there are 3 output and 3 source tokens"):
        draw_attention_grid(grid, ["a", "b", "c"], ["<bos>", "a", "b"], tmp_path / "bad.png")


def test_the_cli_trains_a_transformer_and_draws_every_layer_and_head(tmp_path, capsys) -> None:
    from models.cli import main  # noqa: PLC0415 - the CLI, in this process

    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcdef"), size=rng.integers(3, 6))) for _ in range(300)]
    data = tmp_path / "reverse.tsv"
    data.write_text("".join(f"{w}\t{w[::-1]}\n" for w in words), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["train", "--data", str(data), "--model", "transformer", "--epochs", "1", "--hidden", "16",
                 "--heads", "2", "--ff", "32", "--batch-size", "32", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "TransformerEncoder" in printed and "multihead_attn" in printed  # the model that was built
    assert main(["attention", "--checkpoint", str(out / "best.safetensors"), "abcd", "--out",
                 str(tmp_path / "fig.png")]) == 0
    assert (tmp_path / "fig.png").stat().st_size > 1000 and (tmp_path / "fig_heads.png").stat().st_size > 5000
    from models.checkpoint import load_checkpoint  # noqa: PLC0415

    loaded = load_checkpoint(out / "best.safetensors")
    assert loaded.config.model == "transformer" and loaded.config.hidden_size == 16  # the given width
    assert loaded.config.num_layers == 2 and loaded.config.warmup == 300  # the Transformer's own defaults
