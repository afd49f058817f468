"""Token vocabularies of spoken language models.

:class:`UnitVocabulary` (textless): units take ids ``0 .. K-1``; EOS and PAD
follow them. There are no language-ID tokens: the setting is textless and
language-agnostic.

:class:`SpeechTextVocabulary` (speech and text in one model, the SpiritLM
layout): text tokens ``0 .. T-1`` (a text tokenizer's ids, or a text LLM's
whole embedding table), then the K units as one contiguous range, then the
modality markers ``[TEXT]`` and ``[SPEECH]``, then EOS and PAD. A modality
mask is an id range, and a text LLM's table keeps its rows: unit, marker and
special rows are appended after them.

Both classes share the interface the evaluation uses: ``unit_ids`` (units to
token ids), ``units_of`` (back), ``speech_prefix`` (what opens a speech
sequence: nothing textless, ``[SPEECH]`` in a speech-text model), ``eos``,
``pad``, ``size``; :func:`vocabulary_from_dict` reads either back.

Authors
 * speechbrain-xling authors 2026
"""

from dataclasses import asdict, dataclass

import numpy as np


def _checked_units(units, num_units):
    """``units`` as an int64 array, each in ``[0, num_units)``."""
    array = np.asarray(units, dtype=np.int64)
    bad = (array < 0) | (array >= num_units)
    if bad.any():
        raise ValueError(f"unit id {array[bad][0]} is outside [0, {num_units})")
    return array


@dataclass(frozen=True)
class UnitVocabulary:
    """Ids of the units and of the special tokens.

    Arguments
    ---------
    num_units : int
        K, the number of discrete units (2048 for Mimi's first codebook).

    Example
    -------
    >>> vocab = UnitVocabulary(num_units=2048)
    >>> vocab.eos, vocab.pad, vocab.size
    (2048, 2049, 2050)
    """

    num_units: int

    def __post_init__(self):
        if not isinstance(self.num_units, int) or self.num_units < 2:
            raise ValueError(f"num_units must be an int >= 2, got {self.num_units!r}")
        if self.num_units > 65534:
            raise ValueError(
                "num_units must fit in uint16 with the special tokens "
                f"(<= 65534), got {self.num_units}"
            )

    kind = "units"
    unit_offset = 0
    speech_prefix = ()

    @property
    def eos(self):
        """End-of-document separator, placed between packed documents."""
        return self.num_units

    @property
    def pad(self):
        """Padding id; never a training target."""
        return self.num_units + 1

    @property
    def size(self):
        """Number of rows of the embedding table and of the output layer."""
        return self.num_units + 2

    def to_dict(self):
        """Serialisable form, stored beside model checkpoints.

        Example
        -------
        >>> UnitVocabulary(16).to_dict()
        {'num_units': 16, 'eos': 16, 'pad': 17, 'size': 18}
        """
        return {**asdict(self), "eos": self.eos, "pad": self.pad, "size": self.size}

    def unit_ids(self, units):
        """Token ids of units (the identity here; see :class:`SpeechTextVocabulary`).

        Example
        -------
        >>> UnitVocabulary(16).unit_ids([3, 15]).tolist()
        [3, 15]
        """
        return _checked_units(units, self.num_units)

    def units_of(self, ids):
        """Units of unit token ids (inverse of :meth:`unit_ids`)."""
        return _checked_units(ids, self.num_units)

    @classmethod
    def from_dict(cls, fields):
        """Inverse of :meth:`to_dict`; the derived ids are checked.

        Example
        -------
        >>> UnitVocabulary.from_dict({"num_units": 16, "eos": 16})
        UnitVocabulary(num_units=16)
        """
        return _checked_layout(cls(int(fields["num_units"])), fields)


def _checked_layout(vocab, fields):
    """``vocab`` after checking the derived ids saved in ``fields`` against it."""
    for name, value in fields.items():
        if name not in ("kind", *asdict(vocab)) and value != getattr(vocab, name):
            raise ValueError(
                f"vocabulary field {name}={value} does not match the layout of "
                f"{vocab!r} ({getattr(vocab, name)})"
            )
    return vocab


