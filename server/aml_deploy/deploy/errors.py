"""Errors of local deployment, written for the person who ran the command."""

from __future__ import annotations


class DeployError(Exception):
    """The deployment cannot go ahead; `findings` carries validator diagnostics when that is why."""

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class EngineUnavailable(DeployError):
    pass
