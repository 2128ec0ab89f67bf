"""Local endpoints and deployments: the operations behind `aml-deploy online-endpoint|online-deployment
... --local` and the editor's Endpoints view."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator


from ...registry import Registry, RegistryError
from . import containers, http, images
from .engine import connect
from ..errors import DeployError
from ..failures import Failure, explain
from ..spec import DeploymentSpec

Progress = Callable[[str], None]


def local_home() -> Path:
    return Path(os.environ.get("AML_DEPLOY_HOME", "~/.aml-deploy")).expanduser() / "local"


@dataclass
class DeploymentState:
    endpoint: str
    deployment: str
    state: str  # Creating | Succeeded | Failed | WaitingForDebugger | Stopped
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

    @property
    def scoring_uri(self) -> str | None:
        return f"http://127.0.0.1:{self.port}/score" if self.port else None

    def to_dict(self) -> dict:
        data = {
            "endpoint": self.endpoint, "name": self.deployment, "provisioning_state": self.state,
            "scoring_uri": self.scoring_uri, "openapi_uri": f"http://127.0.0.1:{self.port}/swagger.json" if self.port else None,
            "port": self.port, "debug_port": self.debug_port, "container": self.container, "image": self.image,
            "config": self.config, "warnings": self.warnings,
        }
        if self.seconds is not None:
            data.update(seconds=round(self.seconds, 3), rebuilt=self.rebuilt, restarted_in_place=self.restarted_in_place)
        if self.failure is not None:
            data["failure"] = {"message": self.failure.message, "path": str(self.failure.path) if self.failure.path else None,
                               "line": self.failure.line, "function": self.failure.function, "log": self.log_excerpt}
        if self.debug_configuration is not None:
            data["debug_configuration"] = self.debug_configuration
        return data


class LocalEndpoints:
    def __init__(self, registry: Registry | None = None, home: Path | None = None, ca: Path | None = None,
                 progress: Progress | None = None) -> None:
        self.registry = registry or Registry()
        self.home = home or local_home()
        self.ca = ca if ca is not None else images.ca_bundle()
        self.progress = progress or (lambda message: None)
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = connect()
        return self._client

    # -- endpoints ------------------------------------------------------------------------------

    def _endpoint_file(self, name: str) -> Path:
        return self.home / "endpoints" / f"{name}.json"

    def create_endpoint(self, file: Path | None = None, name: str | None = None) -> dict:
        data: dict = {}
        if file is not None:
            from ...documents import Context, validate_file

            result = validate_file(Path(file).resolve(), Context(Path(file).resolve()), explicit=True)
            errors = [f for f in result.findings if f.severity == 1]
            if errors:
                raise DeployError(f"{file} has errors; nothing was created:\n" + "\n".join(
                    f"{file}:{f.span.start_line + 1}:{f.span.start_col + 1}: {f.code} {f.message}" for f in errors),
                    findings=[(str(file), f) for f in errors])
            data = result.parsed.data if result.parsed and isinstance(result.parsed.data, dict) else {}
        name = name or data.get("name")
        if not name:
            raise DeployError("Give the endpoint a name (--name, or name: in the file).")
        record = {"name": name, "auth_mode": data.get("auth_mode", "key"), "traffic": data.get("traffic") or {},
                  "file": str(Path(file).resolve()) if file else None, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        path = self._endpoint_file(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            record["created"] = json.loads(path.read_text()).get("created", record["created"])
        path.write_text(json.dumps(record, indent=2))
        return self.show_endpoint(name)

    def show_endpoint(self, name: str) -> dict:
        path = self._endpoint_file(name)
        if not path.exists() and not containers.find(self.client, name):
            raise DeployError(f"No local endpoint {name}. Create it: aml-deploy online-endpoint create --local -n {name}")
        record = json.loads(path.read_text()) if path.exists() else {"name": name, "auth_mode": "key", "traffic": {}}
        deployments = [d.to_dict() for d in self.list_deployments(name)]
        states = {d["provisioning_state"] for d in deployments}
        record.update(
            deployments=deployments,
            provisioning_state="Succeeded" if states <= {"Succeeded"} else ("Failed" if "Failed" in states else "Creating"),
            scoring_uri=next((d["scoring_uri"] for d in deployments if d["provisioning_state"] == "Succeeded"), None),
        )
        return record

    def list_endpoints(self) -> list[dict]:
        names = {p.stem for p in (self.home / "endpoints").glob("*.json")}
        names |= {c.labels.get("aml-deploy.endpoint") for c in containers.find(self.client)}
        return [self.show_endpoint(name) for name in sorted(n for n in names if n)]

    def delete_endpoint(self, name: str) -> dict:
        removed = [self.delete_deployment(name, d.deployment)["name"] for d in self.list_deployments(name)]
        self._endpoint_file(name).unlink(missing_ok=True)
        return {"name": name, "deleted_deployments": removed}

    # -- deployments ---------------------------------------------------------------------------

    def deploy(self, spec: DeploymentSpec, debug: bool = False, timeout: float = 600.0, must_exist: bool = False,
               on_line: Progress | None = None) -> DeploymentState:
        """Create or update: an unchanged environment and configuration restart the server inside
        the running container; anything else rebuilds what changed and replaces the container."""
        started = time.monotonic()
        if not self._endpoint_file(spec.endpoint).exists():
            self.create_endpoint(name=spec.endpoint)
        existing = next(iter(containers.find(self.client, spec.endpoint, spec.deployment)), None)
        if must_exist and existing is None:
            raise DeployError(f"No local deployment {spec.endpoint}/{spec.deployment} to update; create it first.")
        self.progress("Preparing the environment image")
        built = images.ensure_image(self.client, spec.environment, on_line or self.progress, self.ca)
        warnings = list(spec.warnings) + built.warnings
        generation = int(time.time() * 1000)
        control = {"generation": generation, "debug_port": containers.DEBUG_PORT if debug else None}
        since = time.time()
        in_place = existing is not None and existing.status == "running" and \
            existing.labels.get("aml-deploy.fingerprint") == spec.fingerprint() and \
            existing.labels.get("aml-deploy.environment") == built.key
        if in_place:
            self.progress("Restarting the server in the running container")
            container = existing
            containers.restart_server(container, control)
        else:
            ports = containers.host_ports(existing) if existing is not None else (spec.port, None)
            if spec.port is not None:
                ports = (spec.port, ports[1])
            if existing is not None:
                self._remove(existing)
            self.progress("Starting the container")
            container = self._start(spec, built.tag, built.key, ports, control)
        self.progress("Waiting for init() to finish" if not debug else "Waiting for the debugger to attach")
        outcome = containers.wait(container, generation, since, timeout, until_debugger=debug)
        state = self._state_of(container, outcome.state)
        state.seconds, state.rebuilt, state.restarted_in_place = time.monotonic() - started, built.built, in_place
        state.warnings = warnings
        if outcome.state == "Failed":
            state.log_excerpt = outcome.log_excerpt
            state.failure = explain(outcome.log, spec.code_target, spec.code_dir)
            if not in_place:
                self._remove(container)  # a failed create leaves no container behind
                state.container, state.port, state.debug_port = None, None, None
        if debug and outcome.state == "WaitingForDebugger":
            state.debug_configuration = debug_configuration(spec, state.debug_port)
        return state

    def _start(self, spec: DeploymentSpec, image: str, key: str, ports, control: dict):
        name = containers.container_name(spec.endpoint, spec.deployment)
        for model in spec.models:
            if model.reference:
                try:
                    self.registry.hold(model.name, model.version, name)
                except RegistryError as err:
                    raise DeployError(str(err)) from None
        try:
            return containers.create(self.client, spec, image, key, ports, control)
        except Exception:
            self.registry.release(name)
            raise

    def _remove(self, container) -> None:
        try:
            container.remove(force=True)
        finally:
            self.registry.release(container.name)

    def show_deployment(self, endpoint: str, deployment: str) -> DeploymentState:
        found = containers.find(self.client, endpoint, deployment)
        if not found:
            raise DeployError(f"No local deployment {endpoint}/{deployment}.")
        return self._state_of(found[0], None)

    def list_deployments(self, endpoint: str | None = None) -> list[DeploymentState]:
        return [self._state_of(c, None) for c in containers.find(self.client, endpoint)]

    def delete_deployment(self, endpoint: str, deployment: str) -> dict:
        found = containers.find(self.client, endpoint, deployment)
        if not found:
            raise DeployError(f"No local deployment {endpoint}/{deployment}.")
        for container in found:
            self._remove(container)
        return {"endpoint": endpoint, "name": deployment, "deleted": True}

    def _state_of(self, container, known: str | None) -> DeploymentState:
        scoring_port, debug_port = containers.host_ports(container)
        labels = container.labels
        state = known or self._live_state(container, scoring_port)
        return DeploymentState(
            labels.get("aml-deploy.endpoint", ""), labels.get("aml-deploy.deployment", ""), state, container.name,
            container.image.tags[0] if container.image.tags else container.image.id, labels.get("aml-deploy.config"),
            scoring_port, debug_port, code_dir=labels.get("aml-deploy.code-dir"), code_target=labels.get("aml-deploy.code-target"),
        )

    @staticmethod
    def _live_state(container, port: int | None) -> str:
        if container.status != "running":
            return "Failed" if container.status in ("exited", "dead") else "Stopped"
        if port and http.answers(port, timeout=1):
            return "Succeeded"
        tail = container.logs(tail=200).decode("utf-8", errors="replace").splitlines()
        events = [e for e in map(containers.parse_event, tail) if e]
        return "Failed" if events and events[-1]["event"] == "exited" else "Creating"

    # -- using a deployment ------------------------------------------------------------------

    def resolve_deployment(self, endpoint: str, deployment: str | None) -> DeploymentState:
        if deployment:
            return self.show_deployment(endpoint, deployment)
        deployments = self.list_deployments(endpoint)
        if not deployments:
            raise DeployError(f"The local endpoint {endpoint} has no deployments, so it cannot be invoked: "
                              "aml-deploy online-deployment create --local -f <deployment.yml>")
        if len(deployments) == 1:
            return deployments[0]
        traffic = self.show_endpoint(endpoint).get("traffic") or {}
        best = max(deployments, key=lambda d: int(traffic.get(d.deployment, 0) or 0))
        if not traffic:
            names = ", ".join(d.deployment for d in deployments)
            raise DeployError(f"{endpoint} has several deployments ({names}): choose one with --deployment-name.")
        return best

    def invoke(self, endpoint: str, deployment: str | None, body: bytes | None = None,
               timeout: float = 600.0) -> tuple[int, str, DeploymentState]:
        target = self.resolve_deployment(endpoint, deployment)
        if target.state != "Succeeded":
            raise DeployError(f"{endpoint}/{target.deployment} is {target.state}, not ready to score. "
                              f"See: aml-deploy online-deployment get-logs -e {endpoint} -n {target.deployment} --local")
        if body is None:
            body = self.sample_request(target)
        status, text = http.post(target.scoring_uri, body, timeout=timeout,
                                 headers={"Content-Type": "application/json", "azureml-model-deployment": target.deployment})
        return status, text, target

    def sample_request(self, target: DeploymentState) -> bytes:
        """A request built from the script's input_sample (the swagger document's example)."""
        document = self.swagger(target)
        example = _swagger_example(document) if document else None
        if example is None:
            raise DeployError("Give --request-file: the scoring script declares no input_sample "
                              "(inference-schema @input_schema), so there is no example request to send.")
        return json.dumps(example).encode()

    def swagger(self, target: DeploymentState) -> dict | None:
        return http.get_json(f"http://127.0.0.1:{target.port}/swagger.json")

    def logs(self, endpoint: str, deployment: str, lines: int | None = None, follow: bool = False) -> Iterator[str]:
        found = containers.find(self.client, endpoint, deployment)
        if not found:
            raise DeployError(f"No local deployment {endpoint}/{deployment}.")
        container = found[0]
        if follow:
            for chunk in container.logs(stream=True, follow=True, tail=lines or "all"):
                for line in chunk.decode("utf-8", errors="replace").splitlines():
                    if containers.MARKER not in line:
                        yield line
            return
        text = container.logs(tail=lines or "all").decode("utf-8", errors="replace")
        yield from (line for line in text.splitlines() if containers.MARKER not in line)


def debug_configuration(spec_or_state, port: int | None) -> dict:
    """A VS Code `debugpy` attach configuration for the deployment's worker process."""
    code_dir = getattr(spec_or_state, "code_dir", None)
    code_target = spec_or_state.code_target
    return {
        "type": "debugpy", "request": "attach",
        "name": f"AML Deploy: {spec_or_state.endpoint}/{spec_or_state.deployment}",
        "connect": {"host": "127.0.0.1", "port": port},
        "pathMappings": [{"localRoot": str(code_dir), "remoteRoot": code_target}],
        "justMyCode": True,
    }


def _swagger_example(document: dict):
    """The example input of a swagger 2 or 3 document generated from @input_schema."""
    definitions = document.get("definitions") or (document.get("components") or {}).get("schemas") or {}
    service_input = definitions.get("ServiceInput") or {}
    example = service_input.get("example")
    return example or None  # the server's generic document for undecorated run() has an empty one

