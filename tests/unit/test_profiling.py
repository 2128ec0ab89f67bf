"""Profiling's arithmetic and its edits, without Docker: percentiles, the knee, the recommender,
the request file, the VM sizes, and --write's minimal edits on YAML and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from aml_deploy.profiling import Targets
from aml_deploy.profiling.edit import apply, set_values
from aml_deploy.profiling.errors import BadRequestFile, CannotWrite, ProfileError
from aml_deploy.profiling.inputs import parse_requests
from aml_deploy.profiling.options import ProfileOptions
from aml_deploy.profiling.recommend import Recommendation, recommend
from aml_deploy.profiling.report import Level, Profile
from aml_deploy.profiling.sizes import cpu_sizes, smallest_fitting
from aml_deploy.profiling.statistics import knee, latency_summary, percentile
from aml_deploy.profiling.write import recommendation_edits

# -- percentiles and the knee ------------------------------------------------------------------


def test_percentiles_interpolate_between_closest_ranks():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 90) == pytest.approx(90.1)
    assert percentile(values, 99.9) == pytest.approx(99.901)
    assert percentile(values, 0) == 1 and percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2  # order does not matter
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_latency_summary_is_in_milliseconds():
    summary = latency_summary([0.001 * i for i in range(1, 1001)])  # 1..1000 ms
    assert summary["p50"] == pytest.approx(500.5) and summary["p99.9"] == pytest.approx(999.0, abs=0.01)
    assert summary["max"] == 1000.0
    assert latency_summary([])["p99"] is None


def test_the_knee_is_where_throughput_stops_growing():
    # 100 -> 190 -> 250 -> 260 -> 262: 90% of the best (262) is 235.8, first reached at 4.
    points = [(1, 100, 0), (2, 190, 0), (4, 250, 0), (8, 260, 0), (16, 262, 0)]
    assert knee(points) == 4


def test_the_knee_ignores_levels_with_errors_and_a_plateau_from_the_start():
    assert knee([(1, 50, 0), (2, 51, 0), (4, 50, 0)]) == 1
    # the 16-level is fastest only because half its requests failed fast
    assert knee([(1, 100, 0), (2, 180, 0.001), (16, 900, 0.5)]) == 2
    assert knee([(1, 0, 1.0), (2, 0, 1.0)]) is None


def test_levels_double_up_to_the_maximum():
    assert ProfileOptions(max_concurrency=16).levels() == [1, 2, 4, 8, 16]
    assert ProfileOptions(max_concurrency=12).levels() == [1, 2, 4, 8, 12]
    assert ProfileOptions(max_concurrency=1).levels() == [1]


# -- the recommender -------------------------------------------------------------------------


def level(concurrency, throughput, p50, p999, cpu, errors=0, requests=1000, memory=500.0) -> Level:
    latency = {"p50": p50, "p90": p50 * 1.2, "p95": p50 * 1.3, "p99": p50 * 1.5, "p99.9": p999, "max": p999}
    return Level(concurrency, 10.0, requests, errors, throughput, latency, cpu, memory, 0.1)


def profile_of(levels, memory_peak=1500.0, knee_at=None) -> Profile:
    from aml_deploy.profiling.report import knee_of

    return Profile(
        "p",
        "ep",
        "blue",
        "http://127.0.0.1:1/score",
        None,
        False,
        1,
        levels,
        None,
        0.01,
        memory_peak,
        memory_peak * 0.9,
        knee_at if knee_at is not None else knee_of(levels),
        60.0,
        2,
        "1",
    )


LEVELS = [
    level(1, 40, 25, 60, 0.45),
    level(2, 75, 27, 70, 0.9),
    level(4, 95, 42, 120, 1.4),
    level(8, 98, 80, 400, 1.5),
    level(16, 99, 160, 900, 1.5),
]


def test_the_recommendation_is_never_below_what_was_measured():
    profile = profile_of(LEVELS)
    r = recommend(profile)
    assert profile.knee == 4 and r.max_concurrent_requests_per_instance == 4
    assert r.cpu >= 1.4 and r.cpu == pytest.approx(1.8)  # 1.4 x 1.25 = 1.75 -> 1.8
    assert r.memory_in_gb >= 1500 / 1024 and r.memory_in_gb == pytest.approx(1.9)  # 1.465 x 1.25 = 1.83 -> 1.9
    # up to twice the concurrency (8) a request may meet p99.9 400 ms: 1.5 x 400 = 600 -> at least 1000
    assert r.request_timeout_ms == 1000
    assert r.instance_type == "Standard_F2s_v2"  # 2 cores, 4 GB: the first size with 1.8 cores and 1.9 GB
    assert r.instance_count is None
    assert any("max_concurrent_requests_per_instance 4" in line for line in r.reasoning)


def test_the_timeout_is_above_the_slowest_admitted_p999():
    levels = [level(1, 10, 100, 2500, 1.0), level(2, 10.5, 190, 5100, 1.0), level(4, 10.6, 380, 9000, 1.0)]
    r = recommend(profile_of(levels))
    assert r.max_concurrent_requests_per_instance == 1
    assert r.request_timeout_ms == 7700 and r.request_timeout_ms > 5100  # 1.5 x 5100 = 7650 -> 7700; level 4 not admitted


def test_the_timeout_is_capped_at_what_managed_endpoints_allow():
    r = recommend(profile_of([level(1, 0.01, 150_000, 170_000, 1.0)]))
    assert r.request_timeout_ms == 180_000
    assert any("at most 180000 ms" in line for line in r.reasoning)


def test_the_instance_type_is_the_smallest_that_fits():
    r = recommend(profile_of([level(1, 10, 10, 20, 3.5)], memory_peak=20 * 1024))  # 4.4 cores, 25 GB
    size = next(s for s in cpu_sizes() if s.name == r.instance_type)
    assert (size.cores, size.memory_gib) == (8, 28) and r.instance_type == "Standard_DS4_v2"
    smaller = cpu_sizes()[: cpu_sizes().index(size)]
    assert all(s.cores < r.cpu or s.memory_gib < r.memory_in_gb for s in smaller)
    assert any("more than Azure Container Instances" in line for line in r.reasoning)  # 25 GB > 16 GB


def test_too_small_and_gpu_sizes_are_never_recommended():
    assert smallest_fitting(0.1, 0.1).name == "Standard_F2s_v2"  # not DS1_v2 (1 core, 3.5 GB): Azure warns it is too small
    assert not [s for s in cpu_sizes() if s.sku.startswith("STANDARD_N")]
    assert smallest_fitting(97, 1) is None


def test_targets_size_the_instance_count_and_the_concurrency():
    r = recommend(profile_of(LEVELS), Targets(requests_per_second=500, p99_ms=45))
    # p99 is 1.5 x p50: 37.5 ms at 1, 40.5 ms at 2, 63 ms at 4; so 2 is the busiest level meeting 45 ms
    assert r.max_concurrent_requests_per_instance == 2
    assert r.instance_count == 7  # 500 / 75 = 6.67
    assert r.cpu == pytest.approx(1.2)  # 0.9 cores at concurrency 2 x 1.25 = 1.125 -> 1.2


def test_a_latency_target_no_level_meets_is_said():
    r = recommend(profile_of(LEVELS), Targets(requests_per_second=100, p99_ms=5))
    assert any("No level met p99 ≤ 5 ms" in line for line in r.reasoning)
    assert r.max_concurrent_requests_per_instance == 4 and r.instance_count == 2  # 100 / 95


def test_no_recommendation_when_every_level_failed():
    levels = [level(1, 0, 1, 2, 0.1, errors=900), level(2, 0, 1, 2, 0.1, errors=950)]
    assert recommend(profile_of(levels)) is None


# -- the request file ----------------------------------------------------------------------------


def test_one_request_a_list_of_requests_or_json_lines():
    assert parse_requests('{"data": [[1, 2]]}') == [b'{"data": [[1, 2]]}']
    assert parse_requests('[{"a": 1}, {"a": 2}]') == [b'{"a": 1}', b'{"a": 2}']
    assert parse_requests("[[1, 2], [3, 4]]") == [b"[[1, 2], [3, 4]]"]  # an array body is one request
    assert parse_requests('{"a": 1}\n\n{"a": 2}\n') == [b'{"a": 1}', b'{"a": 2}']


def test_a_bad_request_file_says_where():
    with pytest.raises(BadRequestFile, match="requests.jsonl, line 2: not JSON"):
        parse_requests('{"a": 1}\n{"a": \n', "requests.jsonl")
    with pytest.raises(BadRequestFile, match="is empty"):
        parse_requests("  \n", "r.json")


# -- minimal edits -----------------------------------------------------------------------------

RECOMMENDATION = Recommendation(
    cpu=1.3, memory_in_gb=0.6, instance_type="Standard_F2s_v2", max_concurrent_requests_per_instance=2, request_timeout_ms=1500
)

MANAGED = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
# Blue: the current model.
name: blue
endpoint_name: my-endpoint   # keep in sync with endpoint.yml
model:
    path: ./model/
code_configuration:
    code: ./src/
    scoring_script: score.py
environment: {image: "python:3.11-slim"}
instance_type:    Standard_DS3_v2     # guessed
request_settings:
    request_timeout_ms: 5000     # the default

    # the queue setting went away
instance_count: 1
"""


