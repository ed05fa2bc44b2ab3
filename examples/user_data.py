"""Write a generated data set as a TSV file, the way a user's own file would look.

These are the data sets that `minigrad-translate train --data FILE` is tested on with its default
flags (tests/test_user_data.py, and the figures in docs/cli.md): none of them is a built-in task,
so the token level of each side is chosen from the data, as it would be for a user's file.

    python examples/user_data.py german_dates --size 10000 > german_dates.tsv
    python examples/user_data.py english_dates --size 50000 --out dates.tsv   # the DLFS2 stand-in

* ``english_dates``: a stand-in for the date file of *Deep Learning from Scratch 2* (English dates
  in many formats and cases, "september 27, 1994", "TUESDAY, SEPTEMBER 27, 1994", "9/27/94"
  → "1994-09-27");
* ``german_dates``: German dates ("27. September 1994", "Di., 27.09.1994") → ISO;
* ``number_words``: English number words → digits ("two thousand and forty-one" → "2041");
* ``arithmetic``: "68 plus 17" → "85" (numbers up to 99);
* ``letter_reversal``: a made-up word → its letters backwards ("tavoli" → "ilovat");
* ``integer_reversal``: a sequence of integers → the same backwards ("3 9 17" → "17 9 3");
* ``spanish_phrases``: a small English → Spanish grammar, adjectives after the noun, with gender
  agreement ("the big dog sees a white house" → "el perro grande ve una casa blanca").
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
from collections.abc import Callable
from pathlib import Path

Pairs = list[tuple[str, str]]

_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
_DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
              "November", "Dezember"]
_DAYS_DE = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]


def _random_date(rng: random.Random, first: int, last: int) -> datetime.date:
    start = datetime.date(first, 1, 1).toordinal()
    return datetime.date.fromordinal(rng.randrange(start, datetime.date(last, 12, 31).toordinal() + 1))


def _distinct(count: int, make: Callable[[], tuple[str, str]], tries: int = 50) -> Pairs:
    """``count`` pairs with distinct sources (fewer if the generator cannot make that many)."""
    pairs: dict[str, str] = {}
    for _ in range(tries * count):
        if len(pairs) >= count:
            break
        source, target = make()
        pairs.setdefault(source, target)
    return list(pairs.items())


def english_dates(count: int, seed: int = 0) -> Pairs:
    """English dates 1970-2029 in the formats of the DLFS2 date file → ISO ``yyyy-mm-dd``."""
    rng = random.Random(seed)

    def make() -> tuple[str, str]:
        date = _random_date(rng, 1970, 2029)
        month, day, weekday = _MONTHS_EN[date.month - 1], date.day, _DAYS_EN[date.weekday()]
        text = rng.choice([
            f"{date.month}/{day}/{date.year % 100:02d}",
            f"{month[:3]} {day}, {date.year}",
            f"{month} {day}, {date.year}",
            f"{weekday}, {month} {day}, {date.year}",
            f"{day} {month} {date.year}",
            f"{day} {month[:3]} {date.year}",
        ])
        text = rng.choice([text, text.lower(), text.upper()])
        return text, date.isoformat()

    return _distinct(count, make)


def german_dates(count: int, seed: int = 0) -> Pairs:
    """German dates 1900-2099 in the usual German formats → ISO ``yyyy-mm-dd``."""
    rng = random.Random(seed)

    def make() -> tuple[str, str]:
        date = _random_date(rng, 1900, 2099)
        month, day, year = _MONTHS_DE[date.month - 1], date.day, date.year
        weekday = _DAYS_DE[date.weekday()]
        text = rng.choice([
            f"{day:02d}.{date.month:02d}.{year}",
            f"{day}.{date.month}.{year}",
            f"{day}. {month} {year}",
            f"{day}. {month[:3]}. {year}",
            f"{weekday}, {day}. {month} {year}",
            f"{weekday[:2]}., {day:02d}.{date.month:02d}.{year}",
            f"den {day}. {month} {year}",
        ])
        return text, date.isoformat()

    return _distinct(count, make)


def number_words(count: int, seed: int = 0, largest: int = 9999) -> Pairs:
    """English number words, as people write them → digits: "two thousand and forty-one" → "2041"."""
    from num2words import num2words  # noqa: PLC0415

    rng = random.Random(seed)
    numbers = rng.sample(range(largest + 1), min(count, largest + 1))
    return [(num2words(n, lang="en").replace(",", ""), str(n)) for n in numbers]


def arithmetic(count: int, seed: int = 0, largest: int = 99, minus: bool = False) -> Pairs:
    """Sums (and with ``minus``, differences) of two numbers up to ``largest``: "68 plus 17" → "85"."""
    rng = random.Random(seed)

    def make() -> tuple[str, str]:
        a, b = rng.randint(0, largest), rng.randint(0, largest)
        if not minus or rng.random() < 0.5:
            return f"{a} plus {b}", str(a + b)
        return f"{a} minus {b}", str(a - b)

    return _distinct(count, make)


def letter_reversal(count: int, seed: int = 0) -> Pairs:
    """Made-up words of 3-10 letters → the same letters backwards."""
    rng = random.Random(seed)
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"

    def make() -> tuple[str, str]:
        word = "".join(rng.choice(consonants if i % 2 == 0 else vowels) for i in range(rng.randint(3, 10)))
        return word, word[::-1]

    return _distinct(count, make)


def integer_reversal(count: int, seed: int = 0, largest: int = 49) -> Pairs:
    """Sequences of 3-8 integers up to ``largest`` → the same sequence backwards."""
    rng = random.Random(seed)

    def make() -> tuple[str, str]:
        numbers = [str(rng.randint(0, largest)) for _ in range(rng.randint(3, 8))]
        return " ".join(numbers), " ".join(reversed(numbers))

    return _distinct(count, make)


# (English, Spanish, gender) and adjectives (English, Spanish masculine, feminine)
_NOUNS_ES = [("dog", "perro", "m"), ("cat", "gato", "m"), ("house", "casa", "f"), ("car", "coche", "m"),
             ("book", "libro", "m"), ("table", "mesa", "f"), ("city", "ciudad", "f"), ("tree", "árbol", "m"),
             ("girl", "niña", "f"), ("boy", "niño", "m"), ("window", "ventana", "f"), ("apple", "manzana", "f")]
_ADJECTIVES_ES = [("big", "grande", "grande"), ("small", "pequeño", "pequeña"), ("white", "blanco", "blanca"),
                  ("black", "negro", "negra"), ("red", "rojo", "roja"), ("old", "viejo", "vieja"),
                  ("new", "nuevo", "nueva"), ("pretty", "bonito", "bonita")]
_VERBS_ES = [("sees", "ve"), ("has", "tiene"), ("wants", "quiere"), ("likes", "quiere a"), ("finds", "encuentra")]


def _spanish_noun_phrase(rng: random.Random) -> tuple[str, str]:
    noun, spanish, gender = rng.choice(_NOUNS_ES)
    article = rng.choice(("the", "a"))
    spanish_article = {("the", "m"): "el", ("the", "f"): "la", ("a", "m"): "un", ("a", "f"): "una"}[article, gender]
    if rng.random() < 0.6:
        adjective = rng.choice(_ADJECTIVES_ES)
        english = f"{'an' if article == 'a' and adjective[0][0] in 'aeiou' else article} {adjective[0]} {noun}"
        return english, f"{spanish_article} {spanish} {adjective[1] if gender == 'm' else adjective[2]}"
    return f"{'an' if article == 'a' and noun[0] in 'aeiou' else article} {noun}", f"{spanish_article} {spanish}"


def spanish_phrases(count: int, seed: int = 0) -> Pairs:
    """English → Spanish sentences "NP verb NP" from a small grammar."""
    rng = random.Random(seed)

    def make() -> tuple[str, str]:
        (subject, sujeto), (verb, verbo), (obj, objeto) = (_spanish_noun_phrase(rng), rng.choice(_VERBS_ES),
                                                           _spanish_noun_phrase(rng))
        if verbo == "quiere a":  # the personal "a" before el: "quiere al perro"
            verbo, objeto = ("quiere", "al" + objeto[2:]) if objeto.startswith("el ") else ("quiere a", objeto)
        return f"{subject} {verb} {obj}", f"{sujeto} {verbo} {objeto}"

    return _distinct(count, make)


DATA_SETS: dict[str, Callable[..., Pairs]] = {
    "english_dates": english_dates, "german_dates": german_dates, "number_words": number_words,
    "arithmetic": arithmetic, "letter_reversal": letter_reversal, "integer_reversal": integer_reversal,
    "spanish_phrases": spanish_phrases,
}


def write_tsv(pairs: Pairs, path: str | Path) -> Path:
    """``source<TAB>target`` lines, UTF-8, as a user's file would be."""
    path = Path(path)
    path.write_text("".join(f"{source}\t{target}\n" for source, target in pairs), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=sorted(DATA_SETS))
    parser.add_argument("--size", type=int, default=10_000, help="how many pairs (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="(default: %(default)s)")
    parser.add_argument("--out", help="the TSV file to write (default: standard output)")
    args = parser.parse_args(argv)
    pairs = DATA_SETS[args.name](args.size, args.seed)
    if args.out:
        print(f"{len(pairs)} pairs written to {write_tsv(pairs, args.out)}")
    else:
        sys.stdout.write("".join(f"{source}\t{target}\n" for source, target in pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
