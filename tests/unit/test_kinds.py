"""Which files are ours, and what kind each is."""

import pytest

from aml_deploy.documents.kinds import Kind, detect
from aml_deploy.documents.parsing import parse


def kind_of(name: str, text: str):
    parsed = parse(text, is_json=name.endswith(".json"))
    detection = detect(name, text, parsed.data, parsed.leading_comments)
    return detection.kind if detection else None


@pytest.mark.parametrize(
    "url, kind",
    [
        ("https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json", Kind.MANAGED_ONLINE_DEPLOYMENT),
        ("https://azuremlschemas.azureedge.net/1.0.0/kubernetesOnlineEndpoint.schema.json", Kind.KUBERNETES_ONLINE_ENDPOINT),
        ("https://azuremlsdk2.blob.core.windows.net/latest/managedOnlineEndpoint.schema.json", Kind.MANAGED_ONLINE_ENDPOINT),
        ("http://azureml/sdk-2-0/OnlineDeployment.json", Kind.MANAGED_ONLINE_DEPLOYMENT),
        ("https://azuremlschemas.azureedge.net/latest/model.schema.json", Kind.MODEL),
        ("https://azuremlschemas.azureedge.net/latest/environment.schema.json", Kind.ENVIRONMENT),
        ("https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json", Kind.BATCH_ENDPOINT),
    ],
)
def test_schema_url_in_any_version_path(url, kind):
    assert kind_of("x.yml", f"$schema: {url}\nname: x\n") is kind


def test_modeline_wins():
    text = "# yaml-language-server: $schema=https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\nname: x\n"
    assert kind_of("x.yml", text) is Kind.BATCH_ENDPOINT


def test_schema_line_is_read_even_when_the_yaml_is_broken():
    text = "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json\nname: [\n"
    assert kind_of("x.yml", text) is Kind.MANAGED_ONLINE_DEPLOYMENT


def test_batch_deployment_schema_is_read_by_shape_like_the_cli():
    base = "$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json\nname: x\n"
    assert kind_of("d.yml", base + "settings:\n  mini_batch_size: 1\n") is Kind.MODEL_BATCH_DEPLOYMENT
    assert kind_of("d.yml", base + "type: pipeline\ncomponent: p.yml\n") is Kind.PIPELINE_COMPONENT_BATCH_DEPLOYMENT
    assert kind_of("d.yml", base + "mini_batch_size: 1\n") is Kind.BATCH_DEPLOYMENT


def test_content_without_schema():
    assert kind_of("d.YAML", "name: blue\nendpoint_name: e\nmodel:\n  path: m\ninstance_type: x\n") is Kind.MANAGED_ONLINE_DEPLOYMENT
    assert kind_of("d.yml", "name: blue\nendpoint_name: e\ntype: kubernetes\n") is Kind.KUBERNETES_ONLINE_DEPLOYMENT
    assert kind_of("endpoint.yml", "name: e\nauth_mode: key\n") is Kind.MANAGED_ONLINE_ENDPOINT
    assert kind_of("e.yml", "name: e\nauth_mode: key\ncompute: azureml:k8s\n") is Kind.KUBERNETES_ONLINE_ENDPOINT


@pytest.mark.parametrize(
    "name, text",
    [
        ("ci.yml", "name: CI\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n"),
        ("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"),
        ("compose.yml", "services:\n  web:\n    image: nginx\n"),
        ("package.json", '{"name": "x", "version": "1.0.0"}'),
        ("job.yml", "$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json\ncommand: echo\n"),
        ("conda.yml", "name: env\ndependencies:\n  - python=3.10\n"),
    ],
)
def test_other_files_are_left_alone(name, text):
    assert kind_of(name, text) is None


def test_v1_json_by_name_and_by_content():
    assert kind_of("inferenceconfig.json", "{}") is Kind.INFERENCE_CONFIG
    assert kind_of("aci-deploymentconfig.json", "{}") is Kind.DEPLOYMENT_CONFIG
    assert kind_of("settings.json", '{"entryScript": "score.py"}') is Kind.INFERENCE_CONFIG
    assert kind_of("settings.json", '{"computeType": "local"}') is Kind.DEPLOYMENT_CONFIG


def test_conda_file_is_ours_only_when_referenced():
    text = "name: env\ndependencies:\n  - python=3.10\n"
    parsed = parse(text)
    assert detect("conda.yml", text, parsed.data, [], referenced_as=Kind.CONDA).kind is Kind.CONDA
