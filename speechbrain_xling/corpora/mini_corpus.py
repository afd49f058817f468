"""One call that builds the offline bilingual spoken mini-corpus.

Layout of the output folder::

    <output>/train.csv       training manifest (stories of the train split)
    <output>/valid.csv       validation manifest (valid split, same voices)
    <output>/audio/          espeak-ng cache shared by everything (tts module)
    <output>/benchmarks/     benchmark root (benchmarks module)

The manifests have the columns of
:data:`speechbrain_xling.corpora.tts.MANIFEST_COLUMNS`, with ``wav`` relative
to the manifest's folder (read them with
:func:`speechbrain_xling.corpora.tts.read_manifest`). Train, valid and
benchmark stories come from disjoint (character, object, place)
combinations. Every output is cached or content-addressed and written
atomically, so re-running the build (e.g. after a kill) only does the work
that is missing.

Authors
 * speechbrain-xling authors 2026
"""

import logging
import time
from pathlib import Path
from typing import NamedTuple

from speechbrain_xling.corpora.benchmarks import build_benchmarks
from speechbrain_xling.corpora.stories import generate_stories
from speechbrain_xling.corpora.tts import (
    BENCHMARK_VOICE,
    TRAIN_VOICES,
    synthesize_stories,
)

logger = logging.getLogger(__name__)

# ~10k utterances (~7 h of speech), about 3 minutes of espeak-ng on 2 cores.
DEFAULT_NUM_TRAIN_STORIES = 1000
DEFAULT_NUM_VALID_STORIES = 50
DEFAULT_NUM_BENCH_ITEMS = 200
DEFAULT_NUM_ALIGNMENT_PAIRS = 200


class MiniCorpusPaths(NamedTuple):
    """Where :func:`build_mini_corpus` put its outputs."""

    train_manifest: Path
    valid_manifest: Path
    benchmark_root: Path


def build_mini_corpus(
    output_folder,
    num_train_stories=DEFAULT_NUM_TRAIN_STORIES,
    num_valid_stories=DEFAULT_NUM_VALID_STORIES,
    num_bench_items=DEFAULT_NUM_BENCH_ITEMS,
    num_alignment_pairs=DEFAULT_NUM_ALIGNMENT_PAIRS,
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
        Training stories (each gives 5 EN + 5 FR utterances).
    num_valid_stories : int
        Validation stories.
    num_bench_items : int
        Cloze stories, and lexical / syntactic pairs per language.
    num_alignment_pairs : int
        Aligned EN-FR sentence pairs.
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
    >>> from speechbrain_xling.corpora.tts import read_manifest
    >>> paths = build_mini_corpus(
    ...     tempfile.mkdtemp(), num_train_stories=2, num_valid_stories=1,
    ...     num_bench_items=2, num_alignment_pairs=2, progress=False,
    ... )
    >>> len(read_manifest(paths.train_manifest))
    20
    >>> (paths.benchmark_root / "cloze" / "cloze.csv").exists()
    True
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
    build_benchmarks(
        output_folder / "benchmarks",
        output_folder / "audio",
        stories["train"],
        num_items=num_bench_items,
        num_alignment_pairs=num_alignment_pairs,
        seed=seed,
        voice=benchmark_voice,
        num_workers=num_workers,
        progress=progress,
    )
    logger.info("Mini-corpus ready in %s (%.0f s)", output_folder, time.time() - start)
    return MiniCorpusPaths(
        output_folder / "train.csv",
        output_folder / "valid.csv",
        output_folder / "benchmarks",
    )
