"""validate_manifests: Kubernetes' schema in strict mode, then the rules a schema misses."""

from __future__ import annotations

import copy
import json

import kubernetes_validate
import pytest
import yaml

from aml_deploy.kube import dump_manifests, load_manifests, validate_manifests
from tests.kube.manifests import EXAMPLES
from tests.support import require


def example(name: str) -> list[dict]:
    path = EXAMPLES / name
    require(path.is_file(), f"{path} is missing (../shared not present)")
    return load_manifests(path.read_text(), str(path))


def test_the_validated_example_passes():
    assert validate_manifests(example("k8s-manifests.fixture.yaml")) == []


def test_every_object_of_the_broken_example_is_refused():
    broken = example("k8s-semantically-invalid-but-schema-valid.yaml")
    for obj in broken:  # the schema alone accepts them all, which is the point
        kubernetes_validate.validate(obj, "1.30", strict=True)
    findings = validate_manifests(broken)
    assert {f.index for f in findings if f.severity == "error"} == set(range(len(broken)))
    by_rule = {(f.kind, f.field, f.rule) for f in findings}
    assert ("Namespace", "metadata.name", "name") in by_rule
    assert ("Deployment", "spec.template.spec.containers[0].livenessProbe.successThreshold", "probe") in by_rule
    assert ("Secret", "metadata.namespace", "namespace") in by_rule
    name = next(f for f in findings if f.rule == "name")
    assert "'Scoring_Prod'" in name.message and "'scoring-prod'" in name.message  # says what to write


C = "spec.template.spec.containers[0]"


def _container(objs):
    return objs[2]["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize(
    "change, field, rule, words",
    [
        (lambda o: _container(o).__setitem__("imagePullPolicy ", "Always"), C, "schema", "unknown field"),
        (lambda o: o[2]["spec"].__setitem__("replicas", "2"), "spec.replicas", "schema", "write integer"),
        (lambda o: o[4]["spec"].pop("maxReplicas"), "spec", "schema", "'maxReplicas' is a required property"),
        (
            lambda o: _container(o)["readinessProbe"].__setitem__("periodSeconds", "5"),
            f"{C}.readinessProbe.periodSeconds",
            "schema",
            "wrong type",
        ),
        (
            lambda o: _container(o).__setitem__("startupProbe", {"httpGet": {"path": "/", "port": 5001}, "successThreshold": 2}),
            f"{C}.startupProbe.successThreshold",
            "probe",
            "only 1",
        ),
        (
            lambda o: _container(o)["resources"]["requests"].__setitem__("cpu", "2"),
            f"{C}.resources.requests[cpu]",
            "resources",
            "above its limit",
        ),
        (
            lambda o: _container(o)["resources"]["limits"].__setitem__("memory", "1Gb"),
            f"{C}.resources.limits[memory]",
            "resources",
            "not a quantity",
        ),
        (
            lambda o: _container(o)["resources"]["requests"].__setitem__("memory", "512m"),
            f"{C}.resources.requests[memory]",
            "resources",
            "512Mi",
        ),
        (
            lambda o: o[2]["spec"]["template"]["metadata"].__setitem__("labels", {"app": "other"}),
            "spec.selector.matchLabels",
            "selector",
            "app=scorer",
        ),
        (lambda o: o[2]["metadata"]["labels"].__setitem__("app", "x" * 64), "metadata.labels[app]", "label", "63"),
        (lambda o: o[3]["metadata"].__setitem__("name", "scorer.v2"), "metadata.name", "name", "not a valid Service"),
        (lambda o: o[4]["spec"].__setitem__("minReplicas", 11), "spec.maxReplicas", "autoscaler", "below minReplicas"),
        (lambda o: _container(o)["resources"]["requests"].pop("cpu"), "spec.metrics[0]", "autoscaler", "request no cpu"),
        (lambda o: o[4]["spec"]["scaleTargetRef"].__setitem__("name", "nope"), "spec.scaleTargetRef", "autoscaler", "does not contain"),
        (lambda o: o[1]["metadata"].__setitem__("namespace", "elsewhere"), "metadata.namespace", "namespace", "not created by this set"),
        (lambda o: o[0]["metadata"].__setitem__("namespace", "x"), "metadata.namespace", "namespace", "cluster-wide"),
    ],
)
def test_one_problem_one_finding_with_its_field_and_what_to_change(change, field, rule, words):
    objects = copy.deepcopy(example("k8s-manifests.fixture.yaml"))
    change(objects)
    findings = [f for f in validate_manifests(objects) if f.severity == "error"]
    assert [(f.field, f.rule) for f in findings] == [(field, rule)], findings
    assert words in findings[0].message


def test_a_service_that_selects_nothing_is_a_warning():
    objects = copy.deepcopy(example("k8s-manifests.fixture.yaml"))
    objects[3]["spec"]["selector"] = {"app": "typo"}
    [finding] = validate_manifests(objects)
    assert (finding.severity, finding.rule, finding.kind) == ("warning", "selector", "Service")


def test_dump_is_deterministic_multi_document_and_strictly_valid():
    objects = example("k8s-manifests.fixture.yaml")
    shuffled = [dict(reversed(list(o.items()))) for o in reversed(objects)]
    text = dump_manifests(objects)
    assert text == dump_manifests(copy.deepcopy(objects)) == dump_manifests(shuffled)
    assert text.startswith("---\napiVersion: v1\nkind: Namespace\n")
    documents = list(yaml.safe_load_all(text))
    assert len(documents) == len(objects) == text.count("---\n")
    canonical = lambda o: json.dumps(o, sort_keys=True)
    assert sorted(map(canonical, documents)) == sorted(map(canonical, objects))
    for document in documents:
        kubernetes_validate.validate(document, "1.30", strict=True)
