"""The environment of an online deployment must carry the inference server, or the container
never starts (the most common reason a deployment is stuck at 'liveness probe failed')."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding, Severity, Span
from ..conda import CondaProblem, CondaSpec, inline_conda_field, read_spec, spec_from_data
from ..context import Context
from ..kinds import Kind
from ..nodes import value_span
from ..parsing import Parsed
from ..references import Role, local_references


def check(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[Finding]:
    data = parsed.data
    if not isinstance(data, dict) or not _serves_a_script(kind, data):
        return
    for field, spec, problem in _conda_specs(kind, parsed, ctx):
        span = value_span(parsed.root, field)
        if problem:
            yield _unusable(problem, span)
        elif spec is not None and not spec.has_inference_server():
            yield Finding(
                "AMLD151",
                Severity.WARNING,
                "The conda environment does not install azureml-inference-server-http (or azureml-defaults), "
                "so the container will not start (the Azure ML CLI does not check it): add it to the pip section.",
                span,
            )


def _unusable(problem: CondaProblem, span: Span) -> Finding:
    """The Azure ML CLI reads the conda file when it loads the deployment: one it cannot read it
    refuses; one without a dependencies list it accepts, and the image build fails later."""
    if problem.readable:
        return Finding(
            "AMLD150",
            Severity.WARNING,
            f"The conda file cannot be used: {problem.why} (the Azure ML CLI accepts it; the image cannot be built).",
            span,
        )
    return Finding("AMLD150", Severity.ERROR, f"The conda file cannot be used: {problem.why}; the Azure ML CLI refuses it.", span)


def _serves_a_script(kind: Kind, data: dict) -> bool:
    if kind is Kind.INFERENCE_CONFIG:
        return True
    if not kind.is_online_deployment or "code_configuration" not in data:
        return False
    env = data.get("environment")
    return not (isinstance(env, dict) and "inference_config" in env)  # a custom container serves itself


def _conda_specs(kind: Kind, parsed: Parsed, ctx: Context) -> Iterator[tuple[tuple[str | int, ...], CondaSpec | None, CondaProblem | None]]:
    """(field, spec, None) or (field, None, why it cannot be used) for each conda file and inline environment."""
    for ref in local_references(kind, parsed.data, ctx.folder):
        if ref.role is Role.CONDA and ref.resolved is not None and ctx.is_file(ref.resolved):
            spec, problem = read_spec(ref.resolved, ctx.read)
            yield ref.field, spec, problem
    inline = inline_conda_field(kind, parsed.data)
    if inline is not None:
        field, value = inline
        yield field, spec_from_data(value), None
