"""The op set, specified twice over: every op's backward agrees with central differences
(``mg.gradcheck``), and its values and gradients agree with torch (float64, on the CPU).

The tables below are the op set. Each row is one op: a name, the minigrad call, the torch call
that means the same, the input shapes to try (broadcasting included), and how each input is
drawn. Inputs are drawn away from the op's kinks (ties, clip ends, log of a non-positive), where
central differences see a one-sided derivative; what happens at the kinks is specified by the
tests after the tables, together with dropout and how Python numbers meet tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it

import minigrad as mg
import minigrad.functional as F

# --- how inputs are drawn (host arrays; float arrays become tensors that require grad) ---------


def normal(shape, rng):
    return rng.standard_normal(shape)


def positive(shape, rng):
    """In [0.5, 2]: safe for log, sqrt, and fractional or negative powers."""
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(shape, rng):
    """|x| in [0.3, 2]: safe for division, and away from the kink of abs and relu."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)


def distinct(shape, rng):
    """Values at least 0.3 apart, so that max and min have no ties."""
    size = int(np.prod(shape))
    return ((rng.permutation(size) - size / 2) * 0.5 + rng.uniform(-0.1, 0.1, size)).reshape(shape)


def grid(offset):
    """Integers in [-3, 3] plus ``offset``: inputs drawn with offsets 0.25 and 0.75 never tie."""

    def draw(shape, rng):
        return rng.integers(-3, 4, shape) + offset

    return draw


def mask(shape, rng):
    return rng.random(shape) < 0.5


def rows(count):
    """Row indices into a table of ``count`` rows; the first index repeats wherever there is room."""

    def draw(shape, rng):
        indices = np.asarray(rng.integers(0, count, shape))
        if indices.size > 1:
            indices.flat[1] = indices.flat[0]
        return indices

    return draw


@dataclass(frozen=True)
class Op:
    name: str
    minigrad: Callable[..., Any]
    torch: Callable[..., Any]
    shapes: list  # the shapes to try: a shape per entry for one input, else a tuple of shapes
    inputs: tuple = (normal,)  # how each input is drawn

    def shape_sets(self) -> list[tuple]:
        return [(shape,) for shape in self.shapes] if len(self.inputs) == 1 else list(self.shapes)


UNARY = [(), (5,), (3, 4), (2, 3, 2)]
BINARY = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((3, 1), ()), ((), ())]

# --- the tables -------------------------------------------------------------------------------

ELEMENTWISE = [
    Op("add", F.add, torch.add, BINARY, (normal, normal)),
    Op("sub", F.sub, torch.sub, BINARY, (normal, normal)),
    Op("mul", F.mul, torch.mul, BINARY, (normal, normal)),
    Op("div", F.div, torch.div, BINARY, (normal, away_from_zero)),
    Op("pow, tensor exponent", F.pow, torch.pow, BINARY, (positive, normal)),
    Op("maximum", F.maximum, torch.maximum, BINARY, (grid(0.25), grid(0.75))),
    Op("minimum", F.minimum, torch.minimum, BINARY, (grid(0.25), grid(0.75))),
    Op("pow(x, 3)", lambda x: F.pow(x, 3), lambda x: torch.pow(x, 3), UNARY),
    Op("pow(x, 0.5)", lambda x: F.pow(x, 0.5), lambda x: torch.pow(x, 0.5), UNARY, (positive,)),
    Op("pow(x, -1.5)", lambda x: F.pow(x, -1.5), lambda x: torch.pow(x, -1.5), UNARY, (positive,)),
    Op("neg", F.neg, torch.neg, UNARY),
    Op("exp", F.exp, torch.exp, UNARY),
    Op("log", F.log, torch.log, UNARY, (positive,)),
    Op("sqrt", F.sqrt, torch.sqrt, UNARY, (positive,)),
    Op("tanh", F.tanh, torch.tanh, UNARY),
    Op("sigmoid", F.sigmoid, torch.sigmoid, UNARY),
    Op("relu", F.relu, torch.relu, UNARY, (away_from_zero,)),
    Op("abs", F.abs, torch.abs, UNARY, (away_from_zero,)),
    Op("clip(-1, 1)", lambda x: F.clip(x, -1.0, 1.0), lambda x: torch.clamp(x, -1.0, 1.0), UNARY, (grid(0.5),)),
    Op("clip(min=-1)", lambda x: F.clip(x, min=-1.0), lambda x: torch.clamp(x, min=-1.0), UNARY, (grid(0.5),)),
    Op("clip(max=1)", lambda x: F.clip(x, max=1.0), lambda x: torch.clamp(x, max=1.0), UNARY, (grid(0.5),)),
]

# Operators, and Python numbers on either side (they go in as weak scalars or lifted tensors).
OPERATORS = [
    Op("x + y", lambda x, y: x + y, lambda x, y: x + y, BINARY, (normal, normal)),
    Op("x - y", lambda x, y: x - y, lambda x, y: x - y, BINARY, (normal, normal)),
    Op("x * y", lambda x, y: x * y, lambda x, y: x * y, BINARY, (normal, normal)),
    Op("x / y", lambda x, y: x / y, lambda x, y: x / y, BINARY, (normal, away_from_zero)),
    Op("x ** y", lambda x, y: x**y, lambda x, y: x**y, BINARY, (positive, normal)),
    Op("-x", lambda x: -x, lambda x: -x, UNARY),
    Op("x + 2.0", lambda x: x + 2.0, lambda x: x + 2.0, UNARY),
    Op("2.0 + x", lambda x: 2.0 + x, lambda x: 2.0 + x, UNARY),
    Op("x - 0.5", lambda x: x - 0.5, lambda x: x - 0.5, UNARY),
    Op("2.0 - x", lambda x: 2.0 - x, lambda x: 2.0 - x, UNARY),
    Op("x * 3", lambda x: x * 3, lambda x: x * 3, UNARY),
    Op("-1.5 * x", lambda x: -1.5 * x, lambda x: -1.5 * x, UNARY),
    Op("x / 4.0", lambda x: x / 4.0, lambda x: x / 4.0, UNARY),
    Op("1.5 / x", lambda x: 1.5 / x, lambda x: 1.5 / x, UNARY, (away_from_zero,)),
    Op("x ** 2", lambda x: x**2, lambda x: x**2, UNARY),
    Op("2 ** x", lambda x: 2**x, lambda x: 2**x, UNARY),
    Op("1.5 ** x", lambda x: 1.5**x, lambda x: 1.5**x, UNARY),
    Op("maximum(x, 0.1)", lambda x: F.maximum(x, 0.1), lambda x: torch.clamp(x, min=0.1), UNARY, (grid(0.5),)),
    Op("minimum(0.1, x)", lambda x: F.minimum(0.1, x), lambda x: torch.clamp(x, max=0.1), UNARY, (grid(0.5),)),
]

