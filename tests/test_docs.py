"""The documentation's code runs: every ```python block of README.md and docs/*.md, in order.

Each Markdown file is one test. Its python blocks run one after another in one namespace (so a
later block may use what an earlier one defined), in a fresh temporary working directory, with
the cpu as default device and after ``minigrad.manual_seed(0)``. A failing block fails the test
with the file, the block's number, its line and its first line of code. A block preceded by the
comment ``<!-- no-test -->`` is skipped (for GPU-only code); other languages (```bash, ```text)
are never run.

A second test checks that every relative link in those files points at a file that exists, so
that the links from the docs to the code and the examples cannot rot either.
"""

from __future__ import annotations

import random
import re
import textwrap
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
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


@pytest.mark.parametrize("path", MARKDOWN, ids=[str(p.relative_to(ROOT)) for p in MARKDOWN])
def test_python_blocks_run(path: Path, fresh_state: Path) -> None:
    blocks = python_blocks(path)
    namespace: dict = {"__name__": "__docs__"}
    name = path.relative_to(ROOT)
    for block in blocks:
        if block.skipped:
            continue
        failure = None
        try:
            code = compile(block.code, f"<{name} python block {block.number} (line {block.line})>", "exec")
            exec(code, namespace)  # running the docs is the point
        except Exception:
            failure = traceback.format_exc()
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
