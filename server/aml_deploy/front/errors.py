"""Errors of the endpoint front, written for the person who ran the command."""

from __future__ import annotations

from ..errors import AmlDeployError


class FrontError(AmlDeployError):
    """The front cannot be configured, started or changed; the message says why and what to do."""

    code = "front"


class RuntimeApiError(FrontError):
    """HAProxy's runtime API could not be reached or refused a change (the files are written by then)."""
