"""Every error names the problem the way a user would say it: the op, the shapes, the devices, the fix."""

from __future__ import annotations

import re
import sys
import types

import numpy as np
import pytest
from conftest import CUDA_SKIP_REASON

import minigrad as mg
from minigrad import backend

# --- shapes ------------------------------------------------------------------------------------


def test_matmul_shape_mismatch_names_both_shapes_and_the_axes_that_disagree(device):
    with pytest.raises(ValueError, match=re.escape("matmul: shapes (3, 4) and (5, 2) do not line up (4 != 5)")):
        mg.zeros(3, 4, device=device) @ mg.zeros(5, 2, device=device)


def test_matmul_of_vectors_and_batches_names_the_shapes(device):
    with pytest.raises(ValueError, match=re.escape("matmul: shapes (3,) and (4,) do not line up (3 != 4)")):
        mg.zeros(3, device=device) @ mg.zeros(4, device=device)
    with pytest.raises(ValueError, match=re.escape("batch axes (2,) and (5,) cannot be broadcast")):
        mg.zeros(2, 3, 4, device=device) @ mg.zeros(5, 4, 2, device=device)


@pytest.mark.parametrize(("op", "name"), [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: mg.maximum(a, b), "maximum"),
])
def test_elementwise_op_on_shapes_that_do_not_broadcast_names_both(device, op, name):
    with pytest.raises(ValueError, match=re.escape(f"{name}: shapes (2, 3) and (4,) cannot be broadcast together")):
        op(mg.zeros(2, 3, device=device), mg.zeros(4, device=device))


@pytest.mark.parametrize("shape", [(4,), (-1, 4), (5, -1), (-1, -1)])
def test_reshape_to_a_wrong_size_names_both_shapes(device, shape):
    message = f"reshape: a tensor of shape (2, 3) (6 elements) cannot become {shape}"
    with pytest.raises(ValueError, match=re.escape(message)):
        mg.zeros(2, 3, device=device).reshape(*shape)


# --- devices -----------------------------------------------------------------------------------

MIXED_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "matmul": lambda a, b: a @ b,
    "maximum": lambda a, b: mg.maximum(a, b),
    "concat": lambda a, b: mg.cat([a, b]),
    "where": lambda a, b: mg.where(mg.ones(2, 2) > 0, a, b),
    "lt": lambda a, b: a < b,
}


@pytest.mark.parametrize("name", MIXED_OPS)
def test_mixing_devices_in_one_op_raises_device_error_naming_the_op_and_both_devices(name):
    cpu, strict = mg.ones(2, 2, requires_grad=True), mg.ones(2, 2, device="strict")
    with pytest.raises(mg.DeviceError, match=rf"{name}: .*\b(cpu and strict|strict and cpu)\b"):
        MIXED_OPS[name](cpu, strict)


@pytest.mark.parametrize(("indices_on", "weight_on"), [("cpu", "strict"), ("strict", "cpu")])
def test_embedding_with_indices_on_another_device_raises_device_error(indices_on, weight_on):
    weight = mg.randn(4, 2, device=weight_on, requires_grad=True)
    with pytest.raises(mg.DeviceError, match=r"embedding: .*\b(cpu and strict|strict and cpu)\b"):
        mg.embedding(mg.tensor([0, 3], device=indices_on), weight)


def test_device_error_is_a_runtime_error():
    assert issubclass(mg.DeviceError, RuntimeError)


@pytest.mark.parametrize("spec", ["tpu", "gpu", "cuda:x", "cpu:one"])
def test_an_unknown_device_string_is_named(spec):
    with pytest.raises(mg.DeviceError, match=re.escape(repr(spec))):
        mg.get_device(spec)
    with pytest.raises(mg.DeviceError):
        mg.zeros(2, device=spec)


def test_an_unknown_device_lists_the_known_ones():
    with pytest.raises(mg.DeviceError, match=r"unknown device kind 'tpu': use 'cpu', 'cuda', 'cuda:N' or 'strict'"):
        mg.tensor([1.0], device="tpu")


def test_a_device_must_be_a_string():
    with pytest.raises(mg.DeviceError, match="not 3"):
        mg.get_device(3)


def test_a_bad_default_device_is_refused_and_the_old_one_kept():
    before = mg.default_device()
    with pytest.raises(mg.DeviceError, match="'gpu'"):
        mg.set_default_device("gpu")
    assert mg.default_device() == before


@pytest.fixture
def fresh_devices(monkeypatch):
    """A device cache with no cuda device in it, so that asking for 'cuda' starts from scratch."""
    monkeypatch.setattr(backend, "_devices", {k: v for k, v in backend._devices.items() if k[0] != "cuda"})


