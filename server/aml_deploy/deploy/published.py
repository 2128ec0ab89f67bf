"""What AML Deploy remembers about the services it published (ACI, Kubernetes): one JSON record per
service name, with the target kind, its settings, the image (by digest), the scoring URI and what it
was published from. No secrets: a service's keys live in their own 0600 file (front.KeyStore), and
the registry password a service pulls with sits beside them, also 0600. Also, per image repository, the layers known to be there already
(what --dry-run says a push would skip).

    services = PublishedServices()                      # ~/.aml-deploy/published ($AML_DEPLOY_HOME)
    with services.lock("my-service"):
        services.save(PublishedService("my-service", "aci", settings={...}, image="reg/x@sha256:..."))
    services.get("my-service").scoring_uri
    services.keys("my-service").ensure("key")           # front.Credentials
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from ..front import KeyStore
from .errors import DeployError
from .local.records import Records

SECRET_WORDS = ("password", "secret", "token", "primarykey", "secondarykey")


def published_home() -> Path:
    return Path(os.environ.get("AML_DEPLOY_HOME", "~/.aml-deploy")).expanduser() / "published"


@dataclass
class PublishedService:
    name: str
    target: str  # "aci" | "kubernetes"
    settings: dict = field(default_factory=dict)  # where and how it runs (subscription, resource group, cpu...)
    image: str | None = None  # <registry>/<repository>@sha256:...
    scoring_uri: str | None = None
    state: str = "Creating"  # Creating | Succeeded | Failed | Deleting | Unknown
    source: dict = field(default_factory=dict)  # what it was published from: configuration files, models
    layers: list[str] = field(default_factory=list)  # the image's layer diff ids
    auth_mode: str = "none"  # key | aml_token | none
    swagger_uri: str | None = None
    updated: str = ""
    problem: str | None = None  # the last operation's failure, in a line

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> PublishedService:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


class PublishedServices:
    def __init__(self, home: Path | None = None) -> None:
        self.home = Path(home) if home is not None else published_home()
        self._records = Records(self.home)  # atomic JSON files and per-name locks

    def get(self, name: str) -> PublishedService | None:
        data = self._records.read(name)
        return PublishedService.from_dict(data) if data is not None else None

    def require(self, name: str, target: str | None = None) -> PublishedService:
        service = self.get(name)
        if service is None or (target is not None and service.target != target):
            where = f" on {target}" if target else ""
            raise DeployError(
                f"No published service {name}{where} is known here (aml-deploy service list shows them); "
                f"publish it with aml-deploy model deploy -n {name} ..."
            )
        return service

    def list(self, target: str | None = None) -> builtins.list[PublishedService]:
        services = [self.get(name) for name in sorted(self._records.endpoint_names()) if not name.startswith("_")]
        return [s for s in services if s is not None and (target is None or s.target == target)]

    def save(self, service: PublishedService) -> PublishedService:
        secret = sorted(_secret_keys(service.settings) | _secret_keys(service.source))
        if secret:
            raise DeployError(f"Refusing to store secrets in the published-services record: {', '.join(secret)}.")
        service.updated = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self._records.write(service.name, service.to_dict())
        return service

    def remove(self, name: str) -> None:
        """Forget the service and its keys."""
        self._records.remove(name)
        (self.home / "keys" / name / "registry.json").unlink(missing_ok=True)
        self.keys(name).delete()

    def keys(self, name: str) -> KeyStore:
        return KeyStore(self.home / "keys" / name / "credentials.json")

    def save_pull_secret(self, name: str, server: str, username: str, password: str) -> None:
        """What the service pulls its images with, which every later update of it must send again (ARM never
        returns it): kept beside its keys, readable by the user only."""
        path = self.home / "keys" / name / "registry.json"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"server": server, "username": username, "password": password}, handle)
        os.replace(temporary, path)

    def pull_secret(self, name: str) -> dict | None:
        try:
            return json.loads((self.home / "keys" / name / "registry.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Operations on one service wait for each other (across processes)."""
        with self._records.lock(name, "service"):
            yield

    # -- layers a repository has -------------------------------------------------------------------

    def known_layers(self, repository: str) -> set[str]:
        data = self._records.read(_layers_record(repository)) or {}
        return set(data.get("layers") or [])

    def add_known_layers(self, repository: str, diff_ids: builtins.list[str]) -> None:
        def change(record: dict) -> None:
            record["repository"] = repository
            record["layers"] = sorted(set(record.get("layers") or []) | set(diff_ids))

        self._records.update(_layers_record(repository), change)


def _layers_record(repository: str) -> str:
    # not a valid service name (services start with a letter), so never listed as one
    return "_layers-" + hashlib.sha256(repository.encode()).hexdigest()[:20]


def _secret_keys(data, path: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if any(word in str(key).lower().replace("_", "") for word in SECRET_WORDS) and isinstance(value, str) and value:
                found.add(where)
            found |= _secret_keys(value, where)
    elif isinstance(data, list):
        for item in data:
            found |= _secret_keys(item, path)
    return found
