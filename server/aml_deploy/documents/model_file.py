"""A model YAML as what to register: its name, version, local path, description, tags, properties
and type, as `aml-deploy model create --file` and the editor's Register Model read it."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidConfiguration
from .context import Context
from .kinds import Kind
from .validate import validate_or_refuse


def model_fields(path: Path) -> dict:
    """The fields to register from the model YAML at `path`, validated first: a file with errors
    registers nothing."""
    path = Path(path).resolve()
    result = validate_or_refuse(path, Context(path), "nothing was registered")
    if result.kind not in (Kind.MODEL, None):
        raise InvalidConfiguration(f"{path} is a {result.kind.label}, not a model YAML; nothing was registered.")
    data = result.parsed.data if result.parsed else None
    if not isinstance(data, dict):  # too large to read, say: the finding says why
        why = " ".join(f.message for f in result.findings) or "expected name and path"
        raise InvalidConfiguration(f"{path} was not read as a model YAML ({why}); nothing was registered.")
    fields = {k: data[k] for k in ("name", "description", "tags", "properties", "type") if k in data}
    if "version" in data:
        fields["version"] = str(data["version"])
    if isinstance(data.get("path"), str):
        if "://" in data["path"] or data["path"].startswith(("azureml:", "runs:")):
            raise InvalidConfiguration(f"{path}: path {data['path']} is not local; the local registry registers local files.")
        fields["path"] = (path.parent / data["path"]).resolve()
    fields["tags"] = {str(k): str(v) for k, v in (fields.get("tags") or {}).items()}
    return fields
