"""Which deployments use a script, and what each gives it: its role, environment and model."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from ..documents.conda import CondaSpec, inline_conda, read_spec, spec_from_data
from ..documents.context import Context
from ..documents.kinds import Kind
from ..documents.parsing import parse
from ..documents.references import Role, local_references
from ..documents.workspace import WorkspaceIndex
from ..model_layout import ModelLayout, ModelSource

SCRIPT_ROLES = (Role.SCORING_SCRIPT, Role.ENTRY_SCRIPT)


@dataclass
class ScriptUse:
    config: Path
    kind: Kind
    code_dir: Path | None
    conda: CondaSpec | None  # None: the environment is not known here (a registered one)
    model: ModelLayout | None  # None: the model is not known here
    image: str | None = None  # the environment's base image, when written inline
    has_build: bool = False  # built from a Dockerfile: its packages are unknown

    @property
    def role(self) -> str:
        if self.kind is Kind.INFERENCE_CONFIG:
            return "v1"
        return "online" if self.kind.is_online_deployment else "batch"


def script_uses(script: Path, index: WorkspaceIndex, ctx: Context) -> list[ScriptUse]:
    uses = []
    for source, ref in index.referrers(script):
        if ref.role not in SCRIPT_ROLES:
            continue
        kind = index.kind(source)
        text = ctx.read(Path(source))
        if kind is None or text is None:
            continue
        data = _parsed_data(Path(source).name, text)
        uses.append(_use(Path(source), kind, data, ctx))
    return uses


@functools.lru_cache(maxsize=256)
def _parsed_data(name: str, text: str):
    return parse(text, is_json=name.lower().endswith(".json")).data


def _use(config: Path, kind: Kind, data, ctx: Context) -> ScriptUse:
    refs = local_references(kind, data, config.parent)
    by_role = {ref.role: ref for ref in refs if ref.resolved is not None}
    code = by_role.get(Role.CODE) or by_role.get(Role.SOURCE_DIRECTORY)
    code_dir = code.resolved if code else config.parent
    image, has_build = _image(kind, data)
    return ScriptUse(config, kind, code_dir, _conda(kind, data, by_role, ctx), _model(data, by_role, ctx), image, has_build)


def _image(kind: Kind, data) -> tuple[str | None, bool]:
    if not isinstance(data, dict):
        return None, False
    if kind is Kind.INFERENCE_CONFIG:
        docker = (data.get("environment") or {}).get("docker") if isinstance(data.get("environment"), dict) else None
        docker = docker if isinstance(docker, dict) else {}
        image = data.get("baseImage") or docker.get("baseImage")
        built = bool(docker.get("baseDockerfile") or data.get("extraDockerfileSteps"))
        return (image if isinstance(image, str) else None), built
    environment = data.get("environment")
    if isinstance(environment, dict):
        image = environment.get("image")
        return (image if isinstance(image, str) else None), "build" in environment
    return None, False


def _conda(kind: Kind, data, by_role, ctx: Context) -> CondaSpec | None:
    conda = by_role.get(Role.CONDA)
    if conda is not None:
        spec, _ = read_spec(conda.resolved, ctx.read)
        return spec
    inline = inline_conda(kind, data)
    return spec_from_data(inline) if inline is not None else None


def _model(data, by_role, ctx: Context) -> ModelLayout | None:
    model = by_role.get(Role.MODEL)
    if model is not None:
        if not ctx.exists(model.resolved):
            return None
        what = "folder" if ctx.is_dir(model.resolved) else "file"
        return ModelLayout.of([ModelSource(model.resolved)], f"model.path {model.raw} (a {what})")
    reference = data.get("model") if isinstance(data, dict) else None
    if isinstance(reference, str) and ctx.registry is not None:
        return ctx.registry.layout(reference)
    return None
