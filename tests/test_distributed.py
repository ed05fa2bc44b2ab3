"""minigrad.distributed: the same training on 1 or P processes, and the ring all-reduce as a lesson.

The multi-process tests start their own ``mpiexec -n P`` (found beside the interpreter, else on
PATH) and are skipped, saying why, where mpi4py or mpiexec is missing (``pip install
'minigrad[distributed]'``). Their time limit bounds a hang only, never a slow but correct run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import distributed

ROOT = Path(__file__).resolve().parent.parent
MPIEXEC = next((str(p) for p in [Path(sys.executable).parent / "mpiexec"] if p.exists()), shutil.which("mpiexec"))
try:
    import mpi4py  # noqa: F401
    HAVE_MPI4PY = True
except ImportError:
    HAVE_MPI4PY = False
needs_mpi = pytest.mark.skipif(not (HAVE_MPI4PY and MPIEXEC and os.name == "posix"),
                               reason="needs mpi4py and mpiexec (pip install 'minigrad[distributed]'), on POSIX")
HANG = 600  # seconds: bounds a hang, not a slow machine


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def start(command: list[str]) -> subprocess.Popen:
    """``command`` in a process group of its own, so that a hang can be ended with all its processes."""
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(),
                            start_new_session=True)


def finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    """Wait for ``process`` (at most HANG seconds: then it and every process of its group are killed)."""
    try:
        stdout, stderr = process.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run(command: list[str]) -> subprocess.CompletedProcess:
    return finish(start(command))


def mpirun(processes: int, *command: str) -> subprocess.CompletedProcess:
    return run([MPIEXEC, "-n", str(processes), *command])


# A failing rank ends the run (MPI_Abort) rather than leave the others waiting in a collective for ever;
# ``report(text)`` prints what every rank says, from rank 0, in rank order.
PRELUDE = """\
import sys
import traceback

from mpi4py import MPI


def _abort(kind, value, trace):
    traceback.print_exception(kind, value, trace)
    sys.stderr.flush()
    MPI.COMM_WORLD.Abort(1)


def report(text):
    said = MPI.COMM_WORLD.gather(text, root=0)
    if MPI.COMM_WORLD.rank == 0:
        print(" | ".join(said))


