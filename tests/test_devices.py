"""Devices: the strict stand-in is as strict as CuPy, tensors move between devices with their
gradients, the default device can be chosen, and every device computes the same numbers."""

from __future__ import annotations

import os
import pickle
import platform
import subprocess
import sys

import numpy as np
import pytest
from conftest import CUDA_SKIP_REASON

import minigrad as mg
from minigrad import backend

NO_GPU = pytest.mark.skipif(CUDA_SKIP_REASON is not None, reason="no GPU")
OTHER_DEVICES = ["strict", pytest.param("cuda", marks=NO_GPU)]


# --- the strict stand-in is strict ---------------------------------------------------------------


def test_a_strict_array_refuses_to_become_a_numpy_array():
    data = mg.tensor([1.0, 2.0], device="strict").data
    with pytest.raises(TypeError, match="implicit conversion"):
        np.asarray(data)
    with pytest.raises(TypeError, match="implicit conversion"):
        np.array(data)
    with pytest.raises(TypeError, match="pickling"):
        pickle.dumps(data)


def test_numpy_functions_refuse_a_strict_array():
    data = mg.tensor([1.0, 2.0], device="strict").data
    with pytest.raises(TypeError, match="NumPy's exp was called on a 'strict' device array"):
        np.exp(data)
    with pytest.raises(TypeError, match="numpy.concatenate was called on a 'strict' device array"):
        np.concatenate([data, data])
    np.exp(mg.tensor([1.0, 2.0]).data)  # the same code is fine on cpu: only strict catches it


def test_a_strict_array_refuses_to_mix_with_a_numpy_array():
    data = mg.tensor([1.0, 2.0], device="strict").data
    with pytest.raises(TypeError, match="mixed with a NumPy array"):
        data + np.ones(2)
    with pytest.raises(TypeError):
        np.ones(2) + data
    with pytest.raises(TypeError, match="mixed with a NumPy array"):
        backend.get_device("strict").xp.maximum(data, np.ones(2))
    # copying host data onto the device is explicit, and allowed, as cupy.asarray allows it
    moved = backend.get_device("strict").xp.asarray(np.ones(2))
    assert backend.device_of(moved) == "strict"


def test_a_strict_tensor_mixed_with_a_numpy_array_raises_device_error():
    with pytest.raises(mg.DeviceError, match="an array on cpu was mixed with a tensor on strict"):
        mg.tensor([1.0, 2.0], device="strict") + np.ones(2, dtype=np.float32)
    with pytest.raises(mg.DeviceError, match="an array on cpu was mixed with a tensor on strict"):
        np.ones(2, dtype=np.float32) * mg.tensor([1.0, 2.0], device="strict")
    assert (mg.tensor([1.0, 2.0]) + np.ones(2, dtype=np.float32)).tolist() == [2.0, 3.0]  # cpu: same device


def test_numpy_gives_a_host_copy_of_a_strict_tensor():
    t = mg.tensor([[1.0, 2.0]], device="strict")
    host = t.numpy()
    assert type(host) is np.ndarray and host.dtype == np.float32
    np.testing.assert_array_equal(host, [[1.0, 2.0]])
    host[0, 0] = 50.0
    assert t.tolist() == [[1.0, 2.0]]
    assert t.item() if t.size == 1 else True
    assert mg.tensor([3.5], device="strict").item() == 3.5


# --- moving between devices ---------------------------------------------------------------------


@pytest.mark.parametrize("other", OTHER_DEVICES)
def test_to_round_trips_values_and_dtype(other):
    original = mg.randn(3, 4)
    there = original.to(other)
    assert there.device == other and there.dtype == mg.float32
    back = there.to("cpu")
    assert back.device == "cpu" and type(back.data) is np.ndarray
    np.testing.assert_array_equal(back.numpy(), original.numpy())
    np.testing.assert_array_equal(there.cpu().numpy(), original.numpy())


@pytest.mark.parametrize("other", OTHER_DEVICES)
def test_gradients_flow_back_across_to(other):
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    moved = x.to(other)
    assert moved.requires_grad and moved.grad_fn is not None
    (moved * moved).sum().backward()
    assert x.grad.device == "cpu" and x.grad.dtype == mg.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0, 6.0])

    w = mg.tensor([0.5, 1.5], device=other, requires_grad=True)
    (w.to("cpu", dtype=mg.float64).exp()).sum().backward()  # out to cpu in float64 and back again
    assert w.grad.device == other and w.grad.dtype == mg.float32
    np.testing.assert_allclose(w.grad.numpy(), np.exp([0.5, 1.5]), rtol=1e-6)


def test_to_a_device_by_name_or_by_device_object():
    strict = mg.get_device("strict")
    assert mg.ones(2).to(strict).device == "strict"
    assert mg.get_device(" Strict ") is strict  # one Device per kind, names are forgiving
    assert strict == "strict" and strict != "cpu" and str(strict) == "strict"
    assert len({mg.get_device("cpu"), mg.get_device("cpu")}) == 1


# --- the default device ---------------------------------------------------------------------------


@pytest.fixture
def restore_default_device(monkeypatch):
    monkeypatch.setattr(backend, "_default", backend._default)


