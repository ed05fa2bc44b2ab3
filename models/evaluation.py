"""How good a model is on held-out pairs: decoding (greedy or beam), exact match, token accuracy
and loss, multi-reference BLEU and chrF (sacrebleu), and which score decides "best": chrF for real
sentences, exact match for patterns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import minigrad as mg
from models.batches import make_batch
from models.config import TrainConfig
from models.corpus import Corpus, Pairs
from models.data import PAD_ID, pad
from models.report import written_without_spaces
from models.seq2seq import Seq2Seq, Translation


@dataclass
class Evaluation:
    exact_match: float
    token_accuracy: float
    bleu: float | None
    loss: float
    examples: list[dict] = field(default_factory=list)  # source, target, output, correct
    chrf: float | None = None
    sources: int = 0  # distinct sources, each scored once against all of its references

    def metrics(self, prefix: str) -> dict[str, float]:
        values = {"exact_match": self.exact_match, "token_accuracy": self.token_accuracy, "loss": self.loss}
        if self.bleu is not None:
            values["bleu"] = self.bleu
        if self.chrf is not None:
            values["chrf"] = self.chrf
        return {f"{prefix}_{name}": round(value, 6) for name, value in values.items()}


def translate(model: Seq2Seq, corpus: Corpus, sources: Sequence[str], device: str, beam: int = 1,
              max_len: int = 100, batch_size: int = 256, length_penalty: float = 1.0) -> list[Translation]:
    """Decode ``sources`` (greedy if beam is 1, else batched beam search); model in eval mode."""
    model.eval()
    results: list[Translation] = []
    for begin in range(0, len(sources), batch_size):
        chunk = sources[begin:begin + batch_size]
        source = mg.tensor(pad([corpus.encode_source(s) for s in chunk]), dtype=mg.int64, device=device)
        results += (model.greedy(source, max_len) if beam == 1
                    else model.beam_search(source, beam, max_len, length_penalty))
    return results


def decode_limit(corpus: Corpus, config: TrainConfig) -> int:
    """How many tokens decoding may produce: twice the longest training target and 10 more (an
    untrained model then does not run to ``max_len`` on every sentence), at most ``max_len``."""
    if not corpus.train:
        return config.max_len
    longest = max(len(corpus.target_vocab.encode(t, add_eos=False)) for _, t in corpus.train)
    return min(config.max_len, 2 * longest + 10)


def references_of(pairs: Pairs) -> dict[str, list[str]]:
    """Each distinct source of ``pairs`` (in the order first seen) → every target it has there: sentence
    data often holds one source with several right translations."""
    references: dict[str, list[str]] = {}
    for source, target in pairs:
        if target not in references.setdefault(source, []):
            references[source].append(target)
    return references


def corpus_scores(outputs: Sequence[str], references: Sequence[Sequence[str]]) -> tuple[float, float]:
    """Multi-reference (BLEU, chrF) with sacrebleu: ``outputs[i]`` is scored against every string of
    ``references[i]`` (any number of them). BLEU counts n-grams of words (sacrebleu's ``13a``
    tokenizer), or of characters (``char``) where the references are written without spaces
    (Japanese, Chinese): there one "word" is a whole sentence, and word BLEU is 0 for all but
    perfect outputs."""
    import sacrebleu  # noqa: PLC0415 - a dependency of the showcase only

    most = max((len(r) for r in references), default=1)
    streams = [[r[k] if k < len(r) else None for r in references] for k in range(most)]
    tokenize = "char" if written_without_spaces([text for texts in references for text in texts]) else "13a"
    # force: the outputs are detokenized text (BPE gives the spaces back), however they look
    bleu = sacrebleu.corpus_bleu(list(outputs), streams, force=True, tokenize=tokenize).score
    return bleu, sacrebleu.corpus_chrf(list(outputs), streams).score


def evaluate(model: Seq2Seq, corpus: Corpus, pairs: Pairs, config: TrainConfig, beam: int = 1,
             length_penalty: float = 1.0) -> Evaluation:
    """Exact match, chrF and (targets of words or BPE pieces) BLEU of decoded outputs, and teacher-forced
    token accuracy and loss.

    A source that occurs several times in ``pairs`` is translated once: BLEU and chrF score that
    output against all of its targets (multi-reference), and it is an exact match if it equals any
    of them. Token accuracy and loss are over every pair."""
    model.eval()
    references = references_of(pairs)
    sources = list(references)
    decoded: list[str] = []
    for begin in range(0, len(sources), 256):  # translate's own batches; each one's attention is let go at once
        outputs = translate(model, corpus, sources[begin:begin + 256], config.device, beam,
                            decode_limit(corpus, config), length_penalty=length_penalty)
        decoded += [corpus.target_vocab.decode(t.ids) for t in outputs]
    examples = [{"source": s, "target": references[s][0], "references": references[s], "output": o,
                 "correct": o in references[s]} for s, o in zip(sources, decoded)]
    correct_tokens = total_tokens = 0
    loss_sum = 0.0
    with mg.no_grad():
        for begin in range(0, len(pairs), 256):
            batch = make_batch(corpus, pairs[begin:begin + 256], config.device)
            logits, _ = model(batch.source, batch.target_in)
            real = batch.target_out != PAD_ID
            hits = (logits.argmax(axis=-1) == batch.target_out) & real
            correct_tokens += int(hits.sum().item())
            total_tokens += int(real.sum().item())
            loss_sum += model_loss_from_logits(logits, batch.target_out).item() * int(real.sum().item())
    bleu, chrf = corpus_scores(decoded, [references[s] for s in sources]) if pairs else (None, None)
    if corpus.target_vocab.level == "char":
        bleu = None  # patterns of characters (dates): BLEU's words mean little there
    return Evaluation(sum(e["correct"] for e in examples) / max(len(examples), 1),
                      correct_tokens / max(total_tokens, 1), bleu, loss_sum / max(total_tokens, 1), examples, chrf,
                      len(sources))


def score_key(record: dict[str, Any], sentences: bool) -> tuple[float, float]:
    """What "best" means for a held-out record (``valid_...`` metrics of one epoch): chrF, then BLEU, for
    sentence data, where an exact match is rare and says little; exact match, then chrF, for patterns
    (dates, numbers), where the output is right or wrong. The second breaks ties, so that an epoch with
    0 % exact match that is closer to right still beats the first epoch."""
    chrf = record.get("valid_chrf") or 0.0
    if sentences:
        return chrf, record.get("valid_bleu") or 0.0
    return record["valid_exact_match"], chrf


def held_out_line(record: dict[str, Any], sentences: bool, prefix: str = "valid") -> str:
    """The scores of one evaluation, the one that decides first: BLEU and chrF for sentences, exact match
    for patterns."""
    get = lambda name: record.get(f"{prefix}_{name}")  # noqa: E731
    exact = f"exact match {get('exact_match'):.2%}"
    scores = ([f"BLEU {get('bleu'):.1f}"] if get("bleu") is not None else []) + (
        [f"chrF {get('chrf'):.1f}"] if get("chrf") is not None else [])
    accuracy = f"token accuracy {get('token_accuracy'):.2%}"
    return ", ".join([*scores, exact, accuracy] if sentences else [exact, accuracy, *scores])


def score_name(sentences: bool) -> str:
    return "chrF" if sentences else "exact match"


def model_loss_from_logits(logits: mg.Tensor, target_out: mg.Tensor) -> mg.Tensor:
    return mg.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target_out.reshape(-1),
                                          ignore_index=PAD_ID)

