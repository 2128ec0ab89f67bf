#!/usr/bin/env bash
# Refresh scripts/constraints.txt, the exact versions scripts/setup.sh (and so CI) installs:
# resolves the newest releases that pyproject.toml's ranges allow, for this machine's python3,
# in a throwaway virtual environment. Review the diff, then run ./scripts/test.sh: CI proves the new set.
#   scripts/refresh-pins.sh
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
# Packages that work being done now adds; pinned already so that it lands on a known set.
# Drop a name once pyproject.toml lists it.
COMING=(debugpy)

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
extras=$("$venv/bin/python" -c 'import tomllib; print(",".join(tomllib.load(open("pyproject.toml", "rb"))["project"].get("optional-dependencies", {})))')
echo "==> resolving aml-deploy[$extras] and ${COMING[*]} for $(python3 --version)"
"$venv/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
"$venv/bin/python" -m pip install --quiet --no-build-isolation -e ".[$extras]" "${COMING[@]}"
"$venv/bin/python" -m pip check
{
  echo "# Exact versions of every Python package scripts/setup.sh installs (pip install -c scripts/constraints.txt)."
  echo "# Written by scripts/refresh-pins.sh for $(python3 --version); pyproject.toml keeps the ranges. Do not edit by hand."
  "$venv/bin/python" -m pip freeze --all --exclude-editable | grep -v '^-e ' | LC_ALL=C sort -f
} > scripts/constraints.txt
echo "==> scripts/constraints.txt: $(grep -vc '^#' scripts/constraints.txt) packages; now run ./scripts/test.sh"
git --no-pager diff --stat -- scripts/constraints.txt || true
