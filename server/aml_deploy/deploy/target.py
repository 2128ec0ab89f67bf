"""The one small interface every deployment target offers. The CLI, the language server and the
editor's views use it without knowing which target is behind it; a new target implements it and
adds a line to `targets.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from .spec import DeploymentSpec
from .state import DeploymentState, Invocation

Progress = Callable[[str], None]


class Target(Protocol):
    name: str  # "local", ...

    def create_endpoint(self, file: Path | None = None, name: str | None = None) -> dict: ...

    def show_endpoint(self, name: str) -> dict: ...

    def list_endpoints(self) -> list[dict]: ...

    def delete_endpoint(self, name: str) -> dict: ...

    def deploy(
        self,
        spec: DeploymentSpec,
        *,
        debug: bool = False,
        timeout: float = 600.0,
        must_exist: bool = False,
        on_line: Progress | None = None,
    ) -> DeploymentState: ...

    def show_deployment(self, endpoint: str, deployment: str) -> DeploymentState: ...

    def list_deployments(self, endpoint: str | None = None) -> list[DeploymentState]: ...

    def delete_deployment(self, endpoint: str, deployment: str) -> dict: ...

    def wait_ready(self, endpoint: str, deployment: str | None, timeout: float) -> DeploymentState: ...

    def invoke(self, endpoint: str, deployment: str | None, body: bytes | None = None, timeout: float = 600.0) -> Invocation: ...

    def sample_request(self, endpoint: str, deployment: str | None) -> tuple[str, bytes | None]: ...

    def logs(self, endpoint: str, deployment: str | None = None, lines: int | None = None, follow: bool = False) -> Iterator[str]: ...

    # -- the endpoint's front: keys or tokens, traffic ---------------------------------------------

    def get_credentials(self, endpoint: str) -> dict:
        """As `az ml online-endpoint get-credentials` prints them: {"primaryKey", "secondaryKey"} for key
        auth, {"accessToken", "expiryTimeUtc"} for aml_token."""
        ...

    def regenerate_keys(self, endpoint: str, key_type: str) -> dict:
        """A new primary or secondary key (`key_type`); the other keeps working. The new credentials."""
        ...

    def set_traffic(self, endpoint: str, traffic: dict[str, int] | None = None, mirror: dict[str, int] | None = None) -> dict:
        """New `traffic` and/or `mirror_traffic` shares (percent by deployment); the endpoint as shown."""
        ...
