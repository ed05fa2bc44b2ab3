"""The Transformer (Vaswani et al., 2017), built from minigrad's ops: attention is all it has.

The LSTM models read a sentence one token after another and pass a state along. Here nothing
is passed along: every position looks at every other position at once, through self-attention,
and the order of the tokens enters only through the positional encoding added to the embeddings.

    encoder layer:  x = LayerNorm(x + SelfAttention(x))                 (every source position)
                    x = LayerNorm(x + FeedForward(x))                   FeedForward = W₂ relu(W₁ x)
    decoder layer:  y = LayerNorm(y + SelfAttention(y, causal))         (position i sees 1 … i)
                    y = LayerNorm(y + Attention(query = y, keys = values = encoder's x))
                    y = LayerNorm(y + FeedForward(y))

The attention is the notes' attention, in several heads: score e_ij = q_i · k_j / √d, weights
α_ij = softmax_j(e_ij), context c_i = Σ_j α_ij v_j (:func:`models.attention.multi_head_attention`);
the decoder's cross-attention is the encoder-decoder attention of the LSTM models, with the
decoder's own states as the queries. The layers' parameters have ``torch.nn``'s names and
layouts (``TransformerEncoderLayer``, ``TransformerDecoderLayer``, ``MultiheadAttention``), so
their weights load from PyTorch as they are.

Masks follow this project's convention throughout: True where attention may look.
"""

from __future__ import annotations

import math

import minigrad as mg
from minigrad import Tensor, nn
from models.attention import causal_mask, multi_head_attention
from models.data import PAD_ID
from models.decoder import DecoderState, Memory


class PositionalEncoding(nn.Module):
    """x + PE: PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).

    Each pair of dimensions is a sine and a cosine of one frequency, from one turn per 2π positions
    down to one per 10000·2π; a fixed table, not learned. The formula holds at every position, so
    the table starts with ``max_len`` rows and grows (to twice the size, or to what is asked)
    when a longer sequence comes.
    """

    def __init__(self, d_model: int, max_len: int = 512, device: str | None = None) -> None:
        super().__init__()
        self.d_model, self.device = d_model, device
        self.table = self._rows(max_len)  # (max_len, d_model), a constant

    def _rows(self, count: int) -> Tensor:
        rows = []
        for position in range(count):
            row = []
            for i in range(0, self.d_model, 2):
                angle = position / 10000 ** (i / self.d_model)
                row += [math.sin(angle), math.cos(angle)]
            rows.append(row[: self.d_model])
        return mg.tensor(rows, device=self.device).reshape(count, self.d_model)

    def forward(self, x: Tensor, start: int = 0) -> Tensor:
        """x: (batch, len, d_model), the positions ``start`` … ``start + len − 1``."""
        end = start + x.shape[1]
        if end > self.table.shape[0]:
            self.table = self._rows(max(end, 2 * self.table.shape[0]))
        return x + self.table[start:end].to(dtype=x.dtype)


class MultiheadAttention(nn.Module):
    """``torch.nn.MultiheadAttention`` (batch first): Q = q W_Qᵀ, K = k W_Kᵀ, V = v W_Vᵀ, heads, W_O.

    ``in_proj_weight`` stacks W_Q, W_K, W_V into (3E, E) and ``in_proj_bias`` their biases;
    ``out_proj`` is W_O. ``forward(query, key, value, mask)`` returns the output (batch, tgt, E) and
    the weights of every head, (batch, heads, tgt, src).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, device: str | None = None) -> None:
        super().__init__()
        if num_heads < 1 or embed_dim % num_heads:
            raise ValueError(f"num_heads={num_heads} does not divide embed_dim={embed_dim}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        bound = math.sqrt(6 / (embed_dim + 3 * embed_dim))  # torch's xavier_uniform_ of the (3E, E) matrix
        self.in_proj_weight = nn.init.uniform((3 * embed_dim, embed_dim), bound, device)
        self.in_proj_bias = nn.Parameter(mg.zeros(3 * embed_dim, device=device))
        self.out_proj = nn.Linear(embed_dim, embed_dim, device=device)
        self.out_proj.bias.data[...] = 0  # as torch starts it
        self.dropout = nn.Dropout(dropout)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        return self.attend(query, *self.keys_values(key, value), mask)

    def keys_values(self, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
        """K = key W_Kᵀ + b_K and V = value W_Vᵀ + b_V, each (batch, src, E): what the queries read."""
        _, w_k, w_v = self.in_proj_weight.split(self.embed_dim, axis=0)
        _, b_k, b_v = self.in_proj_bias.split(self.embed_dim, axis=0)
        return key @ w_k.T + b_k, value @ w_v.T + b_v

    def attend(self, query: Tensor, keys: Tensor, values: Tensor,
               mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Q = query W_Qᵀ + b_Q against K and V from :meth:`keys_values`; the output and every head's weights."""
        w_q = self.in_proj_weight[: self.embed_dim]
        b_q = self.in_proj_bias[: self.embed_dim]
        context, weights = multi_head_attention(query @ w_q.T + b_q, keys, values, self.num_heads, mask,
                                                self.dropout)
        return self.out_proj(context), weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"


