"""Tests of the mini benchmarks (cloze, lexical, syntactic, alignment, QA)."""

from pathlib import Path

import pytest

from speechbrain_xling.corpora.alignment_benchmark import ALIGNMENT_COLUMNS
from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
from speechbrain_xling.corpora.cloze_benchmark import CONDITIONS, PROMPT_GAP_SECONDS, cloze_items
from speechbrain_xling.corpora.files import read_csv, read_wav
from speechbrain_xling.corpora.lexicon import LANGUAGES
from speechbrain_xling.corpora.mini_corpus import build_benchmarks
from speechbrain_xling.corpora.qa_benchmark import qa_benchmark_items
from speechbrain_xling.corpora.stories import generate_stories, story_vocabulary, words
from speechbrain_xling.corpora.tts import (
    BENCHMARK_VOICE,
    Utterance,
    synthesize_utterance,
)
from speechbrain_xling.corpora.zerospeech_benchmark import (
    LEXICAL_COLUMNS,
    SYNTACTIC_COLUMNS,
    build_lexical,
    lexical_pairs,
    train_word_counts,
)
from speechbrain_xling.eval.cloze import COLUMNS as CLOZE_COLUMNS
from speechbrain_xling.eval.cloze import CONTROLS
from speechbrain_xling.eval.cloze import TASKS as CLOZE_TASKS

NUM_ITEMS = 16
NUM_QA_STORIES = 2


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    train_stories = generate_stories(40, seed=0)
    paths = build_benchmarks(
        root / "benchmarks",
        train_stories,
        BenchmarkSpeaker(root / "audio", progress=False),
        num_items=NUM_ITEMS,
        num_alignment_pairs=10,
        num_qa_stories=NUM_QA_STORIES,
        seed=0,
    )
    return {
        "root": root,
        "paths": paths,
        "train_stories": train_stories,
    }


def _zerospeech_folders(built, task):
    return {
        lang: built["root"] / "benchmarks" / f"zerospeech_{lang}" / task / "dev"
        for lang in LANGUAGES
    }


def test_layout(built):
    root = built["root"] / "benchmarks"
    expected = {
        "cloze": root / "cloze" / "cloze.csv",
        "alignment": root / "alignment" / "alignment.csv",
        "qa": root / "qa" / "qa.csv",
    }
    for lang in LANGUAGES:
        expected[f"lexical_{lang}"] = _zerospeech_folders(built, "lexical")[lang] / "gold.csv"
        expected[f"syntactic_{lang}"] = _zerospeech_folders(built, "syntactic")[lang] / "gold.csv"
    assert built["paths"] == expected
    assert all(path.is_file() for path in expected.values())


def test_cloze_rows_match_the_items(built):
    rows = read_csv(built["paths"]["cloze"])
    assert tuple(rows[0]) == CLOZE_COLUMNS
    items = cloze_items(NUM_ITEMS, seed=0)
    assert len(rows) == len(items) == NUM_ITEMS * len(CLOZE_TASKS) * len(CONDITIONS) * len(CONTROLS)
    for row, item in zip(rows, items):
        for column in CLOZE_COLUMNS:
            if not column.endswith("_wav"):
                assert row[column] == str(item[column])
    keys = {(r["item_id"], r["prompt_lang"], r["ending_lang"], r["control"]) for r in rows}
    assert len(keys) == len(rows)


