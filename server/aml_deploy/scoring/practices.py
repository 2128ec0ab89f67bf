"""Mistakes that load fine and fail later: state not shared between init() and run(), errors
returned as HTTP 200, models loaded at import time, v1-only APIs, removed imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..findings import Finding, Fix, Severity, Span, TextEdit
from .contract import Facts, Function
from .source import dotted, resolve

# Calls that load a model (resolved through the file's imports).
MODEL_LOADERS = (
    "joblib.load",
    "pickle.load",
    "pickle.loads",
    "cloudpickle.load",
    "dill.load",
    "torch.load",
    "torch.jit.load",
    "onnxruntime.InferenceSession",
    "tensorflow.keras.models.load_model",
    "keras.models.load_model",
    "tensorflow.saved_model.load",
    "mlflow.pyfunc.load_model",
    "xgboost.Booster",
    "lightgbm.Booster",
    "sklearn.externals.joblib.load",
)
MODEL_LOADER_SUFFIXES = (".from_pretrained", ".load_model")
V1_CALLS = (
    "azureml.core.Model.get_model_path",
    "azureml.core.model.Model.get_model_path",
    "azureml.core.Workspace.from_config",
    "azureml.core.Run.get_context",
)


def check(facts: Facts) -> Iterator[Finding]:
    init, run = facts.init, facts.run
    if init is not None and run is not None:
        yield from _state_not_shared(facts, init, run)
    if run is not None and facts.role in ("online", "v1", None):
        yield from _errors_returned(facts, run)
    yield from _import_time_loading(facts)
    yield from _removed_joblib(facts)
    if facts.role in ("online", "batch"):
        yield from _v1_apis(facts)


# -- init() assigns, run() reads, no global ---------------------------------------------------


def _bound_names(function: Function) -> dict[str, ast.stmt | ast.expr | ast.arg]:
    """Names a function binds in its own scope (not in nested functions or classes)."""
    bound: dict[str, ast.stmt | ast.expr | ast.arg] = {}
    for node in _own_scope(function):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.setdefault((alias.asname or alias.name).split(".")[0], node)
        elif isinstance(node, (ast.stmt, ast.expr)):
            for target in _targets(node):
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        bound.setdefault(name.id, node)
    for arg in function.args.posonlyargs + function.args.args + function.args.kwonlyargs:
        bound.setdefault(arg.arg, arg)
    for extra in (function.args.vararg, function.args.kwarg):
        if extra:
            bound.setdefault(extra.arg, extra)
    return bound


def _targets(node: ast.stmt | ast.expr) -> list[ast.expr]:
    """What a statement (or a walrus) assigns to. Comprehension variables are not here: in Python 3 they
    belong to the comprehension, not to the function."""
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr, ast.For, ast.AsyncFor)):
        return [node.target]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in node.items if item.optional_vars]
    return []


def _own_scope(function: Function) -> Iterator[ast.AST]:
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _declared_global(function: Function) -> set[str]:
    return {name for node in _own_scope(function) if isinstance(node, ast.Global) for name in node.names}


def _state_not_shared(facts: Facts, init: Function, run: Function) -> Iterator[Finding]:
    init_locals = {name: node for name, node in _bound_names(init).items() if name not in _declared_global(init)}
    run_bound = set(_bound_names(run)) - _declared_global(run)
    read_in_run = {n.id for n in ast.walk(run) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for name in sorted(read_in_run & set(init_locals) - run_bound):
        node = init_locals[name]
        if isinstance(node, (ast.arg, ast.Import, ast.ImportFrom)):
            continue  # parameters and imports are not state run() expects
        yield Finding(
            "AMLD207",
            Severity.ERROR,
            f"init() assigns '{name}' as a local variable, so run() reads a module-level '{name}' that init() never set: "
            f"declare `global {name}` in init().",
            facts.script.first_line_span(node),
            (_add_global_fix(facts, init, name),),
        )


def _add_global_fix(facts: Facts, init: Function, name: str) -> Fix:
    first = init.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str) and len(init.body) > 1:
        first = init.body[1]  # after the docstring
    line = first.lineno - 1
    indent = facts.script.column(line, first.col_offset)
    prefix = facts.script.lines[line][:indent]
    return Fix(f"Add `global {name}` to init()", (TextEdit(Span(line, 0, line, 0), f"{prefix}global {name}\n"),))


# -- errors returned with HTTP 200 --------------------------------------------------------------


def _errors_returned(facts: Facts, run: Function) -> Iterator[Finding]:
    for node in ast.walk(run):
        if not isinstance(node, ast.ExceptHandler) or not _catches_everything(node, facts):
            continue
        if any(isinstance(n, ast.Raise) for n in ast.walk(node)):
            continue
        returned = [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
        if returned and not any(_sets_status(value, facts) for value in returned):
            yield Finding(
                "AMLD208",
                Severity.WARNING,
                "run() catches every exception and returns it as a normal result, so the client gets HTTP 200 with an "
                "error in the body and monitoring sees no failure. Let it raise (the server answers 500), or return "
                "AMLResponse(message, 500).",
                facts.script.first_line_span(node),
            )


def _catches_everything(handler: ast.ExceptHandler, facts: Facts) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((resolve(dotted(t), facts.aliases) or "") in ("Exception", "BaseException") for t in types)


def _sets_status(value: ast.expr, facts: Facts) -> bool:
    """AMLResponse(..., 500) or a flask Response with a status: the client does see the failure."""
    if isinstance(value, ast.Tuple) and len(value.elts) >= 2:
        return True  # (body, status) as Flask allows
    if isinstance(value, ast.Call):
        name = (resolve(dotted(value), facts.aliases) or "").split(".")[-1]
        return name in ("AMLResponse", "Response", "make_response", "abort")
    return False


# -- model loading at import time -------------------------------------------------------------


def _import_time_loading(facts: Facts) -> Iterator[Finding]:
    if not facts.mentions("load", "InferenceSession", "Booster"):
        return
    for statement in facts.tree.body:
        if _is_main_guard(statement) or isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and _loads_a_model(node, facts):
                yield Finding(
                    "AMLD209",
                    Severity.WARNING,
                    f"{dotted(node)}() runs when the script is imported. Load the model in init(): failures are then "
                    "reported as init failures, and breakpoints and the server's start-up checks apply.",
                    facts.script.first_line_span(node),
                )


def _loads_a_model(call: ast.Call, facts: Facts) -> bool:
    name = resolve(dotted(call), facts.aliases) or ""
    return name in MODEL_LOADERS or (name.endswith(MODEL_LOADER_SUFFIXES) and "." in name)


def _is_main_guard(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) and "__name__" in ast.unparse(node.test)


# -- imports that no longer work --------------------------------------------------------------


def _removed_joblib(facts: Facts) -> Iterator[Finding]:
    if not facts.mentions("sklearn.externals"):
        return
    for node in facts.nodes:
        if isinstance(node, ast.ImportFrom) and node.module == "sklearn.externals":
            alias = next((a for a in node.names if a.name == "joblib"), None)
            if alias is None:
                continue
            span = facts.script.span(node)
            fixes: tuple[Fix, ...] = ()
            if len(node.names) == 1:
                replacement = f"import joblib as {alias.asname}" if alias.asname else "import joblib"
                fixes = (Fix(f"Replace with `{replacement}`", (TextEdit(span, replacement),)),)
        elif isinstance(node, ast.Import) and any(a.name == "sklearn.externals.joblib" for a in node.names):
            span, fixes = facts.script.span(node), ()
        else:
            continue
        yield Finding(
            "AMLD211",
            Severity.ERROR,
            "sklearn.externals.joblib was removed in scikit-learn 0.23, so this import fails: import joblib itself.",
            span,
            fixes,
        )


# -- Azure ML v1 APIs in a v2 deployment ------------------------------------------------------


def _v1_apis(facts: Facts) -> Iterator[Finding]:
    if not facts.mentions("azureml"):
        return
    for node in facts.nodes:
        if isinstance(node, ast.Call):
            name = resolve(dotted(node), facts.aliases) or ""
            if name in V1_CALLS:
                span = facts.script.span(node)
                fixes: tuple[Fix, ...] = ()
                if name.endswith("get_model_path"):
                    fixes = (Fix("Use AZUREML_MODEL_DIR", (TextEdit(span, 'os.getenv("AZUREML_MODEL_DIR", "")'),) + _import_os(facts)),)
                yield Finding(
                    "AMLD210",
                    Severity.WARNING,
                    f"{name.split('.', 2)[-1]}() is Azure ML v1: in a v2 deployment there is no workspace connection "
                    "in the container. Read the model from the folder in the AZUREML_MODEL_DIR environment variable.",
                    span,
                    fixes,
                )
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            if module and (module == "azureml.core" or module.startswith("azureml.core.")):
                yield Finding(
                    "AMLD210",
                    Severity.WARNING,
                    "azureml.core is the Azure ML v1 SDK (retired); a v2 deployment's container has no workspace to talk "
                    "to. Read the model from AZUREML_MODEL_DIR instead.",
                    facts.script.span(node),
                )


def _import_os(facts: Facts) -> tuple[TextEdit, ...]:
    if "os" in facts.bindings:
        return ()
    return (TextEdit(Span(0, 0, 0, 0), "import os\n"),)
