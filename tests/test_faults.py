"""The third adversarial round's failures (issue 23), one test each where the fix lives outside the op tables.

Crafted checkpoints are refused before anything is allocated (every weight checked against the
config), resume state is checked before use, ``no_grad`` on a generator, a fork while another
thread holds the buffer pool's lock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import CheckpointError, serialization
from models.checkpoint import load_checkpoint
from models.config import TrainConfig
from models.corpus import Corpus
from models.trainer import Trainer

PAIRS = [("ab", "ba"), ("abc", "cba"), ("bca", "acb"), ("cab", "bac"), ("aab", "baa"), ("bcc", "ccb"),
         ("ca", "ac"), ("abca", "acba"), ("cc", "cc"), ("bb", "bb"), ("acb", "bca"), ("ba", "ab")] * 3


def tiny_corpus() -> Corpus:
    from models.data import Vocab, split

    train, valid, test = split(PAIRS, 0, 0.1, 0.1)
    return Corpus(train, valid, test, Vocab.build(s for s, _ in train), Vocab.build(t for _, t in train))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TrainConfig, Corpus]:
    folder = tmp_path_factory.mktemp("faults") / "run"
    corpus = tiny_corpus()
    config = TrainConfig(task=None, epochs=1, batch_size=8, hidden_size=8, embed_size=4, max_len=8, out=str(folder))
    Trainer(config, corpus, progress_bar=False).fit(log=lambda message: None)
    return folder, config, corpus


def craft(source: Path, target: Path, edit_meta=None, edit_tensors=None) -> Path:  # noqa: ANN001
    """``source`` written again to ``target`` with its metadata and tensors edited and its SHA-256 made right."""
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(str(source), framework="np") as file:
        tensors = {name: file.get_tensor(name) for name in file.keys()}  # noqa: SIM118
        meta = json.loads(file.metadata()["minigrad"])
    if edit_meta:
        edit_meta(meta)
    if edit_tensors:
        edit_tensors(tensors)
    meta["sha256"] = serialization.checksum(meta, tensors)
    save_file(tensors, str(target), metadata={"minigrad": json.dumps(meta)})
    return target


def refused_within(path: Path, megabytes: float) -> str:
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError) as caught:
            load_checkpoint(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < megabytes * 2**20, f"refusing {path.name} took {peak / 2**20:.0f} MB"
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    return message


def test_a_vocabulary_of_400000_tokens_with_embeddings_of_width_1_is_refused_before_allocating(run, tmp_path) -> None:
    folder, _, _ = run
    tokens = 400_000

    def meta(m: dict) -> None:
        vocab = m["config"]["target_vocab"]
        vocab["tokens"] = vocab["tokens"][:4] + [f"t{i}" for i in range(tokens)]
        for part in ("train", "model"):
            m["config"][part]["embed_size"] = 1

    def weights(t: dict) -> None:  # embeddings that agree with the claim; the output layer does not
        t["decoder.embedding.weight"] = np.zeros((tokens + 4, 1), np.float32)
        t["encoder.embedding.weight"] = t["encoder.embedding.weight"][:, :1].copy()

    path = craft(folder / "best.safetensors", tmp_path / "vocab.safetensors", meta, weights)
    message = refused_within(path, 100)
    assert "does not fit its own config" in message and "should be of shape" in message


def test_a_transformer_whose_feed_forward_claims_more_than_the_file_holds_is_refused(tmp_path) -> None:
    corpus = tiny_corpus()
    config = TrainConfig(task=None, epochs=1, batch_size=8, hidden_size=8, max_len=8, model="transformer", heads=2,
                         ff_size=16, num_layers=1, out=str(tmp_path / "run"))
    Trainer(config, corpus, progress_bar=False).fit(log=lambda message: None)

    def meta(m: dict) -> None:  # 16384 × 4096 floats per layer: 256 MiB, from a file of a few kB
        for part in ("train", "model"):
            m["config"][part].update(ff_size=16384, hidden_size=4096, heads=64)

    path = craft(tmp_path / "run" / "best.safetensors", tmp_path / "t.safetensors", meta)
    assert "should be of shape" in refused_within(path, 100)


def test_a_missing_or_extra_weight_is_named(run, tmp_path) -> None:
    folder, _, _ = run
    names = list(load_checkpoint(folder / "best.safetensors").model.state_dict())
    name = next(n for n in names if "embedding" not in n)
    missing = craft(folder / "best.safetensors", tmp_path / "missing.safetensors",
                    lambda m: [m["state"]["model"].pop(name), m["devices"].pop(name)], lambda t: t.pop(name))
    message = refused_within(missing, 100)
    assert f"{name} should be of shape" in message and "absent" in message

    def add(t: dict) -> None:
        t["decoder.extra.weight"] = np.zeros((2, 2), np.float32)

    def listed(m: dict) -> None:
        m["state"]["model"]["decoder.extra.weight"] = {"__tensor__": "decoder.extra.weight"}
        m["devices"]["decoder.extra.weight"] = "cpu"

    extra = craft(folder / "best.safetensors", tmp_path / "extra.safetensors", listed, add)
    assert "decoder.extra.weight" in refused_within(extra, 100)


def test_every_real_checkpoint_still_loads_its_shapes_predicted_exactly(run) -> None:
    from models.checkpoint import expected_shapes

    folder, _, _ = run
    loaded = load_checkpoint(folder / "best.safetensors")
    saved = serialization.read(folder / "best.safetensors").config
    config = {**saved["train"], **saved["model"]}
    shapes = {name: tuple(value.shape) for name, value in loaded.model.state_dict().items()}
    predicted = expected_shapes(config, [len(loaded.source_vocab), len(loaded.target_vocab)])
    assert predicted == shapes


def resume_refusal(run, tmp_path: Path, edit_meta=None, edit_tensors=None) -> str:  # noqa: ANN001
    folder, config, corpus = run
    target = tmp_path / "resume"
    target.mkdir()
    craft(folder / "last.safetensors", target / "last.safetensors", edit_meta, edit_tensors)
    trainer = Trainer(TrainConfig(**{**config.__dict__, "out": str(target)}), corpus, progress_bar=False)
    with pytest.raises(CheckpointError) as caught:
        trainer.resume()
    message = str(caught.value)
    assert "last.safetensors" in message and "\n" not in message
    return message


def test_resume_refuses_an_all_zero_rng_state(run, tmp_path) -> None:
    message = resume_refusal(run, tmp_path, lambda m: m["state"]["rng"].update(keys=[0] * 624))
    assert "all zero" in message


def test_resume_refuses_adam_betas_outside_0_1(run, tmp_path) -> None:
    def betas(m: dict) -> None:
        m["state"]["optimizer"]["param_groups"][0]["betas"] = {"__tuple__": [1.5, 2.0]}

    assert "beta1 must be in [0, 1)" in resume_refusal(run, tmp_path, betas)


def test_resume_refuses_a_negative_running_mean_of_squared_gradients(run, tmp_path) -> None:
    def negative(t: dict) -> None:
        name = next(n for n in t if n.endswith("exp_avg_sq"))
        t[name] = -np.abs(t[name]) - 1.0

    assert "exp_avg_sq" in resume_refusal(run, tmp_path, edit_tensors=negative)


def test_adam_load_state_dict_checks_everything_before_changing_anything() -> None:
    param = mg.randn(3, requires_grad=True)
    adam = mg.optim.Adam([param], lr=0.1)
    param.grad = mg.ones(3)
    adam.step()
    good = adam.state_dict()
    bad_betas = {**good, "param_groups": [{**good["param_groups"][0], "betas": (0.9, 2.0)}]}
    with pytest.raises(ValueError, match="beta2"):
        adam.load_state_dict(bad_betas)
    assert adam.param_groups[0]["betas"] == (0.9, 0.999)
    negative = {"state": {0: {**good["state"][0], "exp_avg_sq": mg.tensor([-1.0, 0.0, 1.0])}},
                "param_groups": good["param_groups"]}
    with pytest.raises(ValueError, match="negative"):
        adam.load_state_dict(negative)
    wrong_shape = {"state": {0: {**good["state"][0], "exp_avg": mg.zeros(4)}}, "param_groups": good["param_groups"]}
    with pytest.raises(ValueError, match="shape"):
        adam.load_state_dict(wrong_shape)
    adam.load_state_dict(good)  # and a right one still loads


def test_no_grad_on_a_generator_function_records_nothing_inside_and_leaves_the_caller_alone() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)

    @mg.no_grad()
    def doubled():
        for _ in range(3):
            received = yield x * 2
            assert received is None or received == "go"

    items = doubled()
    first = next(items)
    caller = x * 3  # between two items the caller's mode holds
    second = items.send("go")
    assert not first.requires_grad and not second.requires_grad and caller.requires_grad
    assert mg.is_grad_enabled()
    items.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_fork_while_another_thread_holds_the_buffer_pool_lock_does_not_deadlock_the_child() -> None:
    script = textwrap.dedent("""
        import os, threading, time
        import numpy as np
        from minigrad.fast import buffers
        held = threading.Event()
        def hold():
            with buffers._pool_lock:
                held.set()
                time.sleep(3)
        threading.Thread(target=hold, daemon=True).start()
        held.wait()
        pid = os.fork()
        if pid == 0:
            buffers.empty(np, (1 << 19,), np.float32)  # 2 MiB: through the pool and its lock
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("child exit", os.waitstatus_to_exitcode(status))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0 and "child exit 0" in done.stdout, done.stderr


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_recurrent_layers_take_one_unbatched_sequence_and_a_batch_of_zero_as_torch(kind: str,
                                                                                  batch_first: bool) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(mg.nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first)
    theirs.load_state_dict({name: torch.tensor(value.numpy()) for name, value in ours.state_dict().items()})
    sequence = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    x = mg.tensor(sequence, requires_grad=True)
    outputs, final = ours(x)
    expected, expected_final = theirs(torch.tensor(sequence))
    assert outputs.shape == tuple(expected.shape) == (5, 8)
    np.testing.assert_allclose(outputs.numpy(), expected.detach().numpy(), atol=1e-5)
    h = final[0] if kind == "LSTM" else final
    h_expected = expected_final[0] if kind == "LSTM" else expected_final
    assert h.shape == tuple(h_expected.shape) == (4, 4)
    outputs.sum().backward()
    assert x.grad.shape == (5, 3)
    empty = (0, 5, 3) if batch_first else (5, 0, 3)
    outputs, _ = ours(mg.zeros(empty))
    assert outputs.shape == tuple(theirs(torch.zeros(empty))[0].shape)


