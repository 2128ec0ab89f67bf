"""Errors of the Kubernetes target, written for the person who ran the command."""

from __future__ import annotations

import json


class KubeError(Exception):
    """Base class: the message says what went wrong and what to do."""


class ClusterError(KubeError):
    """No cluster could be loaded or reached."""


class ManifestError(KubeError):
    """The manifests break a rule; `findings` says which object, which field, and what to change."""

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class ApplyError(KubeError):
    """The API server refused an object; `status` is its Status answer (a dict) when it sent one."""

    def __init__(self, message: str, status: dict | None = None) -> None:
        super().__init__(message)
        self.status = status or {}


def status_message(error) -> tuple[str, dict]:
    """The API server's own words from an ApiException: its Status message and body."""
    body = getattr(error, "body", None)
    try:
        status = json.loads(body) if body else {}
    except (TypeError, ValueError):
        status = {}
    if not isinstance(status, dict):
        status = {}
    message = status.get("message") or f"HTTP {getattr(error, 'status', '?')} {getattr(error, 'reason', '')}".strip()
    return message, status
