"""A stand-in for the Azure AD (Microsoft Entra ID) token service, as far as `azure-identity`/MSAL use it for
a service principal: the tenant's OpenID discovery document and the v2.0 token endpoint (client credentials,
with a secret or a federated assertion as workload identity sends). It issues opaque bearer tokens with an
expiry and remembers who asked for which scope, so the ARM and ACR stand-ins can check the tokens they get."""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field

from tests.standins.httpserver import Request, Response, StandInServer
from tests.standins.tls import TestCA


@dataclass(frozen=True)
class ServicePrincipal:
    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class TokenRequest:
    tenant: str
    client_id: str
    grant_type: str
    scopes: tuple[str, ...]


@dataclass
class IssuedToken:
    client_id: str
    tenant: str
    audience: str  # the resource of the `<resource>/.default` scope
    expires_at: float


def _aad_error(status: int, error: str, code: int, description: str) -> Response:
    return Response(
        status,
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description}",
            "error_codes": [code],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
    )


class AadStandIn:
    """`url` is the authority host (AZURE_AUTHORITY_HOST); tenants live at `{url}/{tenant}`."""

    def __init__(self, ca: TestCA, *, token_lifetime: int = 3600) -> None:
        self.token_lifetime = token_lifetime
        self._principals: dict[str, ServicePrincipal] = {}
        self._federated: dict[str, str] = {}  # client id -> the assertion its token file holds
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()
        self.token_requests: list[TokenRequest] = []
        self.paths_requested: list[str] = []
        self._server = StandInServer(self._handle, ca.issue("aad", ["127.0.0.1", "localhost"]))
        self.url = self._server.url

    def close(self) -> None:
        self._server.close()

    @property
    def errors(self) -> list[str]:
        return self._server.errors

    # --- what tests set up and read -----------------------------------------------------------------
    def add_service_principal(self, tenant_id: str | None = None) -> ServicePrincipal:
        principal = ServicePrincipal(
            tenant_id=tenant_id or str(uuid.uuid4()),
            client_id=str(uuid.uuid4()),
            client_secret="sp~" + secrets.token_urlsafe(24),
        )
        self._principals[principal.client_id] = principal
        return principal

    def add_federated_identity(self, principal: ServicePrincipal) -> str:
        """The assertion a workload-identity token file would hold for `principal`."""
        assertion = "fed." + secrets.token_urlsafe(32)
        self._federated[principal.client_id] = assertion
        return assertion

    def scopes_requested(self) -> list[str]:
        return [scope for request in self.token_requests for scope in request.scopes]

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self._tokens)

    def expire_all(self) -> None:
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = 0

    def check(self, token: str | None, audiences: set[str]) -> str | None:
        """None when `token` is a live token of this service for one of `audiences`, else why not."""
        if not token:
            return "missing"
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None:
            return "invalid"
        if issued.expires_at <= time.time():
            return "expired"
        if issued.audience.rstrip("/") not in {audience.rstrip("/") for audience in audiences}:
            return f"audience {issued.audience}"
        return None

    # --- the service ----------------------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        self.paths_requested.append(f"{request.method} {request.path}")
        parts = request.path.strip("/").split("/")
        if request.method == "GET" and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return self._openid_configuration(parts[0])
        if request.method == "POST" and parts[1:] == ["oauth2", "v2.0", "token"]:
            return self._token(parts[0], request.form())
        return Response(404, {"error": "not_found", "error_description": f"no such endpoint: {request.path}"})

    def _openid_configuration(self, tenant: str) -> Response:
        base = f"{self.url}/{tenant}"
        return Response(
            200,
            {
                "issuer": f"{self.url}/{tenant}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "tenant_region_scope": "EU",
            },
        )

    def _token(self, tenant: str, form: dict[str, str]) -> Response:
        client_id = form.get("client_id", "")
        grant = form.get("grant_type", "")
        scopes = tuple(form.get("scope", "").split())
        self.token_requests.append(TokenRequest(tenant, client_id, grant, scopes))
        if grant != "client_credentials":
            return _aad_error(400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'.")
        principal = self._principals.get(client_id)
        if principal is None:
            return _aad_error(
                400, "unauthorized_client", 700016, f"Application with identifier '{client_id}' was not found in the directory '{tenant}'."
            )
        if tenant != principal.tenant_id:
            return _aad_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if not self._authenticated(principal, form):
            return _aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
            )
        resource_scopes = [scope for scope in scopes if scope not in ("openid", "profile", "offline_access")]
        if len(resource_scopes) != 1 or not resource_scopes[0].endswith("/.default"):
            return _aad_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {' '.join(scopes)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            )
        token = "aad." + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = IssuedToken(client_id, tenant, resource_scopes[0][: -len("/.default")], time.time() + self.token_lifetime)
        return Response(
            200,
            {"token_type": "Bearer", "expires_in": self.token_lifetime, "ext_expires_in": self.token_lifetime, "access_token": token},
        )

    def _authenticated(self, principal: ServicePrincipal, form: dict[str, str]) -> bool:
        if "client_secret" in form:
            return secrets.compare_digest(form["client_secret"], principal.client_secret)
        assertion = form.get("client_assertion")
        expected = self._federated.get(principal.client_id)
        return bool(assertion and expected and secrets.compare_digest(assertion, expected))
