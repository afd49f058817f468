"""Benchmark manifests in, result files out.

Reading: CSV manifests are checked for their columns and their audio files,
and every error names the file and the line. Writing: outputs appear whole
or not at all (:func:`speechbrain_xling.atomic.atomic_path`).

Authors
 * speechbrain-xling authors 2026
"""

import csv
from pathlib import Path

from speechbrain_xling.eval.scoring import check_units
from speechbrain_xling.text_files import open_text


class BenchmarkFormatError(ValueError):
    """A benchmark folder or manifest does not follow its documented layout."""


def read_csv_rows(csv_path, required_columns):
    """Reads a CSV manifest into ``(line_number, row_dict)`` pairs.

    Arguments
    ---------
    csv_path : str or Path
        The manifest; its first line is the header.
    required_columns : sequence of str
        Columns that must be present (others are allowed).

    Returns
    -------
    list of (int, dict)
        Line numbers count the header as line 1.

    Raises
    ------
    BenchmarkFormatError
        Missing columns or no rows.
    speechbrain_xling.text_files.NotUTF8Error
        The file is not UTF-8 (naming the line).

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = path.write_text("a,b\\n1,2\\n")
    >>> read_csv_rows(path, ["a"])
    [(2, {'a': '1', 'b': '2'})]
    >>> read_csv_rows(path, ["a", "c"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_xling.eval.files.BenchmarkFormatError: ... misses column(s) c (header: ['a', 'b'])
    """
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FileNotFoundError(f"benchmark manifest {csv_path} not found")
    with open_text(csv_path) as lines:
        reader = csv.DictReader(lines)
        missing = [c for c in required_columns if c not in (reader.fieldnames or [])]
        if missing:
            raise BenchmarkFormatError(
                f"{csv_path} misses column(s) {', '.join(missing)} (header: {reader.fieldnames})"
            )
        rows = [(reader.line_num, row) for row in reader]
    if not rows:
        raise BenchmarkFormatError(f"{csv_path} has no rows")
    return rows


def resolve_audio(value, csv_path, line, column):
    """Absolute path of an audio file named in a manifest cell.

    Relative paths are taken from the manifest's folder. Raises
    ``FileNotFoundError`` naming the manifest, line and column.

    Example
    -------
    >>> resolve_audio("x.wav", "/no/cloze.csv", 3, "prompt_wav")
    Traceback (most recent call last):
    ...
    FileNotFoundError: /no/cloze.csv, line 3: prompt_wav file /no/x.wav not found
    """
    path = Path(csv_path).parent / value
    if not value or not path.is_file():
        raise FileNotFoundError(f"{csv_path}, line {line}: {column} file {path} not found")
    return path.resolve()


def units_for_files(units_of, paths, num_units):
    """Calls ``units_of`` once on the distinct paths; returns ``{path: units}``.

    Every unit sequence must be non-empty with ids in ``[0, num_units)``;
    errors name the audio file.

    Example
    -------
    >>> units_for_files(lambda ps: [[len(p)] for p in ps], ["ab", "c", "ab"], 4)
    {'ab': array([2]), 'c': array([1])}
    """
    distinct = list(dict.fromkeys(paths))
    units = list(units_of(distinct))
    if len(units) != len(distinct):
        raise ValueError(f"units_of returned {len(units)} unit sequences for {len(distinct)} files")
    checked = {}
    for path, sequence in zip(distinct, units):
        checked[path] = check_units(sequence, num_units, f"units of {path}")
        if checked[path].size == 0:
            raise BenchmarkFormatError(f"{path} gives no units (audio too short?)")
    return checked
