"""Unit store: sentence-level discrete-unit sequences on disk.

Layout of a store folder (format ``sbx-unit-store``, version 1)::

    header.json              written last; its presence marks a finished store
    part_00000.units.npy     flat uint16 array, all units of the part's rows
    part_00000.index.npz     per-row columns of the part (compressed)
    part_00001.units.npy
    ...

Each part holds rows in write order. The index columns are ``id``,
``story_id``, ``lang``, ``speaker`` (strings, each stored as one
newline-joined UTF-8 blob) and ``sent_idx``, ``length`` (integers), plus an
optional ``text`` column (the utterance's transcript, whitespace collapsed to
single spaces; ``""`` for a row without one), written when any row of the
part has text, so that speech-text training and cross-modal evaluation find
each utterance's text next to its units (compressed with the index, it costs
about a third of a byte per character), and optional *word spans*
(``word_count`` per row, ``word_tokens`` and ``word_units`` flat: for each
word group of the row's text, the whitespace token and the unit where it
starts; see :mod:`speechbrain_xling.prepare.word_timings`), written when any
row of the part has them, for word-level speech-text interleaving. A row's
offset inside its part is the cumulative sum of the lengths before it, so
offsets are derived, not stored; ids of the default form
``{story_id}_{lang}_{sent_idx}`` are derived too (flag ``default_ids``). The
index costs about a byte per row, while the units cost 2 bytes per unit.

``header.json`` names the tokeniser, ``num_units`` (K), the frame rate, the
hash of the source manifest, and one entry per part with its row and unit
counts and the SHA-256 of its two files; the store's ``content_hash`` is the
hash of those entries.

Parts are written atomically (temporary names, then ``os.replace``; the
index file last), so a killed writer never leaves a part that looks finished.
A tokeniser splits its work into parts and skips the parts that exist when it
is restarted (see :meth:`UnitStoreWriter.part_exists`).

Readers memory-map the unit arrays: the corpus is never loaded into RAM; only
the index is.

Authors
 * speechbrain-xling authors 2026
"""

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from speechbrain_xling.atomic import atomic_path, write_json_atomically
from speechbrain_xling.hashing import file_sha256, json_sha256

FORMAT_NAME = "sbx-unit-store"
FORMAT_VERSION = 1
HEADER_FILE = "header.json"
STRING_COLUMNS = ("id", "story_id", "lang", "speaker")
TEXT_COLUMN = "text"
WORD_COLUMNS = ("word_count", "word_tokens", "word_units")


def default_utterance_id(story_id, lang, sent_idx):
    """The id a sentence utterance gets when the corpus gives none.

    Example
    -------
    >>> default_utterance_id("story7", "fr", 3)
    'story7_fr_3'
    """
    return f"{story_id}_{lang}_{sent_idx}"


def is_finished_store(folder):
    """True when ``folder`` holds a finished unit store (its header is written).

    Example
    -------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> is_finished_store(folder)
    False
    >>> _ = write_unit_store(folder, [dict(utt_id="a", units=[1], story_id="s",
    ...                                    sent_idx=0, lang="en")], num_units=4)
    >>> is_finished_store(folder)
    True
    """
    return (Path(folder) / HEADER_FILE).is_file()


def read_store_header(folder):
    """The checked ``header.json`` of a finished store (without opening its parts)."""
    header_path = Path(folder) / HEADER_FILE
    if not header_path.exists():
        raise FileNotFoundError(
            f"{header_path} not found: {folder} is not a finished unit "
            "store (tokenisation not run or not finished)"
        )
    with open(header_path, encoding="utf-8") as handle:
        header = json.load(handle)
    if header.get("format") != FORMAT_NAME:
        raise ValueError(f"{header_path}: not a {FORMAT_NAME} header")
    if header.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{header_path}: format version {header.get('version')} "
            f"is not supported (expected {FORMAT_VERSION})"
        )
    return header


def _encode_strings(values, column, part_name):
    for value in values:
        if "\n" in value:
            raise ValueError(f"{part_name}: {column} {value!r} contains a newline")
    return np.frombuffer("\n".join(values).encode("utf-8"), dtype=np.uint8)


def _decode_strings(blob, count):
    if count == 0:
        return np.zeros(0, dtype=str)
    return np.array(blob.tobytes().decode("utf-8").split("\n"), dtype=str)


def _part_stem(part_id):
    return f"part_{part_id:05d}"


