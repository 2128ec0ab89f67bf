"""scripts/constraints.txt pins every Python package setup.sh installs; scripts/check_pins.py
finds what is not pinned or is off its pin."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import ROOT, load_script

check_pins = load_script("check_pins")

CONSTRAINTS = ROOT / "scripts" / "constraints.txt"
PINS = check_pins.read_pins(CONSTRAINTS)


def test_every_line_is_an_exact_pin():
    lines = [line for line in CONSTRAINTS.read_text().splitlines() if line and not line.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.+!-]+", line) for line in lines), lines


def test_pyproject_dependencies_and_extras_are_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    for text in named:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in PINS, f"{requirement.name} is not pinned"
        assert requirement.specifier.contains(PINS[name], prereleases=True), f"the pin of {name} is outside {text}"


@pytest.mark.parametrize(
    "name",
    [
        "pip",
        "setuptools",
        "wheel",  # setup.sh installs these first
        "azure-identity",
        "azure-core",
        "kubernetes",
        "kubernetes-validate",
        "debugpy",
        "ruff",
        "mypy",  # coming work
    ],
)
def test_tooling_and_coming_packages_are_pinned(name):
    assert name in PINS


def test_everything_the_installed_tree_needs_is_pinned():
    # Names, not versions: a developer's environment may be older than the pins; setup.sh checks versions.
    unpinned = [p for p in check_pins.problems("aml-deploy[test]", PINS) if "not pinned" in p or "not installed" in p]
    assert unpinned == []


def test_an_unpinned_dependency_is_reported():
    pins = {name: version for name, version in PINS.items() if name != "attrs"}
    assert any(p.startswith("attrs ") and "(needed by " in p and "not pinned" in p for p in check_pins.problems("aml-deploy[test]", pins))


def test_a_version_off_its_pin_is_reported():
    installed = metadata.version("PyYAML")
    pins = {**PINS, "pyyaml": "5.0.0"}
    assert f"PyYAML is installed at {installed}, pinned at 5.0.0" in check_pins.problems("aml-deploy", pins)


def test_extras_are_followed_only_when_asked():
    pins = {name: version for name, version in PINS.items() if name != "pytest"}
    assert not any(p.startswith("pytest ") for p in check_pins.problems("aml-deploy", pins))
    assert any(p.startswith("pytest ") for p in check_pins.problems("aml-deploy[test]", pins))


def test_command_fails_with_advice(tmp_path):
    broken = tmp_path / "constraints.txt"
    broken.write_text("\n".join(line for line in CONSTRAINTS.read_text().splitlines() if not line.startswith("jsonschema==")))
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_pins.py"), "--constraints", str(broken)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "jsonschema" in result.stderr and "not pinned" in result.stderr and "refresh-pins.sh" in result.stderr