def test_clip_grad_norm_with_a_nan_gradient_makes_every_gradient_nan_as_torch() -> None:
    first, second = mg.zeros(2, requires_grad=True), mg.zeros(2, requires_grad=True)
    first.grad, second.grad = mg.tensor([float("nan"), 1.0]), mg.tensor([3.0, 4.0])
    total = mg.nn.utils.clip_grad_norm_([first, second], max_norm=1.0)
    assert np.isnan(total.item()) and np.isnan(first.grad.numpy()).all() and np.isnan(second.grad.numpy()).all()


# --- the command line: files and streams that never end, and text that is not plain --------------------------


def cli(*args: str, stdin: int | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m models ARGS`` in a subprocess; the timeout bounds a hang, never a slow machine."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "models", *args], capture_output=True, text=True, timeout=timeout,
                          stdin=stdin, env=env, cwd=Path(__file__).resolve().parents[1])


def one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, (done.stdout[-2000:], done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr[-2000:]
    return lines[0]


@pytest.mark.skipif(not Path("/dev/zero").exists() or not hasattr(os, "mkfifo"), reason="POSIX special files")
def test_a_device_or_a_fifo_as_data_is_refused_at_once_in_train_and_evaluate(run, tmp_path) -> None:
    folder, _, _ = run
    fifo = tmp_path / "pairs.fifo"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it would wait for ever
    for special in ("/dev/zero", str(fifo)):
        line = one_error_line(cli("train", "--data", special, "--epochs", "1", "--out", str(tmp_path / "never"),
                                  timeout=120))
        assert special in line and "not a regular file" in line
        line = one_error_line(cli("evaluate", "--checkpoint", str(folder / "best.safetensors"), "--data", special,
                                  timeout=120))
        assert special in line and "not a regular file" in line
    assert not (tmp_path / "never").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_translate_reads_standard_input_bounded(run) -> None:
    folder, _, _ = run
    with open("/dev/zero", "rb") as zeros:
        line = one_error_line(cli("translate", "--checkpoint", str(folder / "best.safetensors"), stdin=zeros.fileno(),
                                  timeout=120))
    assert "standard input, line 1: longer than 65,536 bytes" in line


def test_translate_escapes_tabs_line_breaks_and_terminal_escapes_in_its_tsv_output(run, tmp_path) -> None:
    folder, _, _ = run
    source = tmp_path / "in.txt"
    source.write_bytes(b"ab\x1b[31mc\tba\r\n\nabc\x00\n")
    with open(source, "rb") as stream:
        done = cli("translate", "--checkpoint", str(folder / "best.safetensors"), stdin=stream.fileno())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.count("\t") == 1 for line in lines), lines
    assert lines[0].startswith("ab\\x1b[31mc\\tba\t") and lines[1].startswith("abc\\x00\t")
    assert "\x1b" not in done.stdout and "\x00" not in done.stdout


