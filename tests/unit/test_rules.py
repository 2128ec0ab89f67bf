"""Checks a schema cannot express."""

import pytest

from aml_deploy.findings import Severity

from .helpers import DEPLOYMENT_SCHEMA, ENDPOINT_SCHEMA, at, check, codes, only, write

K8S_DEPLOYMENT = "$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json\n"
BATCH_DEPLOYMENT = "$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json\n"


def deployment(**fields) -> str:
    base = {
        "name": "blue",
        "endpoint_name": "my-endpoint",
        "model": "azureml:m:1",
        "environment": "azureml:e:1",
        "instance_type": "Standard_DS3_v2",
        "instance_count": "1",
    }
    base.update(fields)
    return DEPLOYMENT_SCHEMA + "".join(f"{k}: {v}\n" for k, v in base.items() if v is not None)


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, reason",
    [("ab", "3 to 32"), ("1abc", "start with a letter"), ("my_endpoint", "'_'"), ("abc-", "end with"), ("a" * 33, "3 to 32")],
)
def test_invalid_endpoint_names_are_errors(tmp_path, name, reason):
    finding = only(check(tmp_path, "e.yml", ENDPOINT_SCHEMA + f"name: {name}\n"), "AMLD110")
    assert finding.severity is Severity.ERROR and reason in finding.message
    assert at(finding)[:2] == (1, 6)


# The names the Azure ML CLI's name check (azure-ai-ml 1.35.2, validate_endpoint_or_deployment_name) refuses
# before it sends an online deployment.
REFUSED_DEPLOYMENT_NAMES = [
    ("blue_dep", "'_'"),
    ("ab", "3 to 32"),
    ("a" * 40, "3 to 32"),
    ("1blue", "start with a letter"),
    ("green_one", "green-one"),
]


@pytest.mark.parametrize("name, reason", REFUSED_DEPLOYMENT_NAMES)
def test_invalid_online_deployment_names_are_errors_because_the_cli_refuses_them(tmp_path, name, reason):
    finding = only(check(tmp_path, "d.yml", deployment(name=name)), "AMLD110")
    assert finding.severity is Severity.ERROR and reason in finding.message and "CLI refuses" in finding.message
    k8s = K8S_DEPLOYMENT + f"name: {name}\nendpoint_name: my-endpoint\ninstance_count: 1\n"
    assert only(check(tmp_path, "k.yml", k8s), "AMLD110").severity is Severity.ERROR


def test_invalid_batch_deployment_name_is_a_warning_because_the_cli_does_not_check_it(tmp_path):
    text = BATCH_DEPLOYMENT + "name: blue_dep\nendpoint_name: my-endpoint\ncompute: azureml:cpu\nmodel: azureml:m:1\n"
    finding = only(check(tmp_path, "b.yml", text), "AMLD110")
    assert finding.severity is Severity.WARNING and "does not check batch deployment names" in finding.message


@pytest.mark.parametrize("name", ["my_endpoint", "ab", "1-endpoint"])
def test_endpoint_name_no_endpoint_can_have_is_an_error(tmp_path, name):
    finding = only(check(tmp_path, "d.yml", deployment(endpoint_name=name)), "AMLD110")
    assert finding.severity is Severity.ERROR and f"No endpoint can be called '{name}'" in finding.message
    assert at(finding)[:2] == (2, 15)


def test_double_dash_is_a_warning(tmp_path):
    finding = only(check(tmp_path, "e.yml", ENDPOINT_SCHEMA + "name: ab--cd\n"), "AMLD110")
    assert finding.severity is Severity.WARNING


def test_placeholder_names_are_not_judged(tmp_path):
    assert "AMLD110" not in codes(check(tmp_path, "e.yml", ENDPOINT_SCHEMA + "name: <ENDPOINT_NAME>\n"))


def test_kubernetes_endpoint_plus_deployment_length(tmp_path):
    text = K8S_DEPLOYMENT + "name: " + "d" * 31 + "\nendpoint_name: " + "e" * 32 + "\ninstance_count: 1\n"
    finding = only(check(tmp_path, "k.yml", text), "AMLD111")
    assert "63" in finding.message


