"""The GPU check, ready to run: on a CUDA machine, install, test, train and time minigrad on ``cuda``.

    python benchmarks/gpu_check.py --out runs/gpu_check          # on a machine with an NVIDIA GPU
    python benchmarks/gpu_check.py --dry-run --out /tmp/check    # anywhere: the same steps on `strict`
    python benchmarks/gpu_check.py --plan                        # print the commands, run nothing

The steps, each a subprocess whose whole output goes to ``OUT/<step>.log``:

    install   pip install -e '.[cuda]' (CuPy for CUDA 12; it needs the network, or skip it with --no-install)
    device    the device answers: its name, a matmul on it; nvidia-smi's line for the GPU
    tests     the suite's cuda cases: pytest -k cuda (every device-aware test also runs on cuda
              when CuPy finds a GPU: tests/conftest.py)
    train     the showcase, minigrad-translate train --task dates, 2 epochs on cuda, with --profile 3
    bench     benchmarks/seq2seq_step.py --device cuda at batch 32, 64, 128, 256, 512 and 1024,
              minigrad (fused and composed LSTM) beside torch on CUDA and the CuPy floor

A step that fails does not stop the others; the script exits with 1 if any failed. At the end it
writes ``OUT/report.md``: what each step gave, the step-time table (ms per training step and the
ratios to torch ``nn.LSTM``, batch by batch), the showcase's epochs and profile, the suite's last
line. That table is what goes into docs/performance.md ("Not measured yet").

``--dry-run`` runs the same steps on the ``strict`` device (CuPy's stand-in on the CPU, as
strict as CuPy about implicit conversions) with tiny sizes and no install, so that the script
and the cuda path of everything it calls are checked in CI (tests/test_gpu_check.py) and cannot
rot before a GPU is lent.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_BATCHES = "32,64,128,256,512,1024"
VARIANTS = ("(a) minigrad", "(a') composed", "(b) torch nn.LSTM", "(c) torch LSTMCell", "(d) numpy by hand")
DEVICE_PROBE = """
import sys
import minigrad as mg
device = mg.get_device(sys.argv[1])
x = mg.randn(256, 256, device=device)
print(f"device: {device} ({device.xp.__name__}); a 256x256 matmul on it sums to {(x @ x).sum().item():.4f}")
if device.kind == "cuda":
    properties = device.xp.cuda.runtime.getDeviceProperties(device.index)
    print(f"GPU: {properties['name'].decode()}, {properties['totalGlobalMem'] / 2**30:.1f} GiB; "
          f"CuPy {device.xp.__version__}, CUDA runtime {device.xp.cuda.runtime.runtimeGetVersion()}")
