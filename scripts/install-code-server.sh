#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the newest code-server that runs on Node 20) into a
# folder of its own, offline apart from the npm registry, for the end-to-end tests and `npm start`.
# Usage: scripts/install-code-server.sh [DEST]   (default: .vscode-e2e/code-server)
# The binary is DEST/node_modules/.bin/code-server. Does nothing when that already prints 4.100.3.
#
# A plain `npm install code-server` fails here: its postinstall downloads ripgrep from GitHub and
# prebuilt binaries. So: install with --ignore-scripts, then redo code-server's postinstall by hand
# with Debian's ripgrep and kerberos headers (see /work/shared/research/vscode-testing.md, section 2).
# Needs the Debian packages libkrb5-dev pkg-config ripgrep and a C++ toolchain (make, g++, python3).
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.100.3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${1:-$ROOT/.vscode-e2e/code-server}"
case "$DEST" in /*) ;; *) DEST="$PWD/$DEST" ;; esac
BIN="$DEST/node_modules/.bin/code-server"
STARTED=$SECONDS

# `code-server --version` prints e.g. "4.100.3 409c64e0... with Code 1.100.3". Run it with a
# throwaway HOME/XDG: otherwise it writes ~/.config/code-server/config.yaml and ~/.local/share logs.
version_line() {
  [ -x "$BIN" ] || return 1
  local scratch line
  scratch=$(mktemp -d)
  line=$(HOME="$scratch" XDG_CONFIG_HOME="$scratch" XDG_DATA_HOME="$scratch" XDG_CACHE_HOME="$scratch" \
    "$BIN" --config "$scratch/config.yaml" --version 2>/dev/null | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' | head -1)
  rm -rf "$scratch"
  echo "$line"
}
installed_version() { version_line | awk '{print $1}'; }

if [ "$(installed_version || true)" = "$VERSION" ]; then
  echo "code-server $VERSION is already installed: $BIN"
  exit 0
fi

# What the build needs from the system; say exactly what to install instead of failing halfway.
missing=()
command -v rg >/dev/null || missing+=(ripgrep)
command -v pkg-config >/dev/null || missing+=(pkg-config)
[ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
command -v python3 >/dev/null || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-code-server: missing system packages: ${missing[*]}" >&2
  echo "  run: apt-get install -y ${missing[*]}" >&2
  exit 2
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" != 20 ]; then
  echo "install-code-server: code-server $VERSION needs Node 20, this is $(node --version)" >&2
  exit 2
fi

export npm_config_build_from_source=true   # no prebuilt-binary download attempts: build native modules here
export npm_config_yes=true                 # node-pty's install runs `npx node-gyp`; the global npmrc says yes=false
export npm_config_unsafe_perm=true         # code-server's scripts refuse to run as root without it
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
export npm_config_loglevel=error npm_config_progress=false
# Reuse whatever the npm cache already holds (npm ci ran just before in CI) without revalidating it.
NPM_INSTALL=(npm install --prefer-offline --no-save)

# Build in a staging folder and move it into place at the end, so an interrupted install never
# looks like a finished one.
STAGE="$DEST.partial"
rm -rf "$STAGE"
mkdir -p "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
cd "$STAGE"
printf '{ "name": "code-server-install", "private": true }\n' > package.json

echo "install-code-server: npm install code-server@$VERSION (no scripts)"
"${NPM_INSTALL[@]}" --ignore-scripts "code-server@$VERSION"
npm rebuild argon2 >/dev/null

VSCODE="$STAGE/node_modules/code-server/lib/vscode"
cd "$VSCODE"
echo "install-code-server: VS Code's runtime dependencies (no scripts)"
"${NPM_INSTALL[@]}" --omit=dev --ignore-scripts
# @vscode/ripgrep's postinstall downloads rg from GitHub unless bin/ already exists.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
echo "install-code-server: building native modules (node-pty, spdlog, kerberos, watcher, ...)"
npm rebuild >/dev/null
rm -rf node_modules.asar
ln -s node_modules node_modules.asar
ln -sf code-linux.sh bin/remote-cli/code-server
ln -sf browser-linux.sh bin/helpers/browser.sh
cd extensions
echo "install-code-server: built-in extensions' dependencies"
"${NPM_INSTALL[@]}" --omit=dev >/dev/null

rm -rf "$DEST"
mv "$STAGE" "$DEST"
trap - EXIT
installed=$(version_line || true)
case "$installed" in
  "$VERSION "*) ;;
  *) echo "install-code-server: the installed binary reports '$installed', expected $VERSION" >&2; exit 1 ;;
esac
echo "installed code-server $installed in $((SECONDS - STARTED)) s: $BIN ($(du -sh "$DEST" | cut -f1))"