def test_model_name_rule(tmp_path):
    text = "$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: -bad\npath: m.pkl\n"
    write(tmp_path, "m.pkl", "x")
    assert "AMLD110" in codes(check(tmp_path, "model.yml", text))


def test_a_trailing_newline_never_passes_a_name_rule(tmp_path):
    """A `$` in a pattern matches before a trailing newline: every name rule matches the whole name."""
    write(tmp_path, "m.pkl", "x")
    model = '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: "good\\n"\npath: m.pkl\n'
    assert "AMLD110" in codes(check(tmp_path, "model.yml", model))
    endpoint = ENDPOINT_SCHEMA + 'name: "good-endpoint\\n"\nauth_mode: key\n'
    assert "AMLD110" in codes(check(tmp_path, "endpoint.yml", endpoint))


# -- endpoint next door ----------------------------------------------------------------------


def test_endpoint_name_must_match_the_endpoint_file_in_the_folder(tmp_path):
    write(tmp_path, "endpoint.yml", ENDPOINT_SCHEMA + "name: my-endpoint\n")
    finding = only(check(tmp_path, "d.yml", deployment(endpoint_name="my-endpiont")), "AMLD113")
    assert "Did you mean 'my-endpoint'" in finding.message
    assert finding.fixes[0].edits[0].new_text == "my-endpoint"
    assert "AMLD113" not in codes(check(tmp_path, "d.yml", deployment()))


def test_no_endpoint_file_means_no_complaint(tmp_path):
    assert "AMLD113" not in codes(check(tmp_path, "d.yml", deployment(endpoint_name="anything")))


def test_kubernetes_deployment_on_a_managed_endpoint(tmp_path):
    write(tmp_path, "endpoint.yml", ENDPOINT_SCHEMA + "name: my-endpoint\n")
    text = K8S_DEPLOYMENT + "name: blue\nendpoint_name: my-endpoint\ninstance_count: 1\n"
    finding = only(check(tmp_path, "k.yml", text), "AMLD113")
    assert "managed online endpoint" in finding.message


# -- local paths -----------------------------------------------------------------------------

LOCAL = (
    DEPLOYMENT_SCHEMA
    + """name: blue
endpoint_name: my-endpoint
model:
  path: ./model
code_configuration:
  code: ./src
  scoring_script: score.py
environment:
  conda_file: ./conda.yml
  image: python:3.11-slim
instance_type: Standard_DS3_v2
instance_count: 1
"""
)
CONDA = "dependencies:\n  - python=3.11\n  - pip:\n    - azureml-inference-server-http\n"


def local_workspace(tmp_path):
    write(tmp_path, "model/model.pkl", "x")
    write(tmp_path, "src/score.py", "def init():\n    pass\n\ndef run(data):\n    return data\n")
    write(tmp_path, "conda.yml", CONDA)


def test_all_local_paths_present(tmp_path):
    local_workspace(tmp_path)
    assert check(tmp_path, "d.yml", LOCAL) == []


def test_missing_model_path_marks_the_value(tmp_path):
    local_workspace(tmp_path)
    finding = only(check(tmp_path, "d.yml", LOCAL.replace("./model", "./models")), "AMLD120")
    assert finding.severity is Severity.ERROR and at(finding) == (4, 8, 4, 16)


def test_missing_scoring_script_offers_to_create_it(tmp_path):
    local_workspace(tmp_path)
    finding = only(check(tmp_path, "d.yml", LOCAL.replace("score.py", "scoring.py")), "AMLD121")
    [fix] = finding.fixes
    [created] = fix.creates
    assert created.path == str(tmp_path / "src" / "scoring.py")
    assert "def init():" in created.content and "def run(raw_data):" in created.content


def test_scoring_script_under_a_missing_code_folder(tmp_path):
    findings = check(tmp_path, "d.yml", LOCAL)
    assert "AMLD121" in codes(findings)
    assert "folder it is relative to is missing" in only(findings, "AMLD121").message


def test_code_must_be_a_folder(tmp_path):
    local_workspace(tmp_path)
    finding = only(check(tmp_path, "d.yml", LOCAL.replace("code: ./src", "code: ./conda.yml")), "AMLD120")
    assert "must be a folder" in finding.message


