#!/usr/bin/env bash
# Installs Debian packages, as root or through sudo: scripts/apt-install.sh WHO PACKAGE...
# (WHO names the caller in messages). Used by setup.sh and install-bench-peers.sh.
set -euo pipefail
who=$1
shift
[ $# -gt 0 ] || exit 0

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "$who: need root (or sudo) to install: $*" >&2; exit 1; fi
}

echo "$who: installing $*"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
