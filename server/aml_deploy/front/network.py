"""The endpoint's own Docker network: the front reaches each local deployment there by an alias
(its name), so a deployment's address is `<deployment>:5001` whatever IP its container gets."""

from __future__ import annotations

import ipaddress
import os

from .errors import FrontError

LABEL = "aml-deploy.front"
SCORING_PORT = 5001  # where the inference server listens inside a deployment's container


def network_name(endpoint: str) -> str:
    return f"{endpoint}_front-net"  # '_' never occurs in an endpoint name: no clash with other names


# Each endpoint's network takes a small subnet of its own from this block. Docker's default pools
# hand out /16s and run out after about 30 networks; an endpoint needs a handful of addresses.
SUBNETS_VARIABLE = "AML_DEPLOY_FRONT_SUBNETS"
DEFAULT_SUBNETS = "172.31.240.0/20"
SUBNET_PREFIX = 27  # 30 addresses: the front and up to 29 deployments


def subnet_block() -> ipaddress.IPv4Network:
    """The block endpoint networks are cut from: AML_DEPLOY_FRONT_SUBNETS, an IPv4 block of /27 or larger."""
    value = os.environ.get(SUBNETS_VARIABLE, DEFAULT_SUBNETS)
    try:
        block = ipaddress.ip_network(value)
    except ValueError as err:
        raise FrontError(f"{SUBNETS_VARIABLE}={value} is not a network block ({err}); write it like {DEFAULT_SUBNETS}.") from None
    if not isinstance(block, ipaddress.IPv4Network) or block.prefixlen > SUBNET_PREFIX:
        raise FrontError(
            f"{SUBNETS_VARIABLE}={value} must be an IPv4 block of /{SUBNET_PREFIX} or larger "
            f"(each endpoint's network takes a /{SUBNET_PREFIX}), like {DEFAULT_SUBNETS}."
        )
    return block


def ensure_network(client, endpoint: str):
    """The endpoint's network, created the first time (in the first free subnet of subnet_block())."""
    import docker.errors
    from docker.types import IPAMConfig, IPAMPool

    name = network_name(endpoint)
    try:
        return client.networks.get(name)
    except docker.errors.NotFound:
        pass
    for attempt in range(5):  # another process may take the same subnet at the same moment
        subnet = _free_subnet(client)
        try:
            return client.networks.create(
                name,
                driver="bridge",
                labels={LABEL: "1", "aml-deploy.endpoint": endpoint},
                ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=str(subnet))]),
            )
        except docker.errors.APIError as err:
            if "already exists" in str(err):
                return client.networks.get(name)
            if "overlap" not in str(err) or attempt == 4:
                raise FrontError(f"Could not create the network of endpoint {endpoint}: {err.explanation or err}") from None
    raise AssertionError("unreachable")


def _free_subnet(client) -> ipaddress.IPv4Network:
    block = subnet_block()
    used = [
        ipaddress.ip_network(config["Subnet"], strict=False)
        for network in client.networks.list()
        for config in ((network.attrs.get("IPAM") or {}).get("Config") or [])
        if config.get("Subnet") and ":" not in config["Subnet"]
    ]
    for candidate in block.subnets(new_prefix=SUBNET_PREFIX):
        if not any(candidate.overlaps(other) for other in used):
            return candidate
    raise FrontError(
        f"Every subnet of {block} is taken by an endpoint's network: delete endpoints you no longer "
        f"use (aml-deploy online-endpoint list --local), or set {SUBNETS_VARIABLE} to a larger block."
    )


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
    except docker.errors.NotFound:
        raise  # the container is gone (removed meanwhile): the caller decides what that means
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