MATMUL = [
    Op("matmul", F.matmul, torch.matmul, [
        ((4,), (4,)),               # 1-D · 1-D: a scalar
        ((4,), (4, 3)),             # 1-D · 2-D
        ((3, 4), (4,)),             # 2-D · 1-D
        ((3, 4), (4, 2)),           # 2-D
        ((2, 3, 4), (2, 4, 2)),     # batched
        ((2, 1, 3, 4), (5, 4, 2)),  # batched, batch axes broadcast
        ((2, 3, 4), (4,)),          # batched · 1-D
        ((4,), (2, 4, 3)),          # 1-D · batched
    ], (normal, normal)),
    Op("x @ y", lambda x, y: x @ y, lambda x, y: x @ y, [((4,), (4,)), ((3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 2))],
       (normal, normal)),
]


def _all_axes(x: torch.Tensor, axis: Any) -> Any:
    return tuple(range(x.ndim)) if axis is None else axis


def reduction(name: str, ours: Callable, theirs: Callable, axis: Any, keepdims: bool, shapes: list,
              draw: Callable) -> Op:
    return Op(f"{name}(axis={axis}, keepdims={keepdims})",
              lambda x: ours(x, axis=axis, keepdims=keepdims),
              lambda x: theirs(x, dim=_all_axes(x, axis), keepdim=keepdims),
              shapes, (draw,))


REDUCED_AXES = [  # axis, and shapes that have it
    (None, [(), (5,), (3, 4), (2, 3, 2)]),
    (0, [(), (5,), (3, 4), (2, 3, 4)]),  # axis 0 of a 0-d tensor is the tensor itself
    (-1, [(5,), (3, 4), (2, 3, 4)]),
    ((0, -1), [(3, 4), (2, 3, 4), (2, 1, 3, 2)]),
]
REDUCTIONS = [
    reduction(name, ours, theirs, axis, keepdims, shapes, draw)
    for name, ours, theirs, draw in [
        ("sum", F.sum, torch.sum, normal),
        ("mean", F.mean, torch.mean, normal),
        ("amax", F.amax, torch.amax, distinct),  # ties: see test_max_and_min_share_the_gradient_among_ties
        ("amin", F.amin, torch.amin, distinct),
        ("logsumexp", F.logsumexp, torch.logsumexp, normal),
    ]
    for axis, shapes in REDUCED_AXES
    for keepdims in (False, True)
]

SOFTMAX = [
    Op("softmax(axis=-1)", lambda x: F.softmax(x, axis=-1), lambda x: torch.softmax(x, -1), [(5,), (3, 4), (2, 3, 4)]),
    Op("softmax(axis=0)", lambda x: F.softmax(x, axis=0), lambda x: torch.softmax(x, 0), [(5,), (3, 4), (2, 3, 4)]),
    Op("softmax(axis=1)", lambda x: F.softmax(x, axis=1), lambda x: torch.softmax(x, 1),
       [(3, 4), (2, 3, 4), (2, 3, 1)]),
    Op("log_softmax(axis=-1)", lambda x: F.log_softmax(x, axis=-1), lambda x: torch.log_softmax(x, -1),
       [(5,), (3, 4), (2, 3, 4)]),
    Op("log_softmax(axis=0)", lambda x: F.log_softmax(x, axis=0), lambda x: torch.log_softmax(x, 0),
       [(5,), (3, 4), (2, 3, 4)]),
    Op("log_softmax(axis=1)", lambda x: F.log_softmax(x, axis=1), lambda x: torch.log_softmax(x, 1),
       [(3, 4), (2, 3, 4), (2, 3, 1)]),
]


def _reversed_axes(x: torch.Tensor) -> torch.Tensor:
    return x.permute(*reversed(range(x.ndim)))


SHAPES = [
    Op("reshape(-1)", lambda x: x.reshape(-1), lambda x: x.reshape(-1), [(), (3, 4), (2, 3, 4)]),
    Op("reshape(2, -1)", lambda x: x.reshape(2, -1), lambda x: x.reshape(2, -1), [(4,), (2, 3), (3, 2, 2)]),
    Op("reshape((3, 1, 2))", lambda x: F.reshape(x, (3, 1, 2)), lambda x: x.reshape(3, 1, 2),
       [(6,), (2, 3), (3, 2, 1)]),
    Op("transpose(0, 1)", lambda x: x.transpose(0, 1), lambda x: x.transpose(0, 1), [(3, 4), (2, 3, 4), (1, 2)]),
    Op("transpose(-1, 1)", lambda x: x.transpose(-1, 1), lambda x: x.transpose(-1, 1), [(3, 4), (2, 3, 4), (2, 1, 3)]),
    Op("t()", lambda x: x.t(), lambda x: x.t(), [(), (5,), (3, 4)]),
    Op("x.T", lambda x: x.T, _reversed_axes, [(5,), (3, 4), (2, 3, 4)]),
    Op("permute(2, 0, 1)", lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1),
       [(2, 3, 4), (1, 3, 2), (4, 1, 1)]),
    Op("permute(-1, 0)", lambda x: x.permute(-1, 0), lambda x: x.permute(-1, 0), [(3, 4), (1, 2), (4, 1)]),
    Op("swapaxes(0, -1)", lambda x: x.swapaxes(0, -1), lambda x: x.swapaxes(0, -1), [(5,), (3, 4), (2, 3, 4)]),
    Op("x.mT", lambda x: x.mT, lambda x: x.mT, [(3, 4), (2, 3, 4), (2, 1, 3, 4)]),
    Op("broadcast_to((2, 3, 4))", lambda x: x.broadcast_to((2, 3, 4)), lambda x: x.broadcast_to((2, 3, 4)),
       [(), (4,), (3, 1), (2, 1, 4)]),
    Op("expand(3, -1)", lambda x: x.expand(3, -1), lambda x: x.expand(3, -1), [(4,), (1, 4), (3, 2)]),
    Op("squeeze()", lambda x: x.squeeze(), lambda x: x.squeeze(), [(1, 3), (3, 1, 4), (1, 1, 1)]),
    Op("squeeze(1)", lambda x: x.squeeze(1), lambda x: x.squeeze(1), [(3, 1), (2, 1, 4), (1, 1, 1)]),
    Op("squeeze((0, -1))", lambda x: F.squeeze(x, (0, -1)), lambda x: x.squeeze((0, -1)),
       [(1, 3, 1), (1, 1), (1, 2, 2, 1)]),
    Op("unsqueeze(0)", lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0), [(), (3,), (3, 4)]),
    Op("unsqueeze(-1)", lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1), [(), (3,), (3, 4)]),
    Op("unsqueeze(1)", lambda x: x.unsqueeze(1), lambda x: x.unsqueeze(1), [(3,), (3, 4), (2, 3, 4)]),
    Op("concat(axis=0)", lambda *xs: F.concat(xs, axis=0), lambda *xs: torch.cat(xs, 0),
       [((3,), (2,), (1,)), ((1, 4), (2, 4), (3, 4)), ((2, 2, 2), (1, 2, 2), (1, 2, 2))], (normal, normal, normal)),
    Op("concat(axis=-1)", lambda *xs: F.concat(xs, axis=-1), lambda *xs: torch.cat(xs, -1),
       [((1,), (2,), (3,)), ((2, 1), (2, 3), (2, 2)), ((3, 2, 4), (3, 2, 1), (3, 2, 2))], (normal, normal, normal)),
    Op("stack(axis=0)", lambda *xs: F.stack(xs, axis=0), lambda *xs: torch.stack(xs, 0),
       [((),) * 3, ((3,),) * 3, ((2, 3),) * 3], (normal, normal, normal)),
    Op("stack(axis=-1)", lambda *xs: F.stack(xs, axis=-1), lambda *xs: torch.stack(xs, -1),
       [((),) * 2, ((3,),) * 2, ((2, 3),) * 2], (normal, normal)),
    Op("split(2, axis=1)", lambda x: F.split(x, 2, axis=1), lambda x: torch.split(x, 2, 1),
       [(3, 5), (2, 4, 2), (1, 3)]),
    Op("split([1, 3])", lambda x: F.split(x, [1, 3]), lambda x: torch.split(x, [1, 3]), [(4,), (4, 2), (4, 1, 3)]),
    Op("chunk(3, axis=-1)", lambda x: x.chunk(3, axis=-1), lambda x: x.chunk(3, -1), [(5,), (2, 6), (2, 3, 4)]),
]


