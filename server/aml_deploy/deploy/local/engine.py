"""The Docker engine, through the docker SDK."""

from __future__ import annotations

import os

from ..errors import EngineUnavailable

SOCKET = "/var/run/docker.sock"


def connect():
    """A docker client, or an error that names what was tried and how to start the engine."""
    import docker
    from docker.errors import DockerException

    host = os.environ.get("DOCKER_HOST")
    tried = f"DOCKER_HOST={host}" if host else f"the socket {SOCKET} (DOCKER_HOST is not set)"
    try:
        client = docker.from_env(timeout=120)
        client.ping()
        return client
    except DockerException as err:
        reason = str(err).split("(")[0].strip()
        raise EngineUnavailable(
            f"The Docker engine is not reachable: tried {tried} ({reason}). Start it (Linux: `sudo systemctl start "
            "docker` or `sudo dockerd &`; macOS/Windows: start Docker Desktop, and on macOS allow the default Docker "
            "socket in its Advanced settings), or point DOCKER_HOST at a running engine."
        ) from None
