"""Errors of the Azure plumbing, written for the person who ran the command: each names what Azure said (the
ARM code and message) or what setting is missing and how to give it. None carries a secret."""

from __future__ import annotations

from ..errors import AmlDeployError


class AzureError(AmlDeployError):
    """Something Azure refused or that cannot be done; the message is meant for the user."""

    code = "azure"


class AzureSettingsError(AzureError):
    """A setting (subscription, resource group, endpoint...) is missing or malformed."""

    code = "azure-settings"


class AzureAuthError(AzureError):
    """No credential could get a token, or Azure AD refused it."""

    code = "azure-auth"


class ArmError(AzureError):
    """Azure Resource Manager answered with an error (its `arm_code` and `arm_message`, as ARM puts them)."""

    code = "arm"

    def __init__(
        self, action: str, status: int | None, code: str, message: str, *, target: str | None = None, details: list[dict] | None = None
    ) -> None:
        self.action = action
        self.status = status
        self.arm_code = code
        self.arm_message = message
        self.target = target
        self.details = details or []
        super().__init__(self._describe())

    def _describe(self) -> str:
        status = f"{self.status} " if self.status else ""
        text = f"{self.action}: Azure answered {status}{self.arm_code}: {self.arm_message}"
        extra = [d for d in self.details if d.get("message") and str(d["message"]) not in self.arm_message]
        if extra:
            text += " (" + "; ".join(f"{d['target']}: {d['message']}" if d.get("target") else str(d["message"]) for d in extra) + ")"
        return text


class ResourceNotFound(ArmError):
    code = "not-found"


class ProvisioningFailed(ArmError):
    """A long-running operation ended Failed or Canceled; `code`/`message` are the operation's error."""

    def _describe(self) -> str:
        return f"{self.action} failed in Azure: {self.arm_code}: {self.arm_message}"


class RegistryLoginError(AzureError):
    """Azure Container Registry would not give credentials."""

    code = "registry-login"
