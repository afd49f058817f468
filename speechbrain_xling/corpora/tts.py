"""espeak-ng speech synthesis of short texts, cached by content.

Voices
    A :class:`Voice` is an espeak-ng voice variant (``f3``, ``m1``, ...) with a
    pitch (``-p``) and a speed (``-s``); it is spoken as ``en-us+VARIANT`` in
    English and ``fr+VARIANT`` in French (``en-gb+V`` and ``fr-fr+V`` ignore
    the variant). :data:`TRAIN_VOICES` are the voices of the mini-corpus's
    training stories and :data:`BENCHMARK_VOICE` the one of its benchmarks.

Audio
    espeak-ng writes mono 16-bit PCM WAV at 22,050 Hz (:data:`SAMPLE_RATE`);
    tokenisers resample as they need.

Cache
    Each utterance is stored under ``CACHE/ab/<key>.wav`` with a sidecar
    ``CACHE/ab/<key>.json`` (inputs, phonemes, duration, word timings);
    ``<key>`` is the
    SHA-256 of the text, language, espeak voice, pitch, speed and espeak-ng
    version, so a change of any input gives a new file and an unchanged one is
    never synthesised twice. The WAV is moved in place first and the sidecar
    last (both atomically): a sidecar marks a finished utterance.

Phonemes
    The ``phonemes`` of an utterance are espeak-ng's IPA transcription
    (``--ipa``) as space-separated phones, without stress marks, language
    switch markers or word boundaries, e.g. ``ð ə h ɛ n`` for *the hen*.
    espeak-ng gives no frame-level alignment (that needs mbrola).

Word timings
    ``words``: the utterance's word groups with start, end and phone count,
    from espeak-ng's library (:mod:`speechbrain_xling.corpora.espeak_library`),
    or ``None`` when its events could not be matched to the text (rare:
    5 of 2,000 mini-corpus sentences). A cached utterance from before word
    timings gets them added to its sidecar on first use; its audio is kept.

Authors
 * speechbrain-xling authors 2026
"""

import hashlib
import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from tqdm import tqdm

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.corpora.espeak_library import espeak_word_timings, normalize_phonemes
from speechbrain_xling.corpora.files import wav_duration
from speechbrain_xling.corpora.lexicon import check_language
from speechbrain_xling.prepare.word_timings import TimedWord

