"""nn.MultiheadAttention, torch's layer and parameter layout, written out with the ops.

Each of the H heads attends in its own d = E/H dimensional slice of the projected queries, keys
and values:

    Q = query W_qᵀ + b_q,  K = key W_kᵀ + b_k,  V = value W_vᵀ + b_v      (W_q, W_k, W_v: in_proj_weight's thirds)
    scores_h  = Q_h K_hᵀ / √d  (+ attn_mask; −∞ where masked)             (batch, H, L, S)
    weights_h = softmax(scores_h) over the S keys, then dropout
    output    = concat_h(weights_h V_h) W_oᵀ + b_o                          (out_proj)

It returns (output, the weights averaged over the heads), as torch does; the learner's version of
the same mechanism, with its notes' names, is models/attention.py.
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.backend import Device
from minigrad.creation import ones, zeros
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.layers import Linear
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class MultiheadAttention(Module):
    """torch.nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first): inputs (L, N, E), or
    (N, L, E) with ``batch_first``, or unbatched (L, E). Keys and values must have the embedding size
    (kdim = vdim = embed_dim)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: str | Device | None = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by num_heads {num_heads}")
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise ValueError("MultiheadAttention: add_bias_kv, add_zero_attn and kdim/vdim other than embed_dim "
                             "are not supported; project keys and values to embed_dim first")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        self.in_proj_weight = Parameter(zeros(3 * embed_dim, embed_dim, device=device, dtype=dtype))
        init.xavier_uniform_(self.in_proj_weight)
        if bias:
            self.in_proj_bias = Parameter(zeros(3 * embed_dim, device=device, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if bias:
            init.zeros_(self.out_proj.bias)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        batched = query.ndim == 3
        if not batched:  # (L, E): a batch of one
            query, key, value = (t.unsqueeze(0) for t in (query, key, value))
            key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
        elif not self.batch_first:  # (L, N, E) → (N, L, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if query.shape[-1] != self.embed_dim or key.shape[-1] != self.embed_dim or value.shape[-1] != self.embed_dim:
            raise ValueError(f"MultiheadAttention: query, key and value must end in embed_dim {self.embed_dim}, "
                             f"got {query.shape}, {key.shape}, {value.shape}")
        batch, target_len, source_len = query.shape[0], query.shape[1], key.shape[1]
        w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        b_q, b_k, b_v = (None, None, None) if self.in_proj_bias is None else self.in_proj_bias.chunk(3)
        q, k, v = (self.heads(F.linear(t, w, b)) for t, w, b in ((query, w_q, b_q), (key, w_k, b_k),
                                                                     (value, w_v, b_v)))  # (N, H, L|S, d)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)  # (N, H, L, S)
        if attn_mask is None and is_causal:
            attn_mask = F.triu(ones(target_len, source_len, device=scores.device), diagonal=1) > 0  # j > i
        if attn_mask is not None:
            mask = attn_mask.reshape(batch, self.num_heads, target_len, source_len) if attn_mask.ndim == 3 \
                else attn_mask
            scores = scores.masked_fill(mask, -math.inf) if mask.dtype == bool else scores + mask
        if key_padding_mask is not None:  # (N, S): True marks a key to leave out
            padding = key_padding_mask.reshape(batch, 1, 1, source_len)
            scores = scores.masked_fill(padding, -math.inf) if padding.dtype == bool else scores + padding
        weights = F.softmax(scores, dim=-1)
        context = F.dropout(weights, self.dropout, self.training) @ v  # (N, H, L, d)
        context = context.transpose(1, 2).reshape(batch, target_len, self.embed_dim)
        output = self.out_proj(context)  # (N, L, E)
        if not batched:
            output = output.squeeze(0)
        elif not self.batch_first:
            output = output.transpose(0, 1)
        if not need_weights:
            return output, None
        weights = weights.mean(dim=1) if average_attn_weights else weights
        return output, weights if batched else weights.squeeze(0)

    def heads(self, x: Tensor) -> Tensor:
        """(N, L, E) → (N, H, L, d): the embedding split into the heads' slices."""
        batch, length = x.shape[:2]
        return x.reshape(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first={self.batch_first}"
