"""Manifests from a folder of audio files and a metadata table.

Input contract: a metadata file listing one utterance per row, either

* a UTF-8 CSV (header line) or JSON Lines file (one object per line) with a
  ``wav`` column: the audio path, relative to the metadata file's folder or
  absolute; or
* a Hugging Face ``datasets`` folder written by ``save_to_disk`` with an
  ``audio`` column (an ``Audio`` feature, whose bytes are written to
  ``audio_folder``, or a path string). Needs the optional ``datasets``
  package.

Optional columns: ``ID``, ``story_id``, ``sent_idx``, ``lang``, ``speaker``,
``duration`` (seconds; read from the audio header when absent) and any
others (``text``, ``topic``, ...), which are copied to the manifest. Callers
choose which of the optional columns are required and give defaults for the
rest.

Authors
 * speechbrain-xling authors 2026
"""

import csv
import json
import os
from pathlib import Path

from speechbrain.utils.logger import get_logger

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.audio import AudioError, audio_duration
from speechbrain_xling.prepare.manifest import (
    REQUIRED_COLUMNS,
    ManifestError,
    input_signature,
    mark_prepared,
    prepared_summary,
    write_manifest,
)
from speechbrain_xling.text_files import open_text

logger = get_logger(__name__)


def _read_table(path):
    """Rows of a UTF-8 CSV or JSON Lines file, each with its ``line`` number."""
    rows = []
    with open_text(path) as lines:
        if path.suffix == ".jsonl":
            for number, text in enumerate(lines, start=1):
                if text.strip():
                    try:
                        row = json.loads(text)
                    except json.JSONDecodeError as error:
                        raise ManifestError(f"{path} line {number}: {error}") from error
                    rows.append({**row, "line": number})
        else:
            reader = csv.DictReader(lines)
            for row in reader:
                rows.append({**row, "line": reader.line_num})
    return rows


def _read_hf_dataset(path, audio_folder):
    """Rows of a ``save_to_disk`` dataset; embedded audio goes to ``audio_folder``."""
    try:
        import datasets
    except ImportError as error:
        raise ImportError(
            f"{path} is a folder: reading a Hugging Face dataset saved with "
            "save_to_disk needs the optional `datasets` package "
            "(pip install datasets), or export it to CSV/JSON Lines"
        ) from error
    dataset = datasets.load_from_disk(str(path))
    if "audio" not in dataset.column_names:
        raise ManifestError(f"{path}: the dataset has no 'audio' column")
    if isinstance(dataset.features["audio"], datasets.Audio):
        dataset = dataset.cast_column("audio", datasets.Audio(decode=False))
    rows = []
    for number, row in enumerate(dataset):
        audio = row.pop("audio")
        if isinstance(audio, dict) and audio.get("bytes"):
            suffix = Path(audio.get("path") or "a.wav").suffix or ".wav"
            wav = Path(audio_folder) / f"{number:08d}{suffix}"
            if not wav.exists():
                with atomic_path(wav) as tmp_path:
                    tmp_path.write_bytes(audio["bytes"])
        else:
            wav = audio["path"] if isinstance(audio, dict) else audio
        rows.append({**row, "wav": str(wav), "line": number + 1})
    return rows


