"""Profile real deployments of a scoring script with known needs on the Docker engine: what is
measured lands near what the script is known to use, the recommendation is never below it, the
instance_type is the smallest that fits, failures under load are reported, and nothing the profile
started is left running."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid

import pytest

from aml_deploy.deploy.local import containers
from aml_deploy.deploy.spec import from_config
from aml_deploy.documents.rules.settings import SMALL_SKUS
from aml_deploy.profiling import ProfileOptions
from aml_deploy.profiling.run import profile_deployment
from aml_deploy.profiling.sizes import cpu_sizes
from aml_deploy.profiling.write import write_recommendation
from aml_deploy.registry import Registry
from tests.local.conftest import remove_containers

from .conftest import leftovers

HOLD_MB, BURN_MS = 300, 40
SHORT = ProfileOptions(duration=3, max_concurrency=2, warmup=1)  # 2 levels: enough samples, seconds not minutes


def spec_loader(local, path):
    return lambda: from_config(path, workspace=path.parent, registry=local.registry)


def test_measures_what_the_script_is_known_to_use(local, make_deployment, docker_client, endpoint_name):
    # An idle twin, already running: the profile uses it and leaves it running; its memory is the baseline.
    idle_file = make_deployment("idle")
    assert local.deploy(spec_loader(local, idle_file)(), timeout=300).state == "Succeeded"
    idle = profile_deployment(local, endpoint_name, "idle", options=SHORT)
    assert not idle.started_deployment
    assert [c.status for c in containers.find(docker_client, endpoint_name, "idle")] == ["running"]

    busy_file = make_deployment("busy", hold_mb=HOLD_MB, burn_ms=BURN_MS)
    busy = profile_deployment(local, endpoint_name, "busy", load_spec=spec_loader(local, busy_file), options=SHORT)
    assert busy.started_deployment
    assert containers.find(docker_client, endpoint_name, "busy") == []  # started by the profile, so removed

    held = busy.memory_steady_mb - idle.memory_steady_mb
    assert abs(held - HOLD_MB) <= 0.2 * HOLD_MB, (busy.memory_steady_mb, idle.memory_steady_mb)
    assert abs(busy.cpu_seconds_per_request * 1000 - BURN_MS) <= 0.2 * BURN_MS, busy.cpu_seconds_per_request
    assert busy.errors == 0 and [level.concurrency for level in busy.levels] == [1, 2]

    recommendation = busy.recommendation
    used = max(level.cpu_cores for level in busy.levels if level.concurrency <= recommendation.max_concurrent_requests_per_instance)
    assert recommendation.cpu >= used and recommendation.memory_in_gb >= busy.memory_peak_mb / 1024
    assert recommendation.request_timeout_ms > max(level.latency_ms["p99.9"] for level in busy.levels)
    fits = [
        s
        for s in cpu_sizes()
        if s.cores >= recommendation.cpu and s.memory_gib >= recommendation.memory_in_gb and s.sku.lower() not in SMALL_SKUS
    ]
    assert recommendation.instance_type == fits[0].name
    assert all(
        s.cores < recommendation.cpu or s.memory_gib < recommendation.memory_in_gb or s.sku.lower() in SMALL_SKUS
        for s in cpu_sizes()[: cpu_sizes().index(fits[0])]
    )

    written = write_recommendation(busy_file, recommendation, busy_file.parent)
    text = busy_file.read_text()
    assert f"instance_type: {recommendation.instance_type}   # a guess, to be replaced by the profile" in text
    assert "# A deployment profiled by the tests: its needs are set below." in text
    assert written.fields == [
        "instance_type",
        "request_settings.max_concurrent_requests_per_instance",
        "request_settings.request_timeout_ms",
    ]


def test_a_script_failing_under_load_is_reported_by_the_command_line(local, make_deployment, docker_client, endpoint_name, tmp_path):
    path = make_deployment("flaky", fail_after=5, fail_every=3)
    command = [
        sys.executable,
        "-m",
        "aml_deploy",
        "online-deployment",
        "profile",
        "--local",
        "-e",
        endpoint_name,
        "-n",
        "flaky",
        "-f",
        str(path),
        "--duration",
        "2",
        "--max-concurrency",
        "2",
        "--format",
        "json",
        "--results-folder",
        str(tmp_path / "results"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    totals = result["totals"]
    assert 0.2 < totals["error_rate"] < 0.45  # every third request after the fifth
    assert totals["first_error"].startswith("HTTP 500")
    assert all(level["first_error"] and level["errors"] > 0 for level in result["levels"])
    assert json.loads((tmp_path / "results" / f"{endpoint_name}-flaky.profile.json").read_text())["totals"] == totals
    assert leftovers(docker_client, endpoint_name) == []  # the profile created the endpoint, so its front went too


def test_a_deployment_that_does_not_exist_is_refused_clearly(local, endpoint_name):
    from aml_deploy.profiling.errors import ProfileError

    with pytest.raises(ProfileError, match="does not exist.*give its file"):
        profile_deployment(local, endpoint_name, "nothing", options=SHORT)


def test_the_v1_verb_profiles_a_registered_model_and_writes_the_aci_configuration(local, home, docker_client, tmp_path):
    from tests.support import FIXTURES

    folder = tmp_path / "v1"
    shutil.copytree(FIXTURES / "v1-local", folder)
    Registry(home / "registry").register(FIXTURES / "sample" / "model", "sample-model")
    (folder / "requests.jsonl").write_text('{"data": [[1, 2]]}\n{"data": [[0, 0], [3, 1]]}\n')
    aci = folder / "aci-deploymentconfig.json"
    aci.write_text(
        '{\n    "computeType": "aci",\n    "containerResourceRequirements": {"cpu": 0.1, "memoryInGB": 0.5},\n    "authEnabled": true\n}\n'
    )
    name = f"v1{uuid.uuid4().hex[:8]}"
    command = [
        sys.executable,
        "-m",
        "aml_deploy",
        "model",
        "profile",
        "-n",
        name,
        "-m",
        "sample-model:1",
        "-ic",
        str(folder / "inferenceconfig.json"),
        "--input-data",
        str(folder / "requests.jsonl"),
        "--dc",
        str(aci),
        "--write",
        "--duration",
        "2",
        "--max-concurrency",
        "2",
        "--format",
        "json",
        "--results-folder",
        str(tmp_path / "results"),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        left = leftovers(docker_client, name)
    finally:
        remove_containers(docker_client, name)
    assert done.returncode == 0, done.stderr
    assert left == [] and local.records.read(name) is None  # the temporary service is gone, endpoint, front and all
    result = json.loads(done.stdout)
    assert result["endpoint"] == name and result["request_count"] == 2 and result["totals"]["errors"] == 0
    recommendation = result["recommendation"]
    assert json.loads(aci.read_text()) == {
        "computeType": "aci",
        "authEnabled": True,
        "containerResourceRequirements": {"cpu": recommendation["cpu"], "memoryInGB": recommendation["memory_in_gb"]},
    }
    assert aci.read_text().startswith('{\n    "computeType": "aci",\n    "containerResourceRequirements": {"cpu": ')
    assert result["written"]["fields"] == ["containerResourceRequirements.cpu", "containerResourceRequirements.memoryInGB"]


def test_a_deployment_that_does_not_start_leaves_nothing_behind(local, make_deployment, docker_client, endpoint_name):
    from aml_deploy.profiling.errors import ProfileError

    path = make_deployment("broken", init_fails=True)
    with pytest.raises(ProfileError, match="did not start.*init failed on purpose"):
        profile_deployment(local, endpoint_name, "broken", load_spec=spec_loader(local, path), options=SHORT)
    assert leftovers(docker_client, endpoint_name) == [] and local.records.read(endpoint_name) is None


def test_a_failed_deployment_is_refused_not_replaced(local, make_deployment, docker_client, endpoint_name):
    from aml_deploy.profiling.errors import ProfileError

    path = make_deployment("broken", init_fails=True)
    assert local.deploy(spec_loader(local, path)(), timeout=300).state == "Failed"
    with pytest.raises(ProfileError, match="is Failed, so it cannot be profiled"):
        profile_deployment(local, endpoint_name, "broken", load_spec=spec_loader(local, path), options=SHORT)
    assert local.show_deployment(endpoint_name, "broken").state == "Failed"  # still there, as the user left it
