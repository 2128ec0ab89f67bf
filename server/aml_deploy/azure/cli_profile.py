"""What the Azure CLI remembers, read from its own files (never by running `az`): `az configure --defaults`
(the `config` file's [defaults] group/location, or AZURE_DEFAULTS_GROUP/LOCATION), the active cloud
([cloud] name), and the signed-in subscriptions of `azureProfile.json` with the default one."""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def cli_config_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("AZURE_CONFIG_DIR") or Path.home() / ".azure").expanduser()


@dataclass(frozen=True)
class CliSubscription:
    id: str
    name: str
    tenant_id: str | None
    is_default: bool


@dataclass(frozen=True)
class CliProfile:
    folder: Path
    default_group: str | None = None
    default_location: str | None = None
    cloud_name: str | None = None
    subscriptions: tuple[CliSubscription, ...] = ()
    problems: tuple[str, ...] = field(default=())  # files that exist but could not be read

    def default_subscription(self) -> CliSubscription | None:
        return next((s for s in self.subscriptions if s.is_default), None)

    def subscription(self, id_or_name: str) -> CliSubscription | None:
        wanted = id_or_name.strip().lower()
        return next((s for s in self.subscriptions if wanted in (s.id.lower(), s.name.lower())), None)


def read_cli_profile(environ: Mapping[str, str] | None = None) -> CliProfile:
    environ = os.environ if environ is None else environ
    folder = cli_config_dir(environ)
    problems: list[str] = []
    config = configparser.ConfigParser()
    config_file = folder / "config"
    try:
        config.read(config_file, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError) as failure:
        problems.append(f"{config_file}: {failure}")

    def setting(section: str, option: str) -> str | None:
        # the CLI lets AZURE_<SECTION>_<OPTION> override its config file
        value = environ.get(f"AZURE_{section}_{option}".upper()) or config.get(section, option, fallback=None)
        return value.strip() if value and value.strip() else None

    return CliProfile(
        folder=folder,
        default_group=setting("defaults", "group"),
        default_location=setting("defaults", "location"),
        cloud_name=setting("cloud", "name"),
        subscriptions=_subscriptions(folder / "azureProfile.json", problems),
        problems=tuple(problems),
    )


def _subscriptions(profile_file: Path, problems: list[str]) -> tuple[CliSubscription, ...]:
    if not profile_file.is_file():
        return ()
    try:
        # the CLI writes this file with a byte-order mark
        data = json.loads(profile_file.read_text(encoding="utf-8-sig"))
        return tuple(
            CliSubscription(
                id=entry["id"],
                name=entry.get("name", ""),
                tenant_id=entry.get("tenantId"),
                is_default=bool(entry.get("isDefault")),
            )
            for entry in data.get("subscriptions", [])
            if isinstance(entry, dict) and entry.get("id")
        )
    except (OSError, ValueError, AttributeError) as failure:
        problems.append(f"{profile_file}: {failure}")
        return ()
