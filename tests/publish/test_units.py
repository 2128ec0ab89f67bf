"""The parts of publishing that need no engine: deterministic contexts, the published-services store
and registry credentials from the Docker configuration (a real credential helper program)."""

from __future__ import annotations

import base64
import json
import os
import stat
import tarfile
import textwrap

import pytest

from aml_deploy.deploy.errors import DeployError
from aml_deploy.deploy.publish import RegistrySettings, docker_config_credentials, pull_credentials, push_credentials
from aml_deploy.deploy.publish.contexts import Context
from aml_deploy.deploy.publish.credentials import RegistryCredentialsError
from aml_deploy.deploy.published import PublishedService, PublishedServices


def _tree(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_context_is_the_same_bytes_whatever_the_times_and_the_order_files_were_made(tmp_path):
    first, second = tmp_path / "a" / "src", tmp_path / "b" / "src"
    _tree(first, {"score.py": "x = 1\n", "lib/util.py": "y = 2\n"})
    _tree(second, {"lib/util.py": "y = 2\n", "score.py": "x = 1\n"})
    os.utime(second / "score.py", (1, 1))
    (second / "__pycache__").mkdir()
    (second / "__pycache__" / "score.cpython-311.pyc").write_bytes(b"junk")
    contexts = []
    for folder in (first, second):
        context = Context()
        context.add_tree(folder, "code")
        contexts.append(context)
    assert contexts[0].digest() == contexts[1].digest()
    assert contexts[0].tar().read() == contexts[1].tar().read()
    with tarfile.open(fileobj=contexts[0].tar()) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["code", "code/lib", "code/lib/util.py", "code/score.py"]
    assert {m.mtime for m in members} == {0} and {m.uid for m in members} == {0}


def test_a_context_changes_with_content_and_with_the_executable_bit(tmp_path):
    folder = tmp_path / "src"
    _tree(folder, {"score.py": "x = 1\n"})

    def digest():
        context = Context()
        context.add_tree(folder, "code")
        return context.digest()

    before = digest()
    (folder / "score.py").chmod((folder / "score.py").stat().st_mode | stat.S_IXUSR)
    executable = digest()
    (folder / "score.py").write_text("x = 2\n")
    assert len({before, executable, digest()}) == 3


def test_a_context_refuses_special_files(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    with pytest.raises(DeployError, match="FIFO"):
        Context().add_tree(folder, "code")


def test_the_published_store_keeps_records_and_keys_apart_and_refuses_secrets(tmp_path):
    services = PublishedServices(tmp_path / "published")
    with services.lock("svc"):
        services.save(
            PublishedService(
                "svc",
                "aci",
                settings={"resource_group": "rg", "registry": {"username": "u"}},
                image="r/x@sha256:1",
                scoring_uri="http://a/score",
                state="Succeeded",
            )
        )
    keys = services.keys("svc").ensure("key")
    assert services.get("svc").scoring_uri == "http://a/score"
    assert [s.name for s in services.list("aci")] == ["svc"] and services.list("kubernetes") == []
    record = (tmp_path / "published" / "endpoints" / "svc.json").read_text()
    assert keys.primary_key not in record and "password" not in record
    assert stat.S_IMODE((tmp_path / "published" / "keys" / "svc" / "credentials.json").stat().st_mode) == 0o600
    with pytest.raises(DeployError, match="registry.password"):
        services.save(PublishedService("other", "aci", settings={"registry": {"password": "hunter2"}}))
    services.add_known_layers("reg/aml-deploy/svc", ["sha256:a"])
    services.add_known_layers("reg/aml-deploy/svc", ["sha256:b"])
    assert services.known_layers("reg/aml-deploy/svc") == {"sha256:a", "sha256:b"}
    assert [s.name for s in services.list()] == ["svc"]  # the layer records are not services
    services.remove("svc")
    assert services.get("svc") is None and not (tmp_path / "published" / "keys" / "svc").exists()


def test_credentials_come_from_the_docker_config_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    auth = base64.b64encode(b"robot:s3cret-pass").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {"registry.example.com:5000": {"auth": auth}}}))
    found = docker_config_credentials("registry.example.com:5000")
    assert (found.username, found.password, found.source) == ("robot", "s3cret-pass", "docker-config")
    assert "s3cret" not in repr(found) and "s3cret" not in found.describe()
    assert docker_config_credentials("other.example.com") is None
    settings = RegistrySettings("registry.example.com:5000")
    assert pull_credentials(settings).password == "s3cret-pass"
    assert push_credentials(RegistrySettings("other.example.com")).auth_config() is None  # anonymous


