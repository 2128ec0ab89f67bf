"""aml-deploy validate: formats and exit codes."""

import json
import subprocess
import sys

from tests.support import FIXTURES


def run(*args):
    return subprocess.run([sys.executable, "-m", "aml_deploy", *args], capture_output=True, text=True)


def test_text_format_is_compiler_style_and_exit_code_1_on_errors():
    result = run("validate", str(FIXTURES / "broken" / "broken-deployment.yml"))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    path, line, column, rest = first.split(":", 3)
    assert path.endswith("broken-deployment.yml") and line == "1" and column == "1"
    assert rest.strip().startswith("error AMLD104 ")


def test_valid_sample_exits_0():
    result = run("validate", str(FIXTURES / "sample"))
    assert result.returncode == 0, result.stdout
    assert "0 error(s)" in result.stderr


def test_json_format_is_one_based():
    result = run("validate", "--format", "json", str(FIXTURES / "broken"))
    records = json.loads(result.stdout)
    unknown = next(r for r in records if r["code"] == "AMLD101")
    assert set(unknown) == {"path", "line", "column", "end_line", "end_column", "severity", "code", "message"}
    assert (unknown["line"], unknown["column"], unknown["end_line"], unknown["end_column"]) == (11, 1, 11, 13)
    assert unknown["severity"] == "error"


def test_sarif_format():
    result = run("validate", "--format", "sarif", str(FIXTURES / "broken"))
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    run_ = sarif["runs"][0]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    result0 = run_["results"][0]
    assert rule_ids[result0["ruleIndex"]] == result0["ruleId"]
    assert result0["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_warnings_only_exit_0(tmp_path):
    (tmp_path / "endpoint.yml").write_text("name: my-endpoint\nauth_mode: key\ntraffic:\n  blue: 50\n")
    result = run("validate", str(tmp_path))
    assert result.returncode == 0 and "warning AMLD146" in result.stdout


def test_missing_path_is_a_usage_error():
    result = run("validate", "/no/such/file.yml")
    assert result.returncode == 2 and "no such file" in result.stderr


def test_explicit_binary_file_is_reported(tmp_path):
    path = tmp_path / "x.yml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    result = run("validate", str(path))
    assert "AMLD005" in result.stdout and result.returncode == 1
