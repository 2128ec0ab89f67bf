"""Configuration documents: detect the kind, parse with positions, validate (schema + rules)."""

from .context import Context, Files
from .kinds import Detection, Kind
from .validate import Result, validate_file, validate_or_refuse, validate_text

__all__ = ["Context", "Detection", "Files", "Kind", "Result", "validate_file", "validate_or_refuse", "validate_text"]
