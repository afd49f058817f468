"""Assembles the offline bilingual spoken mini-corpus: manifests and benchmarks.

Layout of the output folder (in parentheses: the module that writes each part)::

    <output>/train.csv                  training manifest, train split (this module)
    <output>/valid.csv                  validation manifest, valid split (this module)
    <output>/train_qa.csv               spoken questions and answers about the training
                                          stories, for instruction fine-tuning (this module)
    <output>/train_words.jsonl          word timings of the manifests' utterances
    <output>/valid_words.jsonl            (this module, from tts; prepare.word_timings)
    <output>/train_qa_words.jsonl
    <output>/audio/                     espeak-ng cache shared by everything (tts)
    <output>/benchmarks/cloze/          spoken StoryCloze and TopicCloze (cloze_benchmark)
    <output>/benchmarks/zerospeech_en/  sWUGGY-like and sBLiMP-like tests, ZeroSpeech
    <output>/benchmarks/zerospeech_fr/    2021 layout (zerospeech_benchmark)
    <output>/benchmarks/alignment/      aligned EN-FR sentence pairs (alignment_benchmark)
    <output>/benchmarks/qa/             spoken QA about benchmark stories (qa_benchmark)

Train, valid and benchmark stories come from disjoint (character, object,
place) combinations (:mod:`speechbrain_xling.corpora.stories`). Every output
is cached or content-addressed and written atomically, so re-running the
build (e.g. after a kill) only does the work that is missing.

Manifests
    Story manifests of :mod:`speechbrain_xling.prepare.manifest` (read them
    with its ``read_manifest``): one row per sentence utterance with the
    columns ``REQUIRED_COLUMNS`` + :data:`MANIFEST_EXTRA_COLUMNS`::

        ID,story_id,sent_idx,lang,wav,duration,speaker,topic,text,phonemes

    ``ID`` is ``{story_id}_{lang}_{sent_idx}``, ``sent_idx`` counts from 0,
    ``wav`` is relative to the folder of the CSV file (POSIX separators),
    ``duration`` is in seconds (3 decimals), ``speaker`` is
    ``Voice.speaker_id`` and ``phonemes`` the espeak-ng phones. A story is
    read by one voice, the same for its EN and FR versions (as the
    cross-lingual voices of the paper), drawn from the training voices by a
    hash of the seed and story id (:func:`story_voice`).

Training QA
    ``train_qa.csv`` has the manifest's columns: for each training story,
    each question of :func:`~speechbrain_xling.corpora.qa.story_qa` and its
    answer, in EN and FR, spoken by the story's voice. A story's QA rows
    share its ``story_id``; question ``k`` of the story is ``sent_idx``
    ``2k`` and its answer ``2k + 1`` (the same in both languages, so the
    rows are sentence-aligned across languages), and ``ID`` is
    ``{story_id}-{kind}_{lang}_{q|a}``. The story's own sentences, the
    spoken context of its questions, are the rows of ``train.csv`` with the
    same ``story_id``
    (:mod:`speechbrain_xling.data.chain_of_modality` reads both).

Word timings
    ``<split>_words.jsonl`` (format of :mod:`speechbrain_xling.prepare.word_timings`):
    each utterance's word groups with start, end and phone count, as
    espeak-ng's library reports them. The few utterances whose timings could
    not be matched to their text are left out (counted in the log).

Authors
 * speechbrain-xling authors 2026
"""

import logging
import os
import time
from pathlib import Path
from typing import NamedTuple

from speechbrain_xling.corpora.alignment_benchmark import build_alignment
from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
from speechbrain_xling.corpora.cloze_benchmark import build_cloze
from speechbrain_xling.corpora.lexicon import LANGUAGES
from speechbrain_xling.corpora.qa import story_qa
from speechbrain_xling.corpora.qa_benchmark import build_qa_benchmark
from speechbrain_xling.corpora.stories import generate_stories, stable_index
from speechbrain_xling.corpora.tts import (
    BENCHMARK_VOICE,
    TRAIN_VOICES,
    Utterance,
    synthesize,
)
from speechbrain_xling.corpora.zerospeech_benchmark import (
    build_lexical,
    build_syntactic,
    train_word_counts,
)
from speechbrain_xling.prepare.manifest import write_manifest
from speechbrain_xling.prepare.word_timings import word_timings_path, write_word_timings

logger = logging.getLogger(__name__)

