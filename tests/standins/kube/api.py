"""The REST verbs of the API server over the store: create, get, list, server-side apply, merge patch,
replace, delete (with propagation), the status subresource and pods/log."""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs

import yaml

from . import resources
from .apply import Ownership, server_side_apply
from .checks import check
from .defaults import apply_defaults
from .errors import ApiError, already_exists, not_found, success
from .resources import Kind
from .store import Store, now

APPLY = "application/apply-patch+yaml"
MERGE = ("application/merge-patch+json", "application/strategic-merge-patch+json")


@dataclass
class Route:
    kind: Kind
    namespace: str | None
    name: str | None
    sub: str | None


def route(path: str) -> Route | dict | None:
    """A resource path, or a discovery document, or None when the path names nothing."""
    parts = [p for p in path.split("/") if p]
    if parts == ["version"]:
        return resources.VERSION
    if parts == ["api"]:
        return resources.api_versions()
    if parts == ["apis"]:
        return resources.api_groups()
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 2:
        if len(parts) == 2:
            return resources.api_group(parts[1])
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return resources.resource_list(group, version)
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and (group, version, rest[2]) in resources.BY_PATH:
        namespace, rest = rest[1], rest[2:]
    kind = resources.BY_PATH.get((group, version, rest[0]))
    if kind is None or len(rest) > 3:
        return None
    return Route(kind, namespace, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None)


