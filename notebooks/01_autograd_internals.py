# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Inside autograd: a graph recorded, then walked back · autograd 속으로: 기록되는 그래프와 거꾸로 걷는 backward
#
# We build one small expression, look at the graph minigrad records while computing it, and then
# watch `backward()` hand each node its gradient, one node after another. Then we check the chain
# rule by hand, write an op of our own, and let `gradcheck` catch a wrong backward.
#
# 작은 식 하나를 계산하면서 minigrad가 기록하는 그래프를 들여다보고, `backward()`가 노드마다
# 차례로 기울기를 건네주는 모습을 지켜봅니다. 그다음 연쇄 법칙을 손으로 확인하고, 연산을 하나
# 직접 만들어 보고, 잘못 짠 backward를 `gradcheck`가 잡아내는 것까지 봅니다.
#
# Run the cells from top to bottom (Graphviz's `dot` draws the graphs; see the README).
# 위에서부터 차례로 실행하세요(그래프는 Graphviz의 `dot`이 그립니다. README 참고).

# %%
import minigrad as mg
from minigrad.backward_trace import draw_backward, trace_backward
from minigrad.viz import draw_graph

# %% [markdown]
# ## A graph is recorded as you compute · 계산하는 동안 그래프가 기록됩니다
#
# Every op on a tensor that requires a gradient leaves a node: the result's `grad_fn` is the op
# (a `Function`), and `grad_fn.inputs` are the tensors it was applied to. Nothing else is stored.
#
# 기울기가 필요한 텐서에 연산을 하면 노드가 하나씩 남습니다. 결과의 `grad_fn`이 그 연산(`Function`)이고,
# `grad_fn.inputs`가 연산에 들어간 텐서들입니다. 저장되는 것은 이것뿐입니다.

# %%
a = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)  # float64, to compare with hand arithmetic
b = mg.tensor(-3.0, dtype=mg.float64, requires_grad=True)
c = mg.tensor(10.0, dtype=mg.float64, requires_grad=True)
a.name, b.name, c.name = "a", "b", "c"
e = a * b
e.name = "e = a·b"
d = e + c
d.name = "d = e + c"
L = d.tanh()
L.name = "L"

print(L.grad_fn, [t.name for t in L.grad_fn.inputs])     # L was made by Tanh, from d
print(d.grad_fn, [t.name for t in d.grad_fn.inputs])     # d by Add, from e and c
print(e.grad_fn, [t.name for t in e.grad_fn.inputs])     # e by Mul, from a and b
print(a.grad_fn)                                         # a is a leaf: nothing made it

# %% [markdown]
# Drawn (ellipses are tensors, boxes are ops): · 그림으로 그리면(타원은 텐서, 사각형은 연산):

# %%
draw_graph(L, show_values=True)

# %% [markdown]
# ## Backward, node by node · 노드 하나씩 따라가는 backward
#
# `trace_backward(L)` runs `L.backward()` with a hook on every tensor of the graph, and notes when
# each one receives its finished gradient ∂L/∂t. Step 1 is L itself (∂L/∂L = 1); a node comes only
# after every node that sends it a gradient; the leaves come last, each with its whole gradient.
#
# `trace_backward(L)`은 그래프의 모든 텐서에 훅을 걸고 `L.backward()`를 실행해서, 각 텐서가 완성된
# 기울기 ∂L/∂t를 받는 순간을 기록합니다. 1단계는 L 자신(∂L/∂L = 1)이고, 어떤 노드든 그 노드에
# 기울기를 보내는 노드들이 모두 끝난 뒤에야 차례가 옵니다. 리프는 마지막에 전체 기울기를 한 번에 받습니다.

# %%
visits = trace_backward(L)
for visit in visits:
    print(f"step {visit.step}: {visit.name:10} ∂L/∂· = {visit.grad.item():+.6f}")
assert [v.name for v in visits][:3] == ["L", "d = e + c", "e = a·b"]

# %%
draw_backward(L, visits, title="the order backward visits the nodes · backward의 방문 순서")

# %% [markdown]
# ## The chain rule, by hand · 연쇄 법칙을 손으로
#
# With d = a·b + c = 4 and L = tanh(d): ∂L/∂d = 1 − tanh²(d). Add passes it on unchanged to e and
# c; Mul multiplies it by the *other* factor: ∂L/∂a = ∂L/∂e · b and ∂L/∂b = ∂L/∂e · a.
#
# d = a·b + c = 4, L = tanh(d)이면 ∂L/∂d = 1 − tanh²(d)입니다. 덧셈은 이 값을 e와 c에 그대로 넘기고,
# 곱셈은 *다른 쪽* 인수를 곱해서 넘깁니다. ∂L/∂a = ∂L/∂e · b, ∂L/∂b = ∂L/∂e · a.

