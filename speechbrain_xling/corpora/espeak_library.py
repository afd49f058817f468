"""espeak-ng through its C library: word timings of a synthesised text.

The ``espeak-ng`` command writes a WAV and its IPA but no timing. The library
it is built on (``libespeak-ng.so.1``, installed with it) reports, while it
synthesises, an event where each word and each phoneme begins.
:func:`espeak_word_timings` runs a text through the library and returns its
words with start and end times (seconds) and phone counts.

Matching the audio of the command
    In a fresh process the library's samples equal those of ``espeak-ng -w``
    bit for bit; in a long-lived one a little state carries over from one
    utterance to the next (the pitch flutter's phase, for one), and
    durations differ by up to ~4% (measured on 1,000 mini-corpus sentences).
    Timings are therefore scaled to the duration of the WAV the command wrote
    (``duration``), which the corpus keeps; they depend on what the process
    spoke before by about a millisecond (a fresh process per utterance would
    make them exact at ~10x the cost). The corpus caches them beside the
    audio, so a corpus rebuilt from its cache gets the same timings.

Words
    espeak-ng speaks some words together (``for the``, ``in the``): one word
    event covers both. Entries are therefore *word groups* of one or more
    whitespace-separated tokens of the text, in order and covering it (a
    lone punctuation token joins the word before it). When the events cannot
    be matched to the text (apostrophes confuse espeak-ng's text positions),
    the function returns ``None`` and the caller counts the utterance as
    untimed.

The library holds global state: one utterance at a time (a lock).

Authors
 * speechbrain-xling authors 2026
"""

import bisect
import ctypes
import ctypes.util
import re
import threading
from functools import cache

import numpy as np

from speechbrain_xling.prepare.word_timings import TimedWord

# espeak_AUDIO_OUTPUT, espeak_EVENT_TYPE, espeak_PARAMETER and flags of
# speak_lib.h (espeak-ng 1.5x).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_EVENT_LIST_TERMINATED, _EVENT_WORD, _EVENT_PHONEME = 0, 1, 7
_RATE, _PITCH = 1, 3
_END_PAUSE = 0x1000
_LOCK = threading.Lock()
_NON_PHONE_MARKS = re.compile(r"\([a-z-]+\)|[ˈˌ\-]")


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class _Library:
    """The loaded library and what the callback collects for one utterance."""

    def __init__(self):
        path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self.lib = ctypes.CDLL(path)
        except OSError as error:
            raise RuntimeError(
                f"cannot load the espeak-ng library ({path}): {error}; it comes with "
                "espeak-ng (apt-get install espeak-ng)"
            ) from error
        self.sample_rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA
        )
        if self.sample_rate <= 0:
            raise RuntimeError(f"espeak_Initialize failed ({self.sample_rate})")
        self.chunks, self.events = [], []
        self._callback = _CALLBACK(self._collect)  # kept alive with the object
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, num_samples, events):
        if wav and num_samples > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(num_samples,)).copy())
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            # A word event of length 0 is no word of the text (a lone
            # punctuation mark, or one left over from the previous utterance).
            if event.type == _EVENT_PHONEME or (event.type == _EVENT_WORD and event.length > 0):
                name = event.id.decode("utf-8", "replace") if event.type == _EVENT_PHONEME else ""
                self.events.append((event.type, event.sample, name, event.text_position))
            index += 1
        return 0

    def synthesize(self, text, espeak_voice, pitch, speed):
        self.chunks, self.events = [], []
        if self.lib.espeak_SetVoiceByName(espeak_voice.encode()) != 0:
            raise ValueError(f"espeak-ng library: unknown voice {espeak_voice!r}")
        self.lib.espeak_SetParameter(_RATE, int(speed), 0)
        self.lib.espeak_SetParameter(_PITCH, int(pitch), 0)
        data = text.encode("utf-8") + b"\0"
        status = self.lib.espeak_Synth(data, len(data), 0, 0, 0, _END_PAUSE, None, None)
        if status != 0:
            raise RuntimeError(f"espeak_Synth failed ({status}) for {text!r}")
        samples = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.int16)
        return samples, list(self.events)


@cache
def _library():
    return _Library()


def normalize_phonemes(ipa):
    """Space-separated phones from espeak-ng ``--ipa --sep=_`` output.

    Example
    -------
    >>> normalize_phonemes("l_ə- ʃ_ˈa (en)_h_ɜː_(fr)\\n")
    'l ə ʃ a h ɜː'
    """
    tokens = re.split(r"[\s_]+", _NON_PHONE_MARKS.sub("_", ipa))
    return " ".join(token for token in tokens if token)


def _token_starts(text):
    """1-based character position of each whitespace-separated token."""
    starts, position = [], 0
    for token in text.split():
        position = text.index(token, position)
        starts.append(position + 1)
        position += len(token)
    return starts


def espeak_word_timings(text, espeak_voice, pitch, speed, duration):
    """Word groups of a text as espeak-ng speaks it, timed in seconds.

    Arguments
    ---------
    text : str
        What was said.
    espeak_voice : str
        The ``-v`` argument, e.g. ``en-us+f3``.
    pitch, speed : int
        ``-p`` and ``-s``.
    duration : float
        Seconds of the WAV the ``espeak-ng`` command wrote; timings are
        scaled to it (see the module docstring).

    Returns
    -------
    list of TimedWord or None
        One entry per word group (see the module docstring): its tokens
        joined by a space, its first event, the first event after its last
        phone (its start when it has no phone), its number of phones.
        ``None`` when the events cannot be matched to the text.

    Example
    -------
    >>> words = espeak_word_timings("The hen went in the barn.", "en-us+f3", 50, 160, 1.8)
    >>> [(w.word, w.phones) for w in words]
    [('The', 2), ('hen', 3), ('went', 4), ('in the', 4), ('barn.', 3)]
    >>> all(a.end <= b.start for a, b in zip(words, words[1:])), words[-1].end <= 1.8
    (True, True)
    """
    with _LOCK:
        library = _library()
        samples, events = library.synthesize(text, espeak_voice, pitch, speed)
    if not len(samples):
        return None
    scale = duration / len(samples)
    tokens = text.split()
    token_starts = _token_starts(text)
    groups = []  # [first token, start sample, phones, index of the last phone event]
    for index, (kind, sample, name, position) in enumerate(events):
        if kind == _EVENT_WORD:
            # The token the event's text position falls in.
            first = bisect.bisect_right(token_starts, position) - 1
            inside = first >= 0 and position < token_starts[first] + len(tokens[first])
            if not inside or (groups and first <= groups[-1][0]):
                return None
            groups.append([first, sample, 0, None])
        elif groups:
            count = len(normalize_phonemes(name).split())
            if count:
                groups[-1][2] += count
                groups[-1][3] = index
        elif normalize_phonemes(name):
            return None  # a phone before any word
    if not groups or groups[0][0] != 0:
        return None
    words = []
    for number, (first, start, phones, last) in enumerate(groups):
        stop = groups[number + 1][0] if number + 1 < len(groups) else len(tokens)
        if last is None:
            end = start
        else:
            end = events[last + 1][1] if last + 1 < len(events) else len(samples)
        word = " ".join(tokens[first:stop])
        words.append(TimedWord(word, start * scale, end * scale, phones))
    return words
