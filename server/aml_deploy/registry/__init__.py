"""The local model registry: named, versioned, immutable models on this machine (SQLite metadata,
content-addressed files). `Registry` is the store; `ModelRegistryLookup` is what the validator and
the linter ask."""

from .errors import RegistryError
from .store import Registry, default_root

__all__ = ["Registry", "RegistryError", "default_root"]
