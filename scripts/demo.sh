#!/usr/bin/env bash
# The main job: set up, validate the sample workspace, deploy it to a local Docker endpoint, score it.
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
./scripts/setup.sh --docker
./scripts/ensure-docker.sh
./scripts/build-base-image.sh python:3.11-slim
A=.venv/bin/aml-deploy

echo; echo "==> aml-deploy validate test-fixtures/sample  (a valid deployment and its scoring script: exit code 0)"
$A validate test-fixtures/sample

echo; echo "==> aml-deploy validate test-fixtures/broken  (mistakes people make: exit code 1 is expected)"
$A validate test-fixtures/broken || echo "(exit code $? - errors found, as expected)"

echo; echo "==> aml-deploy online-endpoint create --local -f test-fixtures/sample/endpoint.yml"
echo "    (the endpoint's front, as in Azure: keys, traffic, request limits; the first run builds its HAProxy image)"
$A online-endpoint create --local -f test-fixtures/sample/endpoint.yml

echo; echo "==> aml-deploy online-deployment create --local -f test-fixtures/sample/blue-deployment.yml --all-traffic"
echo "    (the first run builds the environment image: about a minute; later runs reuse it)"
$A online-deployment create --local -f test-fixtures/sample/blue-deployment.yml --all-traffic

echo; echo "==> aml-deploy online-endpoint invoke --local -n sample-endpoint --request-file test-fixtures/sample/sample-request.json"
echo "    (through the endpoint's front with its key; the model is y = 2*x0 + 3*x1 + 1: expect [9.0, 1.0, 10.0])"
$A online-endpoint invoke --local -n sample-endpoint --request-file test-fixtures/sample/sample-request.json
$A online-endpoint show --local -n sample-endpoint

echo
echo "The endpoint keeps running; call it yourself with a key from"
echo "  $A online-endpoint get-credentials --local -n sample-endpoint"
echo "Edit test-fixtures/sample/src/score.py and run"
echo "  $A online-deployment update --local -f test-fixtures/sample/blue-deployment.yml"
echo "to restart it in place; remove it with"
echo "  $A online-endpoint delete --local -n sample-endpoint --yes"
