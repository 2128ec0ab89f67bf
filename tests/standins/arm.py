"""A stand-in Azure Resource Manager for Container Instances (api-version 2025-09-01), on HTTPS at 127.0.0.1.

It checks what ARM checks -- the bearer token (issued by the AAD stand-in for this endpoint), the request
path, api-version, parameters and body against the official spec -- and answers as ARM does: PUT 201/200
with `Azure-AsyncOperation` + `Retry-After`, an operation status InProgress -> Succeeded/Failed, GET with
provisioningState and instance view, logs, DELETE 202 with a status to poll, errors in ARM's shape. Groups run
for real on the local Docker engine (see aci.py). Tests steer it: `fail_next(...)` answers the next requests
429/500 with Retry-After, `fail_next_provisioning(...)` fails the next deployment. Anything the stand-in finds
wrong with its own answers lands in `errors`, which the fixture asserts empty."""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker

from tests.standins.aad import AadStandIn
from tests.standins.aci import GroupRunner, credentials_for, now_iso
from tests.standins.arm_spec import ArmSpec, Match, Problem
from tests.standins.httpserver import Request, Response, StandInServer
from tests.standins.tls import TestCA

PROVIDER = "Microsoft.ContainerInstance"
GROUP_TYPE = f"{PROVIDER}/containerGroups"
# ACI's naming rules (resource-name-rules doc): 1-63 lowercase letters, digits and single hyphens
GROUP_NAME = re.compile(r"^(?!.*--)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_LABEL = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")
# Changing these needs a delete first (ACI's InvalidContainerGroupUpdate)
FIXED_ON_UPDATE = ("osType", "restartPolicy")
OPERATION_PATH = re.compile(rf"^/subscriptions/([^/]+)/providers/{PROVIDER}/locations/([^/]+)/(operations|operationResults)/([^/]+)$", re.I)
RESOURCE_GROUP_PATH = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)$", re.I)
REGISTRY_CREDENTIALS_PATH = re.compile(
    r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/Microsoft\.ContainerRegistry/registries/([^/]+)/listCredentials$", re.I
)


