"""`aml-deploy model ...` as a user runs it."""

import json
import subprocess
import sys

import pytest

from tests.support import FIXTURES


@pytest.fixture
def run(tmp_path):
    root = tmp_path / "registry"

    def command(*args, check=True):
        result = subprocess.run([sys.executable, "-m", "aml_deploy", "model", "--registry", str(root), *args],
                                capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if check:
            assert result.returncode == 0, result.stderr
        return result

    return command


def test_create_from_model_yaml_and_show(run):
    created = json.loads(run("create", "--file", str(FIXTURES / "sample" / "model.yml"), "--format", "json").stdout)
    assert (created["name"], created["version"], created["type"]) == ("sample-linear", "1", "custom_model")
    assert created["tags"] == {"framework": "scikit-learn"} and created["path"] == "model"
    shown = json.loads(run("show", "--name", "sample-linear", "--version", "1", "--format", "json").stdout)
    assert [f["relpath"] for f in shown["files"]] == ["model.pkl"]


def test_create_from_arguments_lists_and_tags(run, tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"onnx")
    run("create", "-n", "net", "-p", str(tmp_path / "m.onnx"), "--tag", "a=1", "--tags", "b=2", "c=3", "-d", "demo", "-t", "custom_model")
    run("create", "-n", "net", "-p", str(tmp_path / "m.onnx"), "-v", "7")
    listed = json.loads(run("list", "--name", "net", "--format", "json").stdout)
    assert [m["version"] for m in listed] == ["1", "7"] and listed[0]["tags"] == {"a": "1", "b": "2", "c": "3"}
    table = run("list").stdout
    assert "net" in table and all(tag in table for tag in ("a=1", "b=2", "c=3"))


def test_yaml_with_errors_registers_nothing(run, tmp_path):
    bad = tmp_path / "model.yml"
    bad.write_text("$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: x\npath: ./m\npth: typo\n")
    (tmp_path / "m").mkdir()
    result = run("create", "--file", str(bad), check=False)
    assert result.returncode == 1 and "AMLD101" in result.stderr and "nothing was registered" in result.stderr
    assert json.loads(run("list", "--format", "json").stdout) == []


def test_existing_version_is_an_error(run, tmp_path):
    (tmp_path / "m.bin").write_bytes(b"x")
    run("create", "-n", "net", "-p", str(tmp_path / "m.bin"), "-v", "1")
    result = run("create", "-n", "net", "-p", str(tmp_path / "m.bin"), "-v", "1", check=False)
    assert result.returncode == 1 and "already exists" in result.stderr


def test_download_archive_restore_delete(run, tmp_path):
    run("create", "--file", str(FIXTURES / "sample" / "model.yml"))
    run("download", "-n", "sample-linear", "-v", "1", "--download-path", str(tmp_path / "dl"))
    assert (tmp_path / "dl" / "model" / "model.pkl").read_bytes() == (FIXTURES / "sample" / "model" / "model.pkl").read_bytes()
    run("archive", "-n", "sample-linear")
    assert json.loads(run("list", "--format", "json").stdout) == []
    assert len(json.loads(run("list", "--archived-only", "--format", "json").stdout)) == 1
    run("restore", "-n", "sample-linear", "-v", "1")
    refused = run("delete", "-n", "sample-linear", "-v", "1", check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    run("delete", "-n", "sample-linear", "-v", "1", "--yes")
    assert json.loads(run("list", "--include-archived", "--format", "json").stdout) == []


def test_show_missing_model_says_what_exists(run, tmp_path):
    (tmp_path / "m.bin").write_bytes(b"x")
    run("create", "-n", "net", "-p", str(tmp_path / "m.bin"))
    result = run("show", "-n", "net", "-v", "9", check=False)
    assert result.returncode == 1 and "No model net:9" in result.stderr and "(it has 1)" in result.stderr


def test_verify_command(run, tmp_path):
    (tmp_path / "m.bin").write_bytes(b"x")
    run("create", "-n", "net", "-p", str(tmp_path / "m.bin"))
    assert "consistent" in run("verify", "--deep").stdout
