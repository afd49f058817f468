"""Tests of the spoken QA benchmark: benchmark stories only, four language
conditions per question, answers in the answer's language, audio that says
its text, rebuilds that change nothing."""

import json
from collections import defaultdict
from pathlib import Path

import pytest

from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
from speechbrain_xling.corpora.cloze_benchmark import CONDITIONS, PROMPT_GAP_SECONDS
from speechbrain_xling.corpora.files import read_csv, read_wav
from speechbrain_xling.corpora.qa import aligned_items, qa_for_split
from speechbrain_xling.corpora.qa_benchmark import (
    QA_BENCHMARK_COLUMNS,
    build_qa_benchmark,
    qa_benchmark_items,
)
from speechbrain_xling.corpora.stories import generate_stories
from speechbrain_xling.corpora.tts import BENCHMARK_VOICE, Utterance, synthesize_utterance
from speechbrain_xling.eval.qa import read_qa

NUM_STORIES = 4
SEED = 3
OTHER = {"en": "fr", "fr": "en"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("qa_bench")
    speaker = BenchmarkSpeaker(root / "audio", progress=False)
    csv_path = build_qa_benchmark(root / "qa", NUM_STORIES, speaker, seed=SEED)
    return {"root": root, "speaker": speaker, "csv": csv_path, "rows": read_csv(csv_path)}


def test_every_question_comes_in_the_four_conditions(built):
    rows = built["rows"]
    assert built["csv"] == built["root"] / "qa" / "qa.csv"
    assert tuple(rows[0]) == QA_BENCHMARK_COLUMNS
    aligned = aligned_items(qa_for_split(NUM_STORIES, "benchmark", SEED))
    conditions = defaultdict(list)
    for row in rows:
        conditions[row["item_id"]].append((row["question_lang"], row["answer_lang"]))
    assert list(conditions) == list(aligned)  # story by story, kind by kind
    assert all(found == list(CONDITIONS) for found in conditions.values())
    assert len(rows) == 4 * len(aligned)
    assert {row["kind"] for row in rows} > {"who", "where", "what_happened"}
    # the same rows as the text-level items, audio aside
    items = qa_benchmark_items(NUM_STORIES, SEED)
    assert [{k: v for k, v in row.items() if not k.endswith("_wav")} for row in rows] == [
        {column: item[column] for column in QA_BENCHMARK_COLUMNS if not column.endswith("_wav")}
        for item in items
    ]


def test_answers_are_in_the_answer_language(built):
    aligned = aligned_items(qa_for_split(NUM_STORIES, "benchmark", SEED))
    for row in built["rows"]:
        versions = aligned[row["item_id"]]
        question, answer = versions[row["question_lang"]], versions[row["answer_lang"]]
        assert row["question_text"] == question.question
        assert (row["answer_text"], row["wrong_text"]) == (answer.answer, answer.wrong_answer)
        assert (row["short_answer"], row["wrong_short_answer"]) == (
            answer.short_answer,
            answer.wrong_short_answer,
        )
        assert (row["kind"], row["story_id"], row["topic"]) == (
            answer.kind,
            answer.story_id,
            answer.topic,
        )
        other = versions[OTHER[row["answer_lang"]]]
        assert row["answer_text"] != other.answer and row["wrong_text"] != other.wrong_answer
        assert row["answer_text"] != row["wrong_text"]


def test_benchmark_stories_only_told_in_the_question_language(built):
    stories = {story.story_id: story for story in generate_stories(NUM_STORIES, "benchmark", SEED)}
    train_ids = {story.story_id for story in generate_stories(NUM_STORIES, "train", SEED)}
    assert {row["story_id"] for row in built["rows"]} == set(stories)
    assert not set(stories) & train_ids
    for row in built["rows"]:
        sentences = stories[row["story_id"]].sentences[row["question_lang"]]
        assert row["context_text"] == " ".join(sentences)
        assert row["item_id"].startswith(f"{row['story_id']}-")


def _sidecar(path):
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def _spoken(built, text, lang):
    return synthesize_utterance(Utterance(text, lang, BENCHMARK_VOICE), built["root"] / "audio")


def test_audio_says_its_text(built):
    folder = built["csv"].parent
    wav_columns = [column for column in QA_BENCHMARK_COLUMNS if column.endswith("_wav")]
    listed = {folder / row[column] for row in built["rows"] for column in wav_columns}
    assert all(path.is_file() and path.with_suffix(".json").is_file() for path in listed)
    assert set((folder / "wavs").glob("*.wav")) == listed
    assert set((folder / "wavs").glob("*.json")) == {path.with_suffix(".json") for path in listed}
    for row in built["rows"]:
        assert not Path(row["context_wav"]).is_absolute() and ".." not in row["context_wav"]
        for column, lang in (
            ("question", row["question_lang"]),
            ("answer", row["answer_lang"]),
            ("wrong", row["answer_lang"]),
        ):
            sidecar = _sidecar(folder / row[f"{column}_wav"])
            assert (sidecar["text"], sidecar["lang"]) == (row[f"{column}_text"], lang)
    # A story: its sentences one after another with short silences between.
    stories = {story.story_id: story for story in generate_stories(NUM_STORIES, "benchmark", SEED)}
    contexts = defaultdict(set)  # one file per story and language
    for row in built["rows"]:
        contexts[row["story_id"], row["question_lang"]].add(row["context_wav"])
    assert len(contexts) == 2 * NUM_STORIES and all(len(names) == 1 for names in contexts.values())
    for (story_id, lang), (name,) in contexts.items():
        parts = [_spoken(built, text, lang) for text in stories[story_id].sentences[lang]]
        samples = [read_wav(part.wav)[0] for part in parts]
        context, rate = read_wav(folder / name)
        gap = round(PROMPT_GAP_SECONDS * rate)
        assert len(context) == sum(map(len, samples)) + (len(samples) - 1) * gap
        assert (context[: len(samples[0])] == samples[0]).all()
        assert not context[len(samples[0]) : len(samples[0]) + gap].any()
        assert (context[-len(samples[-1]) :] == samples[-1]).all()
        phonemes = " ".join(part.phonemes for part in parts)
        assert _sidecar(folder / name) == {"phonemes": phonemes}


def test_rebuild_changes_nothing(built, espeak_synth_calls):
    folder = built["csv"].parent
    (folder / "wavs" / "stale.wav").write_bytes(b"")
    (folder / "wavs" / "stale.json").write_text("{}")
    csv_before = built["csv"].read_bytes()

    def files():
        return {
            path.name: (path.stat().st_mtime_ns, path.stat().st_size)
            for path in (folder / "wavs").iterdir()
            if path.stem != "stale"
        }

    before = files()
    assert build_qa_benchmark(folder, NUM_STORIES, built["speaker"], seed=SEED) == built["csv"]
    assert espeak_synth_calls == []
    assert built["csv"].read_bytes() == csv_before
    assert files() == before  # nothing rewritten, the stale files gone
    assert sorted(path.name for path in folder.iterdir()) == ["qa.csv", "wavs"]


def test_the_evaluation_reads_the_manifest(built):
    items = read_qa(built["csv"])
    assert len(items) == len(built["rows"])
    by_item = defaultdict(set)
    for item in items:
        by_item[item.item_id].add(item.condition)
        assert item.context_wav.is_file() and item.answer_wav.is_file()
        assert item.answer_text and item.wrong_text and item.question_text
    assert set(map(frozenset, by_item.values())) == {frozenset({"EN", "FR", "EN->FR", "FR->EN"})}
