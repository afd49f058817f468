"""The audio of the spoken benchmarks: one voice, cached synthesis, placed files.

Every benchmark (:mod:`~speechbrain_xling.corpora.cloze_benchmark`,
:mod:`~speechbrain_xling.corpora.zerospeech_benchmark`,
:mod:`~speechbrain_xling.corpora.alignment_benchmark`) speaks its texts with a
:class:`BenchmarkSpeaker` (one voice, the audio cache shared with the training
corpus) and puts each WAV in its own folder with :func:`place_audio`: a hard
link (or a copy) of the cached WAV and of its ``.json`` sidecar, whose
``phonemes`` feed the phone-level topline units. WAV files are mono 16-bit
PCM at 22,050 Hz, named by a content hash (:func:`content_name`, or the cache
key for the files that are cached utterances as they are).

Authors
 * speechbrain-xling authors 2026
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from speechbrain_xling.corpora.files import link_or_copy
from speechbrain_xling.corpora.tts import BENCHMARK_VOICE, Utterance, Voice, synthesize


@dataclass(frozen=True)
class BenchmarkSpeaker:
    """Speaks benchmark texts in one voice into the shared audio cache.

    Arguments
    ---------
    cache_dir : str or Path
        Audio cache folder (see :mod:`speechbrain_xling.corpora.tts`).
    voice : Voice
        The one voice of all benchmark audio.
    num_workers : int
        Concurrent espeak-ng processes.
    progress : bool
        Show progress bars.

    Example
    -------
    >>> import tempfile
    >>> speaker = BenchmarkSpeaker(tempfile.mkdtemp(), progress=False)
    >>> audio = speaker.speak([("Hello.", "en"), ("Bonjour.", "fr"), ("Hello.", "en")])
    >>> sorted(audio), audio["Hello.", "en"].wav.suffix
    ([('Bonjour.', 'fr'), ('Hello.', 'en')], '.wav')
    """

    cache_dir: Path
    voice: Voice = BENCHMARK_VOICE
    num_workers: int = 2
    progress: bool = True

    def speak(self, texts_and_langs):
        """Synthesises ``(text, lang)`` pairs; returns them mapped to results.

        Arguments
        ---------
        texts_and_langs : list of tuple
            ``(text, lang)`` pairs; repeated pairs are spoken once.

        Returns
        -------
        dict
            ``{(text, lang): SynthesizedUtterance}``.
        """
        unique = list(dict.fromkeys(texts_and_langs))
        results = synthesize(
            [Utterance(text, lang, self.voice) for text, lang in unique],
            self.cache_dir,
            num_workers=self.num_workers,
            progress=self.progress,
        )
        return dict(zip(unique, results))


def content_name(*parts):
    """An opaque, stable file stem for the given parts.

    Example
    -------
    >>> content_name("lexical", "en", 0, "bucket") == content_name("lexical", "en", 0, "bucket")
    True
    >>> len(content_name("x"))
    16
    """
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def place_audio(utterance, destination):
    """Links an utterance's WAV and its sidecar (phonemes) to ``destination``.

    Every benchmark WAV thus has a ``.json`` sidecar beside it.

    Arguments
    ---------
    utterance : SynthesizedUtterance
        A cached utterance.
    destination : str or Path
        The WAV path in the benchmark folder (the sidecar goes beside it).
    """
    destination = Path(destination)
    link_or_copy(utterance.wav, destination)
    link_or_copy(utterance.wav.with_suffix(".json"), destination.with_suffix(".json"))