SAMPLE_RATE = 22050
ESPEAK_LANGUAGE_VOICES = {"en": "en-us", "fr": "fr"}
# Bump when the cached files change meaning (e.g. a new phoneme format).
_CACHE_FORMAT = 1


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice variant with its pitch and speed.

    Arguments
    ---------
    variant : str
        espeak-ng variant name (``espeak-ng --voices=variant``), e.g. ``f3``.
    pitch : int
        ``-p``, 0 to 99.
    speed : int
        ``-s``, words per minute.

    Example
    -------
    >>> voice = Voice("f3", pitch=60, speed=150)
    >>> voice.speaker_id, voice.espeak_voice("fr")
    ('f3-p60-s150', 'fr+f3')
    """

    variant: str
    pitch: int = 50
    speed: int = 160

    @classmethod
    def from_spec(cls, spec):
        """Parses ``VARIANT[:PITCH[:SPEED]]``, e.g. ``f3:60:150``.

        Example
        -------
        >>> Voice.from_spec("m1:40")
        Voice(variant='m1', pitch=40, speed=160)
        """
        variant, *numbers = spec.split(":")
        if not variant or len(numbers) > 2 or not all(n.isdigit() for n in numbers):
            raise ValueError(f"Bad voice {spec!r}; expected VARIANT[:PITCH[:SPEED]]")
        return cls(variant, *(int(number) for number in numbers))

    @property
    def speaker_id(self):
        """Speaker id used in manifests and gold files."""
        return f"{self.variant}-p{self.pitch}-s{self.speed}"

    def espeak_voice(self, lang):
        """The ``-v`` argument of espeak-ng for language ``lang``."""
        check_language(lang)
        return f"{ESPEAK_LANGUAGE_VOICES[lang]}+{self.variant}"


TRAIN_VOICES = (
    Voice("m3", pitch=50, speed=160),
    Voice("f3", pitch=60, speed=155),
    Voice("m1", pitch=40, speed=170),
    Voice("f4", pitch=70, speed=165),
    Voice("m7", pitch=45, speed=150),
    Voice("f2", pitch=55, speed=175),
)
# One of the training voices, so that benchmarks are in-domain for the tiny
# models trained on the mini-corpus.
BENCHMARK_VOICE = TRAIN_VOICES[0]


@dataclass(frozen=True)
class Utterance:
    """A text to speak in one language with one voice.

    Example
    -------
    >>> Utterance("The hen is sad.", "en", Voice("f3")).lang
    'en'
    """

    text: str
    lang: str
    voice: Voice


@dataclass(frozen=True)
class SynthesizedUtterance:
    """A synthesised utterance: its WAV file, phonemes, duration (s) and
    word timings (a list of :class:`TimedWord`, or ``None``)."""

    wav: Path
    phonemes: str
    duration: float
    words: list = None


@cache
def espeak_executable():
    """Path of the espeak-ng executable; a clear error when it is missing.

    Example
    -------
    >>> Path(espeak_executable()).name
    'espeak-ng'
    """
    path = shutil.which("espeak-ng")
    if path is None:
        raise RuntimeError(
            "espeak-ng is not installed or not on PATH; the mini-corpus needs "
            "it for speech synthesis: apt-get install espeak-ng"
        )
    return path


def _run_espeak(args, text, what):
    result = subprocess.run(
        [espeak_executable(), *args, "--stdin"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"espeak-ng failed ({what}) with exit code {result.returncode}: {result.stderr.strip()}"
        )
    return result.stdout


@cache
def espeak_version():
    """The version line of espeak-ng, part of every cache key.

    Example
    -------
    >>> espeak_version().startswith("eSpeak NG")
    True
    """
    return _run_espeak(["--version"], "", "version").splitlines()[0].strip()


@cache
def available_variants():
    """Names of the voice variants espeak-ng knows (``--voices=variant``).

    Example
    -------
    >>> {"f3", "m3"} <= available_variants()
    True
    """
    listing = _run_espeak(["--voices=variant"], "", "list variants")
    return frozenset(re.findall(r"!v/(\S+)", listing))


def check_voice(voice):
    """Raises a ``ValueError`` for a variant espeak-ng would silently ignore.

    Example
    -------
    >>> check_voice(Voice("f3"))
    >>> check_voice(Voice("nobody"))
    Traceback (most recent call last):
    ...
    ValueError: Unknown espeak-ng voice variant 'nobody'; see espeak-ng --voices=variant
    """
    if voice.variant not in available_variants():
        raise ValueError(
            f"Unknown espeak-ng voice variant {voice.variant!r}; see espeak-ng --voices=variant"
        )


def _espeak_args(lang, voice):
    return [
        "-v",
        voice.espeak_voice(lang),
        "-p",
        str(voice.pitch),
        "-s",
        str(voice.speed),
        "--ipa",
        "--sep=_",
    ]


def phonemize(texts, lang, voice=TRAIN_VOICES[0]):
    """Phonemes of many short texts with one espeak-ng call, no audio.

    Arguments
    ---------
    texts : list of str
        Words or phrases without punctuation (each must stay one clause).
    lang : str
        Language code.
    voice : Voice
        Voice whose language rules are used (the variant does not matter).

    Returns
    -------
    list of str
        Space-separated phones of each text (see :func:`normalize_phonemes`).

    Example
    -------
    >>> phonemize(["cochon", "seau"], "fr")
    ['k o ʃ ɔ̃', 's o']
    """
    for text in texts:
        if not text.strip() or re.search(r"[.,;:!?\n]", text):
            raise ValueError(f"phonemize needs non-empty texts without punctuation, got {text!r}")
    if not texts:
        return []
    joined = "".join(f"{text}.\n" for text in texts)
    output = _run_espeak(["-q", *_espeak_args(lang, voice)], joined, f"phonemize {lang}")
    lines = [line for line in output.splitlines() if line.strip()]
    if len(lines) != len(texts):
        raise RuntimeError(
            f"espeak-ng returned {len(lines)} phoneme lines for {len(texts)} {lang} texts"
        )
    return [normalize_phonemes(line) for line in lines]


def cache_key(utterance):
    """SHA-256 of everything that determines an utterance's audio.

    Example
    -------
    >>> a = Utterance("Hi.", "en", Voice("f3"))
    >>> cache_key(a) == cache_key(Utterance("Hi.", "en", Voice("f3")))
    True
    >>> cache_key(a) == cache_key(Utterance("Hi.", "en", Voice("f3", pitch=10)))
    False
    """
    inputs = [
        _CACHE_FORMAT,
        espeak_version(),
        utterance.lang,
        utterance.voice.espeak_voice(utterance.lang),
        utterance.voice.pitch,
        utterance.voice.speed,
        utterance.text,
    ]
    return hashlib.sha256(json.dumps(inputs).encode("utf-8")).hexdigest()


def _cache_paths(cache_dir, key):
    folder = Path(cache_dir) / key[:2]
    return folder / f"{key}.wav", folder / f"{key}.json"


def synthesize_utterance(utterance, cache_dir):
    """Synthesises one utterance into the cache, or returns the cached one.

    Arguments
    ---------
    utterance : Utterance
        What to say.
    cache_dir : str or Path
        Cache folder (see the module docstring).

    Returns
    -------
    SynthesizedUtterance

    Example
    -------
    >>> import tempfile
    >>> result = synthesize_utterance(
    ...     Utterance("The hen is sad.", "en", Voice("f3")), tempfile.mkdtemp()
    ... )
    >>> result.phonemes
    'ð ə h ɛ n ɪ z s æ d'
    >>> [(word.word, word.phones) for word in result.words]
    [('The', 2), ('hen', 3), ('is', 2), ('sad.', 3)]
    >>> 0.5 < result.duration < 3.0
    True
    """
    check_language(utterance.lang)
    if not utterance.text.strip():
        raise ValueError("Cannot synthesise an empty text")
    wav_path, sidecar_path = _cache_paths(cache_dir, cache_key(utterance))
    espeak_voice = utterance.voice.espeak_voice(utterance.lang)
    if sidecar_path.exists() and wav_path.exists():
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        if "words" not in sidecar:  # cached before word timings: add them
            sidecar["words"] = _timed_words(utterance, espeak_voice, sidecar["duration"])
            _write_sidecar(sidecar, sidecar_path)
        return _synthesized(wav_path, sidecar)
    what = f"voice {espeak_voice!r}, text {utterance.text!r}"
    with atomic_path(wav_path) as tmp_wav:
        ipa = _run_espeak(
            [*_espeak_args(utterance.lang, utterance.voice), "-w", str(tmp_wav)],
            utterance.text,
            what,
        )
        if not tmp_wav.exists() or wav_duration(tmp_wav) == 0:
            raise RuntimeError(f"espeak-ng wrote no audio for {what}")
        duration = wav_duration(tmp_wav)
    phonemes = normalize_phonemes(ipa)
    sidecar = {
        "text": utterance.text,
        "lang": utterance.lang,
        "espeak_voice": espeak_voice,
        "pitch": utterance.voice.pitch,
        "speed": utterance.voice.speed,
        "espeak_version": espeak_version(),
        "phonemes": phonemes,
        "duration": duration,
        "words": _timed_words(utterance, espeak_voice, duration),
    }
    _write_sidecar(sidecar, sidecar_path)
    return _synthesized(wav_path, sidecar)


def _timed_words(utterance, espeak_voice, duration):
    """Sidecar entries of the utterance's word timings (``None``: untimed)."""
    words = espeak_word_timings(
        utterance.text, espeak_voice, utterance.voice.pitch, utterance.voice.speed, duration
    )
    return None if words is None else [asdict(word) for word in words]


