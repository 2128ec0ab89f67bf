"""The init()/run() contract of azureml-inference-server-http (server/user_script.py): what the
server checks when it loads the script, and how it calls run()."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Finding, Fix, Severity, Span, TextEdit
from ..script_templates import INIT_STUB, RUN_STUB
from .source import Script, dotted, import_aliases, module_bindings, module_functions, resolve

REQUEST_HEADERS = "request_headers"

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Facts:
    """What every rule needs to know about the script, computed once."""

    script: Script
    tree: ast.Module
    functions: dict[str, Function]
    bindings: set[str]
    aliases: dict[str, str]
    role: str | None  # "online", "batch", "v1", "parallel" (guessed from run(mini_batch)) or None
    folder: Path | None = None  # the script's folder (AML_APP_ROOT: its modules import from there)
    nodes: list[ast.AST] = field(default_factory=list)  # every node, walked once: rules filter this list

    @classmethod
    def of(cls, script: Script, role: str | None, folder: Path | None = None) -> Facts:
        tree = script.tree
        if tree is None:  # the caller reports script.syntax_error instead
            raise ValueError("a script that does not parse has no facts")
        nodes = list(ast.walk(tree))
        return cls(script, tree, module_functions(tree), module_bindings(tree), import_aliases(tree, nodes), role, folder, nodes)

    def mentions(self, *words: str) -> bool:
        """Cheap test on the source text, so that rules skip scripts that cannot concern them."""
        return any(word in self.script.text for word in words)

    @property
    def init(self) -> Function | None:
        return self.functions.get("init")

    @property
    def run(self) -> Function | None:
        return self.functions.get("run")

    def decorators(self, function: Function) -> list[str]:
        return [resolve(dotted(d), self.aliases) or "" for d in function.decorator_list]

    def has_decorator(self, function: Function, suffix: str) -> bool:
        return any(name == suffix or name.endswith("." + suffix) for name in self.decorators(function))


def check(facts: Facts) -> Iterator[Finding]:
    yield from _missing(facts)
    init, run = facts.init, facts.run
    if init is not None:
        yield from _init_signature(facts, init)
    if run is not None:
        yield from _run_signature(facts, run)
        if facts.role in ("online", "v1", None):
            yield from _decorators(facts, run)


def _missing(facts: Facts) -> Iterator[Finding]:
    for name, stub in (("init", INIT_STUB), ("run", RUN_STUB)):
        if name in facts.bindings:
            continue
        end = len(facts.script.lines) - 1
        tail = "" if facts.script.text.endswith("\n") else "\n"
        fix = Fix(
            f"Add {name}()", (TextEdit(Span(end, len(facts.script.lines[end]), end, len(facts.script.lines[end])), f"{tail}\n\n{stub}"),)
        )
        what = "init() is called once when the server starts" if name == "init" else "run() is called for every request"
        yield Finding(
            "AMLD201",
            Severity.ERROR,
            f"The script has no module-level {name}() function, so the inference server refuses to load it ({what}).",
            Span(0, 0, 0, len(facts.script.lines[0])),
            (fix,),
        )


def _init_signature(facts: Facts, init: Function) -> Iterator[Finding]:
    args = init.args
    positional = args.posonlyargs + args.args
    required = positional[: len(positional) - len(args.defaults)]
    required += [a for a, default in zip(args.kwonlyargs, args.kw_defaults) if default is None]
    if required:
        yield Finding(
            "AMLD202",
            Severity.ERROR,
            f"init() is called with no arguments, but it requires {', '.join(a.arg for a in required)}: "
            "give them defaults or read them from environment variables.",
            facts.script.span(required[0]),
        )
    if isinstance(init, ast.AsyncFunctionDef):
        yield Finding(
            "AMLD202", Severity.ERROR, "init() must be a plain function: the server does not await it.", facts.script.name_span(init)
        )


def _run_signature(facts: Facts, run: Function) -> Iterator[Finding]:
    args = run.args
    name = facts.script.name_span(run)
    if isinstance(run, ast.AsyncFunctionDef):
        yield Finding("AMLD203", Severity.ERROR, "run() must be a plain function: the server does not await it.", name)
    if facts.role in ("batch", "parallel"):
        if not (args.posonlyargs or args.args or args.vararg):
            yield Finding("AMLD203", Severity.ERROR, "A batch scoring script's run() receives the mini-batch: add a parameter.", name)
        return
    odd = args.posonlyargs[:1] or ([args.vararg] if args.vararg else []) or ([args.kwarg] if args.kwarg else [])
    if odd:
        yield Finding(
            "AMLD203",
            Severity.ERROR,
            "run() cannot take positional-only parameters, *args or **kwargs: the server passes the input by name.",
            facts.script.span(odd[0]),
        )
        return
    inputs = [a for a in args.args + args.kwonlyargs if a.arg != REQUEST_HEADERS]
    if not inputs:
        yield Finding("AMLD203", Severity.ERROR, "run() needs a parameter for the input data (besides request_headers).", name)
        return
    if len(inputs) > 1 and not facts.has_decorator(run, "input_schema"):
        defaults = _defaults(args)
        extra = [a for a in inputs[1:] if a.arg not in defaults]
        if extra:
            yield Finding(
                "AMLD203",
                Severity.ERROR,
                f"run() takes {len(inputs)} input parameters but the server fills only the first ({inputs[0].arg}) "
                f"unless @input_schema names them: give {', '.join(a.arg for a in extra)} a default, or decorate run().",
                facts.script.span(extra[0]),
            )


def _defaults(args: ast.arguments) -> set[str]:
    positional = args.posonlyargs + args.args
    with_defaults = {a.arg for a in positional[len(positional) - len(args.defaults) :]} if args.defaults else set()
    with_defaults |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
    return with_defaults


def _decorators(facts: Facts, run: Function) -> Iterator[Finding]:
    raw = facts.has_decorator(run, "rawhttp")
    schema_decorators = [
        d for d in run.decorator_list if (resolve(dotted(d), facts.aliases) or "").split(".")[-1] in ("input_schema", "output_schema")
    ]
    if raw and schema_decorators:
        yield Finding(
            "AMLD204",
            Severity.ERROR,
            "run() cannot be decorated with both @rawhttp and @input_schema/@output_schema: with @rawhttp it receives "
            "the raw request; drop one of them.",
            facts.script.first_line_span(schema_decorators[0]),
        )
    if not raw:
        yield from _raw_types_without_rawhttp(facts)
    yield from _input_schema_names(facts, run)


def _raw_types_without_rawhttp(facts: Facts) -> Iterator[Finding]:
    if not facts.mentions("AMLRequest", "AMLResponse"):
        return
    for node in facts.nodes:
        if not isinstance(node, (ast.Name, ast.Attribute)):
            continue
        name = node.id if isinstance(node, ast.Name) else node.attr
        if name in ("AMLRequest", "AMLResponse"):
            yield Finding(
                "AMLD205",
                Severity.WARNING,
                f"{name} belongs with @rawhttp: without the decorator run() receives the request body as text, "
                "not an AMLRequest. Decorate run() with @rawhttp, or read the text.",
                facts.script.span(node),
            )
            return


def _input_schema_names(facts: Facts, run: Function) -> Iterator[Finding]:
    names = {a.arg for a in run.args.posonlyargs + run.args.args + run.args.kwonlyargs}
    for decorator in run.decorator_list:
        if not isinstance(decorator, ast.Call) or (resolve(dotted(decorator), facts.aliases) or "").split(".")[-1] != "input_schema":
            continue
        target = decorator.args[0] if decorator.args else next((k.value for k in decorator.keywords if k.arg == "param_name"), None)
        if isinstance(target, ast.Constant) and isinstance(target.value, str) and target.value not in names:
            yield Finding(
                "AMLD206",
                Severity.ERROR,
                f"@input_schema names '{target.value}', but run() has no such parameter "
                f"(it has {', '.join(sorted(names)) or 'none'}); the server would answer 400 to every request.",
                facts.script.span(target),
            )
