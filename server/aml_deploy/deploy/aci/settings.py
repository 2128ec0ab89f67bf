"""A service's ACI settings: the v1 deploymentconfig.json fields (computeType aci) read the way
azureml-core reads them, with what the command line or the editor gives on top, and what the last
publish of the service used underneath (so an update keeps its DNS label, resources and registry)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from ... import files
from ...documents.rules.v1 import aci_not_honoured
from ...front import DEFAULT_IMAGE, valid_key
from ..errors import DeployError
from ..publish import RegistrySettings

# azureml-core's ACI defaults (AciWebservice.deploy_configuration)
DEFAULT_CPU = 0.1
DEFAULT_MEMORY_GB = 0.5
# v1 service names: 3-32 lowercase letters, digits and '-', starting with a letter, not ending with '-'
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")


@dataclass
class AciOptions:
    """What the command line or the editor gives; None leaves the configuration's (or the last publish's) value."""

    subscription: str | None = None
    resource_group: str | None = None
    location: str | None = None
    registry: RegistrySettings | None = None
    cpu: float | None = None
    memory_gb: float | None = None
    dns_name_label: str | None = None
    auth_enabled: bool | None = None
    front_image: str | None = None


@dataclass
class AciSettings:
    """Everything a service's container group is made from, without secrets (keys live in the KeyStore,
    registry passwords nowhere)."""

    subscription_id: str
    resource_group: str
    location: str | None
    registry: RegistrySettings
    cpu: float = DEFAULT_CPU
    memory_gb: float = DEFAULT_MEMORY_GB
    cpu_limit: float | None = None
    memory_gb_limit: float | None = None
    dns_name_label: str | None = None  # None: the service's name, unique per resource group (ACI's ResourceGroupReuse)
    auth_enabled: bool = False  # ACI's default
    ssl_enabled: bool = False
    ssl_certificate: str | None = None  # PEM file paths, as in deploymentconfig.json
    ssl_key_file: str | None = None
    cname: str | None = None
    front_image: str = DEFAULT_IMAGE
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        """What the published-services record keeps."""
        data = asdict(self)
        data["registry"] = self.registry.describe()
        data.pop("warnings")
        return data

    @classmethod
    def from_record(cls, data: dict, password: str | None = None) -> AciSettings:
        known = {f.name for f in fields(cls)} - {"registry", "warnings"}
        return cls(
            registry=RegistrySettings.from_dict(data["registry"], password), **{key: value for key, value in data.items() if key in known}
        )


def check_service_name(name: str) -> str:
    if not SERVICE_NAME.match(name or ""):
        raise DeployError(
            f"{name!r} is not a valid service name: 3 to 32 lowercase letters, digits and '-', starting with "
            "a letter and ending with a letter or digit (Azure ML v1's rule; ACI's group names follow it)."
        )
    return name


def resolve(config: dict, options: AciOptions, previous: AciSettings | None, target) -> AciSettings:
    """`config`: the deploymentconfig.json's settings (may be empty); `target`: the resolved AzureTarget
    (subscription, resource group, location); `previous`: the last publish's settings, if any."""
    base = previous or AciSettings(target.subscription_id, target.resource_group, target.location, options.registry or _no_registry())
    resources = config.get("containerResourceRequirements") or {}
    settings = replace(
        base,
        subscription_id=target.subscription_id,
        resource_group=target.resource_group,
        location=options.location or config.get("location") or base.location or target.location,
        registry=options.registry or base.registry,
        cpu=_number(options.cpu, resources.get("cpu"), base.cpu),
        memory_gb=_number(options.memory_gb, resources.get("memoryInGB"), base.memory_gb),
        cpu_limit=_number(None, resources.get("cpuLimit"), base.cpu_limit),
        memory_gb_limit=_number(None, resources.get("memoryInGBLimit"), base.memory_gb_limit),
        dns_name_label=options.dns_name_label or config.get("dnsNameLabel") or base.dns_name_label,
        auth_enabled=_flag(options.auth_enabled, config.get("authEnabled"), base.auth_enabled, "authEnabled"),
        ssl_enabled=_flag(None, config.get("sslEnabled"), base.ssl_enabled, "sslEnabled"),
        ssl_certificate=config.get("sslCertificate") or base.ssl_certificate,
        ssl_key_file=config.get("sslKey") or base.ssl_key_file,
        cname=config.get("cname") or base.cname,
        front_image=options.front_image or base.front_image,
        warnings=[message for _key, message in aci_not_honoured(config)],
    )
    if settings.ssl_enabled and not (settings.ssl_certificate and settings.ssl_key_file):
        raise DeployError("sslEnabled needs sslCertificate and sslKey (PEM files) in the deployment configuration.")
    for what, value in (("cpu", settings.cpu), ("memoryInGB", settings.memory_gb)):
        if not value or value <= 0:
            raise DeployError(f"containerResourceRequirements.{what} must be a positive number, not {value!r}.")
    _check_keys(config.get("keys"))
    return settings


def _check_keys(keys) -> None:
    """The configuration's own keys go into the front's key map verbatim: refused before anything is built
    when the front could not carry them (never repeating them)."""
    if keys is None:
        return
    if not isinstance(keys, dict):
        raise DeployError('keys must be {"primaryKey": ..., "secondaryKey": ...} in the deployment configuration.')
    for name in ("primaryKey", "secondaryKey"):
        if keys.get(name) is not None and not (isinstance(keys[name], str) and valid_key(keys[name])):
            raise DeployError(
                f"keys.{name} in the deployment configuration is not a key the front can use: 16 to 256 "
                "letters, digits, '+', '/', '=', '_' or '-'."
            )


PEM = {"sslCertificate": (b"-----BEGIN CERTIFICATE-----", "a PEM certificate"), "sslKey": (b"PRIVATE KEY-----", "a PEM private key")}


def tls_files(settings: AciSettings, config_dir: Path, workspace: Path | None = None) -> tuple[bytes, bytes] | None:
    """The PEM certificate and key, read relative to the deployment configuration's folder: regular files
    inside the workspace (a private key from elsewhere never travels to Azure), each what it says it is."""
    if not settings.ssl_enabled:
        return None
    pair = []
    for what, name in (("sslCertificate", settings.ssl_certificate), ("sslKey", settings.ssl_key_file)):
        path = (config_dir / str(name)).resolve()
        if workspace is not None and not path.is_relative_to(workspace.resolve()):
            raise DeployError(f"{what} {path} is outside the workspace {workspace}: copy it into the workspace.")
        try:
            data = files.read_bytes(path, 1024 * 1024)
        except files.UnreadableFile as err:
            raise DeployError(f"{what} cannot be read: {err}") from None
        marker, kind = PEM[what]
        if marker not in data:
            raise DeployError(f"{what} {path} is not {kind}.")
        pair.append(data)
    return pair[0], pair[1]


def _number(given, configured, default):
    for value in (given, configured):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DeployError(f"{value!r} is not a number of CPU cores or GB.")
            return float(value)
    return default


def _flag(given, configured, default, what: str) -> bool:
    for value in (given, configured):
        if value is not None:
            if not isinstance(value, bool):  # "false" is a true value in Python: never guess
                raise DeployError(f"{what} must be true or false, not {value!r}.")
            return value
    return default


def _no_registry() -> RegistrySettings:
    raise DeployError(
        "Publishing to ACI pushes the image to a container registry: give one with --registry-login-server "
        "(an Azure Container Registry such as myacr.azurecr.io, or any registry `docker login` knows)."
    )
