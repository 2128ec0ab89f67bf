"""A certificate authority made at test time, the server's certificate, and the kubeconfig file."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path

import trustme
import yaml


class Certificates:
    def __init__(self) -> None:
        self.ca = trustme.CA(organization_name="aml-deploy kube stand-in")
        self.server = self.ca.issue_cert("127.0.0.1", "localhost")

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.configure_cert(context)
        return context

    @property
    def ca_pem(self) -> bytes:
        return self.ca.cert_pem.bytes()


def write_kubeconfig(path: Path, server: str, ca_pem: bytes, token: str, context: str = "standin", namespace: str = "default") -> Path:
    """A kubeconfig as `az aks get-credentials` writes one: cluster (server + CA), user (token), context."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "current-context": context,
        "clusters": [
            {"name": f"{context}-cluster", "cluster": {"server": server, "certificate-authority-data": base64.b64encode(ca_pem).decode()}}
        ],
        "users": [{"name": f"{context}-user", "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": f"{context}-cluster", "user": f"{context}-user", "namespace": namespace}}],
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path