# ~12k utterances (~7.2 h of speech), about 3 minutes of espeak-ng on 2 cores.
DEFAULT_NUM_TRAIN_STORIES = 1000
DEFAULT_NUM_VALID_STORIES = 50
DEFAULT_NUM_BENCH_ITEMS = 200
DEFAULT_NUM_ALIGNMENT_PAIRS = 200
# 3 to 5 questions a story, each in 4 language conditions: ~800 QA rows.
DEFAULT_NUM_QA_STORIES = 50
# The manifests' columns after prepare.manifest.REQUIRED_COLUMNS.
MANIFEST_EXTRA_COLUMNS = ("topic", "text", "phonemes")


class MiniCorpusPaths(NamedTuple):
    """Where :func:`build_mini_corpus` put its outputs."""

    train_manifest: Path
    valid_manifest: Path
    benchmark_root: Path
    train_qa_manifest: Path = None  # None: built without training QA


def story_voice(story_id, voices, seed):
    """The voice that reads a story (the same for both languages).

    Example
    -------
    >>> from speechbrain_xling.corpora.tts import Voice
    >>> voices = (Voice("f3"), Voice("m3"))
    >>> story_voice("train00001", voices, 0) in voices
    True
    """
    if not voices:
        raise ValueError("At least one voice is needed")
    return voices[stable_index(f"{seed}-{story_id}", len(voices))]


def synthesize_stories(
    stories,
    manifest_path,
    cache_dir,
    voices=TRAIN_VOICES,
    seed=0,
    num_workers=2,
    progress=True,
):
    """Synthesises every sentence of ``stories`` and writes their manifest.

    Arguments
    ---------
    stories : list of Story
        Stories to speak, in both languages.
    manifest_path : str or Path
        Output CSV (layout in the module docstring), written atomically.
    cache_dir : str or Path
        Audio cache folder.
    voices : sequence of Voice
        Voices drawn per story (:func:`story_voice`).
    seed : int
        Seed of the voice draw.
    num_workers : int
        Concurrent espeak-ng processes.
    progress : bool
        Show a progress bar.

    Returns
    -------
    list of dict
        The manifest rows.

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> rows = synthesize_stories(
    ...     generate_stories(1), folder / "train.csv", folder / "audio",
    ...     progress=False,
    ... )
    >>> num_sentences = len(generate_stories(1)[0].sentences["en"])
    >>> rows[0]["ID"], rows[num_sentences]["ID"], len(rows) == 2 * num_sentences
    ('train00000_en_0', 'train00000_fr_0', True)
    >>> from speechbrain_xling.prepare.word_timings import read_word_timings
    >>> timings = read_word_timings(folder / "train_words.jsonl")
    >>> " ".join(word.word for word in timings["train00000_en_0"]) == rows[0]["text"]
    True
    """
    entries = []
    for story in stories:
        voice = story_voice(story.story_id, voices, seed)
        for lang, sentences in story.sentences.items():
            for sent_idx, text in enumerate(sentences):
                utterance = Utterance(text, lang, voice)
                entries.append((f"{story.story_id}_{lang}_{sent_idx}", story, sent_idx, utterance))
    return _speak_manifest(entries, manifest_path, cache_dir, num_workers, progress)


def synthesize_training_qa(
    stories,
    manifest_path,
    cache_dir,
    voices=TRAIN_VOICES,
    seed=0,
    num_workers=2,
    progress=True,
):
    """Speaks the questions and answers about ``stories`` and writes their manifest.

    Layout: "Training QA" in the module docstring. Arguments as
    :func:`synthesize_stories` (the same voice per story).

    Returns
    -------
    list of dict
        The manifest rows.

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> rows = synthesize_training_qa(
    ...     generate_stories(1), folder / "train_qa.csv", folder / "audio", progress=False,
    ... )
    >>> [(row["ID"], row["sent_idx"]) for row in rows[:2]]
    [('train00000-who_en_q', 0), ('train00000-who_en_a', 1)]
    >>> rows[0]["text"].endswith("?"), rows[1]["text"].endswith(".")  # question, answer
    (True, True)
    """
    entries = []
    for story in stories:
        voice = story_voice(story.story_id, voices, seed)
        items = story_qa(story)
        kinds = list(dict.fromkeys(item.kind for item in items))
        for item in items:
            number = kinds.index(item.kind)
            for role, text in (("q", item.question), ("a", item.answer)):
                utterance = Utterance(text, item.lang, voice)
                utt_id = f"{item.item_id}_{item.lang}_{role}"
                entries.append((utt_id, story, 2 * number + (role == "a"), utterance))
    return _speak_manifest(entries, manifest_path, cache_dir, num_workers, progress)