def test_a_token_longer_than_a_checkpoint_may_hold_is_refused_where_the_data_is_read(tmp_path) -> None:
    data = tmp_path / "pairs.tsv"
    data.write_text("".join(f"{s}\t{t}\n" for s, t in PAIRS[:20]) + "x" * 1001 + " y\tz\n", encoding="utf-8")
    line = one_error_line(cli("train", "--data", str(data), "--level", "word", "--epochs", "1",
                              "--out", str(tmp_path / "run")))
    assert f"{data}, line 21" in line and "1,001 characters" in line and "limit of 1,000" in line
    assert not (tmp_path / "run").exists()


def test_a_built_in_task_of_a_hundred_million_pairs_is_refused(tmp_path) -> None:
    line = one_error_line(cli("train", "--task", "numbers", "--size", str(10**8), "--out", str(tmp_path / "run"),
                              timeout=120))
    assert "1 to 1,000,000 pairs" in line
    from models.checkpoint import LIMITS
    from models.data import MAX_TASK_SIZE

    assert LIMITS["size"] == MAX_TASK_SIZE  # one limit: what training makes is what a checkpoint may claim


def test_a_heatmap_title_with_dollar_signs_is_text_not_math(tmp_path) -> None:
    from models.heatmap import draw_attention

    path = draw_attention([[0.5, 0.5], [1.0, 0.0]], ["$a", "b"], ["x", r"$\frac$"], tmp_path / "h.png",
                          title=r"$\frac$ → $x$ " * 8)
    assert path.stat().st_size > 1000


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_never_reaches_the_save_after_an_interrupt() -> None:
    import signal

    from models.interrupt import ignoring_ctrl_c

    with ignoring_ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)  # delivered now, and ignored
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_token_with_a_lone_surrogate_in_a_crafted_checkpoint_is_refused(run, tmp_path) -> None:
    folder, _, _ = run
    path = craft(folder / "best.safetensors", tmp_path / "surrogate.safetensors",
                 lambda m: m["config"]["target_vocab"]["tokens"].__setitem__(-1, "\ud800"))
    assert "lone surrogate" in refused_within(path, 100)


