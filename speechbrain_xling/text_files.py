"""UTF-8 text input whose decoding errors name the file, line and byte.

Every manifest, metadata table, benchmark CSV and JSON Lines file the
package reads goes through :func:`open_text` (or :func:`read_text`): the
file is read as bytes, split into lines (ends kept: ``\\n``, ``\\r\\n`` or
``\\r``) and each line is decoded as strict UTF-8, a leading UTF-8 BOM
being dropped. A byte that is not UTF-8 (a Latin-1 ``é``, 0xE9, say) is a
:class:`NotUTF8Error` naming the file, the 1-based line and the byte, not a
bare ``UnicodeDecodeError``. Files ending in ``.gz`` are decompressed
first (line numbers are those of the decompressed text).

The lines can be given to :class:`csv.DictReader` as they are: since their
ends are kept, quoted fields spanning several lines still work and
``reader.line_num`` counts the same lines as :class:`NotUTF8Error`.

This module imports nothing from the rest of the package.

Authors
 * speechbrain-xling authors 2026
"""

import codecs
import gzip
from contextlib import contextmanager
from pathlib import Path


class NotUTF8Error(ValueError):
    """A text file holds a byte sequence that is not UTF-8.

    Arguments
    ---------
    path : str or Path
        The file.
    line : int
        1-based line of the bad byte.
    column : int
        1-based byte position of the bad byte in its line.
    byte : int
        The first bad byte.

    Example
    -------
    >>> print(NotUTF8Error("meta.csv", 3, 7, 0xE9))
    meta.csv, line 3: not valid UTF-8 (byte 0xe9 at column 7); re-save the file as UTF-8
    """

    def __init__(self, path, line, column, byte):
        self.path, self.line, self.column, self.byte = path, line, column, byte
        super().__init__(
            f"{path}, line {line}: not valid UTF-8 (byte 0x{byte:02x} at column "
            f"{column}); re-save the file as UTF-8"
        )


def _decoded_lines(handle, path):
    """Yields the lines of a binary file handle decoded as strict UTF-8."""
    number = 0
    for chunk in handle:
        # The handle splits on b"\n" only; splitlines also splits a lone b"\r".
        for raw in chunk.splitlines(keepends=True):
            number += 1
            offset = 0
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw, offset = raw[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise NotUTF8Error(
                    path, number, offset + error.start + 1, raw[error.start]
                ) from None


@contextmanager
def open_text(path):
    """Opens a UTF-8 text file (``.gz``: gzip-compressed) for reading by lines.

    Lines are read and decoded lazily, so large files are streamed.

    Arguments
    ---------
    path : str or Path
        The file.

    Yields
    ------
    iterator of str
        The decoded lines, with their line ends (a leading BOM is dropped).

    Raises
    ------
    NotUTF8Error
        While iterating, at the first line that is not UTF-8.

    Example
    -------
    >>> import csv, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "meta.csv"
    >>> _ = path.write_bytes(b"\\xef\\xbb\\xbfwav,text\\r\\na.wav,\\"Caf\\xc3\\xa9,\\nbar\\"\\r\\n")
    >>> with open_text(path) as lines:
    ...     list(csv.DictReader(lines))
    [{'wav': 'a.wav', 'text': 'Café,\\nbar'}]
    >>> _ = path.write_bytes(b"wav,text\\na.wav,ok\\nb.wav,Caf\\xe9\\n")
    >>> try:
    ...     with open_text(path) as lines:
    ...         rows = list(csv.DictReader(lines))
    ... except NotUTF8Error as error:
    ...     print(error.line, error.column, hex(error.byte))
    3 10 0xe9
    """
    opener = gzip.open if Path(path).suffix == ".gz" else open
    with opener(path, "rb") as handle:
        yield _decoded_lines(handle, path)


def read_text(path):
    """The whole content of a UTF-8 text file (see :func:`open_text`).

    Arguments
    ---------
    path : str or Path
        The file (``.gz``: gzip-compressed).

    Returns
    -------
    str

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.json"
    >>> _ = path.write_bytes('\\ufeff{"phonemes": "ʃ a"}\\n'.encode("utf-8"))
    >>> read_text(path)
    '{"phonemes": "ʃ a"}\\n'
    """
    with open_text(path) as lines:
        return "".join(lines)