class PartWriter:
    """Collects the rows of one part; created by :meth:`UnitStoreWriter.part`."""

    def __init__(self, num_units, part_name):
        self.num_units = num_units
        self.part_name = part_name
        self.columns = {name: [] for name in (*STRING_COLUMNS, TEXT_COLUMN)}
        self.sent_idx = []
        self.chunks = []
        self.word_spans = []

    def add(self, utt_id, units, story_id, sent_idx, lang, speaker="", text=None, word_spans=None):
        """Adds one row (one sentence utterance).

        Arguments
        ---------
        utt_id : str
            Unique utterance id (the manifest's ``ID``).
        units : array-like of int
            The utterance's units, each in ``[0, K)``; may be empty.
        story_id : str
            Id shared by the sentences of one story (in every language).
        sent_idx : int
            Position of the sentence inside its story.
        lang : str
            Language code, e.g. ``"en"``.
        speaker : str
            Speaker or voice id.
        text : str, optional
            The utterance's transcript (whitespace is collapsed).
        word_spans : tuple of two int arrays, optional
            ``(token_starts, unit_starts)`` of the text's word groups: the
            first whitespace token of each group (from 0, increasing) and its
            first unit (nondecreasing, at most ``len(units)``).
        """
        units = np.asarray(units)
        if units.ndim != 1:
            raise ValueError(
                f"{self.part_name}: units of {utt_id!r} must be 1-D, got shape {units.shape}"
            )
        if units.size:
            if not np.issubdtype(units.dtype, np.integer):
                raise ValueError(
                    f"{self.part_name}: units of {utt_id!r} must be integers, got {units.dtype}"
                )
            low, high = int(units.min()), int(units.max())
            if low < 0 or high >= self.num_units:
                raise ValueError(
                    f"{self.part_name}: utterance {utt_id!r} has unit ids in "
                    f"[{low}, {high}], outside [0, {self.num_units}) (K="
                    f"{self.num_units})"
                )
        if not lang:
            raise ValueError(f"{self.part_name}: utterance {utt_id!r} has no lang")
        for name, value in zip(STRING_COLUMNS, (utt_id, story_id, lang, speaker)):
            self.columns[name].append(str(value))
        self.columns[TEXT_COLUMN].append(" ".join(str(text or "").split()))
        self.sent_idx.append(int(sent_idx))
        self.chunks.append(units.astype(np.uint16))
        self.word_spans.append(
            _checked_word_spans(word_spans, text, len(units), f"{self.part_name}: {utt_id!r}")
        )

    def add_manifest_row(self, row, units, word_spans=None):
        """Adds the units of a manifest row (as ``read_manifest`` returns it),
        with its ``word_spans`` if any.

        Example
        -------
        >>> part = PartWriter(num_units=8, part_name="part_00000")
        >>> part.add_manifest_row(dict(ID="s_en_0", story_id="s", sent_idx=0,
        ...                            lang="en", speaker="v1"), [1, 2])
        >>> part.columns["speaker"], part.sent_idx
        (['v1'], [0])
        """
        self.add(
            row["ID"],
            units,
            story_id=row["story_id"],
            sent_idx=row["sent_idx"],
            lang=row["lang"],
            speaker=row["speaker"],
            text=row.get("text"),
            word_spans=word_spans,
        )

    def add_store_row(self, store, row, units, word_spans=None):
        """Adds ``units`` under the id, story, sentence, language, speaker and
        text of row ``row`` of another :class:`UnitStore` (a converted copy),
        with ``word_spans`` in the new units."""
        self.add(
            str(store.ids[row]),
            units,
            story_id=str(store.story_ids[row]),
            sent_idx=int(store.sent_idx[row]),
            lang=str(store.langs[row]),
            speaker=str(store.speakers[row]),
            text=str(store.texts[row]) if store.texts is not None else None,
            word_spans=word_spans,
        )

    def save(self, units_path, index_path):
        """Writes the part; the index file is written last."""
        units = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.uint16)
        lengths = np.array([len(c) for c in self.chunks], dtype=np.int64)

        columns = dict(self.columns)
        default_ids = columns["id"] == [
            default_utterance_id(*fields)
            for fields in zip(columns["story_id"], columns["lang"], self.sent_idx)
        ]
        if default_ids:
            columns["id"] = []
        if not any(columns[TEXT_COLUMN]):
            del columns[TEXT_COLUMN]
        if any(spans is not None for spans in self.word_spans):
            empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
            spans = [empty if pair is None else pair for pair in self.word_spans]
            word_columns = {
                "word_count": np.array([len(tokens) for tokens, _ in spans], dtype=np.uint32),
                "word_tokens": np.concatenate([t for t, _ in spans]).astype(np.uint32),
                "word_units": np.concatenate([u for _, u in spans]).astype(np.uint32),
            }
        else:
            word_columns = {}
        blobs = {
            name: _encode_strings(values, name, self.part_name) for name, values in columns.items()
        }

        with atomic_path(units_path) as tmp_path, open(tmp_path, "wb") as handle:
            np.save(handle, units)
        with atomic_path(index_path) as tmp_path, open(tmp_path, "wb") as handle:
            np.savez_compressed(
                handle,
                sent_idx=np.asarray(self.sent_idx, dtype=np.int32),
                length=lengths.astype(np.uint32),
                default_ids=np.array(default_ids),
                **blobs,
                **word_columns,
            )
        return {"rows": len(self.chunks), "units": int(units.size)}