def test_cuda_without_cupy_says_what_is_missing_and_how_to_install_it(monkeypatch, fresh_devices):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail, as when it is not installed
    for ask in (lambda: mg.get_device("cuda"), lambda: mg.zeros(2, device="cuda"),
                lambda: mg.tensor([1.0], device="cuda:0"), lambda: mg.ones(2).cuda(), lambda: mg.ones(2).to("cuda")):
        with pytest.raises(mg.DeviceError, match=r"CuPy.*not installed.*pip install"):
            ask()


def _fake_cupy(count=None, failure=None):
    def get_device_count():
        if failure is not None:
            raise failure
        return count

    runtime = types.SimpleNamespace(getDeviceCount=get_device_count)
    return types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime))


def test_cuda_with_cupy_but_no_working_driver_passes_on_what_cuda_says(monkeypatch, fresh_devices):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(failure=RuntimeError("cudaErrorInsufficientDriver")))
    with pytest.raises(mg.DeviceError, match="working NVIDIA GPU.*cudaErrorInsufficientDriver"):
        mg.get_device("cuda")


def test_cuda_with_no_gpu_says_none_was_found(monkeypatch, fresh_devices):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(count=0))
    with pytest.raises(mg.DeviceError, match="found none"):
        mg.get_device("cuda")


def test_a_gpu_number_past_the_last_gpu_says_how_many_there_are(monkeypatch, fresh_devices):
    monkeypatch.setitem(sys.modules, "cupy", _fake_cupy(count=1))
    with pytest.raises(mg.DeviceError, match=r"'cuda:3' does not exist: CUDA sees 1 GPU\(s\)"):
        mg.get_device("cuda:3")


@pytest.mark.skipif(CUDA_SKIP_REASON is None, reason="a GPU is present, so asking for cuda works")
def test_asking_for_cuda_on_this_machine_explains_why_it_cannot():
    with pytest.raises(mg.DeviceError) as failure:
        mg.zeros(2, device="cuda")
    message = str(failure.value)
    assert "device 'cuda'" in message
    assert ("pip install" in message) if "not installed" in message else ("GPU" in message)


# --- gradients ------------------------------------------------------------------------------------


def test_an_integer_tensor_cannot_require_grad(device):
    message = "only floating-point tensors can require grad, but this one is int64"
    with pytest.raises(TypeError, match=message):
        mg.tensor([1, 2], device=device, requires_grad=True)
    with pytest.raises(TypeError, match=message):
        mg.tensor([1, 2], device=device).requires_grad_()
    with pytest.raises(TypeError, match="but this one is bool"):
        mg.tensor([True], device=device, requires_grad=True)


def test_backward_of_a_non_scalar_names_the_shape_and_the_fix(device):
    y = mg.ones(2, 3, device=device, requires_grad=True) * 2.0
    message = "backward: the output has shape (2, 3), not a single value; pass grad="
    with pytest.raises(RuntimeError, match=re.escape(message)):
        y.backward()


def test_a_second_backward_names_the_op_and_retain_graph(device):
    x = mg.ones(2, device=device, requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*retain_graph=True"):
        loss.backward()


def test_grad_of_the_wrong_shape_names_both_shapes(device):
    y = mg.ones(2, device=device, requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=re.escape("the gradient has shape (3,) but the output has shape (2,)")):
        y.backward(mg.ones(3, device=device))


def test_item_of_many_values_names_the_shape(device):
    with pytest.raises(ValueError, match=re.escape("shape (2, 2)")):
        mg.ones(2, 2, device=device).item()


# --- indices ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "bad", "axis"), [
    (lambda: np.array([0, 5]), 5, 0),
    (lambda: np.array([0, -6]), -6, 0),
    (lambda: [1, 7], 7, 0),
    (lambda: mg.tensor([2, 9]), 9, 0),
    (lambda: (slice(None), np.array([1, 4])), 4, 1),
])
def test_an_index_out_of_range_names_the_index_and_the_size(device, index, bad, axis):
    x = mg.zeros(5, 4, device=device, requires_grad=True)
    with pytest.raises(IndexError, match=rf"index {bad} is out of range for axis {axis} .*\(5, 4\)"):
        x[index()]


def test_a_plain_integer_index_out_of_range_names_the_index_and_the_shape(device):
    with pytest.raises(IndexError, match=r"shape \(3,\).*index 3 .*size 3"):
        mg.zeros(3, device=device)[3]


@pytest.mark.parametrize("bad", [4, -1, 10])
def test_an_embedding_index_out_of_range_names_the_index_and_the_table_size(device, bad):
    weight = mg.zeros(4, 2, device=device, requires_grad=True)
    with pytest.raises(IndexError, match=rf"embedding: index {bad} is out of range for an embedding of 4 rows"):
        mg.embedding(mg.tensor([[0, bad]], device=device), weight)


def test_float_indices_are_refused(device):
    with pytest.raises(IndexError, match="float"):
        mg.zeros(3, device=device)[np.array([0.0, 1.0])]
    with pytest.raises(TypeError, match="embedding: indices must be integers"):
        mg.embedding(mg.tensor([0.0]), mg.zeros(4, 2))
