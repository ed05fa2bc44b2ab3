"""Task 9, solved: the five scores, each its formula in minigrad ops."""

from __future__ import annotations

import math

import minigrad as mg


def dot_score(query: mg.Tensor, keys: mg.Tensor) -> mg.Tensor:
    """sᵀh for every query s and key h: (batch, tgt_len, src_len)."""
    return query @ keys.swapaxes(-1, -2)


def scaled_dot_score(query: mg.Tensor, keys: mg.Tensor) -> mg.Tensor:
    """sᵀh / √d, d the key size."""
    return (query @ keys.swapaxes(-1, -2)) * (1.0 / math.sqrt(keys.shape[-1]))


def general_score(query: mg.Tensor, keys: mg.Tensor, w: mg.Tensor) -> mg.Tensor:
    """sᵀ W h, W of shape (query_size, key_size)."""
    return query @ w @ keys.swapaxes(-1, -2)


def additive_score(query: mg.Tensor, keys: mg.Tensor, w_q: mg.Tensor, w_k: mg.Tensor, b: mg.Tensor,
                   v: mg.Tensor) -> mg.Tensor:
    """vᵀ tanh(W_q s + W_k h + b), for every pair (s, h)."""
    projected_query = (query @ w_q.T).unsqueeze(-2)  # (batch, tgt_len, 1, A)
    projected_keys = (keys @ w_k.T + b).unsqueeze(-3)  # (batch, 1, src_len, A)
    return ((projected_query + projected_keys).tanh() * v).sum(axis=-1)


def cosine_score(query: mg.Tensor, keys: mg.Tensor, eps: float = 1e-8) -> mg.Tensor:
    """sᵀh / (‖s‖ ‖h‖), with ‖x‖ = √(Σ x² + eps)."""
    query_norm = ((query * query).sum(axis=-1, keepdims=True) + eps).sqrt()  # (batch, tgt_len, 1)
    key_norm = ((keys * keys).sum(axis=-1, keepdims=True) + eps).sqrt()  # (batch, src_len, 1)
    return (query / query_norm) @ (keys / key_norm).swapaxes(-1, -2)
