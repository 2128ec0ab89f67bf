"""A local endpoint's front: the HAProxy container (`front/`) Azure-style keys, traffic and request
limits go through. Built from what the endpoint's record holds (auth mode, traffic, each
deployment's limits) and the deployments' containers, which join the endpoint's network under
their names. Re-applied only when what it would serve changed, so a score.py edit never waits on it."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ... import front
from ..errors import DeployError
from ..spec import DeploymentSpec
from . import containers
from .records import Records

TOKEN_LIFETIME_S = 24 * 3600


@dataclass
class Caller:
    """How the tool itself calls the endpoint: the Authorization header, if any."""

    authorization: str | None
    note: str | None = None


def front_settings(spec: DeploymentSpec) -> dict:
    """What the front needs to know about a deployment, kept in the endpoint's record."""
    if spec.is_v1:
        limits = front.Limits.from_v1(spec.target_settings)
        return {"api": front.V1, "limits": asdict(limits), "auth_mode": front.v1_auth_mode(spec.target_settings)}
    limits = front.Limits.from_v2(spec.request_settings, spec.instance_count)
    return {"api": front.V2, "limits": asdict(limits)}


class LocalFront:
    def __init__(
        self, client, home: Path, records: Records, ca: Path | None = None, progress=None, image: str | None = front.DEFAULT_IMAGE
    ) -> None:
        self.client = client
        self.home = home
        self.records = records
        self.ca = ca
        self.progress = progress or (lambda message: None)
        self.image = image

    def keystore(self, endpoint: str) -> front.KeyStore:
        return front.KeyStore(self.home / "keys" / f"{endpoint}.json")

    # -- what the front serves ---------------------------------------------------------------

    def describe(self, endpoint: str) -> front.Front:
        import docker.errors

        record = self.records.read(endpoint) or {}
        deployments, api = [], front.V2
        details = record.get("deployments") or {}
        for container in containers.find(self.client, endpoint):
            name = container.labels.get("aml-deploy.deployment", "")
            if container.status != "running" or not name:
                continue
            settings = (details.get(name) or {}).get("front") or {}
            api = settings.get("api", api)
            try:
                address = front.connect_deployment(self.client, endpoint, container, name)
            except docker.errors.NotFound:
                continue  # deleted by another process since the containers were listed: nothing to serve
            deployments.append(
                front.Deployment(
                    name,
                    address,
                    int((record.get("traffic") or {}).get(name, 0)),
                    int((record.get("mirror_traffic") or {}).get(name, 0)),
                    front.Limits(**settings.get("limits", {})),
                )
            )
        auth_mode = front.normalize_auth_mode(record.get("auth_mode"))
        return front.Front(
            endpoint, sorted(deployments, key=lambda d: d.name), auth_mode, self.keystore(endpoint).ensure(auth_mode), api=api
        )

    def apply(self, endpoint: str, force: bool = False) -> front.FrontState:
        """Start the front, or bring it up to date; nothing is done when nothing changed. One process at a
        time, each from the record and keys as they are when its turn comes: the last one to apply serves
        the latest change."""
        with self.records.front_lock(endpoint):
            return self._apply(endpoint, force)

    def _apply(self, endpoint: str, force: bool) -> front.FrontState:
        wanted = self.describe(endpoint)
        wanted.check()
        fingerprint = _fingerprint(wanted)
        running = self._running(endpoint)
        record = self.records.read(endpoint) or {}
        if not force and running and record.get("front") == fingerprint:
            return front.FrontState(endpoint, "running", port=record.get("front_port"))  # a score.py edit: nothing to do
        if running:
            self.progress("Updating the endpoint's front")
            front.update(self.client, wanted)
            state = front.status(self.client, endpoint, servers=False)
        else:
            self.progress("Starting the endpoint's front (keys, traffic, request limits)")
            image = front.ensure_image(self.client, self.image, ca=self.ca, on_line=self.progress).tag
            state = front.start(self.client, wanted, image, port=record.get("front_port"))
        self.records.update(endpoint, lambda r: r.update(front=fingerprint, front_port=state.port))
        return state

    def _running(self, endpoint: str) -> bool:
        import docker.errors

        try:
            return self.client.containers.get(front.container_name(endpoint)).status == "running"
        except docker.errors.NotFound:
            return False

    def remove(self, endpoint: str) -> None:
        front.remove(self.client, endpoint)
        self.keystore(endpoint).delete()

    def status(self, endpoint: str) -> front.FrontState:
        return front.status(self.client, endpoint, servers=False)

    # -- credentials ---------------------------------------------------------------------------

    def credentials(self, endpoint: str) -> dict:
        """As az prints them: keys, or a new token with its expiry; refused for modes without either."""
        mode = front.normalize_auth_mode((self.records.read(endpoint) or {}).get("auth_mode"))
        store = self.keystore(endpoint)
        if mode == "key":
            return store.ensure(mode).keys_as_azure()
        if mode == "aml_token":
            token = store.issue_token(TOKEN_LIFETIME_S)
            self.apply(endpoint, force=True)  # the front learns the new token
            return token.as_azure()
        raise DeployError(
            f"The endpoint {endpoint} uses auth_mode {mode}: it has no keys or tokens of its own"
            + (" (Microsoft Entra tokens come from Azure AD, which is not checked offline)." if mode == "aad_token" else ".")
        )

    def regenerate(self, endpoint: str, key_type: str) -> dict:
        mode = front.normalize_auth_mode((self.records.read(endpoint) or {}).get("auth_mode"))
        if mode != "key":
            raise DeployError(f"The endpoint {endpoint} uses auth_mode {mode}; only key endpoints have keys to regenerate.")
        self.keystore(endpoint).regenerate(key_type)
        self.apply(endpoint, force=True)
        return self.keystore(endpoint).load().keys_as_azure()

    def caller(self, endpoint: str) -> Caller:
        """The header the tool sends when it invokes the endpoint itself."""
        mode = front.normalize_auth_mode((self.records.read(endpoint) or {}).get("auth_mode"))
        store = self.keystore(endpoint)
        if mode == "key":
            return Caller(f"Bearer {store.ensure(mode).primary_key}")
        if mode == "aml_token":
            valid = store.load().valid_tokens(time.time() + 60)
            if not valid:
                store.issue_token(TOKEN_LIFETIME_S)
                self.apply(endpoint, force=True)
                valid = store.load().valid_tokens()
            return Caller(f"Bearer {valid[0].value}")
        if mode == "aad_token":
            return Caller(
                "Bearer not-checked-locally",
                "auth_mode aad_token: Microsoft Entra tokens cannot be checked offline; the local front "
                "lets any bearer token through. Azure will check it.",
            )
        return Caller(None)


def _fingerprint(wanted: front.Front) -> str:
    """Changes when anything the front serves changes: deployments, traffic, limits, auth, keys."""
    import hashlib
    import json

    secret = hashlib.sha256(
        repr((wanted.credentials.primary_key, wanted.credentials.secondary_key, [t.value for t in wanted.credentials.tokens])).encode()
    ).hexdigest()
    return hashlib.sha256(json.dumps([wanted.describe(), secret], sort_keys=True).encode()).hexdigest()[:16]
