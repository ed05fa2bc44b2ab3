"""The learner's track (minigrad-learn): every stub fails, every reference passes, and each typical
mistake a task lists is recognised, with its own message in English and in Korean.

The wrong answers are small edits of the reference solution (``WRONG``): the typical mistakes
learners make, written as the learner would. A learner who solved tasks 1..N runs task N+1 on
their own answers (the references copied in as their files), and on the reference, with a note,
where an earlier task is not done.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from minigrad.learn import cli, core, track
from minigrad.learn.core import GENERIC, SOLUTIONS, AnswerError

ROOT = Path(__file__).resolve().parent.parent
TASKS = {task.number: task for task in track.tasks()}
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# task number -> mistake key -> the edits (old, new) that turn the reference into that wrong answer
WRONG: dict[int, dict[str, list[tuple[str, str]]]] = {
    1: {
        "mul_own_data": [("self.grad += other.data * out.grad", "self.grad += self.data * out.grad"),
                         ("other.grad += self.data * out.grad", "other.grad += other.data * out.grad")],
        "no_chain": [("self.grad += other.data * out.grad", "self.grad += other.data"),
                     ("other.grad += self.data * out.grad", "other.grad += self.data")],
        "tanh_input": [("(1 - out.data * out.data) * out.grad", "(1 - self.data * self.data) * out.grad")],
        "assign": [("self.grad += other.data * out.grad", "self.grad = other.data * out.grad"),
                   ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad"),
                   ("self.grad += out.grad", "self.grad = out.grad"),
                   ("other.grad += out.grad", "other.grad = out.grad")],
    },
    2: {
        "no_seed": [("    root.grad = 1.0\n", "")],
        "forward_order": [("for node in reversed(topological_order(root)):", "for node in topological_order(root):")],
        "skips_root": [("reversed(topological_order(root))", "reversed(topological_order(root)[:-1])")],
        "twice": [("elif node not in visited:", "else:"), (" if child not in visited)", ")")],
        "recursion": [("""    order, visited = [], set()
    stack = [(root, False)]  # (node, its inputs are already in the order)
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if child not in visited)
    return order""", """    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(root)
    return order""")],
    },
    3: {
        "unchanged": [("    grad = np.asarray(grad)\n", "    return grad\n")],
        "leading_only": [("return grad.sum(axis=stretched, keepdims=True).reshape(shape)", "return grad")],
        "squeezed": [("keepdims=True).reshape(shape)", "keepdims=False)")],
        "mean": [("grad.sum(", "grad.mean(")],
    },
    4: {
        "swapped_order": [("grad_a = grad @ np.swapaxes(b, -1, -2)", "grad_a = np.swapaxes(b, -1, -2) @ grad")],
        "no_transpose": [("grad_b = np.swapaxes(a, -1, -2) @ grad", "grad_b = a @ grad")],
        "dot_T": [("np.swapaxes(b, -1, -2)", "b.T"), ("np.swapaxes(a, -1, -2)", "a.T")],
        "no_sum_to": [("return sum_to(grad_a, a.shape), sum_to(grad_b, b.shape)", "return grad_a, grad_b")],
    },
    5: {
        "wrong_axis": [("x.max(axis=axis, keepdims=True)", "x.max(axis=0, keepdims=True)"),
                       ("sum(axis=axis, keepdims=True)", "sum(axis=0, keepdims=True)")],
        "no_keepdims": [("exps / exps.sum(axis=axis, keepdims=True)", "exps / exps.sum(axis=axis)")],
        "overflow": [("    shifted = x - x.max(axis=axis, keepdims=True)\n    exps", "    shifted = x\n    exps")],
        "log_of_softmax": [("return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))",
                            "return np.log(softmax(x, axis))")],
    },
    6: {
        "no_mean": [("return float(loss), grad / count", "return float(loss), grad")],
        "sign": [("return float(loss), grad / count", "return float(loss), -grad / count")],
        "wrong_pick": [("[rows, targets].mean()", "[:, targets].mean()")],
        "negative_loss": [("loss = -log_softmax(", "loss = log_softmax(")],
    },
    7: {
        "one_sided": [("flat_x[k] = saved - eps", "flat_x[k] = saved"),
                      ("(plus - minus) / (2 * eps)", "(plus - minus) / eps")],
        "no_half": [("(plus - minus) / (2 * eps)", "(plus - minus) / eps")],
        "not_restored": [("        flat_x[k] = saved\n", "")],
        "all_at_once": [("flat_x[k] = saved + eps", "flat_x[:] += eps"),
                        ("flat_x[k] = saved - eps", "flat_x[:] -= 2 * eps"),
                        ("        flat_x[k] = saved\n", "        flat_x[:] += eps\n")],
    },
    8: {
        "gate_order": [("i, f, g, o = gates.chunk(4, axis=-1)", "i, f, o, g = gates.chunk(4, axis=-1)")],
        "no_tanh_c": [("h_next = o * c_next.tanh()", "h_next = o * c_next")],
        "no_input_gate": [("c_next = f * c + i * g", "c_next = f * c + g")],
        "sigmoid_g": [("g.tanh(), o.sigmoid()", "g.sigmoid(), o.sigmoid()")],
        "graph_broken": [("    gates = x @ weight_ih.T", "    weight_ih = mg.tensor(weight_ih.numpy())\n"
                          "    gates = x @ weight_ih.T")],
    },
    9: {
        "no_sqrt_d": [(" * (1.0 / math.sqrt(keys.shape[-1]))", "")],
        "divide_by_d": [("math.sqrt(keys.shape[-1])", "keys.shape[-1]")],
        "general_transposed": [("return query @ w @ keys", "return query @ w.T @ keys")],
        "additive_no_tanh": [("(projected_query + projected_keys).tanh()", "(projected_query + projected_keys)")],
        "cosine_no_sqrt": [("keepdims=True) + eps).sqrt()", "keepdims=True) + eps)")],
    },
    10: {
        "wrong_axis": [("weights = scores.softmax(axis=-1)", "weights = scores.softmax(axis=1)")],
        "mask_inverted": [("scores.masked_fill(~mask,", "scores.masked_fill(mask,")],
        "zero_fill": [('masked_fill(~mask, float("-inf"))', "masked_fill(~mask, 0.0)")],
        "after_softmax": [('        scores = scores.masked_fill(~mask, float("-inf"))  # e^-inf = 0\n', ""),
                          ("    weights = scores.softmax(axis=-1)\n",
                           "    weights = scores.softmax(axis=-1)\n    if mask is not None:\n"
                           "        weights = weights * mask\n")],
        "no_unsqueeze": [("            mask = mask.unsqueeze(1)", "            pass")],
    },
    11: {
        "concat_order": [("mg.concat([context, s], axis=-1)", "mg.concat([s, context], axis=-1)")],
        "no_tanh": [("(mg.concat([context, s], axis=-1) @ w_c.T).tanh()", "mg.concat([context, s], axis=-1) @ w_c.T")],
        "logits_from_s": [("return attentional @ w_o.T + b_o", "return s @ w_o.T + b_o")],
    },
    12: {
        "includes_eos": [("        if token == eos:\n            break\n        tokens.append(token)\n",
                          "        tokens.append(token)\n        if token == eos:\n            break\n")],
        "includes_bos": [("tokens, token = [], bos", "tokens, token = [bos], bos")],
        "no_stop": [("        if token == eos:\n            break\n", "")],
        "stale_token": [("        token = int(np.argmax(log_probs))\n        if token == eos:\n            break\n"
                         "        tokens.append(token)\n",
                         "        chosen = int(np.argmax(log_probs))\n        if chosen == eos:\n            break\n"
                         "        tokens.append(chosen)\n")],
        "max_len_off_by_one": [("for _ in range(max_len):", "for _ in range(max_len + 1):")],
        "no_max_len": [("for _ in range(max_len):", "while True:")],
    },
    13: {
        "greedy_only": [("extensions[:beam_size]", "extensions[:1]")],
        "last_step_score": [("(score + float(log_probs[candidate])", "(float(log_probs[candidate])")],
        "drops_finished": [("                finished.append((score, tokens))\n", "                pass\n")],
        "includes_eos": [("finished.append((score, tokens))", "finished.append((score, [*tokens, token]))")],
    },
    14: {
        "scale_by_embed": [("scores = scaled_dot_score(heads(query), heads(keys))",
                            "scores = dot_score(heads(query), heads(keys)) * (1 / size ** 0.5)"),
                           ("import attend, scaled_dot_score", "import attend, dot_score")],
        "split_without_swap": [("x.reshape(batch, x.shape[1], num_heads, head_size).swapaxes(1, 2)",
                                "x.reshape(batch, num_heads, x.shape[1], head_size)")],
        "join_without_swap": [("context.swapaxes(1, 2).reshape(", "context.reshape(")],
        "mask_without_heads_axis": [("mask.unsqueeze(1)  # the heads' axis", "mask")],
    },
    15: {
        "norm_wrong_axis": [("mean = x.mean(axis=-1, keepdims=True)", "mean = x.mean(axis=1, keepdims=True)"),
                            ("(centred * centred).mean(axis=-1,", "(centred * centred).mean(axis=1,")],
        "no_residual": [("layer_norm(x + attended,", "layer_norm(attended,"),
                        ("layer_norm(h + fed,", "layer_norm(fed,")],
        "pre_norm": [("    w_q, w_k, w_v", '    inputs = x\n    x = layer_norm(x, params["norm1.weight"], '
                      'params["norm1.bias"])\n    w_q, w_k, w_v'),
                     ('h = layer_norm(x + attended, params["norm1.weight"], params["norm1.bias"])',
                      "h = inputs + attended"),
                     ("hidden = (h @", 'hidden = (layer_norm(h, params["norm2.weight"], params["norm2.bias"]) @'),
                     ('return layer_norm(h + fed, params["norm2.weight"], params["norm2.bias"])', "return h + fed")],
        "no_relu": [('params["linear1.bias"]).relu()', 'params["linear1.bias"])')],
    },
}


def wrong_answer(number: int, key: str, workspace: Path) -> Path:
    """Write the reference of task ``number`` with the edits of mistake ``key`` as the learner's file."""
    task = TASKS[number]
    text = (SOLUTIONS / task.filename).read_text(encoding="utf-8")
    for old, new in WRONG[number][key]:
        assert old in text, f"task {number}, {key}: the reference no longer contains {old!r}"
        text = text.replace(old, new)
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / task.filename
    path.write_text(text, encoding="utf-8")
    return path


