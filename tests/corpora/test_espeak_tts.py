"""Tests of the espeak-ng synthesis and its cache."""

import os

import numpy as np
import pytest

from speechbrain_xling.corpora import tts
from speechbrain_xling.corpora.files import read_wav
from speechbrain_xling.corpora.tts import (
    SAMPLE_RATE,
    Utterance,
    Voice,
    synthesize,
    synthesize_utterance,
)

SHORT = "The hen is sad."
LONG = "One day, the police officer loses her yellow umbrella near the station."


def _rms(samples):
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_synthesised_audio_is_speech_like(tmp_path):
    voice = Voice("f3", pitch=60, speed=160)
    short, long, french = synthesize(
        [
            Utterance(SHORT, "en", voice),
            Utterance(LONG, "en", voice),
            Utterance("La poule est triste.", "fr", voice),
        ],
        tmp_path,
        progress=False,
    )
    for result in (short, long, french):
        samples, rate = read_wav(result.wav)
        assert rate == SAMPLE_RATE
        assert result.duration == pytest.approx(len(samples) / rate)
        assert _rms(samples) > 300  # int16 scale; silence is 0
        assert result.phonemes and "ˈ" not in result.phonemes
    assert 0.5 < short.duration < 3.0
    assert long.duration > 2 * short.duration
    assert french.phonemes.split()[:3] == ["l", "a", "p"]


def test_cache_hit_does_not_resynthesise(tmp_path, espeak_synth_calls):
    utterance = Utterance(SHORT, "en", Voice("m3"))
    first = synthesize_utterance(utterance, tmp_path)
    mtime = os.stat(first.wav).st_mtime_ns
    assert len(espeak_synth_calls) == 1
    again = synthesize([utterance, utterance], tmp_path, progress=False)
    assert len(espeak_synth_calls) == 1
    assert again == [first, first]
    assert os.stat(first.wav).st_mtime_ns == mtime
    # Any change of input is a new file.
    for changed in (
        Utterance(SHORT, "en", Voice("m3", pitch=20)),
        Utterance(SHORT, "en", Voice("m3", speed=120)),
        Utterance(SHORT, "en", Voice("f3")),
        Utterance("The pig is sad.", "en", Voice("m3")),
        Utterance(SHORT, "fr", Voice("m3")),
    ):
        assert synthesize_utterance(changed, tmp_path).wav != first.wav
    assert len(espeak_synth_calls) == 6


def test_missing_espeak_gives_install_hint(monkeypatch):
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    tts.espeak_executable.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
            tts.espeak_executable()
    finally:
        tts.espeak_executable.cache_clear()


def test_espeak_failure_names_text_and_voice_and_leaves_no_file(tmp_path, monkeypatch):
    # A stand-in espeak-ng that writes part of the WAV, then fails.
    fake = tmp_path / "bin" / "espeak-ng"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        'while [ $# -gt 0 ]; do [ "$1" = -w ] && printf RIFF > "$2"; shift; done\n'
        "echo synthetic failure >&2\n"
        "exit 3\n"
    )
    fake.chmod(0o755)
    tts.espeak_version()  # cached before the stand-in takes over
    monkeypatch.setattr(tts, "espeak_executable", lambda: str(fake))
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match="en-us\\+f3.*The hen is sad.*exit code 3: synthetic"):
        synthesize_utterance(Utterance(SHORT, "en", Voice("f3")), cache)
    assert [path for path in cache.rglob("*") if path.is_file()] == []


def test_bad_inputs_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="Unknown espeak-ng voice variant"):
        synthesize([Utterance(SHORT, "en", Voice("nobody"))], tmp_path)
    with pytest.raises(ValueError, match="Unknown language 'de'"):
        synthesize_utterance(Utterance(SHORT, "de", Voice("f3")), tmp_path)
    with pytest.raises(ValueError, match="empty"):
        synthesize_utterance(Utterance("  ", "en", Voice("f3")), tmp_path)
    with pytest.raises(ValueError, match="num_workers"):
        synthesize([], tmp_path, num_workers=0)
    with pytest.raises(ValueError, match="VARIANT"):
        Voice.from_spec("f3:high")
    with pytest.raises(ValueError, match="punctuation"):
        tts.phonemize(["one, two"], "en")
