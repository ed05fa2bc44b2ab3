"""Layers only go down: every import in minigrad/, lazy ones too, points at a lower layer, and none
closes a cycle; models/ reaches minigrad only through its public names.

The layers, bottom to top (README.md's map names the modules): backend → autograd (tensor, Function,
grad mode) → ops (and the fast layer) → nn / optim / gradcheck / viz → models → examples, CLI.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import minigrad

ROOT = Path(__file__).resolve().parent.parent

# rank of each module (or package, for every module in it); an import may only go to an equal or lower rank
RANKS = {
    "minigrad.strict": 0,
    "minigrad.io.safefile": 0,  # bounded reading and atomic writing of files: NumPy and the standard library only
    "minigrad.backend": 1,
    "minigrad.grad_mode": 1,
    "minigrad.tensor": 2,  # Tensor and the backward walk
    "minigrad.autograd": 3,  # Function and torch.autograd's entry points
    "minigrad.creation": 3,
    "minigrad.ops": 4,  # one file per kind of op: the Functions, their user functions, the Tensor methods
    "minigrad.fast": 4,  # the fast layer sits beside the ops it replaces
    "minigrad.functional": 5,  # the op set's public face (nn.functional, the same file, sits in nn)
    "minigrad.gradcheck": 6,
    "minigrad.nn": 6,
    "minigrad.optim": 6,
    "minigrad.distributed": 6,  # data parallelism on MPI: gradients and parameters, like optim
    "minigrad.io": 7,  # checkpoints: their format (serialization) and the old .npz (legacy), read to convert them
    "minigrad.viz": 7,  # it draws modules, so it sits above nn
    "minigrad": 8,  # the package's __init__: it gathers everything
    "minigrad.learn": 9,  # the learner's track: above models/, whose attention code grades the attention tasks
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def minigrad_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / "minigrad").rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The minigrad modules that ``path`` imports anywhere in it (top level, in functions, under TYPE_CHECKING)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "minigrad"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "minigrad":
            for alias in node.names:  # `from minigrad.nn import init` imports the module minigrad.nn.init
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return found


def rank(module: str) -> int:
    while module not in RANKS:
        module = module.rpartition(".")[0]
    return RANKS[module]


GRAPH = {name: imports_of(path, set(minigrad_modules())) - {name} for name, path in minigrad_modules().items()}


def test_every_minigrad_module_has_a_layer() -> None:
    for name in GRAPH:
        rank(name)  # raises KeyError for a module the table does not place


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_goes_up_a_layer(module: str) -> None:
    upward = sorted(other for other in GRAPH[module] if rank(other) > rank(module))
    assert not upward, f"{module} (layer {rank(module)}) imports {upward} from a higher layer"


def test_no_import_cycle_among_minigrad_modules() -> None:
    done: set[str] = set()
    for start in GRAPH:
        path, on_path, stack = [], set(), [(start, iter(sorted(GRAPH[start])))]
        if start in done:
            continue
        path.append(start)
        on_path.add(start)
        while stack:
            module, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(path.pop())
                done.add(module)
            elif child in on_path:
                cycle = path[path.index(child):] + [child]
                pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            elif child not in done and child in GRAPH:
                path.append(child)
                on_path.add(child)
                stack.append((child, iter(sorted(GRAPH[child]))))


def test_the_checker_sees_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    # the checker itself: a lazy import inside a function counts, and `from X import module` is that module
    lazy = tmp_path / "lazy.py"
    lazy.write_text("def f():\n    from minigrad.nn import module\n    import minigrad.viz\n", encoding="utf-8")
    assert imports_of(lazy, {"minigrad.nn.module"}) == {"minigrad.nn.module", "minigrad.viz"}
    assert rank("minigrad.nn.module") > rank("minigrad.tensor")


PUBLIC = set(minigrad.__all__)


@pytest.mark.parametrize("path", sorted((ROOT / "models").glob("*.py")), ids=lambda p: p.name)
def test_models_use_only_minigrads_public_names(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] != "minigrad" or alias.name == "minigrad", \
                    f"{path.name}: import {alias.name}; use `import minigrad as mg`"
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "minigrad":
            assert node.module == "minigrad", f"{path.name}: from {node.module} import ...; use minigrad's public names"
            hidden = [alias.name for alias in node.names if alias.name not in PUBLIC]
            assert not hidden, f"{path.name}: {hidden} are not among minigrad's public names (minigrad.__all__)"


def test_only_the_learners_track_imports_models() -> None:
    # minigrad.learn sits above models/ (its graders and references use models.attention and
    # models.transformer), so it is the one part of minigrad that may import models; the rest never does,
    # and nothing imports minigrad.learn (its rank is the top one)
    for name, path in minigrad_modules().items():
        if name == "minigrad.learn" or name.startswith("minigrad.learn."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [m for m in modules if m.split(".")[0] == "models"], f"{name} imports models/"
    assert rank("minigrad.learn.tasks") == max(RANKS.values())
