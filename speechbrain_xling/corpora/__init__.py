"""Offline bilingual (EN-FR) spoken mini-corpus: stories, espeak-ng, benchmarks.

See :mod:`speechbrain_xling.corpora.mini_corpus` for the one-call build and
``python -m speechbrain_xling.corpora --help`` for the command line. The
modules, one job each::

    mini_corpus.py            assembles the output folder: manifests, benchmarks
    lexicon.py                EN-FR word tables (topics, genders, colours)
    templates.py              sentence templates: 13 events, reactions, fillers
    stories.py                deterministic compositional story generator (4-8 sentences)
    tts.py                    espeak-ng synthesis, cached by content
    espeak_library.py         word timings from espeak-ng's C library (word events)
    benchmark_audio.py        benchmark voice, cached speech, placed WAV files
    cloze_benchmark.py        spoken StoryCloze / TopicCloze (cloze.csv)
    zerospeech_benchmark.py   sWUGGY-like lexical, sBLiMP-like syntactic tests
    alignment_benchmark.py    aligned EN-FR sentence pairs (alignment.csv)
    qa.py                     questions about a story, answers and wrong answers (text)
    qa_benchmark.py           spoken QA about benchmark stories (qa.csv)
    files.py                  CSV, WAV and link helpers (atomic writes)
"""

from speechbrain_xling.corpora.mini_corpus import (
    MiniCorpusPaths,
    build_mini_corpus,
)

__all__ = ["MiniCorpusPaths", "build_mini_corpus"]
