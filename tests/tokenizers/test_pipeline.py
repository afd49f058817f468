"""tokenize_manifest / tokenize_files: stores, resumption, skips, errors, cache."""

import csv
import json
import os
import shutil

import numpy as np
import pytest
import soundfile as sf
import torch

from speechbrain_xling.audio import AudioError, AudioReader, audio_duration
from speechbrain_xling.data.unit_store import UnitStore
from speechbrain_xling.hashing import file_sha256
from speechbrain_xling.prepare.manifest import ManifestError, write_manifest
from speechbrain_xling.saved_settings import SettingsMismatch
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.mimi import MimiTokenizer
from speechbrain_xling.tokenizers.pipeline import (
    SUMMARY_FILE,
    tokenize_files,
    tokenize_manifest,
)


@pytest.fixture(scope="module")
def kmeans_tokenizer(speech):
    return KMeansTokenizer().fit(list(speech.values()), num_units=16, seed=0)


@pytest.fixture(scope="module")
def corpus(speech, tmp_path_factory):
    """A 10-row manifest with relative wav paths: 5 utterances x 2 "stories"."""
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "audio").mkdir()
    rows = []
    for story in range(2):
        for sent, (name, path) in enumerate(speech.items()):
            wav = folder / "audio" / f"{story}_{name}.wav"
            shutil.copy(path, wav)
            rows.append(
                {
                    "ID": f"s{story}_{name}",
                    "story_id": f"s{story}",
                    "sent_idx": sent,
                    "lang": name[:2],
                    "wav": f"audio/{wav.name}",
                    "duration": audio_duration(wav),
                    "speaker": f"v{story}",
                    "text": "unused",
                }
            )
    write_manifest(rows, folder / "manifest.csv", extra_columns=["text"])
    return folder / "manifest.csv"


class CountingTokenizer:
    """Wraps a tokenizer; counts ``encode`` calls, raising at call ``fail_at``."""

    def __init__(self, inner, fail_at=None):
        self.inner, self.fail_at, self.calls = inner, fail_at, 0
        self.num_units, self.frame_rate = inner.num_units, inner.frame_rate
        self.sample_rate = inner.sample_rate

    def encode(self, wavs, lengths):
        self.calls += 1
        if self.calls == self.fail_at:
            raise KeyboardInterrupt("simulated kill")
        return self.inner.encode(wavs, lengths)

    def describe(self):
        return self.inner.describe()


def read_store(folder):
    store = UnitStore(folder)
    return {
        utt: (store.units(row).tolist(), store.story_ids[row], int(store.sent_idx[row]))
        for row, utt in enumerate(store.ids)
    }


@pytest.mark.parametrize("kind", ["kmeans", "mimi"])
def test_manifest_to_store(corpus, kmeans_tokenizer, tiny_mimi, tmp_path, kind):
    tokenizer = kmeans_tokenizer if kind == "kmeans" else MimiTokenizer(tiny_mimi)
    header = tokenize_manifest(
        corpus, tokenizer, tmp_path / "store", rows_per_part=4, progress=False
    )
    assert header["num_units"] == tokenizer.num_units
    assert header["frame_rate"] == tokenizer.frame_rate
    assert header["tokenizer"] == tokenizer.describe()
    assert header["source_hash"] == file_sha256(corpus)
    assert (header["rows"], len(header["parts"])) == (10, 3)
    stored = read_store(tmp_path / "store")
    reader = AudioReader(tokenizer.sample_rate)
    with open(corpus) as handle:
        for row in csv.DictReader(handle):
            wav = reader(corpus.parent / row["wav"])
            alone = tokenizer.encode(wav[None], torch.tensor([len(wav)]))[0]
            units, story, sent = stored[row["ID"]]
            assert units == alone.tolist() and len(units) > 0
            assert (story, sent) == (row["story_id"], int(row["sent_idx"]))
    summary = json.loads((tmp_path / "store" / SUMMARY_FILE).read_text())
    assert summary["rows_written"] == 10 and summary["rows_skipped"] == 0
    assert summary["audio_resampled"] == 10  # espeak writes 22,050 Hz


