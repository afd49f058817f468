"""Folder of audio + metadata table -> manifest."""

import json
import sys

import pytest
import soundfile as sf

from speechbrain_xling.audio import AudioError
from speechbrain_xling.prepare.folder import prepare_folder, read_metadata
from speechbrain_xling.prepare.manifest import ManifestError, read_manifest


@pytest.fixture
def folder(tmp_path, say):
    say("Bonjour.", "fr", tmp_path / "clips" / "a.wav")
    say("Au revoir, mes amis.", "fr+f3", tmp_path / "clips" / "b.wav")
    return tmp_path


def test_csv_without_durations(folder):
    (folder / "meta.csv").write_text("wav,speaker,text\nclips/a.wav,f1,Bonjour.\nclips/b.wav,f2,\n")
    summary = prepare_folder(folder / "meta.csv", folder / "out" / "m.csv", lang="fr")
    rows = read_manifest(folder / "out" / "m.csv")
    assert summary["rows"] == 2
    assert [r["ID"] for r in rows] == ["clips_a", "clips_b"]
    assert [r["story_id"] for r in rows] == ["clips_a", "clips_b"]
    assert [(r["lang"], r["sent_idx"], r["speaker"]) for r in rows] == [
        ("fr", 0, "f1"),
        ("fr", 0, "f2"),
    ]
    assert rows[0]["wav"] == str(folder / "clips" / "a.wav")
    assert rows[1]["duration"] == pytest.approx(sf.info(folder / "clips" / "b.wav").duration)
    assert rows[0]["text"] == "Bonjour."


def test_second_run_is_skipped_unless_the_metadata_changes(folder):
    meta, out = folder / "meta.jsonl", folder / "m.csv"
    meta.write_text(json.dumps({"wav": "clips/a.wav", "lang": "en"}) + "\n")
    assert prepare_folder(meta, out, lang="fr")["rows"] == 1
    mtime = out.stat().st_mtime_ns
    assert prepare_folder(meta, out, lang="fr")["rows"] == 1
    assert out.stat().st_mtime_ns == mtime
    meta.write_text(meta.read_text() + json.dumps({"wav": "clips/b.wav"}) + "\n")
    assert prepare_folder(meta, out, lang="fr")["rows"] == 2
    assert [r["lang"] for r in read_manifest(out)] == ["en", "fr"]


def test_bad_metadata_names_the_line(folder):
    (folder / "meta.csv").write_text("wav,duration\nclips/a.wav,1.0\n,2.0\n")
    with pytest.raises(ManifestError, match=r"meta.csv line 3: missing value\(s\) for \['wav'\]"):
        prepare_folder(folder / "meta.csv", folder / "m.csv", lang="fr")
    (folder / "meta.csv").write_text("wav\nclips/a.wav\nclips/gone.wav\n")
    with pytest.raises(AudioError, match="meta.csv line 3: .*gone.wav: audio file not found"):
        prepare_folder(folder / "meta.csv", folder / "m.csv", lang="fr")
    (folder / "meta.jsonl").write_text('{"wav": "clips/a.wav"}\n{"wav": \n')
    with pytest.raises(ManifestError, match="meta.jsonl line 2"):
        read_metadata(folder / "meta.jsonl", defaults={"lang": "en"})
    (folder / "meta.jsonl").write_text('{"wav": "clips/a.wav"}\n')
    with pytest.raises(ManifestError, match=r"no value or default for \['ID'"):
        read_metadata(folder / "meta.jsonl")


def test_dataset_folder_without_datasets_installed_is_a_clear_error(folder, monkeypatch):
    (folder / "hf").mkdir()
    monkeypatch.setitem(sys.modules, "datasets", None)  # import fails
    with pytest.raises(ImportError, match="optional `datasets` package"):
        read_metadata(folder / "hf")


def test_dataset_folder_with_embedded_audio(folder):
    datasets = pytest.importorskip("datasets")
    table = datasets.Dataset.from_dict(
        {
            "audio": [str(folder / "clips" / "a.wav")],
            "story_id": ["s"],
            "sent_idx": [0],
            "lang": ["fr"],
            "speaker": ["f1"],
        }
    ).cast_column("audio", datasets.Audio())
    table.save_to_disk(str(folder / "hf"))
    rows = read_metadata(folder / "hf", defaults={"ID": "utt"}, audio_folder=folder / "emb")
    assert rows[0]["wav"].startswith(str(folder / "emb"))
    assert sf.read(rows[0]["wav"])[0].shape == sf.read(folder / "clips" / "a.wav")[0].shape
