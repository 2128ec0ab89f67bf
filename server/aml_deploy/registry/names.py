"""Model names, versions and `azureml:` references."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..names import MODEL_NAME as NAME
from ..names import MODEL_VERSION as VERSION
from .errors import RegistryError

_REFERENCE = re.compile(r"azureml:(?P<name>[^:@/]+)(?::(?P<version>[^:@/]+)|@(?P<label>[^:@/]+))?")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise RegistryError(
            f"Invalid model name {name!r}: use letters, digits, '-', '_' and '.', starting with a letter or digit, up to 255 characters."
        )
    return name


LARGEST_NUMBER = 10**18  # numbered versions are counted in SQLite's 64-bit integers, with room to count on


def check_version(version: str) -> str:
    if not isinstance(version, str) or not VERSION.fullmatch(version):
        raise RegistryError(f"Invalid model version {version!r}: use letters, digits, '-', '_' and '.', up to 100 characters.")
    if version.isdigit() and int(version) > LARGEST_NUMBER:
        raise RegistryError(f"Invalid model version {version}: a version that is a number is at most {LARGEST_NUMBER}.")
    return version


@dataclass(frozen=True)
class ModelReference:
    name: str
    version: str | None = None
    label: str | None = None  # "latest"

    @property
    def text(self) -> str:
        if self.version:
            return f"azureml:{self.name}:{self.version}"
        return f"azureml:{self.name}@{self.label}" if self.label else f"azureml:{self.name}"


def parse_reference(value: str) -> ModelReference | None:
    """azureml:name:version, azureml:name@label or azureml:name; None for anything else
    (registry references, ARM ids and placeholders are not local models)."""
    match = _REFERENCE.fullmatch(value.strip())
    if match is None:
        return None
    return ModelReference(match["name"], match["version"], match["label"])
