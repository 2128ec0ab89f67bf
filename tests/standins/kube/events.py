"""core/v1 Events as the controllers and the kubelet write them (repeats counted, not duplicated)."""

from __future__ import annotations

import uuid

from .resources import BY_KIND
from .store import Store, now

EVENT = BY_KIND["Event"]


class Recorder:
    def __init__(self, store: Store, node: str) -> None:
        self.store = store
        self.node = node

    def record(self, obj: dict, type_: str, reason: str, message: str, component: str, field_path: str | None = None) -> None:
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        involved = {
            "kind": obj.get("kind"),
            "namespace": namespace,
            "name": meta["name"],
            "uid": meta.get("uid"),
            "apiVersion": obj.get("apiVersion"),
            "resourceVersion": meta.get("resourceVersion"),
        }
        if field_path:
            involved["fieldPath"] = field_path
        with self.store.lock:
            for event in self.store.list(EVENT, namespace, fields=f"involvedObject.uid={meta.get('uid')}"):
                if event["reason"] == reason and event["message"] == message:
                    self.store.update(EVENT, namespace, event["metadata"]["name"], _repeat)
                    return
            stamp = now()
            self.store.put(
                EVENT,
                {
                    "apiVersion": "v1",
                    "kind": "Event",
                    "metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:16]}", "namespace": namespace},
                    "involvedObject": involved,
                    "reason": reason,
                    "message": message,
                    "type": type_,
                    "source": {"component": component, **({"host": self.node} if component == "kubelet" else {})},
                    "firstTimestamp": stamp,
                    "lastTimestamp": stamp,
                    "count": 1,
                    "reportingComponent": component,
                    "reportingInstance": self.node if component == "kubelet" else "",
                },
            )


def _repeat(event: dict) -> None:
    event["count"] = event.get("count", 1) + 1
    event["lastTimestamp"] = now()
