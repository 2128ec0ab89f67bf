#!/usr/bin/env bash
# Build aml-deploy.vsix: the compiled extension, the Python server, its schemas and docs, and the
# server's Python dependencies (bundled/libs, installed for this platform and this Python).
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

echo "==> compiling the extension"
npm ci --no-audit --no-fund
npm run compile

echo "==> bundling the server's Python dependencies into bundled/libs (for $($PYTHON -c 'import sys, platform; print(platform.system(), platform.machine(), "CPython", sys.version.split()[0])'))"
rm -rf bundled/libs
mapfile -t deps < <("$PYTHON" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))')
"$PYTHON" -m pip install --quiet --target bundled/libs -c scripts/constraints.txt "${deps[@]}"
find bundled/libs -name __pycache__ -type d -prune -exec rm -rf {} +

echo "==> packaging"
npx vsce package --allow-missing-repository --skip-license --no-rewrite-relative-links -o aml-deploy.vsix
ls -l aml-deploy.vsix
