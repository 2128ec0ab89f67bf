"""A version, once given out, always means the same bytes: deleted versions are never reused."""

import sqlite3

import pytest

from aml_deploy.registry import Registry, RegistryError
from aml_deploy.registry.names import parse_reference


def test_deleted_numbers_are_not_given_out_again(registry, model_folder):
    for _ in range(3):
        registry.register(model_folder, "net")
    registry.delete("net", "3")
    registry.delete("net", "2")
    assert registry.register(model_folder, "net").version == "4"


def test_a_deleted_version_cannot_be_registered_again_by_hand(cli, model_folder):
    cli("create", "-n", "net", "-p", str(model_folder), "-v", "2024.1")
    cli("delete", "-n", "net", "-v", "2024.1", "--yes")
    result = cli("create", "-n", "net", "-p", str(model_folder), "-v", "2024.1", check=False)
    assert result.returncode == 1 and "net:2024.1 was deleted" in result.stderr and "never reused" in result.stderr


def test_a_reference_to_a_deleted_version_says_it_was_deleted(registry, model_folder):
    registry.register(model_folder, "net")
    registry.register(model_folder, "net")
    registry.delete("net", "1")
    with pytest.raises(RegistryError, match="net:1 was deleted"):
        registry.resolve(parse_reference("azureml:net:1"))


def test_other_names_are_not_affected(registry, model_folder):
    registry.register(model_folder, "net")
    registry.delete("net", "1")
    assert registry.register(model_folder, "other").version == "1"


def test_a_schema_1_registry_is_migrated_in_place(tmp_path, model_folder):
    """A registry written before deletions were remembered: it opens, keeps its versions, and from
    then on never reuses a number."""
    from aml_deploy.registry import database

    root = tmp_path / "registry"
    root.mkdir()
    connection = sqlite3.connect(root / "registry.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.executescript(database.MIGRATIONS[1])
    connection.execute(
        "INSERT INTO versions (name, version, number, type, root_name, is_folder, size, file_count, source, created_at)"
        " VALUES ('net', '5', 5, 'custom_model', 'model', 1, 0, 0, '/x', '2026-01-01T00:00:00+00:00')"
    )
    connection.execute("PRAGMA user_version = 1")
    connection.execute(f"PRAGMA application_id = {database.APPLICATION_ID}")
    connection.close()
    registry = Registry(root)
    assert [m.version for m in registry.list()] == ["5"]
    registry.delete("net", "5")
    assert registry.register(model_folder, "net").version == "6"
    check = sqlite3.connect(root / "registry.db")
    assert check.execute("PRAGMA user_version").fetchone()[0] == database.SCHEMA_VERSION
