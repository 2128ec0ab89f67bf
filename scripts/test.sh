#!/usr/bin/env bash
# Set up and run every test: Python (unit, language server over stdio, corpus, Docker, UI in
# code-server) and the extension's own unit tests. Fails when any test fails or none ran.
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
./scripts/setup.sh --tests

echo; echo "==> Docker engine (started when not running) and the base image (built offline once when it cannot be pulled)"
./scripts/ensure-docker.sh
./scripts/build-base-image.sh python:3.11-slim

echo; echo "==> extension unit tests (node --test)"
npm test --silent

echo; echo "==> Python tests (pytest); screenshots of UI tests go to test-results/ui/"
.venv/bin/python -m pytest -ra "$@"