class Api:
    def __init__(self, store: Store, node_port, logs) -> None:
        self.store = store
        self.node_port = node_port  # allocates a host port for a Service nodePort
        self.logs = logs  # (namespace, pod, container, previous, tail) -> text
        self.ownership: dict[tuple, Ownership] = {}
        self.request = threading.local()  # what one request asked for (requests run in parallel)

    def handle(self, method: str, r: Route, query: str, content_type: str, body: bytes, agent: str):
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        self.request.dry_run = params.get("dryRun") == "All"  # checked and merged, never stored
        if r.sub == "log":
            if method != "GET" or r.kind.kind != "Pod":
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
            return 200, self._log(r, params)
        if r.sub not in (None, "status"):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if method == "GET":
            return 200, self._get(r, params)
        if r.sub == "status" or (not r.kind.writable and method != "DELETE"):
            raise ApiError(405, "MethodNotAllowed", f"{r.kind.plural} are written by the stand-in's controllers only")
        if method == "DELETE":
            return self._delete(r, params, body)
        manager = params.get("fieldManager") or agent.split("/")[0] or "unknown"
        if method == "POST" and r.name is None:
            return 201, self._create(r, _parse(body, content_type), manager)
        if method == "PATCH" and r.name and content_type.split(";")[0] == APPLY:
            return self._apply(r, _parse(body, content_type), params)
        if method == "PATCH" and r.name and content_type.split(";")[0] in MERGE:
            return 200, self._merge_patch(r, _parse(body, content_type), manager)
        if method == "PATCH":
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - accepted media types include: {APPLY}, {', '.join(MERGE)}",
            )
        if method == "PUT" and r.name:
            return 200, self._replace(r, _parse(body, content_type), manager)
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    # reads ---------------------------------------------------------------------------------
    def _get(self, r: Route, params: dict):
        if params.get("watch") in ("true", "1"):
            raise ApiError(400, "BadRequest", "watch is not served by the stand-in; poll with list")
        if r.name:
            found = self.store.get(r.kind, r.namespace, r.name)
            if found is None:
                raise not_found(r.kind, r.name)
            return found
        items = self.store.list(r.kind, r.namespace, params.get("labelSelector"), params.get("fieldSelector"))
        return {
            "kind": f"{r.kind.kind}List",
            "apiVersion": r.kind.api_version,
            "metadata": {"resourceVersion": self.store.version()},
            "items": items,
        }

    def _log(self, r: Route, params: dict) -> str:
        tail = params.get("tailLines")
        return self.logs(r.namespace, r.name, params.get("container"), params.get("previous") in ("true", "1"), int(tail) if tail else None)

    # writes --------------------------------------------------------------------------------
    def _namespace_ready(self, r: Route, obj: dict) -> None:
        meta = obj.setdefault("metadata", {})
        if obj.get("apiVersion") != r.kind.api_version or obj.get("kind") != r.kind.kind:
            raise ApiError(
                400,
                "BadRequest",
                f"the API version in the data ({obj.get('apiVersion')}) and kind "
                f"({obj.get('kind')}) do not match the request path ({r.kind.api_version}, {r.kind.kind})",
            )
        if not r.kind.namespaced:
            meta.pop("namespace", None)
            return
        if meta.setdefault("namespace", r.namespace) != r.namespace:
            raise ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request")
        namespace = self.store.get(resources.BY_KIND["Namespace"], None, r.namespace)
        if namespace is None:
            raise ApiError(404, "NotFound", f'namespaces "{r.namespace}" not found', {"name": r.namespace, "kind": "namespaces"})
        if namespace["metadata"].get("deletionTimestamp"):
            raise ApiError(
                403,
                "Forbidden",
                f'{r.kind.plural} "{meta.get("name")}" is forbidden: unable to '
                f"create new content in namespace {r.namespace} because it is being terminated",
            )

    def _store(self, r: Route, obj: dict, live: dict | None, ownership: Ownership) -> dict:
        apply_defaults(r.kind.kind, obj, self.node_port)
        if live is not None:
            obj.pop("status", None)
            if "status" in live:  # clients never write status through the main resource
                obj["status"] = live["status"]
            _check_immutable(r.kind, live, obj)
        if r.kind.kind == "Secret" and "stringData" not in obj:
            obj.pop("stringData", None)
        obj["metadata"]["managedFields"] = ownership.managed_fields(r.kind.api_version)
        check(r.kind, {k: v for k, v in obj.items() if k != "status" or r.kind.kind == "Namespace"})
        key = (r.kind.kind, r.namespace, obj["metadata"]["name"])
        if self.request.dry_run:
            return obj
        stored = self.store.put(r.kind, obj)
        self.ownership[key] = ownership
        return stored

    def _create(self, r: Route, obj: dict, manager: str) -> dict:
        self._namespace_ready(r, obj)
        name = obj["metadata"].get("name") or ""
        with self.store.lock:
            if self.store.get(r.kind, r.namespace, name) is not None:
                raise already_exists(r.kind, name)
            ownership = Ownership()
            ownership.record_update(manager, obj)
            for key in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"):
                obj["metadata"].pop(key, None)
            return self._store(r, obj, None, ownership)

    def _apply(self, r: Route, config: dict, params: dict):
        manager = params.get("fieldManager")
        if not manager:
            raise ApiError(
                422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
            )
        self._namespace_ready(r, config)
        if config["metadata"].get("name") != r.name:
            raise ApiError(
                400,
                "BadRequest",
                f"the name of the object ({config['metadata'].get('name')}) does not match the name on the URL ({r.name})",
            )
        with self.store.lock:
            live = self.store.get(r.kind, r.namespace, r.name)
            key = (r.kind.kind, r.namespace, r.name)
            ownership = copy.deepcopy(self.ownership.get(key) or Ownership())
            merged = server_side_apply(live, config, ownership, manager, params.get("force") == "true")
            if live is not None and merged["metadata"].get("deletionTimestamp"):
                raise ApiError(409, "Conflict", f"{r.kind.kind} {r.name} is being deleted")
            return (200 if live else 201), self._store(r, merged, live, ownership)

    def _merge_patch(self, r: Route, patch: dict, manager: str) -> dict:
        with self.store.lock:
            live = self.store.get(r.kind, r.namespace, r.name)
            if live is None:
                raise not_found(r.kind, r.name)
            ownership = copy.deepcopy(self.ownership.get((r.kind.kind, r.namespace, r.name)) or Ownership())
            ownership.record_update(manager, patch)
            return self._store(r, _merge_patch(copy.deepcopy(live), patch), live, ownership)

    def _replace(self, r: Route, obj: dict, manager: str) -> dict:
        self._namespace_ready(r, obj)
        with self.store.lock:
            live = self.store.get(r.kind, r.namespace, r.name)
            if live is None:
                raise not_found(r.kind, r.name)
            version = obj["metadata"].get("resourceVersion")
            if version and version != live["metadata"]["resourceVersion"]:
                raise ApiError(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {r.kind.plural} "{r.name}": the '
                    "object has been modified; please apply your changes to the latest version and try again",
                )
            ownership = copy.deepcopy(self.ownership.get((r.kind.kind, r.namespace, r.name)) or Ownership())
            ownership.record_update(manager, obj)
            return self._store(r, obj, live, ownership)

    def _delete(self, r: Route, params: dict, body: bytes):
        if not r.name:
            raise ApiError(405, "MethodNotAllowed", "deletecollection is not served by the stand-in")
        options = json.loads(body) if body.strip() else {}
        policy = params.get("propagationPolicy") or options.get("propagationPolicy") or "Background"
        with self.store.lock:
            live = self.store.get(r.kind, r.namespace, r.name)
            if live is None:
                raise not_found(r.kind, r.name)
            if r.kind.kind in ("Pod", "Namespace"):  # graceful: the kubelet / namespace controller finish it

                def terminating(obj):
                    obj["metadata"].setdefault("deletionTimestamp", now())
                    if r.kind.kind == "Namespace":
                        obj["status"] = {"phase": "Terminating"}
                    else:
                        obj["metadata"]["deletionGracePeriodSeconds"] = 30

                return 200, self.store.update(r.kind, r.namespace, r.name, terminating)
            if policy == "Orphan":
                self._orphan_dependents(live["metadata"]["uid"])
            self.store.remove(r.kind, r.namespace, r.name)
            self.ownership.pop((r.kind.kind, r.namespace, r.name), None)
            return 200, success(r.kind, r.name, live["metadata"]["uid"])

    def _orphan_dependents(self, uid: str) -> None:
        for kind_name, obj in self.store.all_objects():
            refs = obj["metadata"].get("ownerReferences") or []
            if any(ref.get("uid") == uid for ref in refs):
                kind = resources.BY_KIND[kind_name]
                kept = [x for x in refs if x.get("uid") != uid]
                self.store.update(
                    kind,
                    obj["metadata"].get("namespace"),
                    obj["metadata"]["name"],
                    lambda o, kept=kept: o["metadata"].__setitem__("ownerReferences", kept),
                )


def _parse(body: bytes, content_type: str) -> dict:
    try:
        data = yaml.safe_load(body) if "yaml" in content_type else json.loads(body)
    except (ValueError, yaml.YAMLError) as error:
        raise ApiError(400, "BadRequest", f"the body of the request could not be decoded: {error}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "BadRequest", "the body of the request must be an object")
    return data


def _merge_patch(target, patch):
    """RFC 7386 JSON merge patch (strategic merge patches are treated the same: lists are replaced)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    target = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = _merge_patch(target.get(key), value)
    return target


def _check_immutable(kind: Kind, live: dict, new: dict) -> None:
    if kind.kind == "Deployment" and (live.get("spec") or {}).get("selector") != (new.get("spec") or {}).get("selector"):
        raise ApiError(
            422,
            "Invalid",
            f'Deployment.apps "{live["metadata"]["name"]}" is invalid: spec.selector: Invalid value: field is immutable',
            {"causes": [{"reason": "FieldValueInvalid", "message": "Invalid value: field is immutable", "field": "spec.selector"}]},
        )
