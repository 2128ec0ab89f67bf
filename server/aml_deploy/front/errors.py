"""Errors of the endpoint front, written for the person who ran the command."""

from __future__ import annotations


class FrontError(Exception):
    """The front cannot be configured, started or changed; the message says why and what to do."""


class RuntimeApiError(FrontError):
    """HAProxy's runtime API could not be reached or refused a change (the files are written by then)."""