def _for_torch(index: Any) -> Any:
    """The same index for torch: NumPy arrays become torch tensors."""
    if isinstance(index, tuple):
        return tuple(_for_torch(part) for part in index)
    return torch.from_numpy(index) if isinstance(index, np.ndarray) else index


def getitem(label: str, index: Any, shapes: list) -> Op:
    return Op(f"x[{label}]", lambda x: x[index], lambda x: x[_for_torch(index)], shapes)


MASK_3x4 = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])

INDEXING = [
    getitem("1", 1, [(3,), (3, 4), (2, 3, 4)]),
    getitem("-1", -1, [(3,), (3, 4), (2, 3, 4)]),
    getitem("1:3", slice(1, 3), [(4,), (4, 3), (3, 2, 2)]),
    getitem("::2", slice(None, None, 2), [(5,), (4, 3), (3, 2, 2)]),
    Op("x[::-1]", lambda x: x[::-1], lambda x: x.flip(0), [(5,), (4, 3), (3, 2, 2)]),
    getitem(":, 1:", (slice(None), slice(1, None)), [(3, 4), (2, 3, 4), (1, 2)]),
    getitem("1, :2", (1, slice(None, 2)), [(3, 4), (2, 3, 4), (2, 2)]),
    getitem("None", None, [(), (3,), (3, 4)]),
    getitem(":, None", (slice(None), None), [(3,), (3, 4), (2, 3, 4)]),
    getitem("..., 0", (Ellipsis, 0), [(3,), (3, 4), (2, 3, 4)]),
    getitem("0, ..., None", (0, Ellipsis, None), [(3,), (3, 4), (2, 3, 4)]),
    getitem("[0, 2, 0]", np.array([0, 2, 0]), [(3,), (3, 4), (4, 2, 2)]),
    getitem("[-1, 0, -1]", np.array([-1, 0, -1]), [(3,), (3, 4), (4, 2, 2)]),
    getitem("[[0, 1], [1, 1]]", np.array([[0, 1], [1, 1]]), [(2,), (2, 3), (3, 2, 2)]),
    getitem(":, [1, 1, 0]", (slice(None), np.array([1, 1, 0])), [(2, 3), (3, 2, 2), (1, 2)]),
    getitem("[0, 1, 1], [2, 0, 2]", (np.array([0, 1, 1]), np.array([2, 0, 2])), [(2, 3), (3, 3), (2, 3, 2)]),
    getitem("..., [0, 3, 3]", (Ellipsis, np.array([0, 3, 3])), [(4,), (3, 4), (2, 2, 4)]),
    getitem("None, [1, 1]", (None, np.array([1, 1])), [(2,), (3, 2), (2, 2, 2)]),
    Op("x[list [0, 0, 1]]", lambda x: x[[0, 0, 1]], lambda x: x[[0, 0, 1]], [(2,), (3, 4), (2, 2, 2)]),
    Op("x[int tensor [2, 0, 2]]", lambda x: x[mg.tensor([2, 0, 2])], lambda x: x[torch.tensor([2, 0, 2])],
       [(3,), (3, 4), (4, 2, 2)]),
    getitem("[True, False, True]", np.array([True, False, True]), [(3,), (3, 4), (3, 2, 2)]),
    getitem("3x4 mask", MASK_3x4, [(3, 4), (3, 4, 2), (3, 4, 1)]),
    getitem(":, [True, False, True, True]", (slice(None), np.array([True, False, True, True])),
            [(3, 4), (2, 4), (1, 4, 2)]),
]

SELECTION = [
    Op("where", F.where, torch.where, [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (1, 4)), ((2, 3), (), (2, 3))],
       (mask, normal, normal)),
    Op("where(c, x, 0.0)", lambda c, x: F.where(c, x, 0.0), lambda c, x: torch.where(c, x, 0.0),
       [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3))], (mask, normal)),
    Op("masked_fill(x, m, -2.0)", lambda x, m: x.masked_fill(m, -2.0), lambda x, m: x.masked_fill(m, -2.0),
       [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1))], (normal, mask)),
    Op("embedding", F.embedding, torch.nn.functional.embedding,
       [((5,), (4, 3)), ((2, 3), (4, 2)), ((), (4, 3)), ((3, 4), (4, 1))], (rows(4), normal)),
]

# --- the torch-shaped rest of the op set (issue 12) ---------------------------------------------


def inside_unit(shape, rng):
    """In [-0.9, 0.9]: the domain of asin and acos, away from its ends."""
    return rng.uniform(-0.9, 0.9, shape)


