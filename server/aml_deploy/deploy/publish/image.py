"""The publish image: what a local deployment mounts, copied into an image in layers that change at
different speeds, so that a push sends only what changed:

    the environment image (deploy.local.images: base + packages + inference server)   rarely
    + the model files at their AZUREML_MODEL_DIR layout                                 per model version
    + the code, the inference server's settings and its start command                   per edit

Each stage is its own image, tagged by the digest of everything it is made of; an existing stage is
never rebuilt (so an unchanged model layer keeps its digest and is never pushed again). The server
starts as Azure starts it: `azmlinfsrv --entry_script <AML_APP_ROOT>/<script> --port 5001`."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeployError
from ..layout import APP_ROOT, MODELS_ROOT, code_target, container_environment
from ..local import images
from ..spec import DeploymentSpec
from .contexts import Context

MODELS_REPOSITORY = "aml-deploy-publish-models"
REPOSITORY = "aml-deploy-publish"
SCORING_PORT = 5001
SERVER = "/opt/aml-deploy/env/bin/azmlinfsrv"  # the environment install.sh creates (conda or venv)
DOCKERFILE = "Dockerfile.aml-deploy"
LABEL = "aml-deploy.publish"
IGNORED = f"{DOCKERFILE}\n.dockerignore\n".encode()  # the context's own files: not copied into the image
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Lines = Callable[[str], None]


@dataclass
class Layer:
    kind: str  # "environment" | "model" | "code"
    diff_id: str  # sha256:... of the uncompressed layer, as the engine names it
    size: int  # bytes the stage adds (uncompressed; the whole environment for the environment's layers)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "diff_id": self.diff_id, "size": self.size}


@dataclass
class PublishImage:
    tag: str  # local tag: aml-deploy-publish:<key>
    id: str
    key: str  # digest of everything the image is made of
    environment_tag: str
    layers: list[Layer]
    size: int  # the whole image, uncompressed
    built: list[str] = field(default_factory=list)  # the stages built by this call ("environment", "model", "code")
    warnings: list[str] = field(default_factory=list)

    def layers_of(self, kind: str) -> list[Layer]:
        return [layer for layer in self.layers if layer.kind == kind]

    def to_dict(self) -> dict:
        return {
            "tag": self.tag,
            "id": self.id,
            "key": self.key,
            "environment": self.environment_tag,
            "size": self.size,
            "built": self.built,
            "layers": [layer.to_dict() for layer in self.layers],
            "warnings": self.warnings,
        }


def build_image(client, spec: DeploymentSpec, *, on_line: Lines | None = None, ca: Path | None = None) -> PublishImage:
    """Build (or find) the publish image of `spec`: environment, then models, then code."""
    environment = images.ensure_image(client, spec.environment, on_line, ca)
    built = ["environment"] if environment.built else []
    parent, parent_key = environment.tag, environment.key
    if spec.models:
        models = model_context(spec)
        parent_key = _digest(parent_key, models.digest())
        tag = f"{MODELS_REPOSITORY}:{parent_key[:20]}"
        if not _exists(client, tag):
            models.add_bytes(DOCKERFILE, f"FROM {parent}\nCOPY . /\n".encode())
            models.add_bytes(".dockerignore", IGNORED)
            run_build(client, models, tag, "the model layer", on_line, {f"{LABEL}.models": parent_key})
            built.append("model")
        parent = tag
    code = code_context(spec)
    dockerfile = app_dockerfile(spec, parent)
    key = _digest(parent_key, code.digest(), dockerfile)
    tag = f"{REPOSITORY}:{key[:20]}"
    if not _exists(client, tag):
        code.add_bytes(DOCKERFILE, dockerfile.encode())
        code.add_bytes(".dockerignore", IGNORED)
        run_build(client, code, tag, "the code layer", on_line, {LABEL: key})
        built.append("code")
    image = client.images.get(tag)
    layers = _layers(client, environment.tag, parent if spec.models else None, image)
    return PublishImage(tag, image.id, key, environment.tag, layers, int(image.attrs.get("Size") or 0), built, list(environment.warnings))


def model_context(spec: DeploymentSpec) -> Context:
    """<models root>/<name>/<version>/<file or folder>: AZUREML_MODEL_DIR's layout, from the root."""
    context = _rooted(MODELS_ROOT)
    for model in sorted(spec.models, key=lambda m: (m.name, m.version)):
        context.add_folder(f"{MODELS_ROOT[1:]}/{model.name}")
        context.add_folder(f"{MODELS_ROOT[1:]}/{model.name}/{model.version}")
        context.add_tree(model.path, f"{MODELS_ROOT[1:]}/{model.name}/{model.version}/{model.path.name}")
    return context


