"""The floor: the Luong seq2seq in plain NumPy (or CuPy), forward and backward written by hand.

No autograd, no graph, no Tensor: the arrays and the chain rule, once. Any NumPy-based
framework does at least this work, so minigrad's step time is measured against it.

The math is the model of ``models.seq2seq.build_model(..., decoder="luong", score="dot")``
without input feeding, on batches with no padding:

    encoder     H = LSTM(embed_src(x))                    keys = values = H   (batch, src_len, hidden)
    decoder     S = LSTM(embed_tgt(y_in), from H's final state)    queries S  (batch, tgt_len, hidden)
    attention   weights = softmax(S Hᵀ),  context = weights H
    output      attentional = tanh(W_c [context; S]),  logits = W_o attentional + b_o
    loss        mean cross-entropy of logits against y_out

LSTM gates are in PyTorch's order (i, f, g, o) and the parameters carry minigrad's (and
PyTorch's) names, so one weights dict loads into all three.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

BOS_ID, EOS_ID = 1, 2  # as in models.data


def init_parameters(xp: Any, source_vocab: int, target_vocab: int, embed_size: int, hidden_size: int,
                    seed: int = 0, dtype: Any = "float32") -> dict[str, Any]:
    """Weights drawn as PyTorch draws them: N(0, 1) embeddings, U(-1/√fan, 1/√fan) elsewhere."""
    rng = xp.random.RandomState(seed)

    def uniform(shape: tuple[int, ...], fan: int) -> Any:
        bound = 1 / math.sqrt(fan)
        return rng.uniform(-bound, bound, size=shape).astype(dtype)

    hidden4 = 4 * hidden_size
    params = {}
    for side, vocab in (("encoder", source_vocab), ("decoder", target_vocab)):
        params[f"{side}.embedding.weight"] = rng.standard_normal((vocab, embed_size)).astype(dtype)
        params[f"{side}.embedding.weight"][0] = 0  # the padding row
        params[f"{side}.lstm.weight_ih_l0"] = uniform((hidden4, embed_size), hidden_size)
        params[f"{side}.lstm.weight_hh_l0"] = uniform((hidden4, hidden_size), hidden_size)
        params[f"{side}.lstm.bias_ih_l0"] = uniform((hidden4,), hidden_size)
        params[f"{side}.lstm.bias_hh_l0"] = uniform((hidden4,), hidden_size)
    params["decoder.combine.weight"] = uniform((hidden_size, 2 * hidden_size), 2 * hidden_size)
    params["decoder.output.weight"] = uniform((target_vocab, hidden_size), hidden_size)
    params["decoder.output.bias"] = uniform((target_vocab,), hidden_size)
    return params


# --- the LSTM, forward and backward through time -------------------------------------------


def lstm_gates(xp: Any, gates: Any, c: Any) -> tuple[Any, Any, Any]:
    """Activate one step's gates (batch, 4H) in place; return the new h, c and tanh(c).

    One exp for all four gates: σ(x) = 1 / (1 + e⁻ˣ) on i, f, o, and tanh(x) = 2σ(2x) - 1 on g
    (NumPy's exp costs about half of its tanh). e⁻ˣ overflowing to inf gives σ = 0, as it should.
    """
    hidden = c.shape[-1]
    candidate = gates[:, 2 * hidden: 3 * hidden]
    candidate *= 2
    gates *= -1
    with quiet_overflow(xp):
        xp.exp(gates, out=gates)
    gates += 1
    xp.reciprocal(gates, out=gates)  # σ on every column
    candidate *= 2
    candidate -= 1  # tanh on g
    input_gate, forget_gate, candidate, output_gate = (gates[:, k * hidden: (k + 1) * hidden] for k in range(4))
    c = forget_gate * c + input_gate * candidate
    tanh_c = xp.tanh(c)
    return output_gate * tanh_c, c, tanh_c


def quiet_overflow(xp: Any) -> Any:
    return xp.errstate(over="ignore") if hasattr(xp, "errstate") else contextlib.nullcontext()


def lstm_forward(xp: Any, params: dict[str, Any], side: str, inputs: Any, h: Any, c: Any) -> dict[str, Any]:
    """Run the LSTM over time-major inputs (steps, batch, in); keep what backward needs.

    Returns ``hs`` and ``cs`` (steps + 1, batch, H), with the initial state at index 0, the
    activated gates (steps, batch, 4H) and tanh(c) (steps, batch, H).
    """
    weight_ih, weight_hh = params[f"{side}.lstm.weight_ih_l0"], params[f"{side}.lstm.weight_hh_l0"]
    bias = params[f"{side}.lstm.bias_ih_l0"] + params[f"{side}.lstm.bias_hh_l0"]
    steps, batch, features = inputs.shape
    # the input's share of every step's gates, in one matmul
    gates = (inputs.reshape(steps * batch, features) @ weight_ih.T + bias).reshape(steps, batch, -1)
    hs = xp.empty((steps + 1, *h.shape), dtype=h.dtype)
    cs = xp.empty_like(hs)
    tanh_cs = xp.empty((steps, *h.shape), dtype=h.dtype)
    hs[0], cs[0] = h, c
    for t in range(steps):
        gates[t] += hs[t] @ weight_hh.T
        hs[t + 1], cs[t + 1], tanh_cs[t] = lstm_gates(xp, gates[t], cs[t])
    return {"inputs": inputs, "hs": hs, "cs": cs, "gates": gates, "tanh_cs": tanh_cs}


def lstm_backward(xp: Any, params: dict[str, Any], side: str, cache: dict[str, Any], d_outputs: Any,
                  dh: Any, dc: Any, grads: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Backpropagation through time.

    ``d_outputs`` is dL/dh_t for each step (steps, batch, H); ``dh``, ``dc`` what reaches the
    final state. Fills the weight gradients into ``grads``; returns dL/dinputs (steps, batch, in)
    and dL/d(initial h, c).
    """
    weight_ih, weight_hh = params[f"{side}.lstm.weight_ih_l0"], params[f"{side}.lstm.weight_hh_l0"]
    inputs, hs, cs, gates, tanh_cs = (cache[k] for k in ("inputs", "hs", "cs", "gates", "tanh_cs"))
    steps, batch, hidden = d_outputs.shape
    d_gates = xp.empty_like(gates)  # dL/d(pre-activation gates), (steps, batch, 4H)
    for t in reversed(range(steps)):
        input_gate, forget_gate, candidate, output_gate = (gates[t, :, k * hidden: (k + 1) * hidden]
                                                           for k in range(4))
        dh = dh + d_outputs[t]
        dc = dc + dh * output_gate * (1 - tanh_cs[t] * tanh_cs[t])  # h = o·tanh(c)
        d = d_gates[t]
        d[:, :hidden] = dc * candidate * input_gate * (1 - input_gate)  # c = f·c₋₁ + i·g
        d[:, hidden: 2 * hidden] = dc * cs[t] * forget_gate * (1 - forget_gate)
        d[:, 2 * hidden: 3 * hidden] = dc * input_gate * (1 - candidate * candidate)
        d[:, 3 * hidden:] = dh * tanh_cs[t] * output_gate * (1 - output_gate)
        dc = dc * forget_gate
        dh = d @ weight_hh
    # weight gradients: one matmul each over all steps
    flat = d_gates.reshape(steps * batch, 4 * hidden)
    grads[f"{side}.lstm.weight_ih_l0"] = flat.T @ inputs.reshape(steps * batch, -1)
    grads[f"{side}.lstm.weight_hh_l0"] = flat.T @ hs[:-1].reshape(steps * batch, hidden)
    grads[f"{side}.lstm.bias_ih_l0"] = flat.sum(axis=0)
    grads[f"{side}.lstm.bias_hh_l0"] = grads[f"{side}.lstm.bias_ih_l0"].copy()
    d_inputs = (flat @ weight_ih).reshape(steps, batch, -1)
    return d_inputs, dh, dc


def embedding_grad(xp: Any, tokens: Any, d_rows: Any, vocab: int) -> Any:
    """dL/d(embedding table) from dL/d(looked-up rows): rows with the same token add up (one-hot matmul)."""
    one_hot = (tokens.reshape(-1, 1) == xp.arange(vocab)).astype(d_rows.dtype)  # (tokens, vocab)
    return one_hot.T @ d_rows.reshape(one_hot.shape[0], -1)


def softmax(xp: Any, scores: Any) -> Any:
    exp = xp.exp(scores - scores.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


# --- the model ------------------------------------------------------------------------------


class NumpySeq2Seq:
    """The seq2seq step by hand: ``loss_and_grads``, ``train_step`` (with clipping and Adam), ``greedy``."""

    def __init__(self, params: dict[str, Any], xp: Any, lr: float = 1e-3, clip: float | None = 5.0,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.params, self.xp = params, xp
        self.lr, self.clip, self.betas, self.eps = lr, clip, betas, eps
        self.adam_steps = 0
        self.exp_avg = {name: xp.zeros_like(p) for name, p in params.items()}
        self.exp_avg_sq = {name: xp.zeros_like(p) for name, p in params.items()}

    def _encode(self, source: Any) -> dict[str, Any]:
        xp, params = self.xp, self.params
        batch = source.shape[0]
        hidden = params["encoder.lstm.weight_hh_l0"].shape[1]
        zero = xp.zeros((batch, hidden), dtype=params["encoder.lstm.weight_hh_l0"].dtype)
        embedded = params["encoder.embedding.weight"][source.T]  # time-major (src_len, batch, E)
        return lstm_forward(xp, params, "encoder", embedded, zero, zero)

    def loss_and_grads(self, source: Any, target_in: Any, target_out: Any) -> tuple[float, dict[str, Any]]:
        """Forward and backward for token batches (batch, src_len), (batch, tgt_len) ×2, without padding."""
        xp, params = self.xp, self.params
        grads: dict[str, Any] = {}
        # forward
        encoder = self._encode(source)
        embedded = params["decoder.embedding.weight"][target_in.T]  # (tgt_len, batch, E)
        decoder = lstm_forward(xp, params, "decoder", embedded, encoder["hs"][-1], encoder["cs"][-1])
        keys = xp.ascontiguousarray(encoder["hs"][1:].transpose(1, 0, 2))  # (batch, src_len, H)
        queries = xp.ascontiguousarray(decoder["hs"][1:].transpose(1, 0, 2))  # (batch, tgt_len, H)
        weights = softmax(xp, queries @ keys.transpose(0, 2, 1))  # (batch, tgt_len, src_len)
        context = weights @ keys  # (batch, tgt_len, H)
        combined = xp.concatenate([context, queries], axis=-1)  # (batch, tgt_len, 2H)
        batch, tgt_len, hidden = queries.shape
        count = batch * tgt_len  # the (batch, tgt_len) positions, flattened: one matmul for all of them
        combined = combined.reshape(count, 2 * hidden)
        attentional = xp.tanh(combined @ params["decoder.combine.weight"].T)  # (count, H)
        logits = attentional @ params["decoder.output.weight"].T + params["decoder.output.bias"]
        probs = softmax(xp, logits)  # (count, vocab)
        vocab = probs.shape[-1]
        rows, picked = xp.arange(count), target_out.reshape(-1)
        loss = -xp.log(probs[rows, picked]).mean()

        # backward: dL/dlogits = (softmax - one_hot) / count
        d_logits = probs
        d_logits[rows, picked] -= 1
        d_logits /= count
        grads["decoder.output.weight"] = d_logits.T @ attentional
        grads["decoder.output.bias"] = d_logits.sum(axis=0)
        d_attentional = d_logits @ params["decoder.output.weight"]  # (count, H)
        d_pre = d_attentional * (1 - attentional * attentional)  # through tanh
        grads["decoder.combine.weight"] = d_pre.T @ combined
        d_combined = (d_pre @ params["decoder.combine.weight"]).reshape(batch, tgt_len, 2 * hidden)
        d_context, d_queries = d_combined[..., :hidden], d_combined[..., hidden:]
        d_weights = d_context @ keys.transpose(0, 2, 1)  # (batch, tgt_len, src_len)
        d_keys = weights.transpose(0, 2, 1) @ d_context  # values are keys: (batch, src_len, H)
        d_scores = weights * (d_weights - (d_weights * weights).sum(axis=-1, keepdims=True))  # through softmax
        d_queries = d_queries + d_scores @ keys
        d_keys += d_scores.transpose(0, 2, 1) @ queries

        zero = xp.zeros_like(encoder["hs"][0])
        d_embedded, dh, dc = lstm_backward(xp, params, "decoder", decoder, d_queries.transpose(1, 0, 2),
                                           zero, zero, grads)
        grads["decoder.embedding.weight"] = embedding_grad(xp, target_in.T, d_embedded, vocab)
        d_embedded, _, _ = lstm_backward(xp, params, "encoder", encoder, d_keys.transpose(1, 0, 2), dh, dc, grads)
        grads["encoder.embedding.weight"] = embedding_grad(xp, source.T, d_embedded,
                                                           params["encoder.embedding.weight"].shape[0])
        return float(loss), grads

    def loss(self, source: Any, target_in: Any, target_out: Any) -> float:
        return self.loss_and_grads(source, target_in, target_out)[0]

    def train_step(self, source: Any, target_in: Any, target_out: Any) -> float:
        """Forward, backward, clip the joint gradient norm, Adam: one training step."""
        loss, grads = self.loss_and_grads(source, target_in, target_out)
        if self.clip is not None:
            total_norm = math.sqrt(float(sum((g * g).sum() for g in grads.values())))
            scale = self.clip / (total_norm + 1e-6)
            if scale < 1:
                for g in grads.values():
                    g *= scale
        self.adam(grads)
        return loss

    def adam(self, grads: dict[str, Any]) -> None:
        """Adam, in place: m ← β₁m + (1-β₁)g, v ← β₂v + (1-β₂)g², p ← p - lr·m̂/(√v̂ + ε)."""
        beta1, beta2 = self.betas
        self.adam_steps += 1
        step_size = self.lr / (1 - beta1**self.adam_steps)
        root_correction = math.sqrt(1 - beta2**self.adam_steps)
        for name, param in self.params.items():
            grad, exp_avg, exp_avg_sq = grads[name], self.exp_avg[name], self.exp_avg_sq[name]
            exp_avg *= beta1
            exp_avg += (1 - beta1) * grad
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            param -= step_size * exp_avg / (self.xp.sqrt(exp_avg_sq) / root_correction + self.eps)

    def greedy(self, source: Any, max_len: int) -> int:
        """Greedy decoding, forward only, a step at a time; stops when every row has said <eos>.

        Returns the number of steps taken.
        """
        xp, params = self.xp, self.params
        encoder = self._encode(source)
        keys = xp.ascontiguousarray(encoder["hs"][1:].transpose(1, 0, 2))  # (batch, src_len, H)
        h, c = encoder["hs"][-1], encoder["cs"][-1]
        weight_ih, weight_hh = params["decoder.lstm.weight_ih_l0"], params["decoder.lstm.weight_hh_l0"]
        bias = params["decoder.lstm.bias_ih_l0"] + params["decoder.lstm.bias_hh_l0"]
        batch = source.shape[0]
        tokens = xp.full((batch,), BOS_ID)
        done = xp.zeros((batch,), dtype=bool)
        steps = 0
        while steps < max_len:
            steps += 1
            gates = params["decoder.embedding.weight"][tokens] @ weight_ih.T + bias + h @ weight_hh.T
            h, c, _ = lstm_gates(xp, gates, c)
            weights = softmax(xp, (keys @ h[:, :, None])[:, :, 0])  # (batch, src_len)
            context = (weights[:, None, :] @ keys)[:, 0]  # (batch, H)
            attentional = xp.tanh(xp.concatenate([context, h], axis=-1) @ params["decoder.combine.weight"].T)
            logits = attentional @ params["decoder.output.weight"].T + params["decoder.output.bias"]
            tokens = logits.argmax(axis=-1)
            done |= tokens == EOS_ID
            if bool(done.all()):
                break
        return steps
