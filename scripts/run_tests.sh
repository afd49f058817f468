#!/usr/bin/env bash
# The test command: sets up the environment, then runs the test suite
# (unit tests, doctests, recipe end-to-end tests) and ruff.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
VENV="${XLING_VENV:-.venv}"
"$VENV/bin/ruff" check speechbrain_xling recipes tests benchmarks
"$VENV/bin/python" -m pytest "$@"
