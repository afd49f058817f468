#!/usr/bin/env python3
"""Scoring throughput: length-bucketed batches vs one sequence per forward pass.

Both runs use the same :class:`LikelihoodScorer` code and the same random
model; the baseline only sets ``max_tokens_per_batch=1`` so that every
sequence gets its own forward pass. Two item shapes: ``cloze`` (sSC/sTC: a
prompt and two endings) and ``zerospeech`` (sWUGGY/sBLiMP: two short
candidates, no prompt). Prints items/s of both runs and their ratio (goal:
>= 3x on CPU). Not run as a test.

Example::

    PYTHONPATH=. python benchmarks/bench_scoring.py --num_items 64

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import time

import numpy as np
import torch

from speechbrain_xling.eval.scoring import LikelihoodScorer
from speechbrain_xling.model.unit_lm import UnitLM

SCENARIOS = {
    # mean prompt / candidate lengths in Mimi units (12.5 Hz)
    "cloze": (150, 50),  # sSC/sTC: 4-sentence prompt (12 s), ending (4 s)
    "zerospeech": (0, 10),  # sWUGGY/sBLiMP: a lone word or short sentence
}


def comparison_items(num_items, num_units, prompt_units, ending_units, seed):
    """Random (prompt, candidate, other candidate) triples, lengths +-50%."""
    rng = np.random.default_rng(seed)

    def units(mean_length):
        length = rng.integers(mean_length // 2, mean_length * 3 // 2 + 1)
        return rng.integers(0, num_units, length)

    return [
        (units(prompt_units), units(ending_units), units(ending_units)) for _ in range(num_items)
    ]


def items_per_second(scorer, items):
    prompts, correct, wrong = zip(*items)
    start = time.perf_counter()
    scorer.compare(correct, wrong, prompts)
    return len(items) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scenarios", nargs="+", choices=sorted(SCENARIOS), default=sorted(SCENARIOS)
    )
    parser.add_argument("--num_items", type=int, default=64)
    parser.add_argument("--num_units", type=int, default=2048)
    parser.add_argument("--hidden_size", type=int, default=256)
    parser.add_argument("--num_layers", type=int, default=4)
    parser.add_argument("--max_tokens_per_batch", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    config = {
        "model_type": "llama",
        "hidden_size": args.hidden_size,
        "intermediate_size": 4 * args.hidden_size,
        "num_hidden_layers": args.num_layers,
        "num_attention_heads": max(1, args.hidden_size // 64),
        "num_key_value_heads": max(1, args.hidden_size // 128),
    }
    lm = UnitLM.from_config(config, num_units=args.num_units).eval()
    print(
        f"model: llama hidden {args.hidden_size}, {args.num_layers} layers, "
        f"K={args.num_units}, {lm.num_parameters() / 1e6:.1f}M parameters; "
        f"{args.num_items} items per scenario, {args.threads} threads"
    )
    batched = LikelihoodScorer(lm, max_tokens_per_batch=args.max_tokens_per_batch)
    one_at_a_time = LikelihoodScorer(lm, max_tokens_per_batch=1)
    for scenario in args.scenarios:
        items = comparison_items(args.num_items, args.num_units, *SCENARIOS[scenario], seed=0)
        items_per_second(batched, items[:4])  # warm-up
        batched_rate = items_per_second(batched, items)
        single_rate = items_per_second(one_at_a_time, items)
        print(
            f"{scenario:>10}: one sequence per forward {single_rate:9.2f} items/s, "
            f"batched {batched_rate:9.2f} items/s, "
            f"speed-up {batched_rate / single_rate:.2f}x (goal >= 3x)"
        )


if __name__ == "__main__":
    main()
