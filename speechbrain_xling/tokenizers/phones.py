"""Phone-level topline units (NOT textless): the synthesiser's own phonemes.

As ZeroSpeech 2021 reports a phone-based topline, the mini-corpus can be run
on units that are the phone labels espeak-ng used to synthesise each
utterance, read from the ``.json`` sidecar beside every corpus WAV (see
``speechbrain_xling.corpora``). espeak-ng gives no frame-level alignment, so
one unit is one phone (frame-level labels with repeats removed). These units
come from the text, not from the audio: results obtained with them are a
topline for what a perfect phone tokeniser would allow, and are labelled so
in every report.

Authors
 * speechbrain-xling authors 2026
"""

import json
from collections import Counter
from pathlib import Path

import numpy as np

from speechbrain_xling.atomic import write_json_atomically
from speechbrain_xling.data.unit_store import UnitStoreWriter
from speechbrain_xling.prepare.manifest import read_manifest
from speechbrain_xling.prepare.word_timings import read_word_timings, word_spans
from speechbrain_xling.text_files import read_text

UNKNOWN = "<unk>"


def sidecar_phonemes(wav_path):
    """The space-separated phonemes in the sidecar of a corpus WAV file."""
    sidecar = Path(wav_path).with_suffix(".json")
    if not sidecar.exists():
        raise FileNotFoundError(
            f"{sidecar} not found: phone topline units need the sidecar that the "
            "mini-corpus writes beside each WAV"
        )
    return json.loads(read_text(sidecar))["phonemes"]


class PhoneInventory:
    """Phone symbols <-> unit ids; id 0 is reserved for unseen phones.

    Arguments
    ---------
    symbols : list of str
        Phone symbols; ``<unk>`` is put first if absent.

    Example
    -------
    >>> inventory = PhoneInventory(["a", "b"])
    >>> inventory.encode("b a c").tolist(), inventory.unknown_count
    ([2, 1, 0], 1)
    """

    def __init__(self, symbols):
        self.symbols = [UNKNOWN] + [s for s in symbols if s != UNKNOWN]
        self._ids = {symbol: index for index, symbol in enumerate(self.symbols)}
        self.unknown_count = 0

    @property
    def num_units(self):
        """K: number of phones plus the unknown-phone unit."""
        return len(self.symbols)

    def encode(self, phonemes):
        """Unit ids of a space-separated phoneme string (unseen phones -> 0, counted)."""
        ids = [self._ids.get(symbol, 0) for symbol in phonemes.split()]
        self.unknown_count += ids.count(0)
        return np.asarray(ids, dtype=np.int64)

    def describe(self):
        """Description stored in unit-store headers."""
        return {"name": "phone-topline", "textless": False, "symbols": self.symbols}

    @classmethod
    def from_manifest(cls, manifest_path):
        """All phones of a manifest's ``phonemes`` column, by frequency."""
        counts = Counter()
        for row in read_manifest(manifest_path):
            counts.update((row.get("phonemes") or "").split())
        if not counts:
            raise ValueError(f"{manifest_path}: no phonemes (empty 'phonemes' column?)")
        return cls([symbol for symbol, _ in counts.most_common()])

    def save(self, path):
        """Writes the symbol list as JSON."""
        write_json_atomically({"symbols": self.symbols}, path)

    @classmethod
    def load(cls, path):
        """Reads a file written by :meth:`save`."""
        with open(path, encoding="utf-8") as handle:
            return cls(json.load(handle)["symbols"])

    def units_of(self, wav_paths):
        """Units of corpus WAV files, from their sidecars (for evaluation)."""
        return [self.encode(sidecar_phonemes(path)) for path in wav_paths]


def phone_store_from_manifest(manifest_path, store_folder, inventory, word_timings=None):
    """Writes the unit store of a corpus manifest from its ``phonemes`` column.

    Returns the store header. Rows with no phoneme are an error naming the
    row. With ``word_timings`` (a file of
    :mod:`speechbrain_xling.prepare.word_timings` whose words carry
    ``phones``), the rows it times get word spans.
    """
    rows = read_manifest(manifest_path)
    timings = None if word_timings is None else read_word_timings(word_timings)
    writer = UnitStoreWriter(store_folder, inventory.num_units, 0.0, inventory.describe())
    with writer.part(0) as part:
        for row in rows:
            what = f"{manifest_path}, line {row['line']} ({row['ID']})"
            units = inventory.encode(row.get("phonemes") or "")
            if units.size == 0:
                raise ValueError(f"{what}: no phonemes")
            spans = None
            if timings is not None and row["ID"] in timings:
                spans = word_spans(
                    timings[row["ID"]],
                    row.get("text") or "",
                    row["duration"],
                    len(units),
                    0,
                    what=what,
                )
            part.add_manifest_row(row, units, spans)
    return writer.finalize(num_parts=1)