def write(tmp_path: Path, name: str, text: str, recommendation=RECOMMENDATION) -> tuple[str, list[str]]:
    path = tmp_path / name
    path.write_text(text, newline="")
    (tmp_path / "model").mkdir(exist_ok=True)
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "score.py").write_text("def init():\n    pass\n\n\ndef run(data):\n    return data\n")
    written = recommendation_edits(path, text, recommendation, tmp_path)
    return written.text, written.fields


def changed_lines(before: str, after: str) -> list[str]:
    import difflib

    return sorted(
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def test_yaml_changes_only_the_fields_named_and_keeps_comments_and_layout(tmp_path):
    after, fields = write(tmp_path, "blue.yml", MANAGED)
    assert fields == ["instance_type", "request_settings.max_concurrent_requests_per_instance", "request_settings.request_timeout_ms"]
    assert changed_lines(MANAGED, after) == sorted(
        [
            "-instance_type:    Standard_DS3_v2     # guessed",
            "-    request_timeout_ms: 5000     # the default",
            "+instance_type:    Standard_F2s_v2     # guessed",
            "+    request_timeout_ms: 1500     # the default",
            "+    max_concurrent_requests_per_instance: 2",
        ]
    )
    before_data, after_data = yaml.safe_load(MANAGED), yaml.safe_load(after)
    assert after_data["request_settings"] == {"request_timeout_ms": 1500, "max_concurrent_requests_per_instance": 2}
    assert {k: v for k, v in after_data.items() if k not in ("instance_type", "request_settings")} == {
        k: v for k, v in before_data.items() if k not in ("instance_type", "request_settings")
    }


def test_yaml_gets_missing_settings_in_its_own_indentation_and_line_endings(tmp_path):
    text = (
        "name: blue\r\nendpoint_name: my-endpoint\r\nmodel:\r\n   path: ./model/\r\ncode_configuration:\r\n   code: ./src/\r\n"
        "   scoring_script: score.py\r\nenvironment:\r\n   image: python:3.11-slim\r\ninstance_type: Standard_DS3_v2\r\n"
        "# last line is a comment"
    )
    recommendation = Recommendation(1.3, 0.6, "Standard_F2s_v2", 2, 1500, instance_count=3)
    after, fields = write(tmp_path, "blue.yml", text, recommendation)
    assert "instance_count" in fields[-1]
    head = text.split("instance_type")[0]
    assert after == head + (
        "instance_type: Standard_F2s_v2\r\nrequest_settings:\r\n   max_concurrent_requests_per_instance: 2\r\n"
        "   request_timeout_ms: 1500\r\ninstance_count: 3\r\n# last line is a comment"
    )
    assert "\n" not in after.replace("\r\n", "")


def test_yaml_flow_mappings_are_extended_inside_their_braces():
    text = "name: blue\nrequest_settings: {request_timeout_ms: 5000}  # flow\n"
    edits = set_values(
        text, False, {("request_settings", "max_concurrent_requests_per_instance"): 2, ("request_settings", "request_timeout_ms"): 900}
    )
    assert (
        apply(text, edits) == "name: blue\nrequest_settings: {request_timeout_ms: 900, max_concurrent_requests_per_instance: 2}  # flow\n"
    )


def test_kubernetes_deployments_get_resource_requests(tmp_path):
    text = MANAGED.replace("managedOnlineDeployment", "kubernetesOnlineDeployment").replace(
        "instance_type:    Standard_DS3_v2     # guessed\n", ""
    )
    after, fields = write(tmp_path, "k8s.yml", text)
    data = yaml.safe_load(after)
    assert data["resources"] == {"requests": {"cpu": "1.3", "memory": "0.6Gi"}}
    assert "instance_type" not in data and "resources.requests.cpu" in fields


DEPLOYMENT_CONFIG = """{
    "computeType": "aks",
    "containerResourceRequirements": {
        "cpu": 0.1,   "memoryInGB": 0.5
    },
    "numReplicas": 1,
    "authEnabled": true
}
"""


def test_json_changes_only_the_fields_named_and_keeps_its_layout(tmp_path):
    recommendation = Recommendation(1.3, 0.6, "Standard_F2s_v2", 2, 1500, instance_count=3)
    after, fields = write(tmp_path, "deploymentconfig.json", DEPLOYMENT_CONFIG, recommendation)
    assert changed_lines(DEPLOYMENT_CONFIG, after) == sorted(
        [
            '-        "cpu": 0.1,   "memoryInGB": 0.5',
            '-    "numReplicas": 1,',
            '-    "authEnabled": true',
            '+        "cpu": 1.3,   "memoryInGB": 0.6',
            '+    "numReplicas": 3,',
            '+    "authEnabled": true,',
            '+    "maxConcurrentRequestsPerContainer": 2,',
            '+    "scoringTimeoutMs": 1500',
        ]
    )
    assert json.loads(after) == {
        **json.loads(DEPLOYMENT_CONFIG),
        "containerResourceRequirements": {"cpu": 1.3, "memoryInGB": 0.6},
        "numReplicas": 3,
        "maxConcurrentRequestsPerContainer": 2,
        "scoringTimeoutMs": 1500,
    }
    assert fields[-1] == "numReplicas"


def test_json_gets_a_missing_object_in_its_own_indentation(tmp_path):
    text = '{\n  "computeType": "aci",\n  "authEnabled": false\n}'
    after, _ = write(tmp_path, "deploymentconfig.json", text)
    assert after == (
        '{\n  "computeType": "aci",\n  "authEnabled": false,\n  "containerResourceRequirements": {\n'
        '    "cpu": 1.3,\n    "memoryInGB": 0.6\n  }\n}'
    )


def test_a_local_or_unrelated_file_is_refused(tmp_path):
    with pytest.raises(CannotWrite, match="computeType local"):
        write(tmp_path, "deploymentconfig.json", '{"computeType": "local", "port": 32123}')
    with pytest.raises(CannotWrite, match="online deployment YAML or a v1 deploymentconfig.json"):
        write(
            tmp_path,
            "endpoint.yml",
            "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: my-endpoint\nauth_mode: key\n",
        )


def test_a_file_with_errors_is_not_touched(tmp_path):
    with pytest.raises(CannotWrite, match="fix them first"):
        write(tmp_path, "blue.yml", MANAGED.replace("instance_count: 1", "instance_count: two"))


# -- the chart and the result files -------------------------------------------------------------


def test_the_chart_is_drawn_as_png_and_svg():
    from aml_deploy.profiling import chart
    from tests.support import require

    require(chart.available(), "matplotlib is not installed (pip install -e '.[charts]')")
    profile = profile_of(LEVELS)
    png, svg = chart.render(profile, "png"), chart.render(profile, "svg")
    assert png.startswith(b"\x89PNG")
    assert svg.lstrip().startswith(b"<?xml") and b"<script" not in svg


def test_results_are_saved_beside_the_chart_or_with_a_hint(tmp_path, monkeypatch):
    from aml_deploy.profiling import chart, results

    profile = profile_of(LEVELS)
    monkeypatch.setattr(chart, "available", lambda: False)
    data, picture = results.save(profile, tmp_path / "out")
    assert picture is None and profile.chart is None
    saved = json.loads(data.read_text())
    assert data.name == "p.profile.json" and saved["totals"]["knee_concurrency"] == 4
    assert saved["recommendation"] is None  # not recommended yet: the saved file holds what the profile had
    with pytest.raises(Exception, match="Invalid profile name"):
        results.check_name("../escape")


@pytest.mark.parametrize(
    "settings, says",
    [
        ({"duration": float("inf")}, "duration"),
        ({"duration": 1e308}, "duration"),
        ({"duration": -1}, "duration"),
        ({"duration": float("nan")}, "duration"),
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"max_concurrency": 10000}, "max_concurrency"),
        ({"max_concurrency": -3}, "max_concurrency"),
        ({"targets": Targets(requests_per_second=float("inf"))}, "target"),
        ({"targets": Targets(p99_ms=-1)}, "target"),
    ],
)
def test_a_profile_that_could_not_end_or_would_swamp_the_machine_is_refused(settings, says):
    with pytest.raises(ProfileError, match=says):
        ProfileOptions(**settings)


@pytest.mark.parametrize(
    "option, value", [("--duration", "inf"), ("--duration", "1e308"), ("--target-rps", "inf"), ("--max-concurrency", "10000")]
)
def test_the_command_line_refuses_them_as_usage_errors(option, value):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "aml_deploy", "online-deployment", "profile", "--local", "-n", "blue", "-e", "nowhere", option, value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and option in result.stderr and "Traceback" not in result.stderr
