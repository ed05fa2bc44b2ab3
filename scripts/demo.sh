#!/usr/bin/env bash
# Set up (virtualenv, minigrad, Graphviz) and run the main job on the NumPy backend.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "viz"
.venv/bin/python examples/autograd_basics.py
