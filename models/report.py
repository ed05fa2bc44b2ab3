"""What a run is about to train on, said before it trains: the token level of each side, and why;
the data report (sizes, lengths, vocabularies, unseen tokens, warnings); the CPU threads to use.

The token level is chosen per side from the data. Word tokens are only worth having where a
model can learn each word from its examples and meet it again in new sentences: the words must
repeat. Good and Turing's estimate of the chance that the next word is one never seen before is
N₁ / N (the share of the running words whose type occurs once), and the share of types that
occur once says how much of the vocabulary is seen too rarely to learn. A side is read as words
when its sentences hold more than one word on average, at most half of its word types occur once,
and each type is seen at least five times on average; otherwise as characters, which every model
can learn from (ISO dates, numbers written in digits, single words).

Real sentences are neither: a thousand word types or more (most of them words, not numbers), in
sentences of three words or more (or, in a script written without spaces such as Japanese, in
lines of eight characters or more), have a long tail of words seen once, which word tokens cannot
learn and character tokens make slow to learn. Such a side is read as BPE pieces (models/bpe.py):
frequent words whole, rare ones in pieces that other words share.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from models.data import suggested_max_len

WORDS_PER_TEXT = 1.5  # fewer words per sentence on average: the words are the sentences
MAX_SINGLETON_TYPES = 0.5  # a larger share of word types seen once: most words cannot be learned
MIN_TOKENS_PER_TYPE = 5.0  # each word type seen fewer times than this on average: too few examples
UNSEEN_WARNING = 0.05  # warn when more of the validation tokens than this are unknown
PAIRS_PER_WORD = 0.5  # more word types than half the training pairs: too many words to learn one by one
SENTENCE_TYPES = 1000  # at least this many word types, most of them not numbers: a language, not a pattern
SENTENCE_WORDS = 3.0  # words per line on average for sentences (fewer: single words or short patterns)
UNSPACED_CHARACTERS = 8.0  # a line without spaces this long, mostly in a non-Latin script: a sentence


@dataclass
class LevelChoice:
    """The token level of one side and the reason, in words."""

    level: str  # "char", "word" or "bpe"
    reason: str
    given: bool = False  # set by an option rather than chosen from the data

    def line(self, side: str) -> str:
        name = {"char": "characters", "word": "words", "bpe": "BPE pieces"}[self.level]
        return f"{side}: {name} ({self.reason})"


def sentence_reason(texts: Sequence[str]) -> str | None:
    """Why ``texts`` read as real sentences (see the module), or None when they do not."""
    counts = Counter(word for text in texts for word in text.split())
    tokens, types = sum(counts.values()), len(counts)
    numbers = sum(1 for word in counts if any(character.isdigit() for character in word))
    if types < SENTENCE_TYPES or numbers > types / 2:
        return None
    singletons = sum(1 for count in counts.values() if count == 1)
    per_text = tokens / max(len(texts), 1)
    if per_text >= SENTENCE_WORDS:
        return (f"real sentences: {types:,} word types in lines of {per_text:.1f} words, {singletons:,} of the types "
                "seen once; pieces learn the rare words from parts that other words share")
    if written_without_spaces(texts):
        characters = sum(1 for text in texts for c in text if not c.isspace())
        return (f"sentences written without spaces ({characters / max(len(texts), 1):.1f} characters a line): "
                "pieces learn the words that spaces do not mark")
    return None


def written_without_spaces(texts: Sequence[str]) -> bool:
    """Lines of a script that puts no spaces between its words (Japanese, Chinese): fewer than 1.5
    words a line, yet :data:`UNSPACED_CHARACTERS` characters or more, most of them not ASCII."""
    words = sum(len(text.split()) for text in texts)
    characters = [c for text in texts for c in text if not c.isspace()]
    latin = sum(1 for c in characters if c.isascii())
    lines = max(len(texts), 1)
    return words / lines < 1.5 and len(characters) / lines >= UNSPACED_CHARACTERS and latin < len(characters) / 2


def pattern_reason(texts: Sequence[str]) -> str:
    """Why ``texts`` read as patterns, not real sentences (the first test of :func:`sentence_reason` they fail)."""
    counts = Counter(word for text in texts for word in text.split())
    types = len(counts)
    numbers = sum(1 for word in counts if any(character.isdigit() for character in word))
    if types < SENTENCE_TYPES:
        return f"{types:,} word types, where real sentences have {SENTENCE_TYPES:,} or more"
    if numbers > types / 2:
        return f"{numbers:,} of its {types:,} word types hold digits"
    per_text = sum(counts.values()) / max(len(texts), 1)
    return f"lines of {per_text:.1f} words, where sentences have {SENTENCE_WORDS:g} or more"


def is_sentences(texts: Sequence[str]) -> bool:
    """Whether ``texts`` read as real sentences (scored by chrF and BLEU) rather than patterns."""
    return sentence_reason(texts) is not None


def choose_merges(source_texts: Sequence[str], target_texts: Sequence[str]) -> int:
    """How many BPE merges each side learns where ``--bpe-merges`` is not given: fewer for less data,
    since a piece needs examples to be learned (a merge also needs its pair seen twice, so a small
    side stops earlier on its own). Up to 5,000 training pairs: 1,000; up to 20,000: 2,000; up to
    100,000: 4,000; more: 8,000."""
    pairs = max(len(source_texts), len(target_texts))
    return 1000 if pairs <= 5000 else 2000 if pairs <= 20_000 else 4000 if pairs <= 100_000 else 8000


def choose_level(texts: Sequence[str]) -> LevelChoice:
    """BPE pieces for real sentences, word tokens if the words of ``texts`` repeat enough to be learned,
    else characters (see the module)."""
    counts = Counter(word for text in texts for word in text.split())
    tokens, types = sum(counts.values()), len(counts)
    if not types:
        return LevelChoice("char", "no words at all")
    reason = sentence_reason(texts)
    if reason is not None:
        return LevelChoice("bpe", reason)
    singletons = sum(1 for count in counts.values() if count == 1)
    per_text = tokens / max(len(texts), 1)
    if per_text < WORDS_PER_TEXT:
        return LevelChoice("char", f"{per_text:.2f} words a line: each line is about one word, which can only "
                                   "be learned from its characters")
    if singletons > MAX_SINGLETON_TYPES * types:
        return LevelChoice("char", f"{singletons:,} of {types:,} word types occur once")
    if tokens < MIN_TOKENS_PER_TYPE * types:
        return LevelChoice("char", f"{types:,} word types in {tokens:,} words: each is seen "
                                   f"{tokens / types:.1f} times on average, too few to learn it")
    return LevelChoice("word", f"{types:,} word types, each seen {tokens / types:,.0f} times on average; "
                               f"{singletons:,} occur once")


def given_level(level: str, option: str) -> LevelChoice:
    return LevelChoice(level, f"{option} {level}", given=True)


# --- the data report -------------------------------------------------------------------------------


def length_summary(lengths: Sequence[int]) -> str:
    """'mean / 95th percentile / max' of token counts."""
    if not lengths:
        return "-"
    ordered = sorted(lengths)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return f"{sum(ordered) / len(ordered):.1f} / {p95} / {ordered[-1]}"


def unseen_share(texts: Sequence[str], vocab: Any) -> float:
    """The share of the tokens of ``texts`` that ``vocab`` (a ``models.data.Vocab``) does not know: at level
    ``bpe``, the share of the characters never seen in training (read as their bytes)."""
    if vocab.level == "bpe":
        total = sum(len(text) for text in texts)
        return sum(len(vocab.unknown(text)) for text in texts) / max(total, 1)
    tokens = [token for text in texts for token in vocab.tokenize(text)]
    return sum(token not in vocab.index for token in tokens) / max(len(tokens), 1)


@dataclass
class DataReport:
    """The facts about a run's data that decide whether it can learn, and the warnings they give."""

    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([*self.lines, *(f"warning: {w}" for w in self.warnings)])


