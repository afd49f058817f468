"""BPE over units: lossless round trip, shorter sequences, stores, bad input."""

import numpy as np
import pytest

from speechbrain_xling.audio import AudioReader, pad_batch
from speechbrain_xling.data.unit_store import UnitStore, write_unit_store
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.pipeline import tokenize_files
from speechbrain_xling.tokenizers.unit_bpe import UnitBPETokenizer, bpe_unit_store


class FixedBase:
    """A stand-in base tokeniser with K units (only its attributes are used)."""

    frame_rate, sample_rate = 100.0, 16000

    def __init__(self, num_units):
        self.num_units = num_units

    def describe(self):
        return {"name": "fixed", "num_units": self.num_units}


def word_sequences(count=300, seed=0, num_words=12):
    """Sentences of 6 'words' (fixed unit 4-grams over units < 10), order drawn by ``seed``."""
    words = [np.random.default_rng(word).integers(0, 10, size=4) for word in range(num_words)]
    rng = np.random.default_rng(seed)
    return [
        np.concatenate([words[i] for i in rng.integers(0, num_words, size=6)]) for _ in range(count)
    ]


@pytest.fixture(scope="module")
def bpe():
    return UnitBPETokenizer.fit(FixedBase(20), word_sequences(), vocab_size=60)


def test_round_trip_is_lossless_even_for_units_unseen_in_training(bpe):
    rng = np.random.default_rng(1)
    # training used only units < 10; 10..19 must still be encodable
    for units in word_sequences(seed=2)[:20] + [rng.integers(0, 20, size=50), np.array([19, 10])]:
        tokens = bpe.tokens_of_units(units)
        assert tokens.min() >= 1 and tokens.max() < bpe.num_units  # 0 is <unk>
        assert np.array_equal(bpe.units_of_tokens(tokens), units)


def test_merges_shorten_recurring_patterns(bpe):
    sequences = word_sequences(seed=3)
    units = sum(len(s) for s in sequences)
    tokens = sum(len(bpe.tokens_of_units(s)) for s in sequences)
    assert bpe.num_units == 60
    assert tokens < units / 2  # 4-unit words mostly become single tokens


def test_vocabulary_must_leave_room_for_merges_and_fit_unit_stores():
    with pytest.raises(ValueError, match="must exceed the 20 base units"):
        UnitBPETokenizer.fit(FixedBase(20), word_sequences(), vocab_size=20)
    with pytest.raises(ValueError, match="unit stores hold 16-bit ids"):
        UnitBPETokenizer.fit(FixedBase(20), word_sequences(), vocab_size=70000)


def test_model_of_another_base_is_refused(bpe, tmp_path):
    bpe.save(tmp_path / "bpe.model")
    with pytest.raises(ValueError, match="not made for this base"):
        UnitBPETokenizer.load(tmp_path / "bpe.model", FixedBase(30))


def test_describe_tells_models_apart(bpe):
    other = UnitBPETokenizer.fit(FixedBase(20), word_sequences(seed=5, num_words=8), vocab_size=60)
    assert bpe.describe()["model_sha256"] != other.describe()["model_sha256"]
    assert bpe.describe()["base"] == FixedBase(20).describe()


def test_store_conversion_keeps_rows_and_is_reused_or_refused(bpe, tmp_path):
    rows = [
        dict(
            utt_id=f"s{i}_{lang}_0",
            units=units,
            story_id=f"s{i}",
            sent_idx=0,
            lang=lang,
            speaker="v1",
        )
        for i, units in enumerate(word_sequences(count=40, seed=4))
        for lang in ("en", "fr")
    ]
    source = write_unit_store(tmp_path / "units", rows, num_units=20)
    store = bpe_unit_store(tmp_path / "units", bpe, tmp_path / "bpe")
    assert store.ids.tolist() == source.ids.tolist()
    assert store.langs.tolist() == source.langs.tolist()
    assert store.num_units == bpe.num_units
    for row in range(len(store)):
        assert np.array_equal(bpe.units_of_tokens(store.units(row)), source.units(row))

    header = tmp_path / "bpe" / "header.json"
    written = header.stat().st_mtime_ns
    bpe_unit_store(tmp_path / "units", bpe, tmp_path / "bpe")
    assert header.stat().st_mtime_ns == written  # reused, not rewritten

    other = UnitBPETokenizer.fit(FixedBase(20), word_sequences(seed=6, num_words=8), vocab_size=40)
    with pytest.raises(ValueError, match="another source or model"):
        bpe_unit_store(tmp_path / "units", other, tmp_path / "bpe")
    header.unlink()  # an unfinished store is rewritten
    assert len(bpe_unit_store(tmp_path / "units", other, tmp_path / "bpe")) == len(source)
    assert UnitStore(tmp_path / "bpe").num_units == 40


def test_store_of_another_unit_inventory_is_refused(bpe, tmp_path):
    rows = [dict(utt_id="a", units=[0, 1], story_id="s", sent_idx=0, lang="en")]
    write_unit_store(tmp_path / "units", rows, num_units=30)
    with pytest.raises(ValueError, match="K=30 units but the BPE model was made for K=20"):
        bpe_unit_store(tmp_path / "units", bpe, tmp_path / "bpe")


def test_wraps_a_real_tokenizer_through_the_file_pipeline(speech, tmp_path):
    paths = list(speech.values())
    base = KMeansTokenizer(features="mfcc", frame_rate=100.0, dedup=True).fit(paths, 16)
    reader = AudioReader(base.sample_rate)
    units = base.encode(*pad_batch([reader(path) for path in paths]))
    bpe = UnitBPETokenizer.fit(base, units, vocab_size=40)
    tokens = tokenize_files(bpe, paths, tmp_path / "cache", progress=False)
    for unit_row, token_row in zip(units, tokens):
        assert len(token_row) < len(unit_row)
        assert np.array_equal(bpe.units_of_tokens(token_row), unit_row)
    # the cache is keyed by the BPE model, not only by the base tokeniser
    base_cached = tokenize_files(base, paths, tmp_path / "cache", progress=False)
    assert all(np.array_equal(a, b) for a, b in zip(base_cached, units))
