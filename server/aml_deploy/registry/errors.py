"""Errors the registry reports to people: each says what is wrong and where."""

from ..errors import AmlDeployError


class RegistryError(AmlDeployError):
    """A registry operation that cannot be done; the message is meant for the user."""

    code = "registry"


class NotFound(RegistryError):
    code = "not-found"


class InUse(RegistryError):
    """A local deployment holds the version: deleting it needs force."""

    code = "in-use"
