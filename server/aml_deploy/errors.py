"""The base of every error meant for the person at the keyboard. Each kind carries a stable `code`
that the editor branches on (never on the message's wording)."""

from __future__ import annotations

from typing import ClassVar


class AmlDeployError(Exception):
    """An operation that cannot be done; the message says what is wrong and what to do."""

    code: ClassVar[str] = "failed"
    exit_code: ClassVar[int] = 1  # what the command line exits with


class UsageError(AmlDeployError):
    """The command was given the wrong options (the CLI exits with 2, as for argparse's own errors)."""

    code = "usage"
    exit_code = 2


class InvalidConfiguration(AmlDeployError):
    """A configuration file has errors, so nothing was done; `findings` holds (path, finding) pairs."""

    code = "invalid-configuration"

    def __init__(self, message: str, findings: list | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []
