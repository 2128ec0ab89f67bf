"""What a target says about a deployment: plain data the CLI prints, the editor shows, and the
language server turns into diagnostics. The same shape for every target."""

from __future__ import annotations

from dataclasses import dataclass, field

from .failures import Failure


@dataclass
class DeploymentState:
    endpoint: str
    deployment: str
    state: str  # Creating | Succeeded | Failed | WaitingForDebugger | Stopped | Missing (its container is gone)
    target: str = "local"
    scoring_uri: str | None = None
    openapi_uri: str | None = None
    container: str | None = None
    image: str | None = None
    config: str | None = None
    port: int | None = None
    debug_port: int | None = None
    seconds: float | None = None
    rebuilt: bool = False
    restarted_in_place: bool = False
    warnings: list[str] = field(default_factory=list)
    failure: Failure | None = None
    log_excerpt: str = ""
    debug_configuration: dict | None = None
    code_dir: str | None = None
    code_target: str | None = None
    problem: str | None = None  # why the state is what it is, and what to do (e.g. for Missing)
    publish: dict | None = None  # a remote target: the image pushed, bytes sent, seconds per stage, replicas...

    def to_dict(self) -> dict:
        data: dict = {
            "endpoint": self.endpoint,
            "name": self.deployment,
            "provisioning_state": self.state,
            "target": self.target,
            "scoring_uri": self.scoring_uri,
            "openapi_uri": self.openapi_uri,
            "port": self.port,
            "debug_port": self.debug_port,
            "container": self.container,
            "image": self.image,
            "config": self.config,
            "warnings": self.warnings,
        }
        if self.problem:
            data["problem"] = self.problem
        if self.seconds is not None:
            data.update(seconds=round(self.seconds, 3), rebuilt=self.rebuilt, restarted_in_place=self.restarted_in_place)
        if self.failure is not None:
            data["failure"] = {
                "message": self.failure.message,
                "path": str(self.failure.path) if self.failure.path else None,
                "line": self.failure.line,
                "function": self.failure.function,
                "log": self.log_excerpt,
                "timed_out": self.failure.timed_out,
            }
        if self.publish is not None:
            data["publish"] = self.publish
        if self.debug_configuration is not None:
            data["debug_configuration"] = self.debug_configuration
        return data


@dataclass
class Invocation:
    """One scoring request's answer."""

    deployment: str  # the deployment that served it
    status: int
    body: str
    explanation: str | None = None  # what a 401, 404, 408, 424, 429, 503 or 504 means, and what to change

    def to_dict(self) -> dict:
        import json

        try:
            body = json.loads(self.body)
        except ValueError:
            body = self.body
        data = {"deployment": self.deployment, "status": self.status, "body": body}
        if self.explanation:
            data["explanation"] = self.explanation
        return data