"""


@dataclass
class Step:
    """One step of the check: a command, and how it went."""

    name: str
    command: list[str]
    timeout: float
    skipped: str | None = None  # why it does not run
    returncode: int | None = None
    seconds: float = 0.0
    output: str = field(default="", repr=False)

    @property
    def result(self) -> str:
        if self.skipped:
            return f"skipped ({self.skipped})"
        if self.returncode == 0:
            return "ok"
        return "timed out" if self.returncode is None else f"FAILED (exit {self.returncode})"


def plan(args: argparse.Namespace) -> list[Step]:
    """The steps, as commands: the real check on cuda, or the dry run on strict with tiny sizes."""
    python, out, device = args.python, Path(args.out).resolve(), "strict" if args.dry_run else "cuda"
    tiny = args.dry_run
    install = Step("install", [python, "-m", "pip", "install", "--disable-pip-version-check", "-e", ".[cuda]"], 900)
    if tiny or args.no_install:
        install.skipped = "dry run" if tiny else "--no-install"
    tests = [python, "-m", "pytest", "-p", "no:cacheprovider", "-k", device]
    tests += ["tests/test_devices.py"] if tiny else ["tests"]  # the dry run: one file's strict cases
    train = [python, "-m", "models", "train", "--task", "dates", "--epochs", "2", "--device", device,
             "--out", str(out / "showcase"), "--overwrite", "--no-progress", "--examples", "3", "--profile", "3"]
    if tiny:
        train += ["--size", "400", "--hidden", "16", "--embed", "8", "--batch-size", "32", "--threads", "1"]
    bench = [python, "benchmarks/seq2seq_step.py", "--device", device, "--quick", "--threads", "1",
             "--batch", "2,4" if tiny else args.batches, "--hidden", "8" if tiny else str(args.hidden),
             "--repeats", "1" if tiny else str(args.repeats)]
    steps = [install,
             Step("device", [python, "-c", DEVICE_PROBE, device], 300),
             Step("tests", tests, 300 if tiny else 3600),
             Step("train", train, 300 if tiny else 3600),
             Step("bench", bench, 300 if tiny else 3600)]
    for step in steps:
        if args.steps and step.name not in args.steps and not step.skipped:
            step.skipped = "not in --steps"
    return steps


def shown(step: Step) -> str:
    """The step's command as a line (the device probe's script by name only)."""
    return " ".join("<device probe>" if part == DEVICE_PROBE else part for part in step.command)


def run(step: Step, out: Path) -> None:
    """Run one step from the repository's root, its output into ``out/<name>.log`` and onto the screen's last lines."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PYTHONIOENCODING": "utf-8"}
    print(f"== {step.name}: {shown(step)}", flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(step.command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=step.timeout,
                              check=False)
        step.returncode, step.output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        step.output = f"{_text(exc.stdout)}{_text(exc.stderr)}\n(timed out after {step.timeout:.0f} s)"
    except OSError as exc:  # the program itself is missing or cannot run: as a shell says it
        step.returncode, step.output = 127, f"cannot run {step.command[0]}: {exc}"
    step.seconds = time.perf_counter() - started
    (out / f"{step.name}.log").write_text(step.output, encoding="utf-8")
    print("\n".join(step.output.strip().splitlines()[-3:]))
    print(f"-- {step.name}: {step.result}, {step.seconds:.1f} s", flush=True)


def _text(value: str | bytes | None) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else (value or "")


def bench_table(output: str) -> str:
    """The benchmark's tables, one row per batch size: ms per training step of each variant and the ratios."""
    rows = []
    batch = None
    steps: dict[str, float] = {}
    for line in output.splitlines() + ["== end"]:
        if line.startswith("== "):
            if batch is not None and steps:
                rows.append((batch, steps))
            found = re.search(r"batch (\d+)", line)
            batch, steps = (int(found.group(1)) if found else None), {}
        for variant in VARIANTS:
            label = variant.replace("numpy", "cupy") if line.startswith("(d) cupy") else variant
            if line.startswith(label):
                steps[variant] = float(line[len(label):].split()[0])
    if not rows:
        return "(the benchmark printed no table: see bench.log)"
    header = ("| batch | (a) fused ms | (a') composed ms | (b) torch nn.LSTM ms | (c) torch LSTMCell ms | (d) floor ms "
              "| fused / torch | composed / torch |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    lines = [header]
    for batch, ms in rows:
        cells = [f"{ms[v]:.1f}" if v in ms else "—" for v in VARIANTS]
        torch_ms = ms.get(VARIANTS[2])
        ratios = [f"{ms[v] / torch_ms:.2f}" if v in ms and torch_ms else "—" for v in VARIANTS[:2]]
        lines.append(f"| {batch} | " + " | ".join(cells + ratios) + " |")
    return "\n".join(lines)


def report(steps: list[Step], args: argparse.Namespace) -> str:
    """OUT/report.md: the steps, then what each step's output says."""
    by_name = {step.name: step for step in steps}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip() or "unknown"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    what = ("a dry run on `strict` (CuPy's stand-in on the CPU), tiny sizes: no GPU, and no figure here means anything"
            if args.dry_run else "on `cuda`")
    lines = [f"# GPU check, {when}, commit {commit}", "", f"{what}.", "",
             "| step | result | seconds | log |", "| --- | --- | --- | --- |"]
    lines += [f"| {s.name} | {s.result} | {s.seconds:.1f} | {s.name}.log |" for s in steps]
    device = by_name["device"]
    if device.output:
        lines += ["", "## The device", "", "```text", device.output.strip(), "```"]
    bench = by_name["bench"]
    if bench.output:
        hidden = 8 if args.dry_run else args.hidden
        lines += ["", f"## ms per training step beside torch (hidden {hidden}, 1 CPU thread, "
                  "benchmarks/seq2seq_step.py --quick)", "", bench_table(bench.output)]
    train = by_name["train"]
    if train.output:
        kept = [line for line in train.output.splitlines() if line.startswith(("epoch ", "test ", "threads:"))]
        profile = train.output.split("--profile:", 1)[1].split("\nepoch ", 1)[0] if "--profile:" in train.output else ""
        lines += ["", "## The showcase, 2 epochs", "", "```text", *kept, "```"]
        if profile:
            lines += ["", "```text", f"--profile:{profile.rstrip()}", "```"]
    tests = by_name["tests"]
    if tests.output:
        last = [line for line in tests.output.strip().splitlines() if line.strip()][-1:]
        lines += ["", "## The suite's cases on the device", "", "```text", *last, "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="the same steps on the strict device, tiny, no install")
    parser.add_argument("--out", default="runs/gpu_check", help="where the logs and report.md go")
    parser.add_argument("--steps", type=lambda text: set(text.split(",")),
                        help="run only these steps (comma-separated: install,device,tests,train,bench)")
    parser.add_argument("--no-install", action="store_true", help="CuPy is installed already (or no network)")
    parser.add_argument("--batches", default=BENCH_BATCHES,
                        help=f"the benchmark's batch sizes (default {BENCH_BATCHES})")
    parser.add_argument("--hidden", type=int, default=256, help="the benchmark's hidden size (default 256)")
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per variant and batch (default 10)")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs the steps")
    parser.add_argument("--plan", action="store_true", help="print the steps' commands and run nothing")
    args = parser.parse_args(argv)
    steps = plan(args)
    if args.plan:
        for step in steps:
            print(f"{step.name}: {step.result if step.skipped else shown(step)}")
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.dry_run and shutil.which("nvidia-smi"):
        smi = subprocess.run(["nvidia-smi"], capture_output=True, text=True, check=False)
        (out / "nvidia-smi.log").write_text(smi.stdout + smi.stderr, encoding="utf-8")
    for step in steps:
        if not step.skipped:
            run(step, out)
    (out / "report.md").write_text(report(steps, args), encoding="utf-8")
    print(f"report: {out / 'report.md'}")
    return 0 if all(step.skipped or step.returncode == 0 for step in steps) else 1


if __name__ == "__main__":
    sys.exit(main())
