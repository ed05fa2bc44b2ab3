"""Data for the translation showcase: vocabularies, the built-in tasks, the user's TSV files, batches.

Built-in tasks are generated offline from a seed, so the same seed gives the same pairs and the
same train / valid / test split on every machine:

* ``dates``: calendar dates written in many ways, in several languages (Babel's locale formats)
  → ISO ``yyyy-mm-dd``. ``dates_en`` is the English-only variant (the DLFS2 configuration).
* ``numbers``: English number words → German number words, split into parts, where the units
  come before the tens ("twenty one" → "ein und zwanzig"), so attention must reorder.
* ``phrases``: a small English → French grammar with gender agreement and adjectives after the
  noun; it contains the notes' example "I am a student" → "je suis étudiant".
* ``eng-kor`` and ``kor-eng``: 3,798 real English ↔ Korean sentence pairs from Tatoeba (CC-BY 2.0
  France; models/corpora/README.md and each line's third column give the attribution), read from
  the file shipped in models/corpora/, not generated.
"""

from __future__ import annotations

import datetime
import os
import random
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from models.bpe import BPE, chunks

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = range(4)


class DataError(ValueError):
    """The data cannot be used: the message names the file, line or token."""


MAX_TOKEN_CHARS = 1_000  # one limit for a token, where the data is read and where a checkpoint is loaded
MAX_TASK_SIZE = 1_000_000  # pairs a built-in task may generate (--size, and a checkpoint's record of it)


# --- tokens and vocabularies --------------------------------------------------------------------


LEVELS = ("char", "word", "bpe")
DEFAULT_MERGES = 2000  # BPE merges where neither --bpe-merges nor the data report chose a number


def tokenize(text: str, level: str, bpe: BPE | None = None) -> list[str]:
    """``level="char"``: one token per character; ``"word"``: whitespace-separated words (punctuation and
    case stay glued to the word: ``this?`` is one token); ``"bpe"``: the pieces of ``bpe``'s merges
    (models/bpe.py), whose spaces stay in the pieces."""
    if level == "char":
        return list(text)
    if level == "word":
        return text.split()
    if level == "bpe":
        if bpe is None:
            raise ValueError("BPE tokens need the merges learned from the training text: use Vocab.tokenize")
        return bpe.encode(text)
    raise ValueError(f"unknown tokenisation {level!r}: use {', '.join(map(repr, LEVELS))}")


def detokenize(tokens: Sequence[str], level: str) -> str:
    if level == "bpe":
        return BPE.decode(tokens)
    return "".join(tokens) if level == "char" else " ".join(tokens)