def test_resume_after_a_kill_equals_an_uninterrupted_run(corpus, kmeans_tokenizer, tmp_path):
    options = {"rows_per_part": 4, "batch_seconds": 1e6, "progress": False}
    dying = CountingTokenizer(kmeans_tokenizer, fail_at=3)  # one encode call per part
    with pytest.raises(KeyboardInterrupt):
        tokenize_manifest(corpus, dying, tmp_path / "store", **options)
    names = sorted(p.name for p in (tmp_path / "store").iterdir())
    assert "part_00001.index.npz" in names and "header.json" not in names
    assert not any(name.startswith("part_00002") for name in names)
    resumed = CountingTokenizer(kmeans_tokenizer)
    header = tokenize_manifest(corpus, resumed, tmp_path / "store", **options)
    assert resumed.calls == 1  # only the missing part
    reference = tokenize_manifest(corpus, kmeans_tokenizer, tmp_path / "ref", **options)
    assert (header["rows"], header["units"]) == (reference["rows"], reference["units"])
    assert read_store(tmp_path / "store") == read_store(tmp_path / "ref")
    assert UnitStore(tmp_path / "store").ids.tolist() == UnitStore(tmp_path / "ref").ids.tolist()


def test_finished_store_is_not_recomputed(corpus, kmeans_tokenizer, tmp_path):
    first = tokenize_manifest(corpus, kmeans_tokenizer, tmp_path / "store", progress=False)
    never = CountingTokenizer(kmeans_tokenizer, fail_at=1)
    assert tokenize_manifest(corpus, never, tmp_path / "store", progress=False) == first
    assert never.calls == 0


def test_resuming_with_another_tokenizer_is_refused(corpus, kmeans_tokenizer, speech, tmp_path):
    other = KMeansTokenizer().fit(list(speech.values()), num_units=16, seed=1)
    dying = CountingTokenizer(kmeans_tokenizer, fail_at=2)
    with pytest.raises(KeyboardInterrupt):
        tokenize_manifest(corpus, dying, tmp_path / "store", rows_per_part=4, progress=False)
    with pytest.raises(SettingsMismatch, match="was made with tokenizer "):
        tokenize_manifest(corpus, other, tmp_path / "store", rows_per_part=4, progress=False)
    with pytest.raises(SettingsMismatch, match=r"rows_per_part 4 \(now 10000\)"):
        tokenize_manifest(corpus, kmeans_tokenizer, tmp_path / "store", progress=False)


def _write_bad(kind, path):
    if kind == "unreadable":
        path.write_bytes(b"not audio at all" * 8)
    elif kind == "empty":
        sf.write(path, np.zeros(0, dtype=np.float32), 16000)
    elif kind == "non_finite":
        samples = np.zeros(3200, dtype=np.float32)
        samples[7] = np.nan
        sf.write(path, samples, 16000, subtype="FLOAT")
    return path


BAD_KINDS = ["missing", "unreadable", "empty", "non_finite"]


def write_corpus_with(corpus, extra_rows, path):
    """Writes the corpus rows (absolute wav paths) plus ``extra_rows`` to ``path``."""
    with open(corpus) as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["wav"] = str(corpus.parent / row["wav"])
    rows += [{**rows[0], **extra} for extra in extra_rows]
    write_manifest(rows, path)
    return path


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_audio_error_names_line_id_and_file(corpus, kmeans_tokenizer, tmp_path, kind):
    bad = _write_bad(kind, tmp_path / f"{kind}.wav")
    manifest = write_corpus_with(
        corpus, [{"ID": "bad_row", "wav": str(bad), "duration": 0.2}], tmp_path / "m.csv"
    )
    with pytest.raises(AudioError) as error:
        tokenize_manifest(manifest, kmeans_tokenizer, tmp_path / "store", progress=False)
    assert error.value.reason == kind
    assert str(error.value).startswith(f"{manifest} line 12 (ID 'bad_row'): {bad}: ")
    assert not list((tmp_path / "store").glob("part_*"))  # nothing half-written


def test_skip_policy_counts_each_cause(corpus, kmeans_tokenizer, tmp_path):
    extra = [
        {
            "ID": f"bad_{kind}",
            "wav": str(_write_bad(kind, tmp_path / f"{kind}.wav")),
            "duration": 0.2,
        }
        for kind in BAD_KINDS
    ]
    speech, _ = sf.read(corpus.parent / "audio" / "0_en_mid.wav", dtype="float32")
    sf.write(tmp_path / "stereo.wav", np.stack([speech, speech], 1), 48000)
    extra.append({"ID": "stereo", "wav": str(tmp_path / "stereo.wav")})
    manifest = write_corpus_with(corpus, extra, tmp_path / "m.csv")
    header = tokenize_manifest(
        manifest,
        kmeans_tokenizer,
        tmp_path / "store",
        on_error="skip",
        rows_per_part=5,
        progress=False,
    )
    assert header["rows"] == 11  # 10 good rows + the stereo one
    summary = json.loads((tmp_path / "store" / SUMMARY_FILE).read_text())
    assert summary["skipped_by_reason"] == {kind: 1 for kind in BAD_KINDS}
    assert [s["ID"] for s in summary["skipped"]] == [f"bad_{k}" for k in BAD_KINDS]
    assert [s["line"] for s in summary["skipped"]] == [12, 13, 14, 15]
    assert summary["audio_downmixed"] == 1 and summary["audio_resampled"] == 11
    assert "stereo" in UnitStore(tmp_path / "store").ids.tolist()


