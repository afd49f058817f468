"""K-means units over spectral features: a small, self-contained tokeniser.

Features are SpeechBrain log-Mel filterbanks (or MFCCs, their DCT) at 100 Hz,
optionally with deltas, mean/variance normalised (per utterance or with
global statistics from the fitting sample), then averaged over
non-overlapping windows down to ``frame_rate``. Each pooled frame is
assigned to its nearest centroid (squared Euclidean distance). The centroids
come from k-means (k-means++ initialisation and Lloyd iterations in torch,
seeded: the same data and seed give the same centroids) on a random sample
of the corpus.

With ``dedup=True`` consecutive repeated units are merged into one, so a
sequence no longer has a fixed rate: :attr:`frame_rate` is then the rate
before deduplication (an upper bound on units per second); ``describe()``
says so.

The log-Mel energies are ``10 log10(max(power, 1e-10))`` without
SpeechBrain's ``top_db`` clipping: that clipping depends on the loudest frame
of the padded row, which would let padding change a row's features.

Features are computed one row at a time (padding is never transformed) and
``chunk_seconds`` of frames at a time: each chunk of frames is cut from the
waveform with the half-window of context its first and last frames need
(zeros outside the signal, as SpeechBrain's centred STFT pads), so the
chunks give exactly the frames of one STFT over the whole row, while memory
beyond the waveform and the small per-frame features stays bounded however
long a file is. Deltas are taken over the concatenated frames of the row.

Fitting reads a random sample of the corpus; unreadable audio (any
:class:`~speechbrain_xling.audio.AudioError`) stops the fit
naming the file (``on_error="error"``), or is skipped, counted in
:attr:`KMeansTokenizer.fit_info`, logged, and replaced by the next file of
the random order (``on_error="skip"``), the policy of
:func:`~speechbrain_xling.tokenizers.pipeline.tokenize_manifest`.

Authors
 * speechbrain-xling authors 2026
"""

import collections
import hashlib
import json
from pathlib import Path

import numpy as np
import torch
from speechbrain.processing.features import (
    DCT,
    STFT,
    Deltas,
    Filterbank,
    spectral_magnitude,
)
from speechbrain.utils.logger import get_logger

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.audio import (
    AudioError,
    AudioReader,
    audio_duration,
    check_batch,
)
from speechbrain_xling.hashing import file_sha256
from speechbrain_xling.prepare.manifest import audio_segment, read_manifest
from speechbrain_xling.saved_settings import check_same_settings
from speechbrain_xling.tokenizers.base import UnitTokenizer

logger = get_logger(__name__)

FILE_FORMAT = "sbx-kmeans-tokenizer-1"
FEATURE_RATE = 100  # frames per second of the filterbank (10 ms hop)
ON_ERROR = ("error", "skip")
MAX_SKIPS_LISTED = 10  # skipped files named in fit_info and the log
# Fewest frames per feature chunk: BLAS products of very few rows can round
# differently from those of many (MKL: under 12), which would break the
# exactness of chunked features.
MIN_CHUNK_FRAMES = 32


def _squared_distances(points, centroids):
    """``[N, D] x [K, D] -> [N, K]`` squared Euclidean distances."""
    return (
        points.pow(2).sum(1, keepdim=True)
        - 2 * points @ centroids.T
        + centroids.pow(2).sum(1)[None, :]
    )


def _nearest(points, centroids, chunk=65536):
    """Index of the nearest centroid of every point (chunked over points)."""
    return torch.cat(
        [
            _squared_distances(points[i : i + chunk], centroids).argmin(1)
            for i in range(0, len(points), chunk)
        ]
    )