@dataclass
class Vocab:
    """Tokens ↔ ids, with ``<pad> <bos> <eos> <unk>`` first (ids 0-3); at level ``bpe``, also the merges."""

    tokens: list[str]
    level: str = "char"
    bpe: BPE | None = None
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if tuple(self.tokens[:4]) != SPECIALS:
            raise DataError(f"a vocabulary must start with {SPECIALS}, got {self.tokens[:4]}")
        if (self.level == "bpe") != (self.bpe is not None):
            raise DataError("a vocabulary has merges if and only if its level is bpe")
        if self.bpe is not None and self.tokens[4:] != self.bpe.pieces:
            raise DataError("a BPE vocabulary's tokens must be its alphabet, the byte pieces and its merges' pieces")
        self.index = {token: i for i, token in enumerate(self.tokens)}

    @classmethod
    def build(cls, texts: Iterable[str], level: str = "char", merges: int | None = None) -> Vocab:
        """The vocabulary of every token in ``texts``, sorted so that it is reproducible; at level ``bpe``,
        the pieces of up to ``merges`` merges learned from ``texts``."""
        if level == "bpe":
            bpe = BPE.learn(texts, DEFAULT_MERGES if merges is None else merges)
            return cls([*SPECIALS, *bpe.pieces], level, bpe)
        seen = sorted({token for text in texts for token in tokenize(text, level)} - set(SPECIALS))
        return cls([*SPECIALS, *seen], level)

    def __len__(self) -> int:
        return len(self.tokens)

    def tokenize(self, text: str) -> list[str]:
        """The tokens of ``text`` at this vocabulary's level."""
        return tokenize(text, self.level, self.bpe)

    def unknown(self, text: str) -> list[str]:
        """The tokens of ``text`` that are not in this vocabulary (at level ``bpe``: the characters never
        seen in training, which are read as their bytes)."""
        if self.bpe is not None:
            return [character for character in text if character not in self.bpe.known]
        return [token for token in self.tokenize(text) if token not in self.index or token in SPECIALS]

    def encode(self, text: str, add_eos: bool = True) -> list[int]:
        """Token ids of ``text``; tokens not in the vocabulary (and reserved ones, ``<eos>`` ...) become ``<unk>``."""
        ids = [UNK_ID if token in SPECIALS else self.index.get(token, UNK_ID) for token in self.tokenize(text)]
        return ids + [EOS_ID] if add_eos else ids

    def decode(self, ids: Iterable[int]) -> str:
        """Text of ``ids`` up to the first ``<eos>``, leaving out padding and ``<bos>``."""
        tokens = []
        for i in ids:
            if i == EOS_ID:
                break
            if i not in (PAD_ID, BOS_ID):
                tokens.append(self.tokens[i] if 0 <= i < len(self.tokens) else UNK)
        return detokenize(tokens, self.level)

    def to_dict(self) -> dict:
        saved: dict = {"tokens": self.tokens, "level": self.level}
        if self.bpe is not None:
            saved["merges"] = [list(pair) for pair in self.bpe.merges]
        return saved

    @classmethod
    def from_dict(cls, data: dict) -> Vocab:
        tokens = list(data["tokens"])
        if data["level"] != "bpe":
            return cls(tokens, data["level"])
        alphabet = tokens[4:tokens.index("<0x00>")] if "<0x00>" in tokens else tokens[4:]
        return cls(tokens, "bpe", BPE(alphabet, [tuple(pair) for pair in data["merges"]]))


# --- the built-in tasks ----------------------------------------------------------------------------

DATE_LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "ko_KR")
ENGLISH_LOCALES = ("en_US", "en_GB")
# Numeric forms that would read one string two ways across locales (9/10 in the US and in Spain)
# are kept for one locale only, so the task stays well defined.
_NUMERIC_OK = {"en_US", "de_DE", "ko_KR"}


def _date_patterns(locales: Sequence[str]) -> list[tuple[str, str]]:
    from babel.dates import get_date_format  # noqa: PLC0415 - an optional dependency of the showcase

    patterns = []
    for locale in locales:
        for width in ("short", "medium", "long", "full"):
            if width == "short" and locale not in _NUMERIC_OK:
                continue
            pattern = get_date_format(width, locale=locale).pattern
            # four-digit calendar years always: 'yy' loses the century, 'YYYY' is the week-year
            pattern = re.sub(r"(?<!y)yy(?!y)", "y", pattern)
            if (locale, pattern) not in patterns:
                patterns.append((locale, pattern))
    return patterns


def date_pairs(count: int, seed: int, locales: Sequence[str] = DATE_LOCALES) -> list[tuple[str, str]]:
    """``count`` distinct (written date, ISO date) pairs, dates between 1900 and 2099."""
    from babel.dates import format_date  # noqa: PLC0415

    rng = random.Random(seed)
    patterns = _date_patterns(locales)
    start, days = datetime.date(1900, 1, 1).toordinal(), 200 * 365
    pairs: dict[str, str] = {}
    while len(pairs) < count:
        date = datetime.date.fromordinal(start + rng.randrange(days))
        locale, pattern = rng.choice(patterns)
        text = format_date(date, format=pattern, locale=locale)
        if rng.random() < 0.3:
            text = text.lower()
        pairs.setdefault(text, date.isoformat())
    return list(pairs.items())


_GERMAN_PARTS = re.compile(
    r"und|hundert|tausend|null|eins|ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf"
    r"|sechzehn|siebzehn|zwanzig|dreißig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig"
)


