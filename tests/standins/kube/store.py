"""The objects the stand-in holds, with resourceVersion, generation, uid and label/field selectors."""

from __future__ import annotations

import copy
import datetime
import re
import threading
import uuid

from .errors import ApiError
from .resources import Kind


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Store:
    """Every object by (kind, namespace, name). All reads return copies; writes go through `put`."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[tuple[str, str, str], dict] = {}
        self._version = 1000

    def get(self, kind: Kind, namespace: str | None, name: str) -> dict | None:
        with self.lock:
            found = self._objects.get((kind.kind, namespace or "", name))
            return copy.deepcopy(found) if found else None

    def list(self, kind: Kind, namespace: str | None = None, labels: str | None = None, fields: str | None = None) -> list[dict]:
        match_labels = parse_selector(labels) if labels else None
        match_fields = parse_field_selector(fields) if fields else None
        with self.lock:
            found = [o for (k, ns, _), o in sorted(self._objects.items()) if k == kind.kind and (namespace is None or ns == namespace)]
            found = [
                o
                for o in found
                if (match_labels is None or match_labels(o["metadata"].get("labels") or {})) and (match_fields is None or match_fields(o))
            ]
            return copy.deepcopy(found)

    def version(self) -> str:
        with self.lock:
            return str(self._version)

    def put(self, kind: Kind, obj: dict) -> dict:
        """Stores `obj` (new or changed): a new resourceVersion; generation follows spec changes;
        an unchanged object is left as it was (a no-op write does not bump anything)."""
        meta = obj["metadata"]
        key = (kind.kind, meta.get("namespace") or "", meta["name"])
        with self.lock:
            old = self._objects.get(key)
            if old is not None:
                if _same(old, obj):
                    return copy.deepcopy(old)
                meta["uid"] = old["metadata"]["uid"]
                meta["creationTimestamp"] = old["metadata"]["creationTimestamp"]
                if "generation" in old["metadata"]:
                    changed = _spec(old) != _spec(obj)
                    meta["generation"] = old["metadata"]["generation"] + (1 if changed else 0)
            else:
                meta.setdefault("uid", str(uuid.uuid4()))
                meta.setdefault("creationTimestamp", now())
                if "spec" in obj and kind.kind not in ("Pod", "Namespace"):
                    meta["generation"] = 1
            self._version += 1
            meta["resourceVersion"] = str(self._version)
            self._objects[key] = copy.deepcopy(obj)
            self.changed.notify_all()
            return copy.deepcopy(obj)

    def update(self, kind: Kind, namespace: str | None, name: str, change) -> dict | None:
        """Read-modify-write under the lock: `change(obj)` edits a copy in place."""
        with self.lock:
            obj = self.get(kind, namespace, name)
            if obj is None:
                return None
            change(obj)
            return self.put(kind, obj)

    def remove(self, kind: Kind, namespace: str | None, name: str) -> dict | None:
        with self.lock:
            removed = self._objects.pop((kind.kind, namespace or "", name), None)
            if removed is not None:
                self._version += 1
                self.changed.notify_all()
            return removed

    def all_objects(self) -> list[tuple[str, dict]]:
        with self.lock:
            return [(k, copy.deepcopy(o)) for (k, _, _), o in sorted(self._objects.items())]


def _spec(obj: dict):
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _same(old: dict, new: dict) -> bool:
    ignore = ("resourceVersion", "generation", "uid", "creationTimestamp")
    strip = lambda o: {**o, "metadata": {k: v for k, v in o["metadata"].items() if k not in ignore}}
    return strip(old) == strip(new)


_REQUIREMENT = re.compile(r"\s*(!?)([\w./-]+)\s*(?:(==|=|!=)\s*([\w.-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$")


def parse_selector(text: str):
    """A label selector as the API accepts it: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a."""
    requirements = []
    for part in re.split(r",(?![^(]*\))", text):
        if not part.strip():
            continue
        m = _REQUIREMENT.match(part)
        if not m:
            raise ApiError(400, "BadRequest", f"unable to parse requirement: {part!r}")
        negate, key, op, value, set_op, values = m.groups()
        requirements.append((negate, key, op, value, set_op, {v.strip() for v in values.split(",")} if values is not None else None))

    def matches(labels: dict) -> bool:
        for negate, key, op, value, set_op, values in requirements:
            present = key in labels
            if op in ("=", "=="):
                ok = labels.get(key) == value
            elif op == "!=":
                ok = labels.get(key) != value
            elif set_op == "in":
                ok = present and labels[key] in values
            elif set_op == "notin":
                ok = not present or labels[key] not in values
            else:
                ok = present != bool(negate)
            if not ok:
                return False
        return True

    return matches


def parse_field_selector(text: str):
    """Equality field selectors (metadata.name=x, involvedObject.name=y, type!=Normal)."""
    requirements = []
    for part in text.split(","):
        m = re.match(r"\s*([\w.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if not m:
            raise ApiError(400, "BadRequest", f"invalid field selector: {part!r}")
        requirements.append(m.groups())

    def value(obj, path):
        for step in path.split("."):
            obj = obj.get(step) if isinstance(obj, dict) else None
        return "" if obj is None else str(obj)

    return lambda obj: all((value(obj, p) == v) == (op != "!=") for p, op, v in requirements)
