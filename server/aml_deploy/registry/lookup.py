"""What the validator, the linter and hover ask of the registry. This is the seam where a remote
registry (an Azure ML workspace) can stand beside the local one later."""

from __future__ import annotations

from difflib import get_close_matches

from ..model_layout import ModelLayout, ModelSource
from .errors import RegistryError
from .names import parse_reference
from .store import Registry


class ModelRegistryLookup:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def active(self) -> bool:
        """References are checked once a local registry exists: before that, `azureml:` names
        models in an Azure workspace, which is not ours to judge."""
        return self.registry.exists()

    def location(self) -> str:
        return str(self.registry.root)

    def describe_reference(self, reference: str) -> dict | None:
        parsed = parse_reference(reference)
        if parsed is None or not self.active():
            return None
        try:
            return self.registry.resolve(parsed).to_dict()
        except RegistryError:
            return None

    def problem(self, reference: str) -> str | None:
        """Why `reference` does not resolve in the local registry, or None when it does (or is not
        a local kind of reference)."""
        parsed = parse_reference(reference)
        if parsed is None or not self.active():
            return None
        try:
            self.registry.resolve(parsed)
            return None
        except RegistryError as err:
            message = str(err)
        names = sorted({m.name for m in self.registry.list(include_archived=True)})
        close = get_close_matches(parsed.name, names, n=1, cutoff=0.6)
        if close and close[0] != parsed.name:
            message += f" Did you mean {close[0]}?"
        return message

    def layout(self, reference: str) -> ModelLayout | None:
        parsed = parse_reference(reference)
        if parsed is None or not self.active():
            return None
        try:
            model = self.registry.resolve(parsed)
            path = self.registry.mount_path(model.name, model.version, check=False)  # names only: nothing is read
        except RegistryError:
            return None
        what = "folder" if model.is_folder else "file"
        return ModelLayout.of([ModelSource(path, model.name, model.version)], f"registered model {model.name}:{model.version} (a {what})")