def test_every_row_skipped_is_an_error(tmp_path, kmeans_tokenizer):
    row = {
        "ID": "a",
        "story_id": "s",
        "sent_idx": 0,
        "lang": "en",
        "wav": "nope.wav",
        "duration": 1.0,
        "speaker": "",
    }
    write_manifest([row], tmp_path / "m.csv")
    with pytest.raises(RuntimeError, match="every row"):
        tokenize_manifest(
            tmp_path / "m.csv",
            kmeans_tokenizer,
            tmp_path / "store",
            on_error="skip",
            progress=False,
        )


@pytest.mark.parametrize(
    "content, message",
    [
        (
            "ID,story_id,sent_idx,lang,wav,duration,speaker\n"
            "a,s,0,en,a.wav,1.0,v\nb,s,1,en,b.wav,1.0,v\na,s,2,en,c.wav,1.0,v\n",
            r"duplicate ID\(s\): 'a' on lines \[2, 4\]",
        ),
        (
            "ID,story_id,lang,wav,duration,speaker\na,s,en,a.wav,1.0,v\n",
            r"missing column\(s\) \['sent_idx'\]",
        ),
        ("ID,story_id,sent_idx,lang,wav,duration,speaker\n", "no rows"),
        (
            "ID,story_id,sent_idx,lang,wav,duration,speaker\na,s,0,en,a.wav,long,v\n",
            r"line 2 \(ID 'a'\): column 'duration' must be float",
        ),
    ],
)
def test_bad_manifest_is_a_clear_error(tmp_path, kmeans_tokenizer, content, message):
    (tmp_path / "m.csv").write_text(content)
    with pytest.raises(ManifestError, match=message):
        tokenize_manifest(tmp_path / "m.csv", kmeans_tokenizer, tmp_path / "s", progress=False)


def test_rows_with_start_are_segments(speech, kmeans_tokenizer, tmp_path):
    path = speech["en_mid"]
    rows = [
        {
            "ID": f"seg{i}",
            "story_id": "rec",
            "sent_idx": i,
            "lang": "en",
            "wav": str(path),
            "duration": 0.8,
            "speaker": "",
            "start": 0.8 * i,
        }
        for i in range(3)
    ]
    write_manifest(rows, tmp_path / "m.csv", extra_columns=["start"])
    tokenize_manifest(tmp_path / "m.csv", kmeans_tokenizer, tmp_path / "store", progress=False)
    stored = read_store(tmp_path / "store")
    whole = AudioReader(16000)(path)
    for i in range(3):
        segment = whole[round(0.8 * i * 16000) :][: round(0.8 * 16000)]
        resampled_once = AudioReader(16000)(path, start=0.8 * i, duration=0.8)
        assert abs(len(resampled_once) - len(segment)) <= 1
        alone = kmeans_tokenizer.encode(resampled_once[None], torch.tensor([len(resampled_once)]))
        assert stored[f"seg{i}"][0] == alone[0].tolist()


def test_tokenize_files_caches_by_tokenizer_and_file(speech, kmeans_tokenizer, tmp_path):
    paths = [shutil.copy(p, tmp_path / p.name) for p in speech.values()]
    counting = CountingTokenizer(kmeans_tokenizer)
    first = tokenize_files(counting, paths, tmp_path / "cache", batch_seconds=5.0, progress=False)
    assert counting.calls >= 2  # several batches
    reader = AudioReader(16000)
    for path, units in zip(paths, first):
        wav = reader(path)
        np.testing.assert_array_equal(units, kmeans_tokenizer.encode(wav[None], [len(wav)])[0])
    cached = CountingTokenizer(kmeans_tokenizer, fail_at=1)
    again = tokenize_files(cached, paths, tmp_path / "cache", progress=False)
    assert cached.calls == 0 and all(np.array_equal(a, b) for a, b in zip(first, again))
    os.utime(paths[0], ns=(0, 0))  # a changed file is tokenised again
    counting.calls = 0
    tokenize_files(counting, paths, tmp_path / "cache", progress=False)
    assert counting.calls == 1
    other = KMeansTokenizer().fit(paths, num_units=16, seed=9)
    tokenize_files(other, paths, tmp_path / "cache", progress=False)
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 2 * len(paths) + 1
    with pytest.raises(AudioError, match="nope.wav"):
        tokenize_files(kmeans_tokenizer, [tmp_path / "nope.wav"], tmp_path / "cache")


