"""Convolution and pooling (issue 24), specified as the op tables of test_ops.py are: each row is
checked by gradcheck and against torch's values and gradients, on every device.

Also: the second derivative (unfold and fold are each other's transpose), the layers against
torch's layers with the same weights, and the errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import torch
from test_ops import Op, distinct, draw_inputs, minigrad_inputs, normal
from test_ops import test_backward_agrees_with_central_differences as check_gradient
from test_ops import test_values_and_gradients_agree_with_torch as check_against_torch

import minigrad as mg
import minigrad.nn.functional as MF

TF = torch.nn.functional


def conv_row(name: str, ours_kwargs: dict, shapes: list, bias: bool = True) -> Op:
    inputs = (normal, normal, normal) if bias else (normal, normal)
    return Op(name, lambda *a: MF.conv2d(*a, **ours_kwargs), lambda *a: TF.conv2d(*a, **ours_kwargs), shapes, inputs)


CONV = [
    conv_row("F.conv2d", {}, [((1, 2, 4, 5), (3, 2, 2, 2), (3,)), ((2, 1, 3, 3), (2, 1, 3, 3), (2,)),
                              ((2, 4, 4), (1, 2, 1, 2), (1,))]),  # the last: unbatched (C, H, W)
    conv_row("F.conv2d(stride=2, padding=1)", {"stride": 2, "padding": 1},
             [((1, 2, 5, 4), (2, 2, 3, 3), (2,)), ((2, 1, 4, 4), (1, 1, 2, 2), (1,)),
              ((1, 3, 3, 3), (2, 3, 3, 1), (2,))]),
    conv_row("F.conv2d(stride=(2, 1), padding=(0, 2), dilation=(1, 2))",
             {"stride": (2, 1), "padding": (0, 2), "dilation": (1, 2)},
             [((1, 2, 5, 4), (2, 2, 2, 2), (2,)), ((2, 1, 4, 3), (1, 1, 3, 2), (1,)),
              ((1, 1, 3, 5), (2, 1, 1, 3), (2,))]),
    conv_row("F.conv2d(groups=2, no bias)", {"groups": 2},
             [((1, 4, 4, 4), (2, 2, 2, 2)), ((2, 2, 3, 3), (4, 1, 2, 2)), ((1, 6, 3, 2), (4, 3, 1, 2))], bias=False),
    conv_row("F.conv2d(padding='same')", {"padding": "same"},
             [((1, 2, 4, 4), (2, 2, 3, 3), (2,)), ((1, 1, 3, 5), (1, 1, 1, 3), (1,)),
              ((2, 1, 3, 3), (1, 1, 3, 1), (1,))]),
    Op("F.conv1d(stride=2, padding=1, dilation=2)", lambda x, w, b: MF.conv1d(x, w, b, 2, 1, 2),
       lambda x, w, b: TF.conv1d(x, w, b, 2, 1, 2),
       [((1, 2, 7), (3, 2, 3), (3,)), ((2, 1, 5), (1, 1, 2), (1,)), ((3, 6), (2, 3, 2), (2,))],
       (normal, normal, normal)),
    Op("F.conv1d(groups=3)", lambda x, w: MF.conv1d(x, w, groups=3), lambda x, w: TF.conv1d(x, w, groups=3),
       [((1, 3, 5), (3, 1, 2)), ((2, 6, 4), (3, 2, 3)), ((3, 4), (6, 1, 1))], (normal, normal)),
    Op("F.conv_transpose2d", lambda x, w, b: MF.conv_transpose2d(x, w, b), lambda x, w, b: TF.conv_transpose2d(x, w, b),
       [((1, 2, 3, 3), (2, 3, 2, 2), (3,)), ((2, 1, 2, 4), (1, 2, 3, 1), (2,)), ((2, 3, 3), (2, 1, 2, 2), (1,))],
       (normal, normal, normal)),
    Op("F.conv_transpose2d(stride=2, padding=1, output_padding=1, groups=2)",
       lambda x, w: MF.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2),
       lambda x, w: TF.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2),
       [((1, 2, 3, 3), (2, 1, 3, 3)), ((2, 4, 2, 3), (4, 2, 2, 3)), ((1, 2, 2, 2), (2, 3, 3, 2))], (normal, normal)),
    Op("F.unfold((2, 3), padding=1, stride=2)", lambda x: MF.unfold(x, (2, 3), padding=1, stride=2),
       lambda x: TF.unfold(x, (2, 3), padding=1, stride=2), [(1, 2, 4, 5), (2, 1, 3, 3), (2, 3, 4)]),
    Op("F.unfold(2, dilation=2)", lambda x: MF.unfold(x, 2, dilation=2), lambda x: TF.unfold(x, 2, dilation=2),
       [(1, 1, 4, 4), (2, 2, 3, 5), (1, 3, 3, 3)]),
    Op("F.fold((4, 5), 2, padding=1, stride=2)", lambda x: MF.fold(x, (4, 5), 2, padding=1, stride=2),
       lambda x: TF.fold(x, (4, 5), 2, padding=1, stride=2), [(1, 4, 9), (2, 8, 9), (12, 9)]),
    Op("F.fold((3, 3), 2) overlapping", lambda x: MF.fold(x, (3, 3), 2), lambda x: TF.fold(x, (3, 3), 2),
       [(1, 4, 4), (2, 8, 4), (4, 4)]),
]

POOL = [
    Op("F.max_pool2d(2)", lambda x: MF.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2),
       [(1, 2, 4, 4), (2, 1, 5, 3), (2, 4, 6)], (distinct,)),
    Op("F.max_pool2d(3, 2, 1)", lambda x: MF.max_pool2d(x, 3, 2, 1), lambda x: TF.max_pool2d(x, 3, 2, 1),
       [(1, 2, 5, 5), (2, 1, 4, 6), (1, 1, 3, 3)], (distinct,)),
    Op("F.max_pool2d((2, 3), 2, ceil_mode=True)", lambda x: MF.max_pool2d(x, (2, 3), 2, ceil_mode=True),
       lambda x: TF.max_pool2d(x, (2, 3), 2, ceil_mode=True), [(1, 2, 5, 6), (2, 1, 3, 4), (1, 1, 4, 5)], (distinct,)),
    Op("F.max_pool2d(2, 1, dilation=2)", lambda x: MF.max_pool2d(x, 2, 1, dilation=2),
       lambda x: TF.max_pool2d(x, 2, 1, dilation=2), [(1, 2, 4, 4), (1, 1, 3, 5), (2, 1, 3, 3)], (distinct,)),
    Op("F.adaptive_avg_pool2d((2, 3))", lambda x: MF.adaptive_avg_pool2d(x, (2, 3)),
       lambda x: TF.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7), (2, 1, 4, 3), (3, 5, 5)]),
    Op("F.adaptive_avg_pool2d(1)", lambda x: MF.adaptive_avg_pool2d(x, 1), lambda x: TF.adaptive_avg_pool2d(x, 1),
       [(1, 2, 3, 3), (2, 3, 4, 1), (2, 2, 2)]),
    Op("F.avg_pool2d(2)", lambda x: MF.avg_pool2d(x, 2), lambda x: TF.avg_pool2d(x, 2),
       [(1, 2, 4, 4), (2, 1, 5, 3), (2, 4, 6)]),
    Op("F.avg_pool2d(3, 2, 1)", lambda x: MF.avg_pool2d(x, 3, 2, 1), lambda x: TF.avg_pool2d(x, 3, 2, 1),
       [(1, 2, 5, 5), (2, 1, 4, 6), (1, 1, 3, 3)]),
    Op("F.avg_pool2d(3, 2, 1, count_include_pad=False)",
       lambda x: MF.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
       lambda x: TF.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 5, 5), (2, 1, 4, 6), (1, 1, 3, 3)]),
    Op("F.avg_pool2d(3, 2, 1, ceil_mode=True)", lambda x: MF.avg_pool2d(x, 3, 2, 1, ceil_mode=True),
       lambda x: TF.avg_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 2, 6, 6), (2, 1, 4, 5), (1, 1, 3, 4)]),
    Op("F.avg_pool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)",
       lambda x: MF.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
       lambda x: TF.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
       [(1, 2, 6, 6), (2, 1, 4, 5), (1, 1, 3, 4)]),
    Op("F.avg_pool2d(2, divisor_override=3)", lambda x: MF.avg_pool2d(x, 2, divisor_override=3),
       lambda x: TF.avg_pool2d(x, 2, divisor_override=3), [(1, 2, 4, 4), (2, 1, 2, 6), (1, 1, 3, 3)]),
]

ROWS = CONV + POOL
CASES = [pytest.param(op, shapes, id=f"{op.name} {' '.join(map(str, shapes))}")
         for op in ROWS for shapes in op.shape_sets()]


@pytest.mark.parametrize(("op", "shapes"), CASES)
def test_backward_agrees_with_central_differences(op, shapes, device):
    check_gradient(op, shapes, device)


@pytest.mark.parametrize(("op", "shapes"), CASES)
def test_values_and_gradients_agree_with_torch(op, shapes, device):
    check_against_torch(op, shapes, device)


@pytest.mark.parametrize("op", [op for op in ROWS if "max_pool" not in op.name], ids=lambda op: op.name)
def test_second_derivative_agrees_with_central_differences(op):
    inputs = minigrad_inputs(draw_inputs(op, op.shape_sets()[0], seed=3), "cpu")
    assert mg.gradgradcheck(op.minigrad, inputs)


def test_unfold_and_fold_are_each_others_transpose(device):
    """<unfold(x), c> = <x, fold(c)> for every x and c: fold is unfold's adjoint, which is its backward."""
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((2, 3, 5, 4)), dtype=mg.float64, device=device)
    cols = MF.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    c = mg.tensor(rng.standard_normal(cols.shape), dtype=mg.float64, device=device)
    back = MF.fold(c, (5, 4), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    assert back.shape == x.shape
    np.testing.assert_allclose((cols * c).sum().item(), (x * back).sum().item(), rtol=1e-12)


def test_im2col_and_col2im_are_dezeros_layout_of_unfold_and_fold(device):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((2, 3, 5, 4)), dtype=mg.float64, device=device, requires_grad=True)
    rows = MF.im2col(x, (2, 3), stride=1, pad=1)  # (N·out_h·out_w, C·kh·kw)
    columns = MF.unfold(x, (2, 3), padding=1)  # (N, C·kh·kw, L)
    assert rows.shape == (2 * 6 * 4, 3 * 6)
    np.testing.assert_allclose(rows.numpy(), columns.numpy().transpose(0, 2, 1).reshape(-1, 18))
    assert MF.im2col(x, 2, to_matrix=False).shape == (2, 3, 2, 2, 4, 3)
    back = MF.col2im(rows, x.shape, (2, 3), stride=1, pad=1)
    np.testing.assert_allclose(back.numpy(), MF.fold(columns, (5, 4), (2, 3), padding=1).numpy())
    assert mg.gradcheck(lambda t: MF.im2col(t, 3, stride=2, pad=1), [x])
    assert mg.gradcheck(lambda c: MF.col2im(c, (2, 3, 5, 4), 3, stride=2, pad=1),
                        [mg.tensor(rng.standard_normal((2 * 3 * 2, 27)), dtype=mg.float64, device=device,
                                   requires_grad=True)])


