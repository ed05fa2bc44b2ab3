"""The encoder: source tokens → all hidden states H = (h₁ … h_T), plus a final state.

A plain seq2seq hands the decoder only the final state (one fixed-size vector, the bottleneck);
an attention decoder also reads every hᵢ, so the encoder returns both.
"""

from __future__ import annotations

from minigrad import Tensor, nn
from models.data import PAD_ID

State = tuple[Tensor, Tensor]


class Encoder(nn.Module):
    """Embedding → LSTM (optionally bidirectional).

    ``fused=True`` runs the LSTM as one op per layer (``minigrad.fast``), for speed; the default
    composes it from the basic ops, so that what a learner draws and reads is what runs.

    ``forward(source, mask)`` returns ``(states, (h, c))``: ``states`` is (batch, src_len, size)
    with ``size = hidden_size`` (or ``2·hidden_size`` if bidirectional), zero at padding; ``(h, c)``
    are (num_layers, batch, hidden_size), the two directions merged by a learned bridge.
    """

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, dropout: float = 0.0, device: str | None = None,
                 fused: bool = False) -> None:
        super().__init__()
        self.hidden_size, self.num_layers, self.bidirectional = hidden_size, num_layers, bidirectional
        self.output_size = hidden_size * (2 if bidirectional else 1)
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=PAD_ID, device=device)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                            dropout=dropout, batch_first=True, device=device, fused=fused)
        if bidirectional:
            self.bridge_h = nn.Linear(2 * hidden_size, hidden_size, device=device)
            self.bridge_c = nn.Linear(2 * hidden_size, hidden_size, device=device)

    def forward(self, source: Tensor, mask: Tensor | None = None) -> tuple[Tensor, State]:
        """source: (batch, src_len) token ids; mask: (batch, src_len), True at real tokens."""
        if source.ndim != 2:
            raise ValueError(f"Encoder: expected token ids of shape (batch, src_len), got {source.shape}")
        states, (h, c) = self.lstm(self.embedding(source), mask=mask)
        if self.bidirectional:  # (layers·2, batch, H) -> (layers, batch, H)
            h, c = self._merge(h, self.bridge_h), self._merge(c, self.bridge_c)
        return states, (h, c)

    def _merge(self, state: Tensor, bridge: nn.Linear) -> Tensor:
        _, batch, hidden = state.shape
        both = state.reshape(self.num_layers, 2, batch, hidden).permute(0, 2, 1, 3)  # (layers, batch, 2, H)
        return bridge(both.reshape(self.num_layers, batch, 2 * hidden)).tanh()
