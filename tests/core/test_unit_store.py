"""Unit store: round trip, validation, atomic parts, size on disk."""

import json

import numpy as np
import pytest

from speechbrain_xling.data.unit_store import UnitStore, UnitStoreWriter, write_unit_store
from tests.conftest import aligned_rows


def test_round_trip_over_several_parts(tmp_path):
    rows = aligned_rows(6)
    writer = UnitStoreWriter(
        tmp_path, num_units=64, frame_rate=12.5, tokenizer={"name": "toy"}, source_hash="abc"
    )
    for part_id in range(3):
        with writer.part(part_id) as part:
            for row in rows[part_id::3]:
                part.add(**row)
    header = writer.finalize(num_parts=3)
    store = UnitStore(tmp_path)
    assert header["rows"] == len(rows) == len(store)
    assert header["source_hash"] == "abc" and store.frame_rate == 12.5
    for row in rows:
        index = store.row_of(row["utt_id"])
        np.testing.assert_array_equal(store.units(index), row["units"])
        assert store.langs[index] == row["lang"]
        assert store.story_ids[index] == row["story_id"]
        assert store.sent_idx[index] == row["sent_idx"]
    # Read-only views of the memory-mapped parts, not arrays loaded into RAM.
    assert not store.units(0).flags.writeable and not store.units(0).flags.owndata
    assert store.total_units == sum(len(r["units"]) for r in rows)


def test_unit_id_out_of_range_names_the_utterance(tmp_path):
    writer = UnitStoreWriter(tmp_path, 8, 12.5, {"name": "toy"})
    with pytest.raises(ValueError, match=r"'bad'.*\[0, 8\).*K=8"):
        with writer.part(0) as part:
            part.add("bad", [1, 8], story_id="s", sent_idx=0, lang="en")
    assert not writer.part_exists(0)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_empty_and_unfinished_stores_are_refused(tmp_path):
    writer = UnitStoreWriter(tmp_path / "empty", 8, 12.5, {"name": "toy"})
    with writer.part(0):
        pass
    writer.finalize()
    with pytest.raises(ValueError, match="empty"):
        UnitStore(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="not a finished unit store"):
        UnitStore(tmp_path / "missing")


def test_finalize_reports_missing_parts(tmp_path):
    writer = UnitStoreWriter(tmp_path, 8, 12.5, {"name": "toy"})
    with writer.part(1) as part:
        part.add("a", [1], story_id="s", sent_idx=0, lang="en")
    with pytest.raises(RuntimeError, match=r"parts \[0\] are missing"):
        writer.finalize(num_parts=2)


def test_header_hash_tracks_content(tmp_path):
    rows = aligned_rows(2)
    first = write_unit_store(tmp_path / "a", rows, num_units=64).header
    rows[0]["units"] = rows[0]["units"] + 1
    second = write_unit_store(tmp_path / "b", rows, num_units=64).header
    assert first["content_hash"] != second["content_hash"]
    saved = json.loads((tmp_path / "a" / "header.json").read_text())
    assert saved["content_hash"] == first["content_hash"]


def test_bytes_per_unit_is_close_to_two(tmp_path):
    """Sentences of ~70 units (5.5 s at 12.5 Hz) in 10-sentence stories."""
    rng = np.random.default_rng(0)
    rows = [
        dict(
            utt_id=f"story{s:06d}_{lang}_{j}",
            units=rng.integers(0, 2048, 70),
            story_id=f"story{s:06d}",
            sent_idx=j,
            lang=lang,
            speaker=f"voice{s % 44}",
        )
        for s in range(300)
        for lang in ("en", "fr")
        for j in range(10)
    ]
    store = write_unit_store(tmp_path, rows, num_units=2048)
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert size / store.total_units < 2.1


def test_gather_across_parts_equals_row_slices(tmp_path):
    rows = aligned_rows(6)
    writer = UnitStoreWriter(tmp_path, 64, 12.5, {"name": "toy"})
    for part_id in range(3):
        with writer.part(part_id) as part:
            for row in rows[part_id::3]:
                part.add(**row)
    writer.finalize()
    store = UnitStore(tmp_path)
    order = np.random.default_rng(0).permutation(len(store))[:25]
    np.testing.assert_array_equal(
        store.gather(order), np.concatenate([store.units(r) for r in order])
    )
    starts = np.minimum(1, store.lengths[order])
    ends = store.lengths[order] - 1
    np.testing.assert_array_equal(
        store.gather(order, starts, ends),
        np.concatenate([store.units(r)[s:e] for r, s, e in zip(order, starts, ends)]),
    )
