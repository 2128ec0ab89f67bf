"""Loading a cluster the standard way: KUBECONFIG, ~/.kube/config, in-cluster; a context by name."""

from __future__ import annotations

import shutil

import pytest

from aml_deploy.kube import ClusterError, connect


def test_kubeconfig_from_the_environment_and_its_current_context(kube_api):
    with connect() as cluster:
        assert cluster.server == kube_api.url
        assert (cluster.context, cluster.namespace) == ("standin", "default")
        assert cluster.source == f"KUBECONFIG={kube_api.kubeconfig}"
        assert cluster.dynamic().version["kubernetes"]["gitVersion"] == "v1.30.0-standin"


def test_a_context_named_that_does_not_exist_lists_the_ones_there(kube_api):
    with pytest.raises(ClusterError) as caught:
        connect(context="prod")
    assert "no context named 'prod'" in str(caught.value) and "standin" in str(caught.value)
    with connect(context="standin") as cluster:
        assert cluster.context == "standin"


def test_home_kube_config_is_used_when_kubeconfig_is_unset(kube_api, tmp_path, monkeypatch):
    (tmp_path / "home" / ".kube").mkdir(parents=True)
    shutil.copy(kube_api.kubeconfig, tmp_path / "home" / ".kube" / "config")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG")
    with connect() as cluster:
        assert cluster.server == kube_api.url and cluster.source == "~/.kube/config"


def test_nothing_configured_says_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ClusterError) as caught:
        connect()
    message = str(caught.value)
    assert "~/.kube/config (no such file)" in message and "service account" in message
    assert "az aks get-credentials" in message


def test_an_explicit_file_that_is_not_a_kubeconfig(tmp_path):
    (tmp_path / "config").write_text("clusters: [oops\n")
    with pytest.raises(ClusterError) as caught:
        connect(kubeconfig=tmp_path / "config")
    assert f"cannot read the kubeconfig {tmp_path / 'config'}" in str(caught.value)
