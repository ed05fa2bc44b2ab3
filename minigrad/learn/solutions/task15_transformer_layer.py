"""Task 15, solved: post-norm, norm(x + attention(x)), then norm(h + W₂ relu(W₁ h))."""

from __future__ import annotations

import minigrad as mg
from minigrad.learn.mine import multi_head_attention


def layer_norm(x: mg.Tensor, weight: mg.Tensor, bias: mg.Tensor, eps: float = 1e-5) -> mg.Tensor:
    """(x - mean) / √(var + eps) · weight + bias over the last axis."""
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)  # biased, as torch's
    return centred / (var + eps).sqrt() * weight + bias


def encoder_layer(x: mg.Tensor, params: dict[str, mg.Tensor], num_heads: int,
                  mask: mg.Tensor | None = None) -> mg.Tensor:
    """y (batch, len, E) from x (batch, len, E); mask (True = attend) is (batch or 1, len or 1, len)."""
    w_q, w_k, w_v = params["self_attn.in_proj_weight"].chunk(3, axis=0)
    b_q, b_k, b_v = params["self_attn.in_proj_bias"].chunk(3, axis=0)
    context, _ = multi_head_attention(x @ w_q.T + b_q, x @ w_k.T + b_k, x @ w_v.T + b_v, num_heads, mask)
    attended = context @ params["self_attn.out_proj.weight"].T + params["self_attn.out_proj.bias"]
    h = layer_norm(x + attended, params["norm1.weight"], params["norm1.bias"])
    hidden = (h @ params["linear1.weight"].T + params["linear1.bias"]).relu()
    fed = hidden @ params["linear2.weight"].T + params["linear2.bias"]
    return layer_norm(h + fed, params["norm2.weight"], params["norm2.bias"])
