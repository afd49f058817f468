#!/usr/bin/env python3
"""K-means tokeniser: peak memory of one long file, chunked versus one STFT.

Encodes a synthetic long recording (white noise, 2 hours at 16 kHz by
default) with :class:`~speechbrain_xling.tokenizers.kmeans.KMeansTokenizer`
twice, each in a fresh subprocess so that its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is its own:

* ``one_shot``: the feature extraction before chunking (a copy of it is
  kept below): one centred STFT over the whole padded batch, with a
  ``[batch, samples]`` validity mask;
* ``chunked``: the tokeniser as it is (features ``chunk_seconds`` at a time).

It prints, for each, the resident memory once the waveform exists
(``before``), the peak during ``encode`` and their difference, the time of
``encode``, the ratios one_shot / chunked, and whether both gave the same
units. The same is then measured end to end (``--no_pipeline`` to skip):
the recording written as a 16-bit WAV file, tokenised with
:func:`~speechbrain_xling.tokenizers.pipeline.tokenize_manifest` (reading
included; ``before`` is then the memory before the run). Last
(``--no_short_batches`` to skip), it times both on length-sorted padded
batches of short utterances (1-10 s, 120 s of padded audio per batch, as
the pipeline batches them), where the one-shot extraction processes the
whole batch in one call and the chunked one row by row. Not a test: the
figures depend on the machine. (The pipeline's own savings, reading mono
audio without a copy and freeing the unpadded waveforms before ``encode``,
apply to both modes here.)

    python benchmarks/bench_kmeans_memory.py [--hours 2] [--features fbank] [--deltas]

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import functools
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from speechbrain.processing.features import STFT, spectral_magnitude

from speechbrain_xling.audio import check_batch, pad_batch
from speechbrain_xling.data.unit_store import UnitStore
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.pipeline import tokenize_manifest

SAMPLE_RATE = 16000
MODES = ("one_shot", "chunked")


def one_shot_features(tokenizer, wavs, lengths):
    """``KMeansTokenizer._features`` before chunking: one centred STFT over
    the whole padded batch (padding zeroed with a full-size mask)."""
    stft = STFT(sample_rate=tokenizer.sample_rate, n_fft=tokenizer._stft.n_fft, hop_length=10)
    lengths = check_batch(wavs, lengths)
    valid = torch.arange(wavs.shape[1])[None, :] < lengths[:, None]
    wavs = (wavs.cpu().float() * valid).to(tokenizer.device)
    power = tokenizer._filterbank(spectral_magnitude(stft(wavs)))
    feats = 10 * torch.log10(power.clamp_min(1e-10))
    if tokenizer._dct is not None:
        feats = tokenizer._dct(feats)
    rows = []
    for row, length in zip(feats, lengths.tolist()):
        row = row[: 1 + length // stft.hop_length]
        if tokenizer._deltas is not None:
            delta = tokenizer._deltas(row[None])
            row = torch.cat([row[None], delta, tokenizer._deltas(delta)], dim=2)[0]
        rows.append(row)
    return rows


def max_rss_mib():
    """Peak resident memory of this process so far (Linux: KiB -> MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_tokenizer(mode, settings):
    """A k-means tokeniser (K=50, fitted on 20 s of noise) in ``mode``."""
    generator = torch.Generator().manual_seed(0)
    tokenizer = KMeansTokenizer(**settings)
    tokenizer.fit([torch.randn(20 * SAMPLE_RATE, generator=generator) * 0.1], num_units=50)
    if mode == "one_shot":
        tokenizer._features = functools.partial(one_shot_features, tokenizer)
    return tokenizer


def write_long_wav(path, hours):
    """A manifest of one ``hours``-long 16-bit WAV of noise (written by minutes)."""
    rng = np.random.default_rng(1)
    with sf.SoundFile(path, "w", SAMPLE_RATE, 1, subtype="PCM_16") as handle:
        left = round(hours * 3600 * SAMPLE_RATE)
        while left > 0:
            block = min(left, 60 * SAMPLE_RATE)
            handle.write((rng.standard_normal(block) * 0.1).astype("float32"))
            left -= block
    manifest = Path(path).with_suffix(".csv")
    manifest.write_text(
        "ID,story_id,sent_idx,lang,wav,duration,speaker\n"
        f"long,s,0,en,{path},{sf.info(path).duration},v\n"
    )
    return manifest


def child(mode, hours, settings, units_path, manifest=None):
    """Encodes ``hours`` of noise in ``mode`` (from memory, or the manifest
    through the pipeline); prints a JSON line of figures."""
    tokenizer = make_tokenizer(mode, settings)
    if manifest is None:
        samples = round(hours * 3600 * SAMPLE_RATE)
        generator = torch.Generator().manual_seed(1)
        wav = torch.randn(samples, generator=generator).mul_(0.1)
    gc.collect()
    before = max_rss_mib()
    start = time.perf_counter()
    if manifest is None:
        units = tokenizer.encode(wav[None], torch.tensor([samples]))[0]
    else:
        store = Path(units_path).with_suffix(".store")
        tokenize_manifest(manifest, tokenizer, store, progress=False)
        units = UnitStore(store).units(0)
    seconds = time.perf_counter() - start
    peak = max_rss_mib()
    np.save(units_path, units)
    print(json.dumps({"before": before, "peak": peak, "seconds": seconds, "units": len(units)}))


def measure(mode, hours, settings, folder, manifest=None):
    units_path = Path(folder) / f"{mode}{'_pipeline' if manifest else ''}.npy"
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--hours",
        str(hours),
        "--settings",
        json.dumps(settings),
        "--units_path",
        str(units_path),
        *(["--manifest", str(manifest)] if manifest else []),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["units_array"] = np.load(units_path)
    return figures


def short_batches(settings, seconds_of_audio, trials):
    """Best-of-``trials`` encode time of short utterances, both modes."""
    generator = torch.Generator().manual_seed(2)
    durations = []
    while sum(durations) < seconds_of_audio:
        durations.append(1 + 9 * torch.rand(1, generator=generator).item())
    wavs = [torch.randn(round(d * SAMPLE_RATE), generator=generator) * 0.1 for d in durations]
    wavs.sort(key=len, reverse=True)
    batches, batch = [], []
    for wav in wavs:  # at most 120 s of padded audio per batch
        if batch and len(batch[0]) * (len(batch) + 1) > 120 * SAMPLE_RATE:
            batches.append(batch)
            batch = []
        batch.append(wav)
    batches.append(batch)
    padded = [pad_batch(batch) for batch in batches]
    results = {}
    for mode in MODES:
        tokenizer = make_tokenizer(mode, settings)
        best, units = float("inf"), None
        for _ in range(trials):
            start = time.perf_counter()
            units = [u for wavs_lengths in padded for u in tokenizer.encode(*wavs_lengths)]
            best = min(best, time.perf_counter() - start)
        results[mode] = (best, units)
    same = all(np.array_equal(a, b) for a, b in zip(results["one_shot"][1], results["chunked"][1]))
    print(
        f"\nshort utterances: {len(wavs)} of 1-10 s ({sum(durations):.0f} s) in "
        f"{len(batches)} padded batches; best of {trials}"
    )
    for mode in MODES:
        seconds = results[mode][0]
        print(f"  {mode:9s} {seconds:7.3f} s  (real-time factor {seconds / sum(durations):.5f})")
    print(f"  one_shot / chunked time: {results['one_shot'][0] / results['chunked'][0]:.2f}")
    print(f"  identical units: {same}")


def report(title, figures):
    """Prints the memory figures of both modes and their ratios."""
    print(f"{title}; resident memory in MiB (ru_maxrss), fresh process per mode")
    print(f"  {'mode':9s} {'before':>8s} {'peak':>8s} {'peak-before':>12s} {'time s':>8s}")
    for mode, f in figures.items():
        print(
            f"  {mode:9s} {f['before']:8.0f} {f['peak']:8.0f} "
            f"{f['peak'] - f['before']:12.0f} {f['seconds']:8.1f}"
        )
    old, new = figures["one_shot"], figures["chunked"]
    print(f"  one_shot / chunked peak: {old['peak'] / new['peak']:.2f}")
    print(
        f"  one_shot / chunked peak above 'before': "
        f"{(old['peak'] - old['before']) / max(new['peak'] - new['before'], 1):.1f}"
    )
    print(
        f"  identical units: {np.array_equal(old['units_array'], new['units_array'])} "
        f"({len(new['units_array'])} units)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--features", default="fbank", choices=["fbank", "mfcc"])
    parser.add_argument("--deltas", action="store_true")
    parser.add_argument("--short_seconds", type=float, default=600.0)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--no_pipeline", action="store_true")
    parser.add_argument("--no_short_batches", action="store_true")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    parser.add_argument("--units_path", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.hours, json.loads(args.settings), args.units_path, args.manifest)
        return
    settings = {"features": args.features, "deltas": args.deltas}
    with tempfile.TemporaryDirectory() as folder:
        report(
            f"k-means encode of {args.hours:g} h of 16 kHz audio in memory ({settings})",
            {mode: measure(mode, args.hours, settings, folder) for mode in MODES},
        )
        if not args.no_pipeline:
            manifest = write_long_wav(Path(folder) / "long.wav", args.hours)
            report(
                f"tokenize_manifest of a {args.hours:g} h 16-bit WAV file ({settings})",
                {mode: measure(mode, args.hours, settings, folder, manifest) for mode in MODES},
            )
    if not args.no_short_batches:
        short_batches(settings, args.short_seconds, args.trials)


if __name__ == "__main__":
    main()