@dataclass(frozen=True)
class SpeechTextVocabulary:
    """Text tokens, units and modality markers in one vocabulary.

    Arguments
    ---------
    num_text : int
        T, the number of text ids (a tokenizer's vocabulary, or the rows of a
        text LLM's embedding table, which may exceed its tokenizer's).
    num_units : int
        K, the number of discrete units.

    Example
    -------
    >>> vocab = SpeechTextVocabulary(num_text=100, num_units=16)
    >>> vocab.unit_offset, vocab.text_marker, vocab.speech_marker, vocab.eos, vocab.pad
    (100, 116, 117, 118, 119)
    >>> vocab.unit_ids([0, 15]).tolist()
    [100, 115]
    >>> vocab.modality_of([5, 100, 117]).tolist()
    [0, 1, 2]
    """

    num_text: int
    num_units: int

    kind = "speech_text"
    TEXT, SPEECH, SPECIAL = 0, 1, 2

    def __post_init__(self):
        for name in ("num_text", "num_units"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 2:
                raise ValueError(f"{name} must be an int >= 2, got {value!r}")

    @property
    def unit_offset(self):
        """Id of unit 0; units take ``unit_offset .. unit_offset + K - 1``."""
        return self.num_text

    @property
    def text_marker(self):
        """``[TEXT]``: the tokens that follow are text."""
        return self.num_text + self.num_units

    @property
    def speech_marker(self):
        """``[SPEECH]``: the tokens that follow are units."""
        return self.text_marker + 1

    @property
    def eos(self):
        """End-of-document separator."""
        return self.text_marker + 2

    @property
    def pad(self):
        """Padding id; never a training target."""
        return self.text_marker + 3

    @property
    def size(self):
        """Rows of the embedding table and of the output layer."""
        return self.text_marker + 4

    @property
    def speech_prefix(self):
        """What opens a speech sequence read on its own: ``([SPEECH],)``."""
        return (self.speech_marker,)

    @property
    def text_prefix(self):
        """What opens a text sequence: ``([TEXT],)``."""
        return (self.text_marker,)

    def unit_ids(self, units):
        """Token ids of units (shifted by :attr:`unit_offset`)."""
        return _checked_units(units, self.num_units) + self.unit_offset

    def units_of(self, ids):
        """Units of unit token ids; raises on an id outside the unit range."""
        ids = np.asarray(ids, dtype=np.int64)
        return _checked_units(ids - self.unit_offset, self.num_units)

    def text_ids(self, ids):
        """Checks that ``ids`` are text ids and returns them as int64."""
        ids = np.asarray(ids, dtype=np.int64)
        bad = (ids < 0) | (ids >= self.num_text)
        if bad.any():
            raise ValueError(f"text id {ids[bad][0]} is outside [0, {self.num_text})")
        return ids

    def modality_of(self, ids):
        """Per id: :attr:`TEXT` (0), :attr:`SPEECH` (1) or :attr:`SPECIAL` (2)."""
        ids = np.asarray(ids, dtype=np.int64)
        modality = np.full(ids.shape, self.SPECIAL, dtype=np.int8)
        modality[(ids >= 0) & (ids < self.num_text)] = self.TEXT
        modality[(ids >= self.unit_offset) & (ids < self.text_marker)] = self.SPEECH
        return modality

    def to_dict(self):
        """Serialisable form, stored beside model checkpoints.

        Example
        -------
        >>> SpeechTextVocabulary(8, 4).to_dict()["speech_marker"]
        13
        """
        derived = ("unit_offset", "text_marker", "speech_marker", "eos", "pad", "size")
        return {"kind": self.kind, **asdict(self), **{n: getattr(self, n) for n in derived}}

    @classmethod
    def from_dict(cls, fields):
        """Inverse of :meth:`to_dict`; the derived ids are checked."""
        return _checked_layout(cls(int(fields["num_text"]), int(fields["num_units"])), fields)


VOCABULARIES = {cls.kind: cls for cls in (UnitVocabulary, SpeechTextVocabulary)}


def vocabulary_from_dict(fields):
    """The vocabulary saved by ``to_dict`` (no ``kind``: a textless one).

    Example
    -------
    >>> vocabulary_from_dict(SpeechTextVocabulary(8, 4).to_dict())
    SpeechTextVocabulary(num_text=8, num_units=4)
    >>> vocabulary_from_dict({"num_units": 16})
    UnitVocabulary(num_units=16)
    """
    kind = fields.get("kind", UnitVocabulary.kind)
    if kind not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary kind {kind!r} (known: {sorted(VOCABULARIES)})")
    return VOCABULARIES[kind].from_dict(fields)