def german_number_words(n: int) -> str:
    """German words for ``n``, split into their parts: 21 → "ein und zwanzig"."""
    from num2words import num2words  # noqa: PLC0415

    word = num2words(n, lang="de")
    parts, position = [], 0
    # longest parts first at each position ("sechzehn" before "sechs", "eins" before "ein")
    while position < len(word):
        for length in range(len(word) - position, 0, -1):
            piece = word[position:position + length]
            if _GERMAN_PARTS.fullmatch(piece):
                parts.append(piece)
                position += length
                break
        else:
            raise DataError(f"cannot split the German number word {word!r} at {word[position:]!r}")
    return " ".join(parts)


def number_pairs(count: int, seed: int, largest: int = 9999) -> list[tuple[str, str]]:
    """(English number words, German number words) for ``count`` distinct numbers in 0..largest."""
    from num2words import num2words  # noqa: PLC0415

    rng = random.Random(seed)
    numbers = rng.sample(range(largest + 1), min(count, largest + 1))
    english = lambda n: num2words(n, lang="en").replace("-", " ").replace(",", "")  # noqa: E731
    return [(english(n), german_number_words(n)) for n in numbers]


# (English, French, gender) for nouns, and (English, French masculine, French feminine, before noun?)
_PROFESSIONS = [("student", "étudiant", "étudiante"), ("teacher", "professeur", "professeure"),
                ("doctor", "médecin", "médecin"), ("singer", "chanteur", "chanteuse"),
                ("friend", "ami", "amie"), ("cook", "cuisinier", "cuisinière"),
                ("lawyer", "avocat", "avocate"), ("writer", "écrivain", "écrivaine")]
_SUBJECTS = [("i am", "je suis", "m"), ("you are", "tu es", "m"), ("he is", "il est", "m"),
             ("she is", "elle est", "f")]
_NOUNS = [("car", "voiture", "f"), ("house", "maison", "f"), ("dog", "chien", "m"), ("cat", "chat", "m"),
          ("book", "livre", "m"), ("table", "table", "f"), ("apple", "pomme", "f"), ("tree", "arbre", "m"),
          ("city", "ville", "f"), ("garden", "jardin", "m")]
_ADJECTIVES = [("red", "rouge", "rouge"), ("green", "vert", "verte"), ("black", "noir", "noire"),
               ("white", "blanc", "blanche"), ("small", "petit", "petite"), ("big", "grand", "grande"),
               ("old", "vieux", "vieille"), ("new", "nouveau", "nouvelle"), ("blue", "bleu", "bleue")]
_BEFORE_NOUN = {"small", "big", "old", "new"}  # petit, grand, vieux, nouveau come before the noun
_VERBS = [("i see", "je vois"), ("you see", "tu vois"), ("we like", "nous aimons"), ("they have", "ils ont")]


def _noun_phrase(rng: random.Random, article: str) -> tuple[str, str]:
    noun, french_noun, gender = rng.choice(_NOUNS)
    adjective = rng.choice(_ADJECTIVES)
    french_adjective = adjective[1] if gender == "m" else adjective[2]
    french_article = {"the": "le" if gender == "m" else "la", "a": "un" if gender == "m" else "une"}[article]
    english = f"{'an' if article == 'a' and adjective[0][0] in 'aeiou' else article} {adjective[0]} {noun}"
    if adjective[0] in _BEFORE_NOUN and gender == "m" and french_noun[0] in "aeiouhé":
        french_adjective = {"vieux": "vieil", "nouveau": "nouvel"}.get(french_adjective, french_adjective)
    words = [french_adjective, french_noun] if adjective[0] in _BEFORE_NOUN else [french_noun, french_adjective]
    if french_article in ("le", "la") and words[0][0] in "aeiouhé":  # elision before the next word's vowel
        return english, f"l'{' '.join(words)}"
    return english, f"{french_article} {' '.join(words)}"