def _speak_manifest(entries, manifest_path, cache_dir, num_workers, progress):
    """Synthesises ``(utt_id, story, sent_idx, Utterance)`` entries and writes
    their manifest and word timings (layout in the module docstring)."""
    manifest_dir = Path(manifest_path).resolve().parent
    synthesized = synthesize([entry[-1] for entry in entries], cache_dir, num_workers, progress)
    rows = [
        {
            "ID": utt_id,
            "story_id": story.story_id,
            "sent_idx": sent_idx,
            "lang": utterance.lang,
            "wav": Path(os.path.relpath(result.wav.resolve(), manifest_dir)).as_posix(),
            "duration": f"{result.duration:.3f}",
            "speaker": utterance.voice.speaker_id,
            "topic": story.topic,
            "text": utterance.text,
            "phonemes": result.phonemes,
        }
        for (utt_id, story, sent_idx, utterance), result in zip(entries, synthesized)
    ]
    write_manifest(rows, manifest_path, extra_columns=MANIFEST_EXTRA_COLUMNS)
    timed = [(row["ID"], result.words) for row, result in zip(rows, synthesized) if result.words]
    write_word_timings(timed, word_timings_path(manifest_path))
    if len(timed) < len(rows):
        logger.info(
            "%s: %d of %d utterances have no word timings (espeak-ng's word events did not "
            "match their text)",
            word_timings_path(manifest_path),
            len(rows) - len(timed),
            len(rows),
        )
    return rows


def build_benchmarks(
    benchmark_root,
    train_stories,
    speaker,
    num_items=DEFAULT_NUM_BENCH_ITEMS,
    num_alignment_pairs=DEFAULT_NUM_ALIGNMENT_PAIRS,
    num_qa_stories=DEFAULT_NUM_QA_STORIES,
    seed=0,
):
    """Builds every benchmark under ``benchmark_root`` (layout: module doc).

    Arguments
    ---------
    benchmark_root : str or Path
        Output folder.
    train_stories : list of Story
        The training stories: lexical items are words heard in them.
    speaker : BenchmarkSpeaker
        Speaks all benchmark audio (one voice, the shared audio cache).
    num_items : int
        Cloze items per task, condition and control (see
        :mod:`~speechbrain_xling.corpora.cloze_benchmark`), syntactic pairs
        per language, and the maximum number of lexical pairs per language
        (fewer when fewer words qualify).
    num_alignment_pairs : int
        Aligned EN-FR sentence pairs.
    num_qa_stories : int
        Benchmark stories asked about in the spoken QA (3 to 5 questions
        each, in four language conditions; see
        :mod:`~speechbrain_xling.corpora.qa_benchmark`).
    seed : int
        Seed of the benchmark stories and items.

    Returns
    -------
    dict
        Paths of ``cloze``, ``alignment``, ``lexical_{lang}``,
        ``syntactic_{lang}`` and ``qa`` CSV files.

    Example
    -------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> paths = build_benchmarks(
    ...     root / "bench", generate_stories(8),
    ...     BenchmarkSpeaker(root / "audio", progress=False),
    ...     num_items=2, num_alignment_pairs=4, num_qa_stories=1,
    ... )
    >>> paths["lexical_fr"].relative_to(root / "bench").as_posix()
    'zerospeech_fr/lexical/dev/gold.csv'
    >>> paths["qa"].relative_to(root / "bench").as_posix()
    'qa/qa.csv'
    """
    benchmark_root = Path(benchmark_root)
    paths = {
        "cloze": build_cloze(benchmark_root / "cloze", num_items, speaker, seed=seed),
        "alignment": build_alignment(
            benchmark_root / "alignment", speaker, num_alignment_pairs, seed=seed
        ),
    }
    for lang in LANGUAGES:
        zerospeech = benchmark_root / f"zerospeech_{lang}"
        paths[f"lexical_{lang}"] = build_lexical(
            zerospeech / "lexical" / "dev",
            lang,
            train_word_counts(train_stories, lang),
            speaker,
            num_items,
            seed=seed,
        )
        paths[f"syntactic_{lang}"] = build_syntactic(
            zerospeech / "syntactic" / "dev", lang, speaker, num_items, seed=seed
        )
    paths["qa"] = build_qa_benchmark(benchmark_root / "qa", num_qa_stories, speaker, seed=seed)
    logger.info("Benchmarks written under %s", benchmark_root)
    return paths


