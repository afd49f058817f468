"""Tests of the mini-corpus assembly (manifests), its one-call build and command line."""

import logging
import os

from speechbrain_xling.corpora import MiniCorpusPaths, build_mini_corpus
from speechbrain_xling.corpora.__main__ import main
from speechbrain_xling.corpora.files import read_csv
from speechbrain_xling.corpora.mini_corpus import (
    MANIFEST_EXTRA_COLUMNS,
    story_voice,
    synthesize_stories,
    synthesize_training_qa,
)
from speechbrain_xling.corpora.qa import story_qa
from speechbrain_xling.corpora.qa_benchmark import qa_benchmark_items
from speechbrain_xling.corpora.stories import generate_stories
from speechbrain_xling.corpora.tts import Voice
from speechbrain_xling.prepare.manifest import REQUIRED_COLUMNS, read_manifest
from speechbrain_xling.prepare.word_timings import read_word_timings, word_timings_path

SMALL = [
    "--num-train-stories",
    "4",
    "--num-valid-stories",
    "2",
    "--num-bench-items",
    "8",
    "--num-alignment-pairs",
    "4",
    "--num-qa-stories",
    "2",
    "--voices",
    "f3:60:150",
    "m1",
    "--benchmark-voice",
    "m3",
    "--no-progress",
]


def test_cli_builds_then_resumes_without_synthesis(tmp_path, capsys, caplog, espeak_synth_calls):
    output = tmp_path / "corpus"
    with caplog.at_level(logging.INFO):
        main(["--output-folder", str(output), *SMALL])
    printed = capsys.readouterr().out
    assert f"train_manifest: {output / 'train.csv'}" in printed
    sentences = {
        split: sum(2 * len(story.sentences["en"]) for story in generate_stories(count, split))
        for split, count in (("train", 4), ("valid", 2))
    }
    assert f"train: 4 stories, {sentences['train']} utterances" in caplog.text
    assert espeak_synth_calls

    train = read_manifest(output / "train.csv")
    valid = read_manifest(output / "valid.csv")
    assert tuple(read_csv(output / "train.csv")[0]) == REQUIRED_COLUMNS + MANIFEST_EXTRA_COLUMNS
    assert (len(train), len(valid)) == (sentences["train"], sentences["valid"])
    assert {row["speaker"] for row in train} <= {"f3-p60-s150", "m1-p50-s160"}
    assert not {row["story_id"] for row in train} & {row["story_id"] for row in valid}

    def story_texts(rows):
        texts = {}
        for row in rows:
            texts.setdefault((row["story_id"], row["lang"]), []).append(row["text"])
        return {" ".join(sentences) for sentences in texts.values()}

    assert not story_texts(train) & story_texts(valid)
    gold = read_csv(output / "benchmarks" / "zerospeech_fr" / "syntactic" / "dev" / "gold.csv")
    assert {row["voice"] for row in gold} == {"m3-p50-s160"}
    qa = read_csv(output / "benchmarks" / "qa" / "qa.csv")
    assert len(qa) == len(qa_benchmark_items(2))  # --num-qa-stories 2

    # A second run finds everything in the cache and rewrites the same files.
    manifest_before = (output / "train.csv").read_text()
    espeak_synth_calls.clear()
    paths = build_mini_corpus(
        output,
        num_train_stories=4,
        num_valid_stories=2,
        num_bench_items=8,
        num_alignment_pairs=4,
        num_qa_stories=2,
        voices=(Voice("f3", 60, 150), Voice("m1")),
        benchmark_voice=Voice("m3"),
        progress=False,
    )
    assert espeak_synth_calls == []
    assert paths == MiniCorpusPaths(
        output / "train.csv", output / "valid.csv", output / "benchmarks", output / "train_qa.csv"
    )
    assert (output / "train.csv").read_text() == manifest_before
    assert not list(output.rglob(".tmp-*"))


def test_manifest_rows_and_shared_voice(tmp_path):
    stories = generate_stories(3, seed=1)
    voices = (Voice("f3"), Voice("m1", pitch=40))
    manifest = tmp_path / "data" / "train.csv"
    synthesize_stories(stories, manifest, tmp_path / "audio", voices=voices, progress=False)
    assert tuple(read_csv(manifest)[0]) == REQUIRED_COLUMNS + MANIFEST_EXTRA_COLUMNS
    assert ",".join(REQUIRED_COLUMNS + MANIFEST_EXTRA_COLUMNS) == (
        "ID,story_id,sent_idx,lang,wav,duration,speaker,topic,text,phonemes"
    )
    rows = read_manifest(manifest)
    assert len(rows) == 2 * sum(len(story.sentences["en"]) for story in stories)
    speakers = {voice.speaker_id for voice in voices}
    for story in stories:
        story_rows = [row for row in rows if row["story_id"] == story.story_id]
        # One voice per story, the same for EN and FR.
        assert len({row["speaker"] for row in story_rows}) == 1
        assert story_rows[0]["speaker"] in speakers
        for row in story_rows:
            assert row["ID"] == f"{story.story_id}_{row['lang']}_{row['sent_idx']}"
            assert row["text"] == story.sentences[row["lang"]][row["sent_idx"]]
            assert row["topic"] == story.topic
            assert os.path.isfile(row["wav"]) and row["duration"] > 0
            assert row["phonemes"]
    relative = read_csv(manifest)[0]["wav"]
    assert relative.startswith("../audio/") and relative.endswith(".wav")


def test_training_qa_rows_are_aligned_questions_and_answers_of_training_stories(tmp_path):
    stories = generate_stories(3, seed=2)
    voices = (Voice("f3"), Voice("m1", pitch=40))
    manifest = tmp_path / "train_qa.csv"
    rows = synthesize_training_qa(
        stories, manifest, tmp_path / "audio", voices=voices, progress=False
    )
    assert rows == [dict(row, sent_idx=int(row["sent_idx"])) for row in read_csv(manifest)]
    items = [item for story in stories for item in story_qa(story)]
    assert len(rows) == 2 * len(items)
    by_id = {row["ID"]: row for row in rows}
    for item in items:
        question = by_id[f"{item.item_id}_{item.lang}_q"]
        answer = by_id[f"{item.item_id}_{item.lang}_a"]
        assert (question["text"], answer["text"]) == (item.question, item.answer)
        assert question["story_id"] == answer["story_id"] == item.story_id
        assert answer["sent_idx"] == question["sent_idx"] + 1 and question["sent_idx"] % 2 == 0
        story = next(story for story in stories if story.story_id == item.story_id)
        assert question["speaker"] == story_voice(story.story_id, voices, 0).speaker_id
    # Sentence-aligned across languages: the same (story, sent_idx) slots in EN and FR.
    slots = {
        lang: {(r["story_id"], r["sent_idx"]) for r in rows if r["lang"] == lang}
        for lang in ("en", "fr")
    }
    assert slots["en"] == slots["fr"]
    for story in stories:  # sent_idx counts 0, 1, ... without gaps within a story
        indices = sorted(
            r["sent_idx"] for r in rows if r["story_id"] == story.story_id and r["lang"] == "en"
        )
        assert indices == list(range(len(indices)))
    timings = read_word_timings(word_timings_path(manifest))
    assert len(timings) >= 0.95 * len(rows)
    for utt_id, words in timings.items():
        assert " ".join(word.word for word in words) == by_id[utt_id]["text"]
