"""Word timings: a JSON Lines file of timed words per utterance.

One line per utterance (format ``sbx-word-timings``)::

    {"ID": "s_en_0", "words": [{"word": "The", "start": 0.0, "end": 0.12},
                               {"word": "in the", "start": 0.4, "end": 0.6,
                                "phones": 4}, ...]}

``ID`` is the manifest's; ``start``/``end`` are seconds from the start of the
utterance's audio (of the segment, for a manifest row with ``start``). Each
entry is a *word group*: one or more whitespace-separated tokens of the
utterance's text (a forced aligner gives one word per entry; espeak-ng speaks
some words together, see :mod:`speechbrain_xling.corpora.espeak_library`).
The entries, in order, must cover the text exactly: their words joined by
spaces are the text's tokens joined by spaces. Starts never decrease, an end
is never before its start nor after the next start, and no time is outside
the audio (``duration`` + :data:`TOLERANCE`). ``phones`` (optional) is the
number of phones of the entry, which phone units need. Real data: write this
file from a forced aligner's output; the mini-corpus writes
``train_words.jsonl`` and ``valid_words.jsonl`` beside its manifests
(:func:`word_timings_path`).

Units of a word group (:func:`word_unit_starts`): unit ``j`` of a sequence at
``frame_rate`` covers ``[j, j + 1) / frame_rate`` seconds, so a group starts
at unit ``floor(start * frame_rate)``; with deduplicated units (a unit per run
of equal frames) at the first unit whose run starts there or later. Phone
units start a group after the phones of the groups before it. The units
between two groups' starts (pauses included) belong to the first of them,
so the groups' units cover the utterance.

Authors
 * speechbrain-xling authors 2026
"""

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.text_files import open_text

# Seconds a time may exceed the audio's duration (manifests round durations
# to the millisecond).
TOLERANCE = 0.01


@dataclass(frozen=True)
class TimedWord:
    """A word group of an utterance: its text, seconds and phone count."""

    word: str
    start: float
    end: float
    phones: int = None


def check_word_timings(words, text, duration, what):
    """Raises a ``ValueError`` naming ``what`` unless ``words`` time ``text``.

    Example
    -------
    >>> words = [TimedWord("The", 0.0, 0.2), TimedWord("hen.", 0.2, 0.5)]
    >>> check_word_timings(words, "The hen.", 0.6, "u1")
    >>> check_word_timings(words, "The hen.", 0.4, "u1")
    Traceback (most recent call last):
    ...
    ValueError: u1: word 2 ('hen.') ends at 0.5 s, after the audio's 0.4 s
    >>> check_word_timings(words[:1], "The hen.", 0.6, "u1")
    Traceback (most recent call last):
    ...
    ValueError: u1: the timed words 'The' do not cover the text 'The hen.'
    """
    if " ".join(word.word for word in words).split() != text.split():
        timed = " ".join(word.word for word in words)
        raise ValueError(f"{what}: the timed words {timed!r} do not cover the text {text!r}")
    previous_start = 0.0
    for number, word in enumerate(words, 1):
        where = f"{what}: word {number} ({word.word!r})"
        if word.start < 0 or word.end < word.start:
            raise ValueError(f"{where} has start {word.start} and end {word.end}")
        if word.start < previous_start:
            raise ValueError(f"{where} starts at {word.start} s, before the word before it")
        if word.end > duration + TOLERANCE:
            raise ValueError(f"{where} ends at {word.end} s, after the audio's {duration} s")
        if number < len(words) and word.end > words[number].start + TOLERANCE:
            raise ValueError(f"{where} ends at {word.end} s, after the next word starts")
        if word.phones is not None and (int(word.phones) != word.phones or word.phones < 0):
            raise ValueError(f"{where} has phones {word.phones!r}, not a count")
        previous_start = word.start


def word_timings_path(manifest_path):
    """Where the word timings of a manifest go by convention: beside it.

    Example
    -------
    >>> word_timings_path("corpus/train.csv").as_posix()
    'corpus/train_words.jsonl'
    """
    manifest_path = Path(manifest_path)
    return manifest_path.with_name(f"{manifest_path.stem}_words.jsonl")


