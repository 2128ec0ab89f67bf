#!/usr/bin/env bash
# Set up everything AML Deploy needs on a Debian machine, saying what it does.
#   scripts/setup.sh            Python venv (.venv) with the project, the extension compiled
#   scripts/setup.sh --docker   also Docker Engine and debootstrap (local deployments)
#   scripts/setup.sh --tests    also what the tests need: Docker Engine, code-server, Chromium
# Debian packages are installed only when missing, and only when running as root.
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
WANT_TESTS=0
WANT_DOCKER=0
[ "${1:-}" = "--tests" ] && WANT_TESTS=1 && WANT_DOCKER=1
[ "${1:-}" = "--docker" ] && WANT_DOCKER=1

say() { printf '\n==> %s\n' "$*"; }

missing_packages=()
need() {  # need <command> <debian package>
  command -v "$1" >/dev/null 2>&1 || missing_packages+=("$2")
}
need_pkg() {  # need_pkg <debian package>
  dpkg -s "$1" >/dev/null 2>&1 || missing_packages+=("$1")
}

need python3 python3
need git git
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing_packages+=(python3-venv)
need node nodejs
need npm npm
if [ "$WANT_DOCKER" = 1 ]; then
  need dockerd docker.io
  need debootstrap debootstrap
fi
if [ "$WANT_TESTS" = 1 ]; then
  need rg ripgrep
  need chromium chromium
  need_pkg libkrb5-dev
  need g++ build-essential
  need docker-registry docker-registry  # the real OCI registry of the publishing tests
  need_pkg busybox-static               # a 2 MB image the Azure stand-in tests run and push
fi

if [ ${#missing_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: ${missing_packages[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing_packages[@]}"
  else
    echo "Missing: ${missing_packages[*]}. Install them (apt-get install ${missing_packages[*]}) and run this again." >&2
    exit 1
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Node.js $node_major found; the extension build and code-server need Node.js 20 (https://github.com/nodesource/distributions)." >&2
  [ "$WANT_TESTS" = 1 ] && exit 1
fi

# Every Python package comes at the exact version scripts/constraints.txt pins (scripts/refresh-pins.sh
# writes it); pyproject.toml keeps the ranges for people who install the package themselves.
PINS=scripts/constraints.txt
extras="[kubernetes]"  # the command line publishes to Kubernetes too
[ "$WANT_TESTS" = 1 ] && extras="[test,charts,kubernetes]"  # charts: the profile's chart, tested too
say "creating the Python environment .venv and installing aml-deploy$extras into it (the versions pinned in $PINS)"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet -c "$PINS" pip setuptools wheel
.venv/bin/python -m pip install --quiet -c "$PINS" --no-build-isolation -e ".$extras"
.venv/bin/python scripts/check_pins.py --constraints "$PINS" "aml-deploy$extras"

say "installing the extension's npm packages and compiling it"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent compile

if [ "$WANT_TESTS" = 1 ]; then
  say "installing code-server for the UI tests"
  ./scripts/install-code-server.sh
fi
say "setup done"
