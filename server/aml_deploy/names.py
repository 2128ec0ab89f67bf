"""Name rules several packages check: written once. Always matched with `fullmatch` (a `$` would also
match before a trailing newline, so "abc\n" would pass)."""

from __future__ import annotations

import re

# A registered model's name and version (letters, digits, '-', '_', '.'; starting with a letter or digit).
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_.]{0,254}")
MODEL_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_.]{0,99}")
# Online endpoint and deployment names: letters, digits and '-', starting with a letter, not ending in '-'.
ONLINE_NAME = re.compile(r"[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?")
