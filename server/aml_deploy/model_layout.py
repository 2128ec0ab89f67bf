"""What a scoring script sees under AZUREML_MODEL_DIR.

Azure mounts one model as the folder that holds it: model.path ./model/ (a folder) is read as
$AZUREML_MODEL_DIR/model/..., model.path ./model/m.pkl (a file) as $AZUREML_MODEL_DIR/m.pkl.
Several models (Azure ML v1) sit under <name>/<version>/ each. The linter checks paths against
this layout, and local deployment builds exactly this layout for the container.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class ModelSource:
    path: Path  # the registered or local file or folder
    name: str | None = None
    version: str | None = None


@dataclass
class ModelLayout:
    entries: dict[str, Path] = field(default_factory=dict)  # path under AZUREML_MODEL_DIR -> host path
    description: str = ""

    @classmethod
    def of(cls, sources: list[ModelSource], description: str = "") -> ModelLayout:
        if len(sources) == 1:
            source = sources[0]
            return cls({source.path.name: source.path}, description)
        entries = {f"{s.name}/{s.version}/{s.path.name}": s.path for s in sources}
        return cls(entries, description)

    def host_path(self, relative: str) -> Path | None:
        """The host file a path under AZUREML_MODEL_DIR stands for (None: outside every model)."""
        parts = PurePosixPath(relative.replace("\\", "/").strip("/")).parts
        if not parts:
            return None
        for entry, host in self.entries.items():
            entry_parts = PurePosixPath(entry).parts
            if tuple(parts[: len(entry_parts)]) == entry_parts:
                return host.joinpath(*parts[len(entry_parts) :])
            if tuple(entry_parts[: len(parts)]) == tuple(parts):
                return host  # a folder above the model (e.g. <name>/ of <name>/<version>/...)
        return None

    def top_level(self) -> list[str]:
        return sorted({PurePosixPath(e).parts[0] for e in self.entries})

    def files(self, limit: int = 2000) -> list[str]:
        """Paths under AZUREML_MODEL_DIR of the files the models hold."""
        found: list[str] = []
        for entry, host in self.entries.items():
            if host.is_file():
                found.append(entry)
                continue
            for path in sorted(host.rglob("*")):
                if path.is_file():
                    found.append(f"{entry}/{path.relative_to(host).as_posix()}")
                    if len(found) >= limit:
                        return found
        return found
