"""Seq2Seq: an encoder and a decoder, trained with teacher forcing, decoded greedily or by beam search."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace
from typing import Any

import minigrad as mg
from minigrad import Tensor, nn
from models.attention import check_mask
from models.data import BOS_ID, EOS_ID, PAD_ID
from models.decoder import BahdanauDecoder, Decoder, LuongDecoder, Memory, PlainDecoder
from models.encoder import Encoder
from models.transformer import TransformerDecoder, TransformerEncoder

LSTM_PATHS = ("composed", "fused")  # how the encoder and decoder run their LSTMs
MODELS = ("lstm", "transformer")  # an LSTM encoder-decoder with attention, or the Transformer


@dataclass
class Translation:
    """One decoded sequence: token ids (without <eos>), its score, and its attention rows."""

    ids: list[int]
    score: float
    weights: list[list[float]] | None  # (len(ids) + 1) rows over the source, the <eos> step last


class Seq2Seq(nn.Module):
    """``Seq2Seq(encoder, decoder)``: source ids → target logits, with padding masked everywhere."""

    def __init__(self, encoder: Encoder, decoder: Decoder) -> None:
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def encode(self, source: Tensor) -> Memory:
        """Run the encoder over padded source ids (batch, src_len)."""
        mask = source != PAD_ID  # (batch, src_len), True at real tokens
        states, final = self.encoder(source, mask=mask)
        return Memory(states, final, check_mask(mask))  # checked once per batch, not at every decoding step

    def forward(self, source: Tensor, target_in: Tensor) -> tuple[Tensor, Tensor | None]:
        """Teacher forcing: logits (batch, tgt_len, vocab) and attention weights (batch, tgt_len, src_len)."""
        return self.decoder(target_in, self.encode(source))

    def loss(self, source: Tensor, target_in: Tensor, target_out: Tensor, label_smoothing: float = 0.0) -> Tensor:
        """Mean cross-entropy over the real target tokens (padding is ignored), against targets smoothed
        as (1 − ε)·one-hot + ε/V with ``label_smoothing`` ε."""
        logits, _ = self(source, target_in)
        return mg.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target_out.reshape(-1),
                                              ignore_index=PAD_ID, label_smoothing=label_smoothing)

    @mg.no_grad()
    def greedy(self, source: Tensor, max_len: int = 50) -> list[Translation]:
        """At each step take the most likely token; a whole batch at once, until every row says <eos>."""
        batch = source.shape[0]
        memory = self.encode(source)
        state = self.decoder.start(memory)
        tokens = mg.full((batch,), BOS_ID, dtype=mg.int64, device=source.device)
        ids: list[list[int]] = [[] for _ in range(batch)]
        rows: list[list[list[float]]] = [[] for _ in range(batch)]
        scores, done = [0.0] * batch, [False] * batch
        for _ in range(max_len):
            logits, state, weights = self.decoder.step(tokens, state, memory)
            log_probs = logits.log_softmax(axis=-1)
            tokens = log_probs.argmax(axis=-1)
            best = log_probs.amax(axis=-1).tolist()
            chosen = tokens.tolist()
            weight_rows = weights.tolist() if weights is not None else None
            for b in range(batch):
                if done[b]:
                    continue
                scores[b] += best[b]
                if weight_rows is not None:
                    rows[b].append(weight_rows[b])
                if chosen[b] == EOS_ID:
                    done[b] = True
                else:
                    ids[b].append(chosen[b])
            if all(done):
                break
        return [Translation(ids[b], scores[b], rows[b] if self.decoder.uses_attention else None)
                for b in range(batch)]

    @mg.no_grad()
    def beam_search(self, source: Tensor, beam_size: int = 5, max_len: int = 50,
                    length_penalty: float = 1.0) -> list[Translation]:
        """Keep the ``beam_size`` best partial translations of every source row, all rows at once.

        The batch runs as batch × beam decoder rows. At each step every alive hypothesis k of a row
        is extended by every token: score(k) + log p(token), and the ``beam_size`` best of the
        row's beam × vocabulary candidates go on. A hypothesis that says <eos> is finished and
        ranked by log p / len^length_penalty (0: raw log-probability; larger favours longer
        outputs). A row stops when it has ``beam_size`` finished hypotheses, or none alive. With
        ``beam_size=1`` this is exactly greedy decoding; per row it gives what
        :meth:`beam_search_one_by_one` gives.
        """
        if beam_size < 1:
            raise ValueError(f"beam_size must be at least 1, not {beam_size}")
        batch, k_max = source.shape[0], beam_size
        memory = self.encode(source).select([b for b in range(batch) for _ in range(k_max)])
        state = self.decoder.start(memory)
        vocab = self.decoder.vocab_size
        # per row: alive hypotheses (score, ids, attention rows), best first; finished (normalised, Translation)
        alive: list[list[tuple[float, list[int], list[list[float]]]]] = [[(0.0, [], [])] for _ in range(batch)]
        finished: list[list[tuple[float, Translation]]] = [[] for _ in range(batch)]
        done = [False] * batch
        positions = mg.arange(k_max * vocab, device=source.device)
        for _ in range(max_len):
            slots = [alive[b][k] if k < len(alive[b]) and not done[b] else None
                     for b in range(batch) for k in range(k_max)]
            tokens = mg.tensor([(h[1][-1] if h[1] else BOS_ID) if h else PAD_ID for h in slots], dtype=mg.int64,
                               device=source.device)
            scores = mg.tensor([h[0] if h else -math.inf for h in slots], device=source.device)
            logits, state, weights = self.decoder.step(tokens, state, memory)
            total = (logits.log_softmax(axis=-1) + scores.unsqueeze(1)).reshape(batch, k_max * vocab)
            picks, values = [], []
            for _ in range(k_max):  # the beam_size best of each row, best first (ties: the lower index)
                best = total.argmax(axis=-1)
                values.append(total.amax(axis=-1).tolist())
                picks.append(best.tolist())
                total = mg.where(positions == best.unsqueeze(1), -math.inf, total)
            weight_rows = weights.tolist() if weights is not None else None
            parents: list[int] = []
            for b in range(batch):
                row_parents: list[int] = []
                if not done[b]:
                    next_alive = []
                    for j in range(k_max):
                        score = values[j][b]
                        if score == -math.inf:
                            break
                        k, token = divmod(picks[j][b], vocab)
                        _, ids, rows = alive[b][k]
                        rows = rows + [weight_rows[b * k_max + k] if weight_rows is not None else []]
                        if token == EOS_ID:
                            normalised = score / max(len(ids) + 1, 1) ** length_penalty
                            finished[b].append((normalised, Translation(ids, score, rows)))
                        else:
                            next_alive.append((score, ids + [token], rows))
                            row_parents.append(b * k_max + k)
                    if len(finished[b]) >= k_max or not next_alive:
                        done[b] = True
                    else:
                        alive[b] = next_alive
                parents += (row_parents + [b * k_max] * k_max)[:k_max]
            if all(done):
                break
            state = self.decoder.reorder(state, parents)
        results = []
        for b in range(batch):
            if not finished[b]:  # nothing said <eos> within max_len: take the best unfinished one
                score, ids, rows = alive[b][0]
                finished[b].append((score, Translation(ids, score, rows)))
            best_one = max(finished[b], key=lambda item: item[0])[1]
            if not self.decoder.uses_attention:
                best_one.weights = None
            results.append(best_one)
        return results

    @mg.no_grad()
    def beam_search_one_by_one(self, source: Tensor, beam_size: int = 5, max_len: int = 50,
                               length_penalty: float = 1.0) -> list[Translation]:
        """The same search as :meth:`beam_search`, one source row at a time (the reference it is
        tested against, and what its speed is measured against)."""
        if beam_size < 1:
            raise ValueError(f"beam_size must be at least 1, not {beam_size}")
        memory = self.encode(source)
        return [self._beam_one(memory.select([b]), beam_size, max_len, length_penalty)
                for b in range(source.shape[0])]

    def _beam_one(self, memory: Memory, beam_size: int, max_len: int, length_penalty: float) -> Translation:
        state = self.decoder.start(memory)
        # alive hypotheses: (score, ids, attention rows); all share the one memory row
        alive: list[tuple[float, list[int], list[list[float]]]] = [(0.0, [], [])]
        finished: list[tuple[float, Translation]] = []
        for _ in range(max_len):
            tokens = mg.tensor([ids[-1] if ids else BOS_ID for _, ids, _ in alive], dtype=mg.int64,
                               device=memory.states.device)
            logits, state, weights = self.decoder.step(tokens, state, memory.select([0] * len(alive)))
            log_probs = logits.log_softmax(axis=-1).tolist()
            weight_rows = weights.tolist() if weights is not None else [[] for _ in alive]
            candidates = heapq.nlargest(
                beam_size,
                ((score + lp, k, token) for k, (score, _, _) in enumerate(alive)
                 for token, lp in enumerate(log_probs[k])),
                key=lambda candidate: candidate[0],  # ties keep the earlier candidate, as argmax does
            )
            next_alive, parents = [], []
            for score, k, token in candidates:
                _, ids, rows = alive[k]
                rows = rows + [weight_rows[k]]
                if token == EOS_ID:
                    normalised = score / max(len(ids) + 1, 1) ** length_penalty
                    finished.append((normalised, Translation(ids, score, rows)))
                else:
                    next_alive.append((score, ids + [token], rows))
                    parents.append(k)
            if len(finished) >= beam_size or not next_alive:
                break
            alive, state = next_alive, self.decoder.reorder(state, parents)
        if not finished:  # nothing said <eos> within max_len: take the best unfinished one
            score, ids, rows = alive[0]
            finished.append((score, Translation(ids, score, rows)))
        best = max(finished, key=lambda item: item[0])[1]
        if not self.decoder.uses_attention:
            best.weights = None
        return best


@dataclass
class ModelConfig:
    """What :func:`build_model` builds, besides the vocabulary sizes: what a checkpoint stores (as its
    ``"model"`` entry) to rebuild the model, and what ``train``'s options make (``TrainConfig.model_config``).

    ``score`` defaults to each paper's own: dot for Luong, additive for Bahdanau. ``lstm`` is
    "composed" (every LSTM step recorded op by op: what a learner reads and draws) or "fused"
    (one op per layer from ``minigrad.fast``: the same numbers, faster). ``join`` is how the Luong
    decoder combines context and state: "concat" (W_c [c; s]) or "add" (W_c (c + s)).
    ``model="transformer"`` is :func:`build_transformer`'s model, of width ``hidden_size``,
    ``num_layers`` layers on each side, ``heads`` heads and a feed-forward block of ``ff_size``
    (``decoder``, ``score``, ``embed_size`` and the LSTM options do not apply to it). A field a
    checkpoint leaves out (one written before the field existed) takes the default here.
    """

    decoder: str = "luong"
    score: str | None = None
    embed_size: int = 16
    hidden_size: int = 256
    num_layers: int = 1
    bidirectional: bool = False
    input_feeding: bool = False
    dropout: float = 0.0
    lstm: str = "composed"
    join: str = "concat"
    model: str = "lstm"
    heads: int = 4
    ff_size: int = 256


def build_model(source_vocab: int, target_vocab: int, config: ModelConfig | None = None,
                device: str | None = None, **fields: Any) -> Seq2Seq:
    """The Seq2Seq that ``config`` describes, for vocabularies of ``source_vocab`` and ``target_vocab``
    tokens. ``fields`` change fields of ``config`` (or of the default :class:`ModelConfig`), for a quick
    model: ``build_model(10, 10, decoder="bahdanau", hidden_size=8)``."""
    config = replace(config or ModelConfig(), **fields)
    decoder, score, embed_size, hidden_size = config.decoder, config.score, config.embed_size, config.hidden_size
    num_layers, bidirectional, dropout, model = config.num_layers, config.bidirectional, config.dropout, config.model
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose {' or '.join(MODELS)}")
    if model == "transformer":
        return build_transformer(source_vocab, target_vocab, d_model=hidden_size, nhead=config.heads,
                                 num_layers=num_layers, dim_feedforward=config.ff_size, dropout=dropout, device=device)
    if config.lstm not in LSTM_PATHS:
        raise ValueError(f"unknown lstm {config.lstm!r}; choose {' or '.join(LSTM_PATHS)}")
    fused = config.lstm == "fused"
    encoder = Encoder(source_vocab, embed_size, hidden_size, num_layers, bidirectional, dropout, device, fused)
    if decoder == "plain":
        dec: Decoder = PlainDecoder(target_vocab, embed_size, hidden_size, num_layers, dropout, device, fused)
    elif decoder == "luong":
        dec = LuongDecoder(target_vocab, embed_size, hidden_size, encoder.output_size, score or "dot",
                           config.input_feeding, num_layers, dropout, device, fused, config.join)
    elif decoder == "bahdanau":
        dec = BahdanauDecoder(target_vocab, embed_size, hidden_size, encoder.output_size,
                              score or "additive", num_layers, dropout, device, fused)
    else:
        raise ValueError(f"unknown decoder {decoder!r}; choose luong, bahdanau or plain")
    return Seq2Seq(encoder, dec)


def build_transformer(source_vocab: int, target_vocab: int, d_model: int = 64, nhead: int = 4,
                      num_layers: int = 2, dim_feedforward: int = 256, dropout: float = 0.1,
                      norm_first: bool = True, device: str | None = None) -> Seq2Seq:
    """A Transformer translation model: ``num_layers`` encoder and decoder layers of width ``d_model``."""
    encoder = TransformerEncoder(source_vocab, d_model, nhead, num_layers, dim_feedforward, dropout, norm_first,
                                 device)
    decoder = TransformerDecoder(target_vocab, d_model, nhead, num_layers, dim_feedforward, dropout, norm_first,
                                 device)
    return Seq2Seq(encoder, decoder)