def moderate(shape, rng):
    """In [-1.2, 1.2]: tan away from its poles at ±π/2."""
    return rng.uniform(-1.2, 1.2, shape)


def probability(shape, rng):
    """In [0.05, 0.95]: probabilities away from 0 and 1."""
    return rng.uniform(0.05, 0.95, shape)


TF = torch.nn.functional
MF = mg.nn.functional  # torch's F, minigrad's

POINTWISE = [
    Op("sin", mg.sin, torch.sin, UNARY),
    Op("cos", mg.cos, torch.cos, UNARY),
    Op("tan", mg.tan, torch.tan, UNARY, (moderate,)),
    Op("asin", mg.asin, torch.asin, UNARY, (inside_unit,)),
    Op("acos", mg.acos, torch.acos, UNARY, (inside_unit,)),
    Op("atan", mg.atan, torch.atan, UNARY),
    Op("sinh", mg.sinh, torch.sinh, UNARY),
    Op("cosh", mg.cosh, torch.cosh, UNARY),
    Op("log1p", mg.log1p, torch.log1p, UNARY, (positive,)),
    Op("expm1", mg.expm1, torch.expm1, UNARY),
    Op("log2", mg.log2, torch.log2, UNARY, (positive,)),
    Op("log10", mg.log10, torch.log10, UNARY, (positive,)),
    Op("exp2", mg.exp2, torch.exp2, UNARY),
    Op("rsqrt", mg.rsqrt, torch.rsqrt, UNARY, (positive,)),
    Op("square", mg.square, torch.square, UNARY),
    Op("reciprocal", mg.reciprocal, torch.reciprocal, UNARY, (away_from_zero,)),
    Op("erf", mg.erf, torch.erf, UNARY),
    Op("sign", mg.sign, torch.sign, UNARY, (away_from_zero,)),
    Op("floor", mg.floor, torch.floor, UNARY, (grid(0.5),)),
    Op("ceil", mg.ceil, torch.ceil, UNARY, (grid(0.5),)),
    Op("round", mg.round, torch.round, UNARY, (grid(0.25),)),
    Op("trunc", mg.trunc, torch.trunc, UNARY, (grid(0.5),)),
    Op("remainder", mg.remainder, torch.remainder, BINARY, (normal, away_from_zero)),
    Op("x % 0.7", lambda x: x % 0.7, lambda x: x % 0.7, UNARY),
    Op("2.5 % x", lambda x: 2.5 % x, lambda x: torch.remainder(torch.full_like(x, 2.5), x), UNARY, (away_from_zero,)),
    Op("softplus", MF.softplus, TF.softplus, UNARY),
    Op("softplus(beta=2, threshold=1)", lambda x: MF.softplus(x, 2.0, 1.0), lambda x: TF.softplus(x, 2.0, 1.0),
       UNARY, (away_from_zero,)),
    Op("logsigmoid", MF.logsigmoid, TF.logsigmoid, UNARY),
    Op("leaky_relu", MF.leaky_relu, TF.leaky_relu, UNARY, (away_from_zero,)),
    Op("leaky_relu(0.2)", lambda x: MF.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2),
       UNARY, (away_from_zero,)),
    Op("elu", MF.elu, TF.elu, UNARY, (away_from_zero,)),
    Op("gelu", MF.gelu, TF.gelu, UNARY),
    Op("gelu(tanh)", lambda x: MF.gelu(x, approximate="tanh"),
       lambda x: TF.gelu(x, approximate="tanh"), UNARY),
    Op("silu", MF.silu, TF.silu, UNARY),
    Op("softsign", MF.softsign, TF.softsign, UNARY),
    Op("hardtanh", MF.hardtanh, TF.hardtanh, UNARY, (grid(0.5),)),
]

MORE_REDUCTIONS = [
    Op("prod()", lambda x: x.prod(), torch.prod, [(), (5,), (3, 4), (2, 3, 2)]),
    Op("prod(dim=1)", lambda x: x.prod(dim=1), lambda x: x.prod(dim=1), [(3, 4), (2, 3, 2), (1, 1)]),
    Op("prod(-1, keepdim=True)", lambda x: x.prod(-1, keepdim=True), lambda x: x.prod(-1, keepdim=True),
       [(5,), (3, 4), (2, 3, 2)]),
    Op("var()", lambda x: x.var(), torch.var, [(5,), (3, 4), (2, 3, 2)]),
    Op("var(dim=1)", lambda x: x.var(dim=1), lambda x: x.var(dim=1), [(3, 4), (2, 3, 2), (4, 2)]),
    Op("var(0, unbiased=False)", lambda x: x.var(0, unbiased=False), lambda x: x.var(0, unbiased=False),
       [(5,), (3, 4), (2, 3, 2)]),
    Op("var(dim=(0, -1), correction=0, keepdim)", lambda x: x.var(dim=(0, -1), correction=0, keepdim=True),
       lambda x: x.var(dim=(0, -1), correction=0, keepdim=True), [(3, 4), (2, 3, 2), (2, 1, 3)]),
    Op("std()", lambda x: x.std(), torch.std, [(5,), (3, 4), (2, 3, 2)]),
    Op("std(dim=-1, keepdim)", lambda x: x.std(dim=-1, keepdim=True), lambda x: x.std(dim=-1, keepdim=True),
       [(5,), (3, 4), (2, 3, 2)]),
    Op("norm()", lambda x: x.norm(), torch.norm, [(5,), (3, 4), (2, 3, 2)]),
    Op("norm(dim=1)", lambda x: x.norm(dim=1), lambda x: x.norm(dim=1), [(3, 4), (2, 3, 2), (4, 1)]),
    Op("norm(p=1, dim=-1)", lambda x: x.norm(p=1, dim=-1), lambda x: x.norm(p=1, dim=-1),
       [(5,), (3, 4), (2, 3, 2)], (away_from_zero,)),
    Op("norm(p=inf)", lambda x: x.norm(p=float("inf")), lambda x: x.norm(p=float("inf")),
       [(5,), (3, 4), (2, 3, 2)], (distinct,)),
    Op("norm(p=3, dim=0, keepdim)", lambda x: x.norm(p=3, dim=0, keepdim=True),
       lambda x: x.norm(p=3, dim=0, keepdim=True), [(5,), (3, 4), (2, 3, 2)], (away_from_zero,)),
    Op("cumsum(dim=0)", lambda x: x.cumsum(dim=0), lambda x: x.cumsum(dim=0), [(5,), (3, 4), (2, 3, 2)]),
    Op("cumsum(-1)", lambda x: x.cumsum(-1), lambda x: x.cumsum(-1), [(5,), (3, 4), (2, 3, 2)]),
    Op("diff()", lambda x: x.diff(), torch.diff, [(5,), (3, 4), (2, 3, 2)]),
    Op("diff(n=2, dim=0)", lambda x: x.diff(n=2, dim=0), lambda x: x.diff(n=2, dim=0), [(5,), (3, 4), (4, 3, 2)]),
    Op("max(dim=1).values", lambda x: x.max(dim=1).values, lambda x: x.max(dim=1).values,
       [(3, 4), (2, 3, 2), (1, 5)], (distinct,)),
    Op("min(0, keepdim=True)[0]", lambda x: x.min(0, keepdim=True)[0], lambda x: x.min(0, keepdim=True)[0],
       [(5,), (3, 4), (2, 3, 2)], (distinct,)),
    Op("sum(dim=(0, 1), keepdim=True)", lambda x: x.sum(dim=(0, 1), keepdim=True),
       lambda x: x.sum(dim=(0, 1), keepdim=True), [(3, 4), (2, 3, 2), (1, 1, 3)]),
    Op("mean(dim=-1)", lambda x: x.mean(dim=-1), lambda x: x.mean(dim=-1), [(5,), (3, 4), (2, 3, 2)]),
    Op("logsumexp(dim=1)", lambda x: x.logsumexp(dim=1), lambda x: x.logsumexp(dim=1), [(3, 4), (2, 3, 2), (4, 1)]),
    Op("softmax(dim=0)", lambda x: x.softmax(dim=0), lambda x: x.softmax(dim=0), [(5,), (3, 4), (2, 3, 2)]),
]

