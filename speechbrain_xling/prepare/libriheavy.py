"""Manifests of LibriHeavy (English audiobooks) from its released lhotse cuts.

Input: ``libriheavy_cuts_<subset>.jsonl.gz`` (``small``, ``medium``,
``large``, ``dev``, ``test_clean``, ...), one lhotse ``MonoCut`` per line,
and the LibriLight audio they point to. Fields read per cut: ``id``,
``start``, ``duration``, ``recording.id``, ``recording.sources[0].source``
(audio path, relative to ``audio_root`` unless absolute),
``supervisions[0].speaker`` and, with ``with_text``,
``supervisions[0].custom.texts[0]``.

Output: ``<save_folder>/libriheavy_<subset>.csv``, one row per cut with
``story_id`` = the recording (a LibriVox chapter file), ``sent_idx`` = the
cut's rank by start time inside its recording, ``lang`` = ``en``, and a
``start`` column: the row is the segment ``[start, start + duration)`` of
``wav``. Audio is not copied: the tokeniser reads the segment from the
chapter file (:func:`speechbrain_xling.prepare.manifest.audio_segment`).

Authors
 * speechbrain-xling authors 2026
"""

import json
from pathlib import Path

from speechbrain.utils.logger import get_logger
from tqdm import tqdm

from speechbrain_xling.prepare.manifest import (
    ManifestError,
    input_signature,
    mark_prepared,
    prepared_summary,
    write_manifest,
)
from speechbrain_xling.text_files import open_text

logger = get_logger(__name__)


def _field(cut, path, where):
    value = cut
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            dotted = ".".join(str(k) for k in path)
            raise ManifestError(f"{where}: the cut has no {dotted}") from None
    return value


def read_libriheavy_cuts(cuts_path, audio_root, with_text=True, progress=True):
    """Reads a LibriHeavy cuts file into manifest rows (without ``sent_idx``).

    Arguments
    ---------
    cuts_path : str or Path
        A ``libriheavy_cuts_<subset>.jsonl.gz`` file.
    audio_root : str or Path
        Folder the recordings' relative source paths start from.
    with_text : bool
        Keep the first transcript (punctuated, cased) as ``text``.
    progress : bool
        Show a progress bar over cuts.

    Returns
    -------
    list of dict
    """
    rows = []
    with open_text(cuts_path) as lines:
        for number, line in enumerate(
            tqdm(lines, desc=f"read {Path(cuts_path).name}", disable=not progress),
            start=1,
        ):
            where = f"{cuts_path} line {number}"
            try:
                cut = json.loads(line)
            except json.JSONDecodeError as error:
                raise ManifestError(f"{where}: {error}") from error
            row = {
                "ID": _field(cut, ("id",), where),
                "story_id": _field(cut, ("recording", "id"), where),
                "lang": "en",
                "wav": str(
                    Path(audio_root) / _field(cut, ("recording", "sources", 0, "source"), where)
                ),
                "start": float(_field(cut, ("start",), where)),
                "duration": float(_field(cut, ("duration",), where)),
                "speaker": _field(cut, ("supervisions", 0, "speaker"), where),
                "line": number,
            }
            if row["duration"] <= 0 or row["start"] < 0:
                raise ManifestError(
                    f"{where}: cut {row['ID']!r} has start {row['start']} and "
                    f"duration {row['duration']}"
                )
            if with_text:
                row["text"] = _field(cut, ("supervisions", 0, "custom", "texts", 0), where)
            rows.append(row)
    return rows


def _number_sentences(rows):
    """Sorts rows by (recording, start) and sets ``sent_idx`` per recording."""
    rows.sort(key=lambda row: (row["story_id"], row["start"], row["ID"]))
    previous, index = None, 0
    for row in rows:
        index = index + 1 if row["story_id"] == previous else 0
        previous = row["story_id"]
        row["sent_idx"] = index