class TransformerEncoderLayer(nn.Module):
    """Self-attention, then the feed-forward block, each with a residual and a LayerNorm.

    ``norm_first=False`` (torch's default, the paper's "post-norm"): x = norm(x + block(x));
    ``norm_first=True``: x = x + block(norm(x)). Parameters named as ``torch.nn.TransformerEncoderLayer``'s.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 norm_first: bool = False, device: str | None = None) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, device)
        self.linear1 = nn.Linear(d_model, dim_feedforward, device=device)  # the feed-forward block: W₁, W₂
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model, device=device)
        self.norm1, self.norm2 = nn.LayerNorm(d_model, device=device), nn.LayerNorm(d_model, device=device)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """x: (batch, len, d_model); mask (True = attend) broadcasts against (batch, len, len).

        Returns (x, the self-attention weights (batch, heads, len, len)).
        """
        def attend(h: Tensor) -> tuple[Tensor, Tensor]:
            out, weights = self.self_attn(h, h, h, mask)
            return self.dropout1(out), weights

        x, weights = _residual(x, self.norm1, attend, self.norm_first)
        x, _ = _residual(x, self.norm2, lambda h: (self.dropout2(_feed_forward(self, h)), None), self.norm_first)
        return x, weights

class TransformerDecoderLayer(nn.Module):
    """Causal self-attention, attention over the encoder's states, then feed-forward; residuals and LayerNorms.

    Parameters named as ``torch.nn.TransformerDecoderLayer``'s (``multihead_attn`` is the cross-attention).
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 norm_first: bool = False, device: str | None = None) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, device)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout, device)
        self.linear1 = nn.Linear(d_model, dim_feedforward, device=device)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model, device=device)
        self.norm1, self.norm2, self.norm3 = (nn.LayerNorm(d_model, device=device) for _ in range(3))
        self.dropout1, self.dropout2, self.dropout3 = nn.Dropout(dropout), nn.Dropout(dropout), nn.Dropout(dropout)

    def forward(self, y: Tensor, memory: Tensor, self_mask: Tensor | None = None,
                memory_mask: Tensor | None = None,
                cache: dict[str, Tensor] | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """y: (batch, tgt, d); memory: the encoder's (batch, src, d). Masks: True = attend.

        ``cache``, for decoding one token at a time (:meth:`start_cache`): the projected keys and
        values of the positions before y's (``self_k``, ``self_v``) and of the source (``memory_k``,
        ``memory_v``). y's positions then attend to the earlier ones and to themselves, and the
        layer writes ``self_k``/``self_v`` back, grown by y's. Returns (y, self-attention weights
        (batch, heads, tgt, earlier + tgt), cross-attention weights (batch, heads, tgt, src)).
        """
        def attend_self(h: Tensor) -> tuple[Tensor, Tensor]:
            keys, values = self.self_attn.keys_values(h, h)
            if cache is not None:
                keys = cache["self_k"] = mg.cat([cache["self_k"], keys], axis=1)
                values = cache["self_v"] = mg.cat([cache["self_v"], values], axis=1)
            out, weights = self.self_attn.attend(h, keys, values, self_mask)
            return self.dropout1(out), weights

        def attend_source(h: Tensor) -> tuple[Tensor, Tensor]:
            if cache is None:
                out, weights = self.multihead_attn(h, memory, memory, memory_mask)
            else:
                out, weights = self.multihead_attn.attend(h, cache["memory_k"], cache["memory_v"], memory_mask)
            return self.dropout2(out), weights

        y, self_weights = _residual(y, self.norm1, attend_self, self.norm_first)
        y, cross_weights = _residual(y, self.norm2, attend_source, self.norm_first)
        y, _ = _residual(y, self.norm3, lambda h: (self.dropout3(_feed_forward(self, h)), None), self.norm_first)
        return y, self_weights, cross_weights

    def start_cache(self, memory: Tensor) -> dict[str, Tensor]:
        """Before the first token: no earlier positions, and the source's keys and values, projected once."""
        memory_k, memory_v = self.multihead_attn.keys_values(memory, memory)
        empty = memory_k[:, :0]  # (batch, 0, d)
        return {"self_k": empty, "self_v": empty, "memory_k": memory_k, "memory_v": memory_v}


def _embedding(vocab_size: int, d_model: int, device: str | None) -> nn.Embedding:
    """An embedding whose rows start at N(0, 1/d): times √d (as the model scales it) they are N(0, 1),
    the size of the positional encoding's ±1, so that the positions are not drowned out."""
    embedding = nn.Embedding(vocab_size, d_model, padding_idx=PAD_ID, device=device)
    embedding.weight.data[...] *= d_model ** -0.5
    return embedding


def _embed(stack: TransformerEncoder | TransformerDecoder, ids: Tensor, start: int = 0) -> Tensor:
    """The input of a stack: dropout(embedding(ids) · √d + PE), (batch, len, d_model); the ids are
    at positions ``start`` … of their sentence."""
    return stack.dropout(stack.positions(stack.embedding(ids) * math.sqrt(stack.d_model), start))


def _feed_forward(layer: TransformerEncoderLayer | TransformerDecoderLayer, h: Tensor) -> Tensor:
    """The position-wise feed-forward block: W₂ dropout(relu(W₁ h + b₁)) + b₂, the same at every position."""
    return layer.linear2(layer.dropout(layer.linear1(h).relu()))


def _residual(x: Tensor, norm: nn.LayerNorm, block, norm_first: bool) -> tuple[Tensor, Tensor | None]:
    """x + block(x) with a LayerNorm after (post-norm) or before the block (pre-norm); and the block's weights."""
    if norm_first:
        out, weights = block(norm(x))
        return x + out, weights
    out, weights = block(x)
    return norm(x + out), weights


# --- the model: an encoder stack, a decoder stack, and the decoding protocol of models.seq2seq -------------


class TransformerEncoder(nn.Module):
    """Token embedding · √d + positional encoding, then ``num_layers`` encoder layers (and a final LayerNorm).

    ``forward(source, mask)`` returns ``(states, None)``, as the LSTM encoder returns its states and
    final state: a Transformer has no final state to hand over, the decoder reads all of ``states``.
    """

    def __init__(self, vocab_size: int, d_model: int, nhead: int, num_layers: int, dim_feedforward: int,
                 dropout: float, norm_first: bool, device: str | None = None) -> None:
        super().__init__()
        self.d_model = self.output_size = d_model
        self.embedding = _embedding(vocab_size, d_model, device)
        self.positions = PositionalEncoding(d_model, device=device)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList([TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, norm_first,
                                                             device) for _ in range(num_layers)])
        self.norm = nn.LayerNorm(d_model, device=device)
        self.self_weights: list[Tensor] = []  # each layer's self-attention weights, from the last forward

    def forward(self, source: Tensor, mask: Tensor | None = None) -> tuple[Tensor, None]:
        """source: (batch, src_len) ids; mask: (batch, src_len), True at real tokens."""
        x = _embed(self, source)
        keys_mask = None if mask is None else mask.unsqueeze(1)  # (batch, 1, src_len): the same for every query
        self.self_weights = []
        for layer in self.layers:
            x, weights = layer(x, keys_mask)
            self.self_weights.append(weights)
        return self.norm(x), None