def test_cloze_audio(built):
    folder = built["paths"]["cloze"].parent
    rows = read_csv(built["paths"]["cloze"])
    listed = set()
    for row in rows:
        for column in ("prompt_wav", "correct_wav", "wrong_wav"):
            path = folder / row[column]
            assert path.is_file()
            listed.add(path.name)
    assert {path.name for path in (folder / "wavs").glob("*.wav")} == listed
    items = {
        (item["item_id"], item["prompt_lang"], item["ending_lang"], item["control"]): item
        for item in cloze_items(NUM_ITEMS, seed=0)
    }
    # A prompt is its sentences joined by short silences; an ending is the
    # sentence's own audio.
    for row in rows[:: len(rows) // 7]:
        item = items[row["item_id"], row["prompt_lang"], row["ending_lang"], row["control"]]
        prompt, rate = read_wav(folder / row["prompt_wav"])
        parts = [_spoken(built, text, row["prompt_lang"]) for text in item["prompt_sentences"]]
        gap = round(PROMPT_GAP_SECONDS * rate)
        assert len(prompt) == sum(len(part) for part in parts) + (len(parts) - 1) * gap
        assert (prompt[: len(parts[0])] == parts[0]).all()
        assert not prompt[len(parts[0]) : len(parts[0]) + gap].any()
        ending, _ = read_wav(folder / row["correct_wav"])
        assert (ending == _spoken(built, row["correct_text"], row["ending_lang"])).all()


def _spoken(built, text, lang):
    utterance = Utterance(text, lang, BENCHMARK_VOICE)
    return read_wav(synthesize_utterance(utterance, built["root"] / "audio").wav)[0]


def test_lexical_pairs_are_well_formed(built):
    train_words = {lang: train_word_counts(built["train_stories"], lang) for lang in LANGUAGES}
    for lang, folder in _zerospeech_folders(built, "lexical").items():
        rows = read_csv(folder / "gold.csv")
        assert tuple(rows[0]) == LEXICAL_COLUMNS
        assert rows, lang
        by_id = {}
        for row in rows:
            by_id.setdefault(row["id"], []).append(row)
            assert (folder / f"{row['filename']}.wav").is_file()
            assert int(row["length"]) == len(row["phones"].split())
            assert row["voice"] == BENCHMARK_VOICE.speaker_id
        assert len(by_id) == NUM_ITEMS
        for pair in by_id.values():
            real, nonce = sorted(pair, key=lambda row: -int(row["correct"]))
            assert (real["correct"], nonce["correct"]) == ("1", "0")
            assert real["voice"] == nonce["voice"]
            assert real["word"] in story_vocabulary(lang)
            assert train_words[lang][real["word"]] == int(real["frequency"])
            assert nonce["word"] not in story_vocabulary(lang)
            assert nonce["phones"] != real["phones"]
            assert nonce["length"] == real["length"]
        assert len({row["filename"] for row in rows}) == len(rows)
        assert len(list(folder.glob("*.wav"))) == len(rows)


def test_nonce_words_are_not_pronounced_like_any_story_word():
    counts = train_word_counts(generate_stories(200), "fr")
    pairs = lexical_pairs("fr", counts, 1000)
    assert len(pairs) > 40
    nonces = [pair["nonce"] for pair in pairs]
    assert len(set(nonces)) == len(nonces)
    real_pronunciations = {pair["word_phones"] for pair in pairs}
    for pair in pairs:
        assert pair["nonce_phones"] not in real_pronunciations
        assert pair["nonce"] not in story_vocabulary("fr")


def test_syntactic_pairs_are_consecutive(built):
    for lang, folder in _zerospeech_folders(built, "syntactic").items():
        rows = read_csv(folder / "gold.csv")
        assert tuple(rows[0]) == SYNTACTIC_COLUMNS
        assert len(rows) == 2 * NUM_ITEMS
        for good, bad in zip(rows[::2], rows[1::2]):
            assert (good["correct"], bad["correct"]) == ("1", "0")
            for column in ("id", "voice", "type", "subtype"):
                assert good[column] == bad[column]
            assert good["transcription"] != bad["transcription"]
            assert set(words(good["transcription"])) <= story_vocabulary(lang)
            for row in (good, bad):
                assert (folder / f"{row['filename']}.wav").is_file()
        assert len({row["id"] for row in rows}) == NUM_ITEMS
        types = {row["type"] for row in rows}
        assert types == {"agreement", "word_order"}


def test_alignment_pairs_are_translations_of_held_out_sentences(built):
    rows = read_csv(built["paths"]["alignment"])
    assert tuple(rows[0]) == ALIGNMENT_COLUMNS
    assert len(rows) == 10
    aligned = {
        (en, fr)
        for story in generate_stories(10, "benchmark", seed=0)
        for en, fr in zip(story.sentences["en"], story.sentences["fr"])
    }
    folder = built["paths"]["alignment"].parent
    for row in rows:
        assert (row["en_text"], row["fr_text"]) in aligned
        assert (folder / row["en_wav"]).is_file() and (folder / row["fr_wav"]).is_file()
    assert len({row["en_text"] for row in rows}) == len(rows)


def test_qa_asks_about_the_benchmark_stories_with_the_same_seed(built):
    rows = read_csv(built["paths"]["qa"])
    items = qa_benchmark_items(NUM_QA_STORIES, seed=0)
    assert [(row["item_id"], row["question_lang"], row["answer_lang"]) for row in rows] == [
        (item["item_id"], item["question_lang"], item["answer_lang"]) for item in items
    ]
    assert {row["story_id"] for row in rows} == {
        story.story_id for story in generate_stories(NUM_QA_STORIES, "benchmark", seed=0)
    }
    folder = built["paths"]["qa"].parent
    assert all((folder / row["context_wav"]).is_file() for row in rows)


def test_rebuild_uses_the_cache_and_drops_stale_files(built, espeak_synth_calls):
    folder = _zerospeech_folders(built, "lexical")["en"]
    stale = folder / "stale.wav"
    stale.write_bytes(b"")
    gold_before = (folder / "gold.csv").read_text()
    build_lexical(
        folder,
        "en",
        train_word_counts(built["train_stories"], "en"),
        BenchmarkSpeaker(built["root"] / "audio", progress=False),
        num_pairs=NUM_ITEMS,
    )
    assert espeak_synth_calls == []
    assert not stale.exists()
    assert (folder / "gold.csv").read_text() == gold_before


def test_relative_paths_stay_inside_the_benchmark(built):
    for key in ("cloze", "alignment", "qa"):
        for row in read_csv(built["paths"][key]):
            for column, value in row.items():
                if column.endswith("_wav"):
                    assert not Path(value).is_absolute() and ".." not in value