def timed_check(number: int, workspace: Path, reference: bool = False) -> track.Result:
    began = time.perf_counter()
    result = track.check(number, workspace, reference=reference)
    assert time.perf_counter() - began < 10, f"check {number} took over 10 s"
    return result


def test_the_track_has_at_least_14_tasks_in_order() -> None:
    assert sorted(TASKS) == list(range(1, len(TASKS) + 1))
    assert len(TASKS) >= 14


@pytest.mark.parametrize("number", sorted(TASKS))
def test_each_task_lists_three_mistakes_in_both_languages_and_links_docs_that_exist(number: int) -> None:
    task = TASKS[number]
    assert len(task.mistakes) >= 3
    assert set(task.mistakes) == set(WRONG.get(number, {})), "every listed mistake needs a wrong answer in WRONG"
    for english, korean in [*task.mistakes.values(), *task.messages.values()]:
        assert english != korean and HANGUL.search(korean) and not HANGUL.search(english)
    for lang in ("en", "ko"):
        assert task.title[lang] and task.goal[lang]
    stub = task.stub_text()
    assert f"minigrad-learn check {number}" in stub and task.docs.partition("#")[0] in stub and task.notebook in stub
    page, _, anchor = task.docs.partition("#")
    assert (ROOT / page).exists() and (ROOT / task.notebook).exists()
    assert anchor in {re.sub(r"[^\w\- ]", "", h.strip().lower().replace("`", "")).replace(" ", "-")
                      for h in re.findall(r"^#{1,6}\s+(.+)$", (ROOT / page).read_text(encoding="utf-8"), re.M)}


