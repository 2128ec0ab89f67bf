"""Schema findings land on the exact spot, with the right severity and fixes."""

from aml_deploy.findings import Severity

from .helpers import DEPLOYMENT_SCHEMA, ENDPOINT_SCHEMA, at, check, codes, only

VALID = (
    DEPLOYMENT_SCHEMA
    + """name: blue
endpoint_name: my-endpoint
model: azureml:my-model:1
environment: azureml:my-env:1
instance_type: Standard_DS3_v2
instance_count: 1
"""
)


def test_valid_deployment_has_no_findings(tmp_path):
    assert check(tmp_path, "d.yml", VALID) == []


def test_unknown_key_marks_the_key_and_offers_the_rename(tmp_path):
    findings = check(tmp_path, "d.yml", VALID.replace("instance_count", "instance_cont"))
    finding = only(findings, "AMLD101")
    assert finding.severity is Severity.ERROR
    assert at(finding) == (6, 0, 6, 13)
    assert "Did you mean 'instance_count'" in finding.message
    [fix] = finding.fixes
    assert fix.edits[0].new_text == "instance_count" and fix.edits[0].span == finding.span


def test_unknown_nested_key(tmp_path):
    text = VALID + "liveness_probe:\n  period_seconds: 10\n"
    finding = only(check(tmp_path, "d.yml", text), "AMLD101")
    assert at(finding) == (8, 2, 8, 16)
    assert "in liveness_probe" in finding.message


def test_wrong_enum_marks_the_value_and_suggests(tmp_path):
    finding = only(check(tmp_path, "e.yml", ENDPOINT_SCHEMA + "name: my-endpoint\nauth_mode: aml-token\n"), "AMLD103")
    assert at(finding) == (2, 11, 2, 20)
    assert finding.fixes[0].edits[0].new_text == "aml_token"


def test_accepted_casing_is_only_a_hint_with_a_fix(tmp_path):
    findings = check(tmp_path, "e.yml", ENDPOINT_SCHEMA + "name: my-endpoint\nauth_mode: 'AMLToken'\n")
    finding = only(findings, "AMLD108")
    assert finding.severity is Severity.HINT
    assert finding.fixes[0].edits[0].new_text == "'aml_token'"  # keeps the quotes
    assert not [f for f in findings if f.severity <= Severity.WARNING]


def test_missing_required_marks_the_parent_key(tmp_path):
    text = VALID + "environment_variables: {}\nscale_settings:\n  min_instances: 1\n"
    finding = only(check(tmp_path, "d.yml", text), "AMLD104")
    assert at(finding) == (8, 0, 8, 14)  # the scale_settings key
    assert "'type'" in finding.message


def test_missing_required_at_the_root_marks_the_first_line(tmp_path):
    finding = only(check(tmp_path, "d.yml", VALID.replace("instance_type: Standard_DS3_v2\n", "")), "AMLD104")
    assert at(finding) == (0, 0, 0, 1)


def test_fields_the_cli_supplies_are_information(tmp_path):
    findings = check(tmp_path, "d.yml", VALID.replace("endpoint_name: my-endpoint\n", ""))
    finding = only(findings, "AMLD105")
    assert finding.severity is Severity.INFO and "--endpoint-name" in finding.message


def test_wrong_type_marks_the_value(tmp_path):
    finding = only(check(tmp_path, "d.yml", VALID.replace("instance_count: 1", "instance_count: two")), "AMLD102")
    assert finding.severity is Severity.ERROR and at(finding) == (6, 16, 6, 19)


def test_numbers_as_text_are_accepted_with_a_warning_like_the_cli(tmp_path):
    finding = only(check(tmp_path, "d.yml", VALID.replace("instance_count: 1", "instance_count: '2'")), "AMLD102")
    assert finding.severity is Severity.WARNING


def test_reference_without_prefix_offers_the_prefix(tmp_path):
    finding = only(check(tmp_path, "d.yml", VALID.replace("azureml:my-model:1", "my-model:1")), "AMLD106")
    assert finding.fixes[0].edits[0].new_text == "azureml:my-model:1"


def test_old_object_form_of_code_is_rejected(tmp_path):
    text = VALID + "code_configuration:\n  code:\n    local_path: ./src\n  scoring_script: score.py\n"
    finding = only(check(tmp_path, "d.yml", text), "AMLD102")
    assert "code_configuration.code" in finding.message


def test_documented_minimum_the_cli_does_not_enforce_is_a_warning(tmp_path):
    finding = only(check(tmp_path, "d.yml", VALID + "liveness_probe:\n  timeout: 0\n"), "AMLD107")
    assert finding.severity is Severity.WARNING


def test_yaml_boolean_where_text_is_needed(tmp_path):
    text = VALID + "data_collector:\n  collections:\n    request:\n      enabled: true\n"
    finding = only(check(tmp_path, "d.yml", text), "AMLD102")
    assert "Quote it" in finding.message and at(finding)[:2] == (10, 15)


def test_deprecated_key_is_a_hint(tmp_path):
    finding = only(check(tmp_path, "d.yml", VALID + "request_settings:\n  max_queue_wait_ms: 100\n"), "AMLD109")
    assert finding.severity is Severity.HINT


def test_content_detected_file_gets_add_schema_fix(tmp_path):
    findings = check(tmp_path, "endpoint.yml", "name: my-endpoint\nauth_mode: key\n")
    finding = only(findings, "AMLD010")
    assert finding.fixes[0].edits[0].new_text.startswith("$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint")
    assert codes(findings) == ["AMLD010"]
