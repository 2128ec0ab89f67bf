"""The authentication half of an Azure Container Registry, in front of a real Debian registry that runs with
token auth (as ACR's data plane does): `POST /oauth2/exchange` trades an Azure AD access token for an ACR
refresh token, and `/oauth2/token` (the registry's Bearer realm) turns either that refresh token (with the
null-GUID username) or the admin user's password into the signed registry token the registry checks. So a
refresh token the exchange returns really logs Docker in to the registry. (Azure/acr docs/AAD-OAuth.md)"""

from __future__ import annotations

import base64
import datetime
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.standins.aad import AadStandIn
from tests.standins.httpserver import Request, Response, StandInServer
from tests.standins.tls import TestCA

NULL_GUID = "00000000-0000-0000-0000-000000000000"
ISSUER = "aml-deploy-test-acr"


@dataclass
class Exchange:
    service: str
    tenant: str | None
    grant_type: str
    accepted: bool


@dataclass
class AcrStandIn:
    aad: AadStandIn
    ca: TestCA
    folder: Path
    aad_audiences: set[str]
    admin_username: str = "acradmin"
    admin_password: str = field(default_factory=lambda: "adm~" + secrets.token_urlsafe(18), repr=False)
    refresh_token_lifetime: int = 3 * 3600
    service: str = ""  # the login server, set once the registry behind it has its port

    def __post_init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.token_requests: list[tuple[str, str]] = []  # (account, scope)
        self._refresh_tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.signer_file = self.folder / "acr-token-signer.pem"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.signer_file.write_bytes(self._signer_certificate().public_bytes(serialization.Encoding.PEM))
        self._x5c = base64.b64encode(
            x509.load_pem_x509_certificate(self.signer_file.read_bytes()).public_bytes(serialization.Encoding.DER)
        ).decode()
        self._server = StandInServer(self._handle, self.ca.issue("acr", ["127.0.0.1", "localhost"]))
        self.url = self._server.url

    def _signer_certificate(self) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aml-deploy test ACR token signer")])
        now = datetime.datetime.now(datetime.timezone.utc)
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(self._key, hashes.SHA256())
        )

    def registry_token_auth(self, service: str) -> dict:
        """The `auth.token` section of the registry's configuration, trusting this server's tokens."""
        self.service = service
        return {"realm": f"{self.url}/oauth2/token", "service": service, "issuer": ISSUER, "rootcertbundle": str(self.signer_file)}

    @property
    def errors(self) -> list[str]:
        return self._server.errors

    def close(self) -> None:
        self._server.close()

    def expire_refresh_tokens(self) -> None:
        with self._lock:
            for token in self._refresh_tokens:
                self._refresh_tokens[token] = 0

    # --- the service ---------------------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        if request.path == "/oauth2/exchange" and request.method == "POST":
            return self._exchange(request.form())
        if request.path == "/oauth2/token" and request.method == "GET":
            credentials = request.basic()
            return self._token(credentials, request.query.get("scope", []), request.param("service"))
        if request.path == "/oauth2/token" and request.method == "POST":
            form = request.form()
            if form.get("grant_type") == "refresh_token":
                credentials = (NULL_GUID, form.get("refresh_token", ""))
            else:
                credentials = (form.get("username", ""), form.get("password", ""))
            return self._token(credentials, form.get("scope", "").split(), form.get("service"))
        return Response(404, {"errors": [{"code": "NOT_FOUND", "message": f"no such endpoint: {request.path}"}]})

    def _exchange(self, form: dict[str, str]) -> Response:
        grant = form.get("grant_type", "")
        accepted = (
            grant == "access_token"
            and form.get("service") == self.service
            and self.aad.check(form.get("access_token"), self.aad_audiences) is None
        )
        self.exchanges.append(Exchange(form.get("service", ""), form.get("tenant"), grant, accepted))
        if grant != "access_token":
            return _unauthorized(400, f"unsupported grant_type '{grant}'")
        if form.get("service") != self.service:
            return _unauthorized(400, f"service '{form.get('service')}' is not this registry ({self.service})")
        if not accepted:
            return _unauthorized(401, "the Azure AD access token is not valid for this registry")
        token = "acr." + secrets.token_urlsafe(32)
        with self._lock:
            self._refresh_tokens[token] = time.time() + self.refresh_token_lifetime
        return Response(200, {"refresh_token": token})

    def _authenticated(self, credentials: tuple[str, str] | None) -> bool:
        if credentials is None:
            return False
        user, password = credentials
        if user == NULL_GUID:
            with self._lock:
                return self._refresh_tokens.get(password, 0) > time.time()
        return user == self.admin_username and secrets.compare_digest(password, self.admin_password)

    def _token(self, credentials: tuple[str, str] | None, scopes: list[str], service: str | None) -> Response:
        self.token_requests.append((credentials[0] if credentials else "", " ".join(scopes)))
        if not self._authenticated(credentials):
            return Response(
                401,
                {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                {"WWW-Authenticate": f'Basic realm="{self.url}/oauth2/token"'},
            )
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": credentials[0],
            "aud": service or self.service,
            "exp": now + 600,
            "nbf": now - 30,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        token = jwt.encode(claims, self._key, algorithm="ES256", headers={"x5c": [self._x5c]})
        return Response(
            200,
            {
                "token": token,
                "access_token": token,
                "expires_in": 600,
                "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            },
        )


def _unauthorized(status: int, message: str) -> Response:
    return Response(status, {"errors": [{"code": "UNAUTHORIZED", "message": message}]})