def write_word_timings(entries, path):
    """Writes ``(utterance_id, words)`` pairs as JSON Lines, atomically."""
    with atomic_path(path) as tmp_path, open(tmp_path, "w", encoding="utf-8") as handle:
        for utterance_id, words in entries:
            line = {"ID": utterance_id, "words": [_entry(word) for word in words]}
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def _entry(word):
    entry = asdict(word)
    if entry["phones"] is None:
        del entry["phones"]
    return entry


def read_word_timings(path):
    """``{ID: [TimedWord, ...]}`` of a word-timings file; a malformed line is
    a ``ValueError`` naming the file and line.

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "words.jsonl"
    >>> write_word_timings([("u1", [TimedWord("Hi.", 0.1, 0.4, 2)])], path)
    >>> read_word_timings(path)
    {'u1': [TimedWord(word='Hi.', start=0.1, end=0.4, phones=2)]}
    >>> _ = path.write_text('{"ID": "u1"}\\n')
    >>> try:
    ...     read_word_timings(path)
    ... except ValueError as error:
    ...     print(str(error).split(": ", 1)[1])
    not a word-timings line (missing 'words')
    """
    timings = {}
    with open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path} line {number}"
            try:
                row = json.loads(line)
                words = [
                    TimedWord(
                        str(item["word"]),
                        float(item["start"]),
                        float(item["end"]),
                        item.get("phones"),
                    )
                    for item in row["words"]
                ]
                utterance_id = str(row["ID"])
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                detail = f"missing {error}" if isinstance(error, KeyError) else str(error)
                raise ValueError(f"{where}: not a word-timings line ({detail})") from error
            if utterance_id in timings:
                raise ValueError(f"{where}: utterance {utterance_id!r} is timed twice")
            timings[utterance_id] = words
    return timings


def word_unit_starts(words, num_units, frame_rate, unit_frames=None, what="utterance"):
    """The unit index where each word group starts (see the module docstring).

    Arguments
    ---------
    words : list of TimedWord
        The utterance's word groups.
    num_units : int
        Length of the utterance's unit sequence.
    frame_rate : float
        Frames per second of the units; ``0`` for phone units (one unit per
        phone: every group needs ``phones``).
    unit_frames : numpy.ndarray, optional
        For deduplicated units: the frame where each unit's run starts.
    what : str
        Names the utterance in errors.

    Returns
    -------
    numpy.ndarray
        int64, nondecreasing, in ``[0, num_units]``.

    Example
    -------
    >>> words = [TimedWord("The", 0.1, 0.3, 2), TimedWord("hen.", 0.3, 0.9, 3)]
    >>> word_unit_starts(words, 12, 12.5).tolist()
    [1, 3]
    >>> word_unit_starts(words, 5, 0).tolist()
    [0, 2]
    >>> word_unit_starts(words, 4, 12.5, unit_frames=[0, 2, 5, 9]).tolist()
    [1, 2]
    """
    if frame_rate == 0:
        counts = [word.phones for word in words]
        if any(count is None for count in counts):
            raise ValueError(f"{what}: phone units need the phone count of every timed word")
        if sum(counts) != num_units:
            raise ValueError(
                f"{what}: the timed words hold {sum(counts)} phones but the utterance "
                f"{num_units} phone units"
            )
        return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    frames = np.floor(np.array([word.start for word in words]) * frame_rate + 1e-9)
    if unit_frames is None:
        return np.minimum(frames, num_units).astype(np.int64)
    if len(unit_frames) != num_units:
        raise ValueError(f"{what}: {len(unit_frames)} unit frames for {num_units} units")
    return np.searchsorted(np.asarray(unit_frames), frames, side="left").astype(np.int64)


def word_spans(words, text, duration, num_units, frame_rate, unit_frames=None, what="utterance"):
    """Checked word timings -> ``(token_starts, unit_starts)`` for a unit store
    (:meth:`~speechbrain_xling.data.unit_store.PartWriter.add`).

    Arguments are those of :func:`check_word_timings` and
    :func:`word_unit_starts`.

    Example
    -------
    >>> words = [TimedWord("The", 0.0, 0.2, 2), TimedWord("red hen.", 0.2, 0.9, 6)]
    >>> [a.tolist() for a in word_spans(words, "The red hen.", 1.0, 12, 12.5)]
    [[0, 1], [0, 2]]
    """
    check_word_timings(words, text, duration, what)
    sizes = [len(word.word.split()) for word in words]
    token_starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return token_starts, word_unit_starts(words, num_units, frame_rate, unit_frames, what)
