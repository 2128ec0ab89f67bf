"""Pushing the publish image. The Docker engine does the pushing: it asks the registry which layers
it has and sends only the others. What it reports arrives inside its answer's stream (the answer
itself is 200 even when the push fails), so every line is read: layer states, bytes sent, the
digest, and the error, if any. The result names the image by digest, so that what runs is exactly
what was pushed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import DeployError
from .credentials import RegistryCredentials

PUSHED, EXISTS, MOUNTED = "pushed", "exists", "mounted"


class PushFailed(DeployError):
    code = "push-failed"


class RegistryAuthFailed(PushFailed):
    code = "registry-auth"


class RegistryUnreachable(PushFailed):
    code = "registry-unreachable"


@dataclass
class LayerPush:
    id: str  # the engine's short name of the layer: the first 12 hex digits of its diff id
    state: str = "waiting"  # waiting | pushing | pushed | exists | mounted
    sent: int = 0  # bytes read from the layer and sent (before compression), as the engine counts
    size: int = 0  # the layer's size (uncompressed), when known

    def to_dict(self) -> dict:
        return {"id": self.id, "state": self.state, "sent": self.sent, "size": self.size}


@dataclass
class PushProgress:
    sent: int  # bytes sent so far
    to_send: int  # bytes of the layers being sent, as far as known
    layers_done: int
    layers: int
    message: str


@dataclass
class PushResult:
    reference: str  # <server>/<repository>@sha256:...
    digest: str
    tag_reference: str  # <server>/<repository>:<tag>
    layers: list[LayerPush] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def bytes_pushed(self) -> int:
        return sum(layer.sent for layer in self.layers if layer.state == PUSHED)

    @property
    def bytes_skipped(self) -> int:
        return sum(layer.size for layer in self.layers if layer.state in (EXISTS, MOUNTED))

    @property
    def pushed_layers(self) -> list[LayerPush]:
        return [layer for layer in self.layers if layer.state == PUSHED]

    def to_dict(self) -> dict:
        return {
            "reference": self.reference,
            "digest": self.digest,
            "tag": self.tag_reference,
            "bytes_pushed": self.bytes_pushed,
            "bytes_skipped": self.bytes_skipped,
            "layers_pushed": len(self.pushed_layers),
            "layers_skipped": len(self.layers) - len(self.pushed_layers),
            "seconds": round(self.seconds, 3),
            "layers": [layer.to_dict() for layer in self.layers],
        }


def push_image(
    client,
    image: str,
    repository: str,
    tag: str,
    credentials: RegistryCredentials | None,
    sizes: dict[str, int] | None = None,
    progress: Callable[[PushProgress], None] | None = None,
) -> PushResult:
    """Push local `image` as `<credentials.server>/<repository>:<tag>` (`repository` may start with the
    server already). `sizes`: diff id -> size, to count the bytes of layers the registry had."""
    server = credentials.server if credentials else repository.split("/", 1)[0]
    target = repository if repository.startswith(server + "/") else f"{server}/{repository}"
    client.images.get(image).tag(target, tag)
    started = time.monotonic()
    layers: dict[str, LayerPush] = {}
    by_short = {diff.split(":", 1)[-1][:12]: size for diff, size in (sizes or {}).items()}
    digest = None
    from docker.errors import DockerException
    from requests import RequestException

    try:
        stream = client.api.push(target, tag=tag, stream=True, decode=True, auth_config=credentials.auth_config() if credentials else None)
        for line in stream:
            if "error" in line or "errorDetail" in line:
                raise _failure(server, line, layers)
            digest = (line.get("aux") or {}).get("Digest") or digest
            _follow(line, layers, by_short)
            if progress is not None and line.get("id") in layers:
                progress(_progress(layers, line))
    except (DockerException, RequestException) as err:  # the engine refused the request, or its connection broke
        raise PushFailed(f"Pushing {target}:{tag} failed: {getattr(err, 'explanation', None) or err}") from None
    finally:
        _untag(client, f"{target}:{tag}")
    if not digest:
        raise PushFailed(f"The engine finished pushing {target}:{tag} without naming the image's digest.")
    return PushResult(f"{target}@{digest}", digest, f"{target}:{tag}", list(layers.values()), time.monotonic() - started)


def _follow(line: dict, layers: dict[str, LayerPush], sizes: dict[str, int]) -> None:
    short = line.get("id")
    status = line.get("status") or ""
    if not short or short == line.get("aux", {}).get("Tag") or ":" in short:
        return
    layer = layers.setdefault(short, LayerPush(short, size=sizes.get(short, 0)))
    detail = line.get("progressDetail") or {}
    if status == "Pushing":
        layer.state = "pushing"
        layer.sent = max(layer.sent, int(detail.get("current") or 0))
        layer.size = int(detail.get("total") or layer.size)
    elif status == "Pushed":
        layer.state, layer.sent = PUSHED, max(layer.sent, layer.size)
    elif status == "Layer already exists":
        layer.state = EXISTS
    elif status.startswith("Mounted from"):
        layer.state = MOUNTED


def _progress(layers: dict[str, LayerPush], line: dict) -> PushProgress:
    sending = [layer for layer in layers.values() if layer.state in ("pushing", PUSHED)]
    done = sum(1 for layer in layers.values() if layer.state in (PUSHED, EXISTS, MOUNTED))
    return PushProgress(
        sum(layer.sent for layer in sending),
        sum(layer.size for layer in sending),
        done,
        len(layers),
        f"{line.get('status', '')} {line.get('id', '')}".strip(),
    )


def _failure(server: str, line: dict, layers: dict[str, LayerPush]) -> PushFailed:
    message = str((line.get("errorDetail") or {}).get("message") or line.get("error") or "unknown error").strip()
    lowered = message.lower()
    done = sum(1 for layer in layers.values() if layer.state in (PUSHED, EXISTS, MOUNTED))
    if any(word in lowered for word in ("unauthorized", "authentication required", "denied", "forbidden")):
        return RegistryAuthFailed(
            f"The registry {server} refused the push: {message}. Check the credentials "
            f"(docker login {server}, or the registry username and password given)."
        )
    if any(
        word in lowered
        for word in (
            "connection refused",
            "connection reset",
            "eof",
            "broken pipe",
            "no such host",
            "i/o timeout",
            "no route to host",
            "server misbehaving",
            "dial tcp",
        )
    ):
        if not layers:  # it never answered: nothing was under way
            return RegistryUnreachable(
                f"Cannot reach the registry {server} ({message}): check its name and that it runs; nothing was pushed."
            )
        return RegistryUnreachable(
            f"The registry {server} stopped answering during the push ({message}). {done} of "
            f"{len(layers)} layers had arrived and stay there: publish again when it is back, "
            "and only the missing layers are sent."
        )
    return PushFailed(f"Pushing to {server} failed: {message}")


def _untag(client, reference: str) -> None:
    try:
        client.images.remove(reference, noprune=True)
    except Exception:  # noqa: BLE001 - the tag is a convenience; the publish image keeps its own
        pass