def phrase_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    """English → French sentences from a small grammar (at most ``count`` distinct ones)."""
    rng = random.Random(seed)
    pairs: dict[str, str] = {"i am a student": "je suis étudiant"}
    attempts = 0
    while len(pairs) < count and attempts < 50 * count:
        attempts += 1
        kind = rng.randrange(3)
        if kind == 0:  # "she is a teacher" -> "elle est professeure": no article, gender agreement
            subject, french_subject, gender = rng.choice(_SUBJECTS)
            english_noun, masculine, feminine = rng.choice(_PROFESSIONS)
            article = "an" if english_noun[0] in "aeiou" else "a"
            pairs.setdefault(f"{subject} {article} {english_noun}",
                             f"{french_subject} {masculine if gender == 'm' else feminine}")
        elif kind == 1:  # "i see a red car" -> "je vois une voiture rouge": the adjective moves
            verb, french_verb = rng.choice(_VERBS)
            english, french = _noun_phrase(rng, rng.choice(("the", "a")))
            pairs.setdefault(f"{verb} {english}", f"{french_verb} {french}")
        else:  # "the red car is big" -> "la voiture rouge est grande": agreement twice
            english, french = _noun_phrase(rng, "the")
            noun_gender = "f" if french.startswith(("la ", "une ")) or _feminine(french) else "m"
            adjective = rng.choice(_ADJECTIVES)
            pairs.setdefault(f"{english} is {adjective[0]}",
                             f"{french} est {adjective[1] if noun_gender == 'm' else adjective[2]}")
    return list(pairs.items())


def _feminine(french_phrase: str) -> bool:
    return any(french_phrase.endswith(n) or f" {n} " in f" {french_phrase} " for _, n, g in _NOUNS if g == "f")


CORPORA = Path(__file__).resolve().parent / "corpora"  # real sentence pairs shipped with minigrad


def corpus_pairs(file: str, reverse: bool = False) -> list[tuple[str, str]]:
    """The (source, target) pairs of a file in models/corpora/: its first two columns (the third is the
    attribution), swapped with ``reverse``."""
    pairs = []
    for line in (CORPORA / file).read_text(encoding="utf-8").splitlines():
        columns = line.split("\t")
        if len(columns) >= 2 and columns[0].strip() and columns[1].strip():
            source, target = columns[0].strip(), columns[1].strip()
            pairs.append((target, source) if reverse else (source, target))
    return pairs


@dataclass
class Task:
    """A built-in task: how to make its pairs and how to cut them into tokens ("bpe bpe": per side)."""

    name: str
    level: str
    size: int


TASKS = {
    "dates": Task("dates", "char", 50_000),
    "dates_en": Task("dates_en", "char", 50_000),
    "numbers": Task("numbers", "word", 10_000),
    "phrases": Task("phrases", "word", 3_000),
    "eng-kor": Task("eng-kor", "bpe", 3_798),
    "kor-eng": Task("kor-eng", "bpe", 3_798),
}
SENTENCE_TASKS = ("eng-kor", "kor-eng")  # real sentences: scored by chrF and BLEU


def task_pairs(name: str, seed: int = 0, size: int | None = None) -> list[tuple[str, str]]:
    """All pairs of a built-in task, in a seeded order."""
    if name not in TASKS:
        raise DataError(f"unknown task {name!r}; the built-in tasks are {', '.join(TASKS)}")
    size = size or TASKS[name].size
    if not 0 < size <= MAX_TASK_SIZE:
        raise DataError(f"a built-in task makes 1 to {MAX_TASK_SIZE:,} pairs, not {size:,}")
    if name == "dates":
        return date_pairs(size, seed)
    if name == "dates_en":
        return date_pairs(size, seed, ENGLISH_LOCALES)
    if name == "numbers":
        return number_pairs(size, seed)
    if name in ("eng-kor", "kor-eng"):
        pairs = corpus_pairs("tatoeba-eng-kor.tsv", reverse=name == "kor-eng")
        if size < len(pairs):  # a seeded sample: the file is sorted by length
            pairs = random.Random(seed).sample(pairs, size)
        return pairs
    return phrase_pairs(size, seed)


def split(pairs: Sequence[tuple[str, str]], seed: int = 0, valid: float = 0.05,
          test: float = 0.05) -> tuple[list, list, list]:
    """A fixed (train, valid, test) split: the same seed always gives the same three lists."""
    order = list(pairs)
    random.Random(seed + 1).shuffle(order)
    # at least one pair in each held-out part that is asked for, when there are pairs to spare
    at_least = lambda fraction: max(1, int(len(order) * fraction)) if fraction > 0 and len(order) > 2 else 0  # noqa: E731
    n_valid, n_test = at_least(valid), at_least(test)
    return order[n_valid + n_test:], order[:n_valid], order[n_valid:n_valid + n_test]


