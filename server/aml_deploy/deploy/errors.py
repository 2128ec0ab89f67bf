"""Errors of deployment, written for the person who ran the command."""

from __future__ import annotations

from ..errors import AmlDeployError, InvalidConfiguration


class DeployError(AmlDeployError):
    """The deployment cannot go ahead, or an operation on one failed."""

    code = "deploy"


class Interrupted(DeployError):
    """Ctrl+C or SIGTERM stopped an operation; the message says what was cleaned up and what is left."""

    code = "interrupted"
    exit_code = 130


class EngineUnavailable(DeployError):
    code = "engine-unavailable"


class InvalidDeployment(DeployError, InvalidConfiguration):
    """The deployment's configuration has errors, so nothing was built."""

    code = "invalid-configuration"


class NoTarget(DeployError):
    """A command that names no target it can serve (--local left out, say): a usage error (exit 2)."""

    code = "usage"
    exit_code = 2
