"""What every command prints: JSON with --format json, else text for people; and the question
before anything is deleted."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from ..errors import AmlDeployError


class NotConfirmed(AmlDeployError):
    code = "not-confirmed"


def print_result(args, data: Any, text: Callable[[Any], str]) -> None:
    print(json.dumps(data, indent=2) if args.format == "json" else text(data))


def confirm(args, question: str) -> None:
    """Go on only when --yes was given or the person at the terminal says yes."""
    if getattr(args, "yes", False):
        return
    if not sys.stdin.isatty():
        raise NotConfirmed("Deleting needs confirmation: pass --yes.")
    if input(f"{question} [y/N] ").strip().lower() not in ("y", "yes"):
        raise NotConfirmed("Not deleted.")


def add_format(parser) -> None:
    parser.add_argument("--format", "-o", "--output", dest="format", choices=("text", "json"), default="text")
