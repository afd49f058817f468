"""Throughput of the mini-corpus synthesis (espeak-ng), as ratios.

Synthesises the same stories into fresh caches with 1 worker (the baseline)
and with ``--num-workers`` workers, then once more from the warm cache, and
prints utterances per second and the speed-up over the baseline measured in
the same run. Not a test: numbers depend on the machine and its load.

Usage::

    python benchmarks/bench_corpus.py --num-stories 100 --num-workers 2
"""

import argparse
import tempfile
import time
from pathlib import Path

from speechbrain_xling.corpora.mini_corpus import synthesize_stories
from speechbrain_xling.corpora.stories import generate_stories


def _timed_build(stories, folder, num_workers):
    start = time.perf_counter()
    rows = synthesize_stories(
        stories,
        folder / "train.csv",
        folder / "audio",
        num_workers=num_workers,
        progress=False,
    )
    return len(rows), time.perf_counter() - start


def main():
    """Runs the measurements and prints a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-stories", type=int, default=100)
    parser.add_argument("--num-workers", type=int, default=2)
    args = parser.parse_args()
    stories = generate_stories(args.num_stories, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = {
            "1 worker (baseline)": _timed_build(stories, tmp / "one", 1),
            f"{args.num_workers} workers": _timed_build(stories, tmp / "many", args.num_workers),
            f"{args.num_workers} workers, cached": _timed_build(
                stories, tmp / "many", args.num_workers
            ),
        }
    baseline_rate = runs["1 worker (baseline)"][0] / runs["1 worker (baseline)"][1]
    print("| run | utterances | seconds | utt/s | x baseline |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (count, seconds) in runs.items():
        rate = count / seconds
        print(f"| {name} | {count} | {seconds:.1f} | {rate:.1f} | {rate / baseline_rate:.2f} |")


if __name__ == "__main__":
    main()
