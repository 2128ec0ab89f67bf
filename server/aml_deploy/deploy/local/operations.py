"""The local target: endpoints and deployments on this machine's Docker engine, behind
`aml-deploy online-endpoint|online-deployment ... --local` and the editor's Endpoints view."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker.errors

from ...documents import Context, validate_or_refuse
from ...errors import AmlDeployError
from ...front import shares
from ...registry import Registry, RegistryError
from .. import requests as sample_requests
from ..errors import DeployError, InvalidDeployment
from ..failures import Failure, explain, timed_out_in
from ..front_answers import explain_status
from ..layout import code_target
from ..spec import DeploymentSpec
from ..state import DeploymentState, Invocation
from . import containers, http, images
from .endpoint_front import LocalFront, front_settings
from .engine import connect
from .records import Records

Progress = Callable[[str], None]


def local_home() -> Path:
    return Path(os.environ.get("AML_DEPLOY_HOME", "~/.aml-deploy")).expanduser() / "local"


class LocalEndpoints:
    name = "local"

    def __init__(
        self, registry: Registry | None = None, home: Path | None = None, ca: Path | None = None, progress: Progress | None = None
    ) -> None:
        self.registry = registry or Registry()
        self.home = home or local_home()
        self.records = Records(self.home)
        self.ca = ca if ca is not None else images.ca_bundle()
        self.progress = progress or (lambda message: None)
        self._client = None
        self._front: LocalFront | None = None

    @property
    def client(self):
        if self._client is None:
            self._client = connect()
        return self._client

    @property
    def front(self) -> LocalFront:
        if self._front is None:
            self._front = LocalFront(self.client, self.home, self.records, self.ca, self.progress)
        return self._front

    # -- endpoints ------------------------------------------------------------------------------

    def create_endpoint(self, file: Path | None = None, name: str | None = None) -> dict:
        data: dict = {}
        if file is not None:
            path = Path(file).resolve()
            result = validate_or_refuse(path, Context(path), "nothing was created", InvalidDeployment)
            data = result.parsed.data if result.parsed and isinstance(result.parsed.data, dict) else {}
        name = name or data.get("name")
        if not name:
            raise DeployError("Give the endpoint a name (--name, or name: in the file).")
        traffic = shares(data["traffic"]) if data.get("traffic") is not None else None
        mirror = shares(data["mirror_traffic"], "mirror_traffic") if data.get("mirror_traffic") is not None else None
        if traffic or mirror:
            self._check_traffic(name, traffic, mirror)  # before anything is created or changed

        def change(record: dict) -> None:
            record.update(
                auth_mode=data.get("auth_mode", record.get("auth_mode", "key")),
                traffic=record.get("traffic") or {},
                mirror_traffic=record.get("mirror_traffic") or {},
                file=str(Path(file).resolve()) if file else record.get("file"),
            )
            record.setdefault("created", time.strftime("%Y-%m-%dT%H:%M:%S%z"))

        self.records.update(name, change)
        self.front.apply(name)
        if traffic or mirror:
            return self.set_traffic(name, traffic, mirror)
        return self.show_endpoint(name)

    def show_endpoint(self, name: str) -> dict:
        record = self.records.read(name)
        if record is None and not containers.find(self.client, name):
            raise DeployError(f"No local endpoint {name}. Create it: aml-deploy online-endpoint create --local -n {name}")
        record = {
            k: v
            for k, v in (record or {"name": name, "auth_mode": "key", "traffic": {}}).items()
            if k in ("name", "auth_mode", "traffic", "mirror_traffic", "file", "created")
        }
        deployments = [d.to_dict() for d in self.list_deployments(name)]
        states = {d["provisioning_state"] for d in deployments}
        front_state = self.front.status(name)
        record.update(
            deployments=deployments,
            provisioning_state="Succeeded" if states <= {"Succeeded"} else ("Failed" if states & {"Failed", "Missing"} else "Creating"),
            scoring_uri=front_state.scoring_uri if front_state.status == "running" else None,
            openapi_uri=front_state.scoring_uri.replace("/score", "/swagger.json") if front_state.scoring_uri else None,
            notes=_endpoint_notes(record, deployments, front_state.status),
        )
        return record

    def list_endpoints(self) -> list[dict]:
        names = self.records.endpoint_names()
        names |= {c.labels.get("aml-deploy.endpoint") for c in containers.find(self.client)}
        return [shown for name in sorted(n for n in names if n) if (shown := self._listed_endpoint(name))]

    def _listed_endpoint(self, name: str) -> dict | None:
        """One endpoint as list shows it: one whose record is damaged is listed with what is wrong (the
        others still show), one another process deleted since the names were read is left out."""
        try:
            return self.show_endpoint(name)
        except DeployError as err:
            if self.records.endpoint_file_exists(name):
                return {"name": name, "provisioning_state": "Failed", "deployments": [], "traffic": {}, "notes": [str(err)]}
            return None

    def delete_endpoint(self, name: str) -> dict:
        try:
            deployments = self.list_deployments(name)
        except DeployError:
            if not self.records.endpoint_file_exists(name):
                raise
            self.records.remove(name)  # damaged: what it remembered is lost, the containers tell the rest
            deployments = self.list_deployments(name)
        removed = [self.delete_deployment(name, d.deployment, refresh_front=False)["name"] for d in deployments]
        self.front.remove(name)
        self.records.remove(name)
        return {"name": name, "deleted_deployments": removed}

    # -- deployments ---------------------------------------------------------------------------

    def deploy(
        self,
        spec: DeploymentSpec,
        *,
        debug: bool = False,
        timeout: float = 600.0,
        must_exist: bool = False,
        on_line: Progress | None = None,
    ) -> DeploymentState:
        """Create or update: an unchanged environment and configuration restart the server inside
        the running container; anything else rebuilds what changed and replaces the container.
        Operations on one deployment wait for each other."""
        compute = str(spec.target_settings.get("computeType", "local")).lower()
        if compute != "local":  # a rehearsal of the published service: its front's auth and limits, here
            spec.warnings.append(
                f"the deployment configuration is for computeType {compute}: running it locally with "
                "that service's auth and request limits; publish it with aml-deploy model deploy"
            )
        with self.records.lock(spec.endpoint, spec.deployment, waiting=self.progress):
            if self.records.read(spec.endpoint) is None:
                self.create_endpoint(name=spec.endpoint)
            existing = next(iter(containers.find(self.client, spec.endpoint, spec.deployment)), None)
            if must_exist and existing is None:
                raise DeployError(f"No local deployment {spec.endpoint}/{spec.deployment} to update; create it first.")
            self.records.note_deployment(spec.endpoint, spec.deployment, {"config": str(spec.config), "operation": "running"})
            try:
                state = self._deploy(spec, existing, debug, timeout, on_line)
            except BaseException as err:  # remembered, so that the next command can say what happened
                why = str(err) if isinstance(err, DeployError) else f"{type(err).__name__} {err}".strip()
                self.records.note_deployment(
                    spec.endpoint,
                    spec.deployment,
                    {
                        "state": "Failed",
                        "operation": "interrupted" if not isinstance(err, DeployError) else "failed",
                        "failure": {"message": why.splitlines()[0] if why else "interrupted", "log": why},
                    },
                )
                raise
            settings = front_settings(spec)
            details = {
                "config": str(spec.config),
                "state": state.state,
                "port": state.port,
                "failure": state.to_dict().get("failure"),
                "operation": "done",
                "front": settings,
            }
            self.records.note_deployment(spec.endpoint, spec.deployment, details)
            if spec.is_v1:  # a v1 service is its own endpoint: its config decides the auth, it takes all requests
                self.records.update(spec.endpoint, lambda r: r.update(auth_mode=settings["auth_mode"], traffic={spec.deployment: 100}))
            state.warnings += self._refresh_front(spec.endpoint)
            return state

    def _deploy(self, spec: DeploymentSpec, existing, debug: bool, timeout: float, on_line) -> DeploymentState:
        started = time.monotonic()
        self.progress("Preparing the environment image")
        try:
            built = images.ensure_image(self.client, spec.environment, on_line or self.progress, self.ca)
        except images.BuildFailed as err:  # a deployment that failed, with its build log, like a failed start
            state = DeploymentState(
                spec.endpoint,
                spec.deployment,
                "Failed",
                config=str(spec.config),
                failure=Failure(f"the environment image did not build: {err.reason}"),
                log_excerpt="\n".join(err.log.splitlines()[-300:]),
                warnings=list(spec.warnings),
            )
            state.seconds = time.monotonic() - started
            return state
        in_place = (
            existing is not None
            and existing.status == "running"
            and existing.labels.get("aml-deploy.fingerprint") == spec.fingerprint()
            and existing.labels.get("aml-deploy.environment") == built.key
            and spec.port in (None, containers.host_ports(existing)[0])
        )
        warnings = list(spec.warnings) + built.warnings
        container, outcome = self._run(spec, built, existing, in_place, debug, timeout)
        if in_place and outcome.state == "Failed" and containers.port_held(outcome.log):
            # A process init() started (a daemon, say) still holds the server's port: only a new container frees it.
            warnings.append(
                f"a process your init() started kept port {containers.SCORING_PORT} open, so the server "
                "could not restart in place; AML Deploy recreated the container (stop such processes, or "
                "start them so they do not inherit the server's socket)"
            )
            in_place = False
            container, outcome = self._run(spec, built, container, in_place, debug, timeout)
        state = self._state_of(container, outcome.state)
        state.seconds, state.rebuilt, state.restarted_in_place = time.monotonic() - started, built.built, in_place
        state.warnings = warnings
        if outcome.state == "Failed":
            state.log_excerpt = outcome.log_excerpt
            state.failure = explain(outcome.log, code_target(spec), spec.code_dir)
            state.failure.timed_out = outcome.timed_out
            if outcome.timed_out:
                why = state.failure.message if state.failure.path else timed_out_in(outcome.log)
                state.failure.message = f"did not become ready within {timeout:.0f} s: {why}"
            if not in_place:
                self._remove(container)  # a failed create leaves no container behind
                state.container, state.port, state.debug_port, state.scoring_uri = None, None, None, None
        if debug and outcome.state == "WaitingForDebugger":
            state.debug_configuration = debug_configuration(
                spec.endpoint, spec.deployment, state.debug_port, str(spec.code_dir), code_target(spec)
            )
        return state

    def _run(self, spec: DeploymentSpec, built, existing, in_place: bool, debug: bool, timeout: float):
        """Restart the server in `existing`, or replace it with a new container; wait for the outcome."""
        generation = int(time.time() * 1000)
        control = {"generation": generation, "debug_port": containers.DEBUG_PORT if debug else None}
        since = time.time()
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
        try:
            self.progress("Waiting for init() to finish" if not debug else "Waiting for the debugger to attach")
            return container, containers.wait(container, generation, since, timeout, until_debugger=debug)
        except BaseException:
            if not in_place:  # interrupted: leave nothing half-started behind
                self._remove(container)
            raise

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

    def _state_if_present(self, container) -> DeploymentState | None:
        """None for a container another process removed after it was listed."""
        try:
            return self._state_of(container, None)
        except docker.errors.NotFound:
            return None

    def show_deployment(self, endpoint: str, deployment: str) -> DeploymentState:
        for state in self.list_deployments(endpoint):
            if state.deployment == deployment:
                return state
        raise DeployError(f"No local deployment {endpoint}/{deployment}.")

    def list_deployments(self, endpoint: str | None = None) -> list[DeploymentState]:
        """Every deployment with a container, and the remembered ones whose container is gone."""
        states = [state for c in containers.find(self.client, endpoint) if (state := self._state_if_present(c))]
        for state in states:
            remembered = (self.records.read(state.endpoint) or {}).get("deployments") or {}
            _note_failed_update(state, remembered)
            details = remembered.get(state.deployment) or {}
            if details.get("operation") == "interrupted" and state.state in ("Creating", "Stopped"):
                state.problem = (
                    "The command that started it was interrupted before it finished; it may still become "
                    f"ready. If not, recreate it ({_create_command(details.get('config'))}) or delete it."
                )
        seen = {(s.endpoint, s.deployment) for s in states}
        for name in sorted([endpoint] if endpoint else self.records.endpoint_names()):
            for deployment, details in sorted(((self.records.read(name) or {}).get("deployments") or {}).items()):
                if (name, deployment) not in seen:
                    busy = details.get("operation") == "running" and self.records.is_locked(name, deployment)
                    states.append(
                        DeploymentState(name, deployment, "Creating", config=details.get("config"))
                        if busy
                        else _without_container(name, deployment, details)
                    )
        return states

    def delete_deployment(self, endpoint: str, deployment: str, refresh_front: bool = True) -> dict:
        with self.records.lock(endpoint, deployment, waiting=self.progress):
            found = containers.find(self.client, endpoint, deployment)
            remembered = deployment in ((self.records.read(endpoint) or {}).get("deployments") or {})
            if not found and not remembered:
                raise DeployError(f"No local deployment {endpoint}/{deployment}.")
            for container in found:
                self._remove(container)
            self.records.note_deployment(endpoint, deployment, None)

            def drop(record: dict) -> None:  # a deleted deployment takes no more traffic
                for shares in (record.get("traffic") or {}, record.get("mirror_traffic") or {}):
                    shares.pop(deployment, None)

            if self.records.read(endpoint) is not None:
                self.records.update(endpoint, drop)
        if refresh_front:
            self._refresh_front(endpoint)
        return {"endpoint": endpoint, "name": deployment, "deleted": True}

    def _refresh_front(self, endpoint: str) -> list[str]:
        """Bring the front up to date; a front that cannot run is a warning (the deployments still
        answer on their own ports), not a failed deployment."""
        try:
            self.front.apply(endpoint)
        except AmlDeployError as err:
            return [f"the endpoint's front could not be brought up to date: {err} The deployments still answer on their own ports."]
        return []

    def wait_ready(self, endpoint: str, deployment: str | None, timeout: float) -> DeploymentState:
        """Until init() has returned (or the server failed): after a debugger attached, say."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.resolve_deployment(endpoint, deployment)
            if state.state in ("Succeeded", "Failed", "Missing") or time.monotonic() > deadline:
                return state
            time.sleep(0.2)

    def _state_of(self, container, known: str | None) -> DeploymentState:
        scoring_port, debug_port = containers.host_ports(container)
        labels = container.labels
        state = known or self._live_state(container, scoring_port)
        return DeploymentState(
            labels.get("aml-deploy.endpoint", ""),
            labels.get("aml-deploy.deployment", ""),
            state,
            "local",
            f"http://127.0.0.1:{scoring_port}/score" if scoring_port else None,
            f"http://127.0.0.1:{scoring_port}/swagger.json" if scoring_port else None,
            container.name,
            container.image.tags[0] if container.image.tags else container.image.id,
            labels.get("aml-deploy.config"),
            scoring_port,
            debug_port,
            code_dir=labels.get("aml-deploy.code-dir"),
            code_target=labels.get("aml-deploy.code-target"),
        )

    @staticmethod
    def _live_state(container, port: int | None) -> str:
        if container.status != "running":
            return "Failed" if container.status in ("exited", "dead") else "Stopped"
        if port and http.answers(port, timeout=1):
            return "Succeeded"
        tail = container.logs(tail=200).decode("utf-8", errors="replace").splitlines()
        events = [event for line in tail for event in containers.parse_events(line)]
        if events and events[-1]["event"] == "exited":
            return "Failed"
        return "WaitingForDebugger" if events and events[-1]["event"] == "waiting-for-debugger" else "Creating"

    # -- using a deployment ------------------------------------------------------------------

    def resolve_deployment(self, endpoint: str, deployment: str | None) -> DeploymentState:
        """The named deployment, else the only one, else the one with the most traffic."""
        if deployment:
            return self.show_deployment(endpoint, deployment)
        deployments = self.list_deployments(endpoint)
        if not deployments:
            raise DeployError(
                f"The local endpoint {endpoint} has no deployments, so it cannot be invoked: "
                "aml-deploy online-deployment create --local -f <deployment.yml>"
            )
        if len(deployments) == 1:
            return deployments[0]
        traffic = (self.records.read(endpoint) or {}).get("traffic") or {}
        if not traffic:
            names = ", ".join(d.deployment for d in deployments)
            raise DeployError(f"{endpoint} has several deployments ({names}): choose one with --deployment-name.")
        return max(deployments, key=lambda d: int(traffic.get(d.deployment, 0) or 0))

    def invoke(self, endpoint: str, deployment: str | None, body: bytes | None = None, timeout: float = 600.0) -> Invocation:
        """Through the endpoint's front, with its key, as a client in Azure would call it. Without a
        deployment name the traffic split decides, except on an endpoint with a single deployment."""
        deployments = self.list_deployments(endpoint)
        named = deployment or (deployments[0].deployment if len(deployments) == 1 else None)
        if named is not None:
            target = self.show_deployment(endpoint, named)
            if target.state != "Succeeded":
                raise DeployError(
                    f"{endpoint}/{named} is {target.state}, not ready to score. "
                    f"See: aml-deploy online-deployment get-logs -e {endpoint} -n {named} --local"
                )
        if body is None:
            _name, body = self.sample_request(endpoint, named)
            if body is None:
                raise DeployError(
                    "Give --request-file: the scoring script declares no input_sample "
                    "(inference-schema @input_schema) and no *request*.json lies beside the configuration."
                )
        state = self.front.status(endpoint)
        if state.scoring_uri is None:
            self._refresh_front(endpoint)
            state = self.front.status(endpoint)
        if state.scoring_uri is None:
            raise DeployError(f"The endpoint {endpoint} has no front running; recreate a deployment to start it.")
        caller = self.front.caller(endpoint)
        headers = {"Content-Type": "application/json"}
        if caller.authorization:
            headers["Authorization"] = caller.authorization
        if named:
            headers["azureml-model-deployment"] = named
        status, text, answer_headers = http.post(state.scoring_uri, body, timeout=timeout, headers=headers)
        served = answer_headers.get("azureml-model-deployment") or named or ""
        return Invocation(served, status, text, explain_status(status, answer_headers, endpoint, served))

    # -- keys and traffic ----------------------------------------------------------------------

    def get_credentials(self, endpoint: str) -> dict:
        self._known_endpoint(endpoint)
        return self.front.credentials(endpoint)

    def regenerate_keys(self, endpoint: str, key_type: str) -> dict:
        self._known_endpoint(endpoint)
        return self.front.regenerate(endpoint, key_type)

    def set_traffic(self, endpoint: str, traffic: dict[str, int] | None = None, mirror: dict[str, int] | None = None) -> dict:
        traffic = shares(traffic) if traffic is not None else None  # whole percentages, whoever calls
        mirror = shares(mirror, "mirror_traffic") if mirror is not None else None
        self._known_endpoint(endpoint)
        self._check_traffic(endpoint, traffic, mirror)

        def change(record: dict) -> None:
            if traffic is not None:
                record["traffic"] = {k: v for k, v in traffic.items() if v}
            if mirror is not None:
                record["mirror_traffic"] = {k: v for k, v in mirror.items() if v}

        previous = self.records.read(endpoint) or {}
        self.records.update(endpoint, change)
        try:
            self.front.apply(endpoint)
        except AmlDeployError:
            self.records.update(
                endpoint,
                lambda record: record.update(  # keep what was; nothing else it holds
                    traffic=previous.get("traffic") or {}, mirror_traffic=previous.get("mirror_traffic") or {}
                ),
            )
            raise
        return self.show_endpoint(endpoint)

    def _check_traffic(self, endpoint: str, traffic: dict[str, int] | None, mirror: dict[str, int] | None) -> None:
        """Refuse what Azure refuses (unknown deployments, shares that do not add up, a mirror over 50% or
        on a deployment with live traffic) before anything is written."""
        names = {d.deployment for d in self.list_deployments(endpoint)}
        unknown = sorted((set(traffic or {}) | set(mirror or {})) - names)
        if unknown:
            raise DeployError(
                f"The local endpoint {endpoint} has no deployment {', '.join(unknown)}; it has "
                f"{', '.join(sorted(names)) or 'none'}. Create the deployments first, then set their traffic."
            )
        if traffic is not None and sum(traffic.values()) not in (0, 100):
            given = " ".join(f"{k}={v}" for k, v in traffic.items())
            raise DeployError(f"Traffic must add up to 100 (or 0 for none), as in Azure: {given} adds up to {sum(traffic.values())}.")
        if self.records.read(endpoint) is not None:
            current = self.front.describe(endpoint)
            running = {d.name for d in current.deployments}
            weights = {d.name: d.weight for d in current.deployments} if traffic is None else traffic
            current.with_traffic(
                {k: v for k, v in weights.items() if k in running},
                None if mirror is None else {k: v for k, v in mirror.items() if k in running},
            ).check()

    def _known_endpoint(self, endpoint: str) -> None:
        if self.records.read(endpoint) is None:
            raise DeployError(f"No local endpoint {endpoint}.")

    def sample_request(self, endpoint: str, deployment: str | None) -> tuple[str, bytes | None]:
        """(deployment, a request to send): the script's input_sample, else a request file beside
        its configuration, else None."""
        target = self.resolve_deployment(endpoint, deployment)
        body = sample_requests.swagger_example(http.get_json(target.openapi_uri)) if target.openapi_uri else None
        if body is None:
            beside = sample_requests.request_file_beside(target.config)
            body = sample_requests.read_request(beside) if beside is not None else None
        return target.deployment, body

    def swagger(self, target: DeploymentState) -> dict | None:
        return http.get_json(target.openapi_uri) if target.openapi_uri else None

    def logs(self, endpoint: str, deployment: str | None = None, lines: int | None = None, follow: bool = False) -> Iterator[str]:
        name = deployment or self.resolve_deployment(endpoint, None).deployment
        found = containers.find(self.client, endpoint, name)
        if not found:
            raise DeployError(f"No container for the local deployment {endpoint}/{name}: nothing to show.")
        container = found[0]
        if follow:
            for chunk in container.logs(stream=True, follow=True, tail=lines or "all"):
                yield from containers.server_output(chunk.decode("utf-8", errors="replace").splitlines())
            return
        text = container.logs(tail=lines or "all").decode("utf-8", errors="replace")
        yield from containers.server_output(text.splitlines())


