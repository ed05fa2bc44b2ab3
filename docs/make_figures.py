"""Render the figures that docs/autograd.md and docs/attention.md (and their Korean twins) show.

    .venv/bin/python docs/make_figures.py            # writes docs/figures/*.svg and *.png
    .venv/bin/python docs/make_figures.py --dates-checkpoint runs/demo/best.safetensors   # + the Korean dates heatmap

Every computation graph is drawn by minigrad.viz.draw_graph (or Module.draw, which calls it) from
a graph that minigrad really recorded, and the heatmap by models.heatmap.draw_attention; nothing
is drawn by hand. A figure whose words are English has a ``*_ko`` twin with Korean titles and
labels for the Korean pages. Rendering the graphs needs Graphviz's `dot` (scripts/setup.sh installs it), the
heatmap matplotlib (the `showcase` extra). Run the script again after changing an op or the
drawing code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import minigrad as mg
from minigrad import nn
from minigrad.backward_trace import draw_backward, trace_backward
from minigrad.viz import Drawing, GraphvizNotFoundError, draw_graph
from models.attention import Attention
from models.heatmap import KOREAN_AXIS_LABELS, draw_attention

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "figures"


def expression() -> Drawing:
    """L = tanh(a * b + c), after backward: values, gradients and the dashed way back."""
    a = mg.tensor(2.0, requires_grad=True)
    b = mg.tensor(-3.0, requires_grad=True)
    c = mg.tensor(10.0, requires_grad=True)
    a.name, b.name, c.name = "a", "b", "c"
    loss = (a * b + c).tanh()
    loss.name = "L"
    loss.backward()
    return draw_graph(loss, FIGURES / "expression.svg", show_values=True, show_grads=True)


def broadcasting() -> Drawing:
    """x @ w + b with b of shape (2,) added to a (4, 2) product: no broadcast node in the graph."""
    mg.manual_seed(0)
    x = mg.randn(4, 3)
    w = mg.randn(3, 2, requires_grad=True)
    b = mg.zeros(2, requires_grad=True)
    x.name, w.name, b.name = "x", "w", "b"
    loss = (x @ w + b).sum()
    loss.name = "loss"
    loss.backward()
    return draw_graph(loss, FIGURES / "broadcasting.svg", show_grads=True)


def split() -> Drawing:
    """One Split op with two outputs; the edge labels say which output each tensor is."""
    x = mg.arange(6.0, requires_grad=True)
    x.name = "x"
    first, second = x.split([2, 4])
    first.name, second.name = "first", "second"
    loss = (first * 2.0).sum() + second.mean()
    loss.name = "loss"
    return draw_graph(loss, FIGURES / "split.svg")


def second_order() -> Drawing:
    """dy/dx of y = x³, built with create_graph=True: backward's own ops form a graph."""
    x = mg.tensor(2.0, requires_grad=True)
    x.name = "x"
    y = x**3
    (dy_dx,) = mg.grad(y, x, create_graph=True)
    dy_dx.name = "dy/dx = 3x²"
    return draw_graph(dy_dx, FIGURES / "second_order.svg", show_values=True)


def attention_step() -> Drawing:
    """One attention step (general score) on a batch of 1: 2 queries, 3 source positions."""
    mg.manual_seed(0)
    attention = Attention("general", query_size=4, key_size=4)
    query = mg.randn(1, 2, 4, requires_grad=True)  # (batch, tgt_len, query_size)
    keys = mg.randn(1, 3, 4, requires_grad=True)  # (batch, src_len, key_size)
    query.name, keys.name = "query", "keys (= values)"
    return attention.draw((query, keys), FIGURES / "attention_step.svg")


def notes_heatmap() -> Path:
    """The attention notes' illustrative weights for "I am a student" (not a trained model)."""
    weights = [[0.8, 0.1, 0.1, 0.0],
               [0.1, 0.8, 0.1, 0.0],
               [0.0, 0.0, 0.1, 0.9]]
    return draw_attention(weights, ["I", "am", "a", "student"], ["Je", "suis", "étudiant"],
                          FIGURES / "notes_heatmap.png", title="the notes' example (not a trained model)")


def notes_heatmap_ko() -> Path:
    """notes_heatmap.png with a Korean title and axis labels, for attention.ko.md."""
    weights = [[0.8, 0.1, 0.1, 0.0],
               [0.1, 0.8, 0.1, 0.0],
               [0.0, 0.0, 0.1, 0.9]]
    return draw_attention(weights, ["I", "am", "a", "student"], ["Je", "suis", "étudiant"],
                          FIGURES / "notes_heatmap_ko.png", title="노트의 예시 (학습된 모델이 아님)",
                          axis_labels=KOREAN_AXIS_LABELS)


def bottleneck_ko() -> Path:
    """bottleneck.png redrawn from bottleneck.json (what examples/bottleneck.py measured), in Korean."""
    sys.path.insert(0, str(ROOT / "examples"))
    from bottleneck import ENGLISH, plot  # noqa: PLC0415 - the example draws both pictures

    from models.heatmap import cjk_font  # noqa: PLC0415

    korean = {
        **ENGLISH, "names": {"no attention": "어텐션 없음", "attention (Luong, dot)": "어텐션 있음 (Luong, 내적 dot)"},
        "length": "입력 길이 (기호 수)", "accuracy": "검증 토큰 정확도", "accuracy_title": "입력 길이별 정확도",
        "position": "입력 위치 j", "norm": "‖∂L/∂xⱼ‖ (배치 평균)",
        "init_title": "각 입력에 도달하는 기울기 (초기화 시점)", "share": "‖∂L/∂xⱼ‖ / 최댓값",
        "trained_title": "학습 후의 기울기 (가장 큰 값에 대한 비율)",
    }
    path = FIGURES / "bottleneck_ko.png"
    plot(json.loads((FIGURES / "bottleneck.json").read_text(encoding="utf-8")), path, korean, cjk_font())
    return path


