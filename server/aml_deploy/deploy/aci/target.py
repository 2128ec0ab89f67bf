"""The ACI target: Azure ML v1 web services on Azure Container Instances, published straight through
Azure Resource Manager (no Azure ML workspace). A service is an endpoint with one deployment,
"default". Publishing = build the layered image, check it locally behind the front, push what the
registry lacks, PUT the container group (scoring container + front) and follow it until the service
answers through its front; on failure, one report with ACI's reasons, the events and the log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ... import front
from ...azure import ArmClient, ArmError, AzureError, ContainerGroup, ContainerGroups, ProvisioningProgress, connect, resolve_target
from ...registry import Registry
from .. import requests as sample_requests
from ..errors import DeployError, Interrupted
from ..failures import Failure
from ..front_answers import explain_status
from ..local import http
from ..local.engine import connect as connect_engine
from ..publish import (
    PROVISION,
    PUSH,
    READY,
    Azure,
    LocalCheckFailed,
    PushResult,
    RegistryCredentials,
    Reporter,
    StageProgress,
    plan_push,
    prepare,
    pull_credentials,
    push,
    push_credentials,
    push_image,
)
from ..publish.check import limits_of
from ..publish.front_image import publish_front_image
from ..published import PublishedService, PublishedServices
from ..spec import DeploymentSpec
from ..state import DeploymentState, Invocation
from ..target import Progress
from . import diagnose
from .group import SCORING, container_group, front_spec
from .settings import AciOptions, AciSettings, check_service_name, resolve, tls_files

KIND = "aci"
DEPLOYMENT = "default"
RESOURCE_GROUP_API = "2021-04-01"
FRONT_REPOSITORY = "aml-front"


@dataclass
class PublishRun:
    """What the last publish did, stage by stage (for --format json, the benchmark and the editor)."""

    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    image: dict | None = None
    check: dict | None = None
    push: dict | None = None
    front_push: dict | None = None
    recreated: bool = False

    def to_dict(self) -> dict:
        return {
            "stages": {k: round(v, 3) for k, v in self.stages.items()},
            "image": self.image,
            "check": self.check,
            "push": self.push,
            "front_push": self.front_push,
            "recreated": self.recreated,
        }


class AciServices:
    name = KIND

    def __init__(
        self,
        registry: Registry | None = None,
        progress: Progress | None = None,
        *,
        options: AciOptions | None = None,
        report: Reporter | None = None,
        services: PublishedServices | None = None,
        check: bool = True,
        request: bytes | None = None,
        request_file: Path | None = None,
        deployment_config: Path | None = None,
        ca: Path | None = None,
        workspace: Path | None = None,
        polling_interval: float = 5.0,
    ) -> None:
        self.registry = registry or Registry()
        self.options = options or AciOptions()
        self.services = services or PublishedServices()
        self.check, self.request, self.request_file = check, request, request_file
        self.deployment_config = deployment_config
        self.ca = ca
        self.workspace = workspace
        self.polling_interval = polling_interval
        self._say = report or ((lambda stage: progress(stage.text())) if progress else (lambda stage: None))
        self.last_run = PublishRun()

    # -- publishing ---------------------------------------------------------------------------------

    def deploy(
        self,
        spec: DeploymentSpec,
        *,
        debug: bool = False,
        timeout: float = 600.0,
        must_exist: bool = False,
        on_line: Progress | None = None,
    ) -> DeploymentState:
        name = check_service_name(spec.endpoint)
        if debug:
            raise DeployError("A service on ACI cannot wait for a debugger: debug it locally (computeType local), then publish.")
        self.last_run = PublishRun()
        with self.services.lock(name):
            previous = self._previous(name, must_exist)
            run = _Publish(self, spec, previous, timeout)
            return run.publish()

    def plan(self, spec: DeploymentSpec) -> dict:
        """--dry-run: the image layers a publish would push and the ARM requests it would send (secrets "***").
        Builds the image locally (to know its layers); pushes, checks and creates nothing."""
        name = check_service_name(spec.endpoint)
        return _Publish(self, spec, self.services.get(name), 0).plan()

    def update(
        self,
        name: str,
        *,
        models: list[str] | None = None,
        config: Path | None = None,
        deployment_config: Path | None = None,
        timeout: float = 600.0,
    ) -> DeploymentState:
        """Publish the service again from what it was published from: new code is picked up as it is on disk;
        `models` (NAME:VERSION, azureml:NAME:VERSION or paths) replace the models of the same name."""
        from ..spec import from_config

        record = self.services.require(name, KIND)
        source = record.source
        config = Path(config or source.get("config") or "")
        if not config.is_file():
            raise DeployError(f"The configuration {config} the service {name} was published from is gone: give it again.")
        deployment_config = deployment_config or (Path(source["deployment_config"]) if source.get("deployment_config") else None)
        self.deployment_config = deployment_config
        spec = from_config(
            config,
            endpoint=name,
            deployment=DEPLOYMENT if source.get("v1", True) else None,
            deployment_config=deployment_config,
            models=_merge_models(source.get("models") or [], models or []),
            workspace=Path(source["workspace"]) if source.get("workspace") else None,
            registry=self.registry,
        )
        spec.endpoint = name
        return self.deploy(spec, timeout=timeout, must_exist=True)

    def _previous(self, name: str, must_exist: bool) -> PublishedService | None:
        previous = self.services.get(name)
        if previous is not None and previous.target != KIND:
            raise DeployError(f"A service named {name} is published on {previous.target}; choose another name.")
        if must_exist and previous is None:
            raise DeployError(f"No service {name} on ACI to update: publish it first (aml-deploy model deploy).")
        return previous

    # -- Azure plumbing -------------------------------------------------------------------------------

    def groups_for(self, record: PublishedService) -> tuple[ArmClient, ContainerGroups]:
        arm = connect(polling_interval=self.polling_interval)
        return arm, ContainerGroups(arm, record.settings["subscription_id"], record.settings["resource_group"])

    # -- the Target interface ---------------------------------------------------------------------

    def create_endpoint(self, file: Path | None = None, name: str | None = None) -> dict:
        raise DeployError(
            "An ACI service is created by publishing it: aml-deploy model deploy -n NAME -ic inferenceconfig.json -dc deploymentconfig.json"
        )

    def show_endpoint(self, name: str) -> dict:
        record = self.services.require(name, KIND)
        state = self.show_deployment(name, DEPLOYMENT)
        return {
            "name": name,
            "target": KIND,
            "provisioning_state": state.state,
            "scoring_uri": state.scoring_uri,
            "swagger_uri": record.swagger_uri,
            "auth_mode": record.auth_mode,
            "image": record.image,
            "location": record.settings.get("location"),
            "resource_group": record.settings.get("resource_group"),
            "subscription": record.settings.get("subscription_id"),
            "updated": record.updated,
            "deployments": [state.to_dict()],
            **({"problem": state.problem} if state.problem else {}),
        }

    def list_endpoints(self) -> list[dict]:
        return [self.show_endpoint(record.name) for record in self.services.list(KIND)]

    def delete_endpoint(self, name: str, delete_image: bool = False) -> dict:
        """Delete the container group and forget the service; its image stays in the registry unless
        `delete_image` (the front's image, which other services share, always stays)."""
        with self.services.lock(name):
            record = self.services.require(name, KIND)
            arm, groups = self.groups_for(record)
            with arm:
                deleted = groups.delete(name)
            image_deleted = self._delete_image(record) if delete_image and record.image else False
            self.services.remove(name)
        return {
            "name": name,
            "deleted_deployments": [DEPLOYMENT] if deleted else [],
            "group_deleted": deleted,
            "image": record.image,
            "image_deleted": image_deleted,
        }

    def _delete_image(self, record: PublishedService) -> bool:
        from ..publish import docker_config_credentials
        from ..publish.registry_api import delete_image

        secret = self.services.pull_secret(record.name)
        server = (record.image or "").split("/", 1)[0]
        credentials = (
            RegistryCredentials(secret["server"], secret["username"], secret["password"], source="stored")
            if secret
            else docker_config_credentials(server)
        )
        return delete_image(record.image or "", credentials)

    def show_deployment(self, endpoint: str, deployment: str) -> DeploymentState:
        record = self.services.require(endpoint, KIND)
        state = _state(record)
        arm, groups = self.groups_for(record)
        with arm:
            group = groups.get(endpoint)
        if group is None:
            state.state = "Missing" if record.state != "Failed" else "Failed"
            state.problem = record.problem or (
                "Its container group is gone (deleted outside AML Deploy). Publish it again "
                f"or forget it: aml-deploy service delete -n {endpoint}"
            )
            return state
        why = diagnose.trouble(group)
        if group.provisioning_state not in ("Succeeded",):
            state.state = "Failed" if group.provisioning_state in ("Failed", "Canceled") else "Creating"
        elif why:
            state.state, state.problem = "Failed", why
        else:
            state.state = "Succeeded"
        return state

    def list_deployments(self, endpoint: str | None = None) -> list[DeploymentState]:
        names = [endpoint] if endpoint else [record.name for record in self.services.list(KIND)]
        return [self.show_deployment(name, DEPLOYMENT) for name in names]

    def delete_deployment(self, endpoint: str, deployment: str) -> dict:
        result = self.delete_endpoint(endpoint)
        return {"endpoint": endpoint, "name": deployment, "deleted": bool(result["deleted_deployments"])}

    def wait_ready(self, endpoint: str, deployment: str | None, timeout: float) -> DeploymentState:
        deadline = time.monotonic() + timeout
        while True:
            state = self.show_deployment(endpoint, DEPLOYMENT)
            if state.state in ("Succeeded", "Failed", "Missing") or time.monotonic() > deadline:
                return state
            time.sleep(2)

    def invoke(self, endpoint: str, deployment: str | None, body: bytes | None = None, timeout: float = 600.0) -> Invocation:
        record = self.services.require(endpoint, KIND)
        if not record.scoring_uri:
            raise DeployError(f"The service {endpoint} has no scoring URI ({record.state}): see aml-deploy service show -n {endpoint}")
        if body is None:
            _name, body = self.sample_request(endpoint, deployment)
            if body is None:
                raise DeployError(
                    "Give --input-data: the scoring script declares no input_sample and no *request*.json lies beside its configuration."
                )
        headers = {"Content-Type": "application/json", **self._auth(record)}
        status, text, answer_headers = http.post(record.scoring_uri, body, headers, timeout)
        return Invocation(DEPLOYMENT, status, text, explain_status(status, answer_headers, endpoint, DEPLOYMENT))

    def sample_request(self, endpoint: str, deployment: str | None) -> tuple[str, bytes | None]:
        record = self.services.require(endpoint, KIND)
        body = sample_requests.swagger_example(_get_json(record.swagger_uri, self._auth(record))) if record.swagger_uri else None
        if body is None:
            beside = sample_requests.request_file_beside(record.source.get("config"))
            body = sample_requests.read_request(beside) if beside is not None else None
        return DEPLOYMENT, body

    def logs(
        self,
        endpoint: str,
        deployment: str | None = None,
        lines: int | None = None,
        follow: bool = False,
        container: str = SCORING,
        init: bool = False,
    ) -> Iterator[str]:
        """The scoring container's log (the front's with container="front"); `init`: only what was written
        until the server was ready (init()'s own output)."""
        record = self.services.require(endpoint, KIND)
        arm, groups = self.groups_for(record)
        with arm:
            text = groups.logs(endpoint, container, tail=None if init else lines)
        selected = text.splitlines()
        if init:
            selected = _until_ready(selected)
            selected = selected[-lines:] if lines else selected
        yield from selected
        if follow:
            raise DeployError("ACI's log API has no streaming: run get-logs again for newer lines.")

    def get_credentials(self, endpoint: str) -> dict:
        record = self.services.require(endpoint, KIND)
        if record.auth_mode != "key":
            raise DeployError(
                f"The service {endpoint} has no keys: authEnabled is off. Turn it on in deploymentconfig.json and update the service."
            )
        return self.services.keys(endpoint).load().keys_as_azure()

    def regenerate_keys(self, endpoint: str, key_type: str) -> dict:
        """A new primary or secondary key; the group is updated with the front's new files (the other key
        keeps working; the old one stops working once the update is done)."""
        with self.services.lock(endpoint):
            record = self.services.require(endpoint, KIND)
            if record.auth_mode != "key":
                raise DeployError(f"The service {endpoint} has no keys to regenerate: authEnabled is off.")
            keys = self.services.keys(endpoint)
            before = keys.load()
            credentials = keys.regenerate(key_type)
            try:
                _Republish(self, record).apply(credentials)
            except BaseException:
                keys.save(before)  # the service still answers to the old keys
                raise
        return credentials.keys_as_azure()

    def set_traffic(self, endpoint: str, traffic: dict[str, int] | None = None, mirror: dict[str, int] | None = None) -> dict:
        if (traffic or {}) not in ({}, {DEPLOYMENT: 100}) or mirror:
            raise DeployError("A v1 service on ACI has one deployment, which takes all the traffic.")
        return self.show_endpoint(endpoint)

    def _auth(self, record: PublishedService) -> dict[str, str]:
        if record.auth_mode != "key":
            return {}
        key = self.services.keys(record.name).load().primary_key
        return {"Authorization": f"Bearer {key}"} if key else {}


class _Publish:
    """One publish of one service: the stages in order, with the state kept in the record."""

    def __init__(self, target: AciServices, spec: DeploymentSpec, previous: PublishedService | None, timeout: float) -> None:
        self.target, self.spec, self.previous, self.timeout = target, spec, previous, timeout
        self.name = spec.endpoint
        self.run = target.last_run
        self.say = target._say

    def _settings(self) -> tuple[AciSettings, ArmClient]:
        options = self.target.options
        before = AciSettings.from_record(self.previous.settings) if self.previous else None
        azure_target = resolve_target(
            options.subscription or (before.subscription_id if before else None),
            options.resource_group or (before.resource_group if before else None),
            options.location,
        )
        settings = resolve(self.spec.target_settings, options, before, azure_target)
        settings.registry = self._with_stored_password(settings)
        tls_files(settings, self._config_dir(), self.target.workspace)  # a bad certificate stops it before the build
        arm = connect(polling_interval=self.target.polling_interval)
        if not settings.location:
            settings.location = _resource_group_location(arm, azure_target.subscription_id, azure_target.resource_group)
        self.azure = Azure(arm, azure_target)
        return settings, arm

    def _with_stored_password(self, settings: AciSettings):
        """An update with the registry user of the last publish pushes and pulls with its stored password."""
        registry = settings.registry
        stored = self.target.services.pull_secret(self.name) if registry.username and not registry.password else None
        if stored and stored.get("server") == registry.server and stored.get("username") == registry.username:
            from dataclasses import replace

            return replace(registry, password=stored["password"])
        return registry

    def _timed(self, stage: str, started: float) -> None:
        self.run.stages[stage] = self.run.stages.get(stage, 0.0) + time.monotonic() - started

    def publish(self) -> DeploymentState:
        started = time.monotonic()
        settings, arm = self._settings()
        with arm:
            client = connect_engine()
            try:
                prepared = prepare(
                    client,
                    self.spec,
                    check=self.target.check,
                    request=self.target.request,
                    request_file=self.target.request_file,
                    front_image=settings.front_image,
                    ca=self.target.ca,
                    timeout=self.timeout,
                    report=self._stage_timer(),
                )
            except LocalCheckFailed as failed:
                state = failed.result.state
                state.warnings = settings.warnings + state.warnings
                return state
            self.run.image = prepared.image.to_dict()
            self.run.check = prepared.check.to_dict() if prepared.check else None
            step = time.monotonic()
            pushed, front_reference = self._push(client, prepared.image, settings)
            pull = pull_credentials(settings.registry, self.azure)
            self._timed(PUSH, step)
            state = self._provision(settings, pushed, front_reference, pull, prepared.image.layers)
            state.seconds = time.monotonic() - started
            state.warnings = settings.warnings + prepared.image.warnings
            return state

    def _stage_timer(self):
        """Reports each stage's progress on, and adds the time since the last report to the stage it was in."""
        current: list = [None, time.monotonic()]  # the stage, since when

        def report(progress: StageProgress) -> None:
            if current[0] is not None:
                self._timed(current[0], current[1])
            current[0], current[1] = progress.stage, time.monotonic()
            self.say(progress)

        return report

    def _push(self, client, image, settings: AciSettings) -> tuple[PushResult, str]:
        credentials = push_credentials(settings.registry, self.azure)
        pushed = push(client, image, settings.registry, self.name, credentials, services=self.target.services, report=self.say)
        self.run.push = pushed.to_dict()
        front_local = publish_front_image(client, settings.front_image, ca=self.target.ca)
        repository = settings.registry.image_repository(FRONT_REPOSITORY)
        front_pushed = push_image(client, front_local, repository, front_local.rsplit(":", 1)[-1], credentials)
        self.run.front_push = front_pushed.to_dict()
        return pushed, front_pushed.reference

    def _front_files(self, settings: AciSettings, credentials: front.Credentials) -> dict[str, bytes]:
        tls = tls_files(settings, self._config_dir(), self.target.workspace)
        return front.render(front_spec(self.name, settings, limits_of(self.spec)[1], credentials, tls)).files

    def _config_dir(self) -> Path:
        config = self.target.deployment_config
        return Path(config).resolve().parent if config else Path.cwd()

    def _credentials(self, settings: AciSettings) -> front.Credentials:
        """The service's keys: kept across updates; the configuration's `keys` when given; else generated."""
        keys = self.target.services.keys(self.name)
        given = self.spec.target_settings.get("keys") or {}
        if not settings.auth_enabled:
            return front.Credentials()
        if given.get("primaryKey"):
            keys.regenerate("primary", given["primaryKey"])
        if given.get("secondaryKey"):
            keys.regenerate("secondary", given["secondaryKey"])
        return keys.ensure("key")

    def _provision(
        self, settings: AciSettings, pushed: PushResult, front_reference: str, pull: RegistryCredentials | None, layers
    ) -> DeploymentState:
        credentials = self._credentials(settings)
        body = container_group(self.name, settings, pushed.reference, front_reference, self._front_files(settings, credentials), pull)
        record = PublishedService(
            self.name,
            KIND,
            settings=settings.describe(),
            image=pushed.reference,
            state="Creating",
            source=self._source(),
            layers=[layer.diff_id for layer in layers],
            auth_mode="key" if settings.auth_enabled else "none",
        )
        record.settings["front_image_reference"] = front_reference
        if pull is not None and pull.username:
            self.target.services.save_pull_secret(self.name, pull.server, pull.username, pull.password or "")
        self.target.services.save(record)
        return _Provision(self.target, self.spec, settings, record, self.run, self.timeout).apply(body, created=self.previous is None)

    def _source(self) -> dict:
        spec = self.spec
        return {
            "config": str(spec.config),
            "v1": spec.is_v1,
            "deployment_config": str(self.target.deployment_config) if self.target.deployment_config else None,
            "models": [m.reference or str(m.path) for m in spec.models],
            "code": str(spec.code_dir),
            "workspace": str(self.target.workspace) if self.target.workspace else None,
        }

    def plan(self) -> dict:
        settings, arm = self._settings()
        with arm:
            client = connect_engine()
            prepared = prepare(client, self.spec, check=False, report=self.say)
            groups = ContainerGroups(arm, settings.subscription_id, settings.resource_group)
            credentials = front.Credentials(front.new_key(), front.new_key()) if settings.auth_enabled else front.Credentials()
            image = plan_push(prepared.image, settings.registry, self.name, self.target.services)
            pull = pull_credentials(settings.registry, self.azure)
            front_reference = f"{settings.registry.image_repository(FRONT_REPOSITORY)}:<front image>"
            body = container_group(self.name, settings, image["reference"], front_reference, self._front_files(settings, credentials), pull)
            planned = groups.plan_create_or_update(self.name, body)
            requests = []
            if self.previous is not None and _needs_recreate(self.previous, settings):
                requests.append({"method": "DELETE", "url": planned.url, "body": None})
            requests.append({"method": planned.method, "url": planned.url, "body": planned.body})
            return {
                "requests": requests,
                "image": image,
                "warnings": settings.warnings,
                "note": "The image reference becomes <repository>@<digest> once pushed; keys are generated at publish.",
            }


class _Provision:
    """PUT the group, follow the operation, wait until the service answers through its front."""

    def __init__(
        self,
        target: AciServices,
        spec: DeploymentSpec | None,
        settings: AciSettings,
        record: PublishedService,
        run: PublishRun,
        timeout: float,
    ) -> None:
        self.target, self.spec, self.settings, self.record, self.run, self.timeout = target, spec, settings, record, run, timeout
        self.name = record.name
        self.say = target._say

    def apply(self, body: dict, created: bool) -> DeploymentState:
        started = time.monotonic()
        arm, groups = self.target.groups_for(self.record)
        with arm:
            existing = groups.get(self.name)
            if existing is not None and _needs_recreate_group(existing, body):
                # ACI refuses to change resources in place (InvalidContainerGroupUpdate): delete, then create
                self.say(StageProgress(PROVISION, "cpu or memory changed: deleting the group first (ACI cannot resize one)"))
                groups.delete(self.name)
                self.run.recreated = True
            self.say(StageProgress(PROVISION, f"creating container group {self.name} in {self.settings.resource_group}"))

            def polled(progress: ProvisioningProgress) -> None:
                self.say(StageProgress(PROVISION, f"{progress.status} after {progress.elapsed_seconds:.0f} s"))

            try:
                try:
                    group = groups.create_or_update(self.name, body, progress=polled, timeout=self.timeout)
                except ArmError as err:
                    return self._failed(groups, Failure(str(err)), created, started)
                self.run.stages[PROVISION] = time.monotonic() - started
                return self._wait_ready(groups, group, created, time.monotonic())
            except KeyboardInterrupt:
                raise self._interrupted(groups, created) from None

    def _interrupted(self, groups: ContainerGroups, created: bool) -> Interrupted:
        """Ctrl+C once the group was sent to Azure: a first publish deletes the group it created (as a failed
        one does) and is forgotten; an interrupted update is recorded, with what to do."""
        if created:
            try:
                groups.delete(self.name)
            except AzureError as err:
                self.record.state, self.record.problem = "Failed", f"interrupted while it was being created: {err}"
                self.target.services.save(self.record)
                return Interrupted(
                    f"Interrupted while the service was being created; deleting its container group "
                    f"failed ({err}): delete it with aml-deploy service delete -n {self.name}"
                )
            self.target.services.remove(self.name)
            return Interrupted(
                f"Interrupted while the service was being created: deleted the container group "
                f"{self.name} in {self.settings.resource_group}; nothing of it is left in Azure."
            )
        self.record.state = "Failed"
        self.record.problem = (
            "an update was interrupted: the container group may run the new version or the previous "
            f"one; publish again with aml-deploy service update -n {self.name}"
        )
        self.target.services.save(self.record)
        return Interrupted(
            f"Interrupted during the update of {self.name}: its container group was left as it was "
            f"(the new version or the previous one); publish again with aml-deploy service update -n {self.name}"
        )

    def _scoring_uri(self, group: ContainerGroup) -> str:
        host = self.settings.cname if self.settings.ssl_enabled and self.settings.cname else group.host
        return f"{'https' if self.settings.ssl_enabled else 'http'}://{host}/score"

    def _wait_ready(self, groups: ContainerGroups, group: ContainerGroup, created: bool, started: float) -> DeploymentState:
        self.record.scoring_uri = self._scoring_uri(group)
        self.record.swagger_uri = self.record.scoring_uri.replace("/score", "/swagger.json")
        liveness = f"{'https' if self.settings.ssl_enabled else 'http'}://{group.host}/"
        headers = self.target._auth(self.record)
        deadline = time.monotonic() + self.timeout
        self.say(StageProgress(READY, f"waiting for init() to finish on ACI ({group.fqdn or group.ip})"))
        polls = 0
        while time.monotonic() < deadline:
            current = groups.get(self.name) or group
            why = diagnose.trouble(current)
            polls += 1
            if not why and polls % 3 == 0:
                why = diagnose.log_trouble(_quiet_logs(groups, self.name))
            if why:
                return self._failed(groups, None, created, started, why=why, group=current)
            if _answers(liveness, headers):
                self.run.stages[READY] = time.monotonic() - started
                self.record.state, self.record.problem = "Succeeded", None
                self.target.services.save(self.record)
                self.say(StageProgress(READY, f"ready: {self.record.scoring_uri}"))
                state = _state(self.record)
                state.state = "Succeeded"
                return state
            time.sleep(1)
        return self._failed(groups, None, created, started, why=f"the service did not answer within {self.timeout:.0f} s")

    def _failed(
        self,
        groups: ContainerGroups,
        failure: Failure | None,
        created: bool,
        started: float,
        *,
        why: str = "",
        group: ContainerGroup | None = None,
    ) -> DeploymentState:
        group = group or _quiet_get(groups, self.name)
        log = _quiet_logs(groups, self.name) if group is not None else ""
        if failure is None:
            failure = diagnose.failure(self.spec, self.settings, why, log) if self.spec else Failure(why)
        state = _state(self.record)
        state.state, state.failure = "Failed", failure
        state.log_excerpt = diagnose.report(diagnose.events_lines(group), log)
        self.record.state, self.record.problem = "Failed", failure.message.splitlines()[0]
        if created and group is not None:  # a failed first publish leaves nothing running (and billing)
            groups.delete(self.name)
            self.record.problem += " (the container group was deleted)"
        self.target.services.save(self.record)
        state.problem = self.record.problem
        self.run.stages[READY] = time.monotonic() - started
        return state


class _Republish:
    """An update that changes only the front's files (key regeneration): the same images, a new PUT."""

    def __init__(self, target: AciServices, record: PublishedService) -> None:
        self.target, self.record = target, record

    def apply(self, credentials: front.Credentials) -> None:
        settings = AciSettings.from_record(self.record.settings)
        secret = self.target.services.pull_secret(self.record.name)
        pull = RegistryCredentials(secret["server"], secret["username"], secret["password"], source="stored") if secret else None
        limits = front.Limits.from_v1({}) if self.record.source.get("v1", True) else front.Limits.from_v2({})
        config = self.record.source.get("deployment_config")
        workspace = self.record.source.get("workspace")
        tls = tls_files(settings, Path(config).resolve().parent if config else Path.cwd(), Path(workspace) if workspace else None)
        files = front.render(front_spec(self.record.name, settings, limits, credentials, tls)).files
        body = container_group(
            self.record.name, settings, self.record.image or "", self.record.settings["front_image_reference"], files, pull
        )
        state = _Provision(self.target, None, settings, self.record, PublishRun(), 600.0).apply(body, created=False)
        if state.state != "Succeeded":
            raise DeployError(f"The service {self.record.name} did not come back with the new key: {state.problem}")


def _state(record: PublishedService) -> DeploymentState:
    return DeploymentState(
        record.name,
        DEPLOYMENT,
        record.state,
        KIND,
        record.scoring_uri,
        record.swagger_uri,
        image=record.image,
        config=record.source.get("config"),
        problem=record.problem,
    )


def _needs_recreate(previous: PublishedService, settings: AciSettings) -> bool:
    before = previous.settings
    return any(before.get(key) != getattr(settings, key) for key in ("cpu", "memory_gb", "cpu_limit", "memory_gb_limit"))


def _needs_recreate_group(existing: ContainerGroup, body: dict) -> bool:
    old = {c["name"]: c["properties"].get("resources") for c in existing.raw.get("properties", {}).get("containers", [])}
    new = {c["name"]: c["properties"].get("resources") for c in body["properties"]["containers"]}
    return any(name in old and old[name] != resources for name, resources in new.items())


def _resource_group_location(arm: ArmClient, subscription: str, group: str) -> str:
    from ...azure.arm import segment

    body = arm.call(
        "GET",
        f"/subscriptions/{segment(subscription)}/resourcegroups/{segment(group)}",
        RESOURCE_GROUP_API,
        action=f"Reading resource group '{group}'",
    )
    return body["location"]


def _answers(url: str, headers: dict[str, str]) -> bool:
    """Whether the service's liveness route answers through its front. Over https the certificate is not checked
    here: it names the cname, which may not point at the group yet; calls to the scoring URI do check it."""
    import warnings

    import requests

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return requests.get(url, headers=headers, timeout=5, verify=not url.startswith("https")).status_code == 200
    except requests.RequestException:
        return False


def _get_json(url: str, headers: dict[str, str]) -> dict | None:
    import requests

    try:
        answer = requests.get(url, headers=headers, timeout=10)
        return answer.json() if answer.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None


def _quiet_get(groups: ContainerGroups, name: str) -> ContainerGroup | None:
    try:
        return groups.get(name)
    except AzureError:
        return None


def _quiet_logs(groups: ContainerGroups, name: str) -> str:
    try:
        return groups.logs(name, SCORING, tail=300)
    except AzureError:
        return ""


def _until_ready(lines: list[str]) -> list[str]:
    """The lines written until the inference server's worker said it was serving: init()'s output."""
    for index, line in enumerate(lines):
        if "ready for serving traffic" in line:
            return lines[: index + 1]
    return lines


def _merge_models(recorded: list[str], given: list[str]) -> list[str]:
    """`given` models replace the recorded ones of the same name; new names are added."""

    def name_of(value: str) -> str:
        parts = value.removeprefix("azureml:").split(":")
        return parts[0] if len(parts) >= 2 else Path(value).stem

    merged = {name_of(value): value for value in recorded}
    for value in given:
        merged[name_of(value)] = value if value.startswith("azureml:") or "/" in value else f"azureml:{value}"
    return list(merged.values())
