"""Attention, one step of it, in the names of the attention notes.

For a decoder state sᵢ (the query) and encoder states h₁ … h_T (the keys, and the values):

    score     eᵢⱼ = score(sᵢ, hⱼ)                 for every encoder step j
    weights   αᵢⱼ = exp(eᵢⱼ) / Σₖ exp(eᵢₖ)         (a softmax over j)
    context   cᵢ  = Σⱼ αᵢⱼ hⱼ                      (a weighted average of the values)

Everything is batched: queries are ``(batch, tgt_len, query_size)``, keys and values
``(batch, src_len, key_size)``, and the weights of all decoder steps form one
``(batch, tgt_len, src_len)`` attention matrix, computed with one batched matmul.
"""

from __future__ import annotations

import math

import minigrad as mg
from minigrad import Tensor, nn

# --- score functions: (batch, tgt_len, query_size), (batch, src_len, key_size) -> (batch, tgt_len, src_len)


def _same_size(query: Tensor, keys: Tensor, name: str) -> None:
    if query.shape[-1] != keys.shape[-1]:
        raise ValueError(
            f"{name} score: the query size {query.shape[-1]} and the key size {keys.shape[-1]} differ; "
            "use the 'general' or 'additive' score, which learn a map between them"
        )


class DotScore(nn.Module):
    """score(s, h) = sᵀh  (Luong's *dot*)."""

    def forward(self, query: Tensor, keys: Tensor) -> Tensor:
        _same_size(query, keys, "dot")
        return query @ keys.swapaxes(-1, -2)


class ScaledDotScore(nn.Module):
    """score(s, h) = sᵀh / √d  (the Transformer's; keeps the softmax out of saturation as d grows)."""

    def forward(self, query: Tensor, keys: Tensor) -> Tensor:
        _same_size(query, keys, "scaled_dot")
        return (query @ keys.swapaxes(-1, -2)) * (1.0 / math.sqrt(keys.shape[-1]))


class GeneralScore(nn.Module):
    """score(s, h) = sᵀ W h  (Luong's *general*, or multiplicative), W of shape (query_size, key_size)."""

    def __init__(self, query_size: int, key_size: int, device: str | None = None) -> None:
        super().__init__()
        self.W = nn.Linear(key_size, query_size, bias=False, device=device)  # W h for every key

    def forward(self, query: Tensor, keys: Tensor) -> Tensor:
        return query @ self.W(keys).swapaxes(-1, -2)


class AdditiveScore(nn.Module):
    """score(s, h) = vᵀ tanh(W_q s + W_k h + b)  (Bahdanau's *additive*, or concat; b is W_k's bias)."""

    def __init__(self, query_size: int, key_size: int, attention_size: int | None = None,
                 device: str | None = None) -> None:
        super().__init__()
        attention_size = attention_size or key_size
        self.W_q = nn.Linear(query_size, attention_size, bias=False, device=device)
        self.W_k = nn.Linear(key_size, attention_size, bias=True, device=device)
        self.v = nn.Linear(attention_size, 1, bias=False, device=device)

    def forward(self, query: Tensor, keys: Tensor) -> Tensor:
        projected_query = self.W_q(query).unsqueeze(-2)  # (batch, tgt_len, 1, attention_size)
        projected_keys = self.W_k(keys).unsqueeze(-3)  # (batch, 1, src_len, attention_size)
        return self.v((projected_query + projected_keys).tanh()).squeeze(-1)


class CosineScore(nn.Module):
    """score(s, h) = sᵀh / (‖s‖ ‖h‖)  (cosine similarity, in [-1, 1])."""

    def __init__(self, eps: float = 1e-8) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, query: Tensor, keys: Tensor) -> Tensor:
        _same_size(query, keys, "cosine")
        query_norm = ((query * query).sum(axis=-1, keepdims=True) + self.eps).sqrt()  # (batch, tgt_len, 1)
        key_norm = ((keys * keys).sum(axis=-1, keepdims=True) + self.eps).sqrt()  # (batch, src_len, 1)
        return (query / query_norm) @ (keys / key_norm).swapaxes(-1, -2)


SCORES = ("dot", "scaled_dot", "general", "additive", "cosine")


def make_score(score: str, query_size: int, key_size: int, attention_size: int | None = None,
               device: str | None = None) -> nn.Module:
    """The score module named ``score``, one of :data:`SCORES`."""
    if score == "dot":
        return DotScore()
    if score == "scaled_dot":
        return ScaledDotScore()
    if score == "general":
        return GeneralScore(query_size, key_size, device=device)
    if score == "additive":
        return AdditiveScore(query_size, key_size, attention_size, device=device)
    if score == "cosine":
        return CosineScore()
    raise ValueError(f"unknown attention score {score!r}; choose one of {', '.join(SCORES)}")


# --- masks -------------------------------------------------------------------------------------


