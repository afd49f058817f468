"""How much do k-means units depend on the voice? A quick probe of unit quality.

Takes sentences of a mini-corpus manifest that two different voices spoke,
fits a :class:`KMeansTokenizer` with the given options, and compares the
normalised edit distance (0 = identical) between the units of the same
sentence in two voices with that between different sentences. A ratio
same / different near 1 means units follow the voice more than the words
(then the LM cannot learn stories across voices); the phone topline gives 0.

Usage (the manifest of a demo run)::

    PYTHONPATH=. python benchmarks/probe_unit_consistency.py \\
        results/mini/corpus/train.csv --features fbank --deltas --units 50

Measured on the default mini-corpus (150 pairs, 0.15 h fitting sample): MFCC
K=100 0.82 / 0.93 (ratio 0.88); fbank + deltas K=50 0.51 / 0.79 (0.64).

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import collections
import random

import numpy as np

from speechbrain_xling.audio import AudioReader, pad_batch
from speechbrain_xling.prepare.manifest import read_manifest
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer


def normalised_edit_distance(a, b):
    """Levenshtein distance of two sequences divided by the longer length."""
    previous = np.arange(len(b) + 1)
    for i, symbol in enumerate(a, start=1):
        current = np.empty_like(previous)
        current[0] = i
        substitution = previous[:-1] + (np.asarray(b) != symbol)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution[j - 1])
        previous = current
    return previous[-1] / max(len(a), len(b), 1)


def same_text_pairs(rows, num_pairs, seed):
    """Pairs of rows with the same language and text but different speakers."""
    by_text = collections.defaultdict(dict)
    for row in rows:
        by_text[(row["lang"], row["text"])].setdefault(row["speaker"], row)
    rng = random.Random(seed)
    pairs = [tuple(rng.sample(list(v.values()), 2)) for v in by_text.values() if len(v) > 1]
    rng.shuffle(pairs)
    if not pairs:
        raise ValueError("no sentence was spoken by two voices in this manifest")
    return pairs[:num_pairs]


def main():
    """Prints units per second and the same / different edit distances."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("manifest")
    parser.add_argument("--pairs", type=int, default=150)
    parser.add_argument("--features", choices=("mfcc", "fbank"), default="mfcc")
    parser.add_argument("--deltas", action="store_true")
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--frame-rate", type=float, default=100.0)
    parser.add_argument("--sample-hours", type=float, default=0.15)
    args = parser.parse_args()

    pairs = same_text_pairs(read_manifest(args.manifest), args.pairs, seed=0)
    tokenizer = KMeansTokenizer(
        features=args.features, deltas=args.deltas, frame_rate=args.frame_rate, dedup=True
    ).fit(args.manifest, num_units=args.units, sample_hours=args.sample_hours)
    reader = AudioReader(tokenizer.sample_rate)
    rows = {row["ID"]: row for pair in pairs for row in pair}
    units = {}
    ids = list(rows)
    for start in range(0, len(ids), 16):
        batch = ids[start : start + 16]
        encoded = tokenizer.encode(*pad_batch([reader(rows[i]["wav"]) for i in batch]))
        units.update(zip(batch, encoded))
    seconds = sum(row["duration"] for row in rows.values())
    same = np.mean([normalised_edit_distance(units[a["ID"]], units[b["ID"]]) for a, b in pairs])
    others = [b for _, b in pairs]
    random.Random(1).shuffle(others)
    different = np.mean(
        [
            normalised_edit_distance(units[a["ID"]], units[b["ID"]])
            for (a, _), b in zip(pairs, others)
            if a["text"] != b["text"]
        ]
    )
    print(
        f"{len(pairs)} pairs; {sum(map(len, units.values())) / seconds:.1f} units/s; "
        f"edit distance same sentence {same:.3f}, different sentences {different:.3f}, "
        f"ratio {same / different:.3f}"
    )


if __name__ == "__main__":
    main()