sys.excepthook = _abort
"""


def run_script(processes: int, code: str, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(PRELUDE + textwrap.dedent(code), encoding="utf-8")
    return mpirun(processes, sys.executable, str(script), *arguments)


# --- a world of one: what every run without mpiexec sees ------------------------------------------


def test_without_mpiexec_the_world_is_one_process_and_needs_no_mpi(monkeypatch):
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(distributed, "_world", None)
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # importing it would fail: it is never tried
    world = distributed.world()
    assert (world.rank, world.size, world.comm, world.is_root) == (0, 1, None, True)
    assert world.any(True) and not world.any(False)
    distributed.abort(2)  # nothing to stop in a world of one: it returns


def test_under_mpiexec_without_mpi4py_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setattr(distributed, "_world", None)
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(distributed.DistributedError, match=r"one of 2 processes, but mpi4py is not installed: "
                                                           r"pip install 'minigrad\[distributed\]'"):
        distributed.world()


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7, 128])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_the_shares_of_a_batch_are_contiguous_as_equal_as_can_be_and_cover_it_once(count, size):
    items = list(range(count))
    shares = [distributed.shard(items, distributed.World(rank, size)) for rank in range(size)]
    assert sum(shares, []) == items
    assert max(map(len, shares)) - min(map(len, shares)) <= 1


def test_each_process_on_a_machine_takes_its_own_gpu_and_a_named_device_stays():
    assert distributed.World(3, 4, local_rank=1).device("cuda") == "cuda:1"
    assert distributed.World(3, 4, local_rank=1).device("cuda:0") == "cuda:0"
    assert distributed.World(3, 4, local_rank=1).device("cpu") == "cpu"
    assert distributed.World().device("cuda") == "cuda"


def test_in_a_world_of_one_the_gradients_stay_and_the_counts_come_back():
    weight = mg.tensor([1.0, 2.0], requires_grad=True)
    (weight * weight).sum().backward()
    assert distributed.average_gradients([weight], distributed.World(), 5, 7.5) == (5.0, 7.5)
    assert weight.grad.tolist() == [2.0, 4.0]


# --- the gradient buffer and its route, decided in one place ----------------------------------


@pytest.mark.parametrize(("kind", "nccl", "cuda_aware_mpi", "route"), [
    ("cpu", False, False, "mpi"), ("cpu", True, True, "mpi"),
    ("cuda", True, False, "nccl"), ("cuda", True, True, "nccl"),
    ("cuda", False, True, "cuda-aware mpi"), ("cuda", False, False, "host-staged"),
    ("strict", False, False, "host-staged"), ("strict", True, True, "host-staged")])
def test_the_gradients_route_is_nccl_then_cuda_aware_mpi_then_the_host(kind, nccl, cuda_aware_mpi, route):
    chosen = distributed.choose_route(kind, nccl, cuda_aware_mpi)
    assert chosen.name == route
    assert chosen.why  # every choice says why


@pytest.mark.parametrize(("kinds", "expected"), [
    ("mpi,system", False), ("", False), ("mpi,system,cuda:host", False), ("mpi,system,cuda:device", True),
    ("mpi, system, cuda", True), ("cuda:managed,cuda:device", True), ("rocm:device", False)])
def test_an_mpi_takes_gpu_memory_when_its_memory_kinds_name_cuda_device_memory(kinds, expected):
    assert distributed.cuda_aware(kinds) is expected


def test_the_route_for_the_cpu_and_the_strict_device_never_looks_for_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # importing it would fail: it is never tried
    monkeypatch.setattr(distributed, "_routes", {})
    world = distributed.World(0, 2)  # no communicator: the probe of MPI's memory kinds is for cuda only
    assert distributed.route_for(mg.get_device("cpu"), world).name == "mpi"
    assert distributed.route_for(mg.get_device("strict"), world).name == "host-staged"


def counting_host_copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the strict device's explicit host copies (``.get()``) from now on."""
    from minigrad.strict import StrictArray

    copies: list[int] = []
    get = StrictArray.get
    monkeypatch.setattr(StrictArray, "get", lambda self: copies.append(self.size) or get(self))
    return copies


def test_on_the_strict_device_the_gradient_buffer_is_made_and_cut_on_the_device(monkeypatch):
    """flatten_gradients and unflatten_gradients use the device's array module only: on the strict
    device (which refuses every silent conversion to NumPy, as CuPy does) they run without one
    copy to the host, and what comes back is the gradients, on the device."""
    from minigrad.strict import StrictArray

    weights = [mg.tensor(np.arange(6.0).reshape(2, 3), device="strict", requires_grad=True),
               mg.tensor([1.0, -2.0], device="strict", requires_grad=True),
               mg.tensor([5.0], device="strict", requires_grad=True)]
    ((weights[0] * weights[0]).sum() + (weights[1] * 3.0).sum()).backward()  # weights[2] gets no gradient
    copies = counting_host_copies(monkeypatch)
    flat = distributed.flatten_gradients(weights)
    assert isinstance(flat, StrictArray) and flat.shape == (9,)
    flat *= flat.dtype.type(0.5)
    distributed.unflatten_gradients(flat, weights)
    assert copies == []  # not one copy to the host
    assert all(isinstance(w.grad.data, StrictArray) for w in weights)
    assert [w.grad.shape for w in weights] == [(2, 3), (2,), (1,)]
    assert weights[0].grad.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert weights[1].grad.tolist() == [1.5, 1.5] and weights[2].grad.tolist() == [0.0]


