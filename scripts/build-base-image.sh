#!/usr/bin/env bash
# The base image the sample deployment names (python:3.11-slim). Pulled when a registry is
# reachable; otherwise built offline: a Debian bookworm root filesystem with Python 3.11 made by
# debootstrap from the machine's own Debian mirror, imported into Docker and tagged with the same
# name. Cached: nothing happens when the image is already there.
#   scripts/build-base-image.sh [IMAGE]        IMAGE defaults to python:3.11-slim
# Settings (environment):
#   AML_DEPLOY_BASE_TAG       the offline image's own tag (default aml-deploy-test/base:bookworm)
#   AML_DEPLOY_DEBIAN_MIRROR  the Debian mirror for debootstrap (default: the one apt uses here,
#                             read by scripts/debian_mirror.py)
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
HERE=$(cd "$(dirname "$0")" && pwd)
IMAGE=${1:-python:3.11-slim}
OFFLINE_TAG=${AML_DEPLOY_BASE_TAG:-aml-deploy-test/base:bookworm}
SUITE=bookworm
root=""
log=""
trap 'rm -rf "$root" "$log"' EXIT

choose_mirror() {  # sets mirror and origin
  local found
  if [ -n "${AML_DEPLOY_DEBIAN_MIRROR:-}" ]; then
    mirror=$AML_DEPLOY_DEBIAN_MIRROR
    origin="from AML_DEPLOY_DEBIAN_MIRROR"
  elif found=$(python3 "$HERE/debian_mirror.py" --suite "$SUITE"); then
    mirror=${found%%$'\t'*}
    origin="the mirror apt uses, from ${found#*$'\t'}"
  else
    mirror=http://deb.debian.org/debian
    origin="Debian's default mirror: the apt sources name none"
  fi
}

build_offline() {  # build_offline TAG: a fresh Debian + Python image under TAG, checked
  local tag=$1 mirror origin version
  command -v debootstrap >/dev/null || { echo "debootstrap is needed to build the base image offline (apt-get install debootstrap)" >&2; exit 1; }
  choose_mirror
  root=$(mktemp -d)
  log=$(mktemp)
  echo "==> building $tag offline with debootstrap: Debian $SUITE from $mirror ($origin); about a minute"
  if ! debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
      "$SUITE" "$root" "$mirror" >"$log" 2>&1; then
    {
      echo "debootstrap could not build Debian $SUITE from $mirror ($origin)."
      echo "Set AML_DEPLOY_DEBIAN_MIRROR to a Debian mirror this machine reaches to use another. debootstrap said:"
      tail -n 20 "$log"
      if [ -f "$root/debootstrap/debootstrap.log" ]; then
        echo "--- the end of debootstrap's own log (debootstrap/debootstrap.log in the target):"
        tail -n 20 "$root/debootstrap/debootstrap.log"
      fi
    } >&2
    exit 1
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' - "$tag" >/dev/null
  if ! version=$(docker run --rm --network none "$tag" python3 -c 'import ensurepip, ssl, sys, venv; print(sys.version.split()[0])'); then
    docker rmi "$tag" >/dev/null
    echo "The image built from $mirror has no working Python 3 (python3 with ensurepip, ssl and venv); removed $tag." >&2
    exit 1
  fi
  echo "==> built $tag: Debian $SUITE with Python $version"
}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi
if timeout 60 docker pull "$IMAGE" >/dev/null 2>&1; then
  echo "==> pulled $IMAGE"
  exit 0
fi
if ! docker image inspect "$OFFLINE_TAG" >/dev/null 2>&1; then
  echo "==> $IMAGE cannot be pulled (no registry reachable)"
  build_offline "$OFFLINE_TAG"
fi
[ "$IMAGE" = "$OFFLINE_TAG" ] || docker tag "$OFFLINE_TAG" "$IMAGE"
echo "==> $IMAGE is the offline Debian $SUITE image ($OFFLINE_TAG)"
