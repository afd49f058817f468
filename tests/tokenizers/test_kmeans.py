"""KMeansTokenizer: fit/save/load round trip, padding invariance, dedup,
chunked features, unreadable audio in the fit."""

import logging
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from speechbrain.processing.features import STFT, spectral_magnitude

from speechbrain_xling.audio import AudioError, AudioReader, audio_duration, pad_batch
from speechbrain_xling.prepare.manifest import write_manifest
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer, kmeans

SETTINGS = {
    "fbank": {},
    "mfcc_deltas_global": {"features": "mfcc", "deltas": True, "cmvn": "global"},
    "no_cmvn_12hz": {"cmvn": "none", "frame_rate": 12.5},
}


@pytest.fixture(scope="module")
def wavs(speech):
    reader = AudioReader(16000)
    loaded = [reader(path) for path in speech.values()]
    return loaded + [loaded[1][:12345]]


@pytest.fixture(scope="module")
def fitted(speech):
    """Settings name -> tokenizer fitted on the speech files (K=32)."""
    return {
        name: KMeansTokenizer(**settings).fit(list(speech.values()), num_units=32, seed=3)
        for name, settings in SETTINGS.items()
    }


def test_kmeans_finds_separated_clusters_deterministically():
    generator = torch.Generator().manual_seed(0)
    means = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = torch.cat([m + torch.randn(40, 2, generator=generator) * 0.3 for m in means])
    centroids = kmeans(points, 3, seed=5)
    nearest = torch.cdist(means, centroids).argmin(1)
    assert sorted(nearest.tolist()) == [0, 1, 2]
    assert torch.cdist(means, centroids).min(1).values.max() < 0.3
    assert torch.equal(centroids, kmeans(points, 3, seed=5))
    with pytest.raises(ValueError, match="at least num_clusters=200"):
        kmeans(points, 200)


