"""Utterance manifests: one CSV row per sentence utterance.

A manifest is a SpeechBrain-style UTF-8 CSV (a BOM is allowed; another
encoding is an error naming the line, see :mod:`speechbrain_xling.text_files`)
whose first column is ``ID``. :func:`read_manifest` reads two formats, told
apart by the header (:func:`manifest_format`):

**Story manifests** (``"story"``; what this package's preparations write)
have the columns :data:`REQUIRED_COLUMNS`::

    ID,story_id,sent_idx,lang,wav,duration,speaker

Sentence ``sent_idx`` of story ``story_id`` in language ``lang``: the rows
of a story in two languages with the same indices are translations of each
other, which is what cross-lingual interleaving needs.

**SpeechBrain manifests** (``"speechbrain"``; the CSVs of SpeechBrain's own
preparations, e.g. ``librispeech_prepare.py`` or CommonVoice's
``common_voice_prepare.py``) have the columns :data:`SPEECHBRAIN_COLUMNS`
and none of ``story_id``, ``sent_idx``, ``speaker``::

    ID,duration,wav,spk_id,wrd

They are monolingual material: each row becomes its own one-sentence story
(``story_id`` = ``ID``, ``sent_idx`` = 0), ``speaker`` is ``spk_id`` and
``text`` is ``wrd`` (when there is no ``text`` column). The language comes
from a ``lang`` column if there is one, else from the ``lang`` argument of
:func:`read_manifest` (required then). Such rows can be trained on as
monolingual documents but never interleave: no story has a second language
(IDs are unique), so an interleaving stage refuses them as unaligned.

In both formats ``wav`` is an absolute path or a path relative to the CSV's
folder and may hold SpeechBrain's ``$data_root`` placeholder, replaced by
the ``data_root`` argument (any other ``$variable`` left in a path is an
error naming the line); ``duration`` is in seconds. An optional ``start``
column (seconds) makes the row a segment ``[start, start + duration)`` of
``wav`` (used for LibriHeavy, whose utterances are cut out of chapter-long
recordings without copying the audio). A SpeechBrain manifest with a
``stop`` column is refused: SpeechBrain's ``start``/``stop`` count samples.
Other columns (``topic``, ``text``, ``phonemes``, ``wrd``, ...) are kept as
strings and ignored by the tokenisers.

Authors
 * speechbrain-xling authors 2026
"""

import csv
import json
import os
import re
from pathlib import Path

from speechbrain_xling.atomic import atomic_path, write_json_atomically
from speechbrain_xling.hashing import file_sha256
from speechbrain_xling.text_files import open_text

