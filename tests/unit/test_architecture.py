"""The layering in docs/architecture.md, enforced: each package imports only the packages below it,
and no two top-level packages import each other."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

PACKAGE = ROOT / "server" / "aml_deploy"
BASE = {"findings", "errors", "files", "names", "codes", "report", "resources", "model_layout", "script_templates", "__init__"}
ALLOWED = {
    "documents": BASE,
    "scoring": BASE | {"documents"},
    "checking": BASE | {"documents", "scoring"},
    "registry": BASE,
    "azure": BASE,
    "kube": BASE,
    "front": BASE,
    "deploy": BASE | {"documents", "registry", "front", "azure", "kube"},
    "profiling": BASE | {"documents", "registry", "deploy"},
    "lsp": BASE | {"documents", "scoring", "checking", "registry", "azure", "kube", "front", "deploy", "profiling"},
    "cli": BASE | {"documents", "scoring", "checking", "registry", "azure", "kube", "front", "deploy", "profiling", "lsp"},
}


def _top_level(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The top-level aml_deploy packages a module imports (relative or absolute)."""
    found = set()
    depth = len(path.relative_to(PACKAGE).parts) - 1  # folders below aml_deploy/
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level and node.level > depth:
                names = [node.module] if node.module else [a.name for a in node.names]
                found |= {"__init__" if name == "__version__" else name.split(".")[0] for name in names}
            elif not node.level and node.module and node.module.startswith("aml_deploy."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("aml_deploy.")}
    return found


def test_every_package_imports_only_what_lies_below_it():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "runtime" in path.parts or path.parent == PACKAGE:
            continue  # files copied into containers; the base modules are checked below
        package = _top_level(path)
        allowed = ALLOWED.get(package)
        assert allowed is not None, f"{package}/ is not in the layering table: add it here and to docs/architecture.md"
        wrong += [f"{path.relative_to(PACKAGE)} imports {name}" for name in _imports(path) - allowed - {package}]
    assert not wrong, "\n".join(wrong)


def test_base_modules_import_no_package():
    for name in BASE - {"__init__"}:
        path = PACKAGE / f"{name}.py"
        assert not _imports(path) - BASE, f"{name}.py imports {_imports(path) - BASE}"


def test_the_check_sees_relative_imports():
    """The checker itself: a module of deploy/local importing lsp would be caught."""
    sample = PACKAGE / "deploy" / "local" / "operations.py"
    assert {"documents", "registry"} <= _imports(sample)
