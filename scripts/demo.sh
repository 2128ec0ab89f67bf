#!/usr/bin/env bash
# The main job: set up, then validate the sample workspace (test-fixtures/) with aml-deploy.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

echo; echo "==> aml-deploy validate test-fixtures/sample  (a valid deployment: exit code 0)"
.venv/bin/aml-deploy validate test-fixtures/sample

echo; echo "==> aml-deploy validate test-fixtures/broken  (mistakes people make: exit code 1 is expected)"
.venv/bin/aml-deploy validate test-fixtures/broken || echo "(exit code $? — errors found, as expected)"
