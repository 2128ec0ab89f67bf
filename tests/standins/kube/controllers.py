"""The control plane's loops, run every tick: namespace deletion, garbage collection by owner,
Deployments (ReplicaSets per pod template, rolling update, status), ReplicaSets (pods),
HorizontalPodAutoscaler bounds, and the scheduler (one node with a configurable capacity)."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
import uuid
from collections import Counter
from decimal import Decimal

from kubernetes.utils.quantity import parse_quantity

from .events import Recorder
from .resources import BY_KIND, KINDS
from .store import Store, now

NAMESPACE, POD, RS, DEPLOYMENT, HPA = (BY_KIND[k] for k in ("Namespace", "Pod", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler"))
REVISION = "deployment.kubernetes.io/revision"


def template_hash(template: dict) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    alphabet = "bcdfghjklmnpqrstvwxz2456789"  # the API server's safe alphabet
    number = int(digest[:16], 16)
    return "".join(alphabet[(number >> (5 * i)) % len(alphabet)] for i in range(10))


def _owned_by(obj: dict, owner: dict) -> bool:
    return any(r.get("uid") == owner["metadata"]["uid"] for r in obj["metadata"].get("ownerReferences") or [])


def _owner_ref(owner: dict) -> dict:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in (pod.get("status") or {}).get("conditions") or [])


def _alive(pod: dict) -> bool:
    return not pod["metadata"].get("deletionTimestamp")


def _scaled(value, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        exact = Decimal(value[:-1]) * total / 100
        return int(math.ceil(exact) if round_up else math.floor(exact))
    return int(value)


def pod_requests(pod: dict) -> Counter:
    total: Counter = Counter()
    for container in pod["spec"]["containers"]:
        resources = container.get("resources") or {}
        wanted = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}  # request defaults to limit
        for name, quantity in wanted.items():
            total[name] += parse_quantity(quantity)
    return total


class ControlPlane:
    def __init__(self, store: Store, events: Recorder, capacity: dict, on_namespace_gone, node_runs_pods: bool) -> None:
        self.store, self.events = store, events
        self.node_runs_pods = node_runs_pods  # False: nothing would finish a pod's deletion, so it is immediate
        self.capacity = capacity  # resource -> quantity string, e.g. {"cpu": "4", "memory": "8Gi"}
        self.on_namespace_gone = on_namespace_gone
        self._last_unschedulable: dict[str, float] = {}
        self._progress: dict[str, tuple] = {}  # deployment uid -> (last state, when it last changed)

    def tick(self) -> None:
        if not self.node_runs_pods:
            for pod in self.store.list(POD):
                if pod["metadata"].get("deletionTimestamp"):
                    self._delete(POD, pod)
        self._namespaces()
        self._garbage()
        for deployment in self.store.list(DEPLOYMENT):
            self._deployment(deployment)
        for replicaset in self.store.list(RS):
            self._replicaset(replicaset)
        for hpa in self.store.list(HPA):
            self._autoscaler(hpa)
        self._schedule()

    # namespaces and garbage ---------------------------------------------------------------------------
    def _namespaces(self) -> None:
        for namespace in self.store.list(NAMESPACE):
            if not namespace["metadata"].get("deletionTimestamp"):
                continue
            name = namespace["metadata"]["name"]
            left = 0
            for kind in KINDS:
                if not kind.namespaced:
                    continue
                for obj in self.store.list(kind, name):
                    left += 1
                    self._delete(kind, obj)
            if left == 0:
                self.store.remove(NAMESPACE, None, name)
                self.on_namespace_gone(name)

    def _delete(self, kind, obj: dict) -> None:
        meta = obj["metadata"]
        if kind is POD:
            if not meta.get("deletionTimestamp"):
                self.store.update(POD, meta["namespace"], meta["name"], lambda p: p["metadata"].setdefault("deletionTimestamp", now()))
            if not obj["spec"].get("nodeName") or not self.node_runs_pods:  # nothing for a kubelet to stop
                self.store.remove(POD, meta["namespace"], meta["name"])
        else:
            self.store.remove(kind, meta.get("namespace"), meta["name"])

    def _garbage(self) -> None:
        everything = self.store.all_objects()
        uids = {o["metadata"]["uid"] for _, o in everything}
        for kind_name, obj in everything:
            refs = obj["metadata"].get("ownerReferences") or []
            if refs and not any(r.get("uid") in uids for r in refs):
                self._delete(BY_KIND[kind_name], obj)

    # Deployments ---------------------------------------------------------------------------------------
    def _deployment(self, d: dict) -> None:
        meta, spec = d["metadata"], d["spec"]
        namespace = meta["namespace"]
        owned = [rs for rs in self.store.list(RS, namespace) if _owned_by(rs, d)]
        hash_ = template_hash(spec["template"])
        revisions = [int(rs["metadata"].get("annotations", {}).get(REVISION, "0")) for rs in owned]
        new = next((rs for rs in owned if rs["metadata"]["labels"].get("pod-template-hash") == hash_), None)
        if new is None:
            new = self._new_replicaset(d, hash_, max(revisions, default=0) + 1)
        elif int(new["metadata"]["annotations"].get(REVISION, "0")) < max(revisions, default=0):  # rolled back
            new = self.store.update(
                RS,
                namespace,
                new["metadata"]["name"],
                lambda rs: rs["metadata"]["annotations"].__setitem__(REVISION, str(max(revisions) + 1)),
            )
        old = [rs for rs in owned if rs["metadata"]["uid"] != new["metadata"]["uid"]]
        pods = [p for p in self.store.list(POD, namespace) if _alive(p)]
        pods_of = {rs["metadata"]["uid"]: [p for p in pods if _owned_by(p, rs)] for rs in owned + [new]}
        self._roll(d, new, old, pods_of)
        self._deployment_status(d, new, pods_of)
        self._history(d, old, spec.get("revisionHistoryLimit", 10))

    def _new_replicaset(self, d: dict, hash_: str, revision: int) -> dict:
        template = copy.deepcopy(d["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = hash_
        selector = copy.deepcopy(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})["pod-template-hash"] = hash_
        return self.store.put(
            RS,
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"{d['metadata']['name']}-{hash_}",
                    "namespace": d["metadata"]["namespace"],
                    "labels": template["metadata"]["labels"],
                    "ownerReferences": [_owner_ref(d)],
                    "annotations": {REVISION: str(revision), "deployment.kubernetes.io/desired-replicas": str(d["spec"]["replicas"])},
                },
                "spec": {"replicas": 0, "selector": selector, "template": template},
                "status": {"replicas": 0},
            },
        )

    def _scale(self, d: dict, rs: dict, replicas: int) -> None:
        before = rs["spec"]["replicas"]
        if before == replicas:
            return
        self.store.update(RS, rs["metadata"]["namespace"], rs["metadata"]["name"], lambda r: r["spec"].__setitem__("replicas", replicas))
        rs["spec"]["replicas"] = replicas
        direction = "up" if replicas > before else "down"
        self.events.record(
            d,
            "Normal",
            "ScalingReplicaSet",
            f"Scaled {direction} replica set {rs['metadata']['name']} to {replicas} from {before}",
            "deployment-controller",
        )

    def _roll(self, d: dict, new: dict, old: list[dict], pods_of: dict) -> None:
        desired = d["spec"]["replicas"]
        strategy = d["spec"].get("strategy") or {}
        if strategy.get("type") == "Recreate":
            if any(rs["spec"]["replicas"] for rs in old):
                for rs in old:
                    self._scale(d, rs, 0)
            if not any(pods_of[rs["metadata"]["uid"]] for rs in old):
                self._scale(d, new, desired)
            return
        rolling = strategy.get("rollingUpdate") or {}
        surge = _scaled(rolling.get("maxSurge", "25%"), desired, True)
        unavailable = _scaled(rolling.get("maxUnavailable", "25%"), desired, False)
        if surge == 0 and unavailable == 0:
            unavailable = 1
        old_total = sum(rs["spec"]["replicas"] for rs in old)
        if new["spec"]["replicas"] > desired or not old_total:
            self._scale(d, new, desired)
        else:
            room = desired + surge - old_total - new["spec"]["replicas"]
            self._scale(d, new, min(desired, new["spec"]["replicas"] + max(0, room)))
        ready = sum(_ready(p) for rs in [new, *old] for p in pods_of[rs["metadata"]["uid"]])
        removable = max(0, ready - (desired - unavailable))
        for rs in sorted(old, key=lambda r: int(r["metadata"]["annotations"].get(REVISION, "0"))):
            pods = pods_of[rs["metadata"]["uid"]]
            unready = sum(not _ready(p) for p in pods)
            cut = min(rs["spec"]["replicas"], unready + removable)
            removable -= max(0, cut - unready)
            self._scale(d, rs, rs["spec"]["replicas"] - cut)

    def _deployment_status(self, d: dict, new: dict, pods_of: dict) -> None:
        everyone = [p for pods in pods_of.values() for p in pods]
        updated = pods_of[new["metadata"]["uid"]]
        desired = d["spec"]["replicas"]
        ready = sum(map(_ready, everyone))
        state = (len(updated), sum(map(_ready, updated)), len(everyone), d["metadata"]["generation"])
        last, since = self._progress.get(d["metadata"]["uid"], (None, time.monotonic()))
        if state != last:
            since = time.monotonic()
        self._progress[d["metadata"]["uid"]] = (state, since)
        complete = len(updated) == desired == len(everyone) and sum(map(_ready, updated)) == desired
        deadline = d["spec"].get("progressDeadlineSeconds", 600)
        rs_name = new["metadata"]["name"]
        if complete:
            progressing = ("True", "NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.')
        elif time.monotonic() - since > deadline:
            progressing = ("False", "ProgressDeadlineExceeded", f'ReplicaSet "{rs_name}" has timed out progressing.')
        else:
            progressing = ("True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
        unavailable_allowed = _scaled(
            ((d["spec"].get("strategy") or {}).get("rollingUpdate") or {}).get("maxUnavailable", "25%"), desired, False
        )
        available = ready >= desired - unavailable_allowed
        status = {
            "observedGeneration": d["metadata"]["generation"],
            "replicas": len(everyone),
            "updatedReplicas": len(updated),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": max(0, desired - ready),
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if available else "False",
                    "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                    "message": "Deployment has minimum availability." if available else "Deployment does not have minimum availability.",
                },
                {"type": "Progressing", "status": progressing[0], "reason": progressing[1], "message": progressing[2]},
            ],
        }
        for key in ("readyReplicas", "availableReplicas", "updatedReplicas", "replicas"):
            if not status[key]:
                del status[key]  # the API server omits zero counts
        revision = new["metadata"]["annotations"].get(REVISION)

        def change(obj: dict) -> None:
            previous = {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}
            for c in status["conditions"]:
                before = previous.get(c["type"])
                same = before and before["status"] == c["status"] and before["reason"] == c["reason"]
                c["lastTransitionTime"] = before["lastTransitionTime"] if same else now()
                c["lastUpdateTime"] = before.get("lastUpdateTime", now()) if same else now()
            obj["status"] = status
            obj["metadata"].setdefault("annotations", {})[REVISION] = revision

        self.store.update(DEPLOYMENT, d["metadata"]["namespace"], d["metadata"]["name"], change)

    def _history(self, d: dict, old: list[dict], limit: int) -> None:
        idle = sorted((rs for rs in old if rs["spec"]["replicas"] == 0), key=lambda r: int(r["metadata"]["annotations"].get(REVISION, "0")))
        for rs in idle[: max(0, len(idle) - limit)]:
            self.store.remove(RS, rs["metadata"]["namespace"], rs["metadata"]["name"])

    # ReplicaSets ---------------------------------------------------------------------------------------
    def _replicaset(self, rs: dict) -> None:
        namespace = rs["metadata"]["namespace"]
        pods = [p for p in self.store.list(POD, namespace) if _owned_by(p, rs) and _alive(p)]
        wanted = rs["spec"]["replicas"]
        for _ in range(wanted - len(pods)):
            pods.append(self._new_pod(rs))
        if len(pods) > wanted:
            doomed = sorted(pods, key=lambda p: (bool(p["spec"].get("nodeName")), _ready(p), p["metadata"]["creationTimestamp"]))[
                : len(pods) - wanted
            ]
            for pod in doomed:
                self._delete(POD, pod)
                self.events.record(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", "replicaset-controller")
            pods = [p for p in pods if p not in doomed]
        ready = sum(map(_ready, pods))
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        self.store.update(RS, namespace, rs["metadata"]["name"], lambda r: r.__setitem__("status", status))

    def _new_pod(self, rs: dict) -> dict:
        template = copy.deepcopy(rs["spec"]["template"])
        name = f"{rs['metadata']['name']}-{uuid.uuid4().hex[:5]}"
        pod = self.store.put(
            POD,
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": name,
                    "namespace": rs["metadata"]["namespace"],
                    "labels": template["metadata"].get("labels", {}),
                    "annotations": template["metadata"].get("annotations", {}),
                    "ownerReferences": [_owner_ref(rs)],
                },
                "spec": template["spec"],
                "status": {"phase": "Pending", "qosClass": "Burstable"},
            },
        )
        self.events.record(rs, "Normal", "SuccessfulCreate", f"Created pod: {name}", "replicaset-controller")
        return pod

    # HPA -----------------------------------------------------------------------------------------------
    def _autoscaler(self, hpa: dict) -> None:
        """No metrics here: keeps the target's replicas within [minReplicas, maxReplicas]."""
        target = hpa["spec"]["scaleTargetRef"]
        namespace = hpa["metadata"]["namespace"]
        deployment = self.store.get(DEPLOYMENT, namespace, target["name"]) if target.get("kind") == "Deployment" else None
        if deployment is None:
            return
        low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
        current = deployment["spec"]["replicas"]
        wanted = min(high, max(low, current))
        if wanted != current:
            self.store.update(DEPLOYMENT, namespace, target["name"], lambda d: d["spec"].__setitem__("replicas", wanted))
            self.events.record(
                hpa,
                "Normal",
                "SuccessfulRescale",
                f"New size: {wanted}; reason: Current number of "
                f"replicas {'below Spec.MinReplicas' if wanted > current else 'above Spec.MaxReplicas'}",
                "horizontal-pod-autoscaler",
            )
        self.store.update(
            HPA,
            namespace,
            hpa["metadata"]["name"],
            lambda h: h.__setitem__("status", {"currentReplicas": current, "desiredReplicas": wanted}),
        )

    # scheduler -----------------------------------------------------------------------------------------
    def _schedule(self) -> None:
        pods = self.store.list(POD)
        used: Counter = Counter()
        for pod in pods:
            if pod["spec"].get("nodeName") and (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                used.update(pod_requests(pod))
        for pod in pods:
            if pod["spec"].get("nodeName") or not _alive(pod):
                continue
            wanted = pod_requests(pod)
            short = sorted(r for r, q in wanted.items() if q > 0 and used[r] + q > parse_quantity(self.capacity.get(r, "0")))
            meta = pod["metadata"]
            if short:
                self._unschedulable(pod, short)
                continue
            used.update(wanted)
            self._last_unschedulable.pop(meta["uid"], None)

            def bind(p: dict) -> None:
                p["spec"]["nodeName"] = self.events.node
                p.setdefault("status", {})["conditions"] = [
                    {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now()}
                ]

            bound = self.store.update(POD, meta["namespace"], meta["name"], bind)
            self.events.record(
                bound,
                "Normal",
                "Scheduled",
                f"Successfully assigned {meta['namespace']}/{meta['name']} to {self.events.node}",
                "default-scheduler",
            )

    def _unschedulable(self, pod: dict, short: list[str]) -> None:
        reasons = ", ".join(f"1 Insufficient {r}" for r in short)
        message = (
            f"0/1 nodes are available: {reasons}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
        )
        meta = pod["metadata"]
        if time.monotonic() - self._last_unschedulable.get(meta["uid"], -1e9) < 10:
            return  # the scheduler retries with a back-off; one event per 10 s
        self._last_unschedulable[meta["uid"]] = time.monotonic()

        def pending(p: dict) -> None:
            p["status"] = {
                "phase": "Pending",
                "qosClass": "Burstable",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "lastProbeTime": None,
                        "lastTransitionTime": now(),
                        "reason": "Unschedulable",
                        "message": message,
                    }
                ],
            }

        self.store.update(POD, meta["namespace"], meta["name"], pending)
        self.events.record(pod, "Warning", "FailedScheduling", message, "default-scheduler")