def test_max_pool2d_returns_torchs_indices(device):
    x = np.random.default_rng(0).permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6).astype(np.float32)
    for kwargs in ({"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                   {"kernel_size": 2, "stride": 1, "dilation": 2}, {"kernel_size": (2, 3)}):
        values, indices = MF.max_pool2d(mg.tensor(x, device=device), return_indices=True, **kwargs)
        want_values, want_indices = TF.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
        np.testing.assert_array_equal(values.numpy(), want_values.numpy())
        np.testing.assert_array_equal(indices.numpy(), want_indices.numpy())
        assert indices.dtype == mg.int64 and indices.device == device
    _, unbatched = MF.max_pool2d(mg.tensor(x[0], device=device), 2, return_indices=True)
    assert unbatched.shape == (3, 3, 3)


LAYERS = [
    ("nn.Conv2d(3, 4, 3, padding=1)", lambda lib: lib.nn.Conv2d(3, 4, 3, padding=1), (2, 3, 5, 5)),
    ("nn.Conv2d(4, 2, (2, 3), stride=2, groups=2, bias=False)",
     lambda lib: lib.nn.Conv2d(4, 2, (2, 3), stride=2, groups=2, bias=False), (1, 4, 5, 6)),
    ("nn.Conv1d(2, 3, 3, dilation=2)", lambda lib: lib.nn.Conv1d(2, 3, 3, dilation=2), (2, 2, 8)),
    ("nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)",
     lambda lib: lib.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), (2, 4, 3, 3)),
    ("nn.AdaptiveAvgPool2d((2, 2))", lambda lib: lib.nn.AdaptiveAvgPool2d((2, 2)), (2, 3, 5, 3)),
    ("nn.MaxPool2d(2, ceil_mode=True)", lambda lib: lib.nn.MaxPool2d(2, ceil_mode=True), (2, 3, 5, 5)),
    ("nn.AvgPool2d(3, 2, 1, count_include_pad=False)",
     lambda lib: lib.nn.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 3, 5, 5)),
]


