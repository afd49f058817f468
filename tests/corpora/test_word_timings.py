"""Word timings: espeak-ng's word events, the JSONL format, word spans in unit stores."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from speechbrain_xling.audio import AudioReader
from speechbrain_xling.corpora.espeak_library import espeak_word_timings
from speechbrain_xling.corpora.files import read_wav
from speechbrain_xling.corpora.mini_corpus import synthesize_stories
from speechbrain_xling.corpora.stories import generate_stories
from speechbrain_xling.corpora.tts import Utterance, Voice, synthesize_utterance
from speechbrain_xling.data.unit_store import UnitStore
from speechbrain_xling.prepare.manifest import read_manifest, write_manifest
from speechbrain_xling.prepare.word_timings import (
    TimedWord,
    read_word_timings,
    word_timings_path,
    write_word_timings,
)
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.phones import PhoneInventory, phone_store_from_manifest
from speechbrain_xling.tokenizers.pipeline import SUMMARY_FILE, tokenize_manifest
from speechbrain_xling.tokenizers.unit_bpe import UnitBPETokenizer, bpe_unit_store


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four mini-corpus stories (EN and FR) with their word timings."""
    folder = tmp_path_factory.mktemp("corpus")
    synthesize_stories(generate_stories(4), folder / "train.csv", folder / "audio", progress=False)
    return folder / "train.csv"


def test_corpus_word_timings_cover_each_text_inside_its_audio(corpus):
    rows = read_manifest(corpus)
    timings = read_word_timings(word_timings_path(corpus))
    assert len(timings) >= 0.95 * len(rows)
    for row in rows:
        if row["ID"] not in timings:
            continue
        words = timings[row["ID"]]
        assert " ".join(word.word for word in words).split() == row["text"].split()
        assert sum(word.phones for word in words) == len(row["phonemes"].split())
        assert all(a.start <= a.end <= b.start + 1e-9 for a, b in zip(words, words[1:]))
        assert 0 <= words[0].start and words[-1].end <= row["duration"] + 0.001
        # the last word ends in the final pause, not at the end of the file
        assert words[-1].end < row["duration"]


def test_library_audio_equals_the_command_in_a_fresh_process(tmp_path):
    # The premise of the timings: the library speaks what `espeak-ng -w` writes.
    text, voice = "Le renard a perdu son seau rouge.", Voice("f3", pitch=60, speed=155)
    result = synthesize_utterance(Utterance(text, "fr", voice), tmp_path)
    code = (
        "import sys, numpy;"
        "from speechbrain_xling.corpora.espeak_library import _library;"
        f"s, _ = _library().synthesize({text!r}, 'fr+f3', 60, 155);"
        "numpy.save(sys.argv[1], s)"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "lib.npy")], check=True)
    samples, _ = read_wav(result.wav)
    library = np.load(tmp_path / "lib.npy")
    assert samples.dtype == np.int16 and np.array_equal(samples, library)


def test_words_spoken_together_are_one_group():
    words = espeak_word_timings("It was for the cat.", "en-us+m3", 50, 160, 1.5)
    assert [word.word for word in words] == ["It", "was", "for the", "cat."]


def test_cached_utterance_gains_word_timings_without_resynthesis(tmp_path, espeak_synth_calls):
    utterance = Utterance("The hen is sad.", "en", Voice("f3"))
    first = synthesize_utterance(utterance, tmp_path)
    sidecar_path = first.wav.with_suffix(".json")
    sidecar = json.loads(sidecar_path.read_text())
    del sidecar["words"]  # as written before word timings
    sidecar_path.write_text(json.dumps(sidecar))
    again = synthesize_utterance(utterance, tmp_path)
    assert len(espeak_synth_calls) == 1
    assert "words" in json.loads(sidecar_path.read_text())
    # The library's state carries over between utterances: timings agree to
    # about a millisecond, not bit for bit (see espeak_library).
    assert [w.word for w in again.words] == [w.word for w in first.words]
    for a, b in zip(again.words, first.words):
        assert abs(a.start - b.start) < 0.002 and abs(a.end - b.end) < 0.002


# ----------------------------------------------------------------- format
def test_format_round_trip_and_malformed_lines_are_named(tmp_path):
    path = tmp_path / "words.jsonl"
    entries = [("a", [TimedWord("Hi", 0.0, 0.2), TimedWord("you.", 0.2, 0.5, 3)])]
    write_word_timings(entries, path)
    assert read_word_timings(path) == dict(entries)
    path.write_text(path.read_text() + '{"ID": "b", "words": [{"word": "x", "start": "soon"}]}\n')
    with pytest.raises(ValueError, match="words.jsonl line 2: not a word-timings line"):
        read_word_timings(path)
    path.write_text(path.read_text().splitlines()[0] + "\n" + path.read_text().splitlines()[0])
    with pytest.raises(ValueError, match="line 2: utterance 'a' is timed twice"):
        read_word_timings(path)


# --------------------------------------------------------- unit stores
def tokenize_with_timings(corpus, tokenizer, folder, timings=None):
    tokenize_manifest(
        corpus,
        tokenizer,
        folder,
        progress=False,
        word_timings=timings or word_timings_path(corpus),
    )
    return UnitStore(folder)


@pytest.fixture(scope="module")
def kmeans(corpus):
    return KMeansTokenizer(frame_rate=25.0).fit(corpus, num_units=16, seed=0)


