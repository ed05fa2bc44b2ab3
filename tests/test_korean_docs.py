"""Every English page has a Korean twin with the same sections, and the Korean pages use the notes' terms.

A twin is ``README.ko.md`` beside ``README.md``, ``docs/NAME.ko.md`` beside ``docs/NAME.md``. The
two must have the same headings (same number, same levels, in the same order) and the same code
blocks (same languages, in the same order, the same ones marked ``<!-- no-test -->``), so that a
section added to one page and not the other fails here. The Korean pages' python blocks run in
tests/test_docs.py like the English ones. A page may wait for its twin only while it is listed in
``UNTRANSLATED`` with the reason, and the list may not name a page that has one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = [ROOT / "README.md", ROOT / "CONTRIBUTING.md",
           *sorted(p for p in (ROOT / "docs").glob("*.md") if not p.name.endswith(".ko.md"))]
UNTRANSLATED: dict[str, str] = {}
SKIP_MARKER = "<!-- no-test -->"
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^`\s]*)")


def twin(path: Path) -> Path:
    return path.with_name(path.name[: -len(".md")] + ".ko.md")


def outline(path: Path) -> tuple[list[int], list[tuple[str, bool]]]:
    """Heading levels in order, and code blocks in order as (language, marked no-test, how many printed
    lines say what they print with ``# →``, which tests/test_docs.py checks)."""
    levels: list[int] = []
    blocks: list[tuple[str, bool, int]] = []
    fence = None
    previous = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            blocks.append((match.group(2).lower() or "text", previous == SKIP_MARKER, 0))
        elif fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and line.strip().strip(fence[0]) == "":
                fence = None
            elif "# →" in line and "print(" in line:  # a printed line that test_docs.py checks
                language, skipped, arrows = blocks[-1]
                blocks[-1] = (language, skipped, arrows + 1)
        elif (heading := re.match(r"^(#{1,6})\s", line)) is not None:
            levels.append(len(heading.group(1)))
        if line.strip():
            previous = line.strip()
    assert fence is None, f"{path.name}: a code block is never closed"
    return levels, blocks


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_english_page_has_its_korean_twin() -> None:
    missing = [_id(p) for p in ENGLISH if _id(p) not in UNTRANSLATED and not twin(p).exists()]
    assert not missing, f"English pages without a Korean twin (add NAME.ko.md, or list why in UNTRANSLATED): {missing}"
    stale = [name for name in UNTRANSLATED if twin(ROOT / name).exists() or not (ROOT / name).exists()]
    assert not stale, f"UNTRANSLATED names pages that have a twin now, or no longer exist: {stale}"


def test_every_korean_page_has_its_english_original() -> None:
    korean = [ROOT / "README.ko.md", ROOT / "CONTRIBUTING.ko.md", *sorted((ROOT / "docs").glob("*.ko.md"))]
    orphans = [_id(p) for p in korean if not p.with_name(p.name.replace(".ko.md", ".md")).exists()]
    assert not orphans


TWINS = [p for p in ENGLISH if twin(p).exists()]


@pytest.mark.parametrize("english", TWINS, ids=[_id(p) for p in TWINS])
def test_twins_have_the_same_sections_and_code_blocks(english: Path) -> None:
    (en_levels, en_blocks), (ko_levels, ko_blocks) = outline(english), outline(twin(english))
    assert ko_levels == en_levels, (f"{_id(twin(english))} has headings at levels {ko_levels}, "
                                    f"{_id(english)} at {en_levels}: re-sync the sections")
    assert ko_blocks == en_blocks, (f"{_id(twin(english))} has code blocks {ko_blocks}, "
                                    f"{_id(english)} has {en_blocks}: re-sync the code")


@pytest.mark.parametrize("english", TWINS, ids=[_id(p) for p in TWINS])
def test_each_twin_links_to_the_other_language(english: Path) -> None:
    korean = twin(english).read_text(encoding="utf-8")
    assert f"]({english.name})" in "\n".join(korean.splitlines()[:5]), \
        f"{_id(twin(english))} should link to {english.name} in its first lines"


def test_the_license_is_the_one_pyproject_names() -> None:
    assert '{ text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_the_readme_points_korean_readers_to_their_page() -> None:
    first_lines = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5])
    assert "](README.ko.md)" in first_lines


