"""Fixtures of the data-preparation tests: speech from espeak-ng."""

import subprocess

import pytest


@pytest.fixture(scope="session")
def say():
    """``say(text, voice, path)`` writes espeak-ng speech (22,050 Hz WAV)."""

    def speak(text, voice, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
        return path

    return speak