@pytest.fixture(scope="module")
def speechbrain_manifest(speech, tmp_path_factory):
    """A SpeechBrain CSV (ID,duration,wav,spk_id,wrd) over the 5 utterances,
    with ``$data_root`` paths, and two copies of its audio: ``(csv, roots)``."""
    folder = tmp_path_factory.mktemp("sb")
    roots = [folder / "disk_a", folder / "disk_b"]
    lines = ["ID,duration,wav,spk_id,wrd"]
    for name, path in speech.items():
        for root in roots:
            (root / "clips").mkdir(parents=True, exist_ok=True)
            shutil.copy(path, root / "clips" / f"{name}.wav")
        lines.append(f"utt_{name},{audio_duration(path)},$data_root/clips/{name}.wav,v_{name},X")
    (folder / "train.csv").write_text("\n".join(lines) + "\n")
    return folder / "train.csv", roots


def test_speechbrain_manifest_resumes_from_another_data_root(
    speechbrain_manifest, kmeans_tokenizer, speech, tmp_path
):
    """A killed run resumes with the audio read from another copy (data_root
    is not part of the plan) and equals a story manifest of the same audio;
    resuming with another lang is refused."""
    manifest, (root_a, root_b) = speechbrain_manifest
    options = {"rows_per_part": 2, "batch_seconds": 1e6, "progress": False, "lang": "fr"}
    dying = CountingTokenizer(kmeans_tokenizer, fail_at=2)
    with pytest.raises(KeyboardInterrupt):
        tokenize_manifest(manifest, dying, tmp_path / "store", data_root=root_a, **options)
    with pytest.raises(SettingsMismatch, match="made with lang "):
        tokenize_manifest(
            manifest,
            kmeans_tokenizer,
            tmp_path / "store",
            data_root=root_b,
            **{**options, "lang": "en"},
        )
    resumed = CountingTokenizer(kmeans_tokenizer)
    header = tokenize_manifest(manifest, resumed, tmp_path / "store", data_root=root_b, **options)
    assert resumed.calls == 2 and header["rows"] == 5
    assert header["source_hash"] == file_sha256(manifest)
    story_rows = [
        dict(ID=f"utt_{name}", story_id=f"utt_{name}", sent_idx=0, lang="fr", wav=str(path))
        for name, path in speech.items()
    ]
    for row in story_rows:
        row.update(duration=audio_duration(row["wav"]), speaker=f"v_{row['ID'][4:]}")
    write_manifest(story_rows, tmp_path / "story.csv")
    tokenize_manifest(tmp_path / "story.csv", kmeans_tokenizer, tmp_path / "ref", progress=False)
    assert read_store(tmp_path / "store") == read_store(tmp_path / "ref")
    store, ref = UnitStore(tmp_path / "store"), UnitStore(tmp_path / "ref")
    assert store.speakers.tolist() == ref.speakers.tolist()
    assert set(store.langs.tolist()) == {"fr"}


def test_speechbrain_store_is_monolingual_only(speechbrain_manifest, kmeans_tokenizer, tmp_path):
    """Rows of a SpeechBrain manifest are one-sentence stories of one
    language each: usable as monolingual data, refused by interleaving
    (StoryIndex finds no story with a translation)."""
    from speechbrain_xling.data.sequences import StoryIndex

    manifest, (root, _) = speechbrain_manifest
    lines = manifest.read_text().splitlines()
    bilingual = [lines[0] + ",lang"] + [
        f"{line},{line.split(',')[0][4:6]}" for line in lines[1:] if "_long," not in line
    ]
    (tmp_path / "m.csv").write_text("\n".join(bilingual) + "\n")
    tokenize_manifest(
        tmp_path / "m.csv", kmeans_tokenizer, tmp_path / "store", progress=False, data_root=root
    )
    store = UnitStore(tmp_path / "store")
    assert store.languages() == ["en", "fr"]
    index = StoryIndex(store, ["en", "fr"])
    assert {lang: len(stories) for lang, stories in index.stories_by_lang.items()} == {
        "en": 2,
        "fr": 2,
    }
    with pytest.raises(ValueError, match="has no translation in"):
        StoryIndex(store, ["en", "fr"], aligned=True)
    with pytest.raises(ValueError, match="no story is aligned across"):
        StoryIndex(store, ["en", "fr"], aligned=True, on_misaligned="skip")
