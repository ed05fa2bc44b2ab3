"""The Luong seq2seq in PyTorch, the peers minigrad is measured against.

Two versions of one model, with minigrad's parameter names:

* ``stepped=False``: ``nn.LSTM`` runs each whole sequence in one call (ATen's fused LSTM loop);
* ``stepped=True``: ``nn.LSTMCell`` stepped in Python, op by op, as minigrad's LSTM is
  (the composed-ops peer). Its LSTM parameters are named without the ``_l0`` suffix.

The attention and output are the same batched math as ``models.decoder.LuongDecoder`` with
the dot score and no input feeding, for batches without padding (so no mask).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

PAD_ID, BOS_ID, EOS_ID = 0, 1, 2  # as in models.data


class TorchSeq2Seq(nn.Module):
    def __init__(self, source_vocab: int, target_vocab: int, embed_size: int, hidden_size: int,
                 stepped: bool = False) -> None:
        super().__init__()
        self.stepped = stepped

        def lstm() -> nn.Module:
            return nn.LSTMCell(embed_size, hidden_size) if stepped else nn.LSTM(embed_size, hidden_size,
                                                                                batch_first=True)

        self.encoder = nn.ModuleDict({"embedding": nn.Embedding(source_vocab, embed_size, padding_idx=PAD_ID),
                                      "lstm": lstm()})
        self.decoder = nn.ModuleDict({
            "embedding": nn.Embedding(target_vocab, embed_size, padding_idx=PAD_ID),
            "lstm": lstm(),
            "combine": nn.Linear(2 * hidden_size, hidden_size, bias=False),  # W_c
            "output": nn.Linear(hidden_size, target_vocab),  # W_o
        })

    def load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        """Load a state dict named as minigrad's model (``lstm.weight_ih_l0``, ...)."""
        if self.stepped:
            weights = {name.replace("_l0", ""): value for name, value in weights.items()}
        self.load_state_dict(weights)

    def run_lstm(self, lstm: nn.Module, inputs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None
                 ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """inputs (batch, len, E) → outputs (batch, len, H) and the final (h, c), each (batch, H)."""
        if not self.stepped:
            outputs, (h, c) = lstm(inputs, None if state is None else (state[0][None], state[1][None]))
            return outputs, (h[0], c[0])
        outputs = []
        for t in range(inputs.shape[1]):
            state = lstm(inputs[:, t], state)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1), state

    def attend(self, queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """logits = W_o tanh(W_c [context; s]), context = softmax(s Hᵀ) H, for queries (batch, len, H)."""
        weights = torch.softmax(queries @ keys.transpose(1, 2), dim=-1)  # (batch, len, src_len)
        context = weights @ keys
        attentional = torch.tanh(self.decoder["combine"](torch.cat([context, queries], dim=-1)))
        return self.decoder["output"](attentional)

    def encode(self, source: torch.Tensor) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        return self.run_lstm(self.encoder["lstm"], self.encoder["embedding"](source), None)

    def loss(self, source: torch.Tensor, target_in: torch.Tensor, target_out: torch.Tensor) -> torch.Tensor:
        keys, state = self.encode(source)
        queries, _ = self.run_lstm(self.decoder["lstm"], self.decoder["embedding"](target_in), state)
        logits = self.attend(queries, keys)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target_out.reshape(-1), ignore_index=PAD_ID)

    @torch.no_grad()
    def greedy(self, source: torch.Tensor, max_len: int) -> int:
        """A step loop with argmax until every row has said <eos>; returns the number of steps."""
        keys, (h, c) = self.encode(source)
        tokens = torch.full((source.shape[0],), BOS_ID, dtype=torch.long, device=source.device)
        done = torch.zeros_like(tokens, dtype=torch.bool)
        steps = 0
        while steps < max_len:
            steps += 1
            embedded = self.decoder["embedding"](tokens)
            if self.stepped:
                h, c = self.decoder["lstm"](embedded, (h, c))
            else:
                _, (h, c) = self.decoder["lstm"](embedded[:, None], (h[None], c[None]))
                h, c = h[0], c[0]
            tokens = self.attend(h[:, None], keys)[:, 0].argmax(dim=-1)
            done |= tokens == EOS_ID
            if bool(done.all()):
                break
        return steps