# The study notes' own terms, and the translationese that issue 16 named, per page.
TERMS = {
    "docs/attention.ko.md": ["어텐션 스코어", "어텐션 점수", "어텐션 분포", "어텐션 가중치", "문맥 벡터",
                             "컨텍스트 벡터", "쿼리", "키", "값", "셀프 어텐션", "기울기 소실", "병목", "내적 `dot`",
                             "스케일드 내적 `scaled_dot`", "가법 `additive`", "코사인 유사도 `cosine`"],
    "README.ko.md": ["내적 `dot`", "스케일드 내적 `scaled_dot`", "가법 `additive`", "코사인 유사도 `cosine`"],
}
AVOID = ["평범한 모델", "어느 상태가 질문하는지", "held-out"]


@pytest.mark.parametrize("name", sorted(TERMS))
def test_korean_pages_use_the_notes_terms(name: str) -> None:
    text = " ".join((ROOT / name).read_text(encoding="utf-8").split())  # a term may break across lines
    assert not [term for term in TERMS[name] if term not in text], f"{name} lacks the notes' terms"


@pytest.mark.parametrize("path", [ROOT / "README.ko.md", ROOT / "CONTRIBUTING.ko.md",
                                  *sorted((ROOT / "docs").glob("*.ko.md"))], ids=lambda p: p.name)
def test_korean_pages_avoid_the_translationese_the_issue_named(path: Path) -> None:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)  # prose only: a
    text = re.sub(r"`[^`]*`", "", text)  # program's output may say "held-out"
    assert not [phrase for phrase in AVOID if phrase in text]


def test_korean_pages_show_the_korean_figures() -> None:
    text = (ROOT / "docs" / "attention.ko.md").read_text(encoding="utf-8")
    figures = re.findall(r"\]\((figures/[^)]+)\)", text)
    english_only = [f for f in figures if (ROOT / "docs" / f.replace(".", "_ko.", 1)).exists()]
    assert not english_only, f"attention.ko.md shows English figures that have Korean twins: {english_only}"


def test_the_outline_reader_counts_headings_and_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# title\n\n```python\n# not a heading\nprint(1)  # → 1\n```\n\n## two\n\n<!-- no-test -->\n"
                    "```bash\nx\n```\n### three\n", encoding="utf-8")
    assert outline(page) == ([1, 2, 3], [("python", False, 1), ("bash", True, 0)])


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (Hangul kept), spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+)$", text, flags=re.MULTILINE)}


KOREAN = [ROOT / "README.ko.md", ROOT / "CONTRIBUTING.ko.md", *sorted((ROOT / "docs").glob("*.ko.md"))]


@pytest.mark.parametrize("path", KOREAN, ids=lambda p: p.name)
def test_korean_pages_anchors_lead_to_headings(path: Path) -> None:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    broken = []
    for target in re.findall(r"\]\(([^)\s]*#[^)\s]+)\)", text):
        page, anchor = target.split("#", 1)
        if re.match(r"^[a-z]+:", page):
            continue
        where = path if not page else (path.parent / page)
        if where.exists() and anchor not in anchors(where):
            broken.append(target)
    assert not broken, f"{path.name} links to anchors that no heading makes: {broken}"


def test_slug_is_githubs() -> None:
    assert slug("4. 실행 결과로 `runs/NAME`에 남는 것") == "4-실행-결과로-runsname에-남는-것"
    assert slug("Function: forward on arrays, backward on tensors") == "function-forward-on-arrays-backward-on-tensors"
    assert slug("Saved arrays are freed; `retain_graph` keeps them") == "saved-arrays-are-freed-retain_graph-keeps-them"
