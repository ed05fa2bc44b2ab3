#!/usr/bin/env bash
# Set up (virtualenv, minigrad with the showcase extras, Graphviz), then the main job:
# train an attention translator on the built-in `dates` task with the NumPy backend, report its
# held-out exact match, translate a few dates, and draw one attention heatmap.
# Environment knobs: DEMO_SIZE (pairs), DEMO_EPOCHS, DEMO_HIDDEN, DEMO_OUT (or --size, --epochs, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "showcase,viz"
# the job itself is models/demo.py, which runs the same on Windows and macOS: python -m models.demo
exec .venv/bin/python -m models.demo "$@"
