#!/usr/bin/env bash
# Set up (virtualenv, minigrad with its test extras, Graphviz) and run the linter and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "test,viz"
.venv/bin/python -m ruff check .
.venv/bin/python -m pytest "$@"