def test_the_host_staged_route_copies_the_buffer_explicitly_once_each_way(monkeypatch):
    """On the host-staged route the one way to the host is ``to_host`` (the strict device's ``.get()``,
    CuPy's too), of the whole buffer at once, and the sum comes back as a device array. A
    communicator of one process whose Allreduce is MPI's for one rank (the sum is the buffer itself)
    stands in for MPI here; the 2-process tests below run it on MPI."""
    from minigrad.strict import StrictArray

    class OneRank:
        def Allreduce(self, where, buffer):  # noqa: N802 - MPI's name
            assert type(buffer) is np.ndarray  # MPI is handed host memory, never a device array
            self.summed = buffer.copy()

    monkeypatch.setattr(distributed, "_in_place", lambda: None)
    device = mg.get_device("strict")
    flat = device.asarray(np.arange(5.0, dtype=np.float32))
    copies = counting_host_copies(monkeypatch)
    comm = OneRank()
    route = distributed.choose_route("strict", False, False)
    summed = distributed.allreduce_sum(flat, distributed.World(0, 1, comm=comm), route, device)
    assert copies == [5]  # one explicit copy of the whole buffer
    assert isinstance(summed, StrictArray) and summed.tolist() == comm.summed.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


# --- several processes ---------------------------------------------------------------------------


