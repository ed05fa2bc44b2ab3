"""Seq2seq training step: minigrad against PyTorch and against plain NumPy, in one process.

The workload is the dates task's model: source vocabulary 60, target vocabulary 14,
embedding 16, hidden 256, batch 128, source length 29, target length 11, Luong attention with
the dot score and no input feeding, Adam (lr 1e-3) after clip_grad_norm_(5), float32, on one
random token batch (fixed seed, no padding). Five ways to run it:

    (a) minigrad         models.seq2seq.build_model(60, 14, decoder="luong", score="dot", lstm="fused", ...):
                         the LSTMs as one op per layer from minigrad.fast (the CLI's default)
    (a') composed        the same model with lstm="composed": every LSTM step recorded op by op,
                         as a learner reads and draws it
    (b) torch nn.LSTM    encoder and decoder LSTMs each one fused call (benchmarks/seq2seq_torch.py)
    (c) torch LSTMCell   the LSTMs stepped in Python, op by op, as minigrad steps them
    (d) numpy by hand    forward and backward written out, no autograd (benchmarks/seq2seq_numpy.py):
                         the floor that any NumPy-based framework is measured against

Before timing, (d)'s loss, gradients and one clipped Adam step are checked against torch on a
small float64 config, and all five variants load minigrad's initial weights and must agree on
the loss to 1e-4. (minigrad's model also builds and applies an all-True padding mask; the
others skip it, since the batch has no padding.)

Per variant and thread count the table gives: the median ms per training step (forward,
backward, clipping, Adam) over ``--repeats`` steps after warm-up, run in blocks per variant in
two passes, the second in reverse order, so that changing load falls on all alike; the median
ms per greedily decoded batch (at most 11 steps, stopping once every row has said <eos>;
minigrad's ``model.greedy`` also collects each row's tokens and attention weights as Python
lists); peak memory; and ratios to (b) and (d).

Memory is measured the same way for all four: in a fresh subprocess per variant (run side by
side, after the timing) that imports everything, resets the kernel's peak-RSS mark, then builds
the model and runs a few training steps. "peak MB" is the growth of peak RSS (VmHWM: the
``ru_maxrss`` of this process alone) over the RSS after imports; memory that the imports freed
is reused first, so small configs show about 0. "traced MB" is, for (a) and (d), the peak of
the Python and NumPy allocations made during one more step (``tracemalloc``; NumPy reports
to it, torch does not). On ``--device cuda`` (minigrad on CuPy, torch on CUDA, (d) on CuPy)
"peak MB" is the GPU memory held by each caching allocator after the steps (CuPy's pool
``total_bytes``, torch's ``max_memory_reserved``), and every timed call ends with a sync. On
``--device strict`` (CuPy's stand-in on the CPU: what benchmarks/gpu_check.py's dry run uses, so
that the cuda path cannot rot without a GPU) minigrad and (d) run on the stand-in, torch on the CPU.

The figures are for orientation: the machine may be shared (the 1-minute load average is
printed before and after) and times move from run to run. The ratios within one run are what
count. With as many threads as cores while another process holds a core, every variant slows
down (worker threads wait for a core they cannot get), so read the 1-thread rows there.

    python benchmarks/seq2seq_step.py [--threads 1,2] [--repeats 20] [--batch 128[,256,...]] [--hidden 256]
                                      [--device cpu|cuda|strict] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:
    import torch
except ImportError:  # torch is the reference here; without it there is nothing to compare with
    torch = None

import minigrad as mg
from models.seq2seq import build_model

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling files, wherever this is run from
from seq2seq_numpy import NumpySeq2Seq, init_parameters  # noqa: E402

if torch is not None:
    from seq2seq_torch import TorchSeq2Seq

SOURCE_VOCAB, TARGET_VOCAB, EMBED_SIZE, SOURCE_LEN, TARGET_LEN = 60, 14, 16, 29, 11
LR, CLIP, MAX_DECODE = 1e-3, 5.0, 11
PAD_ID, BOS_ID, EOS_ID, FIRST_WORD_ID = 0, 1, 2, 4  # as in models.data
LOSS_TOLERANCE = 1e-4
MEMORY_STEPS = 3
VARIANTS = {"minigrad": "(a) minigrad", "composed": "(a') composed", "torch": "(b) torch nn.LSTM",
            "torch_cell": "(c) torch LSTMCell", "numpy": "(d) numpy by hand"}


@dataclass
class Config:
    batch: int
    hidden: int
    device: str  # "cpu", "cuda" or "strict"

    @property
    def torch_device(self) -> str:
        """torch's device: cuda on cuda, else the CPU (torch has no strict stand-in)."""
        return "cuda" if self.device == "cuda" else "cpu"