def kmeans(points, num_clusters, iterations=25, seed=0):
    """K-means: k-means++ initialisation, then Lloyd iterations.

    Stops early when no assignment changes. A cluster that loses all its
    points keeps its previous centroid.

    Arguments
    ---------
    points : torch.Tensor
        ``[N, D]`` float points, ``N >= num_clusters``.
    num_clusters : int
        K.
    iterations : int
        Maximum number of Lloyd iterations.
    seed : int
        Seed of the k-means++ sampling (results are deterministic).

    Returns
    -------
    torch.Tensor
        ``[K, D]`` centroids.

    Example
    -------
    >>> points = torch.cat([torch.randn(50, 2) * 0.1, torch.randn(50, 2) * 0.1 + 5])
    >>> centroids = kmeans(points, 2, seed=0)
    >>> sorted(centroids.round().abs().sum(1).tolist())
    [0.0, 10.0]
    """
    points = points.float()
    if len(points) < num_clusters:
        raise ValueError(
            f"k-means needs at least num_clusters={num_clusters} points, got "
            f"{len(points)}; fit on more audio (sample_hours) or use fewer units"
        )
    generator = torch.Generator(device="cpu").manual_seed(seed)
    first = torch.randint(len(points), (1,), generator=generator).item()
    chosen = [first]
    closest = _squared_distances(points, points[first : first + 1])[:, 0].clamp_min(0)
    for _ in range(1, num_clusters):
        weights = closest.cpu().double()
        if weights.sum() <= 0:  # fewer distinct points than clusters
            weights = torch.ones_like(weights)
        index = torch.multinomial(weights, 1, generator=generator).item()
        chosen.append(index)
        distance = _squared_distances(points, points[index : index + 1])[:, 0]
        closest = torch.minimum(closest, distance.clamp_min(0))
    centroids = points[chosen].clone()
    assignment = None
    for _ in range(iterations):
        new_assignment = _nearest(points, centroids)
        if assignment is not None and torch.equal(new_assignment, assignment):
            break
        assignment = new_assignment
        sums = torch.zeros_like(centroids).index_add_(0, assignment, points)
        counts = torch.bincount(assignment, minlength=num_clusters)
        filled = counts > 0
        centroids[filled] = sums[filled] / counts[filled, None].to(points.dtype)
    return centroids


