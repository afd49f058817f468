"""Aligned EN-FR sentence pairs, spoken, for the cross-lingual alignment metric.

Layout::

    <folder>/alignment.csv      one row per sentence pair
    <folder>/wavs/*.wav         the sentences (+ .json sidecars)

``alignment.csv`` has the columns :data:`ALIGNMENT_COLUMNS`: distinct EN-FR
sentence pairs (translations of each other) from ``benchmark``-split stories,
which never occur in training, with WAV paths relative to its folder; a
rebuild deletes the WAVs that it no longer lists.

Authors
 * speechbrain-xling authors 2026
"""

from pathlib import Path

from speechbrain_xling.corpora.benchmark_audio import place_audio
from speechbrain_xling.corpora.files import remove_unlisted, write_csv
from speechbrain_xling.corpora.lexicon import LANGUAGES
from speechbrain_xling.corpora.stories import generate_stories
from speechbrain_xling.eval.alignment import COLUMNS

# The layout the evaluation reads (one home: eval/alignment.py).
ALIGNMENT_COLUMNS = COLUMNS


def alignment_pairs(num_pairs, seed=0):
    """Distinct aligned EN-FR sentence pairs from benchmark stories.

    Example
    -------
    >>> pairs = alignment_pairs(12)
    >>> len(pairs), len({pair["en"] for pair in pairs})
    (12, 12)
    """
    pairs = {}
    num_stories = num_pairs
    while len(pairs) < num_pairs:
        pairs = {}
        for story in generate_stories(num_stories, "benchmark", seed):
            for en, fr in zip(story.sentences["en"], story.sentences["fr"]):
                pairs.setdefault(en, fr)
        num_stories *= 2
    return [{"en": en, "fr": fr} for en, fr in list(pairs.items())[:num_pairs]]


def build_alignment(folder, speaker, num_pairs=200, seed=0):
    """Builds ``folder/alignment.csv`` and its WAVs.

    Arguments
    ---------
    folder : str or Path
        Output folder.
    speaker : BenchmarkSpeaker
        Speaks the sentences (voice, audio cache, espeak-ng workers).
    num_pairs : int
        Number of aligned sentence pairs.
    seed : int
        Seed of the benchmark stories the pairs come from.

    Returns
    -------
    Path
        The CSV file, whose WAV paths are relative to ``folder``.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
    >>> from speechbrain_xling.corpora.files import read_csv
    >>> folder = Path(tempfile.mkdtemp()) / "alignment"
    >>> speaker = BenchmarkSpeaker(folder.parent / "audio", progress=False)
    >>> row, = read_csv(build_alignment(folder, speaker, num_pairs=1))
    >>> row["fr_text"] == generate_stories(1, "benchmark")[0].sentences["fr"][0]
    True
    """
    folder = Path(folder)
    pairs = alignment_pairs(num_pairs, seed)
    audio = speaker.speak([(pair[lang], lang) for pair in pairs for lang in LANGUAGES])
    rows = []
    for pair_id, pair in enumerate(pairs):
        row = {"pair_id": pair_id}
        for lang in LANGUAGES:
            source = audio[pair[lang], lang]
            place_audio(source, folder / "wavs" / source.wav.name)
            row[f"{lang}_wav"] = f"wavs/{source.wav.name}"
            row[f"{lang}_text"] = pair[lang]
        rows.append(row)
    remove_unlisted(
        folder / "wavs",
        {Path(row[f"{lang}_wav"]).name for row in rows for lang in LANGUAGES},
    )
    write_csv(folder / "alignment.csv", ALIGNMENT_COLUMNS, rows)
    return folder / "alignment.csv"
