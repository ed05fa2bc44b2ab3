"""Properties over shapes that nobody thought of: hypothesis draws the shapes, axes and indices.

Broadcasting, reductions, matmul, softmax and indexing are where gradients go wrong in ways a
handful of hand-picked shapes miss. The arithmetic properties run in float32 and in float64.
Each property compares values and gradients with an oracle: torch (float64), NumPy for forward
indexing, and HIPS autograd where torch cannot index (negative slice steps).
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from conftest import torch  # torch itself, or where it is missing a stand-in that skips the test calling it
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.functional as F

# hypothesis and function-scoped fixtures do not mix, so the devices are plain parameters here
on_each_device = pytest.mark.parametrize("device", ["cpu", "strict"])
examples = settings(max_examples=50, deadline=None)

values = st.floats(-3, 3, width=32)
nonzero = st.one_of(st.floats(0.25, 3, width=32), st.floats(-3, -0.25, width=32))
# few distinct values, so that max often meets ties
tie_prone = st.one_of(st.sampled_from([-1.0, 0.0, 0.5, 2.0]), values)
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4)


def float32_array(draw, shape, elements=values, dtype=np.float32):
    return draw(hnp.arrays(dtype, shape, elements=elements))


def assert_close(actual, expected):
    """Against torch in float64: float32 to 1e-5 relative (1e-6 absolute, near zero), float64 to 1e-10."""
    tight = np.asarray(actual).dtype == np.float64
    np.testing.assert_allclose(actual, expected, rtol=1e-10 if tight else 1e-5, atol=1e-12 if tight else 1e-6)


in_each_dtype = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def leaf(array, device):
    return mg.tensor(array, device=device, requires_grad=True)


def torch_leaf(array):
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


# --- broadcasting ---------------------------------------------------------------------------

BINARY = {
    "add": (F.add, torch.add),
    "sub": (F.sub, torch.sub),
    "mul": (F.mul, torch.mul),
    "div": (F.div, torch.div),
}


@on_each_device
@in_each_dtype
@pytest.mark.parametrize("name", BINARY)
@examples
@given(data=st.data())
def test_broadcast_binary_ops_send_each_input_its_own_gradient(name, device, dtype, data):
    ours, theirs = BINARY[name]
    broadcast = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3))
    x_shape, y_shape = broadcast.input_shapes
    x = float32_array(data.draw, x_shape, dtype=dtype)
    y = float32_array(data.draw, y_shape, nonzero if name == "div" else values, dtype=dtype)
    upstream = float32_array(data.draw, broadcast.result_shape, dtype=dtype)

    x_mg, y_mg = leaf(x, device), leaf(y, device)
    z = ours(x_mg, y_mg)
    z.backward(mg.tensor(upstream, device=device))
    x_t, y_t = torch_leaf(x), torch_leaf(y)
    z_t = theirs(x_t, y_t)
    z_t.backward(torch.from_numpy(upstream.astype(np.float64)))

    assert z.shape == broadcast.result_shape
    assert_close(z.numpy(), z_t.detach().numpy())
    assert x_mg.grad.shape == x_shape and y_mg.grad.shape == y_shape  # summed back over broadcast axes
    assert_close(x_mg.grad.numpy(), x_t.grad.numpy())
    assert_close(y_mg.grad.numpy(), y_t.grad.numpy())


# --- reductions -------------------------------------------------------------------------------


@st.composite
def shape_and_axis(draw):
    """A shape, and an axis for it: None, an int, or a tuple (in any order, some counted from the end)."""
    shape = draw(shapes)
    ndim = len(shape)
    if ndim == 0:
        return shape, draw(st.sampled_from([None, 0]))
    kind = draw(st.sampled_from(["all", "one", "several"]))
    if kind == "all":
        return shape, None
    if kind == "one":
        return shape, draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return shape, tuple(a - ndim if draw(st.booleans()) else a for a in axes)


REDUCTIONS = {
    "sum": (F.sum, torch.sum, values),
    "mean": (F.mean, torch.mean, values),
    "amax": (F.amax, torch.amax, tie_prone),  # shares the gradient among ties, as torch's amax
    "amin": (F.amin, torch.amin, tie_prone),
    "logsumexp": (F.logsumexp, torch.logsumexp, values),
}


@on_each_device
@pytest.mark.parametrize("name", REDUCTIONS)
@examples
@given(shape_and_axis=shape_and_axis(), keepdims=st.booleans(), data=st.data())
def test_reductions_over_any_axes_match_torch(name, device, shape_and_axis, keepdims, data):
    ours, theirs, elements = REDUCTIONS[name]
    shape, axis = shape_and_axis
    x = float32_array(data.draw, shape, elements)

    x_mg = leaf(x, device)
    y = ours(x_mg, axis=axis, keepdims=keepdims)
    x_t = torch_leaf(x)
    y_t = theirs(x_t, dim=tuple(range(len(shape))) if axis is None else axis, keepdim=keepdims)
    upstream = float32_array(data.draw, tuple(y_t.shape))
    y.backward(mg.tensor(upstream, device=device))
    y_t.backward(torch.from_numpy(upstream.astype(np.float64)))

    assert y.shape == tuple(y_t.shape)
    assert_close(y.numpy(), y_t.detach().numpy())
    assert_close(x_mg.grad.numpy(), x_t.grad.numpy())


# --- matmul and softmax ---------------------------------------------------------------------------


@st.composite
def matmul_shapes(draw):
    """Shapes of x and y for x @ y: 1-D or 2-D or batched, batch axes broadcast against each other."""
    rows, inner, columns = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3))
    x_batch, y_batch = batch.input_shapes
    x_shape = (inner,) if draw(st.booleans()) and not x_batch else (*x_batch, rows, inner)
    y_shape = (inner,) if draw(st.booleans()) and not y_batch else (*y_batch, inner, columns)
    return x_shape, y_shape


@on_each_device
@in_each_dtype
@examples
@given(shapes_xy=matmul_shapes(), data=st.data())
def test_matmul_of_any_shapes_matches_torch(device, dtype, shapes_xy, data):
    x_shape, y_shape = shapes_xy
    x, y = float32_array(data.draw, x_shape, dtype=dtype), float32_array(data.draw, y_shape, dtype=dtype)
    x_mg, y_mg = leaf(x, device), leaf(y, device)
    z = x_mg @ y_mg
    x_t, y_t = torch_leaf(x), torch_leaf(y)
    z_t = x_t @ y_t
    upstream = float32_array(data.draw, tuple(z_t.shape), dtype=dtype)
    z.backward(mg.tensor(upstream, device=device))
    z_t.backward(torch.from_numpy(upstream.astype(np.float64)))
    assert z.shape == tuple(z_t.shape) and z.dtype == dtype
    assert_close(z.numpy(), z_t.detach().numpy())
    assert x_mg.grad.shape == x_shape and y_mg.grad.shape == y_shape
    assert_close(x_mg.grad.numpy(), x_t.grad.numpy())
    assert_close(y_mg.grad.numpy(), y_t.grad.numpy())


@on_each_device
@in_each_dtype
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@examples
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), data=st.data())
def test_softmax_along_any_axis_matches_torch(name, device, dtype, shape, data):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = float32_array(data.draw, shape, st.floats(-30, 30, width=32), dtype=dtype)
    x_mg = leaf(x, device)
    y = getattr(F, name)(x_mg, axis=axis)
    x_t = torch_leaf(x)
    y_t = getattr(torch, name)(x_t, dim=axis)
    upstream = float32_array(data.draw, shape, dtype=dtype)
    y.backward(mg.tensor(upstream, device=device))
    y_t.backward(torch.from_numpy(upstream.astype(np.float64)))
    assert y.dtype == dtype
    assert_close(y.numpy(), y_t.detach().numpy())
    assert_close(x_mg.grad.numpy(), x_t.grad.numpy())


# --- indexing -----------------------------------------------------------------------------------


def index_for_torch(index):
    if isinstance(index, tuple):
        return tuple(index_for_torch(part) for part in index)
    return torch.from_numpy(index) if isinstance(index, np.ndarray) else index


def check_indexing(x, index, upstream, device, gradient):
    """x[index] has NumPy's values, and its gradient is ``gradient`` (the oracle's)."""
    x_mg = leaf(x, device)
    y = x_mg[index]
    assert y.shape == x[index].shape
    np.testing.assert_array_equal(y.numpy(), x[index])
    y.backward(mg.tensor(upstream, device=device))
    assert_close(x_mg.grad.numpy(), gradient)


def torch_gradient(x, index, upstream):
    x_t = torch_leaf(x)
    x_t[index_for_torch(index)].backward(torch.from_numpy(upstream.astype(np.float64)))
    return x_t.grad.numpy()


@on_each_device
@examples
@given(data=st.data())
def test_basic_indexing_matches_numpy_and_autograd(device, data):
    """Ints, slices (negative steps too), None and Ellipsis."""
    shape = data.draw(shapes)
    index = data.draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    x = float32_array(data.draw, shape)
    upstream = float32_array(data.draw, x[index].shape)
    # HIPS autograd: d/dx of <x[index], upstream>
    gradient = autograd.grad(lambda a: anp.sum(a[index] * upstream))(x.astype(np.float64))
    check_indexing(x, index, upstream, device, gradient)


@st.composite
def integer_array_index(draw):
    """(shape, index): an integer array (values repeat, some count from the end) on one axis."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    axis = draw(st.integers(0, len(shape) - 1))
    size = shape[axis]
    picks_shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=5))
    picks = draw(hnp.arrays(np.int64, picks_shape, elements=st.integers(-size, size - 1)))
    return shape, (slice(None),) * axis + (picks,)


