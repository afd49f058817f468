"""Token vocabularies of spoken language models.

:class:`UnitVocabulary` (textless): units take ids ``0 .. K-1``; EOS and PAD
follow them. Pre-training has no language-ID tokens: the setting is textless
and language-agnostic (the answer-language markers below are for instruction
fine-tuning only).

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

Answer-language markers (``languages``, empty by default): one token per
language, ``[EN]``, ``[FR]``, ..., appended after PAD in the order given, so
that every other id stays where it was and a trained model grows into the
vocabulary by appending rows (:func:`with_answer_languages`,
:func:`carried_ids`). Instruction fine-tuning writes the answer's marker at
the end of the prompt (:mod:`speechbrain_xling.data.chain_of_modality`):
it tells the model which language to answer in, which the question alone
does not (an EN question may be answered in FR).

Authors
 * speechbrain-xling authors 2026
"""

from dataclasses import asdict, dataclass, field, replace

import numpy as np


def _checked_units(units, num_units):
    """``units`` as an int64 array, each in ``[0, num_units)``."""
    array = np.asarray(units, dtype=np.int64)
    bad = (array < 0) | (array >= num_units)
    if bad.any():
        raise ValueError(f"unit id {array[bad][0]} is outside [0, {num_units})")
    return array


def _checked_languages(vocab):
    """Stores ``vocab.languages`` as a tuple of distinct, non-empty names."""
    languages = vocab.languages
    if isinstance(languages, str) or not all(isinstance(lang, str) and lang for lang in languages):
        raise ValueError(f"languages must be a list of non-empty names, got {languages!r}")
    if len(set(languages)) != len(languages):
        raise ValueError(f"languages must be distinct, got {list(languages)}")
    object.__setattr__(vocab, "languages", tuple(languages))


class _LanguageMarkers:
    """The answer-language markers shared by both vocabularies (module docstring).

    A subclass defines ``_base_size``, the rows before the markers.
    """

    @property
    def size(self):
        """Number of rows of the embedding table and of the output layer."""
        return self._base_size + len(self.languages)

    def language_marker(self, lang):
        """Id of the answer-language marker of ``lang``.

        Example
        -------
        >>> UnitVocabulary(16, languages=("en", "fr")).language_marker("fr")
        19
        """
        if lang not in self.languages:
            raise ValueError(
                f"{self!r} has no answer-language marker for {lang!r} "
                f"(it has {list(self.languages) or 'none'})"
            )
        return self._base_size + self.languages.index(lang)

    def _fields(self):
        """The dataclass fields, without ``languages`` when there are none."""
        fields = asdict(self)
        if not self.languages:
            del fields["languages"]
        else:
            fields["languages"] = list(self.languages)
        return fields

    def __repr__(self):
        fields = ", ".join(f"{name}={value!r}" for name, value in self._fields().items())
        return f"{type(self).__name__}({fields})"


