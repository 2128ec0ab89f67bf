"""`aml-deploy model deploy`: Azure ML v1's verb (`az ml model deploy`), with its option names. The
deployment configuration's computeType decides where: `local` runs on this machine's Docker engine as
`online-deployment create --local` does, `aci` publishes to Azure Container Instances. A v2
deployment YAML can be published to ACI too, with --compute-type aci and cpu and memory as options."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..deploy.errors import DeployError
from .output import add_format, print_result

PASSWORD_VARIABLE = "AML_DEPLOY_REGISTRY_PASSWORD"


def add_parser(verbs) -> None:
    """`deploy` under `aml-deploy model` (one line in models.py)."""
    deploy = verbs.add_parser(
        "deploy",
        help="deploy models as a web service: locally or to Azure Container Instances",
        description="Deploy a scoring script with its models as a web service (az ml model deploy). "
        "computeType local runs it on this machine's Docker engine; aci builds the image in layers, "
        "checks it locally behind the endpoint front, pushes what the registry lacks and creates the "
        "container group.",
    )
    deploy.add_argument("-n", "--name", required=True, help="the service's name")
    deploy.add_argument(
        "-m",
        "--model",
        action="append",
        default=[],
        help="NAME:VERSION from the local registry (or azureml:NAME:VERSION, or a path); repeatable",
    )
    deploy.add_argument(
        "--ic",
        "--inference-config-file",
        dest="inference_config",
        type=Path,
        required=True,
        help="inferenceconfig.json, or a v2 online deployment YAML",
    )
    deploy.add_argument(
        "--dc", "--deploy-config-file", dest="deploy_config", type=Path, help="deploymentconfig.json (computeType local or aci)"
    )
    deploy.add_argument("--compute-type", choices=("local", "aci", "aks"), help="when there is no deploymentconfig.json")
    deploy.add_argument(
        "--ct",
        "--compute-target",
        dest="compute_target",
        help="AKS: the cluster, as a kubeconfig context (default: computeTargetName, else the current context)",
    )
    deploy.add_argument("--overwrite", action="store_true", help="replace a service of the same name")
    deploy.add_argument("--cc", "--cpu-cores", dest="cpu", type=float, help="ACI: CPU cores (containerResourceRequirements.cpu)")
    deploy.add_argument("--gb", "--memory-gb", dest="memory_gb", type=float, help="ACI: memory in GB (memoryInGB)")
    deploy.add_argument(
        "--ae",
        "--auth-enabled",
        dest="auth_enabled",
        type=_boolean,
        metavar="{true,false}",
        help="ACI: require a key (default false, as in Azure ML v1)",
    )
    deploy.add_argument(
        "--dn",
        "--dns-name-label",
        dest="dns_name_label",
        help="ACI: the DNS label of the scoring URI (default: the service's name, made unique by ACI)",
    )
    deploy.add_argument("--port", "--po", type=_port, help="local: host port of the scoring URI, 1024-65535")
    add_publish_options(deploy)
    deploy.add_argument(
        "--request-file",
        type=Path,
        help="the request the local check sends (default: the script's input_sample, else a *request*.json beside the configuration)",
    )
    deploy.add_argument("--skip-local-check", action="store_true", help="publish without running the image locally first")
    deploy.add_argument(
        "--dry-run",
        action="store_true",
        help="ACI: build the image, then print the layers it would push and the ARM requests it would send; "
        "AKS: print the Kubernetes manifests (multi-document YAML, secrets as placeholders)",
    )
    deploy.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for init() (default 600)")
    deploy.add_argument("--workspace-folder", type=Path, help="refuse files outside it (default: the current folder)")
    deploy.add_argument("--ca-bundle", type=Path, help="extra CA bundle for package downloads during the build")
    add_format(deploy)
    deploy.set_defaults(handler=_deploy, command_name="deploy", group_name="model")


def add_publish_options(parser) -> None:
    """Where a service lives in Azure and which registry holds its image (az's option names where it has them)."""
    azure = parser.add_argument_group("Azure (default: the Azure CLI's defaults and AZURE_SUBSCRIPTION_ID)")
    azure.add_argument("--subscription", "--subscription-id", dest="subscription")
    azure.add_argument("-g", "--resource-group", dest="resource_group")
    azure.add_argument("-l", "--location", "--lo", dest="location")
    azure.add_argument("-w", "--workspace-name", dest="ignored_workspace", help=argparse.SUPPRESS)
    registry = parser.add_argument_group("registry (the image is pushed there; ACI pulls from there)")
    registry.add_argument(
        "--registry-login-server",
        dest="registry_server",
        help="an Azure Container Registry (myacr.azurecr.io) or any registry `docker login` knows",
    )
    registry.add_argument(
        "--registry-username",
        help="with --registry-password (or $AML_DEPLOY_REGISTRY_PASSWORD): a token or service principal that can push and pull",
    )
    registry.add_argument("--registry-password", help=f"prefer ${PASSWORD_VARIABLE}: a command line is visible to others")
    registry.add_argument("--acr-name", help="the registry is this Azure Container Registry (when its login server does not say so)")
    registry.add_argument("--acr-resource-group", help="the registry's resource group (default: the service's)")
    registry.add_argument("--image-repository", default="aml-deploy", help="repository prefix (default aml-deploy)")
    registry.add_argument("--front-image", help="the front's HAProxy image (default haproxy:2.6)")


def aci_target(args, progress=True):
    """The ACI target for these options."""
    from ..deploy.aci.settings import AciOptions
    from ..deploy.aci.target import AciServices
    from ..deploy.local.images import ca_bundle
    from ..deploy.publish import RegistrySettings
    from ..registry import Registry

    registry = None
    if getattr(args, "registry_server", None):
        password = args.registry_password or os.environ.get(PASSWORD_VARIABLE)
        registry = RegistrySettings(
            args.registry_server, args.image_repository, args.registry_username, password, args.acr_name, args.acr_resource_group
        )
    options = AciOptions(
        subscription=args.subscription,
        resource_group=args.resource_group,
        location=args.location,
        registry=registry,
        cpu=getattr(args, "cpu", None),
        memory_gb=getattr(args, "memory_gb", None),
        dns_name_label=getattr(args, "dns_name_label", None),
        auth_enabled=getattr(args, "auth_enabled", None),
        front_image=getattr(args, "front_image", None),
    )
    request = getattr(args, "request_file", None)
    return AciServices(
        Registry(getattr(args, "registry", None)),
        _printer(args) if progress else None,
        options=options,
        check=not getattr(args, "skip_local_check", False),
        request_file=request,
        deployment_config=getattr(args, "deploy_config", None),
        ca=ca_bundle(str(args.ca_bundle)) if getattr(args, "ca_bundle", None) else None,
        workspace=getattr(args, "workspace", None),
    )


def _printer(args):
    if args.format != "text":
        return None
    return lambda message: print(f"  {message}", file=sys.stderr)


def _port(text: str) -> int:
    from .online import _port as port

    return port(text)


def _boolean(text: str) -> bool:
    if text.lower() in ("true", "yes", "1"):
        return True
    if text.lower() in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not true or false")


def _deploy(args) -> int:
    from ..deploy.spec import from_config, read_deployment_config
    from .online import _default_workspace

    config = args.inference_config.resolve()
    args.workspace = args.workspace_folder.resolve() if args.workspace_folder else _default_workspace(config)
    deploy_config = read_deployment_config(args.deploy_config, args.workspace) if args.deploy_config else {}
    compute = str(args.compute_type or deploy_config.get("computeType") or "").lower()
    if compute not in ("local", "aci", "aks"):
        raise DeployError(
            "Say where to deploy: a deploymentconfig.json (--dc) with computeType local, aci or aks, or "
            f"--compute-type local|aci|aks{f' (computeType {compute} is not supported here)' if compute else ''}."
        )
    from ..registry import Registry

    registry = Registry(getattr(args, "registry", None))
    models = [_model_reference(m) for m in args.model]
    spec = from_config(
        config,
        endpoint=args.name,
        deployment="default" if config.suffix == ".json" else None,
        deployment_config=args.deploy_config,
        models=models,
        port=args.port,
        workspace=args.workspace,
        registry=registry,
    )
    spec.endpoint = args.name
    if compute == "local":
        return _deploy_locally(args, spec, registry)
    if compute == "aks":
        return _deploy_to_kubernetes(args, spec, deploy_config)
    if not deploy_config:
        spec.target_settings = {"computeType": "aci"}
    target = aci_target(args)
    if args.dry_run:
        plan = target.plan(spec)
        print(json.dumps(plan, indent=2) if args.format == "json" else _plan_text(plan))
        return 0
    _refuse_existing(target, args)
    state = target.deploy(spec, timeout=args.timeout)
    data = {**state.to_dict(), "publish": target.last_run.to_dict()}
    print_result(args, data, service_text)
    return 1 if state.state == "Failed" else 0


def _deploy_locally(args, spec, registry) -> int:
    from ..deploy.targets import get_target

    target = get_target("local", registry=registry, progress=_printer(args))
    state = target.deploy(spec, timeout=args.timeout)
    print_result(args, state.to_dict(), service_text)
    return 1 if state.state == "Failed" else 0


def kubernetes_target(args, progress=True):
    """The Kubernetes target for these options: --ct names the kubeconfig context."""
    from ..deploy.local.images import ca_bundle
    from ..deploy.targets import kubernetes_endpoints
    from ..registry import Registry

    settings = {
        "kube_context": getattr(args, "compute_target", None),
        "registry": getattr(args, "registry_server", None),
        "registry_username": getattr(args, "registry_username", None),
        "registry_password": getattr(args, "registry_password", None),
        "registry_repository": getattr(args, "image_repository", None),
        "front_image": getattr(args, "front_image", None),
        "local_check": False if getattr(args, "skip_local_check", False) else None,
    }
    target = kubernetes_endpoints()(
        Registry(getattr(args, "registry", None)),
        _printer(args) if progress else None,
        settings=settings,
        deployment_config=getattr(args, "deploy_config", None),
        workspace=getattr(args, "workspace", None),
    )
    if getattr(args, "ca_bundle", None):
        target.ca = ca_bundle(str(args.ca_bundle))
    return target


def _refuse_existing(target, args) -> None:
    existing = target.services.get(args.name)
    if existing is not None and not args.overwrite:
        raise DeployError(
            f"A service named {args.name} exists already ({existing.target}): add --overwrite to replace it, "
            f"or update it with aml-deploy service update -n {args.name}."
        )


def _deploy_to_kubernetes(args, spec, deploy_config: dict) -> int:
    if not deploy_config:
        spec.target_settings = {"computeType": "aks"}
    target = kubernetes_target(args)
    if args.dry_run:
        sys.stdout.write(target.deployment_manifests(spec))
        return 0
    _refuse_existing(target, args)
    state = target.deploy(spec, timeout=args.timeout)
    print_result(args, state.to_dict(), service_text)
    return 1 if state.state == "Failed" else 0


def _model_reference(value: str) -> str:
    """NAME:VERSION (az ml model deploy's model id) as the local registry's azureml:NAME:VERSION; paths as given."""
    if value.startswith("azureml:") or "/" in value or Path(value).exists():
        return value
    return f"azureml:{value}"


def service_text(data: dict) -> str:
    """A deployment's state for people, as `online-deployment create` prints it, with the publish's numbers."""
    from .online import _deployment_text

    lines = [_deployment_text(data)]
    run = data.get("publish") or {}
    pushed = run.get("push")
    if pushed:
        lines.append(
            f"  pushed {pushed['layers_pushed']} layer(s), {pushed['bytes_pushed'] / 1e6:.2f} MB "
            f"({pushed['bytes_skipped'] / 1e6:.1f} MB already in the registry): {pushed['reference']}"
        )
    if run.get("stages"):
        lines.append("  stages: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in run["stages"].items()))
    return "\n".join(lines)


def _plan_text(plan: dict) -> str:
    image = plan["image"]
    lines = [f"Would push {image['reference']}:"]
    for layer in image["layers"]:
        action = "push" if layer["push"] else "skip"
        lines.append(f"  {action}  {layer['kind']:<11} {layer['size'] / 1e6:10.2f} MB  {layer['diff_id'][:19]}")
    lines.append(f"  {image['bytes_to_push'] / 1e6:.2f} MB of {image['image_size'] / 1e6:.1f} MB")
    for request in plan["requests"]:
        lines.append(f"Would send {request['method']} {request['url']}")
    lines += [f"warning: {w}" for w in plan.get("warnings", [])]
    lines.append("(--format json shows the request bodies, secrets as ***)")
    return "\n".join(lines)
