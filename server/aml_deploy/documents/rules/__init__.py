"""Checks a schema cannot express. Each module's `check(kind, parsed, ctx)` yields findings."""

from . import azureml_refs, conda_packages, endpoint_link, kubernetes, names, paths, settings, v1

RULES = (
    names.check,
    endpoint_link.check,
    paths.check,
    azureml_refs.check,
    settings.check,
    conda_packages.check,
    v1.check,
    kubernetes.check,
)