ARRANGEMENTS = [
    Op("flatten()", lambda x: x.flatten(), torch.flatten, [(), (3, 4), (2, 3, 2)]),
    Op("flatten(1)", lambda x: x.flatten(1), lambda x: x.flatten(1), [(3, 4), (2, 3, 2), (2, 1, 3, 2)]),
    Op("flatten(0, 1)", lambda x: x.flatten(0, 1), lambda x: x.flatten(0, 1), [(3, 4), (2, 3, 2), (1, 1)]),
    Op("ravel()", lambda x: x.ravel(), torch.ravel, [(), (3, 4), (2, 3, 2)]),
    Op("unflatten(-1, (2, -1))", lambda x: x.unflatten(-1, (2, -1)), lambda x: x.unflatten(-1, (2, -1)),
       [(4,), (3, 4), (2, 3, 6)]),
    Op("clone()", lambda x: x.clone(), torch.clone, UNARY),
    Op("repeat(2, 3)", lambda x: x.repeat(2, 3), lambda x: x.repeat(2, 3), [(), (4,), (3, 1), (2, 3)]),
    Op("repeat(2, 1, 2)", lambda x: x.repeat(2, 1, 2), lambda x: x.repeat(2, 1, 2), [(3,), (3, 2), (2, 1, 3)]),
    Op("tile((2,))", lambda x: x.tile((2,)), lambda x: x.tile((2,)), [(3,), (3, 2), (2, 1, 3)]),
    Op("flip(0)", lambda x: x.flip(0), lambda x: x.flip(0), [(5,), (3, 4), (2, 3, 2)]),
    Op("flip(0, -1)", lambda x: x.flip(0, -1), lambda x: x.flip(0, -1), [(3, 4), (2, 3, 2), (1, 3)]),
    Op("roll(1, 0)", lambda x: x.roll(1, 0), lambda x: x.roll(1, 0), [(5,), (3, 4), (2, 3, 2)]),
    Op("roll((1, -2), (0, 1))", lambda x: x.roll((1, -2), (0, 1)), lambda x: x.roll((1, -2), (0, 1)),
       [(3, 4), (2, 3, 2), (4, 1)]),
    Op("roll(3)", lambda x: x.roll(3), lambda x: x.roll(3), [(5,), (3, 4), (2, 3, 2)]),
    Op("tril()", lambda x: x.tril(), torch.tril, [(3, 4), (4, 3), (2, 3, 3)]),
    Op("triu(1)", lambda x: x.triu(1), lambda x: x.triu(1), [(3, 4), (4, 3), (2, 3, 3)]),
    Op("tril(-1)", lambda x: x.tril(-1), lambda x: x.tril(-1), [(3, 4), (4, 3), (2, 3, 3)]),
    Op("pad((1, 2))", lambda x: MF.pad(x, (1, 2)), lambda x: TF.pad(x, (1, 2)), [(3,), (3, 4), (2, 3, 2)]),
    Op("pad((0, 1, 2, 0), value=0.5)", lambda x: MF.pad(x, (0, 1, 2, 0), value=0.5),
       lambda x: TF.pad(x, (0, 1, 2, 0), value=0.5), [(3, 4), (2, 3, 2), (1, 1)]),
    Op("outer", mg.outer, torch.outer, [((3,), (4,)), ((1,), (2,)), ((4,), (1,))], (normal, normal)),
    Op("einsum('ij,jk->ik')", lambda x, y: mg.einsum("ij,jk->ik", x, y), lambda x, y: torch.einsum("ij,jk->ik", x, y),
       [((3, 4), (4, 2)), ((1, 3), (3, 1)), ((2, 2), (2, 5))], (normal, normal)),
    Op("einsum('bij,bkj->bik')", lambda x, y: mg.einsum("bij,bkj->bik", x, y),
       lambda x, y: torch.einsum("bij,bkj->bik", x, y), [((2, 3, 4), (2, 5, 4)), ((1, 2, 2), (1, 2, 2)),
                                                          ((3, 1, 2), (3, 4, 2))], (normal, normal)),
    Op("einsum('ij,j->i')", lambda x, y: mg.einsum("ij,j->i", x, y), lambda x, y: torch.einsum("ij,j->i", x, y),
       [((3, 4), (4,)), ((1, 2), (2,)), ((2, 1), (1,))], (normal, normal)),
    Op("einsum('ij,kl')", lambda x, y: mg.einsum("ij,kl", x, y), lambda x, y: torch.einsum("ij,kl", x, y),
       [((2, 3), (3, 2)), ((1, 2), (2, 1)), ((2, 2), (1, 3))], (normal, normal)),
    Op("einsum('ijk->ki')", lambda x: mg.einsum("ijk->ki", x), lambda x: torch.einsum("ijk->ki", x),
       [(2, 3, 4), (1, 2, 3), (3, 1, 1)]),
    Op("einsum('ij->')", lambda x: mg.einsum("ij->", x), lambda x: torch.einsum("ij->", x), [(2, 3), (1, 1), (4, 2)]),
    Op("einsum('i,i->')", lambda x, y: mg.einsum("i,i->", x, y), lambda x, y: torch.einsum("i,i->", x, y),
       [((3,), (3,)), ((1,), (1,)), ((5,), (5,))], (normal, normal)),
    Op("sort().values", lambda x: x.sort().values, lambda x: x.sort().values, [(5,), (3, 4), (2, 3, 2)], (distinct,)),
    Op("sort(0, descending=True)[0]", lambda x: x.sort(0, descending=True)[0],
       lambda x: x.sort(0, descending=True)[0], [(5,), (3, 4), (2, 3, 2)], (distinct,)),
    Op("topk(2).values", lambda x: x.topk(2).values, lambda x: x.topk(2).values, [(5,), (3, 4), (2, 3, 2)],
       (distinct,)),
    Op("topk(2, dim=0, largest=False)[0]", lambda x: x.topk(2, dim=0, largest=False)[0],
       lambda x: x.topk(2, dim=0, largest=False)[0], [(5,), (3, 4), (2, 3, 2)], (distinct,)),
    Op("gather(1, index)", lambda x, i: x.gather(1, i), lambda x, i: x.gather(1, i),
       [((3, 4), (3, 2)), ((2, 3, 2), (2, 5, 2)), ((2, 4), (1, 4))], (normal, rows(3))),
    Op("gather(0, index)", lambda x, i: x.gather(0, i), lambda x, i: x.gather(0, i),
       [((4,), (6,)), ((3, 4), (2, 4)), ((3, 2, 2), (3, 2, 1))], (normal, rows(3))),
    Op("scatter_add(0, index, src)", lambda x, i, src: x.scatter_add(0, i, src),
       lambda x, i, src: x.scatter_add(0, i, src),
       [((4,), (6,), (6,)), ((3, 4), (2, 4), (2, 4)), ((3, 2), (4, 1), (4, 1))], (normal, rows(3), normal)),
]

