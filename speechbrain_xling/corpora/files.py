"""File helpers of the mini-corpus: CSV tables, 16-bit PCM WAV, links.

Every file of the corpus is first written under a temporary name in its final
folder and then moved in place with ``os.replace``, so a killed build never
leaves a half-written file under a final name.

Authors
 * speechbrain-xling authors 2026
"""

import csv
import os
import shutil
import wave
from pathlib import Path

import numpy as np

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.text_files import open_text


def write_csv(path, header, rows):
    """Writes a CSV file atomically.

    Arguments
    ---------
    path : str or Path
        Output file.
    header : sequence of str
        Column names, written first.
    rows : iterable of dict
        One dict per row, keyed by column name (extra keys are an error).

    Example
    -------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.csv"
    >>> write_csv(path, ["ID", "n"], [{"ID": "a", "n": 1}])
    >>> read_csv(path)
    [{'ID': 'a', 'n': '1'}]
    """
    with (
        atomic_path(path) as tmp_path,
        open(tmp_path, "w", newline="", encoding="utf-8") as handle,
    ):
        writer = csv.DictWriter(handle, fieldnames=list(header))
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path):
    """Reads a CSV file with a header into a list of dicts of strings.

    Example
    -------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = path.write_text("a,b\\n1,2\\n")
    >>> read_csv(path)
    [{'a': '1', 'b': '2'}]
    """
    with open_text(path) as lines:
        return list(csv.DictReader(lines))


def link_or_copy(source, destination):
    """Makes ``destination`` a hard link to ``source`` (a copy if linking fails).

    Nothing is done when ``destination`` already exists.

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a").write_text("x")
    >>> link_or_copy(folder / "a", folder / "b" / "c")
    >>> (folder / "b" / "c").read_text()
    'x'
    """
    destination = Path(destination)
    if destination.exists():
        return
    with atomic_path(destination) as tmp_path:
        try:
            os.link(source, tmp_path)
        except OSError:
            shutil.copyfile(source, tmp_path)


def read_wav(path):
    """Reads a mono 16-bit PCM WAV file.

    Returns
    -------
    samples : numpy.ndarray
        ``int16`` samples.
    sample_rate : int

    Example
    -------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.wav"
    >>> write_wav(path, np.zeros(8, dtype=np.int16), 22050)
    >>> samples, rate = read_wav(path)
    >>> len(samples), rate
    (8, 22050)
    """
    with wave.open(str(path), "rb") as handle:
        if handle.getnchannels() != 1 or handle.getsampwidth() != 2:
            raise ValueError(f"{path}: expected mono 16-bit PCM audio")
        frames = handle.readframes(handle.getnframes())
        return np.frombuffer(frames, dtype="<i2"), handle.getframerate()


def write_wav(path, samples, sample_rate):
    """Writes ``int16`` mono samples to a WAV file atomically.

    Example
    -------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.wav"
    >>> write_wav(path, np.arange(10, dtype=np.int16), 16000)
    >>> samples, rate = read_wav(path)
    >>> samples.tolist() == list(range(10)), rate
    (True, 16000)
    """
    with atomic_path(path) as tmp_path, wave.open(str(tmp_path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def wav_duration(path):
    """Duration of a WAV file in seconds, read from its header.

    Example
    -------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "x.wav"
    >>> write_wav(path, np.zeros(8000, dtype=np.int16), 16000)
    >>> wav_duration(path)
    0.5
    """
    with wave.open(str(path), "rb") as handle:
        return handle.getnframes() / handle.getframerate()


def remove_unlisted(folder, keep_names, suffix=".wav"):
    """Deletes the files of ``folder`` ending in ``suffix`` not in ``keep_names``.

    Keeps a rebuilt benchmark folder free of files from an earlier build that
    its gold/CSV file no longer lists.

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("a.wav", "b.wav", "c.csv"):
    ...     _ = (folder / name).write_text("")
    >>> remove_unlisted(folder, {"a.wav"})
    >>> sorted(p.name for p in folder.iterdir())
    ['a.wav', 'c.csv']
    """
    for path in Path(folder).glob(f"*{suffix}"):
        if path.name not in keep_names:
            path.unlink()
