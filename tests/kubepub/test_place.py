"""Which cluster and namespace: --kube-context, else where the endpoint was published, else the compute
target's name, else the current context; errors that say what to change. And what the Published
Services view is told about a Kubernetes endpoint."""

from __future__ import annotations

import pytest

from aml_deploy.deploy.errors import DeployError
from aml_deploy.deploy.kubernetes.place import choose
from aml_deploy.deploy.published import PublishedService
from aml_deploy.deploy.targets import remote_target_name
from aml_deploy.lsp.publish_commands import _on_kubernetes
from tests.kubepub.conftest import K8S, deployment, write_yaml


def test_the_context_comes_from_the_option_then_the_compute_then_the_current_one():
    assert choose("ep", {"kube_context": "dev"}, None, compute="azureml:prod").context == "dev"
    chosen = choose("ep", {}, None, compute="azureml:prod-aks")
    assert (chosen.context, chosen.context_from, chosen.namespace) == ("prod-aks", "compute", "ep")
    assert choose("ep", {}, None).context is None
    assert choose("Ep", {}, None, namespace="v1-ns").namespace == "v1-ns"
    assert choose("Ep", {"namespace": "given"}, None, namespace="v1-ns").namespace == "given"
    assert choose("My-Endpoint", {}, None).namespace == "my-endpoint"


def test_a_published_endpoint_stays_where_it_is():
    record = PublishedService("ep", "kubernetes", settings={"context": "prod", "namespace": "scoring"})
    assert choose("ep", {}, record, compute="azureml:other").context == "prod"
    with pytest.raises(DeployError, match="published to context prod, not dev: leave out --kube-context"):
        choose("ep", {"kube_context": "dev"}, record)
    with pytest.raises(DeployError, match="namespace scoring, not other"):
        choose("ep", {"namespace": "other"}, record)


def test_a_namespace_kubernetes_refuses_is_refused_before_anything_is_sent():
    with pytest.raises(DeployError, match="'Bad_Namespace' cannot be a Kubernetes namespace"):
        choose("ep", {"namespace": "Bad_Namespace"}, None)


def test_online_commands_go_to_kubernetes_for_kubernetes_files_and_published_endpoints(tmp_path, monkeypatch):
    from aml_deploy.deploy.published import PublishedServices

    monkeypatch.setenv("AML_DEPLOY_HOME", str(tmp_path / "home"))
    endpoint = write_yaml(tmp_path / "endpoint.yml", {"$schema": K8S.format("OnlineEndpoint"), "name": "kep"})
    assert remote_target_name(endpoint, None) == "kubernetes"
    assert remote_target_name(write_yaml(tmp_path / "d.yml", deployment("kep", "blue")), None) == "kubernetes"
    with pytest.raises(DeployError, match="No endpoint other is published to a cluster from here: add --local"):
        remote_target_name(None, "other")
    with pytest.raises(DeployError, match="Add --local"):
        remote_target_name(None, None)  # `online-endpoint list` with nothing published
    PublishedServices().save(PublishedService("other", "kubernetes", settings={"namespace": "x"}))
    assert remote_target_name(None, "other") == "kubernetes"
    assert remote_target_name(None, None) == "kubernetes"


def test_unknown_context_is_named_with_the_ones_there_are(kube_api, tmp_path, monkeypatch, capsys):
    from aml_deploy.cli import main

    monkeypatch.setenv("AML_DEPLOY_HOME", str(tmp_path / "home"))
    endpoint = write_yaml(
        tmp_path / "endpoint.yml", {"$schema": K8S.format("OnlineEndpoint"), "name": "kep", "compute": "azureml:prod-aks"}
    )
    assert main(["online-endpoint", "create", "-f", str(endpoint), "--registry", "127.0.0.1:1"]) == 1
    error = capsys.readouterr().err
    assert "no context named 'prod-aks'" in error and "standin" in error and "--kube-context" in error
    assert kube_api.requests == []  # nothing reached the API server


def test_the_view_gets_a_kubernetes_endpoints_deployments_with_their_traffic():
    record = PublishedService(
        "ep",
        "kubernetes",
        settings={
            "context": "prod",
            "namespace": "scoring",
            "front": {"deployments": [{"name": "blue", "weight": 80, "mirror": 0}, {"name": "green", "weight": 20, "mirror": 0}]},
            "deployments": {"blue": {"state": "Succeeded", "image": "r/x@sha256:1"}, "green": {"state": "Failed"}},
        },
    )
    assert _on_kubernetes(record) == {
        "context": "prod",
        "namespace": "scoring",
        "deployments": [
            {"name": "blue", "traffic": 80, "mirror": 0, "state": "Succeeded", "image": "r/x@sha256:1"},
            {"name": "green", "traffic": 20, "mirror": 0, "state": "Failed", "image": None},
        ],
    }
    assert _on_kubernetes(PublishedService("svc", "aci")) == {}
