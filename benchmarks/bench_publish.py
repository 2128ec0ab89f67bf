"""Issue 13 benchmark: what publishing the sample to ACI sends, and how long each stage takes.

    python benchmarks/bench_publish.py [--update-readme]

Against a real registry (Debian's docker-registry on 127.0.0.1) and the ARM stand-in from tests/standins
(AAD and ARM on HTTPS, the container group run on the local Docker engine, the scoring URI reached through
the fqdn proxy). Three publishes of the v1 sample service: the first, a code-only republish (a comment
added to score.py) and a model-only republish (a new version of the registered model). For each: the
layers and bytes the engine sent (uncompressed, as it counts them), the bytes the registry stored (new
compressed blobs: what crossed the wire), and the push's seconds; against pushing the whole image
each time (the same image pushed to an empty registry). Then the stages of each publish. Stand-in
provisioning takes seconds where real ACI takes minutes: the provision/ready rows are not Azure's.
Needs the Docker engine, the base image and docker-registry (apt-get install docker-registry).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]
from aml_deploy.deploy.aci.settings import AciOptions  # noqa: E402
from aml_deploy.deploy.aci.target import AciServices  # noqa: E402
from aml_deploy.deploy.local.engine import connect  # noqa: E402
from aml_deploy.deploy.publish import RegistryCredentials, RegistrySettings, push_image  # noqa: E402
from aml_deploy.deploy.publish.front_image import publish_front_image  # noqa: E402
from aml_deploy.deploy.published import PublishedServices  # noqa: E402
from aml_deploy.deploy.spec import from_config  # noqa: E402
from aml_deploy.registry import Registry  # noqa: E402
from readme import publish  # noqa: E402
from tests.standins.aad import AadStandIn  # noqa: E402
from tests.standins.arm import ArmStandIn  # noqa: E402
from tests.standins.fixtures import BUSYBOX_IMAGE  # noqa: E402
from tests.standins.proxy import FqdnProxy  # noqa: E402
from tests.standins.registry import DebianRegistry  # noqa: E402
from tests.standins.tls import TestCA  # noqa: E402

RESOURCE_GROUP, LOCATION = "rg-bench", "westeurope"
ACI_CONFIG = {"computeType": "aci", "containerResourceRequirements": {"cpu": 1, "memoryInGB": 1.5}, "authEnabled": True}


def stored_bytes(registry: DebianRegistry) -> int:
    """The registry's blob store: compressed layers, configs and manifests."""
    return sum(p.stat().st_size for p in (registry.folder / "data").rglob("*") if p.is_file() and p.name == "data")


def whole_image_push(client, tag: str, folder: Path) -> tuple[int, float]:
    """Push the whole image to an empty registry: (bytes stored, seconds)."""
    registry = DebianRegistry(folder, users={"pusher": secrets.token_urlsafe(12)})
    registry.start()
    try:
        started = time.monotonic()
        push_image(
            client,
            tag,
            f"{registry.host}/whole/image",
            "1",
            RegistryCredentials(registry.host, "pusher", registry.users["pusher"], source="given"),
        )
        return stored_bytes(registry), time.monotonic() - started
    finally:
        registry.stop()
        shutil.rmtree(folder, ignore_errors=True)


class StandIns:
    """AAD, ARM (groups on Docker) and the fqdn proxy, with the process environment pointed at them."""

    def __init__(self, folder: Path) -> None:
        self.ca = TestCA(folder / "ca")
        self.aad = AadStandIn(self.ca)
        principal = self.aad.add_service_principal()
        self.arm = ArmStandIn(
            aad=self.aad,
            ca=self.ca,
            subscription_id=str(uuid.uuid4()),
            tenant_id=principal.tenant_id,
            resource_groups={RESOURCE_GROUP: LOCATION},
            pause_image=BUSYBOX_IMAGE,
        )
        self.proxy = FqdnProxy(self.arm.resolve_public)
        config = folder / "azure-cli"
        config.mkdir()
        (config / "config").write_text(f"[defaults]\ngroup = {RESOURCE_GROUP}\nlocation = {LOCATION}\n")
        os.environ.update(
            {
                "AZURE_AUTHORITY_HOST": self.aad.url,
                "AZURE_TENANT_ID": principal.tenant_id,
                "AZURE_CLIENT_ID": principal.client_id,
                "AZURE_CLIENT_SECRET": principal.client_secret,
                "AML_DEPLOY_ARM_ENDPOINT": self.arm.url,
                "AZURE_SUBSCRIPTION_ID": self.arm.subscription_id,
                "AZURE_CONFIG_DIR": str(config),
                "REQUESTS_CA_BUNDLE": str(self.ca.bundle),
                "SSL_CERT_FILE": str(self.ca.bundle),
                "HTTP_PROXY": self.proxy.url,
                "HTTPS_PROXY": self.proxy.url,
                "NO_PROXY": "127.0.0.1,localhost",
            }
        )

    def close(self) -> None:
        self.proxy.close()
        self.arm.close()
        self.aad.close()