def padding_mask(lengths: list[int] | Tensor, max_len: int | None = None, device: str | None = None) -> Tensor:
    """(batch, max_len) booleans, True at the real tokens of each sequence and False at its padding."""
    lengths = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    if any(n < 1 for n in lengths):
        raise ValueError(f"padding_mask: lengths {lengths} include 0: that sequence would have every key masked, "
                         "so attention over it is undefined")
    max_len = max(lengths) if max_len is None else max_len
    positions = mg.arange(max_len, device=device)
    return positions.unsqueeze(0) < mg.tensor(lengths, device=device).unsqueeze(1)


def causal_mask(length: int, device: str | None = None) -> Tensor:
    """(1, length, length) booleans, True where query position i may look at key position j ≤ i.

    The leading 1 broadcasts over the batch; it also keeps the mask from being read as a
    (batch, src_len) padding mask when the batch happens to have ``length`` sequences.
    """
    positions = mg.arange(length, device=device)
    return (positions.unsqueeze(1) >= positions.unsqueeze(0)).unsqueeze(0)


def check_mask(mask: Tensor) -> Tensor:
    """``mask``, once it is known that every query keeps at least one key; else a clear error.

    (:func:`masked_softmax` would give such a query weights 0 and a context of 0, as torch does, but in
    a translation model it means a sequence of length 0: a mistake to report.) Reading the answer brings it to
    the host, which on a GPU waits for all queued work, so this runs once where a batch's mask is
    made (``Seq2Seq.encode``, self-attention's forward), not in :func:`masked_softmax`, which a
    decoder runs at every step.
    """
    _check_boolean(mask)
    if not mask.any(axis=-1).all():
        raise ValueError(
            "attention: some query has every key masked out, so its weights are undefined; "
            "check the padding mask or lengths (a sequence of length 0?)"
        )
    return mask


def masked_softmax(scores: Tensor, mask: Tensor | None) -> Tensor:
    """Attention weights α_ij = softmax_j(e_ij) over the keys, with α_ij = 0 exactly where ``mask`` is False.

    ``mask`` broadcasts against ``scores``; a masked score becomes -inf, and e^-inf = 0. A query that
    may attend to no key at all gets weights 0 (and context 0), never NaN, as torch's
    scaled_dot_product_attention (``minigrad.nn.functional.masked_softmax``).
    """
    if mask is None:
        return scores.softmax(axis=-1)
    return nn.functional.masked_softmax(scores, mask, axis=-1)


def _check_boolean(mask: Tensor) -> None:
    if mask.dtype != mg.bool_:
        raise TypeError(f"attention: the mask must be boolean (True = attend), not {mask.dtype}")


def _broadcastable_mask(mask: Tensor, scores: Tensor) -> Tensor:
    _check_boolean(mask)
    given_shape = mask.shape
    if mask.ndim == 2 and scores.ndim == 3:
        # Always a padding mask, even when batch == tgt_len: the same keys hidden from every query.
        mask = mask.unsqueeze(1)
    fits = mask.ndim <= scores.ndim and all(
        m in (1, s) for m, s in zip(mask.shape[::-1], scores.shape[::-1])
    )
    if not fits:
        raise ValueError(
            f"attention: a mask of shape {given_shape} does not fit scores of shape {scores.shape} "
            "(batch, tgt_len, src_len); pass a padding mask (batch, src_len) or a mask per query "
            "(batch, tgt_len, src_len) or (1, tgt_len, src_len)"
        )
    return mask


# --- attention -------------------------------------------------------------------------------


