"""KMeansTokenizer: fit/save/load round trip, padding invariance, dedup."""

import math

import numpy as np
import pytest
import torch

from speechbrain_xling.prepare.manifest import write_manifest
from speechbrain_xling.tokenizers.audio import AudioReader, audio_duration, pad_batch
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
