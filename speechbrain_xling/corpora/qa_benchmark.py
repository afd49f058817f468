"""Spoken QA about benchmark stories, in four language conditions.

Layout::

    <folder>/qa.csv         one row per question and language condition
    <folder>/wavs/*.wav     stories, questions, answers and wrong answers (+ .json sidecars)

Items are the QA items (:mod:`speechbrain_xling.corpora.qa`) of the first
``num_stories`` ``benchmark`` stories (:func:`~speechbrain_xling.corpora.qa.qa_for_split`):
held-out (character, object, place) combinations, never heard in training.
Each question is written in the four language conditions :data:`CONDITIONS`
(question language -> answer language: ``EN``, ``FR``, ``EN->FR``,
``FR->EN``), the answers taken from the other language's version of the
question (:func:`~speechbrain_xling.corpora.qa.aligned_items`) when the
languages differ. The story is told in the question's language.

``qa.csv`` has the columns :data:`QA_BENCHMARK_COLUMNS` (those that
:func:`speechbrain_xling.eval.qa.read_qa` reads), with WAV paths relative to
its folder:

``item_id``, ``story_id``, ``kind``, ``topic``
    The QA item (``{story_id}-{kind}``, shared by the four conditions of a
    question), its story, question kind and topic.
``question_lang``, ``answer_lang``
    The condition.
``context_wav``, ``context_text``
    The whole story in the question's language: its sentences joined by
    :data:`~speechbrain_xling.corpora.cloze_benchmark.PROMPT_GAP_SECONDS` of
    silence (one file per story and language, shared by its questions).
``question_wav``, ``question_text``
    The question, in the question's language.
``answer_wav``, ``answer_text``, ``wrong_wav``, ``wrong_text``
    The correct and the wrong answer (full sentences that differ only by
    their key phrase), in the answer's language.
``short_answer``, ``wrong_short_answer``
    Their key phrases (text only).

Every WAV has a ``.json`` sidecar: the cached utterance's (``text``,
``lang``, ``phonemes``, ...) for the sentences spoken as they are, the
phonemes of all its sentences for a story. Rows come story by story, kind by
kind, in the order of :data:`CONDITIONS`. A rebuild reuses the cached audio
and deletes the WAVs (and sidecars) that it no longer lists.

Authors
 * speechbrain-xling authors 2026
"""

from pathlib import Path

from speechbrain_xling.corpora.benchmark_audio import place_audio
from speechbrain_xling.corpora.cloze_benchmark import (
    CONDITIONS,
    joined_utterances,
)
from speechbrain_xling.corpora.files import remove_unlisted, write_csv
from speechbrain_xling.corpora.qa import aligned_items, generate_qa
from speechbrain_xling.corpora.stories import generate_stories
from speechbrain_xling.eval.qa import COLUMNS as QA_BENCHMARK_COLUMNS

QA_BENCHMARK_FILE = "qa.csv"


def qa_benchmark_items(num_stories, seed=0):
    """QA benchmark rows (without audio) for every question and condition.

    Arguments
    ---------
    num_stories : int
        Benchmark stories asked about.
    seed : int
        Seed of the stories.

    Returns
    -------
    list of dict
        Rows with the text columns of :data:`QA_BENCHMARK_COLUMNS` and
        ``context_sentences`` (the story's sentences in the question's
        language).

    Example
    -------
    >>> rows = qa_benchmark_items(1)
    >>> [(row["question_lang"], row["answer_lang"]) for row in rows[:4]] == list(CONDITIONS)
    True
    >>> row = rows[2]  # EN->FR
    >>> row["item_id"], row["question_text"], row["answer_text"]
    ('benchmark00000-who', 'Who wins the race?', 'La boulangère gagne la course.')
    >>> row["context_text"] == " ".join(row["context_sentences"])
    True
    """
    stories = generate_stories(num_stories, "benchmark", seed)
    sentences = {story.story_id: story.sentences for story in stories}
    rows = []
    for versions in aligned_items(generate_qa(stories)).values():
        for question_lang, answer_lang in CONDITIONS:
            question, answer = versions[question_lang], versions[answer_lang]
            context = sentences[question.story_id][question_lang]
            rows.append(
                {
                    "item_id": question.item_id,
                    "story_id": question.story_id,
                    "kind": question.kind,
                    "question_lang": question_lang,
                    "answer_lang": answer_lang,
                    "topic": question.topic,
                    "context_sentences": context,
                    "context_text": " ".join(context),
                    "question_text": question.question,
                    "answer_text": answer.answer,
                    "wrong_text": answer.wrong_answer,
                    "short_answer": answer.short_answer,
                    "wrong_short_answer": answer.wrong_short_answer,
                }
            )
    return rows


def build_qa_benchmark(folder, num_stories, speaker, seed=0):
    """Builds ``folder/qa.csv`` and its WAVs (see the module docstring).

    Arguments
    ---------
    folder : str or Path
        Output folder.
    num_stories : int
        Benchmark stories asked about (each gives 3 to 5 questions, each in
        the four conditions).
    speaker : BenchmarkSpeaker
        Speaks the sentences (voice, audio cache, espeak-ng workers).
    seed : int
        Seed of the stories.

    Returns
    -------
    Path
        The CSV file.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
    >>> root = Path(tempfile.mkdtemp())
    >>> speaker = BenchmarkSpeaker(root / "audio", progress=False)
    >>> csv_path = build_qa_benchmark(root / "qa", 1, speaker)
    >>> from speechbrain_xling.eval.qa import read_qa
    >>> items = read_qa(csv_path)
    >>> csv_path.name, len(items) == len(qa_benchmark_items(1))
    ('qa.csv', True)
    >>> items[0].context_wav.parent == root.resolve() / "qa" / "wavs"
    True
    """
    folder = Path(folder)
    wav_folder = folder / "wavs"
    items = qa_benchmark_items(num_stories, seed)
    needed = []
    for item in items:
        question_lang, answer_lang = item["question_lang"], item["answer_lang"]
        needed += [(text, question_lang) for text in item["context_sentences"]]
        needed += [(item["question_text"], question_lang)]
        needed += [(item["answer_text"], answer_lang), (item["wrong_text"], answer_lang)]
    audio = speaker.speak(needed)
    rows = []
    for item in items:
        question_lang, answer_lang = item["question_lang"], item["answer_lang"]
        sources = [audio[text, question_lang] for text in item["context_sentences"]]
        row = {column: item[column] for column in QA_BENCHMARK_COLUMNS if column in item}
        row["context_wav"] = f"wavs/{joined_utterances(sources, wav_folder)}"
        for column, lang in (
            ("question", question_lang),
            ("answer", answer_lang),
            ("wrong", answer_lang),
        ):
            source = audio[item[f"{column}_text"], lang]
            place_audio(source, wav_folder / source.wav.name)
            row[f"{column}_wav"] = f"wavs/{source.wav.name}"
        rows.append(row)
    listed = {
        Path(row[column]).stem
        for row in rows
        for column in QA_BENCHMARK_COLUMNS
        if column.endswith("_wav")
    }
    for suffix in (".wav", ".json"):
        remove_unlisted(wav_folder, {stem + suffix for stem in listed}, suffix)
    write_csv(folder / QA_BENCHMARK_FILE, QA_BENCHMARK_COLUMNS, rows)
    return folder / QA_BENCHMARK_FILE
