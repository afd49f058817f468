"""Sequence builders: order, shares, ratios, determinism, bad input."""

import numpy as np
import pytest

from speechbrain_xling.data.sequences import DocumentMixture, StoryIndex
from speechbrain_xling.data.unit_store import write_unit_store
from tests.conftest import aligned_rows


def ids_of(store, document):
    return [str(store.ids[row]) for row in document.rows]


def test_paired_interleaving_puts_translations_side_by_side(aligned_store):
    mix = DocumentMixture(aligned_store, ["en", "fr"], interleave_ratio=1.0, mode="paired", seed=3)
    first_languages = set()
    for _ in range(20):
        doc = mix.next_document()
        ids = ids_of(aligned_store, doc)
        story = ids[0].split("_")[0]
        first, second = ids[0].split("_")[1], ids[1].split("_")[1]
        first_languages.add(first)
        expected = [f"{story}_{lang}_{j}" for j in range(5) for lang in (first, second)]
        assert ids == expected
        assert {first, second} == {"en", "fr"}
    assert first_languages == {"en", "fr"}  # the first language is drawn


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_sampled_interleaving_switch_share_follows_p(aligned_store, p):
    mix = DocumentMixture(
        aligned_store, ["en", "fr"], interleave_ratio=1.0, mode="sampled", switch_prob=p, seed=0
    )
    switched = total = 0
    for _ in range(400):
        doc = mix.next_document()
        ids = ids_of(aligned_store, doc)
        assert [int(i.split("_")[2]) for i in ids] == list(range(5))  # story order kept
        assert len({i.split("_")[0] for i in ids}) == 1
        switched += int(np.sum(doc.langs[1:] != doc.langs[0]))
        total += len(doc.langs) - 1
    # Binomial(1600, p): 4 standard deviations.
    assert abs(switched / total - p) < 4 * np.sqrt(p * (1 - p) / total)


def test_interleave_ratio_and_language_shares(aligned_store):
    mix = DocumentMixture(
        aligned_store,
        ["en", "fr"],
        interleave_ratio=0.3,
        language_shares={"en": 0.7, "fr": 0.3},
        seed=1,
    )
    for _ in range(1000):
        mix.next_document()
    share = mix.document_counts["sampled"] / 1000
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 1000)
    tokens = mix.token_counts / mix.token_counts.sum()
    assert abs(tokens[0] - 0.7) < 0.02  # the deficit rule steers mono docs


def test_same_seed_same_stream_other_seed_other_stream(aligned_store):
    def stream(seed):
        mix = DocumentMixture(aligned_store, ["en", "fr"], interleave_ratio=0.5, seed=seed)
        return [ids_of(aligned_store, mix.next_document()) for _ in range(30)]

    assert stream(5) == stream(5)
    assert stream(5) != stream(6)


def test_state_dict_restores_the_stream(aligned_store):
    mix = DocumentMixture(aligned_store, ["en", "fr"], interleave_ratio=0.5, seed=2)
    for _ in range(57):  # crosses an epoch of the 40-story sources
        mix.next_document()
    state = mix.state_dict()
    expected = [ids_of(aligned_store, mix.next_document()) for _ in range(30)]
    other = DocumentMixture(aligned_store, ["en", "fr"], interleave_ratio=0.5, seed=2)
    other.load_state_dict(state)
    assert [ids_of(aligned_store, other.next_document()) for _ in range(30)] == expected


def test_every_story_is_used_once_per_epoch(aligned_store):
    mix = DocumentMixture(aligned_store, ["en"], seed=0)
    stories = [ids_of(aligned_store, mix.next_document())[0].split("_")[0] for _ in range(40)]
    assert sorted(stories) == sorted(f"s{i}" for i in range(40))


def test_three_languages(tmp_path):
    store = write_unit_store(tmp_path, aligned_rows(10, ("en", "fr", "de"), num_units=96), 96)
    mix = DocumentMixture(store, ["en", "fr", "de"], interleave_ratio=1.0, mode="paired")
    doc = mix.next_document()
    assert len(doc.rows) == 15 and sorted(set(doc.langs.tolist())) == [0, 1, 2]
    mix = DocumentMixture(store, ["en", "fr", "de"], interleave_ratio=1.0, switch_prob=1.0)
    langs = mix.next_document().langs
    assert np.all(langs[1:] != langs[0])


