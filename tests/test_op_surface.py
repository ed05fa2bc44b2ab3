"""One op, one place: what a contributor who adds an op can count on finding.

* every op's ``Function`` and its user function are in one file, ``minigrad/ops/<kind>.py``, and no
  other module calls that Function's ``apply`` (the one documented exception: the fused LSTM of
  ``minigrad/fast/``, which ``nn.LSTM`` switches to);
* each kind lists its user functions in ``__all__`` and its Tensor methods in ``METHODS``, and one
  module (``minigrad/ops/__init__.py``) attaches them all;
* no two modules of the package share a basename with different contents (``functional.py`` and
  ``nn/functional.py`` are one file, word for word);
* no module reads another module's private fields, other than its own object's inherited ones
  (the engine's seam is ``tensor.Node``: public fields, declared beside the walk that reads them).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import minigrad
import minigrad.functional as F
import minigrad.nn.functional as nn_F
from minigrad import ops

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "minigrad"
MODULES = sorted(PACKAGE.rglob("*.py"))
TREES = {path: ast.parse(path.read_text(encoding="utf-8")) for path in MODULES}
CHECKED = MODULES + sorted((ROOT / "models").glob("*.py")) + sorted((ROOT / "examples").glob("*.py"))

# the documented exception: the fast layer's Function is applied by the layer that switches to it
CALLED_ELSEWHERE = {("LSTMRecurrence", "minigrad/nn/rnn.py")}


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def function_classes() -> dict[str, Path]:
    """Every subclass of Function (directly or through another op) defined in the package, by name."""
    found: dict[str, Path] = {}
    changed = True
    while changed:  # Min(Max) and Minimum(Maximum) are ops too
        changed = False
        for path, tree in TREES.items():
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and node.name not in found and any(
                        isinstance(base, ast.Name) and (base.id == "Function" or base.id in found)
                        for base in node.bases):
                    found[node.name] = path
                    changed = True
    return found


FUNCTIONS = function_classes()


def test_the_checker_finds_the_ops() -> None:
    assert {"Add", "Sin", "Sum", "Minimum", "Min", "GetItem", "Einsum", "BinaryCrossEntropy"} <= set(FUNCTIONS)
    assert FUNCTIONS["Sin"] == PACKAGE / "ops" / "trig.py"
    assert len(FUNCTIONS) > 50


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_a_functions_user_function_is_in_its_own_file(name: str) -> None:
    path = FUNCTIONS[name]
    users = [node.name for node in TREES[path].body if isinstance(node, ast.FunctionDef) and any(
        isinstance(inner, ast.Name) and inner.id == name for inner in ast.walk(node))]
    if (name, "minigrad/nn/rnn.py") in CALLED_ELSEWHERE:
        return
    assert users, f"{name} ({relative(path)}) has no user function in its own file"


@pytest.mark.parametrize("path", CHECKED, ids=relative)
def test_no_module_applies_another_files_function(path: Path) -> None:
    tree = TREES.get(path) or ast.parse(path.read_text(encoding="utf-8"))
    own = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}  # an example's own op is its own
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "apply" and isinstance(node.value, ast.Name):
            home = FUNCTIONS.get(node.value.id)
            if home is None or home == path or node.value.id in own \
                    or (node.value.id, relative(path)) in CALLED_ELSEWHERE:
                continue
            pytest.fail(f"{relative(path)}:{node.lineno} calls {node.value.id}.apply; "
                        f"call its user function in {relative(home)} instead")


def test_the_checker_sees_an_apply_from_elsewhere(tmp_path: Path) -> None:
    stray = tmp_path / "stray.py"
    stray.write_text("from minigrad.ops.trig import Sin\n\ndef sine(x):\n    return Sin.apply(x)\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="calls Sin.apply"):
        test_no_module_applies_another_files_function(stray)


def test_no_two_modules_share_a_basename_with_different_contents() -> None:
    by_name: dict[str, list[Path]] = {}
    for path in MODULES:
        # the learn track's stub, solution and grader of one task share its name by design
        if path.name != "__init__.py" and "learn" not in relative(path).split("/")[:2]:
            by_name.setdefault(path.name, []).append(path)
    for name, paths in by_name.items():
        contents = {path.read_text(encoding="utf-8") for path in paths}
        assert len(contents) == 1, f"{name}: {[relative(p) for p in paths]} differ"
    assert len(by_name["functional.py"]) == 2  # the two spellings of F, one file


def test_both_spellings_of_f_are_the_same_op_set() -> None:
    assert F.__all__ == nn_F.__all__
    for name in F.__all__:
        assert getattr(F, name) is getattr(nn_F, name), name


@pytest.mark.parametrize("kind", ops.KINDS, ids=lambda kind: kind.__name__.rsplit(".", 1)[-1])
def test_each_kind_defines_what_it_exports(kind) -> None:
    tree = TREES[Path(kind.__file__)]
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    defined |= {target.id for node in tree.body if isinstance(node, ast.Assign)
                for each in node.targets for target in ast.walk(each) if isinstance(target, ast.Name)}
    imported = sorted(name for name in kind.__all__ if name not in defined)
    assert not imported, f"{kind.__name__} exports {imported}, which it does not define"
    for name in kind.__all__:
        assert getattr(F, name) is getattr(kind, name)


def test_every_op_module_is_a_kind() -> None:
    files = {path.stem for path in (PACKAGE / "ops").glob("*.py")} - {"__init__", "arguments"}
    assert files == {kind.__name__.rsplit(".", 1)[-1] for kind in ops.KINDS}


def test_one_table_attaches_the_methods() -> None:
    writers = []
    for path, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" \
                    and isinstance(node.args[0], ast.Name) and node.args[0].id == "Tensor":
                writers.append(relative(path))
            elif isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for inner in ast.walk(target):
                        if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) \
                                and inner.value.id == "Tensor":
                            writers.append(relative(path))
    assert writers == ["minigrad/ops/__init__.py"]
    seen: dict[str, str] = {}
    for kind in ops.KINDS:
        for name, method in kind.METHODS.items():
            assert name not in seen, f"Tensor.{name} is given by {seen[name]} and by {kind.__name__}"
            seen[name] = kind.__name__
            assert getattr(minigrad.Tensor, name) is method or isinstance(method, property)


def owned_private_names(tree: ast.Module) -> set[str]:
    """The private names a module defines: its top-level ones, its slots, and the attributes it assigns."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for inner in ast.walk(target):
                    if isinstance(inner, ast.Name):
                        names.add(inner.id)
                    elif isinstance(inner, ast.Attribute):
                        names.add(inner.attr)
                    if isinstance(target, ast.Name) and target.id == "__slots__" and isinstance(node.value, ast.Tuple):
                        names |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


