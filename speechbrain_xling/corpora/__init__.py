"""Offline bilingual (EN-FR) spoken mini-corpus: stories, espeak-ng, benchmarks.

See :mod:`speechbrain_xling.corpora.mini_corpus` for the one-call build and
``python -m speechbrain_xling.corpora --help`` for the command line.
"""

from speechbrain_xling.corpora.mini_corpus import (
    MiniCorpusPaths,
    build_mini_corpus,
)

__all__ = ["MiniCorpusPaths", "build_mini_corpus"]
