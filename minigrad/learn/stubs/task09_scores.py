"""Task 9: the five score functions of the attention notes.

Read: docs/attention.md (§ 3. Score functions) and notebooks/02_attention_step.py.
Check: minigrad-learn check 9

A score says how well each key matches each query. Queries are (batch, tgt_len, q) and keys
(batch, src_len, k); every function returns (batch, tgt_len, src_len), one score per pair:

    dot          sᵀh                         (q = k)
    scaled_dot   sᵀh / √d                    d = the key size
    general      sᵀ W h                      W: (q, k), the argument w
    additive     vᵀ tanh(W_q s + W_k h + b)  W_q: (A, q), W_k: (A, k), b and v: (A,); w_q, w_k, b, v
    cosine       sᵀh / (‖s‖ ‖h‖)             ‖s‖ = √(Σ s² + eps), the same for h

Write them with minigrad ops: ``keys.swapaxes(-1, -2)`` turns keys into (batch, k, src_len);
``x.unsqueeze(axis)`` adds an axis of size 1 to broadcast over.
"""

from __future__ import annotations

import minigrad as mg


def dot_score(query: mg.Tensor, keys: mg.Tensor) -> mg.Tensor:
    """sᵀh for every query s and key h: (batch, tgt_len, src_len)."""
    raise NotImplementedError


def scaled_dot_score(query: mg.Tensor, keys: mg.Tensor) -> mg.Tensor:
    """sᵀh / √d, d the key size."""
    raise NotImplementedError


def general_score(query: mg.Tensor, keys: mg.Tensor, w: mg.Tensor) -> mg.Tensor:
    """sᵀ W h, W of shape (query_size, key_size)."""
    raise NotImplementedError


def additive_score(query: mg.Tensor, keys: mg.Tensor, w_q: mg.Tensor, w_k: mg.Tensor, b: mg.Tensor,
                   v: mg.Tensor) -> mg.Tensor:
    """vᵀ tanh(W_q s + W_k h + b), for every pair (s, h)."""
    raise NotImplementedError


def cosine_score(query: mg.Tensor, keys: mg.Tensor, eps: float = 1e-8) -> mg.Tensor:
    """sᵀh / (‖s‖ ‖h‖), with ‖x‖ = √(Σ x² + eps)."""
    raise NotImplementedError
