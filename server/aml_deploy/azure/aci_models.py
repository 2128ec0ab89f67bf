"""A container group as ARM reports it (api-version 2025-09-01), read into plain dataclasses: provisioning
state, the group's public address, and each container's state, exit code, restarts and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ContainerState:
    state: str  # Waiting, Running, Terminated
    detail_status: str = ""  # e.g. CrashLoopBackOff..., OOMKilled, Error, Completed
    exit_code: int | None = None
    start_time: str | None = None
    finish_time: str | None = None

    @classmethod
    def from_arm(cls, data: dict | None) -> ContainerState | None:
        if not data:
            return None
        return cls(
            state=data.get("state", ""),
            detail_status=data.get("detailStatus") or "",
            exit_code=data.get("exitCode"),
            start_time=data.get("startTime"),
            finish_time=data.get("finishTime"),
        )


@dataclass(frozen=True)
class ContainerEvent:
    name: str  # Pulling, Pulled, Started, Killing, BackOff, Unhealthy, Failed...
    type: str  # Normal or Warning
    message: str
    count: int = 1
    first_timestamp: str | None = None
    last_timestamp: str | None = None

    @classmethod
    def from_arm(cls, data: dict) -> ContainerEvent:
        return cls(
            name=data.get("name", ""),
            type=data.get("type", ""),
            message=data.get("message", ""),
            count=data.get("count", 1),
            first_timestamp=data.get("firstTimestamp"),
            last_timestamp=data.get("lastTimestamp"),
        )


@dataclass(frozen=True)
class ContainerStatus:
    name: str
    image: str
    restart_count: int = 0
    current_state: ContainerState | None = None
    previous_state: ContainerState | None = None
    events: tuple[ContainerEvent, ...] = ()

    @classmethod
    def from_arm(cls, data: dict) -> ContainerStatus:
        properties = data.get("properties", {})
        view = properties.get("instanceView") or {}
        return cls(
            name=data.get("name", ""),
            image=properties.get("image", ""),
            restart_count=view.get("restartCount", 0),
            current_state=ContainerState.from_arm(view.get("currentState")),
            previous_state=ContainerState.from_arm(view.get("previousState")),
            events=tuple(ContainerEvent.from_arm(e) for e in view.get("events", [])),
        )


@dataclass(frozen=True)
class ContainerGroup:
    id: str
    name: str
    location: str
    provisioning_state: str  # Pending, Creating, Updating, Succeeded, Failed, Deleting...
    state: str | None  # the group's instance view: Running, Stopped, Succeeded, Failed (None in lists)
    ip: str | None
    fqdn: str | None
    ports: tuple[int, ...]
    containers: tuple[ContainerStatus, ...]
    tags: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # the body as ARM returned it (no secrets)

    @classmethod
    def from_arm(cls, data: dict) -> ContainerGroup:
        properties = data.get("properties", {})
        address = properties.get("ipAddress") or {}
        return cls(
            id=data.get("id", ""),
            name=data.get("name", ""),
            location=data.get("location", ""),
            provisioning_state=properties.get("provisioningState", ""),
            state=(properties.get("instanceView") or {}).get("state"),
            ip=address.get("ip"),
            fqdn=address.get("fqdn"),
            ports=tuple(p["port"] for p in address.get("ports", []) if "port" in p),
            containers=tuple(ContainerStatus.from_arm(c) for c in properties.get("containers", [])),
            tags=dict(data.get("tags") or {}),
            raw=data,
        )

    def container(self, name: str) -> ContainerStatus | None:
        return next((c for c in self.containers if c.name == name), None)

    @property
    def host(self) -> str | None:
        """The name clients reach the group by: its fqdn, else its ip."""
        return self.fqdn or self.ip
