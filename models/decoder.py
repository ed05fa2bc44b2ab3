"""Decoders: one without attention (the bottleneck baseline) and the attention decoders of
Luong (2015) and Bahdanau (2014).

Every decoder offers the same three calls, all batched:

* ``forward(target_in, memory)``: teacher forcing over a whole target, giving logits
  (batch, tgt_len, vocab) and the attention matrix (batch, tgt_len, src_len) (None without attention);
* ``start(memory)`` and ``step(tokens, state, memory)``: one step at a time, for decoding;
* ``reorder(state, rows)``: pick rows of the state, for beam search.
"""

from __future__ import annotations

from dataclasses import dataclass

import minigrad as mg
from minigrad import Tensor, nn
from models.attention import Attention
from models.data import PAD_ID


@dataclass
class Memory:
    """What the encoder hands over: all its states H, its final state, and the source mask."""

    states: Tensor  # (batch, src_len, encoder size): h₁ … h_T
    final: tuple[Tensor, Tensor] | None  # (num_layers, batch, hidden) each; None for a Transformer
    mask: Tensor  # (batch, src_len), True at real tokens

    def select(self, rows: list[int]) -> Memory:
        """The memory of the batch rows ``rows`` (repeats allowed: beam search uses them)."""
        final = None if self.final is None else (self.final[0][:, rows], self.final[1][:, rows])
        return Memory(self.states[rows], final, self.mask[rows])


DecoderState = dict[str, Tensor]
JOINS = ("concat", "add")  # how a Luong decoder combines the context cᵢ with its state sᵢ


class Decoder(nn.Module):
    """What the decoders share: target embedding, an LSTM, and state bookkeeping."""

    uses_attention = True

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, lstm_input_size: int,
                 num_layers: int = 1, dropout: float = 0.0, device: str | None = None, fused: bool = False) -> None:
        super().__init__()
        self.vocab_size, self.hidden_size, self.num_layers = vocab_size, hidden_size, num_layers
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=PAD_ID, device=device)
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(lstm_input_size, hidden_size, num_layers=num_layers, dropout=dropout,
                            batch_first=True, device=device, fused=fused)

    def start(self, memory: Memory) -> DecoderState:
        """The state before the first step: the encoder's final state."""
        h, c = memory.final
        return {"h": h, "c": c}

    def reorder(self, state: DecoderState, rows: list[int]) -> DecoderState:
        """The state of batch rows ``rows``: (layers, batch, H) tensors on axis 1, others on axis 0."""
        return {name: value[:, rows] if name in ("h", "c") else value[rows] for name, value in state.items()}

    def _lstm_step(self, inputs: Tensor, state: DecoderState) -> tuple[Tensor, DecoderState]:
        """One LSTM step on (batch, input size): returns sᵢ (batch, H) and the new state."""
        output, (h, c) = self.lstm(inputs.unsqueeze(1), (state["h"], state["c"]))
        return output.squeeze(1), {**state, "h": h, "c": c}

    def forward(self, target_in: Tensor, memory: Memory) -> tuple[Tensor, Tensor | None]:
        """Teacher forcing: logits (batch, tgt_len, vocab) and weights (batch, tgt_len, src_len)."""
        state = self.start(memory)
        all_logits, all_weights = [], []
        for t in range(target_in.shape[1]):
            logits, state, weights = self.step(target_in[:, t], state, memory)
            all_logits.append(logits)
            all_weights.append(weights)
        weights = mg.stack(all_weights, axis=1) if self.uses_attention else None
        return mg.stack(all_logits, axis=1), weights

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory
             ) -> tuple[Tensor, DecoderState, Tensor | None]:
        raise NotImplementedError


class PlainDecoder(Decoder):
    """No attention: the decoder sees the source only through the encoder's final state.

    sᵢ = LSTM(embed(yᵢ₋₁), sᵢ₋₁),  s₀ = encoder's final state;  logits = W_o sᵢ + b.
    """

    uses_attention = False

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, num_layers: int = 1,
                 dropout: float = 0.0, device: str | None = None, fused: bool = False) -> None:
        super().__init__(vocab_size, embed_size, hidden_size, embed_size, num_layers, dropout, device, fused)
        self.output = nn.Linear(hidden_size, vocab_size, device=device)

    def forward(self, target_in: Tensor, memory: Memory) -> tuple[Tensor, None]:
        # no attention, no feedback: the whole target runs through the LSTM in one call
        states, _ = self.lstm(self.dropout(self.embedding(target_in)), memory.final)
        return self.output(self.dropout(states)), None

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory) -> tuple[Tensor, DecoderState, None]:
        s, state = self._lstm_step(self.embedding(tokens), state)
        return self.output(s), state, None


