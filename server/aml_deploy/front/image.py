"""The front's image: an HAProxy image named by a setting (the official `haproxy:2.6` by default),
or, where no registry can be reached, one built from a Debian image with Debian's haproxy package.
Built once per content (tag = digest of the base image and the Dockerfile); never rebuilt after."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FrontError

DEFAULT_IMAGE = "haproxy:2.6"
FALLBACK_BASE = "python:3.11-slim"  # Debian bookworm (haproxy 2.6 with Lua); any Debian/Ubuntu image with apt
FALLBACK_REPOSITORY = "aml-deploy-front"
_CA_TARGET = "/tmp/aml-front-ca.pem"


@dataclass
class FrontImage:
    tag: str
    source: str  # "present" | "pulled" | "built" | "cached" (built earlier)
    warnings: list[str] = field(default_factory=list)


def ensure_image(
    client,
    image: str | None = DEFAULT_IMAGE,
    base: str = FALLBACK_BASE,
    ca: Path | None = None,
    on_line: Callable[[str], None] | None = None,
) -> FrontImage:
    """`image` when it is here or can be pulled; otherwise the fallback built from `base`.
    `image=None` goes straight to the fallback. `ca`: an extra CA bundle for apt over https."""
    import docker.errors

    warnings = []
    if image:
        try:
            client.images.get(image)
            return FrontImage(image, "present")
        except docker.errors.ImageNotFound:
            pass
    tag = fallback_tag(client, base, ca)
    if _exists(client, tag):
        return FrontImage(tag, "cached", [f"{image} is not here; using {tag}, built from {base}"] if image else [])
    if image:
        try:
            client.images.pull(image)
            return FrontImage(image, "pulled")
        except docker.errors.APIError as err:
            warnings.append(
                f"could not pull {image} ({(err.explanation or str(err))[:160]}); building the front "
                f"image from {base} with Debian's haproxy package instead"
            )
    _build(client, tag, base, ca, on_line)
    return FrontImage(tag, "built", warnings)


def dockerfile(base: str, ca: bool) -> str:
    option = f" -o Acquire::https::CAInfo={_CA_TARGET}" if ca else ""
    lines = [f"FROM {base}"]
    if ca:
        lines.append(f"COPY ca.pem {_CA_TARGET}")
    lines += [
        f"RUN apt-get{option} update && DEBIAN_FRONTEND=noninteractive apt-get{option} install -y "
        f"--no-install-recommends haproxy && rm -rf /var/lib/apt/lists/* {_CA_TARGET if ca else ''}".rstrip(),
        "LABEL aml-deploy.front-image=1",
    ]
    return "\n".join(lines) + "\n"


def fallback_tag(client, base: str, ca: Path | None) -> str:
    import docker.errors

    try:
        base_id = client.images.get(base).id
    except docker.errors.ImageNotFound:
        raise FrontError(
            f"The front image is built from {base}, which is not here: pull it, or set another Debian-based base image."
        ) from None
    digest = hashlib.sha256(f"{base_id}\n{dockerfile(base, ca is not None)}".encode())
    if ca is not None:
        digest.update(Path(ca).read_bytes())
    return f"{FALLBACK_REPOSITORY}:{digest.hexdigest()[:16]}"


def _exists(client, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def _build(client, tag: str, base: str, ca: Path | None, on_line) -> None:
    import docker.errors

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        files = {"Dockerfile": dockerfile(base, ca is not None).encode()}
        if ca is not None:
            files["ca.pem"] = Path(ca).read_bytes()
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    output: list[str] = []
    try:
        for chunk in client.api.build(fileobj=buffer, custom_context=True, tag=tag, rm=True, forcerm=True, decode=True, pull=False):
            if "error" in chunk:
                raise FrontError(f"Building the front image from {base} failed: {chunk['error'].strip()}\n" + "".join(output[-10:]))
            text = chunk.get("stream", "")
            output.append(text)
            if on_line and text.strip():
                on_line(text.rstrip())
    except docker.errors.APIError as err:
        raise FrontError(f"Building the front image from {base} failed: {err.explanation or err}") from None
