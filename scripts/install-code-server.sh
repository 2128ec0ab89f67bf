#!/usr/bin/env bash
# Install code-server 4.100.3 from npm into tests/ui/node_modules, offline-safe:
# its ripgrep download is seeded from Debian's rg, its native modules build against local headers.
set -euo pipefail
trap 'echo "${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed (exit $?)" >&2' ERR
cd "$(dirname "$0")/../tests/ui"
if [ -x node_modules/.bin/code-server ] && node_modules/.bin/code-server --version >/dev/null 2>&1; then
  echo "code-server already installed: $(node_modules/.bin/code-server --version | head -1)"
  exit 0
fi
command -v rg >/dev/null || { echo "ripgrep (Debian package ripgrep) is needed to seed code-server's download" >&2; exit 1; }
tmp=$(node -e 'console.log(require("os").tmpdir())')
# The cache folder name carries @vscode/ripgrep's version; 1.15.11 is what code-server 4.100.3 pins.
cache="$tmp/vscode-ripgrep-cache-1.15.11"
mkdir -p "$cache" "$tmp/rgseed"
cp "$(command -v rg)" "$tmp/rgseed/rg"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$tmp/rgseed" rg
echo "==> installing code-server 4.100.3 from npm (about 2 minutes)"
npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund
node_modules/.bin/code-server --version | head -1
