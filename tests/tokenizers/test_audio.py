"""AudioReader: mono float at the tokeniser's rate; clear errors for bad audio."""

import numpy as np
import pytest
import soundfile as sf
import torch

from speechbrain_xling.audio import AudioError, AudioReader, audio_duration, pad_batch


def test_reads_speech_resampled_and_counts_it(speech):
    reader = AudioReader(16000)
    wav = reader(speech["en_mid"])
    native, rate = sf.read(speech["en_mid"], dtype="float32")
    assert rate == 22050 and wav.dtype == torch.float32
    assert abs(len(wav) - len(native) * 16000 / 22050) <= 1
    assert dict(reader.counts) == {"resampled": 1}


def test_stereo_is_downmixed_and_segments_are_cut(tmp_path):
    left = np.linspace(-0.5, 0.5, 16000, dtype=np.float32)
    sf.write(tmp_path / "st.wav", np.stack([left, -left + 0.2], axis=1), 16000, subtype="FLOAT")
    reader = AudioReader(16000)
    wav = reader(tmp_path / "st.wav")
    torch.testing.assert_close(wav, torch.full((16000,), 0.1))
    segment = AudioReader(16000)(tmp_path / "st.wav", start=0.25, duration=0.5)
    assert segment.shape == (8000,)
    assert dict(reader.counts) == {"downmixed": 1}
    assert audio_duration(tmp_path / "st.wav") == 1.0


def _write_bad(kind, path):
    if kind == "unreadable":
        path.write_bytes(b"RIFF not really a wave file" * 4)
    elif kind == "empty":
        sf.write(path, np.zeros(0, dtype=np.float32), 16000)
    elif kind == "non_finite":
        samples = np.zeros(1600, dtype=np.float32)
        samples[100] = np.inf
        sf.write(path, samples, 16000, subtype="FLOAT")
    return path


@pytest.mark.parametrize("kind", ["missing", "unreadable", "empty", "non_finite"])
def test_bad_audio_raises_naming_the_file(tmp_path, kind):
    path = _write_bad(kind, tmp_path / f"{kind}.wav")
    with pytest.raises(AudioError, match=f"{kind}.wav") as error:
        AudioReader(16000)(path)
    assert error.value.reason == kind


def test_segment_after_the_end_is_empty(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(1600, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="no samples") as error:
        AudioReader(16000)(tmp_path / "a.wav", start=1.0, duration=1.0)
    assert error.value.reason == "empty"


def test_pad_batch_pads_with_zeros():
    wavs, lengths = pad_batch([torch.ones(2), torch.ones(5)])
    assert wavs.shape == (2, 5) and lengths.tolist() == [2, 5]
    assert wavs[0, 2:].abs().sum() == 0