class UnitStoreWriter:
    """Writes a unit store part by part, then its header.

    Arguments
    ---------
    folder : str or Path
        Output folder (created if needed).
    num_units : int
        K; every unit id must be below it.
    frame_rate : float
        Units per second of audio (12.5 for Mimi).
    tokenizer : dict
        Description of the tokeniser (name, source, settings), stored as is.
    source_hash : str
        Hash of the manifest the units come from.

    Example
    -------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> writer = UnitStoreWriter(folder, num_units=8, frame_rate=12.5,
    ...                          tokenizer={"name": "toy"})
    >>> with writer.part(0) as part:
    ...     part.add("s1_en_0", [1, 2, 3], story_id="s1", sent_idx=0, lang="en")
    ...     part.add("s1_fr_0", [4, 5], story_id="s1", sent_idx=0, lang="fr")
    >>> writer.finalize()["rows"]
    2
    >>> store = UnitStore(folder)
    >>> store.units(1).tolist()
    [4, 5]
    """

    def __init__(self, folder, num_units, frame_rate, tokenizer, source_hash=""):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.num_units = int(num_units)
        self.frame_rate = float(frame_rate)
        self.tokenizer = dict(tokenizer)
        self.source_hash = source_hash

    def paths(self, part_id):
        """The (units, index) paths of one part."""
        stem = _part_stem(part_id)
        return (
            self.folder / f"{stem}.units.npy",
            self.folder / f"{stem}.index.npz",
        )

    def part_exists(self, part_id):
        """True when the part was completely written (index present)."""
        return self.paths(part_id)[1].exists()

    @contextmanager
    def part(self, part_id):
        """Context manager yielding a :class:`PartWriter`; saves on success.

        Nothing is written if the block raises.
        """
        units_path, index_path = self.paths(part_id)
        part = PartWriter(self.num_units, str(units_path))
        yield part
        part.save(units_path, index_path)

    def finalize(self, num_parts=None):
        """Checks the parts and writes ``header.json``; returns the header.

        Arguments
        ---------
        num_parts : int, optional
            If given, parts ``0 .. num_parts-1`` must all exist.
        """
        part_ids = sorted(
            int(path.name.split("_")[1].split(".")[0])
            for path in self.folder.glob("part_*.index.npz")
        )
        if num_parts is not None:
            missing = sorted(set(range(num_parts)) - set(part_ids))
            if missing:
                raise RuntimeError(
                    f"{self.folder}: parts {missing[:10]} are missing; "
                    "re-run the tokeniser to finish them"
                )
        if not part_ids:
            raise RuntimeError(f"{self.folder}: no part was written")
        parts = []
        for part_id in part_ids:
            units_path, index_path = self.paths(part_id)
            with np.load(index_path) as index:
                rows = int(index["length"].size)
                units = int(index["length"].sum())
            parts.append(
                {
                    "part": part_id,
                    "rows": rows,
                    "units": units,
                    "units_sha256": file_sha256(units_path),
                    "index_sha256": file_sha256(index_path),
                }
            )
        content_hash = json_sha256(parts)
        header = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "num_units": self.num_units,
            "frame_rate": self.frame_rate,
            "tokenizer": self.tokenizer,
            "source_hash": self.source_hash,
            "parts": parts,
            "rows": sum(p["rows"] for p in parts),
            "units": sum(p["units"] for p in parts),
            "content_hash": content_hash,
        }
        write_json_atomically(header, self.folder / HEADER_FILE)
        return header


