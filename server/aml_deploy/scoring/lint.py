"""Lint a scoring script: the init()/run() contract, common mistakes, and what its deployments
give it. Static analysis only (ast): user code is never imported or run."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ..findings import Finding
from . import contract, environment, practices
from .contract import Facts
from .source import Script
from .uses import ScriptUse

log = logging.getLogger(__name__)

# A module-level init or run: def, assignment, or import.
_DEFINES_ENTRY_POINT = re.compile(
    r"^(?:async\s+)?def\s+(?:init|run)\s*\(|^(?:init|run)\s*=|^from\s+\S+\s+import\s+.*\b(?:init|run)\b", re.MULTILINE
)


def might_be_scoring_script(text: str) -> bool:
    return bool(_DEFINES_ENTRY_POINT.search(text))


def lint(path: Path, text: str, uses: list[ScriptUse]) -> list[Finding] | None:
    """Findings for a scoring script; None when the file is not one (nobody references it and it
    defines neither init nor run), so that other Python files are left alone."""
    referenced = bool(uses)
    if not referenced and not might_be_scoring_script(text):
        return None
    script = Script(text)
    if script.syntax_error is not None:
        return [script.syntax_error]
    facts = Facts.of(script, _role(uses), path.parent)
    if not referenced and not ({"init", "run"} & facts.bindings):
        return None
    if not referenced and _parallel_job_signature(facts):
        facts.role = "parallel"  # a parallel job entry script: the batch contract, not a deployment
    findings: list[Finding] = []
    for rule in (lambda: contract.check(facts), lambda: practices.check(facts), lambda: environment.check(facts, uses)):
        try:
            findings.extend(rule())
        except Exception:  # one broken rule must not silence the others
            log.exception("scoring rule failed on %s", path)
    findings.sort(key=Finding.sort_key)
    return findings


def _parallel_job_signature(facts: Facts) -> bool:
    """Parallel jobs and batch deployments call run(mini_batch[, mini_batch_context])."""
    run = facts.run
    names = [a.arg for a in run.args.args] if run is not None else []
    return bool(names) and (names[0] == "mini_batch" or "mini_batch_context" in names)


def _role(uses: list[ScriptUse]) -> str | None:
    roles = {use.role for use in uses}
    for role in ("online", "v1", "batch"):
        if role in roles:
            return role
    return None
