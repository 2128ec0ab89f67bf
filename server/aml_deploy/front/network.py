"""The endpoint's own Docker network: the front reaches each local deployment there by an alias
(its name), so a deployment's address is `<deployment>:5001` whatever IP its container gets."""

from __future__ import annotations

from .errors import FrontError

LABEL = "aml-deploy.front"
SCORING_PORT = 5001  # where the inference server listens inside a deployment's container


def network_name(endpoint: str) -> str:
    return f"{endpoint}_front-net"  # '_' never occurs in an endpoint name: no clash with other names


def ensure_network(client, endpoint: str):
    """The endpoint's network, created the first time."""
    import docker.errors

    name = network_name(endpoint)
    try:
        return client.networks.get(name)
    except docker.errors.NotFound:
        return client.networks.create(name, driver="bridge", labels={LABEL: "1", "aml-deploy.endpoint": endpoint})


def connect_deployment(client, endpoint: str, container, deployment: str, port: int = SCORING_PORT) -> str:
    """Join a deployment's container to the endpoint's network under the alias `deployment`;
    returns the address the front reaches it at (for `Deployment.address`)."""
    import docker.errors

    network = ensure_network(client, endpoint)
    container.reload()
    attached = container.attrs.get("NetworkSettings", {}).get("Networks", {}).get(network.name)
    if attached is not None and deployment in (attached.get("Aliases") or []):
        return f"{deployment}:{port}"
    try:
        if attached is not None:
            network.disconnect(container)
        network.connect(container, aliases=[deployment])
    except docker.errors.APIError as err:
        raise FrontError(f"Could not join {container.name} to {network.name}: {err.explanation or err}") from None
    return f"{deployment}:{port}"


def disconnect_deployment(client, endpoint: str, container) -> None:
    import docker.errors

    try:
        client.networks.get(network_name(endpoint)).disconnect(container, force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as err:  # not attached
        if "is not connected" not in str(err):
            raise


def remove_network(client, endpoint: str) -> bool:
    """Remove the network, detaching whatever is still on it; False when there was none."""
    import docker.errors

    try:
        network = client.networks.get(network_name(endpoint))
    except docker.errors.NotFound:
        return False
    network.reload()
    for container in network.containers:
        network.disconnect(container, force=True)
    network.remove()
    return True
