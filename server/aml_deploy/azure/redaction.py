"""Secrets in ARM bodies (the spec's `x-ms-secret` fields, and secret volume contents) replaced by "***", for
what is shown: `--dry-run` output, reports, logs."""

from __future__ import annotations

import copy
from typing import Any

MASK = "***"
# (where, key): environmentVariables[].secureValue, imageRegistryCredentials[].password,
# diagnostics.logAnalytics.workspaceKey/workspaceResourceId, volumes[].azureFile.storageAccountKey
SECRET_KEYS = {"secureValue", "password", "workspaceKey", "workspaceResourceId", "storageAccountKey"}


def redact_secrets(body: Any) -> Any:
    """A copy of `body` with every secret value masked; the structure (which keys exist) is kept."""
    body = copy.deepcopy(body)
    _mask(body)
    return body


def _mask(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _mask(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in SECRET_KEYS and isinstance(value, str):
                node[key] = MASK
            elif key == "secret" and isinstance(value, dict):  # a secret volume: file name -> base64 content
                node[key] = {name: MASK for name in value}
            else:
                _mask(value)
