"""Utterance manifests: one CSV row per sentence utterance.

A manifest is a SpeechBrain-style UTF-8 CSV (a BOM is allowed; another
encoding is an error naming the line, see :mod:`speechbrain_xling.text_files`)
whose first column is ``ID``. Required columns (:data:`REQUIRED_COLUMNS`)::

    ID,story_id,sent_idx,lang,wav,duration,speaker

``wav`` is an absolute path or a path relative to the CSV's folder;
``duration`` is in seconds. An optional ``start`` column (seconds) makes the
row a segment ``[start, start + duration)`` of ``wav`` (used for LibriHeavy,
whose utterances are cut out of chapter-long recordings without copying the
audio). Other columns (``topic``, ``text``, ``phonemes``, ...) are kept as
strings and ignored by the tokenisers.

Authors
 * speechbrain-xling authors 2026
"""

import csv
import hashlib
import json
import os
from pathlib import Path

from speechbrain_xling.atomic import atomic_path, write_json_atomically
from speechbrain_xling.text_files import open_text

REQUIRED_COLUMNS = ("ID", "story_id", "sent_idx", "lang", "wav", "duration", "speaker")


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file and line."""


def file_sha256(path):
    """SHA-256 hex digest of a file's bytes.

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_text("abc")
    >>> file_sha256(path)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _number(row, column, kind, where):
    try:
        return kind(row[column])
    except (TypeError, ValueError):
        raise ManifestError(
            f"{where}: column {column!r} must be {kind.__name__}, got {row[column]!r}"
        ) from None


def read_manifest(path):
    """Reads and checks a manifest; returns one dict per row.

    Each dict holds every column of the CSV as a string, except ``sent_idx``
    (int), ``duration`` and ``start`` (float; ``start`` is None when the
    column is absent or empty), ``wav`` (resolved to an absolute path) and
    the added key ``line`` (the row's line number in the file, header = 1).

    Arguments
    ---------
    path : str or Path
        The CSV file.

    Returns
    -------
    list of dict

    Raises
    ------
    ManifestError
        Missing file or columns, no rows, a duplicate ``ID`` (naming all its
        lines), a non-numeric or negative number, an empty ``lang``.
    speechbrain_xling.text_files.NotUTF8Error
        The file is not UTF-8 (naming the line).

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "m.csv").write_text(
    ...     "ID,story_id,sent_idx,lang,wav,duration,speaker\\n"
    ...     "s1_en_0,s1,0,en,audio/a.wav,1.5,spk1\\n")
    >>> rows = read_manifest(folder / "m.csv")
    >>> rows[0]["wav"] == str(folder / "audio" / "a.wav"), rows[0]["line"]
    (True, 2)
    """
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"manifest {path} not found")
    folder = path.resolve().parent
    with open_text(path) as lines:
        reader = csv.DictReader(lines)
        columns = reader.fieldnames or []
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise ManifestError(
                f"{path}: missing column(s) {missing}; a manifest needs "
                f"{list(REQUIRED_COLUMNS)} (found {columns})"
            )
        rows, lines_of_id = [], {}
        for row in reader:
            where = f"{path} line {reader.line_num} (ID {row['ID']!r})"
            if None in row or None in row.values():
                raise ManifestError(f"{where}: wrong number of fields")
            row["line"] = reader.line_num
            row["sent_idx"] = _number(row, "sent_idx", int, where)
            row["duration"] = _number(row, "duration", float, where)
            row["start"] = _number(row, "start", float, where) if row.get("start") else None
            if row["duration"] < 0 or (row["start"] or 0.0) < 0:
                raise ManifestError(f"{where}: negative duration or start")
            if not row["lang"]:
                raise ManifestError(f"{where}: empty lang")
            if not row["wav"]:
                raise ManifestError(f"{where}: empty wav path")
            row["wav"] = os.path.join(folder, row["wav"])
            lines_of_id.setdefault(row["ID"], []).append(reader.line_num)
            rows.append(row)
    if not rows:
        raise ManifestError(f"{path}: the manifest has no rows")
    duplicates = {i: lines for i, lines in lines_of_id.items() if len(lines) > 1}
    if duplicates:
        listed = "; ".join(
            f"{utt!r} on lines {lines}" for utt, lines in list(duplicates.items())[:10]
        )
        raise ManifestError(f"{path}: {len(duplicates)} duplicate ID(s): {listed}")
    return rows


def audio_segment(row):
    """``(start, duration)`` of a row's audio for :class:`AudioReader`.

    A row with a ``start`` is the segment ``[start, start + duration)`` of
    its file; a row without one is the whole file (``duration`` is then
    only used to sort and batch).

    Example
    -------
    >>> audio_segment({"start": 2.0, "duration": 1.5})
    (2.0, 1.5)
    >>> audio_segment({"start": None, "duration": 1.5})
    (0.0, None)
    """
    if row["start"] is None:
        return 0.0, None
    return row["start"], row["duration"]


def write_manifest(rows, path, extra_columns=()):
    """Writes rows (dicts) as a manifest CSV, atomically.

    Arguments
    ---------
    rows : list of dict
        Each with at least the :data:`REQUIRED_COLUMNS` keys.
    path : str or Path
        Output CSV; its folder is created if needed.
    extra_columns : sequence of str
        Further columns to write after the required ones (missing keys are
        written empty).

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> write_manifest([dict(ID="a", story_id="s", sent_idx=0, lang="en",
    ...     wav="/x/a.wav", duration=1.0, speaker="v1", text="Hi.")], path,
    ...     extra_columns=["text"])
    >>> print(path.read_text().strip())
    ID,story_id,sent_idx,lang,wav,duration,speaker,text
    a,s,0,en,/x/a.wav,1.0,v1,Hi.
    """
    columns = list(REQUIRED_COLUMNS) + [c for c in extra_columns if c not in REQUIRED_COLUMNS]
    with atomic_path(path) as tmp_path, open(tmp_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", restval="")
        writer.writeheader()
        writer.writerows(rows)


def _marker_path(manifest_path):
    manifest_path = Path(manifest_path)
    return manifest_path.with_name(f"{manifest_path.name}.done.json")


def input_signature(path):
    """Identifies an input file or folder cheaply: path, size, modification time.

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_text("x")
    >>> input_signature(path)["size"]
    1
    """
    stat = os.stat(path)
    return {
        "path": str(Path(path).resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def prepared_summary(manifest_path, options):
    """The summary of an earlier preparation with the same ``options``, or None.

    A preparation counts as done when the done-marker written by
    :func:`mark_prepared` exists with the same options and the manifest is
    unchanged since (SHA-256).

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> prepared_summary(path, {"a": 1}) is None
    True
    >>> _ = path.write_text("ID\\n")
    >>> mark_prepared(path, {"a": 1}, {"rows": 0})
    >>> prepared_summary(path, {"a": 1}), prepared_summary(path, {"a": 2})
    ({'rows': 0}, None)
    """
    marker = _marker_path(manifest_path)
    if not (marker.exists() and Path(manifest_path).exists()):
        return None
    with open(marker, encoding="utf-8") as handle:
        done = json.load(handle)
    if done.get("options") != json.loads(json.dumps(options)):
        return None
    if done.get("manifest_sha256") != file_sha256(manifest_path):
        return None
    return done["summary"]


def mark_prepared(manifest_path, options, summary):
    """Writes the done-marker of a finished preparation (see
    :func:`prepared_summary`), with its JSON-serialisable ``summary``."""
    write_json_atomically(
        {
            "options": options,
            "manifest_sha256": file_sha256(manifest_path),
            "summary": summary,
        },
        _marker_path(manifest_path),
    )