def data_report(corpus: Any, name: str, max_len: int) -> DataReport:
    """The report that ``train`` prints before it trains, of a ``models.corpus.Corpus``."""
    c = corpus
    read, skipped, levels = c.read, c.skipped_by_reason, c.levels
    report = DataReport()
    skipped_total = sum(skipped.values())
    why = ", ".join(f"{count:,} {reason}" for reason, count in skipped.items() if count)
    report.lines.append(f"data: {name}: {read:,} pairs read" + (f", {skipped_total:,} skipped ({why})"
                                                                 if skipped_total else ""))
    if c.extra_columns:
        report.lines.append(f"columns: {c.extra_columns:,} lines have more than two tab-separated columns (an "
                            "attribution, say); only the first two, source and target, are read")
    for side in ("source", "target"):
        if side in levels:
            report.lines.append(levels[side].line(side))
    report.lines.append(f"split: {len(c.train):,} training, {len(c.valid):,} validation, {len(c.test):,} test pairs")
    source_level, target_level = c.source_vocab.level, c.target_vocab.level
    source_lengths = [len(c.source_vocab.tokenize(s)) for s, _ in c.train]
    target_lengths = [len(c.target_vocab.tokenize(t)) for _, t in c.train]
    report.lines.append(f"lengths in tokens (mean / 95th percentile / max): source {length_summary(source_lengths)}, "
                        f"target {length_summary(target_lengths)}; --max-len {max_len}")
    too_long = c.too_long
    if too_long:
        count, lines = len(too_long), sorted(too_long)
        where = ", ".join(str(line) for line in lines[:3]) + (", ..." if count > 3 else "")
        keeps = suggested_max_len(max(too_long.values()))
        report.lines.append(f"{count:,} pair{'s' if count > 1 else ''} longer than {max_len} tokens a side left out "
                            f"(line{'s' if count > 1 else ''} {where}); --max-len {keeps} keeps "
                            f"{'them' if count > 1 else 'it'}")
    unseen_source = unseen_share([s for s, _ in c.valid], c.source_vocab)
    unseen_target = unseen_share([t for _, t in c.valid], c.target_vocab)
    merges = [f"{side} {len(vocab.bpe.merges):,}" for side, vocab in (("source", c.source_vocab),
                                                                       ("target", c.target_vocab)) if vocab.bpe]
    report.lines.append(f"vocabularies: source {len(c.source_vocab):,}, target {len(c.target_vocab):,} tokens"
                        + (f" (BPE merges learned from the training split: {', '.join(merges)})" if merges else "")
                        + f"; validation tokens unseen in training: source {unseen_source:.1%}, target "
                        f"{unseen_target:.1%}")
    if target_level == "word":
        counts = Counter(word for _, t in c.train for word in t.split())
        once = sum(1 for count in counts.values() if count == 1)
        if counts and once > MAX_SINGLETON_TYPES * len(counts):
            report.warnings.append(
                f"{once:,} of {len(counts):,} target words occur once in training: a model cannot learn a word "
                "from one example, so most outputs will be wrong; --target-level char learns them from "
                "their characters")
    for side, share in (("source", unseen_source), ("target", unseen_target)):
        if share > UNSEEN_WARNING:
            level = source_level if side == "source" else target_level
            report.warnings.append(f"{share:.1%} of the validation {side} tokens never occur in training; they "
                                   "are read as " + ("their bytes" if level == "bpe" else "<unk>")
                                   + ("" if level in ("char", "bpe") else f" (--{side}-level bpe avoids that)"))
    for side, level, vocab in (("source", source_level, c.source_vocab), ("target", target_level, c.target_vocab)):
        if level == "word" and len(vocab) > PAIRS_PER_WORD * len(c.train):
            texts = [pair[0 if side == "source" else 1] for pair in c.train]
            better = ("bpe learns them from pieces that other words share" if is_sentences(texts)
                      else "char learns them from their characters")
            report.warnings.append(
                f"the {side} has {len(vocab):,} word types for {len(c.train):,} training pairs: most words are seen "
                f"too rarely to learn; --{side}-level {better}")
    if skipped.get(f"longer than --max-len {max_len}"):
        report.warnings.append(f"{skipped[f'longer than --max-len {max_len}']:,} pairs longer than --max-len "
                               f"{max_len} tokens were skipped; a larger --max-len keeps them (and needs more memory)")
    return report


