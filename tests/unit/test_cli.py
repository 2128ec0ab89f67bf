"""aml-deploy validate: formats and exit codes."""

import json
import os
import subprocess
import sys

from tests.support import FIXTURES


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "aml_deploy", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


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


def test_fifos_and_devices_are_named_never_read(tmp_path):
    """A FIFO or /dev/zero where a file is read: no hang, no MemoryError, a message saying what it is."""
    workspace = tmp_path / "ws"
    import shutil

    shutil.copytree(FIXTURES / "sample", workspace)
    os.mkfifo(workspace / "helper.py")  # referenced by nothing: the scan must not block on it
    os.symlink("/dev/zero", workspace / "zero.py")
    (workspace / "endpoint.yml").unlink()
    os.mkfifo(workspace / "endpoint.yml")  # read by the deployment's endpoint_name check
    conda = workspace / "environment" / "conda.yaml"
    conda.write_text(conda.read_text() + "  - pip:\n    - -r requirements.txt\n")
    os.mkfifo(workspace / "environment" / "requirements.txt")
    result = run("validate", ".", cwd=workspace)
    assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr
    named = run("validate", "helper.py", "zero.py", "endpoint.yml", cwd=workspace)
    assert named.returncode == 1
    assert "helper.py:1:1: error AMLD005 Cannot read the file: a FIFO, not a file." in named.stdout
    assert "zero.py:1:1: error AMLD005 Cannot read the file: a character device, not a file." in named.stdout
    assert "endpoint.yml:1:1: error AMLD005 Cannot read the file: a FIFO, not a file." in named.stdout


def test_request_files_that_are_not_files_are_named_never_read(tmp_path):
    fifo = tmp_path / "request.json"
    os.mkfifo(fifo)
    for args, source in (
        (("online-endpoint", "invoke", "--local", "-n", "nowhere", "--request-file"), str(fifo)),
        (("online-endpoint", "invoke", "--local", "-n", "nowhere", "--request-file"), "/dev/zero"),
        (("service", "run", "-n", "nowhere", "-d"), f"@{fifo}"),
        (("service", "run", "-n", "nowhere", "-d"), "@/dev/zero"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "aml_deploy", *args, source],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "AML_DEPLOY_HOME": str(tmp_path / "home")},
        )
        assert result.returncode == 1, result.stderr
        assert ("a FIFO, not a file" if "dev" not in source else "a character device, not a file") in result.stderr
        assert "Traceback" not in result.stderr
