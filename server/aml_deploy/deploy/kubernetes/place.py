"""Which cluster and namespace an endpoint goes to: the kubeconfig context named by --kube-context,
else the one it was published to, else the compute target's name (v2 `compute: azureml:<name>`,
v1 `computeTargetName`), else the current context; the namespace given, else the one it was
published to, else v1's `namespace`, else the endpoint's name."""

from __future__ import annotations

from dataclasses import dataclass

from ...kube.rules import dns_label_problem
from ..errors import DeployError
from ..published import PublishedService
from . import names


@dataclass(frozen=True)
class Place:
    context: str | None  # None: the kubeconfig's current context
    namespace: str
    context_from: str = "current"  # "--kube-context" | "published" | "compute" | "current"

    def describe(self) -> str:
        return f"namespace {self.namespace} of {'the current context' if self.context is None else self.context}"


def compute_name(value: object) -> str | None:
    """A compute target's name: `azureml:<name>` or `<name>`."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().removeprefix("azureml:")


def choose(
    endpoint: str, settings: dict, record: PublishedService | None, *, compute: str | None = None, namespace: str | None = None
) -> Place:
    """`settings`: the command's --kube-context and --namespace; `compute`, `namespace`: from the files."""
    published = record.settings if record is not None and record.target == "kubernetes" else None
    if published is not None:
        _same(endpoint, "context", settings.get("kube_context"), published.get("context"), "--kube-context")
        _same(endpoint, "namespace", settings.get("namespace"), published.get("namespace"), "--namespace")
        return Place(published.get("context"), published["namespace"], "published")
    chosen = settings.get("namespace") or namespace or names.fit(endpoint)
    problem = dns_label_problem(chosen)
    if problem:
        raise DeployError(f"{chosen!r} cannot be a Kubernetes namespace: {problem}.")
    if settings.get("kube_context"):
        return Place(settings["kube_context"], chosen, "--kube-context")
    compute = compute_name(compute)
    if compute:
        return Place(compute, chosen, "compute")
    return Place(None, chosen)


def _same(endpoint: str, what: str, given: str | None, published: str | None, option: str) -> None:
    if given is not None and given != published:
        raise DeployError(
            f"The endpoint {endpoint} is published to {what} {published or '(the current context)'}, "
            f"not {given}: leave out {option}, or delete the endpoint first to publish it elsewhere."
        )
