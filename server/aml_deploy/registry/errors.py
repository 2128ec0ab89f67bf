"""Errors the registry reports to people: each says what is wrong and where."""

from __future__ import annotations

import errno
from pathlib import Path

from ..errors import AmlDeployError


class RegistryError(AmlDeployError):
    """A registry operation that cannot be done; the message is meant for the user."""

    code = "registry"


class NotFound(RegistryError):
    code = "not-found"


class InUse(RegistryError):
    """A local deployment holds the version: deleting it needs force."""

    code = "in-use"


class ReadOnly(RegistryError):
    """The registry (or a destination) cannot be written: a read-only disk, or no permission."""

    code = "read-only"


class DiskFull(RegistryError):
    code = "disk-full"


def disk_error(err: OSError, place: Path, doing: str) -> RegistryError:
    """An OSError met while `doing` something on the disk that holds `place`, in words."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        what = "No space left" if err.errno == errno.ENOSPC else "The disk quota is used up"
        return DiskFull(f"{what} on the disk that holds {place} while {doing}.")
    if err.errno == errno.EROFS:
        return ReadOnly(f"{place} is on a read-only filesystem: {doing} is not possible there.")
    where = f" ({err.filename})" if err.filename else ""
    return RegistryError(f"Failed {doing}: {err.strerror}{where}.")
