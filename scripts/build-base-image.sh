#!/usr/bin/env bash
# The base image the sample deployment names (python:3.11-slim). Pulled when a registry is
# reachable; otherwise built offline: a Debian bookworm root filesystem with Python 3.11 made by
# debootstrap from the machine's own Debian mirror, imported into Docker and tagged with the same
# name. Cached: nothing happens when the image is already there.
set -euo pipefail
IMAGE=${1:-python:3.11-slim}
OFFLINE_TAG=aml-deploy-test/base:bookworm
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi
if timeout 60 docker pull "$IMAGE" >/dev/null 2>&1; then
  echo "==> pulled $IMAGE"
  exit 0
fi
if ! docker image inspect "$OFFLINE_TAG" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { echo "debootstrap is needed to build the base image offline (apt-get install debootstrap)" >&2; exit 1; }
  mirror=$(grep -rhoE 'https?://[^ ]+/debian/?' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null | grep -v security | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d)
  echo "==> no registry reachable: building $IMAGE offline with debootstrap from $mirror (about a minute)"
  debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates bookworm "$root" "$mirror" >/tmp/aml-deploy-debootstrap.log 2>&1 \
    || { tail -20 /tmp/aml-deploy-debootstrap.log >&2; rm -rf "$root"; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' - "$OFFLINE_TAG" >/dev/null
  rm -rf "$root"
fi
docker tag "$OFFLINE_TAG" "$IMAGE"
echo "==> $IMAGE is the offline Debian bookworm image ($OFFLINE_TAG)"
