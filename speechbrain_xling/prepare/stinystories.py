"""Manifest of a sentence-aligned multilingual corpus (EN-FR sTinyStories).

Input contract: one audio file per sentence and a metadata table (CSV, JSON
Lines or ``save_to_disk`` dataset folder; see
:mod:`speechbrain_xling.prepare.folder`) with, per row, ``story_id``,
``sent_idx`` (position of the sentence in its story), ``lang``, ``speaker``
and the audio path (``wav``; ``audio`` in a dataset folder); optional ``ID``
(default ``<story_id>_<lang>_<sent_idx>``), ``duration`` (else read from the
audio header) and any extra columns (``text``, ``topic``...), which are kept.

Alignment check: in every story, each language of ``languages`` must have
the same sentence indices. A story that does not is an error naming the
story and its sentence counts per language, or, with
``on_mismatch="skip"``, is left out and counted in the summary. A row in a
language outside ``languages`` or a repeated ``(story_id, lang, sent_idx)``
is always an error.

Authors
 * speechbrain-xling authors 2026
"""

import collections

from speechbrain.utils.logger import get_logger

from speechbrain_xling.prepare.folder import extra_columns, read_metadata
from speechbrain_xling.prepare.manifest import (
    ManifestError,
    input_signature,
    mark_prepared,
    prepared_summary,
    write_manifest,
)

logger = get_logger(__name__)


def _misaligned_stories(rows, languages):
    """Story -> ``{lang: sentence count}`` for stories whose languages differ."""
    indices = collections.defaultdict(lambda: {lang: set() for lang in languages})
    for row in rows:
        indices[row["story_id"]][row["lang"]].add(row["sent_idx"])
    return {
        story: {lang: len(found) for lang, found in per_lang.items()}
        for story, per_lang in indices.items()
        if len({frozenset(found) for found in per_lang.values()}) > 1
    }


def prepare_stinystories(metadata, manifest_path, languages=("en", "fr"), on_mismatch="error"):
    """Checks a sentence-aligned corpus and writes its manifest.

    Skipped if the manifest was already made from the same metadata with
    the same options.

    Arguments
    ---------
    metadata : str or Path
        The metadata table (module docstring).
    manifest_path : str or Path
        Output manifest CSV.
    languages : sequence of str
        The aligned languages; every story must have all of them.
    on_mismatch : str
        ``"error"`` or ``"skip"`` for stories whose languages have different
        sentences.

    Returns
    -------
    dict
        Summary: manifest path, rows, stories, and the skipped stories with
        their sentence counts per language.

    Example
    -------
    >>> import tempfile, pathlib, numpy, soundfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> lines = ["story_id,sent_idx,lang,speaker,wav"]
    >>> for lang in ("en", "fr"):
    ...     for j in range(2):
    ...         soundfile.write(folder / f"{lang}{j}.wav", numpy.zeros(1600), 16000)
    ...         lines.append(f"s0,{j},{lang},v1,{lang}{j}.wav")
    >>> lines.append("s1,0,en,v1,en0.wav")
    >>> _ = (folder / "meta.csv").write_text("\\n".join(lines) + "\\n")
    >>> summary = prepare_stinystories(folder / "meta.csv", folder / "m.csv",
    ...                                on_mismatch="skip")
    >>> summary["rows"], summary["skipped_stories"]
    (4, {'s1': {'en': 1, 'fr': 0}})
    """
    if on_mismatch not in ("error", "skip"):
        raise ValueError(f"on_mismatch must be 'error' or 'skip', got {on_mismatch!r}")
    languages = list(languages)
    options = {
        "metadata": input_signature(metadata),
        "languages": languages,
        "on_mismatch": on_mismatch,
    }
    summary = prepared_summary(manifest_path, options)
    if summary is not None:
        logger.info(f"{manifest_path} is up to date; skipping preparation")
        return summary
    rows = read_metadata(
        metadata,
        required=("story_id", "sent_idx", "lang", "speaker"),
        defaults={"ID": lambda r: f"{r['story_id']}_{r['lang']}_{r['sent_idx']}"},
    )
    first_line = {}
    for row in rows:
        where = f"{metadata} line {row['line']}"
        if row["lang"] not in languages:
            raise ManifestError(f"{where}: language {row['lang']!r} is not one of {languages}")
        key = (row["story_id"], row["lang"], row["sent_idx"])
        if key in first_line:
            raise ManifestError(
                f"{where}: story {key[0]!r} has a second {key[1]} sentence "
                f"{key[2]} (first on line {first_line[key]})"
            )
        first_line[key] = row["line"]
    misaligned = _misaligned_stories(rows, languages)
    if misaligned and on_mismatch == "error":
        listed = "; ".join(
            f"story {story!r}: {counts}" for story, counts in list(misaligned.items())[:10]
        )
        raise ManifestError(
            f"{metadata}: {len(misaligned)} stories do not have the same "
            f"sentences in every language (sentence counts per language): "
            f"{listed}; fix the corpus or use on_mismatch='skip'"
        )
    if misaligned:
        logger.warning(
            f"{metadata}: skipping {len(misaligned)} misaligned stories "
            f"(e.g. {list(misaligned.items())[:3]})"
        )
    rows = [row for row in rows if row["story_id"] not in misaligned]
    if not rows:
        raise ManifestError(f"{metadata}: no aligned story left")
    write_manifest(rows, manifest_path, extra_columns=extra_columns(rows))
    summary = {
        "manifest": str(manifest_path),
        "rows": len(rows),
        "stories": len({row["story_id"] for row in rows}),
        "skipped_stories": misaligned,
    }
    mark_prepared(manifest_path, options, summary)
    return summary