def prepare_libriheavy(
    manifest_folder,
    audio_root,
    save_folder,
    subsets=("small",),
    with_text=True,
    check_audio=True,
    progress=True,
):
    """Writes one manifest per LibriHeavy subset (skipping finished ones).

    Arguments
    ---------
    manifest_folder : str or Path
        Folder with ``libriheavy_cuts_<subset>.jsonl.gz``.
    audio_root : str or Path
        Folder the cuts' relative audio paths start from (the one holding
        ``download/librilight/...`` for the released cuts).
    save_folder : str or Path
        Where ``libriheavy_<subset>.csv`` are written.
    subsets : sequence of str
        Subsets to prepare.
    with_text : bool
        Keep the transcripts in a ``text`` column (never used for training).
    check_audio : bool
        Fail if a recording file is missing (each recording checked once).
    progress : bool
        Show progress bars.

    Returns
    -------
    dict
        Subset -> summary (manifest path, rows, recordings, hours).

    Example
    -------
    >>> import tempfile, pathlib, gzip, json
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cuts = [{"id": f"rec1_{i}", "start": 5.0 - 2 * i, "duration": 1.5,
    ...          "recording": {"id": "rec1", "sources": [{"source": "rec1.flac"}]},
    ...          "supervisions": [{"speaker": "100", "custom": {"texts": ["Hi."]}}]}
    ...         for i in range(3)]
    >>> with gzip.open(folder / "libriheavy_cuts_small.jsonl.gz", "wt") as f:
    ...     _ = f.write("\\n".join(json.dumps(c) for c in cuts))
    >>> out = prepare_libriheavy(folder, folder, folder / "out", check_audio=False,
    ...                          progress=False)
    >>> out["small"]["rows"]
    3
    >>> first = (folder / "out" / "libriheavy_small.csv").read_text().splitlines()[1]
    >>> first.split(",")[:4], first.split(",")[5:]
    (['rec1_2', 'rec1', '0', 'en'], ['1.5', '100', '1.0', 'Hi.'])
    """
    summaries = {}
    for subset in subsets:
        cuts_path = Path(manifest_folder) / f"libriheavy_cuts_{subset}.jsonl.gz"
        manifest_path = Path(save_folder) / f"libriheavy_{subset}.csv"
        if not cuts_path.is_file():
            raise ManifestError(f"LibriHeavy cuts {cuts_path} not found")
        options = {
            "cuts": input_signature(cuts_path),
            "audio_root": str(Path(audio_root).resolve()),
            "with_text": with_text,
            "check_audio": check_audio,
        }
        summary = prepared_summary(manifest_path, options)
        if summary is not None:
            logger.info(f"{manifest_path} is up to date; skipping preparation")
            summaries[subset] = summary
            continue
        rows = read_libriheavy_cuts(cuts_path, audio_root, with_text, progress)
        if not rows:
            raise ManifestError(f"{cuts_path}: no cuts")
        seen = {}
        for row in rows:
            if row["ID"] in seen:
                raise ManifestError(
                    f"{cuts_path}: cut id {row['ID']!r} on lines "
                    f"{seen[row['ID']]} and {row['line']}"
                )
            seen[row["ID"]] = row["line"]
        if check_audio:
            recordings = {row["wav"] for row in rows}
            missing = sorted(wav for wav in recordings if not Path(wav).is_file())
            if missing:
                raise ManifestError(
                    f"{cuts_path}: {len(missing)} recording file(s) not found under "
                    f"{audio_root}, e.g. {missing[:5]}"
                )
        _number_sentences(rows)
        write_manifest(
            rows,
            manifest_path,
            extra_columns=["start", "text"] if with_text else ["start"],
        )
        summary = {
            "manifest": str(manifest_path),
            "rows": len(rows),
            "recordings": len({row["story_id"] for row in rows}),
            "hours": sum(row["duration"] for row in rows) / 3600,
        }
        mark_prepared(manifest_path, options, summary)
        summaries[subset] = summary
    return summaries