OWNED = {path: owned_private_names(tree) for path, tree in TREES.items()}
# known, and left to the rework of nn/rnn.py and nn/gru.py (issue 23): GRU borrows LSTM._padding_mask
KNOWN_BORROWS = {("minigrad/nn/gru.py", "_padding_mask")}


@pytest.mark.parametrize("path", [path for path in MODULES if "learn" not in relative(path).split("/")[:2]],
                         ids=relative)  # the learn track's Value keeps micrograd's _prev/_backward, read by task 2
def test_no_module_reads_another_modules_private_fields(path: Path) -> None:
    elsewhere = set().union(*(names for other, names in OWNED.items() if other != path)) - OWNED[path]
    for node in ast.walk(TREES[path]):  # (self._x in a subclass is the object's own, inherited)
        if isinstance(node, ast.Attribute) and node.attr in elsewhere \
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")) \
                and (relative(path), node.attr) not in KNOWN_BORROWS:
            pytest.fail(f"{relative(path)}:{node.lineno} reads .{node.attr}, a private field of another module")
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("minigrad"):
            borrowed = [alias.name for alias in node.names if alias.name.startswith("_")]
            assert not borrowed, f"{relative(path)} imports private {borrowed} from {node.module}"


def test_the_faces_import_every_kind() -> None:
    for face in (F, nn_F):
        for kind in ops.KINDS:
            assert set(kind.__all__) <= set(face.__all__), (face.__name__, kind.__name__)
    importlib.reload(F)  # re-importing the face attaches nothing twice and changes nothing
    assert F.sin is ops.trig.sin


@pytest.mark.parametrize("readme", ["README.md", "README.ko.md"])
def test_the_readme_map_names_every_module(readme: str) -> None:
    text = (ROOT / readme).read_text(encoding="utf-8")
    table = "\n".join(line for line in text.splitlines() if line.startswith("| `minigrad/"))
    top = [path.name + ("/" if path.is_dir() else "") for path in sorted(PACKAGE.iterdir())
           if (path.suffix == ".py" and path.name != "__init__.py") or (path / "__init__.py").exists()]
    missing = [name for name in top if f"`minigrad/{name}" not in table]
    assert not missing, f"{readme}'s map leaves out {missing}"
    kinds = [kind.__name__.rsplit(".", 1)[-1] for kind in ops.KINDS]
    assert all(f"`{kind}`" in table for kind in kinds), f"{readme}'s map leaves out a kind of op"


def test_the_dim_axis_alias_is_written_once() -> None:
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        inline = [phrase for phrase in ("if dim is None else", "if keepdim is None else") if phrase in text]
        assert path.name == "arguments.py" or not inline, \
            f"{relative(path)} writes {inline} itself; use ops.arguments.dim_or_axis / keepdim_or_keepdims"