def backward_orders() -> list[Drawing]:
    """The order backward visits the nodes, with dL/d(node) at each: the docs' expression and one LSTM step."""
    drawings = []
    for suffix, expression_title, lstm_title in (
            ("", "L = tanh(a·b + c): the order in which backward visits the nodes",
             "one LSTM step, L = sum(h₁) + sum(c₁): backward's order"),
            ("_ko", "L = tanh(a·b + c): backward가 노드를 방문하는 순서",
             "LSTM 한 단계, L = sum(h₁) + sum(c₁): backward의 방문 순서")):
        a, b, c = (mg.tensor(v, requires_grad=True) for v in (2.0, -3.0, 10.0))
        a.name, b.name, c.name = "a", "b", "c"
        loss = (a * b + c).tanh()
        loss.name = "L"
        drawings.append(draw_backward(loss, trace_backward(loss), FIGURES / f"backward_order{suffix}.svg",
                                      title=expression_title))
        mg.manual_seed(0)
        cell = nn.LSTMCell(3, 2)
        x = mg.randn(1, 3, requires_grad=True)
        h0, c0 = mg.zeros(1, 2, requires_grad=True), mg.zeros(1, 2, requires_grad=True)
        x.name, h0.name, c0.name = "x", "h₀", "c₀"
        h1, c1 = cell(x, (h0, c0))
        h1.name, c1.name = "h₁", "c₁"
        loss = h1.sum() + c1.sum()
        loss.name = "L"
        drawings.append(draw_backward(loss, trace_backward(loss), FIGURES / f"lstm_backward_order{suffix}.svg",
                                      title=lstm_title))
    return drawings


def dates_heatmap_ko(checkpoint: Path) -> Path:
    """dates_heatmap_ko.png with Korean axis labels, for attention.ko.md: the main job's model (a checkpoint
    of ``minigrad-translate train --task dates --size 30000 --epochs 4 --hidden 128``) reading a Korean date."""
    return trained_heatmap_ko(checkpoint, "1994년 9월 27일 화요일", FIGURES / "dates_heatmap_ko_ko.png")


def phrases_heatmap_ko(checkpoint: Path) -> Path:
    """phrases_heatmap.png with Korean axis labels: the model of examples/student_heatmap.py (its run/best.npz)."""
    return trained_heatmap_ko(checkpoint, "i see a red car", FIGURES / "phrases_heatmap_ko.png")


def numbers_heatmap_ko(checkpoint: Path) -> Path:
    """numbers_heatmap.png with Korean axis labels: a checkpoint of ``minigrad-translate train --task numbers
    --epochs 10 --hidden 128 --embed 32 --batch-size 64 --bidirectional --score general --lr 0.003 --no-bucket``."""
    return trained_heatmap_ko(checkpoint, "three hundred and forty five", FIGURES / "numbers_heatmap_ko.png")


def trained_heatmap_ko(checkpoint: Path, sentence: str, path: Path) -> Path:
    """A trained model's attention on ``sentence``, drawn with Korean axis labels."""
    from models.bpe import shown  # noqa: PLC0415
    from models.checkpoint import load_checkpoint  # noqa: PLC0415
    from models.evaluation import translate  # noqa: PLC0415

    loaded = load_checkpoint(checkpoint)
    result = translate(loaded.model, loaded.corpus(), [sentence], "cpu")[0]
    output_tokens = [shown(loaded.target_vocab.tokens[i]) for i in result.ids]  # BPE pieces: spaces as ▁
    if len(result.weights) > len(result.ids):  # the step that said <eos>
        output_tokens.append("<eos>")
    source_tokens = [shown(token) for token in loaded.source_vocab.tokenize(sentence)]
    return draw_attention(result.weights, source_tokens + ["<eos>"], output_tokens,
                          path, title=f"{sentence} → {loaded.target_vocab.decode(result.ids)}",
                          axis_labels=KOREAN_AXIS_LABELS)


def main() -> None:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dates-checkpoint", type=Path,
                        help="also draw the Korean-labelled dates heatmap from this trained checkpoint")
    parser.add_argument("--numbers-checkpoint", type=Path,
                        help="also draw the Korean-labelled numbers heatmap from this trained checkpoint")
    parser.add_argument("--phrases-checkpoint", type=Path,
                        help="also draw the Korean-labelled phrases heatmap (examples/student_heatmap.py's run)")
    args = parser.parse_args()
    FIGURES.mkdir(parents=True, exist_ok=True)
    try:
        drawings = [expression(), broadcasting(), split(), second_order(), attention_step(), *backward_orders()]
    except GraphvizNotFoundError as exc:
        sys.exit(f"make_figures.py: {exc}")
    for drawing in drawings:
        print(f"wrote {drawing.path}")
    for figure in (notes_heatmap(), notes_heatmap_ko(), bottleneck_ko()):
        print(f"wrote {figure}")
    if args.dates_checkpoint is not None:
        print(f"wrote {dates_heatmap_ko(args.dates_checkpoint)}")
    if args.numbers_checkpoint is not None:
        print(f"wrote {numbers_heatmap_ko(args.numbers_checkpoint)}")
    if args.phrases_checkpoint is not None:
        print(f"wrote {phrases_heatmap_ko(args.phrases_checkpoint)}")


if __name__ == "__main__":
    main()
