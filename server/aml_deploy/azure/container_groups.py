"""Container Instances through ARM (api-version 2025-09-01): create or update a container group and follow the
deployment to its end, read it back, list, delete, read a container's logs, restart, stop and start."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aml_deploy.azure.aci_models import ContainerGroup
from aml_deploy.azure.arm import ArmClient, segment
from aml_deploy.azure.errors import AzureError, ProvisioningFailed, ResourceNotFound
from aml_deploy.azure.redaction import redact_secrets

API_VERSION = "2025-09-01"


@dataclass(frozen=True)
class ProvisioningProgress:
    status: str  # the operation's: InProgress, Succeeded, Failed...
    elapsed_seconds: float
    group: ContainerGroup | None  # read right after the poll (None when it could not be read yet)


ProgressCallback = Callable[[ProvisioningProgress], None]


@dataclass(frozen=True)
class PlannedRequest:
    """A request as it would be sent, secrets masked: what --dry-run shows."""

    method: str
    url: str
    body: Any = None


class ContainerGroups:
    def __init__(self, arm: ArmClient, subscription_id: str, resource_group: str) -> None:
        self.arm = arm
        self.subscription_id = subscription_id
        self.resource_group = resource_group

    def path(self, name: str | None = None) -> str:
        base = (
            f"/subscriptions/{segment(self.subscription_id)}/resourceGroups/{segment(self.resource_group)}"
            "/providers/Microsoft.ContainerInstance/containerGroups"
        )
        return base if name is None else f"{base}/{segment(name)}"

    def plan_create_or_update(self, name: str, body: dict) -> PlannedRequest:
        return PlannedRequest("PUT", self.arm.url(self.path(name), API_VERSION), redact_secrets(body))

    def create_or_update(
        self, name: str, body: dict, *, progress: ProgressCallback | None = None, timeout: float | None = None
    ) -> ContainerGroup:
        """PUTs the group and returns it once the deployment has ended Succeeded; ProvisioningFailed (with ACI's
        code and message) when it ended Failed. `progress` gets the status and a fresh read of the group after
        each poll, from the polling thread."""
        action = f"Deploying container group '{name}'"
        started = time.monotonic()
        body_after = self.arm.run_operation(
            "PUT",
            self.path(name),
            API_VERSION,
            action=action,
            body=body,
            on_status=self._reporter(name, progress, started),
            timeout=timeout,
        )
        group = ContainerGroup.from_arm(body_after) if body_after else self.get(name)
        if group is None:
            raise ResourceNotFound(action, 404, "ResourceNotFound", f"container group '{name}' is gone after its deployment")
        if group.provisioning_state in ("Failed", "Canceled"):
            raise ProvisioningFailed(action, None, group.provisioning_state, f"container group '{name}' ended {group.provisioning_state}")
        return group

    def _reporter(self, name: str, progress: ProgressCallback | None, started: float):
        if progress is None:
            return None

        def report(status: str) -> None:
            try:
                group = self.get(name)
            except AzureError:  # progress is best effort; the operation's own outcome decides
                group = None
            progress(ProvisioningProgress(status, time.monotonic() - started, group))

        return report

    def get(self, name: str) -> ContainerGroup | None:
        """The group as ARM reports it now; None when there is no such group."""
        try:
            body = self.arm.call("GET", self.path(name), API_VERSION, action=f"Reading container group '{name}'")
        except ResourceNotFound as missing:
            if missing.arm_code == "ResourceNotFound":  # the group; a missing resource group or subscription is an error
                return None
            raise
        return ContainerGroup.from_arm(body)

    def list(self) -> list[ContainerGroup]:
        """The container groups of the resource group (every page)."""
        action = f"Listing the container groups of resource group '{self.resource_group}'"
        page = self.arm.call("GET", self.path(), API_VERSION, action=action)
        groups = [ContainerGroup.from_arm(item) for item in page.get("value", [])]
        while page.get("nextLink"):
            page = self.arm.follow(page["nextLink"], action=action)
            groups.extend(ContainerGroup.from_arm(item) for item in page.get("value", []))
        return groups

    def delete(self, name: str, *, timeout: float | None = None) -> bool:
        """Deletes the group and waits until it is gone; False when there was none."""
        if self.get(name) is None:
            return False
        self.arm.run_operation("DELETE", self.path(name), API_VERSION, action=f"Deleting container group '{name}'", timeout=timeout)
        return True

    def logs(self, name: str, container: str, *, tail: int | None = None, timestamps: bool = False) -> str:
        """The container's log (its last `tail` lines; all, up to 4 MB, when None)."""
        query = {"tail": tail, "timestamps": "true" if timestamps else None}
        body = self.arm.call(
            "GET",
            f"{self.path(name)}/containers/{segment(container)}/logs",
            API_VERSION,
            action=f"Reading the logs of container '{container}' in group '{name}'",
            query=query,
        )
        return (body or {}).get("content") or ""

    def restart(self, name: str, *, timeout: float | None = None) -> None:
        self.arm.run_operation(
            "POST", f"{self.path(name)}/restart", API_VERSION, action=f"Restarting container group '{name}'", timeout=timeout
        )

    def stop(self, name: str) -> None:
        self.arm.call("POST", f"{self.path(name)}/stop", API_VERSION, action=f"Stopping container group '{name}'")

    def start(self, name: str, *, timeout: float | None = None) -> None:
        self.arm.run_operation(
            "POST", f"{self.path(name)}/start", API_VERSION, action=f"Starting container group '{name}'", timeout=timeout
        )
