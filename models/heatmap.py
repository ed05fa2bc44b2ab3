"""Attention heatmaps: the (output × source) weight matrix, the way the attention notes draw it.

Source tokens run along the x axis, output tokens down the y axis; cell (i, j) is αᵢⱼ, how much
output step i looked at source token j. Labels in Hangul or other non-Latin scripts need a font
that has their glyphs: :func:`cjk_font` finds one (the set-up script installs Debian's
fonts-nanum), and matplotlib falls back to it for the characters DejaVu Sans lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
    return found


def draw_attention(weights: Sequence[Sequence[float]], source_tokens: Sequence[str],
                   output_tokens: Sequence[str], path: str | Path, title: str | None = None) -> Path:
    """Save the heatmap of ``weights`` (len(output_tokens) rows × len(source_tokens) columns) as an image."""
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    rows, columns = len(weights), len(weights[0]) if weights else 0
    if rows != len(output_tokens) or columns != len(source_tokens):
        raise ValueError(f"heatmap: weights are {rows}×{columns} but there are {len(output_tokens)} output "
                         f"and {len(source_tokens)} source tokens")
    cjk = cjk_font()
    families = ["DejaVu Sans"] + ([cjk] if cjk else [])
    with matplotlib.rc_context({"font.family": families}):
        width = min(2 + 0.38 * columns, 24)
        height = min(1.5 + 0.38 * rows, 24)
        figure, axes = plt.subplots(figsize=(max(width, 4), max(height, 3)))
        image = axes.imshow(weights, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        axes.set_xticks(range(columns), [_label(t) for t in source_tokens], rotation=90)
        axes.set_yticks(range(rows), [_label(t) for t in output_tokens])
        axes.set_xlabel("source")
        axes.set_ylabel("output")
        if title:
            axes.set_title(title, fontsize=9, wrap=True)
        figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="attention weight α")
        figure.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=120)
        plt.close(figure)
    return path


def _label(token: str) -> str:
    return "␣" if token == " " else token
