"""Checks against what the deployment gives the script: the files under AZUREML_MODEL_DIR, and
the packages of its environment."""

from __future__ import annotations

import ast
import difflib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from ..documents.conda import CondaSpec
from ..findings import Finding, Severity
from ..model_layout import ModelLayout
from .contract import Facts, Function
from .packages import distributions_for, provided
from .source import dotted, resolve
from .uses import ScriptUse

MODEL_DIR = "AZUREML_MODEL_DIR"
_JOIN_CALLS = ("os.path.join", "posixpath.join", "pathlib.Path", "Path", "pathlib.PurePath", "PurePath")

# Images known to bring nothing beyond Python (and pip); others may carry anything, so the
# import check is skipped for them. The minimal inference images bring the inference server.
PLAIN_IMAGES = ("mcr.microsoft.com/azureml/openmpi", "python:", "ubuntu:", "debian:", "library/python:")
INFERENCE_IMAGES = ("mcr.microsoft.com/azureml/minimal-",)


def check(facts: Facts, uses: list[ScriptUse]) -> Iterator[Finding]:
    yield from _model_paths(facts, [(u, u.model) for u in uses if u.model is not None])
    yield from _imports(facts, uses)


# -- paths under AZUREML_MODEL_DIR ------------------------------------------------------------


def _model_paths(facts: Facts, uses: list[tuple[ScriptUse, ModelLayout]]) -> Iterator[Finding]:
    if not uses:
        return
    reported: set[int | str] = set()  # lines and paths already reported: one finding per mistake
    for node, relative, complete in _model_dir_joins(facts):
        if node.lineno in reported or relative in reported:
            continue
        for use, model in uses:
            problem = _missing_under(model, relative, complete)
            if problem:
                reported |= {node.lineno, relative}
                yield Finding(
                    "AMLD212",
                    Severity.ERROR,
                    f"$AZUREML_MODEL_DIR/{relative} does not exist for {use.config.name} ({model.description}). {problem}",
                    facts.script.span(node),
                )
                break


def _missing_under(layout: ModelLayout, relative: str, complete: bool) -> str | None:
    host = layout.host_path(relative)
    if host is not None and host.exists():
        return None
    top = ", ".join(f"{name}/" if (layout.entries.get(name) or Path()).is_dir() else name for name in layout.top_level())
    message = f"Under AZUREML_MODEL_DIR there is {top}."
    suggestion = _closest(layout, relative)
    if suggestion:
        message += f" Did you mean '{suggestion}'?"
    return message


def _closest(layout: ModelLayout, relative: str) -> str | None:
    files = layout.files()
    name = PurePosixPath(relative).name
    same_name = [f for f in files if PurePosixPath(f).name == name]
    if same_name:
        return same_name[0]
    close = difflib.get_close_matches(relative, files + layout.top_level(), n=1, cutoff=0.6)
    return close[0] if close else None