def code_context(spec: DeploymentSpec) -> Context:
    context = _rooted(APP_ROOT)
    context.add_tree(spec.code_dir, code_target(spec)[1:])
    return context


def _rooted(folder: str) -> Context:
    """A context holding `folder` and its parents, copied with `COPY . /`: every folder of a layer then
    comes from the context (fixed times), none is made at build time, so a layer built again on another
    model is the same layer (the engine says "already exists", and the code is not pushed again)."""
    context = Context()
    parts = folder.strip("/").split("/")
    for depth in range(1, len(parts) + 1):
        context.add_folder("/".join(parts[:depth]))
    return context


def app_dockerfile(spec: DeploymentSpec, parent: str) -> str:
    """The code, the variables Azure sets (and the user's), and the server started as Azure starts it."""
    variables = {**container_environment(spec), "PYTHONUNBUFFERED": "1"}
    app_root = variables["AML_APP_ROOT"]
    entry = f"{app_root}/{variables['AZUREML_ENTRY_SCRIPT']}"
    lines = [f"FROM {parent}", "COPY . /"]
    lines += [f"ENV {name}={_quoted(name, value)}" for name, value in variables.items()]
    lines += [
        f"WORKDIR {app_root if app_root.startswith(APP_ROOT) else APP_ROOT}",
        f"EXPOSE {SCORING_PORT}",
        f"ENTRYPOINT {json.dumps([SERVER])}",
        f"CMD {json.dumps(['--entry_script', entry, '--port', str(SCORING_PORT)])}",
    ]
    return "\n".join(lines) + "\n"


def _quoted(name: str, value: str) -> str:
    if not _VARIABLE.match(name):
        raise DeployError(f"The environment variable name {name!r} cannot be set in an image: use letters, digits and '_'.")
    if "\n" in value or "\r" in value:
        raise DeployError(f"The environment variable {name} holds a line break, which an image cannot carry.")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _exists(client, tag: str) -> bool:
    try:
        client.images.get(tag)
        return True
    except images.docker_errors().ImageNotFound:
        return False


def run_build(client, context: Context, tag: str, what: str, on_line: Lines | None, labels: dict[str, str]) -> None:
    """Build `context` (holding DOCKERFILE) as `tag`; the build's own error when it fails."""
    output: list[str] = []
    try:
        for chunk in client.api.build(
            fileobj=context.tar(),
            custom_context=True,
            dockerfile=DOCKERFILE,
            tag=tag,
            rm=True,
            forcerm=True,
            decode=True,
            pull=False,
            labels=labels,
        ):
            if "error" in chunk:
                raise DeployError(f"Building {what} failed: {chunk['error'].strip()}\n{''.join(output[-10:])}")
            text = chunk.get("stream", "")
            output.append(text)
            if on_line and text.strip():
                on_line(text.rstrip())
    except images.docker_errors().APIError as err:
        raise DeployError(f"Building {what} failed: {err.explanation or err}") from None


def _layers(client, environment_tag: str, models_tag: str | None, image) -> list[Layer]:
    """The image's layers, each with the stage it belongs to and its size."""
    stages = [("environment", client.api.inspect_image(environment_tag)["RootFS"]["Layers"])]
    if models_tag is not None:
        stages.append(("model", client.api.inspect_image(models_tag)["RootFS"]["Layers"]))
    stages.append(("code", image.attrs["RootFS"]["Layers"]))
    sizes = layer_sizes(client, image.id, image.attrs["RootFS"]["Layers"])
    layers, below = [], 0
    for kind, diff_ids in stages:
        layers += [Layer(kind, diff, sizes.get(diff, 0)) for diff in diff_ids[below:]]
        below = len(diff_ids)
    return layers


def layer_sizes(client, image: str, diff_ids: list[str]) -> dict[str, int]:
    """Each layer's size, from the image's history: the steps that made a layer, oldest first, are the
    layers in order (instructions that only set metadata, "#(nop) ENV ...", made none). Empty when
    the history does not line up with the layers (an image from another builder)."""
    steps = [entry for entry in reversed(client.api.history(image)) if _made_a_layer(entry)]
    if len(steps) != len(diff_ids):
        return {}
    return {diff: int(step.get("Size") or 0) for diff, step in zip(diff_ids, steps)}


def _made_a_layer(entry: dict) -> bool:
    created_by = entry.get("CreatedBy") or ""
    if "#(nop)" not in created_by:
        return True  # RUN, or an imported root file system
    return bool(re.search(r"#\(nop\)\s+(COPY|ADD)\b", created_by))