@pytest.mark.parametrize("data, error", [([2**70], OverflowError), ([2**63], OverflowError), (["a"], TypeError),
                                         ([1 + 2j], TypeError), ([object()], TypeError)])
def test_tensor_refuses_what_torch_refuses_instead_of_making_object_or_string_tensors(data, error) -> None:
    with pytest.raises(error):
        mg.tensor(data)
    assert mg.tensor([2**63 - 1]).dtype == mg.int64


# --- the engine against torch where issue 23 found them apart -------------------------------------------------

PIECEWISE = {  # name: (what both libraries run, inputs); the gradient must match torch's, NaN nowhere torch is finite
    "relu then sqrt below 0": (lambda lib, x: x.relu().sqrt(), [-1.0, 0.0, 4.0]),
    "clamp then sqrt": (lambda lib, x: x.clamp(min=0.0).sqrt(), [-1.0, 0.0, 4.0]),
    "hardtanh at its bounds": (lambda lib, x: functional(lib).hardtanh(x), [-1.0, 1.0, 0.5, -2.0]),
    "relu6 at its bounds": (lambda lib, x: functional(lib).relu6(x), [0.0, 6.0, 3.0, 7.0]),
    "elu at 0": (lambda lib, x: functional(lib).elu(x), [0.0, -1.0, 1.0]),
    "elu of a huge x": (lambda lib, x: functional(lib).elu(x), [1e30, -1e30]),
    "maximum then sqrt": (lambda lib, x: lib.maximum(x, lib.zeros_like(x) - 1).sqrt(), [-3.0, -1.0, 4.0]),
    "maximum with a tie and a NaN": (lambda lib, x: lib.maximum(x, lib.ones_like(x)), [1.0, float("nan"), 2.0]),
    "floor then log": (lambda lib, x: x.floor().log(), [0.5, 1.5, -0.5]),
    "sign then reciprocal": (lambda lib, x: x.sign().reciprocal(), [0.0, 2.0]),
    "round then sqrt": (lambda lib, x: x.round().sqrt(), [-2.0, 0.2, 3.0]),
    "std of a constant row": (lambda lib, x: x.reshape(2, 2).std(-1), [2.0, 2.0, 1.0, 3.0]),
    "norm(p=3) at the zero vector": (lambda lib, x: x.norm(p=3), [0.0, 0.0, 0.0]),
    "norm(p=2) at the zero vector": (lambda lib, x: x.norm(), [0.0, 0.0]),
    "gelu at 0 under a reciprocal": (lambda lib, x: functional(lib).gelu(x).reciprocal(), [0.0, 1.0]),
}


