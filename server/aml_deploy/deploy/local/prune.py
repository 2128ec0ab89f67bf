"""Environment images pile up as environments change: find the ones no container uses, and
remove them."""

from __future__ import annotations

from dataclasses import dataclass

from .images import IMAGE_REPOSITORY


@dataclass
class UnusedImage:
    tag: str
    id: str
    size: int  # bytes only this image holds (layers shared with the base image or others not counted)
    created: str

    def to_dict(self) -> dict:
        return {"tag": self.tag, "id": self.id, "size": self.size, "created": self.created}


def unused_environment_images(client) -> list[UnusedImage]:
    """Environment images that no container (running or stopped) was created from."""
    used = {container.attrs.get("Image") for container in client.containers.list(all=True)}
    usage = {entry["Id"]: entry for entry in client.df().get("Images") or []}
    found = []
    for image in client.images.list(filters={"label": "aml-deploy.environment"}):
        if image.id in used:
            continue
        entry = usage.get(image.id, {})
        own = int(entry.get("Size") or image.attrs.get("Size") or 0) - max(int(entry.get("SharedSize") or 0), 0)
        tags = [t for t in image.tags if t.startswith(f"{IMAGE_REPOSITORY}:")] or image.tags or [image.short_id]
        found.append(UnusedImage(tags[0], image.id, own, image.attrs.get("Created", "")[:19]))
    return sorted(found, key=lambda i: i.created)


def remove_images(client, images: list[UnusedImage]) -> int:
    """Remove them; the bytes the engine says it freed (their own layers)."""
    before = _disk_usage(client)
    for image in images:
        client.images.remove(image.id, noprune=False)
    return max(before - _disk_usage(client), 0)


def _disk_usage(client) -> int:
    return int(client.df().get("LayersSize") or 0)