@needs_mpi
@pytest.mark.parametrize("processes", [2, 3])
def test_the_ring_all_reduce_equals_mpis_on_odd_sizes_and_sizes_below_the_number_of_ranks(processes, tmp_path):
    result = run_script(processes, """
        import numpy as np
        from mpi4py import MPI
        from minigrad.distributed import ring_allreduce

        comm = MPI.COMM_WORLD
        rng = np.random.default_rng(comm.rank)
        for n in (0, 1, 2, 5, 7, 1001):
            whole = rng.integers(-1000, 1000, n).astype(np.float64)  # integers: every order of sums is exact
            expected = np.empty_like(whole)
            comm.Allreduce(whole, expected)
            assert (ring_allreduce(whole, comm) == expected).all(), n
            values = rng.standard_normal((n, 1))
            expected = np.empty_like(values)
            comm.Allreduce(values, expected)
            mine = ring_allreduce(values, comm)
            assert mine.shape == values.shape and np.allclose(mine, expected, rtol=1e-13, atol=1e-13), n
        report(f"rank {comm.rank} ok")
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == " | ".join(f"rank {rank} ok" for rank in range(processes))


STEPS = """
    import random
    import sys

    import numpy as np

    import minigrad as mg
    from minigrad import distributed, optim
    from models.data import Vocab
    from models.parallel import backward_share
    from models.seq2seq import build_model
    from models.corpus import Corpus
    from models.batches import make_batch

    dtype, model_kind, device = sys.argv[1], sys.argv[2], sys.argv[3]
    mg.set_default_dtype(getattr(mg, dtype))
    tolerance = {"float64": 1e-10, "float32": 1e-5}[dtype]
    world = distributed.world()
    rng = random.Random(0)
    pairs = [(w, w[::-1]) for w in ("".join(rng.choice("abcdef") for _ in range(rng.randint(2, 9)))
                                    for _ in range(60))]
    corpus = Corpus(pairs, [], [], Vocab.build(s for s, _ in pairs), Vocab.build(t for _, t in pairs))
    options = ({"model": "transformer", "hidden_size": 16, "num_layers": 1, "heads": 2, "ff_size": 32}
               if model_kind == "transformer" else
               {"hidden_size": 12, "embed_size": 6, "bidirectional": True, "score": "general"})


    def build(seed):
        mg.manual_seed(seed)
        model = build_model(len(corpus.source_vocab), len(corpus.target_vocab), dropout=0.0, device=device,
                            **options)
        return model, optim.Adam(model.parameters(), lr=0.01)


    copies, average = [], distributed.average_gradients
    if device == "strict":  # every explicit copy to the host (.get()) made while gradients are averaged
        from minigrad.strict import StrictArray

        get = StrictArray.get
        StrictArray.get = lambda self: copies.append(self.size) or get(self)

    def counted(*arguments):
        copies.clear()
        result = average(*arguments)
        counted.copies.append(list(copies))
        return result

    counted.copies = []
    distributed.average_gradients = counted  # models.parallel calls it by this name

    whole_model, whole_optimizer = build(0)  # the reference: one process, the whole batch
    model, optimizer = build(world.rank)  # each rank starts elsewhere; the broadcast makes it rank 0's
    distributed.broadcast_parameters(model.parameters(), world)
    clipped = 0
    batches = [pairs[0:13], pairs[13:30], pairs[30:31], pairs[31:44]]  # odd sizes; one with an empty share
    for step, batch in enumerate(batches * 2):
        whole = make_batch(corpus, batch, device)
        loss = whole_model.loss(whole.source, whole.target_in, whole.target_out)
        whole_optimizer.zero_grad()
        loss.backward()
        clipped += optim.clip_grad_norm_(whole_model.parameters(), 0.2) > 0.2
        whole_optimizer.step()

        share = distributed.shard(batch, world)
        mine = make_batch(corpus, share, device) if share else None
        loss_sum, tokens = backward_share(model, optimizer, mine, 0.0, world)
        optim.clip_grad_norm_(model.parameters(), 0.2)
        optimizer.step()
        assert tokens == whole.tokens, (tokens, whole.tokens)
        assert abs(loss_sum / tokens - loss.item()) <= tolerance * max(1.0, abs(loss.item())), step
        for (name, a), b in zip(model.state_dict().items(), whole_model.state_dict().values()):
            difference = float(np.abs(a.numpy() - b.numpy()).max())
            assert difference <= tolerance, (step, name, difference)
    assert clipped >= 4, clipped  # clipping took part
    route = distributed.route_for(mg.get_device(device), world).name
    size = sum(p.data.size for p in model.parameters())
    if device == "strict":  # host-staged: one explicit copy of the whole gradient buffer a step, nothing else
        assert route == "host-staged" and counted.copies == [[size]] * len(batches) * 2, counted.copies
    else:
        assert route == "mpi", route
    report(f"rank {world.rank}: {len(batches) * 2} steps agree, {route}")
"""


@needs_mpi
@pytest.mark.parametrize(("model", "dtype", "device"), [
    ("lstm", "float64", "cpu"), ("lstm", "float32", "cpu"), ("transformer", "float64", "cpu"),
    ("lstm", "float32", "strict")])
def test_a_two_process_step_equals_a_one_process_step_on_the_whole_batch(model, dtype, device, tmp_path):
    """Adam with clipping over 8 steps: the weights of 2 processes (each its share, gradients averaged)
    stay those of one process on the whole batch, float64 to 1e-10 and float32 to 1e-5.

    Not the Transformer in float32: the gradient of its key projection's bias is zero in exact math
    (softmax ignores a constant added to every score), so in float32 it is rounding noise (~1e-9),
    and Adam's first steps move by lr·g/(|g| + ε), about ±lr/10 whichever way that noise falls; any
    other order of sums (BLAS threads too) moves it as much. Measured after one step: 1.3e-5 (lr 1e-3)
    and 1.8e-5 (lr 1e-2).

    On the strict device (CuPy's manners on the CPU) the same step runs with every gradient on the
    device: the one way to the host is the explicit copy before the all-reduce, so no gradient is
    silently turned into a NumPy array (the strict device would refuse that)."""
    result = run_script(2, STEPS, tmp_path, dtype, model, device)
    assert result.returncode == 0, result.stderr[-3000:]
    route = "host-staged" if device == "strict" else "mpi"
    assert result.stdout.strip() == f"rank 0: 8 steps agree, {route} | rank 1: 8 steps agree, {route}"


# --- the command line under mpiexec --------------------------------------------------------------

TRAIN = ["-m", "models", "train", "--task", "numbers", "--size", "1200", "--epochs", "3", "--batch-size", "17",
         "--hidden", "16", "--embed", "8", "--seed", "0", "--threads", "1", "--no-progress", "--examples", "0"]
# 1,080 training pairs in batches of 17: the last batch holds 9, and shares of 8 and 9 pairs are unequal


def train(processes: int, out: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, *TRAIN, "--out", str(out), *extra]
    if processes == 1:  # no mpiexec at all: the plain command
        return run(command)
    return mpirun(processes, *command)


def tensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(path))


def metrics(out: Path) -> list[dict]:
    drop = {"tokens_per_second", "seconds"}  # how fast, not what was learned
    return [{k: v for k, v in json.loads(line).items() if k not in drop}
            for line in (out / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def straight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same command run straight through on 1 process (``one/``) and on 2 (``two/``)."""
    runs = tmp_path_factory.mktemp("straight")
    for processes, name in ((1, "one"), (2, "two")):
        result = train(processes, runs / name)
        assert result.returncode == 0, result.stderr[-3000:]
        said = "processes: 2 (mpiexec), each with its share of every batch of 17 pairs"
        assert (said in result.stdout.splitlines()) == (processes == 2), result.stdout
        route = "gradients all-reduced: mpi ("  # NumPy buffers: MPI's Allreduce in place (distributed.choose_route)
        assert any(line.startswith(route) for line in result.stdout.splitlines()) == (processes == 2), result.stdout
        assert result.stdout.count("epoch 3:") == 1  # rank 0 alone reports
    return runs


@needs_mpi
@pytest.mark.slow
def test_the_same_command_on_1_and_2_processes_writes_best_weights_equal_to_float32_rounding(straight):
    one, two = tensors(straight / "one" / "best.safetensors"), tensors(straight / "two" / "best.safetensors")
    assert one.keys() == two.keys()
    for name in one:
        np.testing.assert_allclose(two[name], one[name], rtol=1e-5, atol=1e-6, err_msg=name)
    assert any((one[name] != two[name]).any() for name in one), "bitwise equal: were there 2 processes at all?"
    for mine, theirs in zip(metrics(straight / "two"), metrics(straight / "one"), strict=True):  # every epoch's
        assert mine.keys() == theirs.keys()  # losses, held-out scores and lr, to float32 rounding too
        assert all(abs(mine[k] - theirs[k]) <= 1e-5 * max(1, abs(theirs[k])) for k in mine), (mine, theirs)
    assert sorted(p.name for p in (straight / "two").iterdir()) == [".lock", "best.safetensors", "last.safetensors",
                                                                   "metrics.jsonl", "metrics.png"]


@needs_mpi
@pytest.mark.slow
def test_a_rank_that_is_killed_ends_the_run_within_seconds_and_the_run_resumes_exactly(straight, tmp_path):
    """Rank 1 kills itself (SIGKILL) as soon as epoch 1 is saved; mpiexec ends the others, and
    ``--resume`` on 2 processes then ends bitwise where the run that was never killed did."""
    out = tmp_path / "killed"
    suicide = textwrap.dedent(f"""
        import os, signal, sys, threading, time
        def watch():
            while not os.path.exists({str(out / "last.safetensors")!r}):
                time.sleep(0.005)
            os.kill(os.getpid(), signal.SIGKILL)
        threading.Thread(target=watch, daemon=True).start()
        from models.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    arguments = [*TRAIN[2:], "--out", str(out)]
    killed = start([MPIEXEC, "-n", "1", sys.executable, *TRAIN[:2], *arguments,
                    ":", "-n", "1", sys.executable, "-c", suicide, *arguments])
    deadline = time.monotonic() + HANG
    while not (out / "last.safetensors").exists() and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    died = time.perf_counter()  # rank 1 kills itself now
    done = finish(killed)
    took = time.perf_counter() - died
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    assert "test (best.safetensors)" not in done.stdout, "the run went on without rank 1"
    assert took < 60, f"the other process went on for {took:.0f} s after rank 1 died"  # it takes about 1 s
    # killed right after last.safetensors: metrics.jsonl (written next) may not be there yet
    assert not (out / "metrics.jsonl").exists() or len(metrics(out)) < 3
    resumed = train(2, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    for name in ("best.safetensors", "last.safetensors"):
        mine, theirs = tensors(out / name), tensors(straight / "two" / name)
        assert all((mine[key] == theirs[key]).all() for key in theirs), name
    assert metrics(out) == metrics(straight / "two")
    print(f"the run ended {took:.1f} s after rank 1 died")


@needs_mpi
@pytest.mark.slow
def test_ctrl_c_under_mpiexec_stops_every_process_at_one_batch_and_resumes_exactly(straight, tmp_path):
    out = tmp_path / "interrupted"
    process = start([MPIEXEC, "-n", "2", sys.executable, *TRAIN, "--out", str(out)])
    deadline = time.monotonic() + HANG
    while not (out / "last.safetensors").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)  # mpiexec passes it on to every process, as a terminal's Ctrl-C
    done = finish(process)
    assert done.returncode == 130, done.stderr
    assert "interrupted: saved" in done.stdout and "Traceback" not in done.stderr, done.stderr
    resumed = train(2, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming" in resumed.stdout
    for name in ("best.safetensors", "last.safetensors"):
        mine, theirs = tensors(out / name), tensors(straight / "two" / name)
        assert all((mine[key] == theirs[key]).all() for key in theirs), name


@needs_mpi
@pytest.mark.slow
def test_a_ctrl_c_that_reaches_rank_0_alone_stops_both_and_resumes_exactly(straight, tmp_path):
    """SIGINT to rank 0's process only (not through mpiexec): rank 1 learns of it in the next
    all-reduce, and both stop after the same batch instead of rank 1 waiting for ever."""
    out = tmp_path / "one_ctrl_c"
    ctrl_c = textwrap.dedent(f"""
        import os, signal, sys, threading, time
        def watch():
            while not os.path.exists({str(out / "last.safetensors")!r}):
                time.sleep(0.005)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=watch, daemon=True).start()
        from models.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    arguments = [*TRAIN[2:], "--out", str(out)]
    result = run([MPIEXEC, "-n", "1", sys.executable, "-c", ctrl_c, *arguments,
                  ":", "-n", "1", sys.executable, *TRAIN[:2], *arguments])
    assert result.returncode == 130, result.stderr
    assert "interrupted: saved" in result.stdout and "Traceback" not in result.stderr, result.stderr
    # killed right after last.safetensors: metrics.jsonl (written next) may not be there yet
    assert not (out / "metrics.jsonl").exists() or len(metrics(out)) < 3
    resumed = train(2, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    for name in ("best.safetensors", "last.safetensors"):
        mine, theirs = tensors(out / name), tensors(straight / "two" / name)
        assert all((mine[key] == theirs[key]).all() for key in theirs), name


@needs_mpi
def test_an_error_on_one_rank_alone_stops_every_process_with_one_line(tmp_path):
    """Rank 0 finds the run folder locked (by this test), which rank 1 never looks at: without
    MPI_Abort, rank 1 would wait in its first all-reduce for ever. (MPICH adds a line of its own,
    ``Abort(2) on node 0 ...``.)"""
    from models.runfolder import RunFolder

    out = tmp_path / "locked"
    holder = RunFolder(out).acquire()
    try:
        started = time.perf_counter()
        result = train(2, out)
        took = time.perf_counter() - started
    finally:
        holder.release()
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: run folder {out} is in use by another training (process {os.getpid()}); wait for it "
                      "to finish or stop it, or choose another --out"], result.stderr
    assert "Traceback" not in result.stderr
    print(f"stopped {took:.1f} s after it started")


@needs_mpi
def test_the_cost_benchmark_runs_on_two_processes_and_prints_its_row():
    result = mpirun(2, sys.executable, str(ROOT / "benchmarks" / "distributed_step.py"), "--hidden", "16",
                    "--batch", "6", "--steps", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    header, row = result.stdout.splitlines()[1:3]
    assert header.startswith("processes | step ms | compute ms | wait ms | reduce ms")
    assert row.startswith("2 | ") and len(row.split(" | ")) == len(header.split(" | "))


@needs_mpi
def test_one_process_that_sums_each_batch_as_two_shares_is_bitwise_the_two_process_run(tmp_path):
    """benchmarks/distributed_drift.py, small: the trainer on 2 processes, and on 1 process computing
    each batch's gradient as the 2 shares' (scaled by their tokens, added in rank order). Bitwise
    equal at every step: the two paths differ in the order of that sum and in nothing else
    (docs/distributed.md, "Why a long run ends elsewhere")."""
    drift = str(ROOT / "benchmarks" / "distributed_drift.py")
    small = ["--size", "400", "--epochs", "2", "--every", "2"]
    for processes, name, extra in ((2, "two", []), (1, "shares", ["--shares", "2"]), (1, "one", [])):
        command = [sys.executable, drift, *small, "--save", str(tmp_path / f"{name}.npz"), *extra]
        done = mpirun(2, *command) if processes == 2 else run(command)
        assert done.returncode == 0, done.stderr[-3000:]
    runs = {name: np.load(tmp_path / f"{name}.npz") for name in ("two", "shares", "one")}
    steps = list(runs["two"]["steps"])
    assert steps == list(runs["shares"]["steps"]) and len(steps) >= 5, steps
    for step in steps:
        assert (runs["shares"][f"w{step}"] == runs["two"][f"w{step}"]).all(), step
        assert np.abs(runs["one"][f"w{step}"] - runs["two"][f"w{step}"]).max() <= 1e-4, step  # (lr 0.003)
    assert (runs["shares"]["best"] == runs["two"]["best"]).all()
    assert (runs["one"]["best"] != runs["two"]["best"]).any()  # the whole batch at once is summed otherwise
    compared = run([sys.executable, drift, "--compare", str(tmp_path / "two.npz"), str(tmp_path / "shares.npz")])
    assert compared.returncode == 0 and "best.safetensors: max abs difference 0," in compared.stdout, compared


@needs_mpi
def test_processes_that_built_different_models_are_refused_in_one_line(tmp_path):
    """Rank 1 runs another command (--hidden 8): rank 0 names both models and ends the run."""
    arguments = [*TRAIN, "--out", str(tmp_path / "mixed")]
    result = run([MPIEXEC, "-n", "1", sys.executable, *arguments, ":", "-n", "1", sys.executable, *arguments,
                  "--hidden", "8"])
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: rank 0 holds 22 parameter tensors of 8,350 values (float32) and rank 1 22 parameter "
                      "tensors of 3,102 values (float32): every process must run the same command on the same data, "
                      "with one dtype"], result.stderr
    assert "Traceback" not in result.stderr


@needs_mpi
@pytest.mark.slow
def test_a_run_started_on_one_process_goes_on_on_two(straight, tmp_path):
    """A checkpoint does not depend on the number of processes: epoch 1 on 1 process, then
    ``--resume`` on 2, ends where 1 process did, to float32 rounding."""
    out = tmp_path / "moved"
    first = train(1, out, "--epochs", "1")
    assert first.returncode == 0, first.stderr[-3000:]
    resumed = train(2, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    mine, theirs = tensors(out / "best.safetensors"), tensors(straight / "one" / "best.safetensors")
    for name in theirs:
        np.testing.assert_allclose(mine[name], theirs[name], rtol=1e-5, atol=1e-6, err_msg=name)