def test_word_level_switching_uses_alignments_and_counts_fallbacks(tmp_path):
    rows = aligned_rows(2, sentences=2)
    for row in rows:
        row["units"] = np.arange(6) + (0 if row["lang"] == "en" else 32)
    store = write_unit_store(tmp_path, rows, num_units=64)
    alignments = {
        ("s0", 0): {
            "words": {"en": [[0, 2], [2, 6]], "fr": [[0, 3], [3, 6]]},
            "links": [[0, 0], [1, 1]],
        }
    }
    mix = DocumentMixture(
        store,
        ["en", "fr"],
        interleave_ratio=1.0,
        mode="word",
        switch_prob=0.5,
        seed=0,
        word_alignments=alignments,
    )
    seen_mixed = False
    for _ in range(20):
        doc = mix.next_document()
        for row, start, end in zip(doc.rows, doc.starts, doc.ends):
            assert 0 <= start < end <= store.lengths[row]
        if str(store.story_ids[doc.rows[0]]) == "s0":
            first_sentence = doc.langs[:2]
            seen_mixed |= first_sentence[0] != first_sentence[1]
    assert seen_mixed
    assert mix.fallbacks["no usable word alignment"] > 0


def test_missing_translation_and_count_mismatch(tmp_path):
    rows = aligned_rows(3)
    missing = [r for r in rows if not (r["story_id"] == "s1" and r["lang"] == "fr")]
    store = write_unit_store(tmp_path / "a", missing, num_units=64)
    with pytest.raises(ValueError, match=r"story 's1' has no translation in \['fr'\]"):
        StoryIndex(store, ["en", "fr"], aligned=True)
    index = StoryIndex(store, ["en", "fr"], aligned=True, on_misaligned="skip")
    assert index.aligned_stories == ["s0", "s2"]
    assert index.skipped == {"missing translation": 1}
    short = [
        r for r in rows if not (r["story_id"] == "s2" and r["lang"] == "en" and r["sent_idx"] == 4)
    ]
    store = write_unit_store(tmp_path / "b", short, num_units=64)
    with pytest.raises(ValueError, match=r"'s2' has different sentences: en lacks \[4\]"):
        DocumentMixture(store, ["en", "fr"], interleave_ratio=0.5)


def test_same_count_but_other_sentence_indices(tmp_path):
    """FR lacks sentence 3 but has a sentence 5: as many sentences, not aligned."""
    rows = aligned_rows(3)
    for row in rows:
        if row["story_id"] == "s1" and row["lang"] == "fr" and row["sent_idx"] == 3:
            row["sent_idx"], row["utt_id"] = 5, "s1_fr_5"
    store = write_unit_store(tmp_path / "store", rows, num_units=64)
    with pytest.raises(
        ValueError,
        match=r"story 's1' has different sentences: en lacks \[5\]; fr lacks \[3\]",
    ):
        DocumentMixture(store, ["en", "fr"], interleave_ratio=0.5)
    mixture = DocumentMixture(store, ["en", "fr"], interleave_ratio=1.0, on_misaligned="skip")
    assert mixture.index.aligned_stories == ["s0", "s2"]
    assert mixture.index.skipped == {"different sentence indices": 1}


def test_unknown_language_and_bad_settings(aligned_store):
    with pytest.raises(ValueError, match=r"\['de'\] not in the unit store"):
        DocumentMixture(aligned_store, ["en", "de"])
    with pytest.raises(ValueError, match="at least two languages"):
        DocumentMixture(aligned_store, ["en"], interleave_ratio=0.5)
    with pytest.raises(ValueError, match="mode must be one of"):
        DocumentMixture(aligned_store, ["en", "fr"], mode="pairs")
    with pytest.raises(ValueError, match="language_shares names"):
        DocumentMixture(aligned_store, ["en"], language_shares={"fr": 1.0})