def test_placeholder_path_is_information(tmp_path):
    local_workspace(tmp_path)
    finding = only(check(tmp_path, "d.yml", LOCAL.replace("score.py", "<SCORING_SCRIPT>")), "AMLD124")
    assert finding.severity is Severity.INFO


def test_path_outside_the_workspace(tmp_path):
    workspace = tmp_path / "ws"
    local_workspace(tmp_path)
    path = write(workspace, "d.yml", LOCAL.replace("./model", "../model").replace("./src", "../src").replace("./conda", "../conda"))
    from aml_deploy.documents import Context, validate_file

    findings = validate_file(path, Context(path, workspace)).findings
    assert codes(findings).count("AMLD123") == 4  # model, code, scoring script, conda file


def test_dockerfile_in_build_context(tmp_path):
    text = "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: e\nbuild:\n  path: ctx\n"
    (tmp_path / "ctx").mkdir()
    assert "AMLD122" in codes(check(tmp_path, "env.yml", text))
    write(tmp_path, "ctx/Dockerfile", "FROM python:3.11-slim\n")
    assert check(tmp_path, "env.yml", text) == []


def test_remote_paths_are_not_checked(tmp_path):
    text = LOCAL.replace("./model", "azureml://datastores/workspaceblobstore/paths/model")
    local_workspace(tmp_path)
    assert check(tmp_path, "d.yml", text) == []


# -- references --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "azureml:m:1",
        "azureml:m@latest",
        "azureml:m",
        "azureml://registries/azureml/models/m/versions/3",
        "azureml:/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/models/m/versions/1",
    ],
)
def test_well_formed_references(tmp_path, value):
    assert "AMLD130" not in codes(check(tmp_path, "d.yml", deployment(model=value)))


@pytest.mark.parametrize(
    "value, why", [("'azureml:m:'", "version"), ("azureml:m@", "label"), ("azureml:m:1:2", "one ':'"), ("'azureml:'", "nothing follows")]
)
def test_malformed_references(tmp_path, value, why):
    finding = only(check(tmp_path, "d.yml", deployment(model=value)), "AMLD130")
    assert why in finding.message


# -- settings ----------------------------------------------------------------------------------


def test_unknown_instance_type_suggests_a_real_one(tmp_path):
    finding = only(check(tmp_path, "d.yml", deployment(instance_type="Standard_DS3_v3")), "AMLD140")
    assert finding.severity is Severity.WARNING and "STANDARD_DS3_V2" in finding.message.upper()


def test_instance_type_is_case_insensitive(tmp_path):
    assert check(tmp_path, "d.yml", deployment(instance_type="STANDARD_NC4AS_T4_V3")) == []


def test_small_instance_type(tmp_path):
    assert "AMLD141" in codes(check(tmp_path, "d.yml", deployment(instance_type="Standard_DS1_v2")))


def test_request_timeout(tmp_path):
    over = only(check(tmp_path, "d.yml", deployment() + "request_settings:\n  request_timeout_ms: 400000\n"), "AMLD142")
    assert over.severity is Severity.ERROR
    prompt_flow = only(check(tmp_path, "d.yml", deployment() + "request_settings:\n  request_timeout_ms: 200000\n"), "AMLD142")
    assert prompt_flow.severity is Severity.WARNING


def test_image_and_build(tmp_path):
    text = deployment(environment=None) + "environment:\n  image: x\n  build:\n    path: https://example.com/ctx\n"
    assert "AMLD143" in codes(check(tmp_path, "d.yml", text))


def test_environment_needs_an_image(tmp_path):
    inline = deployment(environment=None) + "environment:\n  conda_file: https://x/conda.yml\n"
    assert only(check(tmp_path, "d.yml", inline), "AMLD144").severity is Severity.WARNING
    standalone = "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nname: e\n"
    assert only(check(tmp_path, "env.yml", standalone), "AMLD144").severity is Severity.ERROR


def test_target_utilization_on_managed_is_an_error_because_the_cli_refuses_it(tmp_path):
    text = deployment() + "scale_settings:\n  type: target_utilization\n"
    assert only(check(tmp_path, "d.yml", text), "AMLD145").severity is Severity.ERROR
    k8s = K8S_DEPLOYMENT + "name: blue\nendpoint_name: my-endpoint\nscale_settings:\n  type: target_utilization\n"
    assert "AMLD145" not in codes(check(tmp_path, "k.yml", k8s))