class LuongDecoder(Decoder):
    """Attention after the LSTM step (Luong et al., 2015), with any score function.

    sᵢ = LSTM([embed(yᵢ₋₁); h̃ᵢ₋₁ if input feeding], sᵢ₋₁)
    cᵢ, αᵢ = attention(query = sᵢ, keys = values = H)
    h̃ᵢ = tanh(W_c [cᵢ; sᵢ])            (the attentional hidden state; ``join="concat"``, the default)
    h̃ᵢ = tanh(W_c (cᵢ + sᵢ))           (``join="add"``: the notes' alternative, when sizes agree)
    logits = W_o h̃ᵢ + b
    sᵢ is what the decoder knows from its own steps (the notes' "internal context"), cᵢ what it
    reads from the source at this step (the "external context"); W_c combines the two.
    Without input feeding the LSTM does not depend on the attention, so teacher forcing runs the
    whole target at once: one LSTM call, one batched attention, one output layer.
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, encoder_size: int,
                 score: str = "dot", input_feeding: bool = False, num_layers: int = 1,
                 dropout: float = 0.0, device: str | None = None, fused: bool = False, join: str = "concat") -> None:
        if join not in JOINS:
            raise ValueError(f"unknown join {join!r}: choose {' or '.join(JOINS)}")
        if join == "add" and encoder_size != hidden_size:
            raise ValueError(f"join='add' adds the context (size {encoder_size}) to the state (size {hidden_size}), "
                             "so the two sizes must agree; use join='concat' (a bidirectional encoder doubles "
                             "the context's size)")
        lstm_input = embed_size + (hidden_size if input_feeding else 0)
        super().__init__(vocab_size, embed_size, hidden_size, lstm_input, num_layers, dropout, device, fused)
        self.input_feeding, self.join = input_feeding, join
        self.attention = Attention(score, query_size=hidden_size, key_size=encoder_size, device=device)
        joined_size = encoder_size + hidden_size if join == "concat" else hidden_size
        self.combine = nn.Linear(joined_size, hidden_size, bias=False, device=device)  # W_c
        self.output = nn.Linear(hidden_size, vocab_size, device=device)  # W_o

    def start(self, memory: Memory) -> DecoderState:
        state = super().start(memory)
        if self.input_feeding:
            batch = memory.states.shape[0]
            state["feed"] = mg.zeros(batch, self.hidden_size, dtype=memory.states.dtype, device=memory.states.device)
        return state

    def _attend(self, s: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        """h̃ = tanh(W_c [c; s]) (or tanh(W_c (c + s))) and the weights α, for queries s (batch, [tgt_len,] H)."""
        context, weights = self.attention(s, memory.states, mask=memory.mask)
        joined = mg.concat([context, s], axis=-1) if self.join == "concat" else context + s
        attentional = self.combine(joined).tanh()
        return self.dropout(attentional), weights

    def forward(self, target_in: Tensor, memory: Memory) -> tuple[Tensor, Tensor]:
        if self.input_feeding:
            return super().forward(target_in, memory)
        states, _ = self.lstm(self.dropout(self.embedding(target_in)), memory.final)  # (batch, tgt_len, H)
        attentional, weights = self._attend(states, memory)
        return self.output(attentional), weights

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory) -> tuple[Tensor, DecoderState, Tensor]:
        inputs = self.dropout(self.embedding(tokens))
        if self.input_feeding:
            inputs = mg.concat([inputs, state["feed"]], axis=-1)
        s, state = self._lstm_step(inputs, state)
        attentional, weights = self._attend(s, memory)
        if self.input_feeding:
            state["feed"] = attentional
        return self.output(attentional), state, weights


class BahdanauDecoder(Decoder):
    """Attention before the LSTM step (Bahdanau et al., 2014), additive score by default.

    cᵢ, αᵢ = attention(query = sᵢ₋₁, keys = values = H)     (the previous state asks)
    sᵢ = LSTM([embed(yᵢ₋₁); cᵢ], sᵢ₋₁)                      (the context goes into the LSTM)
    logits = W_o [cᵢ; sᵢ] + b
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, encoder_size: int,
                 score: str = "additive", num_layers: int = 1, dropout: float = 0.0,
                 device: str | None = None, fused: bool = False) -> None:
        super().__init__(vocab_size, embed_size, hidden_size, embed_size + encoder_size, num_layers, dropout, device,
                         fused)
        self.attention = Attention(score, query_size=hidden_size, key_size=encoder_size, device=device)
        self.output = nn.Linear(encoder_size + hidden_size, vocab_size, device=device)

    def step(self, tokens: Tensor, state: DecoderState, memory: Memory) -> tuple[Tensor, DecoderState, Tensor]:
        previous = state["h"][-1]  # sᵢ₋₁ of the top layer, (batch, H)
        context, weights = self.attention(previous, memory.states, mask=memory.mask)
        inputs = mg.concat([self.dropout(self.embedding(tokens)), context], axis=-1)
        s, state = self._lstm_step(inputs, state)
        return self.output(self.dropout(mg.concat([context, s], axis=-1))), state, weights


DECODERS = ("luong", "bahdanau", "plain")
