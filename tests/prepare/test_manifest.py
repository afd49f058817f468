"""Manifest reading/writing and the preparation done-markers."""

import pytest

from speechbrain_xling.prepare.manifest import (
    ManifestError,
    mark_prepared,
    prepared_summary,
    read_manifest,
    write_manifest,
)

ROW = {
    "ID": "a",
    "story_id": "s",
    "sent_idx": 3,
    "lang": "fr",
    "wav": "x/a.wav",
    "duration": 1.25,
    "speaker": "v1",
}


def test_round_trip_resolves_paths_and_keeps_extra_columns(tmp_path):
    rows = [ROW, {**ROW, "ID": "b", "wav": "/abs/b.wav", "text": "Salut, toi.", "start": 2.5}]
    write_manifest(rows, tmp_path / "m.csv", extra_columns=["text", "start"])
    read = read_manifest(tmp_path / "m.csv")
    assert read[0]["wav"] == str(tmp_path / "x" / "a.wav") and read[1]["wav"] == "/abs/b.wav"
    assert (read[0]["sent_idx"], read[0]["duration"], read[0]["start"]) == (3, 1.25, None)
    assert (read[1]["text"], read[1]["start"], read[1]["line"]) == ("Salut, toi.", 2.5, 3)


@pytest.mark.parametrize(
    "rows, message",
    [
        ([ROW, ROW], r"duplicate ID\(s\): 'a' on lines \[2, 3\]"),
        ([{**ROW, "lang": ""}], "line 2 .* empty lang"),
        ([{**ROW, "duration": -1}], "negative duration"),
        ([{**ROW, "sent_idx": "x"}], "'sent_idx' must be int"),
    ],
)
def test_bad_rows_are_named(tmp_path, rows, message):
    write_manifest(rows, tmp_path / "m.csv")
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path / "m.csv")


def test_missing_manifest_and_ragged_rows(tmp_path):
    with pytest.raises(ManifestError, match="not found"):
        read_manifest(tmp_path / "none.csv")
    (tmp_path / "m.csv").write_text(
        "ID,story_id,sent_idx,lang,wav,duration,speaker\na,s,0,en,a.wav,1.0\n"
    )
    with pytest.raises(ManifestError, match="line 2 .* wrong number of fields"):
        read_manifest(tmp_path / "m.csv")


def test_done_marker_needs_same_options_and_unchanged_manifest(tmp_path):
    path = tmp_path / "m.csv"
    write_manifest([ROW], path)
    mark_prepared(path, {"lang": "fr"}, {"rows": 1})
    assert prepared_summary(path, {"lang": "fr"}) == {"rows": 1}
    assert prepared_summary(path, {"lang": "en"}) is None
    write_manifest([ROW, {**ROW, "ID": "b"}], path)
    assert prepared_summary(path, {"lang": "fr"}) is None


# SpeechBrain manifests (ID,duration,wav,spk_id,wrd): LibriSpeech- and
# CommonVoice-style CSVs as SpeechBrain's own preparations write them.
LIBRISPEECH_CSV = (
    "ID,duration,wav,spk_id,wrd\n"
    "103-1240-0000,14.085,$data_root/train-clean-100/103/1240/103-1240-0000.flac,"
    "103-1240,CHAPTER ONE MISSUS RACHEL LYNDE IS SURPRISED\n"
    "103-1240-0001,15.945,$data_root/train-clean-100/103/1240/103-1240-0001.flac,"
    "103-1240,THAT HAD ITS SOURCE AWAY BACK IN THE WOODS\n"
)


def test_speechbrain_manifest_rows_are_one_sentence_stories(tmp_path):
    (tmp_path / "train.csv").write_text(LIBRISPEECH_CSV)
    rows = read_manifest(tmp_path / "train.csv", lang="en", data_root="/corpora/LibriSpeech")
    assert [r["ID"] for r in rows] == ["103-1240-0000", "103-1240-0001"]
    assert [(r["story_id"], r["sent_idx"]) for r in rows] == [
        ("103-1240-0000", 0),
        ("103-1240-0001", 0),
    ]
    assert {r["lang"] for r in rows} == {"en"} and rows[1]["speaker"] == "103-1240"
    assert rows[0]["wav"] == "/corpora/LibriSpeech/train-clean-100/103/1240/103-1240-0000.flac"
    assert rows[0]["text"] == rows[0]["wrd"] == "CHAPTER ONE MISSUS RACHEL LYNDE IS SURPRISED"
    assert (rows[1]["duration"], rows[1]["start"], rows[1]["line"]) == (15.945, None, 3)


def test_speechbrain_manifest_details(tmp_path, monkeypatch):
    """A relative data_root is taken from the working directory, a path
    without placeholder from the CSV's folder; spaces after commas (which
    SpeechBrain's reader skips) are skipped; a text column wins over wrd;
    a lang column is used (and checked against a given lang)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "csv").mkdir()
    path = tmp_path / "csv" / "m.csv"
    path.write_text(
        "ID, duration, wav, spk_id, wrd, text, lang\n"
        "a, 1.0, $data_root/a.wav, s1, A, Hello., en\n"
        "b, 2.0, clips/b.wav, s2, B, Salut., fr\n"
    )
    rows = read_manifest(path, data_root="data")
    assert rows[0]["wav"] == str(tmp_path / "data" / "a.wav")
    assert rows[1]["wav"] == str(tmp_path / "csv" / "clips" / "b.wav")
    assert [(r["lang"], r["text"], r["speaker"]) for r in rows] == [
        ("en", "Hello.", "s1"),
        ("fr", "Salut.", "s2"),
    ]
    with pytest.raises(ManifestError, match=r"m.csv line 2 \(ID 'a'\): lang 'en', but lang='fr'"):
        read_manifest(path, lang="fr", data_root="data")


@pytest.mark.parametrize(
    "content, options, message",
    [
        (LIBRISPEECH_CSV, {"data_root": "/x"}, r"train.csv has no lang column: give .*--lang="),
        (
            LIBRISPEECH_CSV,
            {"lang": "en"},
            r"train.csv line 2 \(ID '103-1240-0000'\): wav '\$data_root/train-clean-100/.*' "
            r"holds \$data_root, which is not replaced; give data_root",
        ),
        (
            LIBRISPEECH_CSV.replace("$data_root", "$data_folder", 1),
            {"lang": "en", "data_root": "/x"},
            r"line 2 .* holds \$data_folder, which is not replaced; only \$data_root",
        ),
        (
            "ID,duration,wav,start,stop,spk_id\na,1.0,a.wav,0,16000,s\n",
            {"lang": "en"},
            r"train.csv: a 'stop' column is not supported",
        ),
        (
            "ID,duration,wav,speaker,wrd\na,1.0,a.wav,s,A\n",
            {"lang": "en"},
            r"train.csv: missing column\(s\) \['story_id', 'sent_idx', 'lang'\] of a story "
            r"manifest .* or a SpeechBrain one with \['ID', 'duration', 'wav', 'spk_id'\]",
        ),
        (
            "ID,duration,wav,wrd\na,1.0,a.wav,A\n",
            {"lang": "en"},
            r"missing column\(s\) \['spk_id'\] of a speechbrain manifest",
        ),
    ],
)
def test_speechbrain_manifest_errors_name_file_and_line(tmp_path, content, options, message):
    (tmp_path / "train.csv").write_text(content)
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path / "train.csv", **options)
