"""A checking session: which files are checked, in which order, with which context.

`aml-deploy validate` drives it over the paths on its command line; the language server drives it
with the editor's open documents (through `Files`' overlay) and publishes what it reports. Both
therefore run one algorithm: configurations first (they say which conda files and scripts are
ours), then the conda files they name, then scoring scripts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .. import files
from ..documents import Context, Files, Kind, Result, validate_file, validate_text
from ..documents.context import ModelLookup
from ..documents.references import Role
from ..documents.validate import CONFIG_SUFFIXES
from ..documents.workspace import WorkspaceIndex, expand, walk_files
from ..findings import Finding, Severity, Span
from ..scoring.check import SCRIPT_SUFFIXES, Linter, check_script, read_script
from ..scoring.lint import lint, might_be_scoring_script
from .runtime import RuntimeFindings

SUFFIXES = CONFIG_SUFFIXES + SCRIPT_SUFFIXES
# Files a configuration names whose own findings depend on it.
FOLLOWED = (Role.CONDA, Role.SCORING_SCRIPT, Role.ENTRY_SCRIPT)


def _nothing(*_args) -> None:
    return None


class CheckingSession:
    """Remembers every file's result and what depends on what, so that a change re-checks exactly
    the files it can affect. `on_checked` hears every result, `on_forgotten` every file that is gone."""

    def __init__(
        self,
        files: Files | None = None,
        *,
        workspace_for: Callable[[Path], Path | None] = _nothing,
        registry: Callable[[], ModelLookup | None] = _nothing,
        on_checked: Callable[[Result], None] = _nothing,
        on_forgotten: Callable[[Path], None] = _nothing,
        linter: Linter = lint,
    ) -> None:
        self.files = files or Files()
        self.index = WorkspaceIndex()
        self.results: dict[str, Result] = {}
        self._runtime = RuntimeFindings()  # findings from a failed deployment, following edits
        self._workspace_for = workspace_for
        self._registry = registry
        self._on_checked = on_checked
        self._on_forgotten = on_forgotten
        self._linter = linter

    def context(self, path: Path) -> Context:
        return Context(path, self._workspace_for(path), self.files, self._registry(), referenced_as=self.index.referenced_as(path))

    # -- one file ---------------------------------------------------------------------------------

    def check(self, path: Path, explicit: bool = False) -> Result | None:
        """Check `path` (from the editor's text when it is open, else from disk). `explicit`: the
        user named it, so an unreadable file is reported rather than skipped."""
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            return None
        text = self.files.open_text(path)
        if text is None and not path.exists():
            self.forget(path)
            return None
        if suffix in SCRIPT_SUFFIXES:
            source = text if text is not None else read_script(path)
            if source is None:  # a FIFO, a device, too large, unreadable: never read, said when named
                result = unreadable(path, explicit)
            else:
                result = check_script(path, source, self.index, self.context(path), self._linter)
                result.findings = result.findings + self._runtime.on(str(path), source)
        elif text is not None:
            result = validate_text(path, text, self.context(path))
        else:
            result = validate_file(path, self.context(path), explicit)
        self.results[str(path)] = result
        self.index.record(path, result.kind, result.references, result.depends_on)
        self._on_checked(result)
        return result

    def check_with_dependents(self, path: Path, membership: bool = False) -> None:
        result = self.check(path)
        self.recheck_dependents(path, membership)
        # A configuration may have started naming a conda file or a script: check those too.
        for ref in result.references if result is not None else ():
            if ref.role in FOLLOWED and ref.resolved is not None and ref.resolved.is_file():
                self.check(ref.resolved)

    def recheck_dependents(self, path: Path, membership: bool = False) -> None:
        """Check again what depends on `path`; `membership`: the file was created or deleted."""
        for dependent in sorted(self.index.dependents(path, membership)):
            self.check(Path(dependent))

    def recheck_kind(self, wanted: Callable[[Kind], bool]) -> None:
        """Check again every known file whose kind satisfies `wanted` (say, after the registry changed)."""
        for path in self.index.files():
            kind = self.index.kind(path)
            if kind is not None and wanted(kind):
                self.check(Path(path))

    def set_runtime_findings(self, path: Path, findings: list[Finding], text: str | None = None) -> None:
        """What the last deployment said about this script (a failed init(), say); `text`: the
        script's text its lines refer to (else the current one)."""
        text = text if text is not None else (self.files.read_text(path) or "")
        if self._runtime.set(str(path), findings, text):
            self.check(path)

    def forget(self, path: Path) -> None:
        self.index.forget(path)
        self.results.pop(str(path), None)
        self._on_forgotten(path)

    # -- many files -------------------------------------------------------------------------------

    def scan(self, files: Iterable[tuple[Path, bool]]) -> Iterator[Path]:
        """Check `files` ((path, named by the user) pairs) in the order that gives each its context:
        configurations, then the conda files they name, then scripts that a configuration names or
        that define init() or run(). Yields after each configuration and script (conda files are
        small) so that an editor can answer requests in between; files already checked in this
        session are not checked again."""
        files = list(files)
        wanted = {str(path) for path, _ in files}
        scripts = [(p, e) for p, e in files if p.suffix.lower() in SCRIPT_SUFFIXES]
        for path, explicit in files:
            if path.suffix.lower() not in SCRIPT_SUFFIXES and str(path) not in self.results:
                self.check(path, explicit)
                yield path
        for _source, ref in self.index.references(Role.CONDA):
            conda = ref.resolved
            if conda is not None and str(conda) in wanted and self.index.kind(conda) is None and conda.is_file():
                self.check(conda)
        for path, explicit in scripts:
            if str(path) in self.results:
                continue
            if explicit or self.index.referrers(path) or might_be_scoring_script(read_script(path) or ""):
                self.check(path, explicit)
                yield path

    def check_folders(self, roots: Iterable[Path]) -> Iterator[Path]:
        """The whole workspace: every candidate file under `roots`."""
        return self.scan((path, False) for root in roots for path in walk_files(root, SUFFIXES))

    def check_paths(self, paths: Iterable[Path]) -> list[Result]:
        """Files and folders named on a command line: a result for each file, in their order."""
        files = expand([Path(p).absolute() for p in paths], SUFFIXES)
        for _ in self.scan(files):
            pass
        return [self.results.get(str(path)) or Result(path, None) for path, _ in files]


def unreadable(path: Path, explicit: bool) -> Result:
    result = Result(path, None)
    if explicit:
        why = files.problem_with(path) or "it cannot be read (or is larger than AML Deploy reads)"
        result.findings.append(Finding("AMLD005", Severity.ERROR, f"Cannot read the file: {why}.", Span.point()))
    return result


def check_paths(paths: Iterable[Path], workspace: Path | None = None, registry: ModelLookup | None = None) -> list[Result]:
    """One session over `paths` (what `aml-deploy validate` does)."""
    session = CheckingSession(workspace_for=lambda _path: workspace, registry=lambda: registry)
    return session.check_paths(paths)
