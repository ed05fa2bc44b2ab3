#!/usr/bin/env bash
# Set-up shared by scripts/demo.sh and scripts/test.sh, safe to run again:
# a virtualenv in .venv, minigrad installed into it with the extras named in $1,
# and the Debian packages graphviz and fonts-nanum when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-viz}"
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
# Debian packages the showcase uses when present: Graphviz's `dot` (computation graphs) and a
# font with Hangul glyphs (fonts-nanum) for attention heatmaps labelled in Korean.
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
ls /usr/share/fonts/truetype/nanum/NanumGothic*.ttf >/dev/null 2>&1 || missing+=(fonts-nanum)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} with apt-get ..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "note: ${missing[*]} missing: graphs or Korean heatmap labels will not render (Debian: apt-get install ${missing[*]})" >&2
  fi
fi