NN_FUNCTIONAL = [
    Op("F.linear", MF.linear, TF.linear,
       [((3, 4), (2, 4), (2,)), ((5, 3, 4), (2, 4), (2,)), ((4,), (3, 4), (3,))], (normal, normal, normal)),
    Op("F.linear(no bias)", MF.linear, TF.linear, [((3, 4), (2, 4)), ((2, 3, 4), (1, 4)), ((4,), (3, 4))],
       (normal, normal)),
    Op("F.normalize", MF.normalize, TF.normalize, [(3, 4), (2, 3, 2), (1, 3)]),
    Op("F.normalize(dim=-1, p=1)", lambda x: MF.normalize(x, p=1, dim=-1),
       lambda x: TF.normalize(x, p=1, dim=-1), [(5,), (3, 4), (2, 3, 2)], (away_from_zero,)),
    Op("F.cosine_similarity", MF.cosine_similarity, TF.cosine_similarity,
       [((3, 4), (3, 4)), ((2, 3, 2), (2, 3, 2)), ((3, 4), (1, 4))], (normal, normal)),
    Op("F.cosine_similarity(dim=-1)", lambda x, y: MF.cosine_similarity(x, y, dim=-1),
       lambda x, y: TF.cosine_similarity(x, y, dim=-1), [((5,), (5,)), ((3, 4), (3, 4)), ((2, 3, 2), (3, 2))],
       (normal, normal)),
    Op("F.scaled_dot_product_attention", MF.scaled_dot_product_attention,
       TF.scaled_dot_product_attention, [((3, 4), (5, 4), (5, 2)), ((2, 3, 4), (2, 5, 4), (2, 5, 3)),
                                         ((2, 2, 3, 4), (2, 2, 3, 4), (2, 2, 3, 4))], (normal, normal, normal)),
    Op("F.scaled_dot_product_attention(is_causal=True)",
       lambda q, k, v: MF.scaled_dot_product_attention(q, k, v, is_causal=True),
       lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True),
       [((3, 4), (3, 4), (3, 2)), ((2, 4, 4), (2, 4, 4), (2, 4, 3)), ((2, 3, 4), (2, 5, 4), (2, 5, 2))],
       (normal, normal, normal)),
    Op("F.scaled_dot_product_attention(bool mask, scale)",
       lambda q, k, v, m: MF.scaled_dot_product_attention(
           q, k, v, m | mg.eye(*m.shape[-2:], device=m.device).bool(), scale=0.3),  # the diagonal: no empty row
       lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, m | torch.eye(*m.shape[-2:]).bool(), scale=0.3),
       [((3, 3), (3, 3), (3, 2), (3, 3)), ((2, 4, 3), (2, 4, 3), (2, 4, 2), (4, 4)),
        ((2, 3, 2), (2, 3, 2), (2, 3, 3), (2, 3, 3))], (normal, normal, normal, mask)),
    Op("F.scaled_dot_product_attention(float mask)", MF.scaled_dot_product_attention,
       TF.scaled_dot_product_attention,
       [((3, 4), (5, 4), (5, 2), (3, 5)), ((2, 3, 4), (2, 5, 4), (2, 5, 3), (5,)),
        ((2, 2, 4), (2, 3, 4), (2, 3, 2), (2, 1, 3))], (normal, normal, normal, normal)),
    Op("F.binary_cross_entropy", MF.binary_cross_entropy, TF.binary_cross_entropy,
       [((5,), (5,)), ((3, 4), (3, 4)), ((), ())], (probability, probability)),
    Op("F.binary_cross_entropy(sum)", lambda p, t: MF.binary_cross_entropy(p, t, reduction="sum"),
       lambda p, t: TF.binary_cross_entropy(p, t, reduction="sum"), [((5,), (5,)), ((3, 4), (3, 4)), ((1,), (1,))],
       (probability, probability)),
    Op("F.binary_cross_entropy_with_logits", MF.binary_cross_entropy_with_logits,
       TF.binary_cross_entropy_with_logits, [((5,), (5,)), ((3, 4), (3, 4)), ((), ())], (normal, probability)),
    Op("F.binary_cross_entropy_with_logits(pos_weight, none)",
       lambda x, t: MF.binary_cross_entropy_with_logits(
           x, t, pos_weight=mg.tensor([0.5, 3.0], device=x.device), reduction="none"),
       lambda x, t: TF.binary_cross_entropy_with_logits(x, t, pos_weight=torch.tensor([0.5, 3.0]), reduction="none"),
       [((2,), (2,)), ((3, 2), (3, 2)), ((2, 3, 2), (2, 3, 2))], (normal, probability)),  # pos_weight: no grad
    Op("F.l1_loss", MF.l1_loss, TF.l1_loss, [((5,), (5,)), ((3, 4), (3, 4)), ((2, 1, 3), (2, 1, 3))],
       (grid(0.25), grid(0.75))),
    Op("F.smooth_l1_loss", MF.smooth_l1_loss, TF.smooth_l1_loss,
       [((5,), (5,)), ((3, 4), (3, 4)), ((2, 1, 3), (2, 1, 3))], (grid(0.25), grid(0.5))),
    Op("F.max_pool1d(2)", lambda x: MF.max_pool1d(x, 2), lambda x: TF.max_pool1d(x, 2),
       [(2, 3, 6), (1, 2, 5), (3, 4)], (distinct,)),
    Op("F.max_pool1d(3, 1, 1)", lambda x: MF.max_pool1d(x, 3, 1, 1),
       lambda x: TF.max_pool1d(x, 3, 1, 1), [(2, 3, 6), (1, 2, 5), (3, 4)], (distinct,)),
    Op("F.avg_pool1d(2)", lambda x: MF.avg_pool1d(x, 2), lambda x: TF.avg_pool1d(x, 2),
       [(2, 3, 6), (1, 2, 5), (3, 4)]),
    Op("F.avg_pool1d(3, 2, 1)", lambda x: MF.avg_pool1d(x, 3, 2, 1),
       lambda x: TF.avg_pool1d(x, 3, 2, 1), [(2, 3, 6), (1, 2, 5), (3, 4)]),
]

