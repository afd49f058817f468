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
