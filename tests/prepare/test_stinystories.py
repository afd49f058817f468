"""Sentence-aligned EN-FR corpus -> manifest, with the alignment check."""

import csv
import json

import pytest

from speechbrain_xling.prepare.manifest import ManifestError, read_manifest
from speechbrain_xling.prepare.stinystories import prepare_stinystories

STORIES = {
    "st0": {"en": ["A cat sat.", "It was happy."], "fr": ["Un chat.", "Il était content."]},
    "st1": {
        "en": ["The sun rose.", "Birds sang.", "Tom woke up."],
        "fr": ["Le soleil se leva.", "Les oiseaux chantaient.", "Tom se réveilla."],
    },
}


@pytest.fixture
def corpus(tmp_path, say):
    """An sTinyStories-like release: audio per sentence, metadata.csv."""
    rows = []
    for story, languages in STORIES.items():
        for lang, sentences in languages.items():
            for index, text in enumerate(sentences):
                wav = f"audio/{story}/{lang}_{index}.wav"
                say(text, "en-us+f3" if lang == "en" else "fr+f3", tmp_path / wav)
                rows.append(
                    {
                        "story_id": story,
                        "sent_idx": index,
                        "lang": lang,
                        "speaker": "f3",
                        "wav": wav,
                        "text": text,
                    }
                )
    return tmp_path, rows


def write_metadata(folder, rows, name="metadata.csv"):
    path = folder / name
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    else:
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


@pytest.mark.parametrize("name", ["metadata.csv", "metadata.jsonl"])
def test_aligned_corpus_gives_a_manifest(corpus, name):
    folder, rows = corpus
    summary = prepare_stinystories(write_metadata(folder, rows, name), folder / "m.csv")
    assert (summary["rows"], summary["stories"], summary["skipped_stories"]) == (10, 2, {})
    manifest = read_manifest(folder / "m.csv")
    assert [r["ID"] for r in manifest[:3]] == ["st0_en_0", "st0_en_1", "st0_fr_0"]
    assert manifest[-1]["text"] == "Tom se réveilla."
    assert all(r["duration"] > 0.3 for r in manifest)


def test_misaligned_story_is_an_error_or_a_counted_skip(corpus):
    folder, rows = corpus
    rows = [
        r for r in rows if not (r["story_id"] == "st1" and r["lang"] == "fr" and r["sent_idx"] == 2)
    ]
    metadata = write_metadata(folder, rows)
    with pytest.raises(ManifestError, match=r"story 'st1': \{'en': 3, 'fr': 2\}"):
        prepare_stinystories(metadata, folder / "m.csv")
    summary = prepare_stinystories(metadata, folder / "m.csv", on_mismatch="skip")
    assert summary["skipped_stories"] == {"st1": {"en": 3, "fr": 2}}
    assert {r["story_id"] for r in read_manifest(folder / "m.csv")} == {"st0"}


def test_shifted_indices_with_equal_counts_are_misaligned(corpus):
    folder, rows = corpus
    for row in rows:
        if row["story_id"] == "st0" and row["lang"] == "fr" and row["sent_idx"] == 1:
            row["sent_idx"] = 5
    with pytest.raises(ManifestError, match="st0"):
        prepare_stinystories(write_metadata(folder, rows), folder / "m.csv")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"lang": "de"}, r"line 2: language 'de' is not one of \['en', 'fr'\]"),
        ({"sent_idx": 1}, r"line 3: story 'st0' has a second en sentence 1 \(first on line 2\)"),
        ({"speaker": ""}, r"line 2: missing value\(s\) for \['speaker'\]"),
    ],
)
def test_bad_rows_are_named(corpus, change, message):
    folder, rows = corpus
    rows[0].update(change)
    with pytest.raises(ManifestError, match=message):
        prepare_stinystories(write_metadata(folder, rows), folder / "m.csv")