def _model_dir_joins(facts: Facts) -> Iterator[tuple[ast.expr, str, bool]]:
    """(expression, path below AZUREML_MODEL_DIR, whether every part is literal) for each join in the script."""
    if not facts.mentions(MODEL_DIR):
        return
    functions = [n for n in facts.nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    # Only the scopes whose own lines name the variable can join it (names do not flow between scopes here).
    scopes: list[ast.Module | Function] = [facts.tree]
    scopes += [f for f in functions if MODEL_DIR in "\n".join(facts.script.lines[f.lineno - 1 : f.end_lineno])]
    for scope in scopes:
        names: dict[str, tuple[str, bool]] = {}
        for node in _in_order(scope):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = _relative(node.value, names, facts)
                if value is not None:
                    names[node.targets[0].id] = value
                else:
                    names.pop(node.targets[0].id, None)
            if isinstance(node, (ast.Call, ast.BinOp, ast.JoinedStr)):
                value = _relative(node, names, facts)
                if value is not None and value[0]:
                    yield node, value[0], value[1]


def _in_order(scope: ast.Module | Function) -> Iterator[ast.AST]:
    """Nodes of `scope` in source order, not entering nested functions, classes or lambdas."""
    stack: list[ast.AST] = list(reversed(scope.body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _relative(node: ast.AST, names: dict[str, tuple[str, bool]], facts: Facts) -> tuple[str, bool] | None:
    """('sub/path', complete) when `node` is AZUREML_MODEL_DIR joined with literal parts, else None."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if _is_model_dir(node, facts):
        return "", True
    if isinstance(node, ast.Call):
        function = resolve(dotted(node.func), facts.aliases) or ""
        if function.endswith(_JOIN_CALLS) and node.args:
            return _join(_relative(node.args[0], names, facts), node.args[1:])
        if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
            return _join(_relative(node.func.value, names, facts), node.args)
        if function in ("str", "os.fspath", "os.path.abspath", "os.path.normpath") and node.args:
            return _relative(node.args[0], names, facts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
        base = _relative(node.left, names, facts)
        right = node.right
        if base is None:
            return None
        if isinstance(node.op, ast.Add):
            if not (isinstance(right, ast.Constant) and isinstance(right.value, str) and right.value.startswith(("/", "\\"))):
                return None
            right = ast.Constant(right.value.lstrip("/\\"))
        return _join(base, [right])
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.FormattedValue):
            base = _relative(first.value, names, facts)
            rest = node.values[1:]
            if base is not None and rest and isinstance(rest[0], ast.Constant) and str(rest[0].value).startswith("/"):
                parts = [ast.Constant(str(rest[0].value).lstrip("/"))] + rest[1:]
                return _join(base, parts)
    return None


def _join(base: tuple[str, bool] | None, parts: Sequence[ast.expr]) -> tuple[str, bool] | None:
    if base is None:
        return None
    path, complete = base
    for part in parts:
        if not complete:
            break
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            if part.value.startswith("/"):
                return None  # an absolute part replaces the model dir
            literal, wildcard = _before_wildcard(part.value.strip("/"))
            path = "/".join(p for p in (path, literal) if p)
            complete = not wildcard
        else:
            complete = False
    return path, complete


def _before_wildcard(text: str) -> tuple[str, bool]:
    """The folders of a glob pattern before its first wildcard ('model/*.pt' -> 'model', True)."""
    parts = text.split("/")
    for index, part in enumerate(parts):
        if any(c in part for c in "*?["):
            return "/".join(parts[:index]), True
    return text, False


def _is_model_dir(node: ast.AST, facts: Facts) -> bool:
    """os.getenv("AZUREML_MODEL_DIR"), os.environ.get(...), os.environ["AZUREML_MODEL_DIR"]."""
    if isinstance(node, ast.Call):
        function = resolve(dotted(node.func), facts.aliases) or ""
        if function in ("os.getenv", "os.environ.get") and node.args:
            return isinstance(node.args[0], ast.Constant) and node.args[0].value == MODEL_DIR
    if isinstance(node, ast.Subscript) and (resolve(dotted(node.value), facts.aliases) or "") == "os.environ":
        return isinstance(node.slice, ast.Constant) and node.slice.value == MODEL_DIR
    return False


# -- imports the environment does not install -----------------------------------------------


def _imports(facts: Facts, uses: list[ScriptUse]) -> Iterator[Finding]:
    checkable = _checkable(uses)
    if not checkable:
        return
    for node, module in _top_level_imports(facts):
        wanted = distributions_for(module)
        if wanted is None or _is_local(module, facts, uses):
            continue
        for use, conda, brings in checkable:
            have = provided(conda, brings)
            if not any(name in have for name in wanted):
                yield Finding(
                    "AMLD213",
                    Severity.WARNING,
                    f"'{module}' comes from {' or '.join(wanted[:2])}, which the environment of {use.config.name} does not "
                    f"install: add {wanted[0]} to its conda file (pip section), or the script fails at import.",
                    facts.script.span(node),
                )
                break


def _checkable(uses: list[ScriptUse]) -> list[tuple[ScriptUse, CondaSpec, set[str]]]:
    """The uses whose packages are known: a conda file, and a base image known to bring nothing else."""
    found = []
    for use in uses:
        if use.conda is None:
            continue
        brings = _image_brings(use)
        if brings is not None:
            found.append((use, use.conda, brings))
    return found


def _image_brings(use: ScriptUse) -> set[str] | None:
    """Distributions the base image brings, or None when the image is unknown (the check is skipped)."""
    image = use.image
    if image is None:
        return set() if use.role == "v1" and not use.has_build else None
    if image.startswith(INFERENCE_IMAGES):
        return {"azureml-inference-server-http"}
    if image.startswith(PLAIN_IMAGES):
        return set()
    return None


def _top_level_imports(facts: Facts) -> Iterator[tuple[ast.stmt, str]]:
    for node in facts.tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node, node.module


def _is_local(module: str, facts: Facts, uses: list[ScriptUse]) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names:
        return True
    for folder in filter(None, [facts.folder] + [use.code_dir for use in uses]):
        if (folder / f"{top}.py").exists() or (folder / top).is_dir():
            return True
    return False
