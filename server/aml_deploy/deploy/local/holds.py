"""Local deployments hold the registry versions they mount. Is a holder (a container) still there?"""

from __future__ import annotations


def deployment_is_alive(holder: str) -> bool:
    """True unless Docker says the container is gone. When Docker cannot be asked, the hold is
    kept: deleting a model a running container mounts would be worse than refusing."""
    try:
        import docker
        from docker.errors import NotFound

        client = docker.from_env(timeout=5)
        try:
            client.containers.get(holder)
            return True
        except NotFound:
            return False
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - Docker unreachable: keep the hold
        return True
