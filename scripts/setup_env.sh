#!/usr/bin/env bash
# Sets up everything speechbrain-xling needs on a fresh Debian/Ubuntu machine:
# espeak-ng (speech synthesis for the offline mini-corpus) and a virtual
# environment in .venv with the package (editable) and its pinned stack.
# Safe to re-run: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${XLING_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

if ! command -v espeak-ng >/dev/null 2>&1; then
    echo "[setup] installing espeak-ng"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq espeak-ng >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "[setup] creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi

# Reinstall only when setup.py changed since the last successful install.
stamp="$VENV/.xling-installed"
want="$(sha256sum setup.py | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "[setup] installing speechbrain-xling and its stack into $VENV (first time: a few minutes)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[dev]"
    "$VENV/bin/python" -m pip check
    echo "$want" > "$stamp"
fi
