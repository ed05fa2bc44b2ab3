"""Attention heatmaps: the (output × source) weight matrix, the way the attention notes draw it.

Source tokens run along the x axis, output tokens down the y axis; cell (i, j) is αᵢⱼ, how much
output step i looked at source token j. Labels in Hangul or other non-Latin scripts need a font
that has their glyphs: :func:`cjk_font` finds one, an installed system font if there is one, else
NanumGothic from the pip package ``koreanize-matplotlib`` (in the ``showcase`` extra; the font is
under the SIL Open Font License), so no system installation is needed on any OS. matplotlib falls
back to it for the characters DejaVu Sans lacks.
"""

from __future__ import annotations

import importlib.util
import textwrap
from collections.abc import Sequence
from pathlib import Path

AXIS_LABELS = ("source", "output", "attention weight α")
KOREAN_AXIS_LABELS = ("입력", "출력", "어텐션 가중치 α")  # the same, for the Korean docs
CJK_FAMILIES = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "Noto Sans CJK JP", "Source Han Sans KR",
                "UnDotum", "Baekmuk Gulim", "WenQuanYi Zen Hei", "Droid Sans Fallback")


def cjk_font() -> str | None:
    """The name of an installed font family with Hangul glyphs, or None."""
    from matplotlib import font_manager  # noqa: PLC0415

    installed = {font.name for font in font_manager.fontManager.ttflist}
    found = next((family for family in CJK_FAMILIES if family in installed), None)
    if found is None:  # installed after matplotlib cached its font list: register the files now
        for path in font_manager.findSystemFonts():
            if any(key in path for key in ("Nanum", "NotoSansCJK", "NotoSansKR", "wqy", "UnDotum")):
                font_manager.fontManager.addfont(path)
        installed = {font.name for font in font_manager.fontManager.ttflist}
        found = next((family for family in CJK_FAMILIES if family in installed), None)
    if found is None and (bundled := pip_font()) is not None:  # no system font: the pip-installed one
        font_manager.fontManager.addfont(str(bundled))
        found = font_manager.FontProperties(fname=str(bundled)).get_name()
    return found


def pip_font() -> Path | None:
    """NanumGothic.ttf as shipped by the ``koreanize-matplotlib`` package, found without importing it
    (importing it would change matplotlib's global settings), or None when it is not installed."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "fonts" / "NanumGothic.ttf"
        if path.is_file():
            return path
    return None


def draw_attention(weights: Sequence[Sequence[float]], source_tokens: Sequence[str],
                   output_tokens: Sequence[str], path: str | Path, title: str | None = None,
                   axis_labels: Sequence[str] = AXIS_LABELS) -> Path:
    """Save the heatmap of ``weights`` (len(output_tokens) rows × len(source_tokens) columns) as an image.

    ``axis_labels`` names the x axis, the y axis and the colour bar (in Korean:
    ``KOREAN_AXIS_LABELS``)."""
    return draw_attention_grid([[weights]], source_tokens, output_tokens, path, title, axis_labels=axis_labels)


def draw_attention_grid(grid: Sequence[Sequence[Sequence[Sequence[float]]]], source_tokens: Sequence[str],
                        output_tokens: Sequence[str], path: str | Path, title: str | None = None,
                        row_label: str = "layer", column_label: str = "head",
                        axis_labels: Sequence[str] = AXIS_LABELS) -> Path:
    """Save several heatmaps side by side: ``grid[r][c]`` is one (output × source) matrix.

    A Transformer's attention, one row of panels per layer and one column per head; a single
    panel (``[[weights]]``) is :func:`draw_attention`.
    """
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    rows, columns = len(output_tokens), len(source_tokens)
    for panel in (weights for row in grid for weights in row):
        if len(panel) != rows or any(len(line) != columns for line in panel):
            raise ValueError(f"heatmap: weights are {len(panel)}×{len(panel[0]) if panel else 0} but there are "
                             f"{rows} output and {columns} source tokens")
    if len(axis_labels) != 3:
        raise ValueError(f"heatmap: axis_labels names the x axis, the y axis and the colour bar: give 3, "
                         f"not {len(axis_labels)}")
    source_label, output_label, bar_label = axis_labels
    cjk = cjk_font()
    families = ["DejaVu Sans"] + ([cjk] if cjk else [])
    many = len(grid) > 1 or len(grid[0]) > 1
    with matplotlib.rc_context({"font.family": families, "text.parse_math": False}):  # "$" is text, not math
        width = min(2 + 0.38 * columns, 24)
        height = min(1.5 + 0.38 * rows, 24)
        figure, axes = plt.subplots(len(grid), len(grid[0]), squeeze=False, sharex=True, sharey=True,
                                    layout="constrained",
                                    figsize=(max(width, 4) * len(grid[0]), max(height, 3) * len(grid)))
        for r, row in enumerate(grid):
            for c, weights in enumerate(row):
                panel = axes[r][c]
                image = panel.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
                panel.set_xticks(range(columns), [_label(t) for t in source_tokens], rotation=90)
                panel.set_yticks(range(rows), [_label(t) for t in output_tokens])
                if r == len(grid) - 1:
                    panel.set_xlabel(source_label)
                if c == 0:
                    panel.set_ylabel(output_label)
                if many:
                    panel.set_title(f"{row_label} {r + 1}, {column_label} {c + 1}", fontsize=9)
        if title:  # wrapped here: matplotlib's own wrap=True reads "$...$" as math whatever parse_math says
            title = textwrap.fill(title, width=max(20, int(figure.get_figwidth() * 11)))
            figure.suptitle(title, fontsize=9) if many else axes[0][0].set_title(title, fontsize=9)
        figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label=bar_label)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=120)
        plt.close(figure)
    return path


def _label(token: str) -> str:
    return "␣" if token == " " else token
