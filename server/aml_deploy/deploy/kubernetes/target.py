"""The Kubernetes target: online endpoints and v1 AKS services published to any cluster the user's
kubeconfig reaches, as plain objects (manifests.py) applied with server-side apply, behind the
endpoint front. Implements deploy.target.Target; `aml-deploy online-endpoint|online-deployment ...`
without --local, and `aml-deploy model deploy -ct ...`, use it.

Where an endpoint lives (context, namespace, registry) is kept in the published-services record;
what runs there is read back from the cluster (live.py): the cluster is the truth."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ... import front, kube
from ...front.credentials import KEY_TYPES
from ...kube.rollout import FAIL_FAST
from ...registry import Registry
from .. import requests as sample_requests
from ..errors import DeployError
from ..failures import Failure, explain
from ..layout import code_target
from ..local.images import ca_bundle
from ..publish import LocalCheckFailed
from ..published import PublishedService, PublishedServices
from ..spec import DeploymentSpec
from ..state import DeploymentState, Invocation
from ..target import Progress
from . import calls, dry_run, fronts, images, live, names, settings
from .errors import KubernetesError, translated
from .manifests import EndpointPlan, ScorerPlan, endpoint_objects, scorer_objects
from .place import Place, choose

TARGET = "kubernetes"
ADDRESS_WAIT = 600.0  # a cloud load balancer can take minutes to get its address
LOG_LINES = 200  # of a crashed container: the inference server's own lines come after init()'s traceback


class KubernetesEndpoints:
    name = TARGET

    def __init__(
        self,
        registry: Registry | None = None,
        progress: Progress | None = None,
        settings: dict | None = None,
        services: PublishedServices | None = None,
        *,
        deployment_config: Path | None = None,
        workspace: Path | None = None,
    ) -> None:
        self.registry = registry or Registry()  # the local model registry
        self.settings = {k: v for k, v in (settings or {}).items() if v is not None}  # None: not given
        self.progress = progress or (lambda message: None)
        self.services = services or PublishedServices()
        self.ca = ca_bundle()
        self.check = bool(self.settings.get("local_check", True))
        self.deployment_config = deployment_config  # v1: where the deploymentconfig.json came from (for update)
        self.workspace = workspace
        self._client = None
        self._clusters: dict[str | None, kube.Cluster] = {}
        self._said = ""  # the last rollout progress said, not to repeat it

    # -- plumbing -----------------------------------------------------------------------------------

    @property
    def client(self):
        if self._client is None:
            from ..local.engine import connect

            self._client = connect()
        return self._client

    def _cluster(self, place: Place) -> kube.Cluster:
        if place.context not in self._clusters:
            hint = {
                "compute": " (the compute target's name; give --kube-context to choose a context)",
                "published": " (where the endpoint was published)",
            }.get(place.context_from, "")
            with translated(f"Connecting to the cluster{hint}"):
                self._clusters[place.context] = kube.connect(place.context)
        return self._clusters[place.context]

    def close(self) -> None:
        for cluster in self._clusters.values():
            cluster.close()
        self._clusters.clear()

    def record(self, endpoint: str) -> PublishedService | None:
        record = self.services.get(endpoint)
        if record is not None and record.target != TARGET:
            raise DeployError(f"{endpoint} is published to {record.target}, not to Kubernetes.")
        return record

    def _where(self, endpoint: str) -> tuple[PublishedService, Place, kube.Cluster]:
        record = self.services.require(endpoint, TARGET)
        place = choose(endpoint, self.settings, record)
        return record, place, self._cluster(place)

    def _live(self, cluster: kube.Cluster, place: Place, endpoint: str) -> live.LiveEndpoint:
        with translated(f"Reading the endpoint {endpoint}"):
            found = live.read_endpoint(cluster, place.namespace, endpoint)
        if found is None:
            raise DeployError(
                f"The endpoint {endpoint} is not in {place.describe()} (deleted outside AML Deploy?): "
                f"create it again, or forget it with aml-deploy online-endpoint delete -n {endpoint}."
            )
        return found

    # -- endpoints ------------------------------------------------------------------------------------

    def create_endpoint(self, file: Path | None = None, name: str | None = None) -> dict:
        data = settings.read_config(file)[1] if file is not None else {}
        name = name or data.get("name")
        if not name:
            raise DeployError("Give the endpoint a name (--name, or name: in the file).")
        with self.services.lock(name):
            record = self.record(name)
            place = choose(name, self.settings, record, compute=data.get("compute"))
            cluster = self._cluster(place)
            with translated(f"Reading the endpoint {name}"):
                found = live.read_endpoint(cluster, place.namespace, name)
                own = found.own_namespace if found else live.namespace_is_own(cluster, place.namespace, name) is not False
            auth = front.normalize_auth_mode(data.get("auth_mode") or (found.front.auth_mode if found else "key"))
            served = found.front if found else live.new_front(name, auth, front.Credentials())
            served = replace(served, auth_mode=auth, credentials=fronts.ready(served.credentials, auth))
            if data.get("traffic") is not None or data.get("mirror_traffic") is not None:
                served = served.with_traffic(
                    fronts.shares(data.get("traffic"), served, "weight") or {}, fronts.shares(data.get("mirror_traffic"), served, "mirror")
                )
            registry = images.registry_settings(self.settings, record.settings if record else None)
            self.progress(f"Pushing the front's image to {registry.server}")
            front_image = images.front_image(self.client, registry, ca=self.ca, setting=self.settings.get("front_image"))
            pull = images.pull_secret(registry)
            self._apply_endpoint(cluster, place, served, front_image, pull, own, timeout=ADDRESS_WAIT)
            address = self._address(cluster, place, name, ADDRESS_WAIT)
            self._save(
                record or PublishedService(name, TARGET),
                cluster,
                place,
                served,
                registry,
                own,
                front_image,
                address,
                source={"endpoint_file": str(Path(file).resolve()) if file else None},
            )
        return self.show_endpoint(name)

    def show_endpoint(self, name: str) -> dict:
        record, place, cluster = self._where(name)
        found = self._live(cluster, place, name)
        with translated(f"Reading the deployments of {name}"):
            address = live.load_balancer_address(cluster, place.namespace, name)
            deployments = [self._state_of(cluster, place, name, w, record) for w in live.scorer_workloads(cluster, place.namespace, name)]
        states = {d.state for d in deployments}
        served = found.front
        return {
            "name": name,
            "target": TARGET,
            "context": cluster.context,
            "namespace": place.namespace,
            "auth_mode": served.auth_mode,
            "api": served.api,
            "scoring_uri": f"{calls.base_uri(address)}/score" if address else None,
            "provisioning_state": "Succeeded" if states <= {"Succeeded"} else ("Failed" if states & {"Failed", "Missing"} else "Creating"),
            "traffic": {d.name: d.weight for d in served.deployments},
            "mirror_traffic": {d.name: d.mirror for d in served.deployments if d.mirror},
            "deployments": [d.to_dict() for d in deployments],
            "notes": served.notes(),
        }

    def list_endpoints(self) -> list[dict]:
        shown = []
        for record in self.services.list(TARGET):
            try:
                shown.append(self.show_endpoint(record.name))
            except DeployError as err:  # one unreachable cluster does not hide the others
                shown.append(
                    {
                        "name": record.name,
                        "target": TARGET,
                        "provisioning_state": "Unknown",
                        "scoring_uri": record.scoring_uri,
                        "problem": str(err),
                        "deployments": [],
                    }
                )
        return shown

    def delete_endpoint(self, name: str, delete_image: bool = False) -> dict:
        """Every object of the endpoint, its namespace when it was made for it and holds nothing else, and
        the local record; with `delete_image`, its deployments' images in the registry too (the front's
        image, which other endpoints share, stays)."""
        record, place, cluster = self._where(name)
        images_deleted = self._delete_images(record) if delete_image else []
        deleted = []
        with self.services.lock(name), translated(f"Deleting the endpoint {name}"):
            for workload in live.scorer_workloads(cluster, place.namespace, name):
                deployment = workload["metadata"]["labels"][names.DEPLOYMENT_LABEL]
                kube.remove(cluster, place.namespace, instance=names.deployment_instance(name, deployment))
                deleted.append(deployment)
            own = live.namespace_is_own(cluster, place.namespace, name) is True
            removed = kube.remove(cluster, place.namespace, instance=names.endpoint_instance(name))
            kept = self._others_in(cluster, place.namespace, name) if own else []
            if own and not kept:
                kube.remove(cluster, place.namespace, instance=names.endpoint_instance(name), delete_namespace=True)
            self.services.remove(name)
        result = {
            "name": name,
            "deleted_deployments": deleted,
            "deleted_objects": [str(r) for r in removed],
            "images_deleted": images_deleted,
        }
        if own and kept:
            result["kept_namespace"] = f"{place.namespace} still holds {', '.join(kept[:5])}: it was not deleted"
        return result

    # -- deployments ----------------------------------------------------------------------------------

    def deploy(
        self,
        spec: DeploymentSpec,
        *,
        debug: bool = False,
        timeout: float = 600.0,
        must_exist: bool = False,
        on_line: Progress | None = None,
    ) -> DeploymentState:
        if debug:
            raise DeployError("A published deployment cannot wait for a debugger: debug it locally (--local --debug).")
        pod = self.pod_settings(spec)
        with self.services.lock(spec.endpoint):
            return self._deploy(spec, pod, timeout, must_exist)

    def pod_settings(self, spec: DeploymentSpec) -> settings.PodSettings:
        if spec.is_v1:
            compute = str(spec.target_settings.get("computeType", "")).lower()
            if compute != "aks":
                raise DeployError(
                    f"The deployment configuration has computeType {compute or 'none'!r}; publishing to Kubernetes needs computeType aks."
                )
            return settings.from_v1(spec.target_settings)
        kind, data = settings.read_config(spec.config)
        if kind is None:
            raise DeployError(f"{spec.config} is not a Kubernetes online deployment.")
        return settings.from_v2(data, kind)

    def _deploy(self, spec: DeploymentSpec, pod: settings.PodSettings, timeout: float, must_exist: bool) -> DeploymentState:
        endpoint, deployment = spec.endpoint, spec.deployment
        record = self.record(endpoint)
        if record is None and not spec.is_v1:
            raise DeployError(
                f"No endpoint {endpoint} is published to a cluster from here: create it first with "
                "aml-deploy online-endpoint create -f <endpoint.yml>."
            )
        config = spec.target_settings
        place = choose(endpoint, self.settings, record, compute=config.get("computeTargetName"), namespace=config.get("namespace"))
        cluster = self._cluster(place)
        with translated(f"Reading the endpoint {endpoint}"):
            found = live.read_endpoint(cluster, place.namespace, endpoint)
            existing = live.scorer_workload(cluster, place.namespace, endpoint, deployment)
        if found is None and not spec.is_v1:
            self._live(cluster, place, endpoint)  # says it is gone
        if existing is not None and not live.belongs_to(existing, endpoint, deployment):
            raise DeployError(
                f"Deployment {existing['metadata']['name']} in {place.describe()} belongs to another "
                "endpoint or deployment: use another namespace (--namespace) or other names."
            )
        if must_exist and existing is None:
            raise DeployError(f"No deployment {endpoint}/{deployment} on the cluster to update; create it first.")
        registry = images.registry_settings(self.settings, record.settings if record else None)
        previous = (record.settings.get("deployments") or {}).get(deployment) if record and existing else None
        try:
            published = images.publish(
                self.client,
                spec,
                registry,
                self.services,
                check=self.check,
                ca=self.ca,
                timeout=timeout,
                previous=previous,
                say=self.progress,
            )
        except LocalCheckFailed as failed:
            state = replace(
                failed.result.state,
                target=TARGET,
                endpoint=endpoint,
                deployment=deployment,
                problem="It failed the local check, so nothing was pushed or applied.",
            )
            return state
        stages = dict(published.seconds)
        pull = images.pull_secret(registry)
        if found is None:  # a v1 service published for the first time: its endpoint comes with it
            own = live.namespace_is_own(cluster, place.namespace, endpoint) is not False
            auth = front.v1_auth_mode(config)
            served = live.new_front(endpoint, auth, fronts.v1_keys(config, front.Credentials(), auth), front.V1)
            front_image = images.front_image(self.client, registry, ca=self.ca, setting=self.settings.get("front_image"))
        else:
            own, served, front_image = found.own_namespace, found.front, found.front_image
            if spec.is_v1:
                auth = front.v1_auth_mode(config)
                served = replace(served, auth_mode=auth, credentials=fronts.v1_keys(config, served.credentials, auth))
        served = fronts.with_deployment(served, endpoint, deployment, place.namespace, pod, default_weight=100 if spec.is_v1 else 0)
        served = replace(served, credentials=fronts.ready(served.credentials, served.auth_mode))
        plan = ScorerPlan(
            endpoint,
            deployment,
            place.namespace,
            published.reference,
            pod,
            version=settings.model_version(spec),
            pull_secret=names.pull_secret(endpoint) if pull else None,
        )
        if found is None:
            self._apply_endpoint(cluster, place, served, front_image, pull, own, timeout)
        started = time.monotonic()
        self.progress(f"Applying {endpoint}/{deployment} to {place.describe()}")
        with translated(f"Publishing {endpoint}/{deployment}"):
            kube.apply(cluster, scorer_objects(plan), instance=names.deployment_instance(endpoint, deployment))
        stages["apply"] = time.monotonic() - started
        started = time.monotonic()
        self.progress("Waiting for every replica of the new revision to be ready")
        with translated(f"Waiting for {endpoint}/{deployment}"):
            report = kube.wait_for_rollout(
                cluster,
                place.namespace,
                [names.scorer_name(endpoint, deployment)],
                timeout=timeout,
                log_lines=LOG_LINES,
                progress=self._rollout_progress,
            )
        stages["rollout"] = time.monotonic() - started
        if not report.ok:
            return self._failed(cluster, place, spec, report, published, created=existing is None, record=record)
        started = time.monotonic()
        self._apply_endpoint(cluster, place, served, front_image, pull, own, timeout)
        stages["front"] = time.monotonic() - started
        address = self._address(cluster, place, endpoint, ADDRESS_WAIT)
        started = time.monotonic()
        answer = self._first_score(address, served, deployment, timeout)
        stages["first-score"] = time.monotonic() - started
        state = DeploymentState(
            endpoint,
            deployment,
            "Succeeded",
            TARGET,
            f"{calls.base_uri(address)}/score",
            f"{calls.base_uri(address)}/swagger.json",
            image=published.reference,
            config=str(spec.config),
            warnings=list(spec.warnings) + pod.notes,
        )
        if answer.status != 200:
            state.state = "Failed"
            state.problem = (
                f"Every replica is ready, but the liveness route answered {answer.status} through the front: {answer.text[:300]}"
            )
        state.publish = {
            **published.to_dict(),
            "stages": {k: round(v, 3) for k, v in stages.items()},
            "replicas": pod.replicas,
            "namespace": place.namespace,
            "context": cluster.context,
        }
        self._save(
            record or PublishedService(endpoint, TARGET),
            cluster,
            place,
            served,
            registry,
            own,
            front_image,
            address,
            deployment=(
                deployment,
                {"config": str(spec.config), "image": published.reference, "image_key": published.image.key, "state": state.state},
            ),
            source=self._source(spec) if spec.is_v1 else None,
        )
        return state

    def _source(self, spec: DeploymentSpec) -> dict:
        """What a v1 service was published from, so that `service update` can publish it again."""
        return {
            "config": str(spec.config),
            "v1": True,
            "models": [m.reference or str(m.path) for m in spec.models],
            "deployment_config": str(self.deployment_config) if self.deployment_config else None,
            "code": str(spec.code_dir),
            "workspace": str(self.workspace) if self.workspace else None,
        }

    def update(
        self,
        name: str,
        *,
        models: list[str] | None = None,
        config: Path | None = None,
        deployment_config: Path | None = None,
        timeout: float = 600.0,
    ) -> DeploymentState:
        """`service update`: publish a v1 service again from what it was published from (the code as it is on
        disk now); `models` replace the recorded models of the same name."""
        from ..aci.target import _merge_models
        from ..spec import from_config

        record = self.services.require(name, TARGET)
        source = record.source
        config = Path(config or source.get("config") or "")
        if not source.get("v1") and config == Path(source.get("config") or ""):
            raise DeployError(f"{name} is a v2 endpoint: update its deployments with aml-deploy online-deployment update -f ...")
        if not config.is_file():
            raise DeployError(f"The configuration {config} the service {name} was published from is gone: give it again.")
        self.deployment_config = deployment_config or (Path(source["deployment_config"]) if source.get("deployment_config") else None)
        self.workspace = Path(source["workspace"]) if source.get("workspace") else None
        spec = from_config(
            config,
            endpoint=name,
            deployment="default",
            deployment_config=self.deployment_config,
            models=_merge_models(source.get("models") or [], models or []),
            workspace=self.workspace,
            registry=self.registry,
        )
        return self.deploy(spec, timeout=timeout, must_exist=True)

    def _first_score(self, address: str, served: front.Front, deployment: str, timeout: float) -> calls.Answer:
        """The liveness route through the front, with the key, naming the deployment (traffic 0 or not)."""
        self.progress("Scoring through the front with the key")
        secret = calls.credential(served)
        deadline = time.monotonic() + min(timeout, 60)
        while True:  # the front's resolver may take a moment to see the new Service's address
            answer = calls.send(address, "/", secret=secret, deployment=deployment, timeout=30)
            if answer.status != 503 or time.monotonic() > deadline:
                return answer
            time.sleep(0.5)

    def _failed(
        self,
        cluster: kube.Cluster,
        place: Place,
        spec: DeploymentSpec,
        report: kube.RolloutReport,
        published: images.Published,
        *,
        created: bool,
        record: PublishedService | None,
    ) -> DeploymentState:
        endpoint, deployment = spec.endpoint, spec.deployment
        state = DeploymentState(endpoint, deployment, "Failed", TARGET, image=published.reference, config=str(spec.config))
        traceback = report.previous_traceback()
        state.failure = explain(traceback, code_target(spec), spec.code_dir) if traceback else Failure(report.reason)
        state.failure.timed_out = report.timed_out
        state.log_excerpt = report.summary()
        if created:  # a create that failed leaves nothing behind
            with translated(f"Removing the failed {endpoint}/{deployment}"):
                kube.remove(cluster, place.namespace, instance=names.deployment_instance(endpoint, deployment))
            state.problem = f"{report.reason}. Its objects were removed."
        else:
            state.problem = (
                f"{report.reason}. The previous revision keeps serving; return to it with: aml-deploy "
                f"online-deployment rollback -e {endpoint} -n {deployment}"
            )
        if record is not None:
            details = dict((record.settings.get("deployments") or {}).get(deployment) or {})
            if not created:
                self._note(record, deployment, {**details, "state": "Failed", "problem": state.problem[:300]})
        return state

    def _rollout_progress(self, states: list[kube.DeploymentProgress]) -> None:
        for s in states:
            message = f"{s.name}: {s.ready} of {s.desired} ready ({s.updated} of the new revision)"
            if message != self._said:
                self.progress(message)
            self._said = message

    def show_deployment(self, endpoint: str, deployment: str) -> DeploymentState:
        record, place, cluster = self._where(endpoint)
        with translated(f"Reading {endpoint}/{deployment}"):
            workload = live.scorer_workload(cluster, place.namespace, endpoint, deployment)
            if workload is None or not live.belongs_to(workload, endpoint, deployment):
                raise DeployError(f"No deployment {endpoint}/{deployment} on the cluster ({place.describe()}).")
            return self._state_of(cluster, place, endpoint, workload, record)

    def list_deployments(self, endpoint: str | None = None) -> list[DeploymentState]:
        states = []
        for name in [endpoint] if endpoint else [r.name for r in self.services.list(TARGET)]:
            record, place, cluster = self._where(name)
            with translated(f"Reading the deployments of {name}"):
                states += [self._state_of(cluster, place, name, w, record) for w in live.scorer_workloads(cluster, place.namespace, name)]
        return states

    def _state_of(
        self, cluster: kube.Cluster, place: Place, endpoint: str, workload: dict, record: PublishedService | None
    ) -> DeploymentState:
        labels = workload["metadata"].get("labels") or {}
        deployment = labels.get(names.DEPLOYMENT_LABEL, workload["metadata"]["name"])
        details = ((record.settings.get("deployments") or {}) if record else {}).get(deployment) or {}
        report = kube.wait_for_rollout(cluster, place.namespace, [workload["metadata"]["name"]], timeout=0, poll=0)
        blocked = [p for p in report.problems if p.reason in FAIL_FAST or p.last_exit_reason in FAIL_FAST]
        if report.ok:
            state, problem = "Succeeded", None
        elif blocked:
            state, problem = "Failed", report.summary()
        elif details.get("state") == "Failed":  # between two crashes its pod may look fine: the last publish said
            state, problem = "Failed", details.get("problem") or report.reason
        else:
            state, problem = "Creating", report.reason
        address = record.scoring_uri if record else None
        result = DeploymentState(
            endpoint,
            deployment,
            state,
            TARGET,
            address,
            address.replace("/score", "/swagger.json") if address else None,
            image=workload["spec"]["template"]["spec"]["containers"][0]["image"],
            config=details.get("config"),
        )
        progress = report.deployments[0]
        result.publish = {
            "replicas": progress.desired,
            "ready": progress.ready,
            "revision": progress.revision,
            "namespace": place.namespace,
        }
        result.problem = problem
        return result

    def delete_deployment(self, endpoint: str, deployment: str) -> dict:
        record, place, cluster = self._where(endpoint)
        with self.services.lock(endpoint):
            found = self._live(cluster, place, endpoint)
            entry = found.front.deployment(deployment)
            if entry is not None and found.front.api == front.V1:
                raise DeployError(f"{endpoint} is a v1 service with one deployment: delete the service instead.")
            if entry is not None and entry.weight > 0 and len(found.front.deployments) > 1:
                raise DeployError(
                    f"{endpoint}/{deployment} has {entry.weight}% of the traffic: give it to the other "
                    f"deployments first (aml-deploy online-endpoint update -n {endpoint} --traffic ...)."
                )
            with translated(f"Deleting {endpoint}/{deployment}"):
                removed = kube.remove(cluster, place.namespace, instance=names.deployment_instance(endpoint, deployment))
            if not removed and entry is None:
                raise DeployError(f"No deployment {endpoint}/{deployment} on the cluster ({place.describe()}).")
            served = replace(found.front, deployments=[d for d in found.front.deployments if d.name != deployment])
            self._apply_endpoint(cluster, place, served, found.front_image, found.pull_secret, found.own_namespace, 600)
            self._note(record, deployment, None, served)
        return {"endpoint": endpoint, "name": deployment, "deleted": True, "deleted_objects": [str(r) for r in removed]}

    def wait_ready(self, endpoint: str, deployment: str | None, timeout: float) -> DeploymentState:
        record, place, cluster = self._where(endpoint)
        name = deployment or self._resolve(cluster, place, endpoint, None)
        with translated(f"Waiting for {endpoint}/{name}"):
            kube.wait_for_rollout(cluster, place.namespace, [names.scorer_name(endpoint, name)], timeout=timeout)
        return self.show_deployment(endpoint, name)

    def rollback(self, endpoint: str, deployment: str, revision: int | None = None, timeout: float = 600.0) -> DeploymentState:
        """Back to the previous revision (or `revision`) of the deployment, as `kubectl rollout undo` does."""
        record, place, cluster = self._where(endpoint)
        name = names.scorer_name(endpoint, deployment)
        with self.services.lock(endpoint), translated(f"Rolling back {endpoint}/{deployment}"):
            target = kube.rollback(cluster, place.namespace, name, revision)
            self.progress(f"Returning to revision {target.number} ({', '.join(target.images)})")
            report = kube.wait_for_rollout(cluster, place.namespace, [name], timeout=timeout, progress=self._rollout_progress)
        details = dict((record.settings.get("deployments") or {}).get(deployment) or {})
        self._note(
            record, deployment, {**details, "image": target.images[0], "image_key": None, "state": "Succeeded" if report.ok else "Failed"}
        )
        state = self.show_deployment(endpoint, deployment)
        state.publish = {**(state.publish or {}), "rolled_back_to": target.number}
        return state

    # -- calling it -----------------------------------------------------------------------------------

    def _resolve(self, cluster: kube.Cluster, place: Place, endpoint: str, deployment: str | None) -> str:
        """The named deployment, else the only one, else the one with the most traffic."""
        if deployment:
            return deployment
        deployments = self._live(cluster, place, endpoint).front.deployments
        if not deployments:
            raise DeployError(f"The endpoint {endpoint} has no deployments: aml-deploy online-deployment create -f ...")
        return max(deployments, key=lambda d: d.weight).name

    def invoke(self, endpoint: str, deployment: str | None, body: bytes | None = None, timeout: float = 600.0) -> Invocation:
        record, place, cluster = self._where(endpoint)
        served = self._live(cluster, place, endpoint).front
        address = self._address(cluster, place, endpoint, 0)
        if body is None:
            _name, body = self.sample_request(endpoint, deployment)
            if body is None:
                raise DeployError(
                    "Give --request-file: the scoring script declares no input_sample and no *request*.json lies beside its configuration."
                )
        secret = calls.credential(served, lambda: self._issue_token(cluster, place, endpoint))
        answer = calls.send(address, "/score", secret=secret, deployment=deployment, body=body, timeout=timeout)
        return Invocation(answer.deployment or deployment or "", answer.status, answer.text)

    def sample_request(self, endpoint: str, deployment: str | None) -> tuple[str, bytes | None]:
        record, place, cluster = self._where(endpoint)
        name = self._resolve(cluster, place, endpoint, deployment)
        body = sample_requests.swagger_example(self._swagger(cluster, place, endpoint, name))
        if body is None:
            config = ((record.settings.get("deployments") or {}).get(name) or {}).get("config")
            beside = sample_requests.request_file_beside(config)
            body = beside.read_bytes() if beside is not None else None
        return name, body

    def swagger(self, state: DeploymentState) -> dict | None:
        record, place, cluster = self._where(state.endpoint)
        return self._swagger(cluster, place, state.endpoint, state.deployment)

    def _swagger(self, cluster: kube.Cluster, place: Place, endpoint: str, deployment: str) -> dict | None:
        import json

        served = self._live(cluster, place, endpoint).front
        address = self._address(cluster, place, endpoint, 0)
        secret = calls.credential(served, lambda: self._issue_token(cluster, place, endpoint))
        answer = calls.send(address, "/swagger.json", secret=secret, deployment=deployment, timeout=30)
        try:
            return json.loads(answer.text) if answer.status == 200 else None
        except ValueError:
            return None

    def logs(
        self,
        endpoint: str,
        deployment: str | None = None,
        lines: int | None = None,
        follow: bool = False,
        container: str = "scoring",
        init: bool = False,
    ) -> Iterator[str]:
        """The newest pod's log of the deployment (`container="front"`: of the endpoint's front); `init`: only
        what was written until the server was ready (init()'s own output)."""
        from kubernetes import client as k8s

        from ..aci.target import _until_ready

        if follow:
            raise DeployError("--follow is not available for Kubernetes deployments; leave it out (or use kubectl logs -f).")
        record, place, cluster = self._where(endpoint)
        name = self._resolve(cluster, place, endpoint, deployment) if container != "front" else None
        with translated(f"Reading the log of {endpoint}{'/' + name if name else ''}"):
            workload = (
                live.scorer_workload(cluster, place.namespace, endpoint, name)
                if name
                else live.front_workload(cluster, place.namespace, endpoint)
            )
            pods = live.pod_names(cluster, place.namespace, workload) if workload else []
            if not pods:
                raise DeployError(f"{endpoint}{'/' + name if name else ''} has no pods on the cluster: nothing to show.")
            text = kube.cluster.call(
                cluster,
                f"read the log of {pods[0]}",
                k8s.CoreV1Api(cluster.api).read_namespaced_pod_log,
                name=pods[0],
                namespace=place.namespace,
                container=names.FRONT if container == "front" else names.SCORER,
                tail_lines=None if init else lines,
            )
        selected = (text or "").splitlines()
        if init:
            selected = _until_ready(selected)
            selected = selected[-lines:] if lines else selected
        yield from selected

    # -- the front: keys, tokens, traffic -------------------------------------------------------------

    def get_credentials(self, endpoint: str) -> dict:
        record, place, cluster = self._where(endpoint)
        served = self._live(cluster, place, endpoint).front
        if served.auth_mode == "key":
            return served.credentials.keys_as_azure()
        if served.auth_mode == "aml_token":
            token = fronts.fresh_token(served.credentials)
            if token is None:
                self._issue_token(cluster, place, endpoint)
                token = fronts.fresh_token(self._live(cluster, place, endpoint).front.credentials)
            if token is None:
                raise DeployError(f"The front of {endpoint} did not take the new token; try again.")
            return token.as_azure()
        raise DeployError(
            f"The endpoint {endpoint} has auth_mode {served.auth_mode}: there are no keys or tokens "
            "to show" + (" (use a Microsoft Entra token)." if served.auth_mode == "aad_token" else ".")
        )

    def _issue_token(self, cluster: kube.Cluster, place: Place, endpoint: str) -> str:
        """A new token, reaching the front (a rolling update) before it is returned."""
        with self.services.lock(endpoint):
            found = self._live(cluster, place, endpoint)
            credentials = fronts.ready(replace(found.front.credentials, tokens=found.front.credentials.valid_tokens()), "aml_token")
            self._apply_endpoint(
                cluster,
                place,
                replace(found.front, credentials=credentials),
                found.front_image,
                found.pull_secret,
                found.own_namespace,
                600,
            )
        token = fronts.fresh_token(credentials)
        if token is None:  # ready() issues one when none is fresh
            raise DeployError(f"No token could be issued for {endpoint}.")
        return token.value

    def regenerate_keys(self, endpoint: str, key_type: str, value: str | None = None) -> dict:
        if key_type not in KEY_TYPES:
            raise DeployError(f"--key-type must be primary or secondary, not {key_type!r}.")
        record, place, cluster = self._where(endpoint)
        with self.services.lock(endpoint):
            found = self._live(cluster, place, endpoint)
            if found.front.auth_mode != "key":
                raise DeployError(f"The endpoint {endpoint} uses {found.front.auth_mode}, not keys.")
            new = value or front.new_key()
            credentials = (
                replace(found.front.credentials, primary_key=new)
                if key_type == "primary"
                else replace(found.front.credentials, secondary_key=new)
            )
            self.progress("Rolling the new key out to the front (the other key keeps working)")
            self._apply_endpoint(
                cluster,
                place,
                replace(found.front, credentials=credentials),
                found.front_image,
                found.pull_secret,
                found.own_namespace,
                600,
            )
        return credentials.keys_as_azure()

    def set_traffic(self, endpoint: str, traffic: dict[str, int] | None = None, mirror: dict[str, int] | None = None) -> dict:
        record, place, cluster = self._where(endpoint)
        with self.services.lock(endpoint):
            found = self._live(cluster, place, endpoint)
            current = {d.name: d.weight for d in found.front.deployments}
            try:
                served = found.front.with_traffic(traffic if traffic is not None else current, mirror)
            except front.FrontError as err:
                raise DeployError(str(err)) from None
            self.progress("Rolling the new traffic out to the front")
            self._apply_endpoint(cluster, place, served, found.front_image, found.pull_secret, found.own_namespace, 600)
            self._note(record, None, None, served)
        return self.show_endpoint(endpoint)

    # -- applying the endpoint ------------------------------------------------------------------------

    def _apply_endpoint(
        self, cluster: kube.Cluster, place: Place, served: front.Front, front_image: str, pull: bytes | None, own: bool, timeout: float
    ) -> None:
        """Apply the endpoint's objects and wait until its front runs the new configuration everywhere
        (old fronts drain first, so nothing is dropped and an old key is refused once this returns)."""
        try:
            served.check()
        except front.FrontError as err:
            raise DeployError(str(err)) from None
        endpoint = served.endpoint
        plan = EndpointPlan(endpoint, place.namespace, served, front_image, own, pull)
        with translated(f"Publishing the endpoint {endpoint}"):
            kube.apply(cluster, endpoint_objects(plan), instance=names.endpoint_instance(endpoint))
            report = kube.wait_for_rollout(cluster, place.namespace, [names.front_name(endpoint)], timeout=timeout)
            if not report.ok:
                raise KubernetesError(f"The front of {endpoint} did not start:\n{report.summary()}")
            # The old fronts drain (they answer what they were sent, then stop): once they are gone, the
            # old configuration (an old key, old traffic) serves nothing more.
            live.wait_until_drained(cluster, place.namespace, names.front_name(endpoint), timeout)

    def _address(self, cluster: kube.Cluster, place: Place, endpoint: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            with translated(f"Reading the address of {endpoint}"):
                address = live.load_balancer_address(cluster, place.namespace, endpoint)
            if address:
                return address
            if time.monotonic() >= deadline:
                raise DeployError(
                    f"The load balancer of {endpoint} has no address yet (the cloud gives one within "
                    "minutes; on a cluster without a load balancer it never comes)."
                )
            time.sleep(1)

    def _others_in(self, cluster: kube.Cluster, namespace: str, endpoint: str) -> list[str]:
        """What the namespace holds besides this endpoint's objects (then it is kept)."""
        from kubernetes import client as k8s

        core, apps = k8s.CoreV1Api(cluster.api), k8s.AppsV1Api(cluster.api)
        others = []
        for what, function in (
            ("Deployment", apps.list_namespaced_deployment),
            ("Service", core.list_namespaced_service),
            ("Secret", core.list_namespaced_secret),
            ("ConfigMap", core.list_namespaced_config_map),
        ):
            for item in kube.cluster.call(cluster, f"list {what}s in {namespace}", function, namespace=namespace).items:
                labels = item.metadata.labels or {}
                if (
                    labels.get(names.ENDPOINT_LABEL) == names.fit(endpoint)
                    or item.metadata.name == "kube-root-ca.crt"
                    or getattr(item, "type", None) == "kubernetes.io/service-account-token"
                ):
                    continue
                others.append(f"{what} {item.metadata.name}")
        return others

    def _delete_images(self, record: PublishedService) -> list[str]:
        from ..publish.registry_api import delete_image

        registry = images.registry_settings(self.settings, record.settings)
        credentials = images.credentials_to_push(registry)
        references = {d.get("image") for d in (record.settings.get("deployments") or {}).values() if d.get("image")}
        return sorted(r for r in references if delete_image(r, credentials))

    # -- the local record -----------------------------------------------------------------------------

    def _save(
        self,
        record: PublishedService,
        cluster: kube.Cluster,
        place: Place,
        served: front.Front,
        registry,
        own: bool,
        front_image: str,
        address: str,
        *,
        deployment: tuple[str, dict] | None = None,
        source: dict | None = None,
    ) -> None:
        record.settings = {
            **record.settings,
            "context": cluster.context,
            "namespace": place.namespace,
            "registry": registry.describe(),
            "own_namespace": own,
            "front_image": front_image,
            "front": served.describe(),
            "api": served.api,
        }
        if deployment is not None:
            record.settings["deployments"] = {**(record.settings.get("deployments") or {}), deployment[0]: deployment[1]}
        record.scoring_uri = f"{calls.base_uri(address)}/score"
        record.auth_mode, record.state = served.auth_mode, "Succeeded"
        if source:
            record.source = {**record.source, **source}
        self.services.save(record)

    def _note(self, record: PublishedService, deployment: str | None, details: dict | None, served: front.Front | None = None) -> None:
        fresh = self.services.get(record.name) or record
        deployments = dict(fresh.settings.get("deployments") or {})
        if deployment is not None:
            if details is None:
                deployments.pop(deployment, None)
            else:
                deployments[deployment] = details
        fresh.settings = {**fresh.settings, "deployments": deployments}
        if served is not None:
            fresh.settings["front"] = served.describe()
        self.services.save(fresh)

    # -- --dry-run ------------------------------------------------------------------------------------

    def endpoint_manifests(self, file: Path | None = None, name: str | None = None) -> str:
        """The endpoint's objects as `create_endpoint` would apply them (secrets as placeholders)."""
        return dry_run.endpoint_manifests(self, file, name)

    def deployment_manifests(self, spec: DeploymentSpec, all_traffic: bool = False) -> str:
        """This deployment's objects and its endpoint's, as `deploy` would apply them; nothing is sent."""
        return dry_run.deployment_manifests(self, spec, all_traffic)
