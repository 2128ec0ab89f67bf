"""Errors of profiling, written for the person who ran it."""

from __future__ import annotations

from ..errors import AmlDeployError


class ProfileError(AmlDeployError):
    """The profile cannot run, or its input or its output file is wrong."""

    code = "profile"


class Cancelled(ProfileError):
    code = "cancelled"


class BadRequestFile(ProfileError):
    code = "invalid-request-file"


class CannotWrite(ProfileError):
    """The recommendation does not fit the file it was asked to go into."""

    code = "cannot-write"
