"""The front's image as a published service runs it: the front image the local check used, made to
run as the front's user (uid 99) whatever user its base image names, since ACI and Kubernetes start it
with its command and no user of their own. Pushed to the service's registry beside the scoring image,
so the service runs the front that was checked and pulls it from where it pulls the scoring image."""

from __future__ import annotations

from ... import front
from ..errors import DeployError
from .contexts import Context
from .image import DOCKERFILE, run_build

REPOSITORY = "aml-deploy-front-publish"
USER = 99  # the haproxy user of the official image, which the front runs as everywhere


def publish_front_image(client, front_image: str = front.DEFAULT_IMAGE, ca=None, on_line=None) -> str:
    """The local tag of the front image to push (built once per front image)."""
    base = front.ensure_image(client, front_image, ca=ca, on_line=on_line).tag
    try:
        base_id = client.images.get(base).id
    except Exception as err:  # noqa: BLE001 - docker's ImageNotFound, or the engine
        raise DeployError(f"The front image {base} is not here: {err}") from None
    tag = f"{REPOSITORY}:{base_id.split(':', 1)[-1][:20]}"
    try:
        client.images.get(tag)
        return tag
    except Exception:  # noqa: BLE001 - not built yet
        pass
    context = Context()
    context.add_bytes(DOCKERFILE, f"FROM {base}\nUSER {USER}:{USER}\n".encode())
    run_build(client, context, tag, "the front image", on_line, {"aml-deploy.front-publish": base_id})
    return tag
