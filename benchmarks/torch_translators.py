"""Two PyTorch translators beside minigrad, on the same split, for the same time, scored the same way.

* ``tutorial``: the PyTorch tutorial's model ("NLP From Scratch: Translation with a Sequence to
  Sequence Network and Attention"): words (lowercased, ``.!?`` split off, as its ``normalizeString``
  does, but keeping every script), a GRU encoder of 128 and a GRU decoder with Bahdanau attention,
  dropout 0.1, Adam 1e-3, batches of 32, teacher forcing;
* ``transformer``: a careful small-data recipe: minigrad's BPE pieces of the same split (so the
  same tokens as minigrad), a 3 + 3-layer ``nn.Transformer`` of width 256 with 4 heads and a
  feed-forward of 1,024, the target embedding tied to the output layer, dropout 0.3, label
  smoothing 0.1, Adam (0.9, 0.98) with an inverse-square-root warm-up over 400 steps.

Each trains until its time budget is spent (checked after each batch), keeps the epoch with the
best validation chrF, and is scored on the test split with minigrad's own function
(``models.evaluation.corpus_scores``: multi-reference BLEU and chrF by sacrebleu) after greedy
decoding. The tutorial model's words are lowercased, so it is scored against lowercased
references (which only helps it). torch is a test and benchmark dependency only.

    python benchmarks/torch_translators.py --task eng-kor --minutes 10 --threads 1
"""

from __future__ import annotations

import argparse
import math
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from models.config import TrainConfig
from models.corpus import load_corpus
from models.data import BOS_ID, EOS_ID, PAD_ID, UNK_ID
from models.evaluation import corpus_scores, decode_limit, references_of

Pairs = list[tuple[str, str]]


# --- the tutorial's words --------------------------------------------------------------------------


def tutorial_words(text: str) -> list[str]:
    """The tutorial's normalizeString, without its ASCII-only step (which would delete Hangul)."""
    return re.sub(r"([.!?])", r" \1", text.lower()).split()


def tutorial_text(words: Sequence[str]) -> str:
    return re.sub(r" ([.!?])", r"\1", " ".join(words))


class WordVocab:
    def __init__(self, texts: Sequence[str]) -> None:
        counts = Counter(word for text in texts for word in tutorial_words(text))
        self.tokens = ["<pad>", "<bos>", "<eos>", "<unk>", *sorted(counts)]
        self.index = {token: i for i, token in enumerate(self.tokens)}

    def encode(self, text: str) -> list[int]:
        return [self.index.get(word, UNK_ID) for word in tutorial_words(text)]

    def decode(self, ids: Sequence[int]) -> str:
        return tutorial_text([self.tokens[i] for i in ids])


class BahdanauAttention(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.query, self.keys, self.v = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, 1)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.v(torch.tanh(self.query(query) + self.keys(keys))).squeeze(-1)  # (batch, src)
        weights = F.softmax(scores.masked_fill(~mask, -1e9), dim=-1)
        return torch.bmm(weights.unsqueeze(1), keys)  # (batch, 1, hidden)