# %%
import math  # noqa: E402

dl_dd = 1 - math.tanh(4.0) ** 2
by_hand = {"c": dl_dd, "a": dl_dd * -3.0, "b": dl_dd * 2.0}
for name, tensor in (("a", a), ("b", b), ("c", c)):
    print(f"{name}: by hand {by_hand[name]:+.6f}, backward {tensor.grad.item():+.6f}")
    assert math.isclose(by_hand[name], tensor.grad.item(), rel_tol=1e-9)

# %% [markdown]
# ## One LSTM step, walked back · LSTM 한 단계를 거꾸로
#
# The same trace on one step of an LSTM cell: the gates split from one matmul, the cell state c₁,
# and h₁ = o · tanh(c₁). Gradients reach the weights and the input x last.
#
# 같은 추적을 LSTM 셀 한 단계에 적용합니다. 행렬곱 하나에서 나뉘는 게이트들, 셀 상태 c₁,
# h₁ = o · tanh(c₁)을 지나 가중치와 입력 x에는 기울기가 마지막에 도착합니다.

# %%
from minigrad import nn  # noqa: E402

mg.manual_seed(0)
cell = nn.LSTMCell(3, 2)
x = mg.randn(1, 3, requires_grad=True)
h0, c0 = mg.zeros(1, 2, requires_grad=True), mg.zeros(1, 2, requires_grad=True)
x.name, h0.name, c0.name = "x", "h₀", "c₀"
h1, c1 = cell(x, (h0, c0))
h1.name, c1.name = "h₁", "c₁"
lstm_loss = h1.sum() + c1.sum()
lstm_loss.name = "L"
lstm_visits = trace_backward(lstm_loss)
print(" → ".join(v.name for v in lstm_visits))
print("x gets its gradient at step", next(v.step for v in lstm_visits if v.name == "x"), "of", len(lstm_visits))

# %%
draw_backward(lstm_loss, lstm_visits, title="one LSTM step · LSTM 한 단계")

# %% [markdown]
# ## An op of your own, and gradcheck · 직접 만드는 연산과 gradcheck
#
# A `Function` has a `forward` on raw arrays and a `backward` on tensors. `gradcheck` compares the
# backward with central differences (f(x + ε) − f(x − ε)) / 2ε in float64 and raises if they differ.
#
# `Function`에는 배열을 다루는 `forward`와 텐서를 다루는 `backward`가 있습니다. `gradcheck`는 float64에서
# backward를 중심 차분 (f(x + ε) − f(x − ε)) / 2ε과 비교하고, 다르면 오류를 냅니다.

# %%
class Cube(mg.Function):
    """y = x³, dy/dx = 3x²."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x ** 2


class WrongCube(Cube):
    """The same forward with a wrong backward (2x² instead of 3x²). 잘못된 backward."""

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 2 * x ** 2


x = mg.randn(4, dtype=mg.float64, requires_grad=True)
print("Cube:", mg.gradcheck(Cube.apply, [x]))
try:
    mg.gradcheck(WrongCube.apply, [x])
    caught = None
except mg.GradcheckError as error:
    caught = error
print("WrongCube:", str(caught).splitlines()[0])
assert caught is not None

# %% [markdown]
# ## Exercise · 연습 문제
#
# For L = σ(w·x + b), write `sigmoid_grads(w, x, b)` that returns (∂L/∂w, ∂L/∂x, ∂L/∂b) **by hand**
# (no minigrad), using σ'(z) = σ(z)(1 − σ(z)). `check_sigmoid_grads` compares it with backward at
# points you have not seen. Try it before you read the solution below.
#
# L = σ(w·x + b)에 대해 (∂L/∂w, ∂L/∂x, ∂L/∂b)를 **손으로**(minigrad 없이) 계산하는
# `sigmoid_grads(w, x, b)`를 작성하세요. σ'(z) = σ(z)(1 − σ(z))를 쓰면 됩니다. `check_sigmoid_grads`가
# 처음 보는 점들에서 backward와 비교합니다. 아래 풀이를 보기 전에 먼저 풀어 보세요.

# %%
from exercises import check_sigmoid_grads, sigmoid  # noqa: E402


def sigmoid_grads(w, x, b):
    # solution · 풀이: dL/dz = σ(z)(1 − σ(z)), then z = w·x + b gives x, w and 1
    s = sigmoid(w * x + b)
    dz = s * (1 - s)
    return dz * x, dz * w, dz


print(check_sigmoid_grads(sigmoid_grads))
