"""A registered model version as the commands show it."""

from __future__ import annotations

from dataclasses import dataclass, field

MODEL_TYPES = ("custom_model", "mlflow_model", "triton_model")


@dataclass
class ModelVersion:
    name: str
    version: str
    type: str
    description: str
    tags: dict
    properties: dict
    root_name: str
    is_folder: bool
    size: int
    file_count: int
    source: str
    created_at: str
    archived: bool
    files: list[dict] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return f"azureml:{self.name}:{self.version}"

    @property
    def label(self) -> str:
        """name:version, as messages name a version."""
        return f"{self.name}:{self.version}"

    def to_dict(self, with_files: bool = False) -> dict:
        data = {
            "name": self.name,
            "version": self.version,
            "type": self.type,
            "description": self.description,
            "tags": self.tags,
            "properties": self.properties,
            "path": self.root_name,
            "is_folder": self.is_folder,
            "size": self.size,
            "size_text": human_size(self.size),
            "file_count": self.file_count,
            "source": self.source,
            "created": self.created_at,
            "archived": self.archived,
            "reference": self.reference,
        }
        if with_files:
            data["files"] = self.files
        return data


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