# --- the user's own data -------------------------------------------------------------------------

MAX_LINE_BYTES = 1 << 16  # a longer line is refused before it is read whole (or skipped, and counted)


@dataclass
class TsvData:
    """The pairs of a TSV file, each with its line number (as ``sed -n Np`` counts), and what was skipped."""

    path: Path
    pairs: list[tuple[str, str]]
    lines: list[int]
    skipped: dict[str, int] = field(default_factory=dict)  # reason → how many lines
    extra_columns: int = 0  # lines with more columns after the target (Tatoeba's attribution): read, the rest ignored
    too_long: dict[int, int] = field(default_factory=dict)  # line → tokens of its longer side, for pairs left out

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _lines(path: Path, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(number, bytes without the line break) for each line of the regular file at ``path``.

    A device (``/dev/zero``), a FIFO or a socket is refused before it is opened: it may never end,
    or never start.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise DataError(f"data file {path} is not a regular file (a device, FIFO or socket); give a file")
        stream = path.open("rb")
    except FileNotFoundError:
        raise DataError(f"data file {path} does not exist") from None
    except IsADirectoryError:
        raise DataError(f"data file {path} is a folder, not a file") from None
    except OSError as exc:
        raise DataError(f"data file {path} cannot be read: {exc.strerror}") from None
    with stream:
        yield from stream_lines(stream, limit, f"data file {path}")


def stream_lines(stream: BinaryIO, limit: int, name: str) -> Iterator[tuple[int, bytes | None]]:
    """(number, bytes without the line break) for each line of ``stream``; None for a line longer than ``limit``.

    Lines end at ``\\n`` (``\\r\\n`` too) only: form feeds, vertical tabs, NEL and U+2028 are text.
    No more than ``limit`` bytes of a line are ever held. ``name`` names the stream in errors.
    """
    number = 0
    while True:
        try:
            line = stream.readline(limit + 1)
        except OSError as exc:
            raise DataError(f"{name} cannot be read: {exc.strerror}") from None
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            yield number, None  # before the rest is read: a reader that stops here never reads an endless line
            while line and not line.endswith(b"\n"):  # the rest of the long line, a piece at a time
                line = stream.readline(limit)
            continue
        yield number, line.rstrip(b"\n").removesuffix(b"\r")


def read_pairs(path: str | Path, skip_bad_lines: bool = False, max_line_bytes: int = MAX_LINE_BYTES) -> TsvData:
    """Pairs from a UTF-8 file with ``source<TAB>target`` on each line, with their line numbers.

    A line without a tab (or with an empty side), one that is not UTF-8, or one longer than
    ``max_line_bytes`` is an error naming the file and line, or, with ``skip_bad_lines``, is
    skipped and counted. Blank lines are left out; a UTF-8 byte-order mark at the start is fine.
    """
    path = Path(path)
    data = TsvData(path, [], [])
    hint = "fix the line or pass --skip-bad-lines"
    for number, raw in _lines(path, max_line_bytes):
        if raw is None:
            if skip_bad_lines:
                data.skip(f"longer than {max_line_bytes:,} bytes")
                continue
            raise DataError(f"{path}, line {number}: longer than {max_line_bytes:,} bytes, too long for a "
                            f"sentence pair; {hint}")
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            if skip_bad_lines:
                data.skip("not UTF-8")
                continue
            raise DataError(f"data file {path} is not UTF-8 text (bad byte at line {number}); save it as UTF-8, "
                            "or pass --skip-bad-lines") from None
        if not line.strip():
            continue
        source, tab, target = line.partition("\t")
        target, extra, _ = target.partition("\t")  # a third column (an attribution, as Tatoeba's files have)
        data.extra_columns += bool(extra)
        if not tab or not source.strip() or not target.strip():
            if skip_bad_lines:
                data.skip("without source<TAB>target")
                continue
            raise DataError(f"{path}, line {number}: expected 'source<TAB>target', got {line[:60]!r}; {hint}")
        data.pairs.append((source.strip(), target.strip()))
        data.lines.append(number)
    if not data.pairs:
        raise DataError(f"data file {path} holds no 'source<TAB>target' pairs")
    return data


def read_tsv(path: str | Path, skip_bad_lines: bool = False) -> tuple[list[tuple[str, str]], int]:
    """Pairs from a UTF-8 file with ``source<TAB>target`` on each line; returns (pairs, skipped).

    The same checks as :func:`read_pairs`.
    """
    data = read_pairs(path, skip_bad_lines)
    return data.pairs, sum(data.skipped.values())


def check_pairs(data: TsvData, source_level: str, target_level: str, max_len: int,
                skip_bad_lines: bool = False, leave_out_long: bool = False) -> TsvData:
    """The pairs that fit: at most ``max_len`` tokens a side (chunks at level ``bpe``), and no reserved
    token (``<eos>``, ...) as a word, since it would end or pad the sentence there. Others are refused with the file
    and line, or skipped and counted with ``skip_bad_lines``.

    With ``leave_out_long`` (``--max-len`` not given: its default is a limit the user never chose), a
    pair longer than ``max_len`` is left out and recorded in ``too_long`` instead, as JoeyNMT's
    ``max_sent_length`` and the PyTorch tutorial's ``MAX_LENGTH`` filter do; the data report says how
    many and which ``--max-len`` keeps them."""
    kept = TsvData(data.path, [], [], dict(data.skipped), data.extra_columns)
    hint = "or pass --skip-bad-lines"
    for (source, target), number in zip(data.pairs, data.lines):
        problem = reason = None
        for side, text, level in (("source", source, source_level), ("target", target, target_level)):
            # BPE's merges are learned after the split, so a BPE side is measured in chunks (models/bpe.py),
            # which it has at least as many pieces as
            tokens = chunks(text) if level == "bpe" else tokenize(text, level)
            long_token = next((t for t in tokens if len(t) > MAX_TOKEN_CHARS), None)
            if long_token is not None:  # a checkpoint could not hold it: refused here, not when the run is saved
                reason = f"with a token longer than {MAX_TOKEN_CHARS:,} characters"
                problem = (f"the {side} holds a token of {len(long_token):,} characters ({long_token[:20]!r}...), "
                           f"more than the limit of {MAX_TOKEN_CHARS:,}; split it, use --level char, {hint}")
                break
            special = next((t for t in tokens if t in SPECIALS), None) if level == "word" else None
            if special is not None:
                reason = "with a reserved token"
                problem = (f"the {side} holds {special!r}, a token minigrad reserves for itself; rename it "
                           f"(say, {special.strip('<>')!r}) {hint}")
                break
            if len(tokens) > max_len and leave_out_long:
                longest = max(len(chunks(t) if lv == "bpe" else tokenize(t, lv))
                              for t, lv in ((source, source_level), (target, target_level)))
                reason, problem = "too long", ""
                kept.too_long[number] = longest
                break
            if len(tokens) > max_len:
                reason = f"longer than --max-len {max_len}"
                problem = (f"the {side} is {len(tokens):,} tokens long, more than --max-len {max_len}; "
                           f"raise --max-len (a longer pair needs more memory) {hint}")
                break
        if problem is None:
            kept.pairs.append((source, target))
            kept.lines.append(number)
        elif reason == "too long":
            continue  # left out and recorded in too_long, not skipped as a bad line
        elif skip_bad_lines:
            kept.skip(reason)
        else:
            raise DataError(f"{data.path}, line {number}: {problem}")
    if not kept.pairs:
        raise DataError(f"data file {data.path} holds no pairs that fit (see --max-len)"
                        + (f"; --max-len {suggested_max_len(max(kept.too_long.values()))} keeps them all"
                           if kept.too_long else ""))
    return kept


def suggested_max_len(longest: int) -> int:
    """A ``--max-len`` that keeps a side of ``longest`` tokens: the next multiple of 10 (111 → 120)."""
    return -(-longest // 10) * 10


# --- batches -------------------------------------------------------------------------------------


def pad(sequences: Sequence[Sequence[int]], length: int | None = None) -> list[list[int]]:
    """Sequences right-padded with ``<pad>`` to one length."""
    length = length or max(len(s) for s in sequences)
    return [list(s) + [PAD_ID] * (length - len(s)) for s in sequences]
