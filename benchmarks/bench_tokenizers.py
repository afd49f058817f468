#!/usr/bin/env python3
"""Tokeniser throughput: batched versus one utterance at a time.

Encodes real speech (espeak-ng, EN and FR sentences of 1-10 s; white noise
if espeak-ng is missing) with a full-size Mimi (random weights, randomised
codebooks, saved and loaded through ``MimiTokenizer`` like real weights) and
with a k-means tokeniser, and prints the real-time factor (seconds of compute
per second of audio; lower is faster) of length-sorted padded batches and of
one utterance per call, and the speed-up of each over single calls. "padded s"
is the audio the model actually processes, padding included. Each time is the
best of ``--trials`` runs, to damp the noise of a shared machine. Not a test:
timings depend on the machine.

    python benchmarks/bench_tokenizers.py [--device cpu] [--batch_size 8] [--trials 3]

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import torch

from speechbrain_xling.audio import AudioReader, pad_batch
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.mimi import MimiTokenizer

SENTENCES = [
    ("en-us", "The cat sat on the mat."),
    ("fr", "Le chat dort."),
    ("en-us+f3", "Once upon a time, a little fox found a red ball in the garden."),
    ("fr+m3", "Il était une fois un petit renard qui aimait jouer dans le grand jardin."),
    (
        "en-us",
        "Every morning, Max ran to the river to drink water and to look at the "
        "fish, and then he went back home to his mother and sisters.",
    ),
    (
        "fr+f3",
        "Chaque matin, Max courait jusqu'à la rivière pour boire de l'eau et "
        "regarder les poissons.",
    ),
    ("en-us+m3", "Tom smiled."),
    (
        "fr",
        "Les oiseaux chantaient dans les arbres pendant que le soleil se levait "
        "doucement sur la colline.",
    ),
]


def make_speech(folder, repeats):
    """WAV paths of the sentences (repeated ``repeats`` times, varied speed)."""
    paths = []
    for copy in range(repeats):
        for number, (voice, text) in enumerate(SENTENCES):
            path = Path(folder) / f"{copy}_{number}.wav"
            if shutil.which("espeak-ng"):
                speed = str(140 + 20 * copy)
                subprocess.run(
                    ["espeak-ng", "-v", voice, "-s", speed, "-w", str(path), text], check=True
                )
            else:
                import soundfile

                soundfile.write(path, 0.1 * torch.randn(16000 * (1 + number)).numpy(), 16000)
            paths.append(path)
    return paths


def random_mimi(folder):
    """A full-size Mimi with random weights and random codebooks, saved to ``folder``."""
    from transformers import MimiConfig, MimiModel

    torch.manual_seed(0)
    model = MimiModel(MimiConfig())
    with torch.no_grad():
        for module in model.modules():
            if hasattr(module, "embed_sum"):
                module.embed_sum.normal_()
                module._embed = None
    model.save_pretrained(folder)
    return folder


def seconds_per_call(tokenizer, batches):
    """Wall-clock seconds to encode all ``batches`` (lists of waveforms)."""
    start = time.perf_counter()
    for wavs in batches:
        tokenizer.encode(*pad_batch(wavs))
    return time.perf_counter() - start


def measure(name, tokenizer, paths, batch_size, trials):
    reader = AudioReader(tokenizer.sample_rate)
    wavs = sorted((reader(path) for path in paths), key=len, reverse=True)
    audio_seconds = sum(len(w) for w in wavs) / tokenizer.sample_rate
    batched = [wavs[i : i + batch_size] for i in range(0, len(wavs), batch_size)]
    single = [[w] for w in wavs]
    seconds_per_call(tokenizer, single[:2])  # warm-up
    times = {"batched": [], "single": []}
    for _ in range(trials):  # alternate the modes so that load changes hit both
        times["batched"].append(seconds_per_call(tokenizer, batched))
        times["single"].append(seconds_per_call(tokenizer, single))
    times = {mode: min(seconds) for mode, seconds in times.items()}
    padded = {
        "batched": sum(len(b[0]) * len(b) for b in batched) / tokenizer.sample_rate,
        "single": audio_seconds,
    }
    for mode, seconds in times.items():
        print(
            f"| {name:<22} | {mode:<7} | {audio_seconds:7.1f} | {padded[mode]:8.1f} "
            f"| {seconds:7.2f} | {seconds / audio_seconds:7.4f} "
            f"| {times['single'] / seconds:8.2f} |"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2, help="copies of each sentence")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--trials", type=int, default=3, help="runs per mode (best kept)")
    parser.add_argument("--backends", nargs="+", default=["transformers", "moshi"])
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        paths = make_speech(Path(folder), args.repeats)
        mimi_folder = random_mimi(Path(folder) / "mimi")
        print(
            f"device {args.device}, {torch.get_num_threads()} threads, "
            f"{len(paths)} utterances, batch size {args.batch_size}, "
            f"best of {args.trials}\n"
        )
        print(
            "| tokeniser              | mode    | audio s | padded s | wall s  | RTF     "
            "| x single |"
        )
        print(
            "|------------------------|---------|---------|----------|---------|---------"
            "|----------|"
        )
        for backend in args.backends:
            tokenizer = MimiTokenizer(mimi_folder, backend=backend, device=args.device)
            measure(f"mimi ({backend})", tokenizer, paths, args.batch_size, args.trials)
        kmeans = KMeansTokenizer(device=args.device).fit(paths, num_units=500, seed=0)
        measure("k-means (fbank, K=500)", kmeans, paths, args.batch_size, args.trials)


if __name__ == "__main__":
    main()