class TransformerDecoder(nn.Module):
    """Target embedding · √d + positions, ``num_layers`` decoder layers, a LayerNorm, then logits.

    It speaks the decoders' protocol (``forward`` for teacher forcing, ``start``/``step``/``reorder``
    for greedy and beam search), so ``Seq2Seq`` decodes it as it decodes the LSTM decoders. A step
    has no recurrent state: what it needs of the prefix decoded so far is, in each layer, the keys
    and values of the earlier positions (the causal mask keeps every earlier position from seeing
    a later one, so those never change), and the source's keys and values, projected once. The
    state keeps them, and a step computes the one new position, which gives exactly what teacher
    forcing computed for it (a test holds the two equal) without running the decoder over the
    whole prefix again.
    The weights it reports are the last layer's cross-attention, averaged over the heads;
    ``cross_weights`` keeps every layer's and head's, from the last ``forward``.
    """

    uses_attention = True

    def __init__(self, vocab_size: int, d_model: int, nhead: int, num_layers: int, dim_feedforward: int,
                 dropout: float, norm_first: bool, device: str | None = None) -> None:
        super().__init__()
        self.d_model, self.vocab_size = d_model, vocab_size
        self.embedding = _embedding(vocab_size, d_model, device)
        self.positions = PositionalEncoding(d_model, device=device)
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList([TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, norm_first,
                                                             device) for _ in range(num_layers)])
        self.norm = nn.LayerNorm(d_model, device=device)
        self.output = nn.Linear(d_model, vocab_size, device=device)
        self.cross_weights: list[Tensor] = []  # each layer's (batch, heads, tgt, src), from the last forward

    def forward(self, target_in: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        """Teacher forcing: logits (batch, tgt_len, vocab) and weights (batch, tgt_len, src_len)."""
        length = target_in.shape[1]
        y = _embed(self, target_in)
        self_mask = causal_mask(length, device=y.device)  # (1, tgt, tgt): position i sees 1 … i
        memory_mask = memory.mask.unsqueeze(1)  # (batch, 1, src_len)
        self.cross_weights = []
        for layer in self.layers:
            y, _, cross = layer(y, memory.states, self_mask, memory_mask)
            self.cross_weights.append(cross)
        return self.output(self.norm(y)), self.cross_weights[-1].mean(axis=1)

    def start(self, memory: Memory) -> DecoderState:
        """Nothing decoded yet: each layer's cache (:meth:`TransformerDecoderLayer.start_cache`), as ``layerI.NAME``."""
        return {f"layer{i}.{name}": tensor for i, layer in enumerate(self.layers)
                for name, tensor in layer.start_cache(memory.states).items()}

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory) -> tuple[Tensor, DecoderState, Tensor]:
        """The next token's logits (batch, vocab) after the prefix in ``state`` and ``tokens``, and the
        weights (batch, src_len).

        Only the new position is computed: layer i's self-attention reads the earlier positions'
        keys and values from ``state`` and its own, and the state grows by that one position.
        """
        position = state["layer0.self_k"].shape[1]
        y = _embed(self, tokens.reshape(-1, 1), start=position)  # (batch, 1, d): the new position
        memory_mask = memory.mask.unsqueeze(1)
        grown = {}
        for i, layer in enumerate(self.layers):
            cache = {name: state[f"layer{i}.{name}"] for name in ("self_k", "self_v", "memory_k", "memory_v")}
            y, _, cross = layer(y, memory.states, None, memory_mask, cache=cache)  # writes self_k, self_v back
            grown.update({f"layer{i}.{name}": tensor for name, tensor in cache.items()})
        logits = self.output(self.norm(y))
        return logits[:, 0], grown, cross.mean(axis=1)[:, 0]

    def reorder(self, state: DecoderState, rows: list[int]) -> DecoderState:
        return {name: inputs[rows] for name, inputs in state.items()}