def _write_sidecar(sidecar, sidecar_path):
    with atomic_path(sidecar_path) as tmp_sidecar:
        tmp_sidecar.write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")


def _synthesized(wav_path, sidecar):
    words = sidecar["words"]
    return SynthesizedUtterance(
        wav_path,
        sidecar["phonemes"],
        sidecar["duration"],
        None if words is None else [TimedWord(**word) for word in words],
    )


def synthesize(utterances, cache_dir, num_workers=2, progress=True):
    """Synthesises utterances in parallel, skipping cached ones.

    espeak-ng runs as subprocesses, ``num_workers`` at a time (threads wait
    on them, so threads are enough to use that many cores). Duplicate
    utterances are synthesised once.

    Arguments
    ---------
    utterances : list of Utterance
        What to say.
    cache_dir : str or Path
        Cache folder.
    num_workers : int
        Concurrent espeak-ng processes.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    list of SynthesizedUtterance
        In the order of ``utterances``.

    Example
    -------
    >>> import tempfile
    >>> voice = Voice("m3")
    >>> results = synthesize(
    ...     [Utterance("Bonjour.", "fr", voice), Utterance("Hello.", "en", voice)],
    ...     tempfile.mkdtemp(),
    ...     progress=False,
    ... )
    >>> [result.wav.suffix for result in results]
    ['.wav', '.wav']
    """
    if num_workers < 1:
        raise ValueError(f"num_workers must be >= 1, got {num_workers}")
    for voice in {utterance.voice for utterance in utterances}:
        check_voice(voice)
    unique = list(dict.fromkeys(utterances))
    results = {}
    with ThreadPoolExecutor(max_workers=num_workers) as pool:
        futures = {
            pool.submit(synthesize_utterance, utterance, cache_dir): utterance
            for utterance in unique
        }
        try:
            for future in tqdm(
                as_completed(futures),
                total=len(futures),
                desc="espeak-ng",
                unit="utt",
                disable=not progress,
            ):
                results[futures[future]] = future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [results[utterance] for utterance in utterances]