# --- CPU threads -----------------------------------------------------------------------------------


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def choose_threads(cores: int | None = None, load: float | None = None) -> tuple[int, str]:
    """BLAS threads for the cores that are free now: cores minus the one-minute load average, at least 1.

    A BLAS thread that waits for a core another program holds stalls the whole matmul (and spins
    while it waits), so on a busy machine fewer threads are faster. Returns (threads, the reason).
    """
    cores = available_cores() if cores is None else cores
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # no load average on this platform: use every core
            return cores, f"{cores} cores; the load is unknown here"
    threads = max(1, min(cores, round(cores - load)))
    if threads == cores:
        return threads, f"{cores} cores, load average {load:.1f}"
    return threads, (f"{cores} cores, but the load average is {load:.1f}: other programs hold the rest, and a "
                     "BLAS thread that waits for a busy core holds up every matmul")


# --- after evaluation ------------------------------------------------------------------------------


def evaluation_warnings(result: Any, sources: Sequence[str], source_vocab: Any) -> list[str]:
    """What ``evaluate`` should say besides its figures: most outputs empty, most inputs unknown
    (``result`` is a ``models.evaluation.Evaluation``, ``source_vocab`` a ``models.data.Vocab``)."""
    warnings = []
    examples = result.examples
    empty = sum(1 for e in examples if not e["output"])
    if examples and empty > len(examples) / 2:
        warnings.append(f"{empty:,} of {len(examples):,} outputs are empty (the model says <eos> at once): it has "
                        "not learned this task; train longer, or see the token levels in train's data report")
    tokens = [token for text in sources for token in source_vocab.unknown(text)]
    total = sum(len(text) if source_vocab.level == "bpe" else len(source_vocab.tokenize(text)) for text in sources)
    if total and len(tokens) > total / 2:
        warnings.append(f"{len(tokens) / total:.0%} of the source tokens are not in the model's vocabulary (read as "
                        "<unk>): is this data in the language, format and token level the model was trained on?")
    return warnings
