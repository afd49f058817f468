#!/usr/bin/env bash
# The main job: sets up the environment, then runs the offline miniature of
# the paper's Table 3 (corpus -> units -> five systems -> evaluation ->
# report) into results/mini/: by default two labelled runs on one corpus, the
# TEXTLESS run (k-means units, seed 0) into results/mini/kmeans/ and the phone
# TOPLINE, NOT TEXTLESS (seeds 0 1 2) into results/mini/phones/. Extra options
# go to the demo and apply to every run, e.g.
#   bash scripts/run_demo.sh --units kmeans       # the textless run alone
#   bash scripts/run_demo.sh --units phones       # the phone topline alone
#   bash scripts/run_demo.sh --units kmeans --seeds 0 1 2
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
VENV="${XLING_VENV:-.venv}"
OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(nproc)}" "$VENV/bin/python" -m speechbrain_xling.demo "$@"