class UnitStore:
    """Read access to a finished unit store (units memory-mapped).

    Arguments
    ---------
    folder : str or Path
        A folder written by :class:`UnitStoreWriter`.

    Attributes
    ----------
    header : dict
        The parsed ``header.json``.
    num_units : int
        K.
    ids, story_ids, langs, speakers : numpy.ndarray of str
        Per-row string columns.
    texts : numpy.ndarray of object (str) or None
        Per-row transcripts (``""`` where a row has none); ``None`` when no
        part of the store holds text.
    sent_idx, lengths : numpy.ndarray of int
        Per-row sentence index and number of units.

    Example
    -------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> store = write_unit_store(folder, [
    ...     dict(utt_id="a", units=[0, 1], story_id="s", sent_idx=0, lang="en")],
    ...     num_units=4)
    >>> len(store), store.total_units, store.row_of("a")
    (1, 2, 0)
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.header = read_store_header(self.folder)
        self.num_units = int(self.header["num_units"])
        self.frame_rate = float(self.header["frame_rate"])
        columns = {name: [] for name in (*STRING_COLUMNS, TEXT_COLUMN, "sent_idx", "length")}
        has_text = False
        words = {name: [] for name in WORD_COLUMNS}
        self._arrays = []
        part_of_row, offsets = [], []
        for number, part in enumerate(self.header["parts"]):
            stem = _part_stem(part["part"])
            with np.load(self.folder / f"{stem}.index.npz") as index:
                lengths = index["length"].astype(np.int64)
                columns["length"].append(lengths)
                columns["sent_idx"].append(index["sent_idx"])
                for name in STRING_COLUMNS:
                    columns[name].append(_decode_strings(index[name], lengths.size))
                # Transcripts as Python strings: a fixed-width numpy string
                # array would take 4 bytes x the longest text for every row.
                texts = np.full(lengths.size, "", dtype=object)
                if TEXT_COLUMN in index.files and lengths.size:
                    has_text = True
                    texts[:] = index[TEXT_COLUMN].tobytes().decode("utf-8").split("\n")
                columns[TEXT_COLUMN].append(texts)
                if "word_count" in index.files:
                    for name in WORD_COLUMNS:
                        words[name].append(index[name])
                else:
                    words["word_count"].append(np.zeros(lengths.size, np.uint32))
                if bool(index["default_ids"]):
                    columns["id"][-1] = np.array(
                        [
                            default_utterance_id(*fields)
                            for fields in zip(
                                columns["story_id"][-1],
                                columns["lang"][-1],
                                columns["sent_idx"][-1].tolist(),
                            )
                        ],
                        dtype=str,
                    )
            # A plain ndarray view of the memory map: no per-slice memmap objects.
            mapped = np.load(self.folder / f"{stem}.units.npy", mmap_mode="r")
            self._arrays.append(mapped.view(np.ndarray))
            part_of_row.append(np.full(lengths.size, number, dtype=np.int32))
            offsets.append(np.cumsum(lengths) - lengths)
        merged = {
            name: np.concatenate(values) if values else np.zeros(0)
            for name, values in columns.items()
        }
        self.ids = merged["id"]
        self.story_ids = merged["story_id"]
        self.langs = merged["lang"]
        self.speakers = merged["speaker"]
        self.texts = merged[TEXT_COLUMN] if has_text else None
        self.sent_idx = merged["sent_idx"].astype(np.int64)
        self.lengths = merged["length"].astype(np.int64)
        self._part_of_row = np.concatenate(part_of_row) if part_of_row else []
        self._offsets = np.concatenate(offsets) if offsets else []
        if len(self.ids) == 0:
            raise ValueError(f"{self.folder}: the unit store is empty (0 rows)")
        self._row_of_id = None
        # Word spans cost memory per row only in stores that have some.
        self.has_word_spans = bool(words["word_tokens"])
        if self.has_word_spans:
            counts = np.concatenate(words["word_count"]).astype(np.int64)
            self._word_counts = counts
            self._word_offsets = np.cumsum(counts) - counts
            self._word_tokens = np.concatenate(words["word_tokens"]).astype(np.int64)
            self._word_units = np.concatenate(words["word_units"]).astype(np.int64)

    def word_spans(self, row):
        """``(token_starts, unit_starts)`` of a row's word groups (see
        :meth:`PartWriter.add`), or ``None`` for a row without them.

        Example
        -------
        >>> import tempfile
        >>> store = write_unit_store(tempfile.mkdtemp(), [dict(
        ...     utt_id="a", units=[3, 3, 1, 2], story_id="s", sent_idx=0, lang="en",
        ...     text="the red hen", word_spans=([0, 1], [0, 2]))], num_units=4)
        >>> [spans.tolist() for spans in store.word_spans(0)]
        [[0, 1], [0, 2]]
        """
        if not self.has_word_spans:
            return None
        count = self._word_counts[row]
        if count == 0:
            return None
        start = self._word_offsets[row]
        return self._word_tokens[start : start + count], self._word_units[start : start + count]

    def __len__(self):
        return len(self.ids)

    @property
    def total_units(self):
        """Number of units over all rows."""
        return int(self.lengths.sum())

    def units(self, row):
        """The units of one row, as a read-only uint16 view."""
        start = self._offsets[row]
        return self._arrays[self._part_of_row[row]][start : start + self.lengths[row]]

    def segments(self, rows, starts=None, ends=None):
        """Views of the units of several rows (or of ranges inside them).

        Arguments
        ---------
        rows : numpy.ndarray
            Row numbers, in output order.
        starts, ends : numpy.ndarray, optional
            Unit ranges inside each row (default: whole rows).

        Returns
        -------
        list of numpy.ndarray
            Read-only views into the memory-mapped parts (no copy).
        """
        begins = self._offsets[rows]
        if starts is None:
            finishes = begins + self.lengths[rows]
        else:
            begins, finishes = begins + starts, begins + ends
        arrays = self._arrays
        return [
            arrays[part][begin:finish]
            for part, begin, finish in zip(
                self._part_of_row[rows].tolist(), begins.tolist(), finishes.tolist()
            )
        ]

    def gather(self, rows, starts=None, ends=None):
        """The :meth:`segments` of ``rows`` concatenated into one array."""
        return np.concatenate(self.segments(rows, starts, ends))

    def check_rows(self, rows):
        """Raises naming the first of ``rows`` that holds a unit id >= K.

        The writer refuses such ids; a store changed or made by other code
        may still hold them, and a model would fail on them with a bare
        ``IndexError`` some steps into training.
        """
        for row in rows:
            units = self.units(row)
            if units.size and int(units.max()) >= self.num_units:
                raise ValueError(
                    f"{self.folder}: row {int(row)} (utterance {str(self.ids[row])!r}) holds "
                    f"unit id {int(units.max())}, but {HEADER_FILE} says K={self.num_units}; "
                    "the store is damaged or was written for another K"
                )

    def row_of(self, utt_id):
        """Row number of an utterance id (KeyError naming the store if absent)."""
        if self._row_of_id is None:
            self._row_of_id = {utt: row for row, utt in enumerate(self.ids)}
        try:
            return self._row_of_id[utt_id]
        except KeyError:
            raise KeyError(f"{utt_id!r} is not in the unit store {self.folder}") from None

    def languages(self):
        """Sorted list of the languages present."""
        return sorted(set(self.langs.tolist()))


def _checked_word_spans(word_spans, text, num_units, what):
    """``word_spans`` as two int64 arrays, or a ``ValueError`` naming ``what``."""
    if word_spans is None:
        return None
    tokens, units = (np.asarray(values, dtype=np.int64) for values in word_spans)
    num_tokens = len(str(text or "").split())
    problem = None
    if tokens.ndim != 1 or tokens.shape != units.shape or tokens.size == 0:
        problem = "must be two 1-D arrays of one equal, positive length"
    elif tokens[0] != 0 or np.any(np.diff(tokens) <= 0) or tokens[-1] >= num_tokens:
        problem = f"token starts {tokens.tolist()} do not split the text's {num_tokens} tokens"
    elif units[0] < 0 or np.any(np.diff(units) < 0) or units[-1] > num_units:
        problem = f"unit starts {units.tolist()} are not nondecreasing in [0, {num_units}]"
    if problem:
        raise ValueError(f"{what}: word spans {problem}")
    return tokens, units


def write_unit_store(folder, rows, num_units, frame_rate=12.5, tokenizer=None):
    """Writes ``rows`` (dicts of :meth:`PartWriter.add` arguments) as one part.

    Returns the opened :class:`UnitStore`. Meant for tests and small corpora;
    tokenisers write parts through :class:`UnitStoreWriter`.
    """
    writer = UnitStoreWriter(folder, num_units, frame_rate, tokenizer or {"name": "unspecified"})
    with writer.part(0) as part:
        for row in rows:
            part.add(**row)
    writer.finalize()
    return UnitStore(folder)