ALL_OPS = (ELEMENTWISE + OPERATORS + MATMUL + REDUCTIONS + SOFTMAX + SHAPES + INDEXING + SELECTION
           + POINTWISE + MORE_REDUCTIONS + ARRANGEMENTS + NN_FUNCTIONAL)
CASES = [pytest.param(op, shapes, id=f"{op.name} {' '.join(map(str, shapes))}")
         for op in ALL_OPS for shapes in op.shape_sets()]


def test_every_op_is_tried_on_at_least_three_shapes():
    for op in ALL_OPS:
        assert len(op.shapes) >= 3, op.name


# --- the two checks, for every row of every table ------------------------------------------------


def draw_inputs(op: Op, shapes: tuple, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.asarray(draw(shape, rng)) for draw, shape in zip(op.inputs, shapes)]


def minigrad_inputs(arrays: list[np.ndarray], device: str) -> list[mg.Tensor]:
    """Floats become float32 tensors that require grad; indices and masks are plain tensors."""
    return [mg.tensor(a, dtype=mg.float32, device=device, requires_grad=True) if a.dtype.kind == "f"
            else mg.tensor(a, device=device) for a in arrays]


def torch_inputs(arrays: list[np.ndarray]) -> list[torch.Tensor]:
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) if a.dtype.kind == "f"
            else torch.from_numpy(a) for a in arrays]


def as_list(result: Any) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    """float32 arithmetic against float64: 1e-5 relative (1e-6 absolute, for values near zero)."""
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("op", "shapes"), CASES)
def test_backward_agrees_with_central_differences(op, shapes, device):
    inputs = minigrad_inputs(draw_inputs(op, shapes, seed=0), device)
    assert mg.gradcheck(op.minigrad, inputs)


@pytest.mark.parametrize(("op", "shapes"), CASES)
def test_values_and_gradients_agree_with_torch(op, shapes, device):
    # the same float32 values on both sides; torch computes in float64
    arrays = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in draw_inputs(op, shapes, seed=1)]
    ours, theirs = minigrad_inputs(arrays, device), torch_inputs(arrays)
    outputs, expected = as_list(op.minigrad(*ours)), as_list(op.torch(*theirs))

    assert len(outputs) == len(expected)
    for output, want in zip(outputs, expected):
        assert output.shape == tuple(want.shape)
        assert output.dtype == mg.float32
        assert output.device == device
        assert_close(output.numpy(), want.detach().numpy())

    rng = np.random.default_rng(2)
    upstream = [np.asarray(rng.standard_normal(tuple(want.shape)), dtype=np.float32) for want in expected]
    mg.backward(outputs, [mg.tensor(g, device=device) for g in upstream])
    torch.autograd.backward(expected, [torch.from_numpy(g.astype(np.float64)) for g in upstream])
    for x, x_torch in zip(ours, theirs):
        if not x_torch.requires_grad:
            assert x.grad is None  # indices and masks get no gradient
            continue
        assert x.grad is not None
        assert x.grad.shape == x.shape
        assert x.grad.dtype == mg.float32
        assert x.grad.device == device
        want = np.zeros(x.shape) if x_torch.grad is None else x_torch.grad.numpy()
        assert_close(x.grad.numpy(), want)


# --- the kinks: what the gradient is where the derivative is not ---------------------------------


def grad_of(fn: Callable[..., mg.Tensor], *values: Any, device: str, upstream: Any = None) -> list[np.ndarray]:
    """d(fn)/d(each input) at ``values``, with an upstream gradient of ones unless given."""
    inputs = [mg.tensor(v, device=device, requires_grad=True) for v in values]
    output = fn(*inputs)
    output.backward(mg.ones_like(output) if upstream is None else mg.tensor(upstream, device=device))
    return [x.grad.numpy() for x in inputs]


def test_max_and_min_share_the_gradient_among_ties(device):
    x = [[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]
    assert grad_of(F.max, x, device=device)[0].tolist() == [[0, 0.5, 0.5], [0, 0, 0]]
    assert grad_of(lambda t: t.amax(axis=1), x, device=device, upstream=[1.0, 2.0])[0].tolist() == [
        [0, 0.5, 0.5], [1, 0, 1]]
    y = [[1.0, 0.0, 0.0], [1.0, 2.0, 0.0]]
    assert grad_of(lambda t: t.amin(axis=0), y, device=device)[0].tolist() == [[0.5, 1, 0.5], [0.5, 0, 0.5]]
    three_way = [2.0, 2.0, 2.0]
    np.testing.assert_allclose(grad_of(F.min, three_way, device=device)[0], [1 / 3] * 3, rtol=1e-6)


@pytest.mark.parametrize(("ours", "theirs"), [(F.amax, torch.amax), (F.amin, torch.amin)], ids=["amax", "amin"])
def test_max_and_min_ties_agree_with_torch_amax_and_amin(ours, theirs, device):
    x = np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 2.0], [0.0, -1.0, 0.0, 5.0]], dtype=np.float32)
    upstream = np.array([0.5, -2.0, 3.0], dtype=np.float32)
    x_torch = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    theirs(x_torch, dim=1).backward(torch.from_numpy(upstream.astype(np.float64)))
    gradient = grad_of(lambda t: ours(t, axis=1), x, device=device, upstream=upstream)[0]
    assert_close(gradient, x_torch.grad.numpy())


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_sigmoid_is_torchs_to_the_last_bits_in_every_float_dtype(dtype, device):
    # through σ's whole range in the dtype (tiny values near -88 in float32, 0 past it) and its edges
    x = np.concatenate([np.linspace(-120, 120, 2401), [0.0, -0.0, np.inf, -np.inf, np.nan]]).astype(dtype)
    ours = F.sigmoid(mg.tensor(x, device=device)).numpy()
    theirs = torch.sigmoid(torch.from_numpy(x)).numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=4 * np.finfo(dtype).eps, atol=0)