def read_metadata(metadata, required=(), defaults=None, audio_folder=None):
    """Reads a metadata table (see the module docstring) into manifest rows.

    Arguments
    ---------
    metadata : str or Path
        CSV, ``.jsonl`` file, or ``save_to_disk`` dataset folder.
    required : sequence of str
        Optional columns that must be present in this corpus.
    defaults : dict, optional
        Column -> default value, or callable ``row -> value``, for columns
        the metadata may lack (``ID``, ``story_id``, ``sent_idx``, ``lang``,
        ``speaker``). ``duration`` is always read from the audio if absent.
    audio_folder : str or Path, optional
        Where audio embedded in a dataset folder is written (default: a
        folder ``audio`` next to the dataset).

    Returns
    -------
    list of dict
        Rows with every manifest column (``sent_idx`` int, ``duration``
        float, ``wav`` absolute), the extra columns and ``line``.

    Example
    -------
    >>> import tempfile, pathlib, numpy, soundfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> soundfile.write(folder / "a.wav", numpy.zeros(8000), 16000)
    >>> _ = (folder / "meta.csv").write_text("wav,text\\na.wav,Hello.\\n")
    >>> row = read_metadata(folder / "meta.csv", defaults={
    ...     "ID": lambda r: "utt_a", "story_id": "s0", "sent_idx": 0,
    ...     "lang": "en", "speaker": ""})[0]
    >>> row["ID"], row["duration"], row["text"]
    ('utt_a', 0.5, 'Hello.')
    """
    metadata = Path(metadata)
    folder = metadata.resolve().parent
    if metadata.is_dir():
        rows = _read_hf_dataset(metadata, audio_folder or folder / "audio")
    elif metadata.is_file():
        rows = _read_table(metadata)
    else:
        raise ManifestError(f"metadata {metadata} not found")
    if not rows:
        raise ManifestError(f"{metadata}: no rows")
    defaults = dict(defaults or {})
    for row in rows:
        where = f"{metadata} line {row['line']}"
        missing = [c for c in ("wav", *required) if row.get(c) in (None, "")]
        if missing:
            raise ManifestError(f"{where}: missing value(s) for {missing}")
        row["wav"] = str(folder / row["wav"])
        for column, default in defaults.items():
            if row.get(column) in (None, ""):
                row[column] = default(row) if callable(default) else default
        absent = [c for c in REQUIRED_COLUMNS if c != "duration" and c not in row]
        if absent:
            raise ManifestError(f"{where}: no value or default for {absent}")
        has_duration = row.get("duration") not in (None, "")
        if row.get("start") not in (None, "") and not has_duration:
            raise ManifestError(f"{where}: a row with a start needs a duration")
        try:
            row["sent_idx"] = int(row["sent_idx"])
            row["duration"] = float(row["duration"]) if has_duration else audio_duration(row["wav"])
        except AudioError as error:
            raise AudioError(error.path, error.reason, error.detail, context=where) from error
        except ValueError as error:
            raise ManifestError(f"{where}: {error}") from error
    return rows


def extra_columns(rows):
    """Columns of ``rows`` beyond the manifest's own (in first-seen order).

    Example
    -------
    >>> extra_columns([{"ID": "a", "text": "Hi.", "line": 2}, {"ID": "b", "topic": "sea"}])
    ['text', 'topic']
    """
    seen = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return [c for c in seen if c not in REQUIRED_COLUMNS and c != "line"]


def prepare_folder(metadata, manifest_path, lang, story_id_from_id=True):
    """Manifest of a folder of audio files listed in a metadata table.

    Each row's ``ID`` defaults to its audio path without suffix (``/``
    replaced by ``_``), ``story_id`` to the ID (each utterance its own story)
    when ``story_id_from_id``, ``sent_idx`` to 0, ``lang`` to ``lang`` and
    ``speaker`` to empty. Skipped if the manifest was already made from the
    same metadata with the same options.

    Arguments
    ---------
    metadata : str or Path
        The metadata table (module docstring).
    manifest_path : str or Path
        Output manifest CSV.
    lang : str
        Language of rows without a ``lang`` value.
    story_id_from_id : bool
        If False, every row must have a ``story_id``.

    Returns
    -------
    dict
        Summary: ``{"manifest": path, "rows": n}``.

    Example
    -------
    >>> import tempfile, pathlib, numpy, soundfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> soundfile.write(folder / "a.wav", numpy.zeros(8000), 16000)
    >>> _ = (folder / "meta.csv").write_text("wav\\na.wav\\n")
    >>> prepare_folder(folder / "meta.csv", folder / "m.csv", lang="fr")["rows"]
    1
    >>> print((folder / "m.csv").read_text().splitlines()[1].split(",")[:4])
    ['a', 'a', '0', 'fr']
    """
    options = {
        "metadata": input_signature(metadata),
        "lang": lang,
        "story_id_from_id": story_id_from_id,
    }
    summary = prepared_summary(manifest_path, options)
    if summary is not None:
        logger.info(f"{manifest_path} is up to date; skipping preparation")
        return summary
    folder = Path(metadata).resolve().parent

    def default_id(row):
        relative = os.path.relpath(Path(row["wav"]).with_suffix(""), folder)
        return relative.replace(os.sep, "_")

    defaults = {"ID": default_id, "sent_idx": 0, "lang": lang, "speaker": ""}
    if story_id_from_id:
        defaults["story_id"] = lambda row: row["ID"]
    rows = read_metadata(metadata, defaults=defaults)
    write_manifest(rows, manifest_path, extra_columns=extra_columns(rows))
    summary = {"manifest": str(manifest_path), "rows": len(rows)}
    mark_prepared(manifest_path, options, summary)
    return summary
