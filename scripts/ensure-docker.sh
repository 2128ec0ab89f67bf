#!/usr/bin/env bash
# Make sure a Docker engine answers: start dockerd in the background when it does not
# (as root; it logs to ${AML_DEPLOY_DOCKERD_LOG:-/tmp/aml-deploy-dockerd.log}).
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null; then
  echo "Docker Engine is not installed (Debian: apt-get install docker.io)." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "The Docker engine is not running, and only root can start it here (sudo dockerd &)." >&2
  exit 1
fi
log=${AML_DEPLOY_DOCKERD_LOG:-/tmp/aml-deploy-dockerd.log}
echo "==> starting dockerd (log: $log)"
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
echo "dockerd did not start within 60 s; see $log" >&2
tail -20 "$log" >&2
exit 1
