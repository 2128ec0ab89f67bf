"""The README cannot drift from the program: every command line it shows is accepted by the real
CLI's parser, and the walkthrough's commands run, in order, on the sample."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid

import pytest

from aml_deploy.cli.program import _parser
from tests.local.conftest import remove_containers
from tests.support import FIXTURES, ROOT

README = ROOT / "README.md"
_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)
_OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")


def _blocks(language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(README.read_text(encoding="utf-8")) if lang == language]


def _command_lines(body: str) -> list[str]:
    """Lines starting with aml-deploy, with their continuation lines joined."""
    lines, current = [], ""
    for raw in body.splitlines():
        line = raw.rstrip() if not current else raw.strip()
        if current:
            current += " " + line.rstrip("\\").strip()
        elif line.startswith("aml-deploy "):
            current = line.rstrip("\\").strip()
        if current and not raw.rstrip().endswith("\\"):
            lines.append(current)
            current = ""
    return lines


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def _commands_of(words: list[str]) -> list[argparse.ArgumentParser]:
    """The parsers a synopsis names: `online-deployment show|list|delete` names three."""
    parsers = [_parser()]
    for word in words:
        children = [_subparsers(p) for p in parsers]
        if not any(children) or word.startswith(("-", "[", "(")) or word.isupper():
            break
        found = [c[name] for c in children for name in word.split("|") if name in c]
        if not found:
            break
        parsers = found
    return parsers


def test_every_synopsis_line_names_real_commands_and_options():
    lines = [line for body in _blocks("text") for line in _command_lines(body)]
    assert len(lines) >= 15, "the README's command synopses were not found"
    wrong = []
    for line in lines:
        words = line.split()[1:]
        parsers = _commands_of(words)
        if _subparsers(parsers[0]):
            wrong.append(f"{line}: names no command")
            continue
        for option in _OPTION.findall(line.split("#")[0].split(" ", 1)[1]):
            if not any(option in p._option_string_actions for p in parsers):
                wrong.append(f"{line}: {option} is not an option of {parsers[0].prog}")
    assert not wrong, "\n".join(wrong)


def test_every_example_line_parses():
    """The bash examples, as written, are accepted by the parser (the walkthrough below also runs them)."""
    lines = [line for body in _blocks("bash") for line in _command_lines(body)]
    assert lines, "no aml-deploy examples in the README"
    for line in lines:
        try:
            _parser().parse_args(shlex.split(line, comments=True)[1:])
        except SystemExit:
            pytest.fail(f"the README shows a command the CLI refuses: {line}")


@pytest.mark.docker
@pytest.mark.slow
def test_the_walkthrough_runs_on_the_sample(docker_client, tmp_path):
    lines = [line for body in _blocks("bash") for line in _command_lines(body) if "test-fixtures" in line or "sample" in line]
    assert any("create --local" in line for line in lines)
    work = tmp_path / "repo"
    shutil.copytree(FIXTURES, work / "test-fixtures")
    # Names of this run's own, so that nothing of a user's (the demo's endpoint, say) is touched.
    names = {"sample-endpoint": f"readme-{uuid.uuid4().hex[:8]}", "sample-v1": f"readme-v1-{uuid.uuid4().hex[:6]}"}
    for path in (work / "test-fixtures" / "sample").glob("*.yml"):
        path.write_text(path.read_text().replace("sample-endpoint", names["sample-endpoint"]))
    lines = [_renamed(line, names) for line in lines]
    env = {**os.environ, "AML_DEPLOY_HOME": str(tmp_path / "home"), "AML_DEPLOY_REGISTRY": str(tmp_path / "registry")}
    cli = [sys.executable, "-m", "aml_deploy"]
    try:
        for line in lines:
            expected = 1 if "exit code 1" in line else 0
            command = shlex.split(line, comments=True)[1:]
            done = subprocess.run(cli + command, cwd=work, env=env, capture_output=True, text=True, timeout=900)
            assert done.returncode == expected, f"{line}\nexit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    finally:
        for endpoint in names.values():
            remove_containers(docker_client, endpoint)


def _renamed(line: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        line = line.replace(old, new)
    return line
