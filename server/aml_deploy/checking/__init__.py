"""Which files to check, in which order, with which context: one algorithm for the CLI and the editor."""

from .session import CheckingSession, check_paths

__all__ = ["CheckingSession", "check_paths"]
