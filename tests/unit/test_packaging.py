"""The wheel ships every package and the data files (schemas, docs) the code needs."""

import subprocess
import sys
import zipfile

import pytest
import tomllib

from tests.support import ROOT


def test_every_python_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(("aml_deploy",) + init.parent.relative_to(ROOT / "server" / "aml_deploy").parts)
        for init in (ROOT / "server" / "aml_deploy").rglob("__init__.py")
    }
    assert found <= listed, found - listed


@pytest.mark.slow
def test_wheel_contains_schemas_and_docs(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("aml_deploy-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "aml_deploy/_data/schemas/managedOnlineDeployment.schema.json" in names
    assert "aml_deploy/_data/docs/diagnostics.md" in names
    assert "aml_deploy/_data/managed-online-skus.tsv" in names
    assert "aml_deploy/lsp/server.py" in names
    assert "aml_deploy/deploy/local/runtime/supervisor.py" in names and "aml_deploy/deploy/local/runtime/install.sh" in names
    assert "aml_deploy/front/front.lua" in names
