"""Errors the registry reports to people: each says what is wrong and where."""


class RegistryError(Exception):
    """A registry operation that cannot be done; the message is meant for the user."""


class NotFound(RegistryError):
    pass


class InUse(RegistryError):
    pass