@pytest.mark.parametrize("name", SETTINGS)
def test_padded_batch_gives_the_units_of_each_utterance_alone(fitted, wavs, name):
    tokenizer = fitted[name]
    batched = tokenizer.encode(*pad_batch(wavs))
    pool = round(100 / tokenizer.frame_rate)
    for wav, units in zip(wavs, batched):
        alone = tokenizer.encode(wav[None], torch.tensor([len(wav)]))[0]
        np.testing.assert_array_equal(units, alone)
        assert len(units) == math.ceil((1 + len(wav) // 160) / pool)
        assert units.min() >= 0 and units.max() < 32
    assert len(np.unique(np.concatenate(batched))) > 16


@pytest.mark.parametrize("name", SETTINGS)
def test_save_and_load_give_identical_units(fitted, wavs, tmp_path, name):
    tokenizer = fitted[name]
    tokenizer.save(tmp_path / "km.npz")
    reloaded = KMeansTokenizer.load(tmp_path / "km.npz")
    assert reloaded.describe() == tokenizer.describe()
    for a, b in zip(tokenizer.encode(*pad_batch(wavs)), reloaded.encode(*pad_batch(wavs))):
        np.testing.assert_array_equal(a, b)


def test_fit_is_deterministic_by_seed(fitted, speech):
    paths = list(speech.values())
    again = KMeansTokenizer().fit(paths, num_units=32, seed=3)
    other_seed = KMeansTokenizer().fit(paths, num_units=32, seed=4)
    assert torch.equal(again.centroids, fitted["fbank"].centroids)
    assert not torch.equal(other_seed.centroids, fitted["fbank"].centroids)
    assert other_seed.describe()["centroids_sha256"] != again.describe()["centroids_sha256"]


def test_dedup_removes_consecutive_repeats(fitted, wavs, speech):
    dedup = KMeansTokenizer(dedup=True).fit(list(speech.values()), num_units=32, seed=3)
    assert torch.equal(dedup.centroids, fitted["fbank"].centroids)
    plain = fitted["fbank"].encode(*pad_batch(wavs))
    merged = dedup.encode(*pad_batch(wavs))
    for full, short in zip(plain, merged):
        keep = np.concatenate([[True], full[1:] != full[:-1]])
        np.testing.assert_array_equal(short, full[keep])
        assert (short[1:] != short[:-1]).all() and len(short) < len(full)
    assert dedup.describe()["frame_rate_meaning"].startswith("frames per second before")


def _manifest(speech, folder):
    rows = [
        {
            "ID": name,
            "story_id": name,
            "sent_idx": 0,
            "lang": name[:2],
            "wav": str(path),
            "duration": audio_duration(path),
            "speaker": "v",
        }
        for name, path in speech.items()
    ]
    write_manifest(rows, folder / "m.csv")
    return folder / "m.csv", rows


def test_fit_on_a_manifest_samples_the_requested_hours(speech, tmp_path):
    manifest, rows = _manifest(speech, tmp_path)
    tokenizer = KMeansTokenizer().fit(manifest, num_units=8, sample_hours=1e-6, seed=0)
    assert tokenizer.fit_info["num_utterances"] == 1  # one utterance exceeds 3.6 ms
    tokenizer = KMeansTokenizer().fit(manifest, num_units=8, sample_hours=1.0, seed=0)
    assert tokenizer.fit_info["num_utterances"] == len(rows)
    assert len(tokenizer.fit_info["source_sha256"]) == 64


def test_fit_or_load_reuses_a_fit_only_with_the_same_options(speech, tmp_path):
    manifest, _ = _manifest(speech, tmp_path)
    path = tmp_path / "km.npz"
    first = KMeansTokenizer.fit_or_load(path, manifest, num_units=8, seed=1, n_mels=20)
    mtime = path.stat().st_mtime_ns
    again = KMeansTokenizer.fit_or_load(path, manifest, num_units=8, seed=1, n_mels=20)
    assert path.stat().st_mtime_ns == mtime
    assert again.describe() == first.describe()
    with pytest.raises(ValueError, match="n_mels"):
        KMeansTokenizer.fit_or_load(path, manifest, num_units=8, seed=1, n_mels=40)
    with pytest.raises(ValueError, match="seed"):
        KMeansTokenizer.fit_or_load(path, manifest, num_units=8, seed=2, n_mels=20)


def test_bad_settings_unfitted_use_and_bad_lengths_raise(fitted):
    with pytest.raises(ValueError, match="frame_rate"):
        KMeansTokenizer(frame_rate=30.0)
    with pytest.raises(ValueError, match="features"):
        KMeansTokenizer(features="wavlm")
    with pytest.raises(ValueError, match="cmvn"):
        KMeansTokenizer(cmvn="speaker")
    with pytest.raises(RuntimeError, match="not fitted"):
        KMeansTokenizer().encode(torch.zeros(1, 1600), torch.tensor([1600]))
    with pytest.raises(ValueError, match="lengths"):
        fitted["fbank"].encode(torch.zeros(2, 1600), torch.tensor([1600, 1601]))


def test_other_sample_rates_use_10_ms_frames(speech):
    paths = list(speech.values())
    tokenizer = KMeansTokenizer(sample_rate=24000).fit(paths, num_units=8)
    wav = AudioReader(24000)(paths[0])
    units = tokenizer.encode(wav[None], [len(wav)])[0]
    assert len(units) == math.ceil((1 + len(wav) // 240) / 4)
    assert len(np.unique(units)) > 3


def one_shot_features(tokenizer, wav):
    """The features of ``wav`` from one centred STFT over the whole row (the
    computation before chunking): the reference of the chunked features."""
    stft = STFT(
        sample_rate=tokenizer.sample_rate,
        n_fft=tokenizer._stft.n_fft,
        hop_length=10,
        center=True,
        pad_mode="constant",
    )
    power = tokenizer._filterbank(spectral_magnitude(stft(wav[None])))
    feats = 10 * torch.log10(power.clamp_min(1e-10))
    if tokenizer._dct is not None:
        feats = tokenizer._dct(feats)
    row = feats[0, : 1 + len(wav) // stft.hop_length]
    if tokenizer._deltas is not None:
        delta = tokenizer._deltas(row[None])
        row = torch.cat([row[None], delta, tokenizer._deltas(delta)], dim=2)[0]
    return row


@pytest.mark.parametrize("name", SETTINGS)
def test_chunked_features_equal_one_stft_over_the_whole_row(wavs, name):
    # 0.5 s chunks (50 frames): the 11.2 s utterance spans 23 chunks, the
    # last one overlapping; the shorter ones fewer; deltas cross the borders.
    tokenizer = KMeansTokenizer(chunk_seconds=0.5, **SETTINGS[name])
    noise = torch.randn(160 * 1234, generator=torch.Generator().manual_seed(0))
    for wav in [*wavs, noise, noise[:-1], noise[: 160 * 50], noise[:100]]:
        chunked = tokenizer._row_features(wav)
        assert chunked.shape == (1 + len(wav) // 160, 39 if name.startswith("mfcc") else 40)
        assert torch.equal(chunked, one_shot_features(tokenizer, wav))  # bit-exact


@pytest.mark.parametrize("name", SETTINGS)
def test_chunk_size_does_not_change_the_units(fitted, wavs, tmp_path, name):
    fitted[name].save(tmp_path / "km.npz")
    small_chunks = KMeansTokenizer.load(tmp_path / "km.npz", chunk_seconds=0.37)
    assert small_chunks._chunk_frames == 37 and fitted[name]._chunk_frames == 6000
    assert small_chunks.describe() == fitted[name].describe()
    for a, b in zip(fitted[name].encode(*pad_batch(wavs)), small_chunks.encode(*pad_batch(wavs))):
        np.testing.assert_array_equal(a, b)


def _manifest_with_bad_audio(speech, folder):
    """A manifest of the speech files plus an unreadable and a missing file."""
    (folder / "bad.wav").write_bytes(b"RIFF but not audio")
    rows = [
        {"ID": name, "wav": str(path), "duration": audio_duration(path)}
        for name, path in speech.items()
    ]
    rows += [
        {"ID": "bad", "wav": str(folder / "bad.wav"), "duration": 2.0},
        {"ID": "gone", "wav": str(folder / "missing.wav"), "duration": 2.0},
    ]
    for row in rows:
        row.update(story_id=row["ID"], sent_idx=0, lang="en", speaker="v")
    write_manifest(rows, folder / "m.csv")
    return folder / "m.csv", len(speech)


def test_fit_stops_at_unreadable_audio_naming_the_file_by_default(speech, tmp_path):
    manifest, _ = _manifest_with_bad_audio(speech, tmp_path)
    with pytest.raises(AudioError, match=r"m\.csv line \d \(ID '(bad|gone)'\): .*\.wav: "):
        KMeansTokenizer().fit(manifest, num_units=8)
    with pytest.raises(ValueError, match="on_error"):
        KMeansTokenizer().fit(manifest, num_units=8, on_error="ignore")


def test_fit_skips_counts_and_reports_unreadable_audio_with_on_error_skip(speech, tmp_path, caplog):
    manifest, num_good = _manifest_with_bad_audio(speech, tmp_path)
    with caplog.at_level(logging.WARNING, logger="speechbrain_xling.tokenizers.kmeans"):
        tokenizer = KMeansTokenizer().fit(manifest, num_units=8, on_error="skip")
    info = tokenizer.fit_info
    assert info["num_utterances"] == num_good and info["num_skipped"] == 2
    assert info["skipped_by_reason"] == {"unreadable": 1, "missing": 1}
    assert sorted(Path(s["wav"]).name for s in info["skipped"]) == ["bad.wav", "missing.wav"]
    assert "ID 'bad'" in " ".join(s["message"] for s in info["skipped"])
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "skipped 2 unreadable audio file(s)" in warning
    assert "bad.wav" in warning and "missing.wav" in warning
    # A skipped file is replaced by the next one of the random order: with a
    # seed that draws "bad" first, a one-utterance sample is still one.
    bad_index = num_good  # rows keep the manifest order before shuffling
    seed = next(s for s in range(100) if np.random.default_rng(s).permutation(7)[0] == bad_index)
    tiny = KMeansTokenizer().fit(manifest, 8, sample_hours=1e-6, seed=seed, on_error="skip")
    assert tiny.fit_info["num_utterances"] == 1 and tiny.fit_info["num_skipped"] == 1
    with pytest.raises(ValueError, match="all 1 file"):
        KMeansTokenizer().fit([tmp_path / "bad.wav"], num_units=8, on_error="skip")


def test_fit_or_load_passes_on_error_and_does_not_compare_it(speech, tmp_path):
    manifest, _ = _manifest_with_bad_audio(speech, tmp_path)
    path = tmp_path / "km.npz"
    with pytest.raises(AudioError):
        KMeansTokenizer.fit_or_load(path, manifest, num_units=8)
    assert not path.exists()
    fitted = KMeansTokenizer.fit_or_load(path, manifest, num_units=8, on_error="skip")
    reloaded = KMeansTokenizer.fit_or_load(path, manifest, num_units=8)  # on_error="error"
    assert reloaded.describe() == fitted.describe()
    assert reloaded.fit_info["num_skipped"] == 2
