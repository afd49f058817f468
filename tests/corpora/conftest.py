"""Fixtures shared by the mini-corpus tests."""

import subprocess

import pytest


@pytest.fixture
def espeak_synth_calls(monkeypatch):
    """Records the argument lists of the espeak-ng calls that write audio."""
    calls = []
    real_run = subprocess.run

    def recording_run(args, *more, **kwargs):
        if "-w" in args:
            calls.append(list(args))
        return real_run(args, *more, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    return calls
