#!/usr/bin/env bash
# The main job: sets up the environment, then runs the offline miniature of
# the paper's Table 3 (corpus -> units -> five systems -> evaluation ->
# report) into results/mini/. Extra options go to the demo, e.g.
#   bash scripts/run_demo.sh --seeds 0 1 2
#   bash scripts/run_demo.sh --units phones      # phone topline (not textless)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
VENV="${XLING_VENV:-.venv}"
OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" "$VENV/bin/python" -m speechbrain_xling.demo "$@"