@pytest.mark.parametrize(("code", "make", "shape"), LAYERS, ids=[row[0] for row in LAYERS])
def test_layer_agrees_with_torchs_layer_with_the_same_weights(code, make, shape, device):
    theirs = make(torch)
    ours = make(mg)
    assert [name for name, _ in ours.named_parameters()] == [name for name, _ in theirs.named_parameters()]
    ours.load_state_dict({name: p.detach().numpy() for name, p in theirs.named_parameters()})
    ours.to(device)
    x = np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape).astype(np.float32) / 10
    x_ours = mg.tensor(x, device=device, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-5, atol=1e-5)
    (y_ours * y_ours).sum().backward()
    (y_theirs * y_theirs).sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=name)


def test_conv_layers_draw_their_weights_from_torchs_bounds():
    layer = mg.nn.Conv2d(3, 8, 3, groups=1)
    bound = 1 / np.sqrt(3 * 9)
    assert layer.weight.shape == (8, 3, 3, 3) and layer.bias.shape == (8,)
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.weight.numpy()).max() > bound / 2


BAD = [
    (lambda: MF.conv2d(mg.zeros(1, 3, 4, 4), mg.zeros(2, 2, 3, 3)), "conv2d: input of 3 channels and weight"),
    (lambda: MF.conv2d(mg.zeros(1, 1, 2, 2), mg.zeros(1, 1, 3, 3)), "smaller than the kernel"),
    (lambda: MF.conv2d(mg.zeros(3, 4), mg.zeros(1, 1, 3, 3)), r"expects input of shape \(N, C, H, W\)"),
    (lambda: MF.max_pool2d(mg.zeros(1, 1, 4, 4), 2, padding=2), "at most half the kernel"),
    (lambda: MF.conv2d(mg.zeros(1, 1, 4, 4), mg.zeros(1, 1, 2, 2), stride=0), "stride must be an int >= 1"),
    (lambda: MF.fold(mg.zeros(1, 4, 5), (3, 3), 2), r"does not hold 2·2 = 4 windows"),
]


@pytest.mark.parametrize(("call", "message"), BAD, ids=[message for _, message in BAD])
def test_bad_arguments_get_one_clear_line(call, message):
    with pytest.raises(ValueError, match=message):
        call()