def test_set_default_device_chooses_where_new_tensors_go(restore_default_device):
    mg.set_default_device("strict")
    assert mg.default_device() == "strict"
    made = [mg.tensor([1.0]), mg.zeros(2), mg.ones(2), mg.randn(2), mg.rand(2), mg.full((2,), 1.0), mg.arange(3)]
    assert all(t.device == "strict" for t in made)
    assert (made[0] * 2.0 + 1).device == "strict"
    assert mg.zeros(2, device="cpu").device == "cpu"  # an explicit device still wins
    mg.set_default_device("cpu")
    assert mg.zeros(2).device == "cpu"


def _default_device_in_a_fresh_process(environment_value: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("MINIGRAD_DEVICE", None)
    if environment_value is not None:
        env["MINIGRAD_DEVICE"] = environment_value
    script = "import minigrad as mg; print(mg.default_device(), mg.zeros(1).device, mg.tensor([1.0]).device)"
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("environment_value", "expected"), [("strict", "strict"), (None, "cpu"), ("", "cpu")])
def test_minigrad_device_environment_variable_chooses_the_default(environment_value, expected):
    result = _default_device_in_a_fresh_process(environment_value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected] * 3


def test_a_bad_minigrad_device_environment_variable_is_named():
    result = _default_device_in_a_fresh_process("tpu")
    assert result.returncode != 0
    assert "DeviceError" in result.stderr and "'tpu'" in result.stderr


# --- every device computes the same thing ------------------------------------------------------------


def _small_model(device: str) -> tuple[mg.Tensor, list[mg.Tensor]]:
    """Embedding → concat → matmul → softmax → getitem → loss, with fixed weights."""
    rng = np.random.default_rng(3)
    table = mg.tensor(rng.standard_normal((6, 4)), device=device, requires_grad=True)
    weight = mg.tensor(rng.standard_normal((8, 5)), device=device, requires_grad=True)
    bias = mg.tensor(rng.standard_normal(5), device=device, requires_grad=True)
    tokens = mg.tensor([[1, 4, 4], [0, 5, 2]], device=device)  # (batch, time); 4 repeats
    embedded = mg.embedding(tokens, table)  # (2, 3, 4)
    features = mg.cat([embedded, embedded.tanh()], axis=-1)  # (2, 3, 8)
    weights = (features @ weight + bias).softmax(axis=-1)  # (2, 3, 5)
    picked = weights[mg.tensor([0, 1], device=device), :, mg.tensor([3, 1], device=device)]  # (2, 3)
    loss = -(picked.log().mean()) + weights[:, -1].max()
    loss.backward()
    return loss, [table, weight, bias]


@pytest.mark.parametrize("other", OTHER_DEVICES)
def test_the_same_computation_gives_the_same_values_and_gradients_on_every_device(other):
    loss_cpu, params_cpu = _small_model("cpu")
    loss_other, params_other = _small_model(other)
    assert loss_other.device == other
    np.testing.assert_allclose(loss_other.item(), loss_cpu.item(), rtol=1e-6)
    for mine, reference in zip(params_other, params_cpu):
        assert mine.grad.device == other and mine.grad.dtype == reference.grad.dtype
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert np.abs(params_cpu[0].grad.numpy()[3]).max() == 0  # an unused row gets no gradient
    assert np.abs(params_cpu[0].grad.numpy()[4]).max() > 0


def test_set_num_threads_sets_blas_threads_and_refuses_zero():
    before = mg.get_num_threads()
    try:
        mg.set_num_threads(1)
        assert mg.get_num_threads() == 1
        x = mg.randn(64, 64)
        np.testing.assert_allclose((x @ x).numpy(), x.numpy() @ x.numpy(), rtol=1e-5, atol=1e-5)
    finally:
        mg.set_num_threads(before)
    assert mg.get_num_threads() == before
    with pytest.raises(ValueError, match="at least 1, not 0"):
        mg.set_num_threads(0)


def test_numpy_arrays_passed_as_out_are_refused_on_the_strict_device():
    strict = mg.get_device("strict")
    a = strict.xp.ones(3)
    with pytest.raises(TypeError, match="mixed with a NumPy array"):
        strict.xp.tanh(a, out=np.empty(3))
    out = strict.xp.empty(3)
    strict.xp.tanh(a, out=out)  # a strict out= is fine, as CuPy's own arrays are
    np.testing.assert_allclose(out.get(), np.tanh(np.ones(3)))


_PAGE_FAULTS = """
import resource, minigrad as mg
xp = mg.get_device("cpu").xp
def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):  # what a training step does: many arrays made, then all dropped
        arrays = [xp.ones((128, 256), dtype=xp.float32) for _ in range(20)]  # 128 KiB each
        del arrays
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults()
print(faults())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="it is glibc's malloc that minigrad tunes")
def test_the_cpu_keeps_freed_array_memory_instead_of_faulting_it_back_in():
    def page_faults(setting: str) -> int:
        env = {**os.environ, "MINIGRAD_KEEP_FREED_MEMORY": setting}
        result = subprocess.run([sys.executable, "-c", _PAGE_FAULTS], env=env, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        return int(result.stdout)

    assert page_faults("0") > 2000  # glibc's default: the memory goes back to the kernel, 32 faults per array
    assert page_faults("1") < 200  # kept: the next arrays reuse it
