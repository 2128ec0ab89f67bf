"""`aml-deploy model ...` as a user runs it."""

import json

from tests.support import FIXTURES


def test_create_from_model_yaml_and_show(cli):
    created = json.loads(cli("create", "--file", str(FIXTURES / "sample" / "model.yml"), "--format", "json").stdout)
    assert (created["name"], created["version"], created["type"]) == ("sample-linear", "1", "custom_model")
    assert created["tags"] == {"framework": "scikit-learn"} and created["path"] == "model"
    shown = json.loads(cli("show", "--name", "sample-linear", "--version", "1", "--format", "json").stdout)
    assert [f["relpath"] for f in shown["files"]] == ["model.pkl"]


def test_create_from_arguments_lists_and_tags(cli, tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"onnx")
    cli("create", "-n", "net", "-p", str(tmp_path / "m.onnx"), "--tag", "a=1", "--tags", "b=2", "c=3", "-d", "demo", "-t", "custom_model")
    cli("create", "-n", "net", "-p", str(tmp_path / "m.onnx"), "-v", "7")
    listed = json.loads(cli("list", "--name", "net", "--format", "json").stdout)
    assert [m["version"] for m in listed] == ["1", "7"] and listed[0]["tags"] == {"a": "1", "b": "2", "c": "3"}
    table = cli("list").stdout
    assert "net" in table and all(tag in table for tag in ("a=1", "b=2", "c=3"))


def test_yaml_with_errors_registers_nothing(cli, tmp_path):
    bad = tmp_path / "model.yml"
    bad.write_text("$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: x\npath: ./m\npth: typo\n")
    (tmp_path / "m").mkdir()
    result = cli("create", "--file", str(bad), check=False)
    assert result.returncode == 1 and "AMLD101" in result.stderr and "nothing was registered" in result.stderr
    assert json.loads(cli("list", "--format", "json").stdout) == []


def test_existing_version_is_an_error(cli, tmp_path):
    (tmp_path / "m.bin").write_bytes(b"x")
    cli("create", "-n", "net", "-p", str(tmp_path / "m.bin"), "-v", "1")
    result = cli("create", "-n", "net", "-p", str(tmp_path / "m.bin"), "-v", "1", check=False)
    assert result.returncode == 1 and "already exists" in result.stderr


def test_download_archive_restore_delete(cli, tmp_path):
    cli("create", "--file", str(FIXTURES / "sample" / "model.yml"))
    cli("download", "-n", "sample-linear", "-v", "1", "--download-path", str(tmp_path / "dl"))
    assert (tmp_path / "dl" / "model" / "model.pkl").read_bytes() == (FIXTURES / "sample" / "model" / "model.pkl").read_bytes()
    cli("archive", "-n", "sample-linear")
    assert json.loads(cli("list", "--format", "json").stdout) == []
    assert len(json.loads(cli("list", "--archived-only", "--format", "json").stdout)) == 1
    cli("restore", "-n", "sample-linear", "-v", "1")
    refused = cli("delete", "-n", "sample-linear", "-v", "1", check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    cli("delete", "-n", "sample-linear", "-v", "1", "--yes")
    assert json.loads(cli("list", "--include-archived", "--format", "json").stdout) == []


def test_show_missing_model_says_what_exists(cli, tmp_path):
    (tmp_path / "m.bin").write_bytes(b"x")
    cli("create", "-n", "net", "-p", str(tmp_path / "m.bin"))
    result = cli("show", "-n", "net", "-v", "9", check=False)
    assert result.returncode == 1 and "No model net:9" in result.stderr and "(it has 1)" in result.stderr


def test_verify_command(cli, tmp_path):
    (tmp_path / "m.bin").write_bytes(b"x")
    cli("create", "-n", "net", "-p", str(tmp_path / "m.bin"))
    assert "consistent" in cli("verify", "--deep").stdout


def test_control_characters_do_not_break_the_table(cli, tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a\nb.bin").write_bytes(b"x")
    cli("create", "-n", "net", "-p", str(tmp_path / "m"), "--tag", "note=two\nlines")
    listed = cli("list").stdout.splitlines()
    assert len(listed) == 2 and listed[1].endswith("note=two\\nlines")
    assert "    a\\nb.bin  1 B" in cli("show", "-n", "net", "-v", "1").stdout.splitlines()


def test_max_results_must_be_positive(cli):
    result = cli("list", "-r", "-1", check=False)
    assert result.returncode == 2 and "whole number of 1 or more" in result.stderr
