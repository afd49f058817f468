"""LibriHeavy cuts -> manifest of segments, then units of those segments."""

import gzip
import json

import numpy as np
import pytest
import soundfile as sf

from speechbrain_xling.audio import AudioReader
from speechbrain_xling.data.unit_store import UnitStore
from speechbrain_xling.prepare.libriheavy import prepare_libriheavy
from speechbrain_xling.prepare.manifest import ManifestError, read_manifest
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.pipeline import tokenize_manifest

CHAPTERS = {
    "small/100/book_a/ch01": "Chapter one. The wind blew over the hills, and the old miller "
    "sat by the fire. He told a story to the children.",
    "small/200/book_b/ch03": "It was late when the ship came in. Nobody waited on the pier.",
}


def cut(recording, source, index, start, duration, speaker):
    return {
        "id": f"{recording}_{index}",
        "start": start,
        "duration": duration,
        "channel": 0,
        "supervisions": [
            {
                "id": f"{recording}_{index}",
                "recording_id": recording,
                "start": 0.0,
                "duration": duration,
                "speaker": speaker,
                "custom": {"texts": [f"Text {index}.", f"TEXT {index}"]},
            }
        ],
        "recording": {
            "id": recording,
            "sampling_rate": 16000,
            "sources": [{"type": "file", "channels": [0], "source": source}],
        },
        "type": "MonoCut",
    }


@pytest.fixture
def release(tmp_path, say):
    """Chapter FLACs (16 kHz, LibriLight-style paths) and shuffled cuts."""
    cuts = []
    for recording, text in CHAPTERS.items():
        source = f"download/librilight/{recording}.flac"
        wav = say(text, "en-us", tmp_path / "tmp" / f"{recording}.wav")
        audio = AudioReader(16000)(wav).numpy()
        (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
        sf.write(tmp_path / source, audio, 16000, format="FLAC")
        speaker = recording.split("/")[1]
        duration = len(audio) / 16000
        cuts += [
            cut(recording, source, i, round(i * duration / 3, 2), 1.2, speaker) for i in range(3)
        ]
    cuts = [cuts[i] for i in (4, 0, 2, 5, 1, 3)]  # not in time order
    (tmp_path / "cuts").mkdir()
    with gzip.open(tmp_path / "cuts" / "libriheavy_cuts_small.jsonl.gz", "wt") as handle:
        handle.writelines(json.dumps(c) + "\n" for c in cuts)
    return tmp_path


def test_cuts_become_numbered_segments_that_tokenise(release):
    summary = prepare_libriheavy(release / "cuts", release, release / "out", progress=False)
    assert (summary["small"]["rows"], summary["small"]["recordings"]) == (6, 2)
    rows = read_manifest(release / "out" / "libriheavy_small.csv")
    assert [(r["story_id"], r["sent_idx"]) for r in rows] == [
        (recording, i) for recording in sorted(CHAPTERS) for i in range(3)
    ]
    assert [r["ID"] for r in rows[:3]] == [f"small/100/book_a/ch01_{i}" for i in range(3)]
    first = rows[0]
    assert first["wav"] == str(release / "download/librilight/small/100/book_a/ch01.flac")
    assert (first["start"], first["duration"], first["speaker"]) == (0.0, 1.2, "100")
    assert rows[1]["text"] == "Text 1."
    # The tokeniser reads each row's segment of the chapter file.
    paths = sorted((release / "download").rglob("*.flac"))
    tokenizer = KMeansTokenizer().fit(paths, num_units=8)
    tokenize_manifest(
        release / "out" / "libriheavy_small.csv", tokenizer, release / "units", progress=False
    )
    store = UnitStore(release / "units")
    chapter = AudioReader(16000)(rows[1]["wav"])
    start = round(rows[1]["start"] * 16000)
    segment = chapter[start : start + round(1.2 * 16000)]
    expected = tokenizer.encode(segment[None], [len(segment)])[0]
    np.testing.assert_array_equal(store.units(store.row_of(rows[1]["ID"])), expected)


def test_done_subsets_are_skipped(release):
    prepare_libriheavy(release / "cuts", release, release / "out", progress=False)
    out = release / "out" / "libriheavy_small.csv"
    mtime = out.stat().st_mtime_ns
    again = prepare_libriheavy(release / "cuts", release, release / "out", progress=False)
    assert out.stat().st_mtime_ns == mtime and again["small"]["rows"] == 6


def test_missing_audio_and_broken_cuts_are_named(release):
    (release / "download/librilight/small/200/book_b/ch03.flac").unlink()
    with pytest.raises(ManifestError, match=r"1 recording file\(s\) not found.*ch03.flac"):
        prepare_libriheavy(release / "cuts", release, release / "out", progress=False)
    with gzip.open(release / "cuts" / "libriheavy_cuts_small.jsonl.gz", "rt") as handle:
        lines = handle.readlines()
    broken = json.loads(lines[1])
    del broken["supervisions"][0]["speaker"]
    lines[1] = json.dumps(broken) + "\n"
    with gzip.open(release / "cuts" / "libriheavy_cuts_medium.jsonl.gz", "wt") as handle:
        handle.writelines(lines)
    with pytest.raises(ManifestError, match=r"medium.jsonl.gz line 2: .*supervisions.0.speaker"):
        prepare_libriheavy(
            release / "cuts",
            release,
            release / "out",
            subsets=["medium"],
            check_audio=False,
            progress=False,
        )
    with pytest.raises(ManifestError, match="libriheavy_cuts_large.jsonl.gz not found"):
        prepare_libriheavy(release / "cuts", release, release / "out", subsets=["large"])