def test_documented_forms_the_cli_refuses_are_errors(tmp_path):
    text = deployment() + (
        "data_collector:\n  rolling_rate: month\n  collections:\n    request:\n      enabled: 'true'\n      data:\n        version: 1\n"
    )
    findings = [f for f in check(tmp_path, "d.yml", text) if f.code == "AMLD147"]
    assert len(findings) == 2 and all(f.severity is Severity.ERROR and "CLI" in f.message for f in findings)
    quoted = [f for f in findings if f.fixes]
    assert quoted[0].fixes[0].edits[0].new_text == "'1'"


def test_what_only_the_documentation_requires_is_a_warning_that_says_so(tmp_path):
    missing_count = only(check(tmp_path, "d.yml", deployment(instance_count=None)), "AMLD147")
    assert missing_count.severity is Severity.WARNING and "documentation requires" in missing_count.message
    no_environment = deployment(environment=None) + "code_configuration:\n  code: .\n  scoring_script: s.py\n"
    write(tmp_path, "s.py", "def init():\n    pass\n\ndef run(data):\n    return data\n")
    finding = only(check(tmp_path, "d.yml", no_environment), "AMLD147")
    assert finding.severity is Severity.WARNING and "documentation requires" in finding.message


def test_traffic_and_identity(tmp_path):
    base = ENDPOINT_SCHEMA + "name: my-endpoint\n"
    assert only(check(tmp_path, "e.yml", base + "traffic:\n  blue: 60\n  green: 50\n"), "AMLD146").severity is Severity.ERROR
    assert only(check(tmp_path, "e.yml", base + "traffic:\n  blue: 60\n"), "AMLD146").severity is Severity.WARNING
    identities = "identity:\n  type: user_assigned\n  user_assigned_identities:\n    - resource_id: a\n    - resource_id: b\n"
    assert "AMLD146" in codes(check(tmp_path, "e.yml", base + identities))
    strings = "identity:\n  type: user_assigned\n  user_assigned_identities:\n    - /subscriptions/x\n"
    as_strings = only(check(tmp_path, "e.yml", base + strings), "AMLD147")
    assert as_strings.severity is Severity.ERROR and "resource_id: /subscriptions/x" in as_strings.message
    mirror = base + "mirror_traffic:\n  blue: 60\n  green: 10\n"
    limits = [f for f in check(tmp_path, "e.yml", mirror) if f.code == "AMLD146"]
    assert len(limits) == 2 and all(f.severity is Severity.WARNING and "service refuses" in f.message for f in limits)


# -- conda -------------------------------------------------------------------------------------


def test_conda_without_inference_server(tmp_path):
    local_workspace(tmp_path)
    write(tmp_path, "conda.yml", "dependencies:\n  - python=3.11\n  - pip:\n    - numpy\n")
    finding = only(check(tmp_path, "d.yml", LOCAL), "AMLD151")
    assert at(finding) == (9, 14, 9, 25)


def test_inference_server_through_requirements_file(tmp_path):
    local_workspace(tmp_path)
    write(tmp_path, "conda.yml", "dependencies:\n  - pip:\n    - -r requirements.txt\n")
    write(tmp_path, "requirements.txt", "numpy\nazureml-inference-server-http==1.5.1\n")
    assert check(tmp_path, "d.yml", LOCAL) == []


def test_unparseable_conda_file_is_an_error_because_the_cli_reads_it(tmp_path):
    local_workspace(tmp_path)
    write(tmp_path, "conda.yml", "dependencies: [\n")
    finding = only(check(tmp_path, "d.yml", LOCAL), "AMLD150")
    assert finding.severity is Severity.ERROR and "not valid YAML" in finding.message


def test_conda_file_without_dependencies_is_a_warning_because_the_cli_accepts_it(tmp_path):
    local_workspace(tmp_path)
    write(tmp_path, "conda.yml", "name: env\nchannels: [conda-forge]\n")
    finding = only(check(tmp_path, "d.yml", LOCAL), "AMLD150")
    assert finding.severity is Severity.WARNING and "CLI accepts" in finding.message