def test_credentials_come_from_a_credential_helper_program(tmp_path, monkeypatch):
    """A real helper on PATH speaking docker-credential-helpers' protocol (`get`, server on stdin)."""
    helper = tmp_path / "bin" / "docker-credential-amltest"
    helper.parent.mkdir()
    helper.write_text(
        textwrap.dedent(f"""\
        #!/bin/sh
        read server
        echo "$1 $server" >> {tmp_path}/calls
        if [ "$server" = "helped.example.com" ]; then
          echo '{{"ServerURL": "helped.example.com", "Username": "helper-user", "Secret": "helper-secret"}}'
        else
          echo "credentials not found in native keychain"; exit 1
        fi
        """)
    )
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{helper.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"auths": {}, "credHelpers": {"helped.example.com": "amltest"}}))
    found = docker_config_credentials("helped.example.com")
    assert (found.username, found.password) == ("helper-user", "helper-secret")
    assert found.source == "credential-helper (amltest)"
    assert (tmp_path / "calls").read_text().split() == ["get", "helped.example.com"]
    (tmp_path / "config.json").write_text(json.dumps({"credsStore": "amltest"}))
    assert docker_config_credentials("helped.example.com").username == "helper-user"
    assert docker_config_credentials("unknown.example.com") is None


def test_an_identity_token_is_refused_for_what_a_service_pulls_with(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"auths": {"tok.example.com": {"identitytoken": "eyJ-short-lived"}}}))
    assert push_credentials(RegistrySettings("tok.example.com")).auth_config()["identitytoken"] == "eyJ-short-lived"
    with pytest.raises(RegistryCredentialsError, match="short-lived"):
        pull_credentials(RegistrySettings("tok.example.com"))


def test_an_acr_without_azure_is_a_clear_error():
    with pytest.raises(RegistryCredentialsError, match="Azure Container Registry"):
        push_credentials(RegistrySettings("myacr.azurecr.io"))
    assert RegistrySettings("myacr.azurecr.io").registry_name == "myacr"
    assert RegistrySettings("127.0.0.1:5000", acr_name="amltestacr").is_acr


def test_given_credentials_win_and_are_never_in_the_record():
    settings = RegistrySettings("r.example.com", username="u", password="p4ss")
    assert push_credentials(settings).auth_config() == {"username": "u", "password": "p4ss", "serveraddress": "r.example.com"}
    assert "p4ss" not in json.dumps(settings.describe()) and "p4ss" not in repr(settings)


def _aci_settings(config: dict):
    from types import SimpleNamespace

    from aml_deploy.deploy.aci.settings import AciOptions, resolve

    target = SimpleNamespace(subscription_id="s", resource_group="g", location="westeurope")
    return resolve(config, AciOptions(registry=RegistrySettings("registry.example")), None, target)


@pytest.mark.parametrize(
    "config, says",
    [
        ({"authEnabled": "false"}, "authEnabled must be true or false"),
        ({"sslEnabled": "no"}, "sslEnabled must be true or false"),
        ({"authEnabled": True, "keys": {"primaryKey": "short"}}, "keys.primaryKey"),
        ({"authEnabled": True, "keys": {"secondaryKey": "a b\nc-long-enough-0123456789"}}, "keys.secondaryKey"),
        ({"authEnabled": True, "keys": "not a mapping"}, "keys must be"),
    ],
)
def test_deployment_settings_aci_cannot_take_are_refused_before_anything_is_built(config, says):
    with pytest.raises(DeployError, match=says) as raised:
        _aci_settings(config)
    assert "a b\nc" not in str(raised.value)  # a key is never repeated in a message


def test_tls_files_are_regular_pem_files_inside_the_workspace(tmp_path):
    from aml_deploy.deploy.aci.settings import tls_files

    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    workspace.mkdir(), outside.mkdir()
    certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
    (workspace / "cert.pem").write_text(certificate)
    (workspace / "key.pem").write_text(key)
    (outside / "key.pem").write_text(key)
    (workspace / "notes.txt").write_text("not a certificate")
    os.mkfifo(workspace / "fifo.pem")

    def files(cert: str, key_file: str):
        settings = _aci_settings({"sslEnabled": True, "sslCertificate": cert, "sslKey": key_file, "cname": "x.example.com"})
        return tls_files(settings, workspace, workspace)

    assert files("cert.pem", "key.pem") == (certificate.encode(), key.encode())
    for cert, key_file, says in (
        ("cert.pem", "../outside/key.pem", "outside the workspace"),
        ("cert.pem", str(outside / "key.pem"), "outside the workspace"),
        ("fifo.pem", "key.pem", "a FIFO, not a file"),
        ("notes.txt", "key.pem", "not a PEM certificate"),
        ("cert.pem", "cert.pem", "not a PEM private key"),
    ):
        with pytest.raises(DeployError, match=says):
            files(cert, key_file)