def build_mini_corpus(
    output_folder,
    num_train_stories=DEFAULT_NUM_TRAIN_STORIES,
    num_valid_stories=DEFAULT_NUM_VALID_STORIES,
    num_bench_items=DEFAULT_NUM_BENCH_ITEMS,
    num_alignment_pairs=DEFAULT_NUM_ALIGNMENT_PAIRS,
    num_qa_stories=DEFAULT_NUM_QA_STORIES,
    num_train_qa_stories=None,
    seed=0,
    num_workers=2,
    voices=TRAIN_VOICES,
    benchmark_voice=BENCHMARK_VOICE,
    progress=True,
):
    """Generates, speaks and writes the training corpus and the benchmarks.

    Arguments
    ---------
    output_folder : str or Path
        Output folder (layout in the module docstring).
    num_train_stories : int
        Training stories (each gives 4-8 EN + as many FR utterances).
    num_valid_stories : int
        Validation stories.
    num_bench_items : int
        Cloze items per task, condition and control, and lexical /
        syntactic pairs per language.
    num_alignment_pairs : int
        Aligned EN-FR sentence pairs.
    num_qa_stories : int
        Benchmark stories asked about in the spoken QA.
    num_train_qa_stories : int, optional
        Training stories asked about in ``train_qa.csv`` (the first ones;
        default: all of them; 0: no training QA).
    seed : int
        Seed of the stories, voices and benchmark items.
    num_workers : int
        Concurrent espeak-ng processes.
    voices : sequence of Voice
        Training voices (one per story, shared by its two languages).
    benchmark_voice : Voice
        The voice of all benchmark audio.
    progress : bool
        Show progress bars.

    Returns
    -------
    MiniCorpusPaths
        ``(train_manifest, valid_manifest, benchmark_root)``.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.prepare.manifest import read_manifest
    >>> paths = build_mini_corpus(
    ...     tempfile.mkdtemp(), num_train_stories=2, num_valid_stories=1,
    ...     num_bench_items=2, num_alignment_pairs=2, num_qa_stories=1,
    ...     progress=False,
    ... )
    >>> stories = generate_stories(2)
    >>> len(read_manifest(paths.train_manifest)) == 2 * sum(len(s.sentences["en"]) for s in stories)
    True
    >>> [(paths.benchmark_root / name).is_file() for name in ("cloze/cloze.csv", "qa/qa.csv")]
    [True, True]
    >>> paths.train_qa_manifest.name
    'train_qa.csv'

    """
    output_folder = Path(output_folder)
    start = time.time()
    stories = {
        "train": generate_stories(num_train_stories, "train", seed),
        "valid": generate_stories(num_valid_stories, "valid", seed),
    }
    for split, split_stories in stories.items():
        rows = synthesize_stories(
            split_stories,
            output_folder / f"{split}.csv",
            output_folder / "audio",
            voices=voices,
            seed=seed,
            num_workers=num_workers,
            progress=progress,
        )
        hours = sum(float(row["duration"]) for row in rows) / 3600
        logger.info(
            "%s: %d stories, %d utterances, %.2f h of speech",
            split,
            len(split_stories),
            len(rows),
            hours,
        )
    qa_stories = stories["train"][:num_train_qa_stories]
    if qa_stories:
        rows = synthesize_training_qa(
            qa_stories,
            output_folder / "train_qa.csv",
            output_folder / "audio",
            voices=voices,
            seed=seed,
            num_workers=num_workers,
            progress=progress,
        )
        logger.info(
            "train_qa: %d questions and answers about %d stories", len(rows), len(qa_stories)
        )
    build_benchmarks(
        output_folder / "benchmarks",
        stories["train"],
        BenchmarkSpeaker(output_folder / "audio", benchmark_voice, num_workers, progress),
        num_items=num_bench_items,
        num_alignment_pairs=num_alignment_pairs,
        num_qa_stories=num_qa_stories,
        seed=seed,
    )
    logger.info("Mini-corpus ready in %s (%.0f s)", output_folder, time.time() - start)
    return MiniCorpusPaths(
        output_folder / "train.csv",
        output_folder / "valid.csv",
        output_folder / "benchmarks",
        output_folder / "train_qa.csv" if qa_stories else None,
    )