def arm_error(
    status: int, code: str, message: str, *, details: list[dict] | None = None, target: str | None = None, headers: dict | None = None
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if target:
        error["target"] = target
    if details:
        error["details"] = details
    return Response(status, {"error": error}, dict(headers or {}))


@dataclass
class Fault:
    status: int
    retry_after: int
    remaining: int
    method: str | None
    path_contains: str | None

    def applies(self, request: Request) -> bool:
        return (self.method is None or request.method == self.method.upper()) and (
            self.path_contains is None or self.path_contains.lower() in request.path.lower()
        )


@dataclass
class Operation:
    id: str
    subscription: str
    location: str
    status: str = "InProgress"
    start: str = field(default_factory=now_iso)
    end: str | None = None
    error: dict | None = None

    def finish(self, error: dict | None) -> None:
        self.status = "Failed" if error else "Succeeded"
        self.error = error
        self.end = now_iso()


@dataclass
class Group:
    subscription: str
    resource_group: str
    name: str
    location: str
    body: dict  # as PUT, secrets included: what the containers run with
    ip: str
    fqdn: str | None
    provisioning_state: str = "Pending"
    runner: GroupRunner | None = None
    operation: Operation | None = None

    @property
    def id(self) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/{GROUP_TYPE}/{self.name}"

    @property
    def busy(self) -> bool:
        return self.operation is not None and self.operation.status == "InProgress"


@dataclass
class RecordedRequest:
    at: float  # time.monotonic() when it arrived
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0


@dataclass
class ContainerRegistry:
    login_server: str
    username: str
    passwords: tuple[str, str]
    admin_enabled: bool = True


class ArmStandIn:
    def __init__(
        self,
        *,
        aad: AadStandIn,
        ca: TestCA,
        subscription_id: str,
        tenant_id: str,
        resource_groups: dict[str, str],
        pause_image: str,
        retry_after: int = 1,
        restart_backoff: tuple[float, float] = (1.0, 8.0),
    ) -> None:
        self.aad = aad
        self.spec = ArmSpec()
        self.subscription_id = subscription_id
        self.tenant_id = tenant_id
        self.resource_groups = {name.lower(): (name, location) for name, location in resource_groups.items()}
        self.pause_image = pause_image
        self.retry_after = retry_after
        self.restart_backoff = restart_backoff
        self.prefix = f"amlstandin{uuid.uuid4().hex[:8]}"
        self.labels = {"aml-deploy.standin": self.prefix}
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.prefix}-"))
        self.groups: dict[tuple[str, str, str], Group] = {}
        self.operations: dict[str, Operation] = {}
        self.registries: dict[tuple[str, str, str], ContainerRegistry] = {}
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._provisioning_failures: list[dict] = []
        self._lock = threading.RLock()
        self._next_ip = 10
        self._docker_client = None  # made on first use: validation and auth need no engine
        self._server = StandInServer(self._handle, ca.issue("arm", ["127.0.0.1", "localhost"]))
        self.url = self._server.url
        self.errors = self._server.errors  # stand-in bugs, and answers of its own that break the spec

    # --- what tests steer and read ---------------------------------------------------------------------
    def fail_next(
        self, count: int = 1, status: int = 429, *, retry_after: int = 1, method: str | None = None, path_contains: str | None = None
    ) -> None:
        """The next `count` requests (matching `method`/`path_contains` when given) answer `status`."""
        with self._lock:
            self._faults.append(Fault(status, retry_after, count, method, path_contains))

    def fail_next_provisioning(self, code: str, message: str) -> None:
        """The next container-group deployment ends Failed with this error instead of running."""
        with self._lock:
            self._provisioning_failures.append({"code": code, "message": message})

    def add_container_registry(
        self, resource_group: str, name: str, login_server: str, username: str, password: str, *, admin_enabled: bool = True
    ) -> None:
        """An ACR in `resource_group` whose admin credentials listCredentials returns."""
        key = (self.subscription_id.lower(), resource_group.lower(), name.lower())
        self.registries[key] = ContainerRegistry(login_server, username, (password, "second-" + secrets.token_hex(8)), admin_enabled)

    def group(self, name: str, resource_group: str | None = None) -> Group | None:
        for (_, rg, group_name), group in self.groups.items():
            if group_name == name.lower() and (resource_group is None or rg == resource_group.lower()):
                return group
        return None

    def published(self, group_name: str, port: int) -> tuple[str, int]:
        """Where on 127.0.0.1 the group's public `port` is published (test code only)."""
        group = self.group(group_name)
        if group is None or group.runner is None or port not in group.runner.host_ports:
            raise KeyError(f"group {group_name} publishes no port {port}")
        return "127.0.0.1", group.runner.host_ports[port]

    def resolve_public(self, host: str, port: int) -> tuple[str, int] | None:
        """The local address behind a group's public fqdn or ip and port (for the test proxy)."""
        with self._lock:
            for group in self.groups.values():
                if host.lower() in {group.ip, (group.fqdn or "").lower()} and group.runner and port in group.runner.host_ports:
                    return "127.0.0.1", group.runner.host_ports[port]
        return None

    def requests_to(self, method: str, path_contains: str = "") -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and path_contains.lower() in r.path.lower()]

    @property
    def _docker(self):
        if self._docker_client is None:
            self._docker_client = docker.from_env(timeout=300)
        return self._docker_client

    def close(self) -> None:
        self._server.close()
        for group in list(self.groups.values()):
            if group.runner:
                group.runner.close()
        if self._docker_client is not None:
            for container in self._docker.containers.list(all=True, filters={"label": f"aml-deploy.standin={self.prefix}"}):
                container.remove(force=True)
            self._docker.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- the service ---------------------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        try:
            body = request.json()
        except ValueError:
            body = request.body.decode("utf-8", "replace")
        record = RecordedRequest(time.monotonic(), request.method, request.path, request.query, body)
        self.requests.append(record)
        response = self._answer(request, body)
        response.headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        record.status = response.status
        return response

    def _answer(self, request: Request, body: Any) -> Response:
        fault = self._take_fault(request)
        if fault:
            return fault
        denied = self._authenticate(request)
        if denied:
            return denied
        if request.param("api-version") is None:
            return arm_error(
                400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."
            )
        for pattern, handler in (
            (OPERATION_PATH, self._operation_status),
            (RESOURCE_GROUP_PATH, self._resource_group),
            (REGISTRY_CREDENTIALS_PATH, self._registry_credentials),
        ):
            found = pattern.match(request.path.rstrip("/"))
            if found:
                return handler(request, *found.groups())
        match = self.spec.match(request.method, request.path)
        if match is None:
            if self.spec.path_exists(request.path):
                return arm_error(405, "MethodNotAllowed", f"The HTTP method '{request.method}' is not supported at '{request.path}'.")
            return arm_error(
                404,
                "InvalidResourceType",
                f"The resource type could not be found in the namespace '{PROVIDER}' for api version '{request.param('api-version')}'.",
            )
        return self._operation(request, match, body)

    def _take_fault(self, request: Request) -> Response | None:
        with self._lock:
            fault = next((f for f in self._faults if f.remaining > 0 and f.applies(request)), None)
            if fault is None:
                return None
            fault.remaining -= 1
        headers = {"Retry-After": str(fault.retry_after)}
        if fault.status == 429:
            return arm_error(
                429,
                "SubscriptionRequestsThrottled",
                f"Number of requests for subscription '{self.subscription_id}' exceeded the limit. Please try again after '{fault.retry_after}' seconds.",
                headers=headers,
            )
        return arm_error(
            fault.status,
            "InternalServerError",
            f"Encountered internal server error. Diagnostic information: timestamp '{now_iso()}', tracking id '{uuid.uuid4()}'.",
            headers=headers,
        )

    def _authenticate(self, request: Request) -> Response | None:
        token = request.bearer()
        if token is None:
            return arm_error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        problem = self.aad.check(token, {self.url})
        if problem is None:
            return None
        challenge = {"WWW-Authenticate": f'Bearer authorization_uri="{self.aad.url}/{self.tenant_id}", error="invalid_token"'}
        if problem == "expired":
            return arm_error(
                401, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.", headers=challenge
            )
        if problem.startswith("audience"):
            return arm_error(
                401,
                "InvalidAuthenticationTokenAudience",
                f"The access token has been obtained for wrong audience or resource '{problem.split(' ', 1)[1]}'. It should exactly match with one of the allowed audiences '{self.url}/'.",
                headers=challenge,
            )
        return arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.", headers=challenge)

    def _scope_problem(self, subscription: str, resource_group: str | None) -> Response | None:
        if subscription.lower() != self.subscription_id.lower():
            return arm_error(404, "SubscriptionNotFound", f"The subscription '{subscription}' could not be found.")
        if resource_group is not None and resource_group.lower() not in self.resource_groups:
            return arm_error(404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found.")
        return None

    def _operation(self, request: Request, match: Match, body: Any) -> Response:
        api_version = request.param("api-version")
        if api_version != self.spec.api_version:
            return arm_error(
                400,
                "NoRegisteredProviderFound",
                f"No registered resource provider found for location and API version '{api_version}' for type 'containerGroups'. The supported api-versions are '{self.spec.api_version}'.",
            )
        problems = self.spec.check_parameters(match, request.query)
        if problems:
            code = "InvalidSubscriptionId" if problems[0].target == "subscriptionId" else "InvalidParameter"
            return arm_error(400, code, "; ".join(p.message for p in problems), target=problems[0].target)
        params = match.path_params
        scope = self._scope_problem(params["subscriptionId"], params.get("resourceGroupName"))
        if scope:
            return scope
        if match.operation.body_schema is not None:
            if isinstance(body, str) or body is None:
                return arm_error(
                    400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: the body is not JSON."
                )
            problems = self.spec.check_body(match, body)
            if problems:
                return _invalid_content(problems)
        handler = getattr(self, f"_{match.operation.operation_id}", None)
        if handler is None:
            return arm_error(400, "OperationNotSupported", f"The stand-in does not emulate {match.operation.operation_id}.")
        response = handler(request, params, body)
        self._check_own_answer(match, response)
        return response

    def _check_own_answer(self, match: Match, response: Response) -> None:
        if response.status >= 400:
            problems = self.spec.check(self.spec.definition("CloudError"), response.body)
        else:
            problems = self.spec.check_response(match, response.status, response.body)
        if problems:
            self.errors.append(f"stand-in answered {match.operation.operation_id} against the spec: {problems}")

    # --- container groups --------------------------------------------------------------------------
    def _key(self, params: dict) -> tuple[str, str, str]:
        return params["subscriptionId"].lower(), params["resourceGroupName"].lower(), params["containerGroupName"].lower()

    def _found(self, params: dict) -> Group | Response:
        group = self.groups.get(self._key(params))
        if group is None:
            return arm_error(
                404,
                "ResourceNotFound",
                f"The Resource '{GROUP_TYPE}/{params['containerGroupName']}' under resource group '{params['resourceGroupName']}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            )
        return group

    def _ContainerGroups_Get(self, request: Request, params: dict, body: Any) -> Response:
        group = self._found(params)
        return group if isinstance(group, Response) else Response(200, self._render(group))

    def _ContainerGroups_ListByResourceGroup(self, request: Request, params: dict, body: Any) -> Response:
        rg = params["resourceGroupName"].lower()
        return Response(200, {"value": [self._render(g, listing=True) for key, g in self.groups.items() if key[1] == rg]})

    def _ContainerGroups_List(self, request: Request, params: dict, body: Any) -> Response:
        return Response(200, {"value": [self._render(g, listing=True) for g in self.groups.values()]})

    def _ContainerGroups_CreateOrUpdate(self, request: Request, params: dict, body: dict) -> Response:
        key = self._key(params)
        name = params["containerGroupName"]
        with self._lock:
            existing = self.groups.get(key)
            rejected = self._reject_group(name, body, existing)
            if rejected:
                return rejected
            if existing and existing.runner:
                existing.runner.close()
            location = body.get("location", existing.location if existing else "")
            group = Group(
                subscription=params["subscriptionId"],
                resource_group=self.resource_groups[key[1]][0],
                name=name,
                location=location,
                body=copy.deepcopy(body),
                ip=existing.ip if existing else self._allocate_ip(),
                fqdn=self._fqdn(body, location, params),
                provisioning_state="Updating" if existing else "Pending",
            )
            self.groups[key] = group
            group.operation = self._start_operation(group)
            failure = self._provisioning_failures.pop(0) if self._provisioning_failures else None
        if failure:
            threading.Timer(0.5, self._provisioned, (group, failure)).start()
        else:
            group.runner = GroupRunner(
                body,
                docker_name=f"{self.prefix}-{key[1]}-{name}"[:120],
                labels=self.labels,
                pause_image=self.pause_image,
                workdir=self.workdir / uuid.uuid4().hex[:8],
                on_provisioned=lambda error: self._provisioned(group, error),
                backoff=self.restart_backoff,
            )
            group.runner.start()
        return Response(200 if existing else 201, self._render(group), self._polling_headers(group.operation))

    def _reject_group(self, name: str, body: dict, existing: Group | None) -> Response | None:
        """The checks ACI makes beyond the spec's schema (codes as ACI answers them)."""
        properties = body["properties"]
        if existing and existing.busy:
            return arm_error(
                409, "ContainerGroupTransitioning", f"The container group '{name}' is still transitioning, please retry later."
            )
        if not GROUP_NAME.match(name):
            return arm_error(
                400,
                "ContainerGroupNameInvalid",
                f"The container group name '{name}' is invalid. The container group name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').",
            )
        if not body.get("location") and not existing:
            return arm_error(400, "LocationRequired", "The location property is required for this definition.")
        if existing and body.get("location") and body["location"].replace(" ", "").lower() != existing.location.replace(" ", "").lower():
            return arm_error(
                400,
                "InvalidResourceLocation",
                f"The resource '{name}' already exists in location '{existing.location}' in resource group '{existing.resource_group}'. A resource with the same name cannot be created in location '{body['location']}'. Please select a new resource name.",
            )
        if existing and self._needs_recreate(existing.body["properties"], properties):
            return arm_error(
                409,
                "InvalidContainerGroupUpdate",
                f"The updates on container group '{name}' are invalid. If you are going to update the os type, restart policy, network profile, CPU, memory or GPU resources for a container group, you must delete it first and then create a new one.",
            )
        containers = properties.get("containers", [])
        names = [c["name"] for c in containers]
        if not containers or len(set(names)) != len(names):
            return arm_error(400, "InvalidContainerGroup", f"The container group '{name}' must have containers with unique names.")
        if properties.get("osType", "Linux") != "Linux":
            return arm_error(400, "UnsupportedOsType", "The stand-in runs Linux container groups only.")
        for container in containers:
            if not container["properties"].get("image"):
                return arm_error(400, "InvalidContainerImage", f"The container '{container['name']}' has no image.")
        ip = properties.get("ipAddress")
        if ip:
            if ip["type"] != "Public":
                return arm_error(400, "UnsupportedIpAddressType", "The stand-in emulates public IP addresses only.")
            exposed = {p["port"] for c in containers for p in c["properties"].get("ports", [])}
            for port in ip["ports"]:
                if port["port"] not in exposed:
                    return arm_error(
                        400,
                        "InvalidIpAddressPorts",
                        f"The ports in the 'IpAddress' of container group '{name}' must be one of the exposed ports of the containers: port {port['port']} is not.",
                    )
            label = ip.get("dnsNameLabel")
            if label is not None and not DNS_LABEL.match(label):
                return arm_error(
                    400,
                    "InvalidDnsNameLabel",
                    f"The DNS name label '{label}' is invalid. It must be 3-63 characters of lowercase letters, digits and '-', start with a letter and end with a letter or digit.",
                )
        volumes = {v["name"]: v for v in properties.get("volumes", [])}
        for volume in volumes.values():
            if set(volume) - {"name", "secret", "emptyDir"}:
                return arm_error(
                    400, "UnsupportedVolume", f"The stand-in emulates secret and emptyDir volumes only, not volume '{volume['name']}'."
                )
        for container in containers:
            for mount in container["properties"].get("volumeMounts", []):
                if mount["name"] not in volumes:
                    return arm_error(
                        400,
                        "VolumeMountNotFound",
                        f"The volume mount '{mount['name']}' of container '{container['name']}' names no volume of the group.",
                    )
        return self._inaccessible_image(name, properties)

    @staticmethod
    def _needs_recreate(before: dict, after: dict) -> bool:
        if any(before.get(key) != after.get(key) for key in FIXED_ON_UPDATE):
            return True
        old = {c["name"]: c["properties"].get("resources") for c in before.get("containers", [])}
        return any(c["name"] in old and old[c["name"]] != c["properties"].get("resources") for c in after.get("containers", []))

    def _inaccessible_image(self, name: str, properties: dict) -> Response | None:
        """ACI checks on PUT that every image can be read with the group's credentials."""
        credentials = properties.get("imageRegistryCredentials", [])
        for container in properties["containers"]:
            image = container["properties"]["image"]
            try:
                self._docker.api.inspect_distribution(image, auth_config=credentials_for(image, credentials))
            except docker.errors.APIError:
                return arm_error(
                    400,
                    "InaccessibleImage",
                    f"The image '{image}' in container group '{name}' is not accessible. Please check the image and registry credential.",
                )
        return None

    def _allocate_ip(self) -> str:
        self._next_ip += 1
        return f"203.0.113.{self._next_ip}"  # TEST-NET-3: reachable only through the test proxy

    def _fqdn(self, body: dict, location: str, params: dict) -> str | None:
        ip = body["properties"].get("ipAddress") or {}
        if not ip.get("dnsNameLabel"):
            return None
        scope = ip.get("autoGeneratedDomainNameLabelScope", "Unsecure")
        return self.fqdn_for(ip["dnsNameLabel"], location, scope, params["resourceGroupName"])

    def fqdn_for(self, label: str, location: str, scope: str = "Unsecure", resource_group: str = "") -> str:
        """The fqdn a group gets, as ACI forms it: `label.region.azurecontainer.io`, with a hash segment for
        the reuse scopes (stable within the scope), so tests can issue a TLS certificate for it beforehand."""
        region = location.replace(" ", "").lower()
        if scope == "Unsecure":
            return f"{label}.{region}.azurecontainer.io"
        reuse_key = {
            "TenantReuse": self.tenant_id,
            "SubscriptionReuse": self.subscription_id,
            "ResourceGroupReuse": f"{self.subscription_id}/{resource_group}",
        }.get(scope, uuid.uuid4().hex)
        digest = hashlib.sha256(f"{reuse_key}/{label}".lower().encode()).hexdigest()[:16]
        return f"{label}.{digest}.{region}.azurecontainer.io"

    def _provisioned(self, group: Group, error: dict | None) -> None:
        with self._lock:
            if group.operation is not None and group.operation.status == "InProgress":
                group.operation.finish(error)
            if group.provisioning_state != "Deleting":
                group.provisioning_state = "Failed" if error else "Succeeded"

    def _ContainerGroups_Delete(self, request: Request, params: dict, body: Any) -> Response:
        with self._lock:
            group = self.groups.get(self._key(params))
            if group is None:
                return Response(204)
            group.provisioning_state = "Deleting"
            operation = self._start_operation(group)
            group.operation = operation

        def delete() -> None:
            if group.runner:
                group.runner.close()
            with self._lock:
                self.groups.pop(self._key(params), None)
                operation.finish(None)

        threading.Thread(target=delete, daemon=True).start()
        headers = self._polling_headers(operation)
        headers["Location"] = headers["Azure-AsyncOperation"].replace("/operations/", "/operationResults/")
        return Response(202, None, headers)

    def _running(self, params: dict) -> Group | Response:
        group = self._found(params)
        if isinstance(group, Response):
            return group
        if group.busy or group.runner is None or not group.runner.provisioned:
            return arm_error(
                409, "ContainerGroupTransitioning", f"The container group '{group.name}' is still transitioning, please retry later."
            )
        return group

    def _ContainerGroups_Restart(self, request: Request, params: dict, body: Any) -> Response:
        return self._at_once(params, GroupRunner.restart_all)

    def _ContainerGroups_Stop(self, request: Request, params: dict, body: Any) -> Response:
        return self._at_once(params, GroupRunner.stop_all)

    def _at_once(self, params: dict, act) -> Response:
        """restart and stop: done before answering 204, which ends the operation at once."""
        group = self._running(params)
        if isinstance(group, Response):
            return group
        act(group.runner)
        return Response(204)

    def _ContainerGroups_Start(self, request: Request, params: dict, body: Any) -> Response:
        group = self._running(params)
        if isinstance(group, Response):
            return group
        with self._lock:
            operation = group.operation = self._start_operation(group)

        def start() -> None:
            group.runner.start_all()
            operation.finish(None)

        threading.Thread(target=start, daemon=True).start()
        return Response(202, None, self._polling_headers(operation))

    def _Containers_ListLogs(self, request: Request, params: dict, body: Any) -> Response:
        group = self._found(params)
        if isinstance(group, Response):
            return group
        tail = request.param("tail")
        content = (
            group.runner.logs(params["containerName"], int(tail) if tail else None, request.param("timestamps") == "true")
            if group.runner
            else ""
        )
        if content is None:
            return arm_error(
                404, "ContainerNotFound", f"The container '{params['containerName']}' is not found in container group '{group.name}'."
            )
        return Response(200, {"content": content})

    # --- long-running operations -------------------------------------------------------------------
    def _start_operation(self, group: Group) -> Operation:
        operation = Operation(id=str(uuid.uuid4()), subscription=group.subscription, location=group.location.replace(" ", "").lower())
        self.operations[operation.id] = operation
        return operation

    def _polling_headers(self, operation: Operation) -> dict[str, str]:
        url = f"{self.url}/subscriptions/{operation.subscription}/providers/{PROVIDER}/locations/{operation.location}/operations/{operation.id}?api-version={self.spec.api_version}"
        return {"Azure-AsyncOperation": url, "Retry-After": str(self.retry_after)}

    def _operation_status(self, request: Request, subscription: str, location: str, kind: str, operation_id: str) -> Response:
        scope = self._scope_problem(subscription, None)
        if scope:
            return scope
        operation = self.operations.get(operation_id)
        if operation is None or request.method != "GET":
            return arm_error(404, "OperationNotFound", f"The operation '{operation_id}' was not found.")
        if kind.lower() == "operationresults":  # the Location flavour: 202 until done
            if operation.status == "InProgress":
                return Response(202, None, {"Location": f"{self.url}{request.raw_path}", "Retry-After": str(self.retry_after)})
            if operation.error:
                return arm_error(400, operation.error["code"], operation.error["message"])
            return Response(204)
        status = {"id": request.path, "name": operation.id, "status": operation.status, "startTime": operation.start}
        if operation.end:
            status["endTime"] = operation.end
        if operation.error:
            status["error"] = dict(operation.error)
        headers = {"Retry-After": str(self.retry_after)} if operation.status == "InProgress" else {}
        return Response(200, status, headers)

    # --- outside the ACI spec: resource groups and ACR admin credentials -----------------------------
    def _resource_group(self, request: Request, subscription: str, name: str) -> Response:
        scope = self._scope_problem(subscription, name)
        if scope:
            return scope
        if request.method != "GET":
            return arm_error(405, "MethodNotAllowed", "The stand-in reads resource groups only.")
        real_name, location = self.resource_groups[name.lower()]
        return Response(
            200,
            {
                "id": f"/subscriptions/{subscription}/resourceGroups/{real_name}",
                "name": real_name,
                "type": "Microsoft.Resources/resourceGroups",
                "location": location,
                "properties": {"provisioningState": "Succeeded"},
            },
        )

    def _registry_credentials(self, request: Request, subscription: str, resource_group: str, name: str) -> Response:
        scope = self._scope_problem(subscription, resource_group)
        if scope:
            return scope
        registry = self.registries.get((subscription.lower(), resource_group.lower(), name.lower()))
        if request.method != "POST" or registry is None:
            return arm_error(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.ContainerRegistry/registries/{name}' under resource group '{resource_group}' was not found.",
            )
        if not registry.admin_enabled:
            return arm_error(
                400,
                "UnAuthorizedForCredentialOperations",
                f"Cannot perform credential operations for {request.path.rsplit('/', 1)[0]} as admin user is disabled. Kindly enable admin user as per docs: https://docs.microsoft.com/en-us/azure/container-registry/container-registry-authentication#admin-account",
            )
        return Response(
            200,
            {
                "username": registry.username,
                "passwords": [{"name": "password", "value": registry.passwords[0]}, {"name": "password2", "value": registry.passwords[1]}],
            },
        )

    # --- rendering --------------------------------------------------------------------------------
    def _render(self, group: Group, *, listing: bool = False) -> dict:
        """The group as GET returns it: secrets left out, read-only state filled in."""
        body = copy.deepcopy(group.body)
        properties = body.setdefault("properties", {})
        properties["provisioningState"] = group.provisioning_state
        properties.setdefault("osType", "Linux")
        properties.setdefault("restartPolicy", "Always")
        properties.setdefault("sku", "Standard")
        for credential in properties.get("imageRegistryCredentials", []):
            credential.pop("password", None)
        for volume in properties.get("volumes", []):
            if "secret" in volume:
                volume["secret"] = {}
        log_analytics = properties.get("diagnostics", {}).get("logAnalytics")
        if log_analytics:
            log_analytics.pop("workspaceKey", None)
        for container in properties.get("containers", []):
            for variable in container["properties"].get("environmentVariables", []):
                variable.pop("secureValue", None)
            if not listing and group.runner:
                view = group.runner.instance_view(container["name"])
                if view:
                    container["properties"]["instanceView"] = view
        ip = properties.get("ipAddress")
        if ip:
            ip["ip"] = group.ip
            if group.fqdn:
                ip["fqdn"] = group.fqdn
            ip.setdefault("autoGeneratedDomainNameLabelScope", "Unsecure")
        if not listing:
            properties["instanceView"] = {
                "events": group.runner.events.render() if group.runner else [],
                "state": group.runner.state() if group.runner else "Pending",
            }
        rendered = {"id": group.id, "name": group.name, "type": GROUP_TYPE, "location": group.location}
        rendered.update({key: value for key, value in body.items() if key not in ("id", "name", "type", "location")})
        return rendered


def _invalid_content(problems: list[Problem]) -> Response:
    first = problems[0]
    return arm_error(
        400,
        "InvalidRequestContent",
        f"The request content was invalid and could not be deserialized: '{first.message}' at '{first.target}'.",
        details=[{"code": "InvalidRequestContent", "target": p.target, "message": p.message} for p in problems],
    )
