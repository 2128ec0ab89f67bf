"""Server-side apply, simplified: merge by field ownership per manager.

What it does like the API server: a manager owns the fields of its last applied configuration
(maps by key, lists of named things by their merge key, other lists whole); applying again removes
the fields the manager owned before and no longer sets (unless another manager owns them too),
merges the rest over the live object, and answers 409 Conflict when another manager owns a field
the configuration changes, unless force=true moves the field to the applier. managedFields are
written as FieldsV1. Simplified: merge keys come from a small table (no OpenAPI-driven
x-kubernetes-list-map-keys), `Update` ownership from create/merge-patch is coarse (whole body),
and status is never owned.
"""

from __future__ import annotations

import copy
import json

from .errors import ApiError
from .store import now

# list field -> merge key(s); lists not named here are atomic (replaced whole, owned whole).
_MERGE_KEYS = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "envFrom": None,
    "volumes": ("name",),
    "volumeMounts": ("mountPath",),
    "imagePullSecrets": ("name",),
    "ownerReferences": ("uid",),
    "hostAliases": ("ip",),
    "tolerations": None,
    "args": None,
    "command": None,
    "metrics": None,
}
_NOT_OWNED = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"), ("status",)}


def _keys_for(name: str, items: list) -> tuple[str, ...] | None:
    if name == "ports" and items and isinstance(items[0], dict):
        return ("containerPort", "protocol") if "containerPort" in items[0] else ("port", "protocol")
    return _MERGE_KEYS.get(name)


def _item_key(item: dict, keys: tuple[str, ...]) -> tuple:
    return tuple((k, item.get(k, "TCP" if k == "protocol" else None)) for k in keys)


def fields_of(obj: dict, prefix: tuple = ()) -> set[tuple]:
    """The paths a configuration sets: leaves, and each keyed list item itself."""
    owned: set[tuple] = set()
    for name, value in obj.items():
        path = prefix + (name,)
        if path in _NOT_OWNED or path[:1] == ("status",) or path[:2] == ("metadata", "managedFields"):
            continue
        if isinstance(value, dict) and value:
            owned |= fields_of(value, path)
        elif isinstance(value, list) and value and isinstance(value[0], dict) and _keys_for(name, value):
            keys = _keys_for(name, value)
            for item in value:
                item_path = path + (("k", _item_key(item, keys)),)
                owned.add(item_path)
                owned |= fields_of(item, item_path)
        else:
            owned.add(path)
    return owned


def _lookup(obj, path: tuple):
    for step in path:
        if isinstance(step, tuple):
            keys = tuple(k for k, _ in step[1])
            obj = next((i for i in obj or [] if isinstance(i, dict) and _item_key(i, keys) == step[1]), None)
        else:
            obj = obj.get(step) if isinstance(obj, dict) else None
        if obj is None:
            return None
    return obj


def _remove(obj: dict, path: tuple) -> None:
    parent = _lookup(obj, path[:-1]) if len(path) > 1 else obj
    last = path[-1]
    if isinstance(last, tuple) and isinstance(parent, list):
        keys = tuple(k for k, _ in last[1])
        parent[:] = [i for i in parent if _item_key(i, keys) != last[1]]
    elif isinstance(parent, dict):
        parent.pop(last, None)


def _prune_empty(obj):
    if isinstance(obj, dict):
        for key in list(obj):
            _prune_empty(obj[key])
            if obj[key] in ({}, []) and key not in ("metadata",):
                del obj[key]
    elif isinstance(obj, list):
        for item in obj:
            _prune_empty(item)


def merge(live, config, name: str = ""):
    """The configuration over the live value: maps recursively, keyed lists item by item."""
    if isinstance(live, dict) and isinstance(config, dict):
        out = dict(live)
        for key, value in config.items():
            out[key] = merge(live.get(key), value, key)
        return out
    if isinstance(live, list) and isinstance(config, list) and config and isinstance(config[0], dict):
        keys = _keys_for(name, config)
        if keys:
            by_key = {_item_key(i, keys): i for i in live if isinstance(i, dict)}
            merged = [merge(by_key.get(_item_key(i, keys)), i, "") for i in config]
            taken = {_item_key(i, keys) for i in config}
            return merged + [i for i in live if isinstance(i, dict) and _item_key(i, keys) not in taken]
    return copy.deepcopy(config)


def fields_v1(paths: set[tuple]) -> dict:
    """FieldsV1 as the API server writes it: {"f:spec": {"f:replicas": {}}, "k:{...}": {".": {}}}."""
    tree: dict = {}
    for path in sorted(paths, key=repr):
        node = tree
        for step in path:
            key = "k:" + json.dumps(dict(step[1]), separators=(",", ":"), sort_keys=True) if isinstance(step, tuple) else f"f:{step}"
            node = node.setdefault(key, {})
        if isinstance(path[-1], tuple):
            node.setdefault(".", {})
    return tree


class Ownership:
    """Who owns which fields of one object; kept beside the object, rendered into managedFields."""

    def __init__(self) -> None:
        self.by_manager: dict[tuple[str, str], set[tuple]] = {}  # (manager, operation) -> paths
        self.times: dict[tuple[str, str], str] = {}

    def managed_fields(self, api_version: str) -> list[dict]:
        return [
            {
                "manager": m,
                "operation": op,
                "apiVersion": api_version,
                "time": self.times[(m, op)],
                "fieldsType": "FieldsV1",
                "fieldsV1": fields_v1(paths),
            }
            for (m, op), paths in sorted(self.by_manager.items())
            if paths
        ]

    def record_update(self, manager: str, body: dict) -> None:
        key = (manager, "Update")
        paths = fields_of(body)
        if not paths <= self.by_manager.get(key, set()):
            self.by_manager[key] = self.by_manager.get(key, set()) | paths
            self.times[key] = now()


def server_side_apply(live: dict | None, config: dict, ownership: Ownership, manager: str, force: bool) -> dict:
    """The object after `manager` applies `config` (live None: the object is created)."""
    new_owned = fields_of(config)
    base = copy.deepcopy(live) if live else {"apiVersion": config["apiVersion"], "kind": config["kind"], "metadata": {}}
    conflicts = []
    for (other, op), paths in ownership.by_manager.items():
        if other == manager and op == "Apply":
            continue
        for path in sorted(new_owned & paths, key=repr):
            if _lookup(base, path) != _lookup(config, path) and not isinstance(path[-1], tuple):
                conflicts.append((other, path))
    if conflicts and not force:
        causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}"', "field": _dotted(p)} for m, p in conflicts]
        listed = "\n".join(f"- {c['message']}: {c['field']}" for c in causes)
        raise ApiError(409, "Conflict", f"Apply failed with {len(causes)} conflict(s): {listed}", {"causes": causes})
    for key in list(ownership.by_manager):
        if key != (manager, "Apply"):
            ownership.by_manager[key] -= new_owned
    previous = ownership.by_manager.get((manager, "Apply"), set())
    still_owned = set().union(set(), *(paths for key, paths in ownership.by_manager.items() if key != (manager, "Apply")))
    for path in sorted(previous - new_owned - still_owned, key=len):  # a list item before its fields
        _remove(base, path)
    merged = merge(base, {k: v for k, v in config.items() if k != "status"})
    _prune_empty(merged.get("spec", {}))
    if previous != new_owned or (manager, "Apply") not in ownership.times:
        ownership.times[(manager, "Apply")] = now()
    ownership.by_manager[(manager, "Apply")] = new_owned
    return merged


def _dotted(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{','.join(f'{k}={v}' for k, v in step[1])}]" if isinstance(step, tuple) else f".{step}"
    return out