@pytest.mark.parametrize("dedup", [False, True])
def test_word_spans_start_at_the_frame_of_each_word(corpus, tmp_path, dedup):
    tokenizer = KMeansTokenizer(frame_rate=25.0, dedup=dedup).fit(corpus, num_units=16, seed=0)
    store = tokenize_with_timings(corpus, tokenizer, tmp_path / "store")
    timings = read_word_timings(word_timings_path(corpus))
    rows = {row["ID"]: row for row in read_manifest(corpus)}
    reader = AudioReader(tokenizer.sample_rate)
    checked = 0
    for row in range(len(store)):
        spans = store.word_spans(row)
        words = timings.get(store.ids[row])
        assert (spans is None) == (words is None)
        if spans is None:
            continue
        audio = reader(rows[store.ids[row]]["wav"])
        units, frames = tokenizer.encode_with_frames(audio[None], torch.tensor([len(audio)]))[0]
        assert np.array_equal(units, store.units(row))
        word_frames = np.floor(np.array([w.start for w in words]) * 25.0 + 1e-9)
        for start, frame in zip(spans[1].tolist(), word_frames):
            # the group's first unit is the first one whose run starts at or after its frame
            assert start == len(units) or frames[start] >= frame
            assert start == 0 or frames[start - 1] < frame
        if not dedup:
            assert spans[1].tolist() == word_frames.astype(int).tolist()
        checked += 1
    assert checked > 0


def test_bpe_store_keeps_word_spans_in_tokens(corpus, kmeans, tmp_path):
    store = tokenize_with_timings(corpus, kmeans, tmp_path / "base")
    bpe = UnitBPETokenizer.fit(
        kmeans, [store.units(row) for row in range(len(store))], vocab_size=40
    )
    converted = bpe_unit_store(tmp_path / "base", bpe, tmp_path / "bpe")
    for row in range(len(store)):
        spans, new = store.word_spans(row), converted.word_spans(row)
        assert (spans is None) == (new is None)
        if spans is None:
            continue
        token_starts = bpe.token_unit_starts(converted.units(row))
        assert np.array_equal(new[0], spans[0])
        for base_start, token in zip(spans[1].tolist(), new[1].tolist()):
            assert token == len(token_starts) or token_starts[token] >= base_start
            assert token == 0 or token_starts[token - 1] < base_start


def test_phone_store_spans_follow_the_phone_counts(corpus, tmp_path):
    inventory = PhoneInventory.from_manifest(corpus)
    phone_store_from_manifest(corpus, tmp_path / "phones", inventory, word_timings_path(corpus))
    store = UnitStore(tmp_path / "phones")
    assert store.has_word_spans
    timings = read_word_timings(word_timings_path(corpus))
    for row in range(len(store)):
        spans = store.word_spans(row)
        if spans is not None:
            counts = [word.phones for word in timings[store.ids[row]]]
            assert np.diff([*spans[1].tolist(), len(store.units(row))]).tolist() == counts


# ------------------------------------------------------------- bad input
def corrupted(corpus, tmp_path, change):
    """The corpus's timings with ``change(words)`` applied to its first utterance."""
    timings = read_word_timings(word_timings_path(corpus))
    first = read_manifest(corpus)[0]["ID"]
    timings[first] = change(timings[first])
    path = tmp_path / "bad_words.jsonl"
    write_word_timings(timings.items(), path)
    return path, first


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda words: words[:-1], "do not cover the text"),
        (
            lambda words: [*words[:-1], TimedWord(words[-1].word, words[-1].start, 99.0)],
            "after the audio's",
        ),
        (lambda words: [words[1], words[0], *words[2:]], "do not cover the text"),
        (
            lambda words: [TimedWord(words[0].word, 0.5, 0.4), *words[1:]],
            "has start 0.5 and end 0.4",
        ),
    ],
)
def test_bad_timings_name_the_manifest_line_and_utterance(
    corpus, kmeans, tmp_path, change, message
):
    path, first = corrupted(corpus, tmp_path, change)
    with pytest.raises(ValueError, match=rf"train.csv line 2 \(ID '{first}'\).*{message}"):
        tokenize_with_timings(corpus, kmeans, tmp_path / "store", path)


def test_untimed_rows_are_counted(corpus, kmeans, tmp_path):
    path, first = corrupted(corpus, tmp_path, lambda words: words)
    timings = read_word_timings(path)
    del timings[first]
    write_word_timings(timings.items(), path)
    store = tokenize_with_timings(corpus, kmeans, tmp_path / "store", path)
    summary = json.loads((tmp_path / "store" / SUMMARY_FILE).read_text())
    untimed = len(read_manifest(corpus)) - len(timings)
    assert summary["rows_without_word_timings"] == untimed >= 1
    assert store.word_spans(store.row_of(first)) is None


def test_phone_counts_that_disagree_with_the_phonemes_are_named(corpus, tmp_path):
    path, first = corrupted(
        corpus, tmp_path, lambda w: [TimedWord(w[0].word, w[0].start, w[0].end, 99), *w[1:]]
    )
    inventory = PhoneInventory.from_manifest(corpus)
    with pytest.raises(ValueError, match=rf"{first}\).*phones but the utterance"):
        phone_store_from_manifest(corpus, tmp_path / "phones", inventory, path)


def test_manifest_without_text_cannot_be_timed(corpus, kmeans, tmp_path):
    rows = read_manifest(corpus)
    for row in rows:
        row["wav"] = str(corpus.parent / row["wav"])
        del row["text"]
    write_manifest(rows, tmp_path / "no_text.csv", extra_columns=["phonemes"])
    with pytest.raises(ValueError, match="has word timings but no text"):
        tokenize_with_timings(
            tmp_path / "no_text.csv", kmeans, tmp_path / "store", word_timings_path(corpus)
        )
