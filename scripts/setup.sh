#!/usr/bin/env bash
# Set-up shared by scripts/demo.sh and scripts/test.sh, safe to run again:
# a virtualenv in .venv, minigrad installed into it with the extras named in $1,
# and Debian's graphviz (the `dot` program) when it is missing. Hangul glyphs for heatmaps need no
# system package: the showcase extra installs koreanize-matplotlib, which ships NanumGothic.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-viz}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
# Graphviz's `dot` draws computation graphs (Windows and macOS: see README.md).
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} with apt-get ..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "note: ${missing[*]} missing: computation graphs will not render (Debian: apt-get install ${missing[*]})" >&2
  fi
fi
