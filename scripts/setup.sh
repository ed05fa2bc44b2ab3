#!/usr/bin/env bash
# Set-up shared by scripts/demo.sh and scripts/test.sh, safe to run again:
# a virtualenv in .venv, minigrad installed into it with the extras named in $1,
# and Graphviz's `dot` program (Debian package graphviz) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-viz}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Graphviz (the 'dot' program) with apt-get ..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  else
    echo "note: Graphviz's 'dot' is missing, so graphs are not rendered; install it (Debian: apt-get install graphviz)" >&2
  fi
fi