def _note_failed_update(state: DeploymentState, remembered: dict) -> None:
    """A running container whose last update failed (its new image did not build, say) still serves
    the previous version: it says so, as Azure keeps serving a deployment whose update failed."""
    details = remembered.get(state.deployment) or {}
    if state.state == "Succeeded" and details.get("state") == "Failed":
        why = (details.get("failure") or {}).get("message") or "see its log"
        state.problem = f"The last update failed ({why}); the previous version still runs."


def _without_container(endpoint: str, deployment: str, details: dict) -> DeploymentState:
    """A remembered deployment with no container: its create failed, or someone removed it."""
    config = details.get("config")
    if details.get("state") == "Failed" or details.get("operation") == "running":
        state = DeploymentState(endpoint, deployment, "Failed", config=config)
        failure = details.get("failure") or {}
        state.failure = Failure(
            failure.get("message") or "the command creating it stopped before it finished",
            Path(failure["path"]) if failure.get("path") else None,
            failure.get("line"),
            failure.get("function"),
            bool(failure.get("timed_out")),
        )
        state.log_excerpt = failure.get("log") or ""
        return state
    return DeploymentState(
        endpoint,
        deployment,
        "Missing",
        config=config,
        problem=f"Its container was removed outside AML Deploy. Recreate it ({_create_command(config)}) "
        f"or delete it (aml-deploy online-deployment delete --local -e {endpoint} -n {deployment}).",
    )