def sample_workspace(root: Path) -> Path:
    shutil.copytree(ROOT / "test-fixtures", root)
    folder = root / "v1-aci"
    folder.mkdir()
    shutil.copy(root / "v1-local" / "inferenceconfig.json", folder)
    shutil.copytree(root / "v1-local" / "source", folder / "source")
    (folder / "deploymentconfig.json").write_text(json.dumps(ACI_CONFIG))
    (folder / "sample-request.json").write_text('{"data": [[1, 2]]}')
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args()
    client = connect()
    try:
        client.images.get(BUSYBOX_IMAGE)
    except Exception:  # noqa: BLE001 - docker's ImageNotFound
        raise SystemExit(
            f"{BUSYBOX_IMAGE} (the stand-in's pause image) is not here: run the stand-in tests once (pytest tests/standins) to build it."
        ) from None
    scratch = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    os.environ["AML_DEPLOY_HOME"] = str(scratch / "home")
    standins = StandIns(scratch)
    registry = DebianRegistry(scratch / "registry", users={"pusher": secrets.token_urlsafe(12)})
    registry.start()
    name = f"bench-{uuid.uuid4().hex[:6]}"
    try:
        workspace = sample_workspace(scratch / "ws")
        models = Registry(scratch / "models")
        model_name = f"sample-{uuid.uuid4().hex[:6]}"  # a model layer never built before
        models.register(workspace / "sample" / "model", model_name)
        script = workspace / "v1-aci" / "source" / "score.py"
        script.write_text(script.read_text() + f"\n# bench {uuid.uuid4().hex}\n")  # and a code layer
        settings = RegistrySettings(registry.host, username="pusher", password=registry.users["pusher"])
        # The front's image goes to the registry once, like the environment's layers; pushed first here so
        # that the first publish's numbers are the sample image's own.
        front_tag = publish_front_image(client)
        front_before = stored_bytes(registry)
        push_image(
            client,
            front_tag,
            f"{registry.host}/aml-deploy/aml-front",
            front_tag.rsplit(":", 1)[-1],
            RegistryCredentials(registry.host, "pusher", registry.users["pusher"], source="given"),
        )
        front_stored = stored_bytes(registry) - front_before
        folder = workspace / "v1-aci"
        target = AciServices(
            models,
            options=AciOptions(registry=settings),
            services=PublishedServices(scratch / "home" / "published"),
            deployment_config=folder / "deploymentconfig.json",
            workspace=workspace,
            polling_interval=1,
        )
        runs = []

        def publish_once(label: str, update: bool, model: str = f"{model_name}:1") -> None:
            before = stored_bytes(registry)
            started = time.monotonic()
            if update:
                state = target.update(name, models=[model], timeout=600)
            else:
                spec = from_config(
                    folder / "inferenceconfig.json",
                    endpoint=name,
                    deployment_config=folder / "deploymentconfig.json",
                    models=[f"azureml:{model}"],
                    workspace=workspace,
                    registry=models,
                )
                state = target.deploy(spec, timeout=600)
            if state.state != "Succeeded":
                raise SystemExit(f"{label} failed: {state.failure} {state.log_excerpt}")
            total = time.monotonic() - started
            run = target.last_run
            whole_bytes, whole_seconds = whole_image_push(client, run.image["tag"], scratch / f"whole-{len(runs)}")
            runs.append(
                {
                    "label": label,
                    "total": total,
                    "run": run.to_dict(),
                    "stored": stored_bytes(registry) - before,
                    "whole_bytes": whole_bytes,
                    "whole_seconds": whole_seconds,
                }
            )

        publish_once("first publish", update=False)
        script.write_text(script.read_text() + f"\n# a code-only change {uuid.uuid4().hex}\n")
        publish_once("code-only republish", update=True)
        models.register(workspace / "sample" / "model", model_name)
        publish_once("model-only republish", update=True, model=f"{model_name}:2")
        target.delete_endpoint(name)
    finally:
        registry.stop()
        standins.close()
        shutil.rmtree(scratch, ignore_errors=True)
    publish("publish", table(runs, front_stored), args.update_readme)


def table(runs: list[dict], front_stored: int) -> list[str]:
    size = runs[0]["run"]["image"]["size"]
    lines = [
        f"The sample's publish image: {size / 1e6:.1f} MB uncompressed "
        f"({runs[0]['whole_bytes'] / 1e6:.1f} MB compressed in a registry). The front's image (HAProxy) goes to the "
        f"registry once, beside it; pushed here before the first publish ({front_stored / 1e6:.1f} MB stored, not counted "
        "below), it shares the base image's layer with the sample's image, which the first publish therefore found there.",
        "",
        "| publish | layers pushed | bytes sent by the engine | bytes the registry stored | push | whole image each time | share |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in runs:
        push = entry["run"]["push"]
        share = entry["stored"] / entry["whole_bytes"] if entry["whole_bytes"] else 0
        lines.append(
            f"| {entry['label']} | {push['layers_pushed']} of {push['layers_pushed'] + push['layers_skipped']} "
            f"| {_size(push['bytes_pushed'])} | {_size(entry['stored'])} | {push['seconds']:.1f} s "
            f"| {_size(entry['whole_bytes'])} in {entry['whole_seconds']:.1f} s | {share:.4%} |"
        )
    lines += [
        "",
        "Stages of each publish against the stand-in (seconds; provision and ready are the stand-in's, not ACI's):",
        "",
        "| publish | build | local check | push | provision | ready | total |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in runs:
        stages = entry["run"]["stages"]
        cells = " | ".join(f"{stages.get(stage, 0):.1f}" for stage in ("build", "local-check", "push", "provision", "ready"))
        lines.append(f"| {entry['label']} | {cells} | {entry['total']:.1f} |")
    code_only = runs[1]
    verdict = "met" if code_only["stored"] < 0.01 * code_only["whole_bytes"] else "NOT met"
    lines += [
        "",
        f"Target (a code-only republish sends less than 1% of the image): {verdict}, "
        f"{code_only['stored'] / code_only['whole_bytes']:.4%} of the compressed image.",
    ]
    return lines


def _size(count: int) -> str:
    if count >= 1e6:
        return f"{count / 1e6:.1f} MB"
    return f"{count / 1e3:.1f} kB"


if __name__ == "__main__":
    main()
