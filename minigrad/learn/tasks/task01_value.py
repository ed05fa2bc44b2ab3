"""Task 1's grader: forward values, then each op's local backward, called by hand one node at a time."""

from __future__ import annotations

import math
from types import ModuleType

from minigrad.learn.core import AnswerError, Task

MISTAKES = {
    "mul_own_data": (
        "in a * b, a.grad got a.data · out.grad: the derivative of a·b with respect to a is b, so a.grad += "
        "b.data * out.grad (and b.grad += a.data * out.grad)",
        "a * b에서 a.grad에 a.data · out.grad가 더해졌습니다. a·b를 a로 미분하면 b이므로 a.grad += b.data * out.grad "
        "(b.grad += a.data * out.grad)입니다"),
    "no_chain": (
        "{op}: the gradient ignores out.grad; the chain rule multiplies the local derivative by out.grad "
        "(dL/da = dL/dout · dout/da)",
        "{op}: 기울기에 out.grad가 빠졌습니다. 연쇄 법칙은 국소 미분에 out.grad를 곱합니다(dL/da = dL/dout · dout/da)"),
    "tanh_input": (
        "tanh: the derivative is 1 - tanh(a)², the squared *output*; you used 1 - a² (the input)",
        "tanh: 미분은 출력을 제곱한 1 - tanh(a)²입니다. 입력으로 계산한 1 - a²를 썼습니다"),
    "assign": (
        "{op} with the same Value twice gave {got} instead of {want}: add to .grad (+=), do not assign (=); "
        "a value used twice gets both shares",
        "같은 Value를 두 번 쓴 {op}에서 {want} 대신 {got}이(가) 나왔습니다. .grad에 대입(=)하지 말고 더하세요(+=). "
        "두 번 쓰인 값은 두 몫을 모두 받습니다"),
}
MESSAGES = {
    "forward": ("{op} computed {got}, expected {want}", "{op}의 결과가 {got}인데 {want}이어야 합니다"),
    "children": ("{op}: out._prev does not hold the inputs, so backward could not find them: pass "
                 "(self, other) as _children", "{op}: out._prev에 입력이 없어서 backward가 찾아갈 수 없습니다. "
                 "_children으로 (self, other)를 넘기세요"),
    "grad": ("{op}: after out._backward() with out.grad = {g}, {name}.grad is {got}, expected {want}",
             "{op}: out.grad = {g}에서 out._backward()를 부른 뒤 {name}.grad가 {got}인데 {want}이어야 합니다"),
}


def _near(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _backward_once(out, g: float = 1.7) -> None:
    out.grad = g
    out._backward()


def grade(module: ModuleType) -> None:
    value = module.Value
    x, y = 0.8, -1.3
    for op, make, want in (("a + b", lambda a, b: a + b, x + y), ("a * b", lambda a, b: a * b, x * y),
                           ("a.tanh()", lambda a, b: a.tanh(), math.tanh(x))):
        a, b = value(x), value(y)
        out = make(a, b)
        if not _near(out.data, want):
            raise AnswerError("forward", op=op, got=out.data, want=want)
        inputs = {a, b} if op != "a.tanh()" else {a}
        if not inputs <= set(out._prev):
            raise AnswerError("children", op=op)
    g = 1.7
    # a * b: each input gets the other's data times out.grad
    a, b = value(x), value(y)
    out = a * b
    _backward_once(out, g)
    if _near(a.grad, x * g) and not _near(x, y):
        raise AnswerError("mul_own_data")
    if _near(a.grad, y) or _near(b.grad, x):
        raise AnswerError("no_chain", op="a * b")
    for name, got, want in (("a", a.grad, y * g), ("b", b.grad, x * g)):
        if not _near(got, want):
            raise AnswerError("grad", op="a * b", g=g, name=name, got=got, want=want)
    # a + b
    a, b = value(x), value(y)
    _backward_once(a + b, g)
    if _near(a.grad, 1.0):
        raise AnswerError("no_chain", op="a + b")
    for name, got in (("a", a.grad), ("b", b.grad)):
        if not _near(got, g):
            raise AnswerError("grad", op="a + b", g=g, name=name, got=got, want=g)
    # tanh
    a = value(x)
    _backward_once(a.tanh(), g)
    t = math.tanh(x)
    if _near(a.grad, (1 - x * x) * g) or _near(a.grad, 1 - x * x):
        raise AnswerError("tanh_input")
    if _near(a.grad, 1 - t * t):
        raise AnswerError("no_chain", op="a.tanh()")
    if not _near(a.grad, (1 - t * t) * g):
        raise AnswerError("grad", op="a.tanh()", g=g, name="a", got=a.grad, want=(1 - t * t) * g)
    # the same Value on both sides: both shares must arrive
    for op, make, want in (("a * a", lambda a: a * a, 2 * x * g), ("a + a", lambda a: a + a, 2 * g)):
        a = value(x)
        _backward_once(make(a), g)
        if not _near(a.grad, want):
            raise AnswerError("assign", op=op, got=a.grad, want=want)
    # plain numbers on either side
    a = value(x)
    for op, out, want in (("a + 2", a + 2, x + 2), ("3 * a", 3 * a, 3 * x)):
        if not _near(out.data, want):
            raise AnswerError("forward", op=op, got=out.data, want=want)


TASK = Task(
    number=1, name="value",
    title={"en": "a scalar Value", "ko": "스칼라 Value"},
    goal={"en": "+, * and tanh on scalars, each with its backward beside its forward (micrograd's size)",
          "ko": "스칼라의 +, *, tanh를 순전파 바로 옆에 역전파와 함께 쓰기(micrograd 크기)"},
    docs="docs/autograd.md#function-forward-on-arrays-backward-on-tensors",
    notebook="notebooks/01_autograd_internals.py",
    provides=("Value",), mistakes=MISTAKES, messages=MESSAGES, grade=grade)