@pytest.mark.parametrize("number", sorted(TASKS))
def test_the_untouched_stub_fails_and_the_reference_passes(number: int, tmp_path: Path) -> None:
    path, written = track.start(TASKS[number], tmp_path)
    assert written and "NotImplementedError" in path.read_text(encoding="utf-8")
    stub = timed_check(number, tmp_path)
    assert not stub.passed and stub.key == "not_done", stub.text()
    reference = timed_check(number, tmp_path, reference=True)
    assert reference.passed, reference.text()


CASES = [(number, key) for number in sorted(WRONG) for key in sorted(WRONG[number])]


@pytest.mark.parametrize(("number", "key"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_a_typical_mistake_fails_with_its_own_message(number: int, key: str, tmp_path: Path) -> None:
    wrong_answer(number, key, tmp_path)
    result = timed_check(number, tmp_path)
    assert result.key == key, f"expected the message for {key!r}, got {result.key!r}: {result.text()}"
    english, korean = TASKS[number].mistakes[key]
    details = result.failure.details
    assert result.text("en") == english.format(**{k: getattr(v, "en", v) for k, v in details.items()})
    assert result.text("ko") == korean.format(**{k: getattr(v, "ko", v) for k, v in details.items()})
    assert HANGUL.search(result.text("ko")) and not HANGUL.search(result.text("en"))


# the earlier answers each task builds on (through minigrad.learn.mine)
USES: dict[int, set[str]] = {2: {"Value"}, 4: {"sum_to"}, 6: {"softmax", "log_softmax"},
                        11: {"dot_score", "attend"},
                        14: {"scaled_dot_score", "attend"},
                        15: {"multi_head_attention"}}


@pytest.mark.parametrize("number", sorted(TASKS)[1:])
def test_a_learner_who_solved_the_tasks_before_runs_the_next_on_their_own_code(number: int, tmp_path: Path) -> None:
    for earlier in range(1, number + 1):
        shutil.copy(SOLUTIONS / TASKS[earlier].filename, tmp_path / TASKS[earlier].filename)
    own = track.check(number, tmp_path)
    assert own.passed, own.text()
    assert {details["what"] for key, details in own.notes if key == "yours"} == USES.get(number, set())
    assert not [key for key, _ in own.notes if key == "fallback"]
    for earlier in range(1, number):  # the earlier tasks not done: the reference stands in, with a note
        (tmp_path / TASKS[earlier].filename).unlink()
        track.start(TASKS[earlier], tmp_path)
    fallback = track.check(number, tmp_path)
    assert fallback.passed, fallback.text()
    assert {details["what"] for key, details in fallback.notes if key == "fallback"} == USES.get(number, set())
    assert not [key for key, _ in fallback.notes if key == "yours"]


def test_a_later_task_runs_on_the_learners_wrong_earlier_answer_only_when_it_passes(tmp_path: Path) -> None:
    wrong_answer(1, "no_chain", tmp_path)
    shutil.copy(SOLUTIONS / TASKS[2].filename, tmp_path / TASKS[2].filename)
    result = track.check(2, tmp_path)
    assert result.passed and result.notes[0][0] == "fallback"
    assert "task 1 (value) does not pass yet" in core.message(TASKS[2], *result.notes[0], "en")


def test_a_search_that_never_stops_is_stopped(tmp_path: Path) -> None:
    path = tmp_path / TASKS[13].filename
    text = (SOLUTIONS / TASKS[13].filename).read_text(encoding="utf-8")
    endless = text.replace("for _ in range(max_len):", "while True:").replace(
        "        if not beams:\n            break\n", "        beams = beams or [(0.0, [], 2, None)]\n")
    path.write_text(endless, encoding="utf-8")
    result = timed_check(13, tmp_path)
    assert result.key == "no_max_len" and "2000" in result.text("en") and "2000" in result.text("ko")


@pytest.mark.parametrize("page", ["docs/learn.md", "docs/learn.ko.md"])
def test_the_docs_list_every_task(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    assert not [n for n, task in TASKS.items() if f"| {n} | `{task.name}` |" not in text]


def test_the_training_runs_fail_an_answer_that_cannot_learn() -> None:
    # answers that train nothing: a zero gradient, a cell that forgets its state, a layer that never attends
    from minigrad.learn.tasks import task06_cross_entropy, task08_lstm_cell, task15_transformer_layer

    with track.grading(track.Context(ROOT, reference=True)):
        reference = {n: track.load(SOLUTIONS / TASKS[n].filename) for n in (8, 15)}
    cell, layer = reference[8].lstm_cell, reference[15]
    broken = {
        6: (task06_cross_entropy, SimpleNamespace(cross_entropy=lambda z, t: (0.0, np.zeros_like(z)))),
        8: (task08_lstm_cell, SimpleNamespace(lstm_cell=lambda x, h, c, *w: cell(x, h * 0, c * 0, *w))),
        15: (task15_transformer_layer, SimpleNamespace(
            encoder_layer=lambda x, p, heads, mask=None: layer.layer_norm(x, p["norm1.weight"], p["norm1.bias"]))),
    }
    for number, (grader, module) in broken.items():
        with pytest.raises(AnswerError) as caught:
            grader.learns(module)
        assert caught.value.key == "does_not_learn"
        assert HANGUL.search(core.message(TASKS[number], "does_not_learn", caught.value.details, "ko"))


def test_start_never_overwrites_a_file_the_learner_changed(tmp_path: Path) -> None:
    task = TASKS[1]
    path, written = track.start(task, tmp_path)
    assert written
    path.write_text(path.read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    again, written = track.start(task, tmp_path)
    assert again == path and not written and path.read_text(encoding="utf-8").endswith("# mine\n")


def test_check_without_a_file_says_to_start(tmp_path: Path) -> None:
    result = track.check(1, tmp_path)
    assert result.key == "no_file" and "minigrad-learn start 1" in result.text("en")


def test_an_error_in_the_learners_code_names_their_line(tmp_path: Path) -> None:
    wrong_answer(1, "no_chain", tmp_path)
    path = tmp_path / TASKS[1].filename
    path.write_text(path.read_text(encoding="utf-8").replace("self.grad += other.data\n", "self.grad += nothing\n"),
                    encoding="utf-8")
    result = track.check(1, tmp_path)
    assert result.key == "raised" and f"{path.name}, line" in result.text() and "NameError" in result.text()


def test_a_syntax_error_and_a_wrong_value_are_named_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / TASKS[3].filename
    path.write_text("import numpy as np\n\ndef sum_to(grad, shape)\n    return grad\n", encoding="utf-8")
    result = track.check(3, tmp_path)
    assert result.key == "raised" and f"{path.name}, line 3" in result.text() and "SyntaxError" in result.text()
    path.write_text("import numpy as np\n\ndef sum_to(grad, shape):\n    return np.zeros(shape)\n", encoding="utf-8")
    result = track.check(3, tmp_path)
    assert result.key == "values" and "expected" in result.text("en") and HANGUL.search(result.text("ko"))
    wrong_answer(10, "wrong_axis", tmp_path)
    path = tmp_path / TASKS[10].filename
    path.write_text(path.read_text(encoding="utf-8").replace("return weights @ values, weights",
                                                             "return weights @ values * 2, weights"), encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("softmax(axis=1)", "softmax(axis=-1)"), encoding="utf-8")
    result = track.check(10, tmp_path)  # the context, wrong for no listed reason: named in the learner's language
    assert result.key == "values" and result.text("en").startswith("the context without a mask is wrong")
    assert result.text("ko").startswith("마스크 없는 문맥 벡터이(가) 틀렸습니다")


def test_a_loop_that_never_ends_is_stopped_and_named(tmp_path: Path) -> None:
    path = tmp_path / TASKS[2].filename
    text = (SOLUTIONS / TASKS[2].filename).read_text(encoding="utf-8")
    endless = text.replace("node, inputs_done = stack.pop()", "node, inputs_done = stack[-1]")  # never popped
    path.write_text(endless.replace("order.append(node)", "pass"), encoding="utf-8")
    result = track.check(2, tmp_path, time_limit=0.5)
    assert result.key == "too_slow" and f"{path.name}, line" in result.text("en") and HANGUL.search(result.text("ko"))


def test_the_language_comes_from_the_option_or_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    assert track.language() == "en"
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert track.language() == "ko" and track.language("en") == "en"
    assert set(GENERIC) >= {"not_done", "raised", "no_file"}


def test_the_cli_in_process_prints_in_korean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--lang", "ko", "start", "1", str(tmp_path)]) == 0
    assert cli.main(["check", "1", str(tmp_path), "--lang", "ko"]) == 1
    out = capsys.readouterr().out
    assert "NotImplementedError" in out and HANGUL.search(out)
    assert cli.main(["list", str(tmp_path), "--lang", "en"]) == 0
    assert cli.main(["check", "99", str(tmp_path)]) == 2


def test_the_command_and_its_exit_statuses(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANG": "C"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "minigrad.learn", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)

    listing = run("list")
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == len(TASKS)
    assert run("start", "1").returncode == 0 and (tmp_path / "minigrad-learn" / TASKS[1].filename).exists()
    assert run("check", "1").returncode == 1
    assert run("check", "1", "--reference").returncode == 0
    shutil.copy(SOLUTIONS / TASKS[1].filename, tmp_path / "minigrad-learn" / TASKS[1].filename)
    passed = run("check", "1")
    assert passed.returncode == 0 and "PASS" in passed.stdout
    assert "[passes]" in run("list").stdout
    assert run("check", "0").returncode == 2 and run("start").returncode == 2
