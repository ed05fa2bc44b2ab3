"""The documentation's code runs: every ```python block of README.md and docs/*.md, in order.

Each Markdown file is one test. Its python blocks run one after another in one namespace (so a
later block may use what an earlier one defined), in a fresh temporary working directory, with
the cpu as default device and after ``minigrad.manual_seed(0)``. A failing block fails the test
with the file, the block's number, its line and its first line of code. A block preceded by the
comment ``<!-- no-test -->`` is skipped (for GPU-only code); other languages (```bash, ```text)
are never run.

A line that prints and ends in ``# → text`` says what it prints: the test checks that the
printed line is ``text`` (which may go on with an explanation after ``:``, ``,`` or `` (``), so
that what a page says minigrad prints is what it prints.

A second test checks that every relative link in those files points at a file that exists, so
that the links from the docs to the code and the examples cannot rot either.
"""

from __future__ import annotations

import builtins
import io
import random
import re
import sys
import textwrap
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN = [ROOT / "README.md", ROOT / "README.ko.md", ROOT / "CONTRIBUTING.md", ROOT / "CONTRIBUTING.ko.md",
            *sorted((ROOT / "docs").glob("*.md"))]
SKIP_MARKER = "<!-- no-test -->"
RUN_LANGUAGES = {"python", "py"}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


@dataclass
class Block:
    number: int  # 1, 2, ... among the python blocks of its file
    line: int  # the line of the opening fence, 1-based
    code: str
    skipped: bool


def python_blocks(path: Path) -> list[Block]:
    """The fenced python blocks of a Markdown file, with whether each is marked no-test."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, language = opening["fence"], opening["info"].strip().split(" ")[0].lower()
        body, end = [], index + 1
        while end < len(lines) and not (lines[end].strip().startswith(fence[0] * len(fence))
                                        and lines[end].strip().strip(fence[0]) == ""):
            body.append(lines[end])
            end += 1
        if end == len(lines):
            raise AssertionError(f"{path.name}, line {index + 1}: a code block is never closed")
        if language in RUN_LANGUAGES:
            before = next((line.strip() for line in reversed(lines[:index]) if line.strip()), "")
            blocks.append(Block(len(blocks) + 1, index + 1, textwrap.dedent("\n".join(body)),
                                before == SKIP_MARKER))
        index = end + 1
    return blocks


@pytest.fixture
def fresh_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary working directory, fixed seeds, the cpu as default device (whatever
    $MINIGRAD_DEVICE says, since the pages print devices), and the old default put back after."""
    monkeypatch.chdir(tmp_path)
    device = mg.default_device()
    mg.set_default_device("cpu")
    mg.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    yield tmp_path
    mg.set_default_device(device)


ARROW = "# →"
_EXPLANATION_STARTS = (":", ",", ";", " (", " ←")


def printed_matches(printed: str, said: str) -> bool:
    """Is ``printed`` what the comment ``said``: the same text, perhaps followed by an explanation?"""
    printed, said = " ".join(printed.split()), " ".join(said.split())
    return said == printed or (said.startswith(printed) and said[len(printed):].startswith(_EXPLANATION_STARTS))


class PrintChecker:
    """A ``print`` for a block's namespace: it prints, and checks each line marked ``# → ...``."""

    def __init__(self, block: Block, filename: str) -> None:
        self.lines, self.filename = block.code.splitlines(), filename
        self.expected = {number: line.split(ARROW, 1)[1].strip()
                         for number, line in enumerate(self.lines, 1) if ARROW in line and "print(" in line}
        self.seen: set[int] = set()
        self.mismatches: list[str] = []

    def __call__(self, *args: object, **kwargs: object) -> None:
        builtins.print(*args, **kwargs)
        caller = sys._getframe(1)
        if caller.f_code.co_filename != self.filename or caller.f_lineno not in self.expected:
            return
        buffer = io.StringIO()
        builtins.print(*args, **{**kwargs, "file": buffer})
        said = self.expected[caller.f_lineno]
        self.seen.add(caller.f_lineno)
        if not printed_matches(buffer.getvalue().strip(), said):
            self.mismatches.append(f"line {caller.f_lineno} of the block printed {buffer.getvalue().strip()!r}, "
                                   f"but its comment says {said!r}")

    def problems(self) -> list[str]:
        never = [f"line {n} of the block has a '# →' comment but never printed" for n in self.expected
                 if n not in self.seen]
        return self.mismatches + never