@on_each_device
@examples
@given(shape_and_index=integer_array_index(), data=st.data())
def test_integer_array_indexing_matches_numpy_and_torch(device, shape_and_index, data):
    shape, index = shape_and_index
    x = float32_array(data.draw, shape)
    upstream = float32_array(data.draw, x[index].shape)
    check_indexing(x, index, upstream, device, torch_gradient(x, index, upstream))


@on_each_device
@examples
@given(shape_and_index=integer_array_index())
def test_repeated_integer_indices_accumulate(device, shape_and_index):
    """With an upstream gradient of ones, each element's gradient counts how often it was picked."""
    shape, index = shape_and_index
    axis, picks = len(index) - 1, index[-1]
    x = leaf(np.zeros(shape, dtype=np.float32), device)
    x[index].sum().backward()
    counts = np.bincount(picks.ravel() % shape[axis], minlength=shape[axis])  # (shape[axis],)
    expected = np.broadcast_to(counts.reshape((-1,) + (1,) * (len(shape) - axis - 1)), shape)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@st.composite
def boolean_mask_index(draw):
    """(shape, index): a boolean mask over one or more consecutive axes, after some full slices."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    start = draw(st.integers(0, len(shape) - 1))
    stop = draw(st.integers(start + 1, len(shape)))
    mask = draw(hnp.arrays(np.bool_, shape[start:stop]))
    return shape, (slice(None),) * start + (mask,)


@on_each_device
@examples
@given(shape_and_index=boolean_mask_index(), data=st.data())
def test_boolean_mask_indexing_matches_numpy_and_torch(device, shape_and_index, data):
    shape, index = shape_and_index
    x = float32_array(data.draw, shape)
    upstream = float32_array(data.draw, x[index].shape)
    check_indexing(x, index, upstream, device, torch_gradient(x, index, upstream))