def functional(lib):  # noqa: ANN001, ANN201
    torch = pytest.importorskip("torch")
    return torch.nn.functional if lib is torch else mg.nn.functional


@pytest.mark.parametrize("name", PIECEWISE)
def test_piecewise_gradients_are_torchs_with_no_nan_where_torch_is_finite(name: str) -> None:
    torch = pytest.importorskip("torch")
    expression, values = PIECEWISE[name]
    ours, theirs = mg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    with np.errstate(all="ignore"):
        expression(mg, ours).sum().backward()
    expression(torch, theirs).sum().backward()
    expected = theirs.grad.numpy()
    got = ours.grad.numpy()
    assert not (np.isnan(got) & ~np.isnan(expected)).any(), (got, expected)
    both = ~np.isnan(expected)
    np.testing.assert_allclose(got[both], expected[both], rtol=1e-5)


def test_the_second_derivative_of_x_to_the_0_at_0_is_0() -> None:
    x = mg.tensor([0.0, -0.0, 2.0], requires_grad=True)
    grad, = mg.grad((x ** mg.tensor(0.0)).sum() + (x**0).sum(), [x], create_graph=True)
    assert np.all(grad.numpy() == 0)
    if grad.requires_grad:
        grad.sum().backward()
        assert not np.isnan(x.grad.numpy()).any()


def test_attention_with_a_fully_masked_query_row_gives_zeros_and_zero_gradients() -> None:
    torch = pytest.importorskip("torch")
    from models.attention import masked_softmax

    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(shape).astype(np.float32) for shape in ((1, 2, 4), (1, 3, 4), (1, 3, 4)))
    mask = np.array([[True, True, False], [False, False, False]])
    ours = [mg.tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    out = mg.nn.functional.scaled_dot_product_attention(*ours, attn_mask=mg.tensor(mask))
    expected = torch.nn.functional.scaled_dot_product_attention(*theirs, attn_mask=torch.tensor(mask))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), atol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), other.grad.numpy(), atol=1e-5)
    scores = mg.randn(2, 3, requires_grad=True)
    weights = masked_softmax(scores, mg.tensor(mask))
    (weights * mg.randn(2, 3)).sum().backward()
    assert np.all(weights.numpy()[1] == 0) and np.all(scores.grad.numpy()[1] == 0)
    assert not np.isnan(scores.grad.numpy()).any()


INTEGER_CASES = {  # name: what both run on [0, 1] (int64) and [True, False]; torch's dtype and values, or its refusal
    "sigmoid": lambda lib, x: x.sigmoid(), "erf": lambda lib, x: x.erf(), "exp": lambda lib, x: x.exp(),
    "sqrt": lambda lib, x: x.sqrt(), "tanh": lambda lib, x: x.tanh(), "sin": lambda lib, x: x.sin(),
    "cos": lambda lib, x: x.cos(), "log1p": lambda lib, x: x.log1p(), "atan": lambda lib, x: x.atan(),
    "rsqrt": lambda lib, x: x.rsqrt(), "exp2": lambda lib, x: x.exp2(), "expm1": lambda lib, x: x.expm1(),
    "clamp(min=0.5)": lambda lib, x: x.clamp(min=0.5), "clamp(min=1)": lambda lib, x: x.clamp(min=1),
    "plus 1": lambda lib, x: x + 1, "times 2": lambda lib, x: x * 2, "floor-divided by 2": lambda lib, x: x // 2,
    "silu": lambda lib, x: functional(lib).silu(x), "softplus": lambda lib, x: functional(lib).softplus(x),
    "logsigmoid": lambda lib, x: functional(lib).logsigmoid(x), "gelu": lambda lib, x: functional(lib).gelu(x),
    "elu": lambda lib, x: functional(lib).elu(x), "softmax": lambda lib, x: x.softmax(0),
    "relu": lambda lib, x: x.relu(), "abs": lambda lib, x: x.abs(), "sign": lambda lib, x: x.sign(),
    "floor": lambda lib, x: x.floor(), "hardtanh": lambda lib, x: functional(lib).hardtanh(x),
}