@pytest.mark.parametrize("path", MARKDOWN, ids=[str(p.relative_to(ROOT)) for p in MARKDOWN])
def test_python_blocks_run(path: Path, fresh_state: Path) -> None:
    blocks = python_blocks(path)
    namespace: dict = {"__name__": "__docs__"}
    name = path.relative_to(ROOT)
    for block in blocks:
        if block.skipped:
            continue
        failure = None
        filename = f"<{name} python block {block.number} (line {block.line})>"
        checker = namespace["print"] = PrintChecker(block, filename)
        try:
            code = compile(block.code, filename, "exec")
            exec(code, namespace)  # running the docs is the point
        except ImportError as exc:
            if (exc.name or "").split(".")[0] != "torch":
                failure = traceback.format_exc()
            else:  # torch is the oracle of this block: the blocks before it ran, the rest of the page needs it
                pytest.importorskip("torch", reason=f"{name}: python block {block.number} compares with torch")
        except Exception:
            failure = traceback.format_exc()
        if failure is None and checker.problems():
            failure = "what it printed is not what the page says:\n" + "\n".join(checker.problems())
        if failure is not None:  # failed outside the except block, so that no chained traceback is shown
            first_line = next((line for line in block.code.splitlines() if line.strip()), "")
            pytest.fail(f"{name}: python block {block.number} (the block at line {block.line}, "
                        f"starting {first_line!r}) failed:\n{failure}", pytrace=False)


_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


@pytest.mark.parametrize("path", MARKDOWN, ids=[str(p.relative_to(ROOT)) for p in MARKDOWN])
def test_relative_links_point_at_files_that_exist(path: Path) -> None:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)  # not in code
    missing = []
    for match in _LINK.finditer(text):
        target = match["target"].split("#")[0]
        if not target or re.match(r"^[a-z]+:", target):  # an anchor in the page, or http(s):, mailto:
            continue
        if not (path.parent / target).exists():
            missing.append(match["target"])
    assert not missing, f"{path.relative_to(ROOT)} links to files that do not exist: {missing}"


def test_a_printed_line_is_checked_against_its_arrow_comment() -> None:
    assert printed_matches("tensor([6., 8.], dtype=float32)", "tensor([6., 8.], dtype=float32): q, accumulated twice")
    assert printed_matches("True True", "True   True")
    assert not printed_matches("tensor([6., 9.], dtype=float32)", "tensor([6., 8.], dtype=float32)")
    assert not printed_matches("True", "True True")  # a prefix alone is not enough
    block = Block(1, 1, "print(1 + 1)  # → 3\nprint(2)  # → 2\nif False:\n    print(4)  # → 4", False)
    checker = PrintChecker(block, "<check>")
    exec(compile(block.code, "<check>", "exec"), {"print": checker})
    assert checker.problems() == ["line 1 of the block printed '2', but its comment says '3'",
                                  "line 4 of the block has a '# →' comment but never printed"]


def test_the_block_reader_finds_blocks_and_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n```python\nx = 1\n```\n\n<!-- no-test -->\n```python\nimport cupy\n```\n\n"
        "```bash\nrm -rf /\n```\n\n- a list item:\n\n  ```python\n  y = x + 1\n  ```\n",
        encoding="utf-8",
    )
    blocks = python_blocks(page)
    assert [(b.number, b.code, b.skipped) for b in blocks] == [
        (1, "x = 1", False), (2, "import cupy", True), (3, "y = x + 1", False)]


# --- the table of the notes' items: every example, test and section it names exists ---------------