def test_maximum_and_minimum_split_a_tie_evenly(device):
    x, y = [1.0, 2.0, 3.0], [1.0, 0.0, 5.0]  # a tie, x wins, y wins
    assert [g.tolist() for g in grad_of(F.maximum, x, y, device=device)] == [[0.5, 1, 0], [0.5, 0, 1]]
    assert [g.tolist() for g in grad_of(F.minimum, x, y, device=device)] == [[0.5, 0, 1], [0.5, 1, 0]]


def test_clip_passes_the_gradient_at_its_ends(device):
    x = [-1.0, -0.5, 0.0, 0.5, 1.0]  # below, at the low end, inside, at the high end, above
    assert grad_of(lambda t: t.clip(-0.5, 0.5), x, device=device)[0].tolist() == [0, 1, 1, 1, 0]
    assert grad_of(lambda t: t.clip(min=-0.5), x, device=device)[0].tolist() == [0, 1, 1, 1, 1]
    assert grad_of(lambda t: t.clip(max=0.5), x, device=device)[0].tolist() == [1, 1, 1, 1, 0]


def test_relu_and_abs_have_zero_gradient_at_zero(device):
    x = [-1.0, 0.0, 2.0]
    assert grad_of(F.relu, x, device=device)[0].tolist() == [0, 0, 1]
    assert grad_of(F.abs, x, device=device)[0].tolist() == [-1, 0, 1]


def test_repeated_indices_add_up_their_gradients(device):
    x = [10.0, 20.0, 30.0]
    assert grad_of(lambda t: t[[0, 2, 0, 0]], x, device=device, upstream=[1.0, 2.0, 3.0, 4.0])[0].tolist() == [
        8, 0, 2]
    table = np.zeros((3, 2), dtype=np.float32)
    weight = grad_of(lambda w: F.embedding(mg.tensor([[1, 1], [2, 1]], device=device), w), table, device=device)[0]
    assert weight.tolist() == [[0, 0], [3, 3], [1, 1]]


# --- Python numbers take the tensor's dtype -------------------------------------------------------

WITH_NUMBERS = {
    "x * 2.0": lambda x: x * 2.0,
    "2.0 * x": lambda x: 2.0 * x,
    "x + 1": lambda x: x + 1,
    "1.0 - x": lambda x: 1.0 - x,
    "x / 3": lambda x: x / 3,
    "3.0 / x": lambda x: 3.0 / x,
    "x ** 2": lambda x: x**2,
    "2 ** x": lambda x: 2**x,
    "maximum(x, 0.0)": lambda x: F.maximum(x, 0.0),
    "where(x > 0, x, 0.0)": lambda x: F.where(x > 0, x, 0.0),
    "masked_fill(x < 0, -1e4)": lambda x: x.masked_fill(x < 0, -1e4),
    "clip(x, -1, 1)": lambda x: x.clip(-1, 1),
}


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64, mg.float16], ids=str)
@pytest.mark.parametrize("expression", WITH_NUMBERS.values(), ids=WITH_NUMBERS.keys())
def test_python_numbers_take_the_dtype_of_the_tensor(expression, dtype, device):
    x = mg.tensor([0.5, -1.5, 2.0], dtype=dtype, device=device, requires_grad=True)
    y = expression(x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_python_integers_keep_an_integer_tensor_integer(device):
    counts = mg.tensor([1, 2, 3], device=device)
    assert (counts + 1).dtype == mg.int64
    assert (2 * counts - 1).dtype == mg.int64


# --- dropout ---------------------------------------------------------------------------------


def test_dropout_zeroes_a_fraction_p_and_scales_the_rest_by_one_over_one_minus_p(device):
    x = mg.ones(200, 100, device=device)
    y = F.dropout(x, p=0.3).numpy()
    kept = y != 0
    assert abs((1 - kept.mean()) - 0.3) < 0.02  # 20000 draws: the standard error is 0.003
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert y.dtype == np.float32
    assert abs(y.mean() - 1.0) < 0.05  # the expectation is unchanged


def test_dropout_gradient_is_its_mask(device):
    x = mg.randn(20, 30, device=device, requires_grad=True)
    y = F.dropout(x, p=0.4)
    upstream = np.random.default_rng(0).standard_normal((20, 30)).astype(np.float32)
    y.backward(mg.tensor(upstream, device=device))
    scale = (y.numpy() != 0) / 0.6  # the mask, read off the output (x is never exactly zero)
    assert 0 < (scale == 0).mean() < 1
    np.testing.assert_allclose(y.numpy(), x.numpy() * scale, rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), upstream * scale, rtol=1e-6)


def test_dropout_draws_a_new_mask_on_each_call(device):
    x = mg.ones(10, 10, device=device)
    assert not np.array_equal(F.dropout(x, 0.5).numpy(), F.dropout(x, 0.5).numpy())


@pytest.mark.parametrize(("p", "training"), [(0.5, False), (0.0, True)])
def test_dropout_is_the_identity_when_not_training_or_p_is_0(p, training, device):
    x = mg.randn(4, 5, device=device, requires_grad=True)
    y = F.dropout(x, p=p, training=training)
    upstream = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    y.backward(mg.tensor(upstream, device=device))
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), upstream)


def test_dropout_with_p_1_drops_everything(device):
    x = mg.randn(4, 5, device=device, requires_grad=True)
    y = F.dropout(x, p=1.0)
    y.sum().backward()
    assert not y.numpy().any()
    assert not x.grad.numpy().any()


# --- the torch-shaped ops are differentiable twice (their backward is made of ops) -------------------

SECOND_ORDER = [pytest.param(op, op.shape_sets()[-1], id=op.name)
                for op in POINTWISE + MORE_REDUCTIONS + ARRANGEMENTS + NN_FUNCTIONAL]


@pytest.mark.parametrize(("op", "shapes"), SECOND_ORDER)
def test_the_new_ops_backward_agrees_with_central_differences_to_second_order(op, shapes):
    inputs = minigrad_inputs(draw_inputs(op, shapes, seed=3), "cpu")
    assert mg.gradgradcheck(op.minigrad, inputs)