class Attention(nn.Module):
    """One attention step for a batch of queries: returns (context, weights).

    ``weights = softmax(score(query, keys))`` over the source axis, and
    ``context = weights @ values``. Queries ``(batch, tgt_len, query_size)`` give weights
    ``(batch, tgt_len, src_len)``; a single query ``(batch, query_size)`` gives
    ``(batch, src_len)``.

    ``mask`` (True = attend) is a padding mask ``(batch, src_len)``, the same keys hidden from
    every query, or a mask per query ``(batch or 1, tgt_len, src_len)`` (as :func:`causal_mask`
    gives). Every query must keep a key: :func:`padding_mask` and ``Seq2Seq`` make sure of it
    (:func:`check_mask` checks a mask of your own).
    """

    def __init__(self, score: str = "dot", query_size: int | None = None, key_size: int | None = None,
                 attention_size: int | None = None, device: str | None = None) -> None:
        super().__init__()
        if score in ("general", "additive") and (query_size is None or key_size is None):
            raise ValueError(f"the {score!r} score learns weights, so it needs query_size and key_size")
        self.score_name = score
        self.query_size, self.key_size = query_size, key_size
        self.score = make_score(score, query_size or 0, key_size or 0, attention_size, device)

    def forward(self, query: Tensor, keys: Tensor, values: Tensor | None = None,
                mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        values = keys if values is None else values
        single = query.ndim == 2
        if single:
            query = query.unsqueeze(1)  # (batch, 1, query_size)
        self._check(query, keys, values)
        scores = self.score(query, keys)  # (batch, tgt_len, src_len)
        weights = masked_softmax(scores, None if mask is None else _broadcastable_mask(mask, scores))
        context = weights @ values  # (batch, tgt_len, value_size)
        if single:
            return context.squeeze(1), weights.squeeze(1)
        return context, weights

    def _check(self, query: Tensor, keys: Tensor, values: Tensor) -> None:
        if query.ndim != 3 or keys.ndim != 3 or values.ndim != 3:
            raise ValueError(
                f"attention: expected query (batch, tgt_len, size) and keys/values (batch, src_len, size), "
                f"got query {query.shape}, keys {keys.shape}, values {values.shape}"
            )
        if keys.shape[:2] != values.shape[:2] or query.shape[0] != keys.shape[0]:
            raise ValueError(
                f"attention: query {query.shape}, keys {keys.shape} and values {values.shape} disagree on "
                "batch size or source length"
            )
        for name, expected, actual in (("query", self.query_size, query.shape[-1]),
                                       ("key", self.key_size, keys.shape[-1])):
            if expected is not None and expected != actual:
                raise ValueError(f"attention: {name} size is {actual}, but this module was built for {expected}")

    def extra_repr(self) -> str:
        return f"score={self.score_name!r}"


def multi_head_attention(query: Tensor, keys: Tensor, values: Tensor, num_heads: int,
                         mask: Tensor | None = None, dropout: nn.Module | None = None) -> tuple[Tensor, Tensor]:
    """Scaled dot-product attention in ``num_heads`` heads, on queries, keys and values already projected.

    Each of (batch, len, E) is cut into heads of size d = E / num_heads; per head
    ``weights = softmax(Q Kᵀ / √d)`` and ``context = weights V``, all heads in one batched matmul;
    the heads' contexts are joined back to (batch, tgt_len, E). ``mask`` (True = attend) broadcasts
    against (batch, tgt_len, src_len) and is shared by the heads; ``dropout``, if given, drops some of
    the weights in training, as torch's MultiheadAttention does. Returns (context, weights), weights
    (batch, heads, tgt_len, src_len).
    """
    batch, tgt_len, size = query.shape
    head_size = size // num_heads

    def heads(x: Tensor) -> Tensor:  # (batch, len, E) -> (batch, heads, len, d)
        return x.reshape(batch, x.shape[1], num_heads, head_size).swapaxes(1, 2)

    scores = (heads(query) @ heads(keys).swapaxes(-1, -2)) * (1.0 / math.sqrt(head_size))
    weights = masked_softmax(scores, None if mask is None else mask.unsqueeze(1))  # the heads' axis
    kept = weights if dropout is None else dropout(weights)
    context = (kept @ heads(values)).swapaxes(1, 2).reshape(batch, tgt_len, size)
    return context, weights


class MultiHeadSelfAttention(nn.Module):
    """Self-attention with ``num_heads`` heads: queries, keys and values all come from x.

    Q = x W_Q, K = x W_K, V = x W_V, split into heads of size d = embed_dim / num_heads;
    per head ``softmax(Q Kᵀ / √d) V``; the heads concatenated and projected by W_O.
    Every position is computed at once, in one batched matmul (no stepping as in an RNN).
    """

    def __init__(self, embed_dim: int, num_heads: int, causal: bool = False, bias: bool = True,
                 device: str | None = None) -> None:
        super().__init__()
        if num_heads < 1 or embed_dim % num_heads:
            raise ValueError(f"num_heads={num_heads} does not divide embed_dim={embed_dim}")
        self.embed_dim, self.num_heads, self.causal = embed_dim, num_heads, causal
        self.head_size = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias, device=device)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias, device=device)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias, device=device)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias, device=device)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Returns (output (batch, len, embed_dim), weights (batch, heads, len, len)).

        ``mask``: (batch, len) padding mask, True at real tokens.
        """
        if x.ndim != 3 or x.shape[-1] != self.embed_dim:
            raise ValueError(f"self-attention: expected x of shape (batch, len, {self.embed_dim}), got {x.shape}")
        batch, length, _ = x.shape
        allowed = causal_mask(length, device=x.device) if self.causal else None
        if mask is not None:
            _check_boolean(mask)
            if mask.shape != (batch, length):
                raise ValueError(f"self-attention: the padding mask must be (batch, len) = {(batch, length)}, "
                                 f"not {mask.shape}")
            padding = check_mask(mask).reshape(batch, 1, length)
            allowed = padding if allowed is None else (allowed & padding)
        context, weights = multi_head_attention(self.q_proj(x), self.k_proj(x), self.v_proj(x), self.num_heads,
                                                allowed)
        return self.out_proj(context), weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, causal={self.causal}"