NOTES_ITEMS = [ROOT / "docs" / "attention.md", ROOT / "docs" / "attention.ko.md"]
NOTES_ITEMS_HEADING = "## 10. "  # the section that holds the table, on both pages
NOTES_ITEMS_COLUMNS = 6  # #, item, example, test, en, ko
_TEST_NAME = re.compile(r"`(?P<file>tests/[\w/]+\.py)::(?P<name>\w+)`")


def notes_items(path: Path) -> list[list[str]]:
    """The rows of the page's table of the notes' items, each a list of its cells."""
    text = path.read_text(encoding="utf-8")
    assert f"\n{NOTES_ITEMS_HEADING}" in text, f"{path.name} has no section '{NOTES_ITEMS_HEADING}…'"
    section = text.split(f"\n{NOTES_ITEMS_HEADING}", 1)[1].split("\n## ", 1)[0]
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    assert len(lines) > 2, f"{path.name}: the section '{NOTES_ITEMS_HEADING}…' has no table"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]  # after header, ---
    wrong = [row[0] for row in rows if len(row) != NOTES_ITEMS_COLUMNS]
    assert not wrong, f"{path.name}: rows {wrong} do not have {NOTES_ITEMS_COLUMNS} cells"
    return rows


def notes_items_problems(path: Path) -> list[str]:
    """What in the page's table of the notes' items names a file, test or heading that does not exist."""
    from test_korean_docs import anchors  # GitHub's heading slugs, as the Korean pages' test makes them

    problems = []
    for row in notes_items(path):
        number, links = row[0], [m["target"] for cell in row for m in _LINK.finditer(cell)]
        for target in links:
            page, _, anchor = target.partition("#")
            where = path.parent / page if page else path
            if not where.exists():
                problems.append(f"row {number}: {target} is not a file")
            elif anchor and anchor not in anchors(where):
                problems.append(f"row {number}: {target} is no heading of {where.name}")
        for cell in row[2:4]:  # example and test: what they name, or "—" for nothing
            if cell != "—" and not _LINK.search(cell) and not _TEST_NAME.search(cell):
                problems.append(f"row {number}: {cell!r} names no file, block or test (write — for none)")
        for match in _TEST_NAME.finditer(row[3]):
            test_file = ROOT / match["file"]
            if not test_file.exists():
                problems.append(f"row {number}: {match['file']} does not exist")
            elif not re.search(rf"^\s*def {match['name']}\(", test_file.read_text(encoding="utf-8"), re.MULTILINE):
                problems.append(f"row {number}: {match['file']} has no test {match['name']}")
        for column, language in ((4, "en"), (5, "ko")):
            pages = {target.partition("#")[0] or path.name for target in _LINK.findall(row[column])}
            want = "attention.ko.md" if language == "ko" else "attention.md"
            if pages != {want}:
                problems.append(f"row {number}: the {language} column should link to sections of {want}, not {pages}")
    return problems


def test_the_notes_items_table_names_files_tests_and_sections_that_exist() -> None:
    problems = [f"{path.name}, {problem}" for path in NOTES_ITEMS for problem in notes_items_problems(path)]
    assert not problems, "the table of the notes' items is wrong:\n" + "\n".join(problems)
    english, korean = (notes_items(path) for path in NOTES_ITEMS)
    assert [row[0] for row in english] == [str(n) for n in range(1, len(english) + 1)], "number the rows 1, 2, ..."
    assert [row[0] for row in korean] == [row[0] for row in english], "the two pages list different items"
    for en_row, ko_row in zip(english, korean):  # twins: the same example files and tests, row by row
        for column, what in ((2, "example"), (3, "test")):
            en_named, ko_named = ((sorted(_TEST_NAME.findall(row[column])),
                                   sorted(t for t in _LINK.findall(row[column]) if not t.startswith("#")))
                                  for row in (en_row, ko_row))
            assert en_named == ko_named, f"row {en_row[0]}: the pages' {what} cells name different files or tests"
