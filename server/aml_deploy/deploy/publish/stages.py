"""The stages every publish goes through, whatever the target: build the image, check it locally,
push it. (Then the target provisions it, and it is ready.) Each stage reports its progress under its
name, so the command line and the editor can say where a publish is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ... import front
from ..errors import DeployError
from ..published import PublishedServices
from ..spec import DeploymentSpec
from .check import CheckResult, local_check
from .credentials import RegistryCredentials, RegistrySettings
from .image import PublishImage, build_image
from .push import PushProgress, PushResult, push_image

BUILD, CHECK, PUSH, PROVISION, READY = "build", "local-check", "push", "provision", "ready"
STAGES = (BUILD, CHECK, PUSH, PROVISION, READY)


@dataclass
class StageProgress:
    stage: str  # one of STAGES
    message: str
    sent: int | None = None  # push: bytes sent so far
    total: int | None = None  # push: bytes of the layers being sent, as far as known

    def text(self) -> str:
        if self.sent is not None:
            return f"{self.stage}: {_mb(self.sent)} of {_mb(self.total or 0)} sent ({self.message})"
        return f"{self.stage}: {self.message}"

    def to_dict(self) -> dict:
        return {"stage": self.stage, "message": self.message, "sent": self.sent, "total": self.total}


Reporter = Callable[[StageProgress], None]


class LocalCheckFailed(DeployError):
    """The image did not pass the local check: nothing was pushed. `result.state` is the report."""

    code = "local-check-failed"

    def __init__(self, result: CheckResult) -> None:
        failure = result.state.failure
        where = f" at {failure.path}:{failure.line} ({failure.function})" if failure and failure.path else ""
        super().__init__(
            f"The image failed the local check, so nothing was pushed: {failure.message if failure else 'it did not answer'}{where}"
        )
        self.result = result


@dataclass
class Prepared:
    image: PublishImage
    check: CheckResult | None  # None: the check was skipped


def prepare(
    client,
    spec: DeploymentSpec,
    *,
    check: bool = True,
    request: bytes | None = None,
    request_file: Path | None = None,
    front_image: str | None = front.DEFAULT_IMAGE,
    ca: Path | None = None,
    timeout: float = 600.0,
    report: Reporter | None = None,
) -> Prepared:
    """Build the publish image and run the local check; LocalCheckFailed when the check fails."""
    say = report or (lambda progress: None)
    say(StageProgress(BUILD, "building the image: environment, model, code"))
    image = build_image(client, spec, on_line=lambda line: say(StageProgress(BUILD, line[-160:])), ca=ca)
    say(StageProgress(BUILD, f"image {image.tag} ({', '.join(image.built) or 'nothing'} built)"))
    if not check:
        return Prepared(image, None)
    result = local_check(
        client,
        spec,
        image.tag,
        request=request,
        request_file=request_file,
        front_image=front_image,
        ca=ca,
        timeout=timeout,
        progress=lambda message: say(StageProgress(CHECK, message)),
    )
    if not result.passed:
        raise LocalCheckFailed(result)
    say(StageProgress(CHECK, f"passed: the {result.request} request got {result.status}"))
    return Prepared(image, result)


def push(
    client,
    image: PublishImage,
    registry: RegistrySettings,
    service: str,
    credentials: RegistryCredentials,
    *,
    services: PublishedServices | None = None,
    report: Reporter | None = None,
) -> PushResult:
    """Push the image to <registry>/<repository>/<service>:<its key>; remembers the layers the repository now has."""
    say = report or (lambda progress: None)
    repository = registry.image_repository(service)
    sizes = {layer.diff_id: layer.size for layer in image.layers}

    def pushing(progress: PushProgress) -> None:
        say(StageProgress(PUSH, f"{progress.layers_done} of {progress.layers} layers", progress.sent, progress.to_send))

    say(StageProgress(PUSH, f"pushing to {repository} ({credentials.describe()})"))
    result = push_image(client, image.tag, repository, image.key[:20], credentials, sizes, pushing)
    if services is not None:
        services.add_known_layers(repository, [layer.diff_id for layer in image.layers])
    say(
        StageProgress(
            PUSH,
            f"pushed {len(result.pushed_layers)} layer(s), {_mb(result.bytes_pushed)}; {_mb(result.bytes_skipped)} already there",
            result.bytes_pushed,
            result.bytes_pushed,
        )
    )
    return result


def plan_push(image: PublishImage, registry: RegistrySettings, service: str, services: PublishedServices | None = None) -> dict:
    """What a push would send (for --dry-run): each layer, and whether the repository is known to have it
    already (from earlier pushes made here; the registry itself is not asked)."""
    repository = registry.image_repository(service)
    known = services.known_layers(repository) if services is not None else set()
    layers = [{**layer.to_dict(), "push": layer.diff_id not in known} for layer in image.layers]
    return {
        "reference": f"{repository}:{image.key[:20]}",
        "local_tag": image.tag,
        "layers": layers,
        "bytes_to_push": sum(layer["size"] for layer in layers if layer["push"]),
        "image_size": image.size,
    }


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"
