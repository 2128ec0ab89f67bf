#!/usr/bin/env bash
# Set up and run every test: Python (unit, language server over stdio, corpus, Docker, UI in
# code-server) and the extension's own unit tests. Fails when any test fails or none ran.
# In CI (CI=true) it also proves the fresh-machine path each run: the Python packages are
# downloaded anew (no pip cache; CI's clone has no .venv, so the environment is new too) and the
# offline base image is built from scratch under a scratch tag, checked, and removed.
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
in_ci=0
case "${CI:-}" in 1|true|TRUE|True|yes) in_ci=1 ;; esac
[ "$in_ci" = 1 ] && export PIP_NO_CACHE_DIR=1
./scripts/setup.sh --tests

echo; echo "==> Docker engine (started when not running) and the base image (built offline once when it cannot be pulled)"
./scripts/ensure-docker.sh
if [ "$in_ci" = 1 ]; then
  scratch="aml-deploy-fresh-$$/base:bookworm"
  echo "==> CI: the base image from scratch, as a new machine builds it ($scratch, removed afterwards)"
  AML_DEPLOY_BASE_TAG=$scratch ./scripts/build-base-image.sh "$scratch"
  docker rmi "$scratch" >/dev/null
fi
./scripts/build-base-image.sh python:3.11-slim

echo; echo "==> linters: ruff (lint and format), mypy, eslint and tsc --noEmit (strict)"
.venv/bin/ruff check server tests benchmarks scripts
.venv/bin/ruff format --check server tests benchmarks scripts
.venv/bin/mypy
npm run --silent lint

echo; echo "==> extension unit tests (node --test)"
npm test --silent

echo; echo "==> Python tests (pytest); screenshots of UI tests go to test-results/ui/"
.venv/bin/python -m pytest -ra "$@"