def _create_command(config: str | None) -> str:
    return f"aml-deploy online-deployment create --local -f {config}" if config else "create it again"


def debug_configuration(endpoint: str, deployment: str, port: int | None, code_dir: str | None, code_target: str | None) -> dict:
    """A VS Code `debugpy` attach configuration for the deployment's worker process."""
    return {
        "type": "debugpy",
        "request": "attach",
        "name": f"AML Deploy: {endpoint}/{deployment}",
        "connect": {"host": "127.0.0.1", "port": port},
        "pathMappings": [{"localRoot": str(code_dir), "remoteRoot": code_target}],
        "justMyCode": True,
    }


def _endpoint_notes(record: dict, deployments: list[dict], front_status: str) -> list[str]:
    """What a user of the endpoint should know that its state does not say."""
    notes = []
    if deployments and not any((record.get("traffic") or {}).get(d["name"]) for d in deployments):
        notes.append(
            "No deployment has traffic: requests that do not name one (azureml-model-deployment header) get "
            "404, as in Azure. Give one all traffic: aml-deploy online-endpoint update --local -n "
            f'{record.get("name")} --traffic "{deployments[0]["name"]}=100"'
        )
    traffic = {name: share for name, share in (record.get("traffic") or {}).items() if share}
    if traffic and sum(traffic.values()) != 100:  # e.g. a deployment that had traffic was deleted
        biggest = max(traffic, key=lambda name: traffic[name])
        who = f"{biggest} gets all requests" if len(traffic) == 1 else "the front scales them up in proportion"
        notes.append(
            f"traffic adds up to {sum(traffic.values())}%, not 100: {who} that do not name a deployment. "
            f"Give shares that add up to 100: aml-deploy online-endpoint update --local -n {record.get('name')} "
            f'--traffic "{biggest}=100"'
        )
    if front_status != "running" and deployments:
        notes.append(
            "The endpoint's front is not running: call the deployments on their own ports, or update a deployment to start it again."
        )
    if str(record.get("auth_mode", "")).lower().replace("_", "") == "aadtoken":
        notes.append(
            "auth_mode aad_token: Microsoft Entra tokens cannot be checked offline; the local front lets any bearer token through."
        )
    return notes
