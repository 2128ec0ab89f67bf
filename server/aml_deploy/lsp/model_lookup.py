"""The registry as the editor's checks see it: what configuration checks ask (ModelRegistryLookup),
and what quick fixes ask besides, the versions and names it has."""

from __future__ import annotations

from ..registry.lookup import ModelRegistryLookup


class EditorModelLookup(ModelRegistryLookup):
    def versions(self, name: str) -> list[str]:
        return [model.version for model in self.registry.list(name)] if self.active() else []

    def names(self) -> list[str]:
        return sorted({model.name for model in self.registry.list()}) if self.active() else []
