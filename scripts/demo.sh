#!/usr/bin/env bash
# Set up (virtualenv, minigrad with the showcase extras, Graphviz, a Hangul font), then the main job:
# train an attention translator on the built-in `dates` task with the NumPy backend, report its
# held-out exact match, translate a few dates, and draw one attention heatmap.
# Environment knobs: DEMO_SIZE (pairs), DEMO_EPOCHS, DEMO_HIDDEN, DEMO_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "showcase,viz"
out="${DEMO_OUT:-runs/demo}"
translate=.venv/bin/minigrad-translate
"$translate" train --task dates --size "${DEMO_SIZE:-30000}" --epochs "${DEMO_EPOCHS:-4}" \
  --hidden "${DEMO_HIDDEN:-128}" --device cpu --out "$out" --examples 8
echo
echo "translations by $out/best.safetensors:"
"$translate" translate --checkpoint "$out/best.safetensors" \
  "September 27, 1994" "27 septembre 1994" "Dienstag, 27. September 1994" "martes, 27 de septiembre de 1994" \
  "1994년 9월 27일" "3/14/2015"
echo
"$translate" attention --checkpoint "$out/best.safetensors" "1994년 9월 27일 화요일" --out "$out/attention.png"
