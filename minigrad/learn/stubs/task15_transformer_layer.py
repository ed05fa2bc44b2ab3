"""Task 15: a Transformer encoder layer: self-attention and a feed-forward block, each with a residual
and a LayerNorm.

Read: docs/attention.md (§ 9. The Transformer: attention is all it has) and
notebooks/02_attention_step.py. Check: minigrad-learn check 15

    LayerNorm(x) = (x - mean) / √(var + eps) · weight + bias      over the last axis (E features);
                                                                   var is the biased one (÷ E)
    Q, K, V = x W_Qᵀ + b_Q,  x W_Kᵀ + b_K,  x W_Vᵀ + b_V              W_Q, W_K, W_V stacked in
                                                                   self_attn.in_proj_weight (3E, E)
    h = LayerNorm₁(x + MultiHead(Q, K, V) W_Oᵀ + b_O)              (post-norm, torch's default)
    y = LayerNorm₂(h + W₂ relu(W₁ h + b₁) + b₂)

``params`` holds tensors under the names of torch's ``nn.TransformerEncoderLayer``:
``self_attn.in_proj_weight``, ``self_attn.in_proj_bias``, ``self_attn.out_proj.weight``,
``self_attn.out_proj.bias``, ``linear1.weight``, ``linear1.bias``, ``linear2.weight``,
``linear2.bias``, ``norm1.weight``, ``norm1.bias``, ``norm2.weight``, ``norm2.bias``.
``multi_head_attention`` is yours from task 14. The check also trains your layer for a moment:
it must learn.
"""

from __future__ import annotations

import minigrad as mg
from minigrad.learn.mine import multi_head_attention  # noqa: F401 (task 14)


def layer_norm(x: mg.Tensor, weight: mg.Tensor, bias: mg.Tensor, eps: float = 1e-5) -> mg.Tensor:
    """(x - mean) / √(var + eps) · weight + bias over the last axis."""
    raise NotImplementedError


def encoder_layer(x: mg.Tensor, params: dict[str, mg.Tensor], num_heads: int,
                  mask: mg.Tensor | None = None) -> mg.Tensor:
    """y (batch, len, E) from x (batch, len, E); mask (True = attend) is (batch or 1, len or 1, len)."""
    raise NotImplementedError
