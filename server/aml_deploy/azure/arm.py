"""A client for Azure Resource Manager on azure-core's pipeline, with azure-mgmt-core's ARM pieces (the same
ones every azure-mgmt-* SDK uses): retries that honour Retry-After (429, 5xx), the bearer-token policy with the
cloud's ARM scope (and ARM's claims challenges), resource-provider auto-registration, header logging that
redacts everything but an allow-list, and ARMPolling for long-running operations (Azure-AsyncOperation, then
Location, then provisioningState). Bodies are never logged: no network-trace policy is in the pipeline.
ARM error bodies become ArmError naming ARM's code and message."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from azure.core.credentials import TokenCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline import policies
from azure.core.polling import LROPoller
from azure.core.polling.base_polling import OperationFailed
from azure.core.rest import HttpRequest, HttpResponse
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy, ARMHttpLoggingPolicy
from azure.mgmt.core.polling.arm_polling import ARMPolling

from aml_deploy import __version__
from aml_deploy.azure.clouds import AzureCloud
from aml_deploy.azure.credentials import azure_credential
from aml_deploy.azure.errors import ArmError, AzureAuthError, AzureError, ProvisioningFailed, ResourceNotFound

log = logging.getLogger(__name__)

StatusCallback = Callable[[str], None]


def segment(value: str) -> str:
    """A value placed in an ARM path, percent-encoded."""
    return quote(value, safe="")


class ArmClient:
    """Calls ARM in `cloud` as `credential` (DefaultAzureCredential for the cloud when not given)."""

    def __init__(
        self,
        cloud: AzureCloud,
        credential: TokenCredential | None = None,
        *,
        polling_interval: float = 5.0,
    ) -> None:
        self.cloud = cloud
        self.polling_interval = polling_interval
        self._client: ARMPipelineClient = ARMPipelineClient(
            base_url=cloud.arm_endpoint,
            policies=[
                policies.RequestIdPolicy(),
                policies.HeadersPolicy(),
                policies.UserAgentPolicy(sdk_moniker=f"aml-deploy/{__version__}"),
                policies.ProxyPolicy(),
                policies.RedirectPolicy(),
                policies.RetryPolicy(),  # azure-core's: 3 retries of 408/429/5xx, Retry-After honoured
                ARMChallengeAuthenticationPolicy(credential or azure_credential(cloud), cloud.arm_scope),
                policies.SensitiveHeaderCleanupPolicy(),
                ARMHttpLoggingPolicy(),
            ],
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ArmClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def url(self, path: str, api_version: str, query: dict[str, Any] | None = None) -> str:
        params = {"api-version": api_version, **{k: v for k, v in (query or {}).items() if v is not None}}
        return f"{self.cloud.arm_endpoint}{path}?{urlencode(params)}"

    # --- plain requests ---------------------------------------------------------------------------------
    def call(self, method: str, path: str, api_version: str, *, action: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        """The JSON ARM answers (None for an empty body); an ArmError when it answers an error."""
        response = self._send(method, self.url(path, api_version, query), body, action)
        _raise_for_status(response, action)
        return _json(response)

    def follow(self, url: str, *, action: str) -> Any:
        """GETs a URL ARM handed out (a list's nextLink); only on this cloud's ARM endpoint, where the token goes."""
        if not url.startswith(self.cloud.arm_endpoint + "/"):
            raise AzureError(f"{action}: Azure answered with a link to another host ({url.split('?')[0]}); not following it.")
        response = self._send("GET", url, None, action)
        _raise_for_status(response, action)
        return _json(response)

    def _send(self, method: str, url: str, body: Any, action: str, *, pipeline_response: bool = False):
        request = HttpRequest(method, url, json=body) if body is not None else HttpRequest(method, url)
        try:
            return self._client.send_request(request, _return_pipeline_response=pipeline_response)
        except ClientAuthenticationError as failure:
            raise self._auth_error(failure) from None
        except (ServiceRequestError, ServiceResponseError) as failure:
            raise AzureError(f"{action}: cannot reach Azure Resource Manager at {self.cloud.arm_endpoint}: {failure.message}") from None

    def _auth_error(self, failure: ClientAuthenticationError) -> AzureAuthError:
        return AzureAuthError(
            f"No Azure token for {self.cloud.arm_endpoint} (login host {self.cloud.authority_host}). Sign in with "
            "`az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, "
            f"or run where a managed or workload identity is available.\n{failure.message}"
        )

    # --- long-running operations ------------------------------------------------------------------------
    def run_operation(
        self,
        method: str,
        path: str,
        api_version: str,
        *,
        action: str,
        body: Any = None,
        on_status: StatusCallback | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Starts a long-running operation and follows it to its end (ARM's rules: Azure-AsyncOperation,
        Location or provisioningState; Retry-After between polls). Returns the final resource body, if any.
        `on_status(status)` is called after each poll, from the polling thread."""
        initial = self._send(method, self.url(path, api_version), body, action, pipeline_response=True)
        _raise_for_status(initial.http_response, action)
        polling = _ReportingPolling(on_status, timeout=self.polling_interval)
        poller = LROPoller(self._client, initial, lambda response: _json(response.http_response), polling)
        started = time.monotonic()
        try:
            result = poller.result(timeout=timeout)
        except ClientAuthenticationError as failure:
            raise self._auth_error(failure) from None
        except HttpResponseError as failure:
            raise _operation_error(action, failure) from None
        except (ServiceRequestError, ServiceResponseError) as failure:
            raise AzureError(
                f"{action}: lost Azure Resource Manager at {self.cloud.arm_endpoint} while waiting: {failure.message}"
            ) from None
        if not poller.done():
            raise AzureError(
                f"{action}: still {poller.status()} after {time.monotonic() - started:.0f} s; Azure carries on, look again later."
            )
        return result


class _ReportingPolling(ARMPolling):
    """ARMPolling that tells a callback the operation's status after each poll."""

    def __init__(self, on_status: StatusCallback | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_status = on_status

    def update_status(self) -> None:
        super().update_status()
        if self._on_status is not None:
            self._on_status(self.status())


def _json(response: HttpResponse) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _raise_for_status(response: HttpResponse, action: str) -> None:
    if response.status_code >= 400:
        raise arm_error(action, response)


def arm_error(action: str, response: HttpResponse | None, kind: type[ArmError] | None = None) -> ArmError:
    """ARM's error body ({"error": {code, message, target, details}}) as an ArmError."""
    status = response.status_code if response is not None else None
    payload = _json(response) if response is not None else None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        error = payload if isinstance(payload, dict) and "code" in payload else {}
    code = str(error.get("code") or f"HTTP{status}")
    message = str(error.get("message") or (response.text()[:500] if response is not None and response.content else "no details"))
    kind = kind or (ResourceNotFound if status == 404 else ArmError)
    return kind(action, status, code, message, target=error.get("target"), details=error.get("details"))


def _operation_error(action: str, failure: HttpResponseError) -> ArmError:
    if isinstance(failure.inner_exception, OperationFailed):
        error = arm_error(action, failure.response, ProvisioningFailed)  # type: ignore[arg-type]
        if error.arm_code.startswith("HTTP"):  # a failed operation that did not say why
            return ProvisioningFailed(action, error.status, "Failed", "the operation ended Failed or Canceled without an error")
        return error
    if failure.response is not None and (failure.response.status_code or 0) >= 400:
        return arm_error(action, failure.response)  # type: ignore[arg-type]  # azure-core's response protocol
    return ArmError(action, failure.status_code, "BadResponse", failure.message)