class TutorialSeq2Seq(nn.Module):
    """EncoderRNN + AttnDecoderRNN of the tutorial, batched."""

    def __init__(self, source_vocab: int, target_vocab: int, hidden: int = 128, dropout: float = 0.1) -> None:
        super().__init__()
        self.source_embedding = nn.Embedding(source_vocab, hidden, padding_idx=PAD_ID)
        self.encoder = nn.GRU(hidden, hidden, batch_first=True)
        self.target_embedding = nn.Embedding(target_vocab, hidden, padding_idx=PAD_ID)
        self.attention = BahdanauAttention(hidden)
        self.decoder = nn.GRU(2 * hidden, hidden, batch_first=True)
        self.output = nn.Linear(hidden, target_vocab)
        self.dropout = nn.Dropout(dropout)

    def encode(self, source: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        keys, hidden = self.encoder(self.dropout(self.source_embedding(source)))
        return keys, hidden

    def step(self, token: torch.Tensor, hidden: torch.Tensor, keys: torch.Tensor,
             mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embedded = self.dropout(self.target_embedding(token))  # (batch, 1, hidden)
        context = self.attention(hidden.permute(1, 0, 2), keys, mask)
        output, hidden = self.decoder(torch.cat([embedded, context], dim=2), hidden)
        return self.output(output), hidden

    def forward(self, source: torch.Tensor, target_in: torch.Tensor) -> torch.Tensor:
        keys, hidden = self.encode(source)
        mask = source != PAD_ID
        logits = []
        for position in range(target_in.shape[1]):  # teacher forcing: the right previous word
            step_logits, hidden = self.step(target_in[:, position:position + 1], hidden, keys, mask)
            logits.append(step_logits)
        return torch.cat(logits, dim=1)

    @torch.no_grad()
    def greedy(self, source: torch.Tensor, max_len: int) -> list[list[int]]:
        keys, hidden = self.encode(source)
        mask = source != PAD_ID
        token = torch.full((source.shape[0], 1), BOS_ID, dtype=torch.long)
        outputs = []
        for _ in range(max_len):
            logits, hidden = self.step(token, hidden, keys, mask)
            token = logits.argmax(-1)
            outputs.append(token)
        return cut_at_eos(torch.cat(outputs, dim=1))


# --- the careful subword Transformer ------------------------------------------------------------------


class SubwordTransformer(nn.Module):
    def __init__(self, source_vocab: int, target_vocab: int, width: int = 256, heads: int = 4, layers: int = 3,
                 ff: int = 1024, dropout: float = 0.3, max_len: int = 512) -> None:
        super().__init__()
        self.width = width
        self.source_embedding = nn.Embedding(source_vocab, width, padding_idx=PAD_ID)
        self.target_embedding = nn.Embedding(target_vocab, width, padding_idx=PAD_ID)
        position = torch.arange(max_len).unsqueeze(1)
        rates = torch.exp(torch.arange(0, width, 2) * (-math.log(10000.0) / width))
        table = torch.zeros(max_len, width)
        table[:, 0::2], table[:, 1::2] = torch.sin(position * rates), torch.cos(position * rates)
        self.register_buffer("positions", table)
        self.transformer = nn.Transformer(width, heads, layers, layers, ff, dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(width, target_vocab)
        self.output.weight = self.target_embedding.weight  # tied
        for embedding in (self.source_embedding, self.target_embedding):  # fairseq's: N(0, 1/width), so that
            nn.init.normal_(embedding.weight, 0.0, width ** -0.5)        # x·√width is about 1, like the
            with torch.no_grad():                                          # positions, and the tied output's
                embedding.weight[PAD_ID].zero_()                           # first logits are small

    def embed(self, embedding: nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
        return self.dropout(embedding(ids) * math.sqrt(self.width) + self.positions[:ids.shape[1]])

    def forward(self, source: torch.Tensor, target_in: torch.Tensor) -> torch.Tensor:
        causal = self.transformer.generate_square_subsequent_mask(target_in.shape[1])
        hidden = self.transformer(self.embed(self.source_embedding, source), self.embed(self.target_embedding,
                                  target_in), tgt_mask=causal, src_key_padding_mask=source == PAD_ID,
                                  tgt_key_padding_mask=target_in == PAD_ID, memory_key_padding_mask=source == PAD_ID)
        return self.output(hidden)

    @torch.no_grad()
    def greedy(self, source: torch.Tensor, max_len: int) -> list[list[int]]:
        memory = self.transformer.encoder(self.embed(self.source_embedding, source),
                                          src_key_padding_mask=source == PAD_ID)
        tokens = torch.full((source.shape[0], 1), BOS_ID, dtype=torch.long)
        for _ in range(max_len):
            causal = self.transformer.generate_square_subsequent_mask(tokens.shape[1])
            hidden = self.transformer.decoder(self.embed(self.target_embedding, tokens), memory, tgt_mask=causal,
                                              memory_key_padding_mask=source == PAD_ID)
            tokens = torch.cat([tokens, self.output(hidden[:, -1:]).argmax(-1)], dim=1)
            if bool((tokens == EOS_ID).any(dim=1).all()):
                break
        return cut_at_eos(tokens[:, 1:])


# --- training and scoring, the same for both ------------------------------------------------------------


def cut_at_eos(ids: torch.Tensor) -> list[list[int]]:
    rows = []
    for row in ids.tolist():
        rows.append(row[:row.index(EOS_ID)] if EOS_ID in row else row)
    return rows


def padded(rows: Sequence[Sequence[int]]) -> torch.Tensor:
    longest = max(len(row) for row in rows)
    return torch.tensor([list(row) + [PAD_ID] * (longest - len(row)) for row in rows], dtype=torch.long)


def translate(model: nn.Module, encode: Callable[[str], list[int]], decode: Callable[[Sequence[int]], str],
              sources: Sequence[str], max_len: int) -> list[str]:
    model.eval()
    outputs = []
    for begin in range(0, len(sources), 128):
        chunk = sources[begin:begin + 128]
        outputs += [decode(ids) for ids in model.greedy(padded([encode(s) + [EOS_ID] for s in chunk]), max_len)]
    return outputs


def scores(model: nn.Module, encode: Callable, decode: Callable, pairs: Pairs, max_len: int,
           lower: bool) -> tuple[float, float, float]:
    """(BLEU, chrF, exact match) of greedy outputs, each distinct source against all its references."""
    references = references_of([(s, t.lower() if lower else t) for s, t in pairs])
    outputs = translate(model, encode, decode, list(references), max_len)
    bleu, chrf = corpus_scores(outputs, list(references.values()))
    exact = sum(o in r for o, r in zip(outputs, references.values())) / len(references)
    return bleu, chrf, exact


def train(name: str, model: nn.Module, optimizer: torch.optim.Optimizer, schedule: Callable[[int], float] | None,
          pairs: Pairs, encode_source: Callable, encode_target: Callable, decode: Callable, valid: Pairs,
          test: Pairs, minutes: float, smoothing: float, lower: bool, max_len: int) -> dict:
    """Train for ``minutes`` (batches of 32, shuffled each epoch), keep the best validation chrF."""
    generator = torch.Generator().manual_seed(0)
    encoded = [(encode_source(s) + [EOS_ID], encode_target(t)) for s, t in pairs]
    started, step, epoch, best, history = time.perf_counter(), 0, 0, None, []
    while time.perf_counter() - started < 60 * minutes:
        model.train()
        epoch += 1
        order = torch.randperm(len(encoded), generator=generator).tolist()
        for begin in range(0, len(order), 32):
            batch = [encoded[i] for i in order[begin:begin + 32]]
            source = padded([s for s, _ in batch])
            target_in = padded([[BOS_ID, *t] for _, t in batch])
            target_out = padded([[*t, EOS_ID] for _, t in batch])
            logits = model(source, target_in)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target_out.reshape(-1),
                                   ignore_index=PAD_ID, label_smoothing=smoothing)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            step += 1
            if schedule is not None:
                for group in optimizer.param_groups:
                    group["lr"] = schedule(step)
            optimizer.step()
            if time.perf_counter() - started >= 60 * minutes:
                break
        bleu, chrf, exact = scores(model, encode_source, decode, valid, max_len, lower)
        history.append(chrf)
        if best is None or chrf > best[0]:
            best = (chrf, epoch, {k: v.clone() for k, v in model.state_dict().items()})
        print(f"  {name} epoch {epoch}: valid BLEU {bleu:.1f}, chrF {chrf:.1f} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    model.load_state_dict(best[2])
    bleu, chrf, exact = scores(model, encode_source, decode, test, max_len, lower)
    return {"model": name, "epochs": epoch, "best epoch": best[1], "BLEU": bleu, "chrF": chrf, "exact": exact,
            "seconds": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="eng-kor", help="a built-in task (default: eng-kor)")
    parser.add_argument("--data", help="a TSV file instead of a task")
    parser.add_argument("--minutes", type=float, default=10.0, help="training time for each model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", default="tutorial,transformer")
    parser.add_argument("--size", type=int, help="a sample of this many pairs of the task (a quick check)")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    config = TrainConfig(task=None if args.data else args.task, data=args.data, size=args.size)
    corpus = load_corpus(config, leave_out_long=True)  # minigrad's split and BPE pieces, as `train` makes them
    print(f"{args.data or args.task}: {len(corpus.train):,} training, {len(corpus.valid):,} validation, "
          f"{len(corpus.test):,} test pairs; {args.minutes:g} minutes each, {args.threads} thread(s); load average "
          f"{os.getloadavg()[0]:.1f}")
    limit = decode_limit(corpus, config)  # minigrad's decoding limit: twice the longest target and 10, at most 100
    results = []
    if "tutorial" in args.models:
        source_words, target_words = WordVocab([s for s, _ in corpus.train]), WordVocab([t for _, t in corpus.train])
        model = TutorialSeq2Seq(len(source_words.tokens), len(target_words.tokens))
        results.append(train("tutorial GRU + Bahdanau, words", model, torch.optim.Adam(model.parameters(), 1e-3),
                             None, corpus.train, source_words.encode, target_words.encode, target_words.decode,
                             corpus.valid, corpus.test, args.minutes, 0.0, True, limit))
    if "transformer" in args.models:
        model = SubwordTransformer(len(corpus.source_vocab), len(corpus.target_vocab))
        optimizer = torch.optim.Adam(model.parameters(), 1.0, betas=(0.9, 0.98), eps=1e-9)
        warmup = 400
        schedule = lambda step: 256 ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)  # noqa: E731
        encode_source = lambda text: corpus.source_vocab.encode(text, add_eos=False)  # noqa: E731
        encode_target = lambda text: corpus.target_vocab.encode(text, add_eos=False)  # noqa: E731
        results.append(train("Transformer 3+3 × 256, BPE", model, optimizer, schedule, corpus.train, encode_source,
                             encode_target, corpus.target_vocab.decode, corpus.valid, corpus.test, args.minutes,
                             0.1, False, limit))
    print("| model | epochs (best) | test BLEU | test chrF | exact match | seconds |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['model']} | {r['epochs']} ({r['best epoch']}) | {r['BLEU']:.1f} | {r['chrF']:.1f} | "
              f"{r['exact']:.2%} | {r['seconds']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