REQUIRED_COLUMNS = ("ID", "story_id", "sent_idx", "lang", "wav", "duration", "speaker")
SPEECHBRAIN_COLUMNS = ("ID", "duration", "wav", "spk_id")
# Columns that only story manifests have: any of them makes a header a story one.
_STORY_ONLY_COLUMNS = ("story_id", "sent_idx", "speaker")
# SpeechBrain's placeholder syntax (speechbrain.dataio.dataio.load_data_csv).
_VARIABLE = re.compile(r"\$([\w.]+)")


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file and line."""


def _number(row, column, kind, where):
    try:
        return kind(row[column])
    except (TypeError, ValueError):
        raise ManifestError(
            f"{where}: column {column!r} must be {kind.__name__}, got {row[column]!r}"
        ) from None


def manifest_format(columns, source="manifest"):
    """The format of a manifest header: ``"story"`` or ``"speechbrain"``.

    A header with any of ``story_id``, ``sent_idx``, ``speaker`` is a story
    manifest and needs all of :data:`REQUIRED_COLUMNS`; any other header is
    a SpeechBrain manifest and needs :data:`SPEECHBRAIN_COLUMNS`.

    Arguments
    ---------
    columns : list of str
        The header's column names.
    source : str or Path
        Names the file in the error message.

    Returns
    -------
    str

    Raises
    ------
    ManifestError
        The header lacks columns of its format (both formats are listed).

    Example
    -------
    >>> manifest_format(["ID", "duration", "wav", "spk_id", "wrd"])
    'speechbrain'
    >>> manifest_format(list(REQUIRED_COLUMNS) + ["text"])
    'story'
    >>> manifest_format(["ID", "wav", "speaker"], "m.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_xling.prepare.manifest.ManifestError: m.csv: missing column(s) ...
    """
    if any(name in columns for name in _STORY_ONLY_COLUMNS):
        kind, needed = "story", REQUIRED_COLUMNS
    else:
        kind, needed = "speechbrain", SPEECHBRAIN_COLUMNS
    missing = [name for name in needed if name not in columns]
    if missing:
        raise ManifestError(
            f"{source}: missing column(s) {missing} of a {kind} manifest (found "
            f"{list(columns)}); a manifest is either a story manifest with "
            f"{list(REQUIRED_COLUMNS)} or a SpeechBrain one with "
            f"{list(SPEECHBRAIN_COLUMNS)} (+ wrd, optional lang) and none of "
            f"{list(_STORY_ONLY_COLUMNS)}"
        )
    return kind


def _replace_variables(value, data_root, where):
    """``value`` with ``$data_root`` replaced; any other (or an unreplaced)
    ``$variable`` is an error naming ``where``."""

    def replace(match):
        if match[1] == "data_root" and data_root is not None:
            return data_root
        hint = (
            "only $data_root is replaced"
            if data_root is not None
            else "give data_root (tokenize_units.py: --data_root=<folder>)"
        )
        raise ManifestError(
            f"{where}: wav {value!r} holds ${match[1]}, which is not replaced; {hint}"
        )

    return _VARIABLE.sub(replace, value)


def read_manifest(path, lang=None, data_root=None):
    """Reads and checks a manifest of either format; returns one dict per row.

    Each dict holds every column of the CSV as a string, except ``sent_idx``
    (int), ``duration`` and ``start`` (float; ``start`` is None when the
    column is absent or empty), ``wav`` (placeholders replaced, resolved to
    an absolute path) and the added key ``line`` (the row's line number in
    the file, header = 1). Rows of a SpeechBrain manifest also get
    ``story_id`` (= ``ID``), ``sent_idx`` (0), ``speaker`` (= ``spk_id``),
    ``lang`` and ``text`` (= ``wrd``, unless there is a ``text`` column).
    Fields may follow their comma with spaces, as SpeechBrain allows.

    Arguments
    ---------
    path : str or Path
        The CSV file.
    lang : str, optional
        The language of a manifest without a ``lang`` column (a SpeechBrain
        manifest); required for one. With a ``lang`` column, a check: every
        row must be in this language.
    data_root : str or Path, optional
        Replaces ``$data_root`` in ``wav`` (SpeechBrain's convention; a
        relative folder is taken from the working directory).

    Returns
    -------
    list of dict

    Raises
    ------
    ManifestError
        Missing file or columns, no rows, a duplicate ``ID`` (naming all its
        lines), a non-numeric or negative number, an empty ``lang``, no
        ``lang`` column and no ``lang`` argument, a row in another language
        than ``lang``, a ``$variable`` left in a ``wav`` path.
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

    A SpeechBrain (e.g. CommonVoice) manifest, its language given:

    >>> _ = (folder / "cv.csv").write_text(
    ...     "ID,duration,wav,spk_id,wrd\\n"
    ...     "cv_1,2.5,$data_root/clips/cv_1.mp3,client7,BONJOUR\\n")
    >>> row = read_manifest(folder / "cv.csv", lang="fr", data_root="/data/cv")[0]
    >>> row["wav"], row["story_id"], row["sent_idx"], row["speaker"], row["text"]
    ('/data/cv/clips/cv_1.mp3', 'cv_1', 0, 'client7', 'BONJOUR')
    >>> read_manifest(folder / "cv.csv", data_root="/data/cv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_xling.prepare.manifest.ManifestError: ...cv.csv has no lang column: give ...
    """
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"manifest {path} not found")
    if lang is not None and not (isinstance(lang, str) and lang):
        raise ValueError(f"lang must be a non-empty string or None, got {lang!r}")
    if data_root is not None:
        data_root = os.path.abspath(data_root)
    folder = path.resolve().parent
    with open_text(path) as lines:
        reader = csv.DictReader(lines, skipinitialspace=True)
        columns = reader.fieldnames or []
        kind = manifest_format(columns, path)
        if "lang" not in columns and lang is None:
            raise ManifestError(
                f"{path} has no lang column: give the language of its rows "
                "(read_manifest/tokenize_manifest lang=..., tokenize_units.py "
                "--lang=<code>, e.g. --lang=fr)"
            )
        if kind == "speechbrain" and "stop" in columns:
            raise ManifestError(
                f"{path}: a 'stop' column is not supported (SpeechBrain's "
                "start/stop count samples); give segments as 'start' and "
                "'duration' in seconds"
            )
        rows, lines_of_id = [], {}
        for row in reader:
            where = f"{path} line {reader.line_num} (ID {row['ID']!r})"
            if None in row or None in row.values():
                raise ManifestError(f"{where}: wrong number of fields")
            row["line"] = reader.line_num
            if kind == "speechbrain":
                row["story_id"], row["sent_idx"] = row["ID"], 0
                row["speaker"] = row["spk_id"]
                if "wrd" in row and "text" not in row:
                    row["text"] = row["wrd"]
            else:
                row["sent_idx"] = _number(row, "sent_idx", int, where)
            if "lang" not in row:
                row["lang"] = lang
            elif not row["lang"]:
                raise ManifestError(f"{where}: empty lang")
            elif lang is not None and row["lang"] != lang:
                raise ManifestError(
                    f"{where}: lang {row['lang']!r}, but lang={lang!r} was given "
                    "(leave lang unset for a manifest with a lang column)"
                )
            row["duration"] = _number(row, "duration", float, where)
            row["start"] = _number(row, "start", float, where) if row.get("start") else None
            if row["duration"] < 0 or (row["start"] or 0.0) < 0:
                raise ManifestError(f"{where}: negative duration or start")
            if not row["wav"]:
                raise ManifestError(f"{where}: empty wav path")
            row["wav"] = os.path.join(folder, _replace_variables(row["wav"], data_root, where))
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
