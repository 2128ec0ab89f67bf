"""Configuration documents: detect the kind, parse with positions, validate (schema + rules)."""

from .context import Context, Files
from .kinds import Detection, Kind
from .validate import Result, is_config_candidate, validate_file, validate_text

__all__ = ["Context", "Detection", "Files", "Kind", "Result", "is_config_candidate", "validate_file", "validate_text"]
