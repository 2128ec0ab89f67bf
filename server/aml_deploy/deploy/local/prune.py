"""Environment images pile up as environments change: find the ones no container uses, and
remove them."""

from __future__ import annotations

from dataclasses import dataclass, field

from .images import IMAGE_REPOSITORY

ENVIRONMENT_LABEL = "aml-deploy.environment"
PUBLISH_LABEL = "aml-deploy.publish"  # publish images are built on an environment image and inherit its label


@dataclass
class UnusedImage:
    tag: str
    id: str
    size: int  # bytes only this image holds (layers shared with the base image or others not counted)
    created: str
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"tag": self.tag, "id": self.id, "size": self.size, "created": self.created}


@dataclass
class KeptImage:
    tag: str
    id: str
    reason: str


@dataclass
class Removal:
    freed: int  # bytes the engine says it freed
    removed: list[UnusedImage]
    kept: list[KeptImage]  # what the engine refused to remove (in use since it was listed, say), with its reason


def unused_environment_images(client) -> list[UnusedImage]:
    """Environment images that no container (running or stopped) was created from and no other image is
    built on (a publish image's environment stays while the publish image is there)."""
    used = {container.attrs.get("Image") for container in client.containers.list(all=True, ignore_removed=True)}
    parents = {image.attrs.get("Parent") for image in client.images.list(all=True)} - {None, ""}
    usage = {entry["Id"]: entry for entry in client.df().get("Images") or []}
    found = []
    for image in client.images.list(filters={"label": ENVIRONMENT_LABEL}):
        labels = image.labels or {}
        if image.id in used or image.id in parents or any(label.startswith(PUBLISH_LABEL) for label in labels):
            continue
        entry = usage.get(image.id, {})
        own = int(entry.get("Size") or image.attrs.get("Size") or 0) - max(int(entry.get("SharedSize") or 0), 0)
        tags = [t for t in image.tags if t.startswith(f"{IMAGE_REPOSITORY}:")] or image.tags or [image.short_id]
        found.append(UnusedImage(tags[0], image.id, own, image.attrs.get("Created", "")[:19], list(image.tags)))
    return sorted(found, key=lambda i: i.created)


def remove_images(client, images: list[UnusedImage]) -> Removal:
    """Remove them, each under every tag it has (an image pushed somewhere has two); one the engine refuses
    (a container or another image came to use it since it was listed) is kept and said, and the rest go on."""
    import docker.errors

    before = _disk_usage(client)
    removed, kept = [], []
    for image in images:
        try:
            for tag in image.tags[1:]:
                client.images.remove(tag, noprune=True)  # untag only: the image is removed with its last name
            client.images.remove(image.tags[0] if image.tags else image.id, noprune=False)
            removed.append(image)
        except docker.errors.NotFound:
            removed.append(image)  # removed meanwhile by someone else
        except docker.errors.APIError as err:
            kept.append(KeptImage(image.tag, image.id, str(err.explanation or err)))
    return Removal(max(before - _disk_usage(client), 0), removed, kept)


def _disk_usage(client) -> int:
    return int(client.df().get("LayersSize") or 0)