@dataclass(frozen=True, repr=False)
class UnitVocabulary(_LanguageMarkers):
    """Ids of the units and of the special tokens.

    Arguments
    ---------
    num_units : int
        K, the number of discrete units (2048 for Mimi's first codebook).
    languages : tuple of str
        Languages with an answer-language marker (ids ``K + 2 ...``; none by default).

    Example
    -------
    >>> vocab = UnitVocabulary(num_units=2048)
    >>> vocab.eos, vocab.pad, vocab.size
    (2048, 2049, 2050)
    """

    num_units: int
    languages: tuple = field(default=())

    def __post_init__(self):
        if not isinstance(self.num_units, int) or self.num_units < 2:
            raise ValueError(f"num_units must be an int >= 2, got {self.num_units!r}")
        _checked_languages(self)
        if self.size > 65536:
            raise ValueError(
                "num_units must fit in uint16 with the special tokens "
                f"(size <= 65536), got {self.num_units} units and {len(self.languages)} "
                "language markers"
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
    def _base_size(self):
        return self.num_units + 2

    def to_dict(self):
        """Serialisable form, stored beside model checkpoints.

        Example
        -------
        >>> UnitVocabulary(16).to_dict()
        {'num_units': 16, 'eos': 16, 'pad': 17, 'size': 18}
        >>> UnitVocabulary(16, ("en",)).to_dict()["languages"]
        ['en']
        """
        return {**self._fields(), "eos": self.eos, "pad": self.pad, "size": self.size}

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
        return _checked_layout(
            cls(int(fields["num_units"]), tuple(fields.get("languages", ()))), fields
        )


def _checked_layout(vocab, fields):
    """``vocab`` after checking the derived ids saved in ``fields`` against it."""
    for name, value in fields.items():
        if name not in ("kind", *asdict(vocab)) and value != getattr(vocab, name):
            raise ValueError(
                f"vocabulary field {name}={value} does not match the layout of "
                f"{vocab!r} ({getattr(vocab, name)})"
            )
    return vocab


@dataclass(frozen=True, repr=False)
class SpeechTextVocabulary(_LanguageMarkers):
    """Text tokens, units and modality markers in one vocabulary.

    Arguments
    ---------
    num_text : int
        T, the number of text ids (a tokenizer's vocabulary, or the rows of a
        text LLM's embedding table, which may exceed its tokenizer's).
    num_units : int
        K, the number of discrete units.
    languages : tuple of str
        Languages with an answer-language marker (after PAD; none by default).

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
    languages: tuple = field(default=())

    kind = "speech_text"
    TEXT, SPEECH, SPECIAL = 0, 1, 2

    def __post_init__(self):
        for name in ("num_text", "num_units"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 2:
                raise ValueError(f"{name} must be an int >= 2, got {value!r}")
        _checked_languages(self)

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
    def _base_size(self):
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
        return {"kind": self.kind, **self._fields(), **{n: getattr(self, n) for n in derived}}

    @classmethod
    def from_dict(cls, fields):
        """Inverse of :meth:`to_dict`; the derived ids are checked."""
        languages = tuple(fields.get("languages", ()))
        return _checked_layout(
            cls(int(fields["num_text"]), int(fields["num_units"]), languages), fields
        )


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


def with_answer_languages(vocab, languages):
    """``vocab`` with an answer-language marker for each of ``languages``.

    The markers it has keep their ids; the missing ones are appended in the
    order of ``languages`` (a model grows into the result by appending rows,
    :func:`carried_ids`).

    Example
    -------
    >>> vocab = with_answer_languages(UnitVocabulary(16), ["en", "fr"])
    >>> vocab.language_marker("en"), vocab.language_marker("fr"), vocab.size
    (18, 19, 20)
    >>> with_answer_languages(vocab, ["fr", "de"]).languages
    ('en', 'fr', 'de')
    """
    if isinstance(languages, str):
        raise ValueError(f"languages must be a list of names, got the string {languages!r}")
    added = [lang for lang in languages if lang not in vocab.languages]
    return replace(vocab, languages=(*vocab.languages, *added))


def carried_ids(old, new):
    """Where each id of ``old`` is in ``new``: ``(old_ids, new_ids)`` (int64).

    A model trained on ``old`` grows into ``new`` by moving these rows of its
    token tables; the other rows of ``new`` are fresh. ``new`` must hold
    every token of ``old``: the same units, the same text ids (of a
    speech-text ``old``) and its answer-language markers. A textless
    vocabulary grows into a speech-text one (units, EOS and PAD move).

    Example
    -------
    >>> old = UnitVocabulary(4, ("en",))
    >>> new = SpeechTextVocabulary(num_text=10, num_units=4, languages=("en", "fr"))
    >>> [ids.tolist() for ids in carried_ids(old, new)]
    [[0, 1, 2, 3, 4, 5, 6], [10, 11, 12, 13, 16, 17, 18]]
    """
    if old.num_units != new.num_units:
        raise ValueError(f"cannot grow {old!r} into {new!r}: the units differ")
    if old.kind == SpeechTextVocabulary.kind and (
        new.kind != old.kind or new.num_text != old.num_text
    ):
        raise ValueError(f"cannot grow {old!r} into {new!r}: its text ids would be lost")
    missing = [lang for lang in old.languages if lang not in new.languages]
    if missing:
        raise ValueError(f"cannot grow {old!r} into {new!r}: it has no marker for {missing}")
    named = ["eos", "pad"]
    old_ids, new_ids = [old.unit_ids(range(old.num_units))], [new.unit_ids(range(old.num_units))]
    if old.kind == SpeechTextVocabulary.kind:
        old_ids.append(np.arange(old.num_text))
        new_ids.append(np.arange(old.num_text))
        named += ["text_marker", "speech_marker"]
    old_ids.append([getattr(old, name) for name in named])
    new_ids.append([getattr(new, name) for name in named])
    old_ids.append([old.language_marker(lang) for lang in old.languages])
    new_ids.append([new.language_marker(lang) for lang in old.languages])
    old_ids, new_ids = (np.concatenate(ids).astype(np.int64) for ids in (old_ids, new_ids))
    return old_ids, new_ids
