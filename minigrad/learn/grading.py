"""What the graders share: arrays from tensors, comparisons, and central differences of their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg
from minigrad.learn.core import AnswerError, Words


def array(x: Any) -> np.ndarray:
    """A NumPy array of a tensor, an array or a number (float64)."""
    if isinstance(x, mg.Tensor):
        x = x.numpy()
    return np.asarray(x, dtype=np.float64)


def close(got: Any, want: Any, rtol: float = 1e-5, atol: float = 1e-7) -> bool:
    """Same shape and allclose (NaN never equals anything)."""
    got, want = array(got), array(want)
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol))


def need_shape(what: str | Words, got: Any, want: tuple[int, ...]) -> None:
    shape = tuple(np.shape(array(got)))
    if shape != tuple(want):
        raise AnswerError("shape", what=what, got=shape, want=tuple(want))


def need_close(what: str | Words, got: Any, want: Any, rtol: float = 1e-5, atol: float = 1e-7) -> None:
    """``got`` must equal ``want``: first its shape, then its values (the worst element is named)."""
    want = array(want)
    need_shape(what, got, want.shape)
    got = array(got)
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        error = np.abs(got - want)
        error = np.where(np.isnan(error), np.inf, error)
        index = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), want.shape)) if want.ndim else ()
        raise AnswerError("values", what=what, index=index, got=float(got[index]), want=float(want[index]))


def central_differences(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """∂f/∂xₖ ≈ (f(x + ε eₖ) - f(x - ε eₖ)) / 2ε for every element k (the grader's own, in float64)."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + eps
        plus = f(x)
        flat[k] = saved - eps
        minus = f(x)
        flat[k] = saved
        out[k] = (plus - minus) / (2 * eps)
    return grad


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def tensor(values: np.ndarray, grad: bool = False) -> mg.Tensor:
    """A float64 tensor on the cpu (the graders compare in float64)."""
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=grad, device="cpu")
