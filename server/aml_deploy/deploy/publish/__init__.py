"""Publishing a deployment: what every remote target (ACI, Kubernetes) does before it deploys.

    client = deploy.local.engine.connect()
    prepared = prepare(client, spec, report=print)        # build the image in layers, then the local check
    credentials = push_credentials(RegistrySettings("myacr.azurecr.io"), Azure(arm, target))
    pushed = push(client, prepared.image, registry, "my-service", credentials, services=PublishedServices())
    pushed.reference                                        # myacr.azurecr.io/aml-deploy/my-service@sha256:...
    pull = pull_credentials(registry, Azure(arm, target))  # what the service pulls with (never the exchange token)

`image.build_image` builds the layers (environment, model, code), `check.local_check` runs the image
behind the front with a key, `push.push_image` pushes and reads the engine's stream, `credentials`
finds who may push and pull, `stages` ties them together and names the stages for progress."""

from .check import CheckResult, local_check
from .credentials import (
    Azure,
    RegistryCredentials,
    RegistryCredentialsError,
    RegistrySettings,
    docker_config_credentials,
    pull_credentials,
    push_credentials,
)
from .image import Layer, PublishImage, build_image
from .push import LayerPush, PushFailed, PushProgress, PushResult, RegistryAuthFailed, RegistryUnreachable, push_image
from .stages import (
    BUILD,
    CHECK,
    PROVISION,
    PUSH,
    READY,
    STAGES,
    LocalCheckFailed,
    Prepared,
    Reporter,
    StageProgress,
    plan_push,
    prepare,
    push,
)

__all__ = [
    "BUILD",
    "CHECK",
    "PROVISION",
    "PUSH",
    "READY",
    "STAGES",
    "Azure",
    "CheckResult",
    "Layer",
    "LayerPush",
    "LocalCheckFailed",
    "Prepared",
    "PublishImage",
    "PushFailed",
    "PushProgress",
    "PushResult",
    "RegistryAuthFailed",
    "RegistryCredentials",
    "RegistryCredentialsError",
    "RegistrySettings",
    "RegistryUnreachable",
    "Reporter",
    "StageProgress",
    "build_image",
    "docker_config_credentials",
    "local_check",
    "plan_push",
    "prepare",
    "pull_credentials",
    "push",
    "push_credentials",
    "push_image",
]