class KMeansTokenizer(UnitTokenizer):
    """K-means units over pooled filterbank or MFCC features.

    Arguments
    ---------
    features : str
        ``"fbank"`` (log-Mel) or ``"mfcc"``.
    n_mels : int
        Mel bands.
    n_mfcc : int
        Cepstral coefficients kept (``features="mfcc"`` only).
    deltas : bool
        Append first and second time derivatives (3x the dimension).
    cmvn : str
        ``"utterance"`` (each utterance's own mean/std), ``"global"`` (mean
        and std of the fitting sample, stored with the centroids) or
        ``"none"``.
    frame_rate : float
        Units per second; 100 / frame_rate must be an integer (the number of
        10 ms feature frames averaged into one).
    sample_rate : int
        Rate the audio is read at (Hz).
    dedup : bool
        Merge consecutive repeated units (see the module docstring).
    device : str or torch.device
        Where features and distances are computed.
    chunk_seconds : float
        Audio per feature-extraction chunk of a row (see the module
        docstring; at least 0.32 s): bounds memory, does not change the
        features, so it is not one of the saved settings.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from speechbrain_xling.audio import pad_batch
    >>> tokenizer = KMeansTokenizer(frame_rate=50.0)
    >>> wavs = [torch.randn(16000), torch.randn(8000)]
    >>> _ = tokenizer.fit(wavs, num_units=4, seed=0)
    >>> units = tokenizer.encode(*pad_batch(wavs))
    >>> [len(u) for u in units], int(max(u.max() for u in units)) < 4
    ([51, 26], True)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "km.npz"
    >>> tokenizer.save(path)
    >>> reloaded = KMeansTokenizer.load(path)
    >>> all((a == b).all() for a, b in zip(reloaded.encode(*pad_batch(wavs)), units))
    True
    """

    def __init__(
        self,
        features="fbank",
        n_mels=40,
        n_mfcc=13,
        deltas=False,
        cmvn="utterance",
        frame_rate=25.0,
        sample_rate=16000,
        dedup=False,
        device="cpu",
        chunk_seconds=60.0,
    ):
        if features not in ("fbank", "mfcc"):
            raise ValueError(f"features must be 'fbank' or 'mfcc', got {features!r}")
        if cmvn not in ("utterance", "global", "none"):
            raise ValueError(f"cmvn must be 'utterance', 'global' or 'none', got {cmvn!r}")
        pool = FEATURE_RATE / frame_rate
        if pool < 1 or pool != round(pool):
            raise ValueError(
                f"frame_rate must be {FEATURE_RATE} Hz divided by an integer, got {frame_rate}"
            )
        self.settings = {
            "features": features,
            "n_mels": int(n_mels),
            "n_mfcc": int(n_mfcc) if features == "mfcc" else None,
            "deltas": bool(deltas),
            "cmvn": cmvn,
            "frame_rate": float(frame_rate),
            "sample_rate": int(sample_rate),
            "dedup": bool(dedup),
        }
        self.frame_rate = float(frame_rate)
        self.sample_rate = int(sample_rate)
        self.device = torch.device(device)
        self.num_units = None
        self.centroids = None
        self.cmvn_stats = None
        self.fit_info = None
        self._pool = round(pool)
        n_fft = round(sample_rate * 0.025)  # 25 ms windows
        # Not centred: _row_features cuts each chunk with its own context.
        self._stft = STFT(
            sample_rate=sample_rate,
            n_fft=n_fft,
            hop_length=1000 / FEATURE_RATE,
            center=False,
        )
        self._chunk_frames = max(MIN_CHUNK_FRAMES, round(chunk_seconds * FEATURE_RATE))
        self._filterbank = Filterbank(
            sample_rate=sample_rate,
            n_fft=n_fft,
            n_mels=n_mels,
            f_max=sample_rate // 2,
            log_mel=False,
        ).to(self.device)
        self._dct = (
            DCT(input_size=n_mels, n_out=n_mfcc).to(self.device) if features == "mfcc" else None
        )
        dim = n_mfcc if features == "mfcc" else n_mels
        self._deltas = Deltas(input_size=dim) if deltas else None

    def _features(self, wavs, lengths):
        """Per-row features before normalisation: list of ``[frames, dim]``."""
        lengths = check_batch(wavs, lengths)
        return [self._row_features(row[:length]) for row, length in zip(wavs, lengths.tolist())]

    def _row_features(self, wav):
        """Features of one unpadded waveform, ``[1 + len(wav) // hop, dim]``.

        Frame ``i`` is the window centred at sample ``i * hop`` (zeros outside
        the signal), as in a centred, zero-padded STFT of the whole row. The
        frames are computed in chunks of exactly ``C`` = :attr:`_chunk_frames`
        frames (a row of fewer frames in one go), the last chunk overlapping
        the previous one rather than being shorter: a chunk of frames
        ``[begin, last)`` is the non-centred STFT of the samples
        ``[begin * hop - n_fft // 2, (last - 1) * hop - n_fft // 2 + n_fft)``.
        Equal chunk heights keep the filterbank and DCT products bit-exact
        with one product over the whole row (BLAS kernels for very short
        matrices, e.g. under 12 rows with MKL, round differently).

        Example
        -------
        >>> tokenizer = KMeansTokenizer(chunk_seconds=0.32)  # 32 frames a chunk (the fewest)
        >>> wav = torch.randn(12345)
        >>> feats = tokenizer._row_features(wav)
        >>> feats.shape
        torch.Size([78, 40])
        >>> torch.equal(feats, KMeansTokenizer()._row_features(wav))  # one chunk
        True
        """
        hop, n_fft = self._stft.hop_length, self._stft.n_fft
        num_frames = 1 + len(wav) // hop
        row = None  # allocated at the first chunk, then filled chunk by chunk
        for first in range(0, num_frames, self._chunk_frames):
            begin = max(0, min(first, num_frames - self._chunk_frames))
            last = min(begin + self._chunk_frames, num_frames)
            start = begin * hop - n_fft // 2
            stop = (last - 1) * hop - n_fft // 2 + n_fft
            segment = wav[max(start, 0) : min(stop, len(wav))].to(self.device, torch.float32)
            segment = torch.nn.functional.pad(segment, (max(-start, 0), max(stop - len(wav), 0)))
            power = self._filterbank(spectral_magnitude(self._stft(segment[None])))
            feats = 10 * torch.log10(power.clamp_min(1e-10))
            if self._dct is not None:
                feats = self._dct(feats)
            if row is None:
                row = feats.new_empty(num_frames, feats.shape[2])
            row[first:last] = feats[0, first - begin :]
        if self._deltas is not None:
            delta = self._deltas(row[None])
            row = torch.cat([row[None], delta, self._deltas(delta)], dim=2)[0]
        return row

    def _normalise_and_pool(self, row):
        """CMVN then average over windows of ``100 / frame_rate`` frames."""
        if self.settings["cmvn"] == "utterance":
            # In place on a new tensor: one row-sized temporary, not two.
            row = (row - row.mean(0)).div_(row.std(0, unbiased=False).clamp_min(1e-5))
        elif self.settings["cmvn"] == "global":
            mean, std = self.cmvn_stats
            row = (row - mean).div_(std)
        pooled = torch.nn.functional.avg_pool1d(row.T[None], self._pool, self._pool, ceil_mode=True)
        return pooled[0].T

    def encode(self, wavs, lengths):
        """Encodes a padded batch; see :meth:`UnitTokenizer.encode`.

        Each row of ``n`` samples gives ``ceil((1 + n // hop) / pool)`` units
        (fewer with ``dedup``), hop = 10 ms, pool = 100 / frame_rate.
        """
        return [units for units, _ in self.encode_with_frames(wavs, lengths)]

    @torch.no_grad()
    def encode_with_frames(self, wavs, lengths):
        """Units and the frame where each starts (with ``dedup``, the first
        frame of its run); see :meth:`UnitTokenizer.encode_with_frames`.

        Example
        -------
        >>> tokenizer = KMeansTokenizer(frame_rate=50.0, dedup=True)
        >>> tokenizer.centroids = torch.zeros(1, 40)  # one unit: every frame the same
        >>> [(units.tolist(), frames.tolist())
        ...  for units, frames in tokenizer.encode_with_frames(torch.zeros(1, 1600), [1600])]
        [([0], [0])]
        """
        if self.centroids is None:
            raise RuntimeError(
                "KMeansTokenizer is not fitted: call fit() or KMeansTokenizer.load()"
            )
        encoded = []
        for row in self._features(wavs, lengths):
            ids = _nearest(self._normalise_and_pool(row), self.centroids).cpu().numpy()
            frames = np.arange(len(ids))
            if self.settings["dedup"] and len(ids):
                run_starts = np.concatenate([[True], ids[1:] != ids[:-1]])
                ids, frames = ids[run_starts], frames[run_starts]
            encoded.append((ids, frames))
        return encoded

    def _candidates(self, source, seed, manifest_options):
        """Audio items in a seeded random order, as ``(item, segment,
        duration, where)``: ``item`` a path or a waveform, ``duration`` in
        seconds (``None`` for a listed path: read from its header when drawn),
        ``where`` the manifest line naming it (or ``""``)."""
        if isinstance(source, (str, Path)):
            items = [
                (
                    row["wav"],
                    audio_segment(row),
                    row["duration"],
                    f"{source} line {row['line']} (ID {row['ID']!r})",
                )
                for row in read_manifest(source, **manifest_options)
            ]
        else:
            items = [
                (
                    item,
                    (0.0, None),
                    len(item) / self.sample_rate if isinstance(item, torch.Tensor) else None,
                    "",
                )
                for item in source
            ]
        for index in np.random.default_rng(seed).permutation(len(items)):
            yield items[index]

    @torch.no_grad()
    def fit(
        self,
        source,
        num_units,
        sample_hours=1.0,
        seed=0,
        iterations=25,
        *,
        on_error="error",
        lang=None,
        data_root=None,
    ):
        """Fits the centroids (and global CMVN statistics) on a random sample.

        Arguments
        ---------
        source : str, Path or list
            A manifest CSV, or a list of audio paths or 1-D waveforms (at
            :attr:`sample_rate`).
        num_units : int
            K.
        sample_hours : float
            Hours of audio drawn at random (whole utterances, seeded).
        seed : int
            Seed of the sample and of k-means.
        iterations : int
            Maximum Lloyd iterations.
        on_error : str
            Audio of the sample that cannot be read (missing, unreadable,
            empty or non-finite: an :class:`AudioError`): ``"error"`` stops
            the fit with an error naming the file (and its manifest line);
            ``"skip"`` leaves it out, draws the next file of the random order
            instead, logs a warning and records the skips in
            :attr:`fit_info` (``num_skipped``, ``skipped_by_reason``, the
            first few in ``skipped``).
        lang, data_root : str, optional
            For a manifest ``source``: its language when it has no ``lang``
            column, and the folder replacing ``$data_root`` in its paths (see
            :func:`~speechbrain_xling.prepare.manifest.read_manifest`).

        Returns
        -------
        KMeansTokenizer
            ``self``, fitted.

        Example
        -------
        >>> import tempfile, pathlib, numpy, soundfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> soundfile.write(folder / "a.wav", numpy.random.randn(16000), 16000)
        >>> _ = (folder / "bad.wav").write_bytes(b"not audio")
        >>> paths = [folder / "a.wav", folder / "bad.wav"]
        >>> tokenizer = KMeansTokenizer().fit(paths, num_units=4, on_error="skip")
        >>> tokenizer.fit_info["num_skipped"], tokenizer.fit_info["skipped_by_reason"]
        (1, {'unreadable': 1})
        >>> KMeansTokenizer().fit(paths, num_units=4)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        speechbrain_xling.audio.AudioError: .../bad.wav: cannot read audio (...)
        """
        if on_error not in ON_ERROR:
            raise ValueError(f"on_error must be 'error' or 'skip', got {on_error!r}")
        reader = AudioReader(self.sample_rate)
        rows, skipped, total = [], [], 0.0
        for item, segment, duration, where in self._candidates(
            source, seed, {"lang": lang, "data_root": data_root}
        ):
            if total >= sample_hours * 3600:
                break
            if isinstance(item, torch.Tensor):
                wav = item
            else:
                try:
                    if duration is None:
                        duration = audio_duration(item)
                    wav = reader(item, *segment)
                except AudioError as error:
                    named = AudioError(error.path, error.reason, error.detail, context=where)
                    if on_error == "error":
                        raise named from error
                    skipped.append(
                        {"wav": str(item), "reason": error.reason, "message": str(named)}
                    )
                    continue
            rows.append(self._row_features(wav))
            total += duration
        if skipped:
            logger.warning(
                f"k-means fit: skipped {len(skipped)} unreadable audio file(s) of the "
                f"fitting sample, replaced by the next ones of the random order; "
                f"first: {'; '.join(s['message'] for s in skipped[:MAX_SKIPS_LISTED])}"
            )
        if not rows:
            raise ValueError(
                "no audio to fit k-means on"
                + (f": all {len(skipped)} file(s) were skipped as unreadable" if skipped else "")
            )
        if self.settings["cmvn"] == "global":
            frames = torch.cat(rows)
            self.cmvn_stats = (
                frames.mean(0),
                frames.std(0, unbiased=False).clamp_min(1e-5),
            )
        points = torch.cat([self._normalise_and_pool(row) for row in rows])
        self.centroids = kmeans(points, num_units, iterations=iterations, seed=seed)
        self.num_units = int(num_units)
        self.fit_info = {
            "source_sha256": (file_sha256(source) if isinstance(source, (str, Path)) else None),
            "sample_hours": float(sample_hours),
            "seed": int(seed),
            "iterations": int(iterations),
            "num_utterances": len(rows),
            "num_frames": len(points),
            "num_skipped": len(skipped),
            "skipped_by_reason": dict(collections.Counter(s["reason"] for s in skipped)),
            "skipped": skipped[:MAX_SKIPS_LISTED],
        }
        return self

    def _arrays(self):
        arrays = {"centroids": self.centroids.cpu().numpy()}
        if self.cmvn_stats is not None:
            arrays["cmvn_mean"] = self.cmvn_stats[0].cpu().numpy()
            arrays["cmvn_std"] = self.cmvn_stats[1].cpu().numpy()
        return arrays

    def save(self, path):
        """Writes centroids, CMVN statistics and settings to an ``.npz`` file.

        The file is written under a temporary name and moved into place, so
        a reader never sees a partial file.
        """
        if self.centroids is None:
            raise RuntimeError("nothing to save: the tokenizer is not fitted")
        meta = {"format": FILE_FORMAT, "settings": self.settings, "fit": self.fit_info}
        with atomic_path(path) as tmp_path, open(tmp_path, "wb") as handle:
            np.savez(handle, meta=np.array(json.dumps(meta)), **self._arrays())

    @classmethod
    def load(cls, path, device="cpu", chunk_seconds=60.0):
        """Reads a tokenizer written by :meth:`save` (``device`` and
        ``chunk_seconds`` as in the constructor)."""
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FILE_FORMAT:
                raise ValueError(f"{path}: not a {FILE_FORMAT} file")
            arrays = {name: torch.from_numpy(data[name]) for name in data.files if name != "meta"}
        settings = dict(meta["settings"])
        if settings["n_mfcc"] is None:
            del settings["n_mfcc"]
        tokenizer = cls(device=device, chunk_seconds=chunk_seconds, **settings)
        tokenizer.centroids = arrays["centroids"].to(tokenizer.device)
        tokenizer.num_units = len(tokenizer.centroids)
        if "cmvn_mean" in arrays:
            tokenizer.cmvn_stats = (
                arrays["cmvn_mean"].to(tokenizer.device),
                arrays["cmvn_std"].to(tokenizer.device),
            )
        tokenizer.fit_info = meta["fit"]
        return tokenizer

    @classmethod
    def fit_or_load(
        cls,
        path,
        manifest,
        num_units,
        sample_hours=1.0,
        seed=0,
        iterations=25,
        device="cpu",
        on_error="error",
        chunk_seconds=60.0,
        lang=None,
        data_root=None,
        **settings,
    ):
        """Loads ``path`` if it exists, else fits on ``manifest`` and saves it.

        A saved tokenizer is reused only if its settings, K and fit options
        (seed, sample hours, iterations, manifest hash) are the requested
        ones; otherwise a ``ValueError`` lists the differences. ``on_error``
        (see :meth:`fit`) only applies to a new fit: it is no setting of the
        model, so a saved one is reused whatever it was fitted with (its
        skips are in its ``fit_info``). ``lang`` and ``data_root`` are
        passed to :meth:`fit` for reading the manifest (neither is a setting
        of the model). Meant to be run with ``run_on_main`` first, then on
        every process.
        """
        if on_error not in ON_ERROR:
            raise ValueError(f"on_error must be 'error' or 'skip', got {on_error!r}")
        requested = cls(device=device, chunk_seconds=chunk_seconds, **settings)
        if not Path(path).exists():
            requested.fit(
                manifest,
                num_units,
                sample_hours,
                seed,
                iterations,
                on_error=on_error,
                lang=lang,
                data_root=data_root,
            )
            requested.save(path)
            return requested
        saved = cls.load(path, device=device, chunk_seconds=chunk_seconds)
        expected = {
            **requested.settings,
            "num_units": int(num_units),
            "source_sha256": file_sha256(manifest),
            "sample_hours": float(sample_hours),
            "seed": int(seed),
            "iterations": int(iterations),
        }
        found = {**saved.settings, **saved.fit_info, "num_units": saved.num_units}
        check_same_settings(
            found, expected, path, "delete it or choose another path", keys=list(expected)
        )
        return saved

    def describe(self):
        """Settings, K and a hash of the centroids (and CMVN statistics)."""
        centroids_sha256 = None
        if self.centroids is not None:
            digest = hashlib.sha256()
            for name, array in sorted(self._arrays().items()):
                digest.update(name.encode())
                digest.update(np.ascontiguousarray(array).tobytes())
            centroids_sha256 = digest.hexdigest()
        return {
            "name": "kmeans",
            **self.settings,
            "num_units": self.num_units,
            "frame_rate_meaning": (
                "frames per second before deduplication (upper bound)"
                if self.settings["dedup"]
                else "units per second"
            ),
            "centroids_sha256": centroids_sha256,
            "fit": self.fit_info,
        }