def test_custom_container_needs_no_inference_server(tmp_path):
    text = deployment(environment=None) + (
        "code_configuration:\n  code: ./src\n  scoring_script: score.py\n"
        "environment:\n  image: tf\n  conda_file: ./conda.yml\n  inference_config:\n"
        "    liveness_route: {port: 1, path: /}\n    readiness_route: {port: 1, path: /}\n    scoring_route: {port: 1, path: /}\n"
    )
    local_workspace(tmp_path)
    write(tmp_path, "conda.yml", "dependencies:\n  - numpy\n")
    assert "AMLD151" not in codes(check(tmp_path, "d.yml", text))


# -- v1 ----------------------------------------------------------------------------------------


def test_v1_inference_config(tmp_path):
    write(tmp_path, "score.py", "")
    text = '{"entryScript": "score.py", "runtime": "python", "environment": {"name": "e"}, "extraDockerFileSteps": "s"}'
    findings = check(tmp_path, "inferenceconfig.json", text)
    assert codes(findings).count("AMLD165") == 2  # runtime and extraDockerFileSteps next to environment
    assert "AMLD166" in codes(findings)


def test_v1_entry_script_must_be_importable(tmp_path):
    write(tmp_path, "my-score.py", "")
    assert "AMLD167" in codes(check(tmp_path, "inferenceconfig.json", '{"entryScript": "my-score.py"}'))


def test_v1_misspelled_key_is_a_warning_with_suggestion(tmp_path):
    finding = only(check(tmp_path, "deploymentconfig.json", '{"computeType": "ACI", "enableAppInsights": true}'), "AMLD101")
    assert finding.severity is Severity.WARNING and "appInsightsEnabled" in finding.message


def test_v1_aks_rules(tmp_path):
    text = (
        '{"computeType": "aks", "authEnabled": true, "tokenAuthEnabled": true, "namespace": "Bad",'
        ' "autoScaler": {"autoscaleEnabled": false, "minReplicas": 2},'
        ' "containerResourceRequirements": {"cpu": 2, "cpuLimit": 1}}'
    )
    found = codes(check(tmp_path, "deploymentconfig.json", text))
    for code in ("AMLD161", "AMLD162", "AMLD164", "AMLD163"):
        assert code in found


def test_v1_key_for_another_compute_type(tmp_path):
    finding = only(check(tmp_path, "deploymentconfig.json", '{"computeType": "local", "numReplicas": 2}'), "AMLD168")
    assert "aks" in finding.message


def test_v1_aci_groups(tmp_path):
    found = codes(check(tmp_path, "deploymentconfig.json", '{"computeType": "aci", "vnetName": "v", "sslEnabled": true}'))
    assert found.count("AMLD163") == 2


def test_v1_aci_settings_aci_cannot_honour_are_warnings_that_say_so(tmp_path):
    text = '{"computeType": "aci", "appInsightsEnabled": true, "vnetName": "v", "subnetName": "s", "containerResourceRequirements": {"cpu": 1, "memoryInGB": 1}}'
    findings = [f for f in check(tmp_path, "deploymentconfig.json", text) if f.code == "AMLD170"]
    assert [f.severity for f in findings] == [Severity.WARNING, Severity.WARNING]
    assert "Application Insights" in findings[0].message and "subnet resource id" in findings[1].message
    plain = '{"computeType": "aci", "appInsightsEnabled": false, "containerResourceRequirements": {"cpu": 1, "memoryInGB": 1}}'
    assert "AMLD170" not in codes(check(tmp_path, "deploymentconfig.json", plain))


# -- pipeline component batch deployments ------------------------------------------------------


def test_missing_component_file_is_an_error_because_the_cli_loads_it(tmp_path):
    text = (
        "$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json\n"
        "name: hello\nendpoint_name: hello-batch\ntype: pipeline\ncomponent: pipeline.yml\n"
        "settings:\n  default_compute: batch-cluster\n"
    )
    finding = only(check(tmp_path, "deployment.yml", text), "AMLD120")
    assert finding.severity is Severity.ERROR and "'pipeline.yml'" in finding.message
    write(tmp_path, "pipeline.yml", "$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json\n")
    assert "AMLD120" not in codes(check(tmp_path, "deployment.yml", text))
