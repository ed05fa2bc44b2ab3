"""Byte-pair encoding (Sennrich, Haddow and Birch 2016, "Neural Machine Translation of Rare Words with
Subword Units"), written to be read.

A word seen once cannot be learned as a word, and characters make sentences long. BPE starts from
characters and learns, from the training text, which neighbours to glue together: it counts every
pair of adjacent symbols (weighted by how often the word occurs), merges the most frequent pair
into one new symbol everywhere, and repeats. After N merges, frequent words are one piece
(``" the"``), rare ones are cut into pieces that other words share (``" un" "believ" "able"``),
and a word never seen falls back to smaller pieces, down to its characters.

**Words and spaces.** A text is first cut into *chunks* (:func:`chunks`): a run of letters, of
digits, or of other signs (punctuation, emoji, combining accents), each with the whitespace
before it. Merges never cross a chunk boundary, so ``"this?"`` is ``" this"`` and ``"?"``, never
one unrelated piece, and a piece that starts with a space starts a word. The space stays in the
piece as the text has it: there is no end-of-word marker to add or remove, and joining the
pieces gives the text back exactly (``decode(encode(s)) == s`` for any string whose characters
were seen in training: spaces, tabs, punctuation, Hangul, accents, emoji). Where pieces are
*shown* (heatmaps, docs), :func:`shown` writes the space as ``▁``, as SentencePiece does.

**Which pair first.** The most frequent pair; among pairs of equal count, the one that occurs
first in the training text (words in the order they first appear, then left to right within a
word). That is the order the paper's own code (its Algorithm 1, which takes the first of the
tied pairs in its dictionary) gives. Learning stops after N merges, or earlier when no pair
occurs twice: a merge seen once only memorises.

**Characters never seen in training** (a rare Hangul syllable, a new emoji) have no piece of their
own: they are written as their UTF-8 bytes, one piece each (``<0xEB>``), as SentencePiece's byte
fallback does, so that decoding still gives the text back exactly. 22 of the 378 held-out Korean
sentences of the eng-kor task hold such a syllable. A model never sees byte pieces in training (every
training character has its own piece), so it cannot translate them well, but nothing is lost on
the way in and out. A text cannot hold a byte piece by accident: ``<``, ``0x41`` and ``>`` are three
chunks, and merges never cross chunks.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# a run of letters, of digits, of other signs, or of underscores, each with the whitespace before
# it; whitespace at the end of a text is a chunk of its own. Every character falls in one of them.
CHUNK = re.compile(r"\s*(?:[^\W\d_]+|\d+|[^\w\s]+|_+)|\s+")
SPACE_SHOWN = "▁"  # how a space is drawn where pieces are shown (U+2581, SentencePiece's)
BYTES = [f"<0x{byte:02X}>" for byte in range(256)]  # the pieces of characters never seen in training
_BYTE_VALUE = {piece: byte for byte, piece in enumerate(BYTES)}

Pair = tuple[str, str]


def chunks(text: str) -> list[str]:
    """The chunks of ``text`` that merges stay inside; ``"".join(chunks(text)) == text``."""
    return CHUNK.findall(text)


def shown(piece: str) -> str:
    """A piece as heatmaps and docs show it: spaces as ``▁``."""
    return piece.replace(" ", SPACE_SHOWN)


def learn_merges_by_counting(words: dict[tuple[str, ...], int], merges: int, min_count: int = 2) -> list[Pair]:
    """The paper's algorithm as it reads: count every pair, merge the most frequent, repeat.

    ``words``: a word as a tuple of symbols → how often it occurs, in the order the words first
    appear. A Counter keeps the order in which it first saw each pair, and ``max`` returns the first
    of equal counts: the pair seen first in the text wins a tie. It counts every pair of every word
    for each merge, so it is slow on real text; :func:`learn_merges` gives the same merges faster
    (tests/test_bpe.py holds them equal)."""
    words = {tuple(word): count for word, count in words.items()}
    learned: list[Pair] = []
    for _ in range(merges):
        pairs: Counter[Pair] = Counter()
        for word, count in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += count
        if not pairs or max(pairs.values()) < min_count:
            break
        best = max(pairs, key=pairs.__getitem__)
        learned.append(best)
        words = {tuple(apply_merges(word, {best: 0})): count for word, count in words.items()}
    return learned


def learn_merges(words: dict[tuple[str, ...], int], merges: int, min_count: int = 2) -> list[Pair]:
    """Up to ``merges`` merges learned from ``words`` (a word as a tuple of symbols → how often it
    occurs, in the order the words first appear), most frequent pair first (ties: see the module):
    the merges of :func:`learn_merges_by_counting`, found faster.

    Counting every pair again after each merge would be slow on real text, so the counts are kept
    up to date: a merge changes only the words that hold its pair. A heap holds the candidates by
    (−count, word, position of the pair's first occurrence); a pair's count only falls and its first
    occurrence only moves later once it exists (a merge makes new pairs, those with the new symbol,
    and takes some old ones away), so an entry that is out of date is pushed again, corrected, when
    it comes to the top.
    """
    symbols = [list(word) for word in words]
    counts = list(words.values())
    pair_count: Counter[Pair] = Counter()
    where: dict[Pair, set[int]] = defaultdict(set)  # the words that hold each pair
    for index, (word, count) in enumerate(zip(symbols, counts)):
        for pair in zip(word, word[1:]):
            pair_count[pair] += count
            where[pair].add(index)

    def key(pair: Pair) -> tuple[int, int, int]:
        """(−count, first word that holds it, character offset of its first occurrence there)."""
        index = min(where[pair])
        word, offset = symbols[index], 0
        for left, right in zip(word, word[1:]):
            if (left, right) == pair:
                break
            offset += len(left)
        return -pair_count[pair], index, offset

    heap = [(*key(pair), pair) for pair in pair_count]
    heapq.heapify(heap)
    learned: list[Pair] = []
    while heap and len(learned) < merges:
        *stored, pair = heapq.heappop(heap)
        if pair_count[pair] <= 0:
            continue  # no longer anywhere
        if list(key(pair)) != stored:  # out of date: back in, where it belongs now
            heapq.heappush(heap, (*key(pair), pair))
            continue
        if pair_count[pair] < min_count:
            break  # the best pair left is seen fewer than min_count times
        learned.append(pair)
        merged, born = pair[0] + pair[1], set()
        for index in sorted(where[pair]):
            old = symbols[index]
            new, i = [], 0
            while i < len(old):
                if i + 1 < len(old) and (old[i], old[i + 1]) == pair:
                    new.append(merged)
                    i += 2
                else:
                    new.append(old[i])
                    i += 1
            for old_pair in zip(old, old[1:]):
                pair_count[old_pair] -= counts[index]
            for new_pair in zip(new, new[1:]):
                pair_count[new_pair] += counts[index]
                if merged in new_pair:
                    born.add(new_pair)
            for gone in set(zip(old, old[1:])) - set(zip(new, new[1:])):
                where[gone].discard(index)
            for kept in zip(new, new[1:]):
                where[kept].add(index)
            symbols[index] = new
        for new_pair in born:
            heapq.heappush(heap, (*key(new_pair), new_pair))
    return learned


def apply_merges(symbols: Sequence[str], ranks: dict[Pair, int]) -> list[str]:
    """Segment one chunk: merge the adjacent pair learned earliest, everywhere, until none is left."""
    pieces = list(symbols)
    while len(pieces) > 1:
        pairs = [(ranks.get(p, len(ranks)), p) for p in zip(pieces, pieces[1:])]
        rank, best = min(pairs)
        if rank == len(ranks):
            break
        merged, i = [], 0
        while i < len(pieces):
            if i + 1 < len(pieces) and (pieces[i], pieces[i + 1]) == best:
                merged.append(best[0] + best[1])
                i += 2
            else:
                merged.append(pieces[i])
                i += 1
        pieces = merged
    return pieces


@dataclass
class BPE:
    """Merges learned from texts, and the segmenter they define.

    ``alphabet``: every character of the training text (sorted); ``merges``: the pairs, in the
    order learned. ``pieces`` is the alphabet, the 256 byte pieces, then each merge's new piece,
    without repeats: the vocabulary a model learns embeddings for.
    """

    alphabet: list[str]
    merges: list[Pair]
    ranks: dict[Pair, int] = field(init=False, repr=False)
    _cache: dict[str, list[str]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.merges = [(left, right) for left, right in self.merges]
        self.ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self.known = set(self.alphabet)

    @classmethod
    def learn(cls, texts: Iterable[str], merges: int, min_count: int = 2) -> BPE:
        """Learn up to ``merges`` merges from ``texts`` (the training split only)."""
        words: Counter[str] = Counter()
        for text in texts:
            words.update(chunks(text))  # a Counter keeps the order in which chunks first appear
        alphabet = sorted({character for word in words for character in word})
        learned = learn_merges({tuple(word): count for word, count in words.items()}, merges, min_count)
        return cls(alphabet, learned)

    @property
    def pieces(self) -> list[str]:
        pieces = dict.fromkeys(self.alphabet)
        pieces.update(dict.fromkeys(BYTES))
        pieces.update(dict.fromkeys(left + right for left, right in self.merges))
        return list(pieces)

    def encode(self, text: str) -> list[str]:
        """The pieces of ``text``: ``decode(encode(text)) == text`` for any text."""
        pieces = []
        for chunk in chunks(text):
            if chunk not in self._cache:
                if len(self._cache) > 100_000:
                    self._cache.clear()
                self._cache[chunk] = [byte for piece in apply_merges(chunk, self.ranks) for byte in
                                      ([piece] if piece in self.known or len(piece) > 1 else self.bytes_of(piece))]
            pieces += self._cache[chunk]
        return pieces

    @staticmethod
    def bytes_of(character: str) -> list[str]:
        """A character never seen in training, as the pieces of its UTF-8 bytes."""
        return [BYTES[byte] for byte in character.encode("utf-8")]

    @staticmethod
    def decode(pieces: Iterable[str]) -> str:
        """The text of ``pieces``: joined, with each run of byte pieces read as UTF-8 (a run that is not
        UTF-8, which only a model's output can be, shows U+FFFD where it breaks)."""
        text, run = [], bytearray()
        for piece in pieces:
            if piece in _BYTE_VALUE:
                run.append(_BYTE_VALUE[piece])
                continue
            if run:
                text.append(run.decode("utf-8", errors="replace"))
                run.clear()
            text.append(piece)
        if run:
            text.append(run.decode("utf-8", errors="replace"))
        return "".join(text)