@pytest.mark.parametrize("values", [[0, 1], [True, False]], ids=["int64", "bool"])
@pytest.mark.parametrize("name", INTEGER_CASES)
def test_integer_and_bool_inputs_follow_torchs_promotion_or_its_refusal(name: str, values: list) -> None:
    torch = pytest.importorskip("torch")
    expression = INTEGER_CASES[name]
    try:
        expected = expression(torch, torch.tensor(values))
    except (RuntimeError, TypeError):
        with pytest.raises(TypeError):
            expression(mg, mg.tensor(values))
        return
    got = expression(mg, mg.tensor(values))
    assert str(got.dtype) == str(expected.dtype).removeprefix("torch."), (got.dtype, expected.dtype)
    np.testing.assert_allclose(got.numpy().astype(float), expected.numpy().astype(float), rtol=1e-6)


@pytest.mark.parametrize("call", [lambda x: x.prod(axis=(0, 1)), lambda x: x.cumsum(dim=(0, 1)),
                                  lambda x: x.softmax(dim=(0, 1)), lambda x: x.argmax(axis=(0, 1)),
                                  lambda x: x.sort(dim=(0, 1))], ids=["prod", "cumsum", "softmax", "argmax", "sort"])
def test_ops_that_take_one_axis_refuse_a_tuple(call) -> None:  # noqa: ANN001
    with pytest.raises(TypeError, match="takes one axis"):
        call(mg.randn(2, 3))


def test_pad_with_negative_widths_crops_as_torch() -> None:
    torch = pytest.importorskip("torch")
    for widths in [(-1, 1), (1, -2), (-1, -1, 1, 0), (0, 0, -1, 0)]:
        x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        out = mg.nn.functional.pad(x, widths)
        expected = torch.nn.functional.pad(torch.arange(6.0).reshape(2, 3), widths)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
        out.sum().backward()
        assert x.grad.shape == (2, 3)
    with pytest.raises(ValueError, match="crops more"):
        mg.nn.functional.pad(mg.zeros(2, 3), (-2, -2))


def test_a_negative_gather_or_scatter_index_is_refused_and_a_0d_tensor_is_not_iterable() -> None:
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(IndexError):
        x.gather(1, mg.tensor([[-1], [0]]))
    with pytest.raises(IndexError):
        mg.nn.functional.scatter_add(x, 1, mg.tensor([[-1], [0]]), mg.ones(2, 1))
    with pytest.raises(TypeError, match="0-d"):
        list(mg.tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        len(mg.tensor(1.0))
    assert [t.item() for t in mg.tensor([1.0, 2.0])] == [1.0, 2.0]


def test_evaluate_keeps_no_more_than_one_batch_of_attention_matrices(run, monkeypatch) -> None:
    import models.evaluation as evaluation

    loaded = load_checkpoint(run[0] / "best.safetensors")
    seen: list[int] = []
    real = evaluation.translate

    def counting(model, corpus, sources, *args, **kwargs):  # noqa: ANN001, ANN202
        seen.append(len(sources))
        return real(model, corpus, sources, *args, **kwargs)

    monkeypatch.setattr(evaluation, "translate", counting)
    pairs = [(f"{'abc'[i % 3]}{'abc'[i // 3 % 3]}{'abc'[i // 9 % 3]}{i % 7}", "a") for i in range(700)]
    result = evaluation.evaluate(loaded.model, loaded.corpus(), pairs, loaded.config)
    assert sum(seen) == len({s for s, _ in pairs}) and max(seen) <= 256 and len(result.examples) == sum(seen)


def test_flatten_of_a_size_0_tensor_has_torchs_shape() -> None:
    torch = pytest.importorskip("torch")
    for shape, (start, end) in [((2, 3, 0, 4), (2, 3)), ((0, 3, 4), (0, 1)), ((2, 0), (0, -1))]:
        assert mg.zeros(*shape).flatten(start, end).shape == tuple(torch.zeros(*shape).flatten(start, end).shape)


def test_a_third_column_such_as_tatoebas_attribution_is_not_read_into_the_target(tmp_path) -> None:
    from models.data import read_pairs

    data = tmp_path / "tatoeba.tsv"
    data.write_text("Go.\t가.\tCC-BY 2.0 (France) Attribution: tatoeba.org #1\nHi.\t안녕.\n", encoding="utf-8")
    read = read_pairs(data)
    assert read.pairs == [("Go.", "가."), ("Hi.", "안녕.")] and read.extra_columns == 1
