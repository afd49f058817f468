"""Command line of the mini-corpus build.

Example::

    python -m speechbrain_xling.corpora --output-folder results/mini_corpus \
        --num-train-stories 1000 --num-workers 2
"""

import argparse
import logging

from speechbrain_xling.corpora.mini_corpus import (
    DEFAULT_NUM_ALIGNMENT_PAIRS,
    DEFAULT_NUM_BENCH_ITEMS,
    DEFAULT_NUM_QA_STORIES,
    DEFAULT_NUM_TRAIN_STORIES,
    DEFAULT_NUM_VALID_STORIES,
    build_mini_corpus,
)
from speechbrain_xling.corpora.tts import BENCHMARK_VOICE, TRAIN_VOICES, Voice


def _voice_spec(voice):
    return f"{voice.variant}:{voice.pitch}:{voice.speed}"


def parse_args(argv=None):
    """Parses the command line (``--help`` lists the options)."""
    parser = argparse.ArgumentParser(
        prog="python -m speechbrain_xling.corpora",
        description="Build the offline EN-FR spoken mini-corpus and benchmarks.",
    )
    parser.add_argument("--output-folder", required=True)
    parser.add_argument("--num-train-stories", type=int, default=DEFAULT_NUM_TRAIN_STORIES)
    parser.add_argument("--num-valid-stories", type=int, default=DEFAULT_NUM_VALID_STORIES)
    parser.add_argument("--num-bench-items", type=int, default=DEFAULT_NUM_BENCH_ITEMS)
    parser.add_argument("--num-alignment-pairs", type=int, default=DEFAULT_NUM_ALIGNMENT_PAIRS)
    parser.add_argument(
        "--num-qa-stories",
        type=int,
        default=DEFAULT_NUM_QA_STORIES,
        help="benchmark stories asked about in the spoken QA (3 to 5 questions each, "
        f"in 4 language conditions; default: {DEFAULT_NUM_QA_STORIES})",
    )
    parser.add_argument(
        "--num-train-qa-stories",
        type=int,
        default=None,
        help="training stories asked about in train_qa.csv, the instruction fine-tuning "
        "data (default: all; 0: none)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-workers", type=int, default=2)
    parser.add_argument(
        "--voices",
        nargs="+",
        type=Voice.from_spec,
        default=list(TRAIN_VOICES),
        metavar="VARIANT[:PITCH[:SPEED]]",
        help="training voices (default: "
        + " ".join(_voice_spec(voice) for voice in TRAIN_VOICES)
        + ")",
    )
    parser.add_argument(
        "--benchmark-voice",
        type=Voice.from_spec,
        default=BENCHMARK_VOICE,
        metavar="VARIANT[:PITCH[:SPEED]]",
        help=f"voice of the benchmarks (default: {_voice_spec(BENCHMARK_VOICE)})",
    )
    parser.add_argument("--no-progress", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    """Runs the build and prints where the outputs are."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    paths = build_mini_corpus(
        args.output_folder,
        num_train_stories=args.num_train_stories,
        num_valid_stories=args.num_valid_stories,
        num_bench_items=args.num_bench_items,
        num_alignment_pairs=args.num_alignment_pairs,
        num_qa_stories=args.num_qa_stories,
        num_train_qa_stories=args.num_train_qa_stories,
        seed=args.seed,
        num_workers=args.num_workers,
        voices=tuple(args.voices),
        benchmark_voice=args.benchmark_voice,
        progress=not args.no_progress,
    )
    for name, path in paths._asdict().items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