@dataclass
class Variant:
    """One way to run the model, bound to its weights and the benchmark batch."""

    loss: Callable[[], float]  # the loss of the batch, forward only
    train_step: Callable[[], None]  # forward, backward, clip, Adam
    greedy: Callable[[], int]  # decode the batch's sources; returns the number of decoder steps


def make_batch(batch: int, source_vocab: int = SOURCE_VOCAB, target_vocab: int = TARGET_VOCAB,
               source_len: int = SOURCE_LEN, target_len: int = TARGET_LEN, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Random word ids (no padding, no specials): source, target_in = <bos> + words, target_out = words + <eos>."""
    rng = np.random.default_rng(seed)
    source = rng.integers(FIRST_WORD_ID, source_vocab, (batch, source_len))
    words = rng.integers(FIRST_WORD_ID, target_vocab, (batch, target_len - 1))
    target_in = np.concatenate([np.full((batch, 1), BOS_ID), words], axis=1)
    target_out = np.concatenate([words, np.full((batch, 1), EOS_ID)], axis=1)
    return source, target_in, target_out


def reference_weights(hidden: int) -> dict[str, np.ndarray]:
    """minigrad's initial weights for the model (seed 0), by parameter name, as NumPy arrays."""
    mg.manual_seed(0)
    model = build_model(SOURCE_VOCAB, TARGET_VOCAB, decoder="luong", score="dot", embed_size=EMBED_SIZE,
                        hidden_size=hidden, device="cpu")
    return {name: parameter.numpy() for name, parameter in model.named_parameters()}


# --- the four variants -------------------------------------------------------------------------


def minigrad_variant(config: Config, batch: tuple[np.ndarray, ...], weights: dict | None,
                     lstm: str = "fused") -> Variant:
    model = build_model(SOURCE_VOCAB, TARGET_VOCAB, decoder="luong", score="dot", embed_size=EMBED_SIZE,
                        hidden_size=config.hidden, device=config.device, lstm=lstm)
    if weights is not None:
        model.load_state_dict(weights)
    optimizer = mg.optim.Adam(model.parameters(), lr=LR)
    source, target_in, target_out = (mg.tensor(ids, dtype=mg.int64, device=config.device) for ids in batch)

    def loss() -> float:
        with mg.no_grad():
            return model.loss(source, target_in, target_out).item()

    def train_step() -> None:
        optimizer.zero_grad()
        model.loss(source, target_in, target_out).backward()
        mg.optim.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()

    def greedy() -> int:
        translations = model.greedy(source, max_len=MAX_DECODE)
        return max(len(translation.weights) for translation in translations)  # one weights row per step

    return Variant(loss, train_step, greedy)


def torch_variant(config: Config, batch: tuple[np.ndarray, ...], weights: dict | None, stepped: bool) -> Variant:
    model = TorchSeq2Seq(SOURCE_VOCAB, TARGET_VOCAB, EMBED_SIZE, config.hidden, stepped=stepped).to(config.torch_device)
    if weights is not None:
        model.load_weights({name: torch.from_numpy(value) for name, value in weights.items()})
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    source, target_in, target_out = (torch.from_numpy(ids).to(config.torch_device) for ids in batch)

    def loss() -> float:
        with torch.no_grad():
            return model.loss(source, target_in, target_out).item()

    def train_step() -> None:
        optimizer.zero_grad()
        model.loss(source, target_in, target_out).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()

    return Variant(loss, train_step, lambda: model.greedy(source, MAX_DECODE))


def numpy_variant(config: Config, batch: tuple[np.ndarray, ...], weights: dict | None) -> Variant:
    xp = mg.get_device(config.device).xp  # NumPy, CuPy on cuda, the stand-in on strict
    if weights is None:
        weights = init_parameters(xp, SOURCE_VOCAB, TARGET_VOCAB, EMBED_SIZE, config.hidden)
    model = NumpySeq2Seq({name: xp.array(value) for name, value in weights.items()}, xp, lr=LR, clip=CLIP)
    source, target_in, target_out = (xp.asarray(ids) for ids in batch)
    return Variant(lambda: model.loss(source, target_in, target_out),
                   lambda: model.train_step(source, target_in, target_out),
                   lambda: model.greedy(source, MAX_DECODE))


def build_variant(key: str, config: Config, batch: tuple[np.ndarray, ...], weights: dict | None) -> Variant:
    if key in ("minigrad", "composed"):
        return minigrad_variant(config, batch, weights, "fused" if key == "minigrad" else "composed")
    if key == "numpy":
        return numpy_variant(config, batch, weights)
    return torch_variant(config, batch, weights, stepped=key == "torch_cell")


# --- checks before timing ---------------------------------------------------------------------


def check_floor_against_torch() -> str:
    """(d) is a correct computation: its loss, gradients and a clipped Adam step match torch's (float64)."""
    torch.manual_seed(0)
    source_vocab, target_vocab, embed, hidden, clip = 11, 9, 6, 8, 0.1  # a clip that does scale
    reference = TorchSeq2Seq(source_vocab, target_vocab, embed, hidden).double()
    weights = {name: value.numpy().copy() for name, value in reference.state_dict().items()}
    floor = NumpySeq2Seq(weights, np, lr=LR, clip=clip)
    batch = make_batch(3, source_vocab, target_vocab, source_len=7, target_len=5, seed=1)
    source, target_in, target_out = (torch.from_numpy(ids) for ids in batch)

    torch_loss = reference.loss(source, target_in, target_out)
    torch_loss.backward()
    floor_loss, grads = floor.loss_and_grads(*batch)
    assert abs(floor_loss - torch_loss.item()) < 1e-12, f"numpy floor: loss {floor_loss} != torch {torch_loss.item()}"
    largest = 0.0
    for name, parameter in reference.named_parameters():
        np.testing.assert_allclose(grads[name], parameter.grad.numpy(), rtol=1e-7, atol=1e-12,
                                   err_msg=f"numpy floor: the gradient of {name} differs from torch's")
        largest = max(largest, float(np.abs(grads[name] - parameter.grad.numpy()).max()))

    torch.nn.utils.clip_grad_norm_(reference.parameters(), clip)
    torch.optim.Adam(reference.parameters(), lr=LR).step()
    floor.train_step(*batch)
    for name, parameter in reference.named_parameters():
        np.testing.assert_allclose(weights[name], parameter.detach().numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=f"numpy floor: {name} after a clipped Adam step differs from torch's")
    count = len(weights)
    return (f"check (d) against torch (float64, small config): the loss, all {count} gradients "
            f"(largest difference {largest:.1e}) and a clipped Adam step agree")


def check_same_loss(variants: dict[str, Variant]) -> str:
    """All variants hold the same weights, so they must give the same loss on the same batch."""
    losses = {key: variant.loss() for key, variant in variants.items()}
    reference = losses["minigrad"]
    worst = max(abs(loss - reference) for loss in losses.values())
    listed = ", ".join(f"{VARIANTS[key].split()[0]} {loss:.6f}" for key, loss in losses.items())
    if worst > LOSS_TOLERANCE:
        raise SystemExit(f"loss check FAILED: the variants disagree by {worst:.1e} (> {LOSS_TOLERANCE}): {listed}")
    return f"loss check, same weights and batch: {listed}; largest difference {worst:.1e} (ok, < {LOSS_TOLERANCE})"


# --- timing and memory ---------------------------------------------------------------------------


def median_ms(tasks: dict[str, Callable[[], Any]], repeats: int, warmup: int, sync: Callable[[], None]
              ) -> tuple[dict[str, float], dict[str, Any]]:
    """Median wall time per call in ms, and each task's last result.

    Each task runs in blocks: warm-up calls, then timed ones. There are two passes, the second
    in reverse order (a b c d, d c b a), so that load that rises or falls during the run falls
    on all tasks alike. Not one call each in turn: NumPy's OpenBLAS threads and torch's OpenMP
    threads each spin for a while after their last call, and with 2 threads on 2 cores, tasks
    taking turns step by step spent most of their time fighting the other library's spinners.
    """
    results: dict[str, Any] = {}
    times: dict[str, list[float]] = {key: [] for key in tasks}
    passes = [(list(tasks), (repeats + 1) // 2), (list(reversed(tasks)), repeats // 2)]
    for order, count in passes:
        for key in order if count else ():
            for _ in range(warmup):
                results[key] = tasks[key]()
            sync()
            for _ in range(count):
                start = time.perf_counter()
                results[key] = tasks[key]()
                sync()
                times[key].append(time.perf_counter() - start)
    return {key: statistics.median(values) * 1e3 for key, values in times.items()}, results


def peak_rss_bytes() -> int:
    """This process's peak resident set size in bytes: VmHWM on Linux, else ``ru_maxrss``.

    On Linux ``ru_maxrss`` is no good for a subprocess: the kernel carries the parent's peak
    across fork and exec into it, so a child of a large process starts out at the parent's peak.
    VmHWM is the peak of this process image alone.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # given in kB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def reset_peak_rss() -> int:
    """Set the kernel's peak-RSS mark back to the current RSS (Linux); return the mark, in bytes."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        pass  # elsewhere the growth is measured from the peak so far
    return peak_rss_bytes()


def measure_memory_here(key: str, config: Config, steps: int) -> dict[str, float | None]:
    """In this (fresh) process: build variant ``key`` and train it; memory in MB."""
    batch = make_batch(config.batch)
    if config.device == "cuda":
        cupy_pool = mg.get_device("cuda").xp.get_default_memory_pool()
        cupy_pool.free_all_blocks()
        torch.cuda.reset_peak_memory_stats()
        variant = build_variant(key, config, batch, None)
        for _ in range(steps):
            variant.train_step()
        held = torch.cuda.max_memory_reserved() if key.startswith("torch") else cupy_pool.total_bytes()
        return {"peak": held / 2**20, "traced": None}
    baseline = reset_peak_rss()
    variant = build_variant(key, config, batch, None)
    for _ in range(steps):
        variant.train_step()
    peak = (peak_rss_bytes() - baseline) / 2**20
    traced = None
    if key in ("minigrad", "numpy"):
        tracemalloc.start()
        variant.train_step()
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return {"peak": peak, "traced": traced}


def measure_memory(config: Config, threads: int, steps: int) -> dict[str, dict[str, float | None]]:
    """Run :func:`measure_memory_here` for every variant, each in a fresh subprocess with the same threads.

    The subprocesses run side by side, after the timing: each one's peak RSS is its own.
    """
    def command(key: str) -> list[str]:
        return [sys.executable, __file__, "--memory-of", key, "--threads", str(threads), "--batch", str(config.batch),
                "--hidden", str(config.hidden), "--device", config.device, "--memory-steps", str(steps)]

    running = {key: subprocess.Popen(command(key), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for key in VARIANTS}
    memory = {}
    for key, process in running.items():
        stdout, stderr = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"the memory run of {VARIANTS[key]} failed:\n{stderr}")
        memory[key] = json.loads(stdout.strip().splitlines()[-1])
    return memory


def set_threads(threads: int) -> None:
    """NumPy's BLAS (and any OpenMP pool) through threadpoolctl, minigrad's and torch's own pools directly."""
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    threadpool_limits(limits=threads)
    mg.set_num_threads(threads)
    if torch is not None:
        torch.set_num_threads(threads)


def synchronizer(device: str) -> Callable[[], None]:
    """A call that waits for queued GPU work (nothing to wait for on cpu)."""
    if device != "cuda":
        return lambda: None
    cupy = mg.get_device("cuda").xp

    def sync() -> None:
        torch.cuda.synchronize()
        cupy.cuda.get_current_stream().synchronize()

    return sync


def cuda_problem() -> str | None:
    """Why the cuda run cannot happen here, or None if it can."""
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no CUDA GPU"
    try:
        mg.get_device("cuda")
    except mg.DeviceError as exc:
        return f"minigrad cannot use cuda: {exc}"
    return None


# --- the run ---------------------------------------------------------------------------------------


def ratio(value: float | None, reference: float | None) -> str:
    return f"{value / reference:.2f}" if value is not None and reference else "—"


def megabytes(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "—"


def run_threads(config: Config, threads: int, repeats: int, warmup: int, memory_steps: int) -> None:
    set_threads(threads)
    batch = make_batch(config.batch)
    weights = reference_weights(config.hidden)
    variants = {key: build_variant(key, config, batch, weights) for key in VARIANTS}
    sync = synchronizer(config.device)
    print(f"\n== {threads} thread(s), {config.device}: batch {config.batch}, hidden {config.hidden}, "
          f"embed {EMBED_SIZE}, src_len {SOURCE_LEN}, tgt_len {TARGET_LEN}; medians of {repeats} after {warmup} "
          f"warm-up; load average (1 min) {os.getloadavg()[0]:.2f}")
    print(check_same_loss(variants))

    # greedy first, while every variant still holds the same weights (so all decode the same tokens)
    greedy_ms, steps = median_ms({key: v.greedy for key, v in variants.items()}, repeats, warmup, sync)
    step_ms, _ = median_ms({key: v.train_step for key, v in variants.items()}, repeats, warmup, sync)
    if memory_steps:
        memory = measure_memory(config, threads, memory_steps)
    else:
        memory = {key: {"peak": None, "traced": None} for key in VARIANTS}
        print("memory: not measured in a --quick run (it takes a fresh process per variant)")
    if len(set(steps.values())) == 1:
        print(f"greedy: each variant ran {next(iter(steps.values()))} decoder step(s) per batch (at most {MAX_DECODE})")
    else:
        print(f"greedy: the variants ran different numbers of decoder steps: {steps}")

    label = VARIANTS["numpy"].replace("numpy", "cupy") if config.device == "cuda" else VARIANTS["numpy"]
    labels = {**VARIANTS, "numpy": label}
    print(f"{'variant':20} {'step ms':>8} {'greedy ms':>9} {'peak MB':>8} {'traced MB':>9} | "
          f"{'step/b':>6} {'step/d':>6} {'greedy/b':>8} {'greedy/d':>8} {'mem/b':>6} {'mem/d':>6}")
    for key in VARIANTS:
        peak, traced = memory[key]["peak"], memory[key]["traced"]
        print(f"{labels[key]:20} {step_ms[key]:8.1f} {greedy_ms[key]:9.1f} {megabytes(peak):>8} "
              f"{megabytes(traced):>9} | "
              f"{ratio(step_ms[key], step_ms['torch']):>6} {ratio(step_ms[key], step_ms['numpy']):>6} "
              f"{ratio(greedy_ms[key], greedy_ms['torch']):>8} {ratio(greedy_ms[key], greedy_ms['numpy']):>8} "
              f"{ratio(peak, memory['torch']['peak']):>6} {ratio(peak, memory['numpy']['peak']):>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda", "strict"), default="cpu")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed steps per variant (default 20, 3 with --quick)")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts, run in this order")
    parser.add_argument("--batch", default="128", help="comma-separated batch sizes, run in this order")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few repeats, one warm-up, no memory")
    parser.add_argument("--memory-of", choices=tuple(VARIANTS), help=argparse.SUPPRESS)  # the memory subprocess
    parser.add_argument("--memory-steps", type=int, default=MEMORY_STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    thread_counts = [int(n) for n in args.threads.split(",")]
    configs = [Config(int(batch), args.hidden, args.device) for batch in args.batch.split(",")]

    if torch is None:
        print("torch is not installed, and this benchmark compares minigrad with it: pip install torch")
        return
    if args.memory_of:
        set_threads(thread_counts[0])
        print(json.dumps(measure_memory_here(args.memory_of, configs[0], args.memory_steps)))
        return
    if args.device == "cuda" and (problem := cuda_problem()) is not None:
        print(f"--device cuda: cannot run here ({problem}); nothing to measure")
        return
    if args.device == "cuda":  # no TF32 on either side: both compute in float32, as minigrad's CuPy does
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False

    repeats = args.repeats if args.repeats is not None else (3 if args.quick else 20)
    warmup = 1 if args.quick else 3
    memory_steps = 0 if args.quick else args.memory_steps
    openblas_env = [f"{name}={os.environ[name]}" for name in sorted(os.environ) if name.startswith("OPENBLAS")]
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs; "
          f"numpy {np.__version__}, torch {torch.__version__}; OpenBLAS env: {', '.join(openblas_env) or 'none'}")
    print(check_floor_against_torch())
    for config in configs:
        for threads in thread_counts:
            run_threads(config, threads, repeats, warmup, memory_steps)
    print(f"\nload average (1 min) at end: {os.getloadavg()[0]:.2f}. Times are for orientation; "
          "the ratios within one run are what count.")


if __name__ == "__main__":
    main()
