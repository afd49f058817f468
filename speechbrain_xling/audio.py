"""Reading audio for tokenisation: any file -> mono float at one rate.

Files are read with ``soundfile`` (WAV, FLAC, OGG, ...), optionally as a
segment ``[start, start + duration)``, down-mixed to mono when they have
several channels and resampled (``torchaudio``) when their rate differs from
the tokeniser's. Down-mixing and resampling are normal and only counted in
:attr:`AudioReader.counts`; missing, unreadable, empty or non-finite audio
raises :class:`AudioError`, whose ``reason`` is one of :data:`REASONS` so
that callers can count skips by cause.

Authors
 * speechbrain-xling authors 2026
"""

import collections
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio

REASONS = ("missing", "unreadable", "empty", "non_finite")


class AudioError(ValueError):
    """Audio that cannot be tokenised.

    Arguments
    ---------
    path : str or Path
        The offending file (named first in the message).
    reason : str
        One of :data:`REASONS`.
    detail : str
        What is wrong, for the message.
    context : str
        Where the file was named (e.g. a manifest line), put first.

    Example
    -------
    >>> str(AudioError("a.wav", "empty", "no samples", context="m.csv line 3"))
    'm.csv line 3: a.wav: no samples'
    """

    def __init__(self, path, reason, detail, context=""):
        if reason not in REASONS:
            raise ValueError(f"unknown audio error reason {reason!r}")
        self.path = str(path)
        self.reason = reason
        self.detail = detail
        prefix = f"{context}: " if context else ""
        super().__init__(f"{prefix}{path}: {detail}")


def _open(path, opener):
    """``opener(path)`` with missing/unreadable files as :class:`AudioError`."""
    if not Path(path).is_file():
        raise AudioError(path, "missing", "audio file not found")
    try:
        return opener(str(path))
    except (sf.SoundFileError, RuntimeError) as error:
        raise AudioError(path, "unreadable", f"cannot read audio ({error})") from error


def audio_duration(path):
    """Duration in seconds of an audio file, from its header (no decoding).

    Raises :class:`AudioError` for a missing or unreadable file.

    Example
    -------
    >>> import tempfile, pathlib, numpy, soundfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.wav"
    >>> soundfile.write(path, numpy.zeros(4000), 8000)
    >>> audio_duration(path)
    0.5
    """
    return _open(path, sf.info).duration


class AudioReader:
    """Reads audio files as mono ``float32`` tensors at ``sample_rate``.

    Arguments
    ---------
    sample_rate : int
        Output rate (Hz), e.g. the tokeniser's :attr:`sample_rate`.

    Attributes
    ----------
    counts : collections.Counter
        ``"downmixed"`` and ``"resampled"``: how many reads needed it.

    Example
    -------
    >>> import tempfile, pathlib, numpy, soundfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "stereo.wav"
    >>> soundfile.write(path, numpy.full((8000, 2), 0.1), 8000)
    >>> reader = AudioReader(16000)
    >>> wav = reader(path)
    >>> wav.shape, dict(reader.counts)
    (torch.Size([16000]), {'downmixed': 1, 'resampled': 1})
    >>> reader(path, start=0.5, duration=0.25).shape
    torch.Size([4000])
    """

    def __init__(self, sample_rate):
        self.sample_rate = int(sample_rate)
        self.counts = collections.Counter()
        self._resamplers = {}

    def __call__(self, path, start=0.0, duration=None):
        """Reads a file, or its segment ``[start, start + duration)``.

        Arguments
        ---------
        path : str or Path
            Audio file.
        start : float
            Segment start in seconds.
        duration : float, optional
            Segment length in seconds; ``None`` reads to the end.

        Returns
        -------
        torch.Tensor
            ``[samples]`` float32 mono audio at :attr:`sample_rate`.
        """
        with _open(path, sf.SoundFile) as handle:
            rate, total = handle.samplerate, handle.frames
            first = min(round(start * rate), total)
            count = -1 if duration is None else round(duration * rate)
            handle.seek(first)
            data = handle.read(count, dtype="float32", always_2d=True)
        if data.shape[0] == 0:
            raise AudioError(
                path,
                "empty",
                f"no samples to read (file has {total} samples at {rate} Hz; "
                f"segment start {start} s, duration {duration} s)",
            )
        if not np.isfinite(data).all():
            bad = int((~np.isfinite(data)).any(axis=1).sum())
            raise AudioError(path, "non_finite", f"{bad} sample(s) are NaN or infinite")
        if data.shape[1] > 1:
            self.counts["downmixed"] += 1
            wav = torch.from_numpy(data.mean(axis=1))
        else:  # the one channel as it is, not a copy (long files)
            wav = torch.from_numpy(data[:, 0])
        if rate != self.sample_rate:
            self.counts["resampled"] += 1
            wav = self._resampler(rate)(wav)
        return wav

    def _resampler(self, rate):
        if rate not in self._resamplers:
            self._resamplers[rate] = torchaudio.transforms.Resample(rate, self.sample_rate)
        return self._resamplers[rate]


def check_batch(wavs, lengths):
    """Checks a padded batch for :meth:`UnitTokenizer.encode`; returns the lengths.

    Arguments
    ---------
    wavs : torch.Tensor
        ``[batch, samples]``.
    lengths : sequence of int or torch.Tensor
        ``[batch]`` valid samples per row, each in ``[1, samples]``.

    Returns
    -------
    torch.Tensor
        The lengths as a CPU ``long`` tensor.

    Example
    -------
    >>> check_batch(torch.zeros(2, 5), [5, 2]).tolist()
    [5, 2]
    >>> check_batch(torch.zeros(2, 5), [6, 2])
    Traceback (most recent call last):
    ...
    ValueError: lengths must be in [1, 5], got [6, 2]
    """
    lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()
    if wavs.ndim != 2 or lengths.shape != (len(wavs),):
        raise ValueError(
            f"expected wavs [batch, samples] and lengths [batch], got "
            f"{tuple(wavs.shape)} and {tuple(lengths.shape)}"
        )
    if lengths.min() < 1 or lengths.max() > wavs.shape[1]:
        raise ValueError(f"lengths must be in [1, {wavs.shape[1]}], got {lengths.tolist()}")
    return lengths


def pad_batch(wavs):
    """Right-pads 1-D waveforms with zeros into ``([batch, samples], lengths)``.

    Example
    -------
    >>> wavs, lengths = pad_batch([torch.ones(3), torch.ones(1)])
    >>> wavs.tolist(), lengths.tolist()
    ([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]], [3, 1])
    """
    lengths = torch.tensor([len(wav) for wav in wavs], dtype=torch.long)
    return torch.nn.utils.rnn.pad_sequence(wavs, batch_first=True), lengths
