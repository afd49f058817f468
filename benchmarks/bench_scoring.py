#!/usr/bin/env python3
"""Scoring throughput: plain one-sequence-at-a-time vs LikelihoodScorer.

The baseline (``plain``) reads one ``EOS || prompt || candidate`` sequence
per forward pass and takes the log-softmax of the logits at every position,
which is what :class:`LikelihoodScorer` did with ``max_tokens_per_batch=1``
before shared-context segments. ``scorer`` is :class:`LikelihoodScorer`
with its default budget: requests that share a context (a cloze prompt, or
the lone EOS of prompt-less items) are packed into segments that read the
context once, segments are batched by length, and logits are computed only
where a candidate unit is predicted. ``scorer, 1 per pass`` is the same code
with ``max_tokens_per_batch=1`` (no batching, no sharing: it isolates the
saving on the logits).

Two item shapes: ``cloze`` (sSC/sTC: a prompt and two endings) and
``zerospeech`` (sWUGGY/sBLiMP: two short candidates, no prompt). Every
thread count is measured in the same run; each time is the best of
``--repeats`` interleaved runs. Prints items/s and the speed-up over
``plain`` (goals: >= 2x on cloze, >= 3x on zerospeech, on an idle machine).
Not run as a test.

Example::

    PYTHONPATH=. python benchmarks/bench_scoring.py --threads 1 2

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import time

import numpy as np
import torch

from speechbrain_xling.eval.scoring import LikelihoodScorer, pad_sequences
from speechbrain_xling.model.unit_lm import UnitLM

SCENARIOS = {
    # mean prompt / candidate lengths in Mimi units (12.5 Hz)
    "cloze": (150, 50),  # sSC/sTC: 4-sentence prompt (12 s), ending (4 s)
    "zerospeech": (0, 10),  # sWUGGY/sBLiMP: a lone word or short sentence
}
GOALS = {"cloze": 2.0, "zerospeech": 3.0}


def comparison_items(num_items, num_units, prompt_units, ending_units, seed):
    """Random (prompt, candidate, other candidate) triples, lengths +-50%."""
    rng = np.random.default_rng(seed)

    def units(mean_length):
        length = rng.integers(mean_length // 2, mean_length * 3 // 2 + 1)
        return rng.integers(0, num_units, length)

    return [
        (units(prompt_units), units(ending_units), units(ending_units)) for _ in range(num_items)
    ]


@torch.inference_mode()
def plain_scores(lm, candidates, prompts):
    """Mean log-probabilities, one sequence per pass, log-softmax everywhere
    (with an attention mask, as the scorer's padded batches of one: without
    one, short sequences run about 2x slower on CPU)."""
    scores = []
    for prompt, candidate in zip(prompts, candidates):
        sequence = [lm.vocab.eos, *prompt.tolist(), *candidate.tolist()]
        tokens, mask = pad_sequences([sequence], lm.vocab.pad)
        log_probs = lm(tokens, attention_mask=mask)[0, :-1].float().log_softmax(dim=-1)
        targets = tokens[0, 1:]
        unit_log_probs = log_probs[torch.arange(len(targets)), targets][len(prompt) :]
        scores.append(unit_log_probs.double().sum().item() / len(candidate))
    return np.array(scores)


def tokens_read(items):
    """Mean tokens read per item one sequence at a time (EOS, prompt and
    candidate, twice) and with the prompt read once and no candidate's last
    unit read (what segments read, up to the EOS shared by prompt-less
    items): at a flat cost per token, their ratio bounds the speed-up that
    sharing alone can give."""
    plain = np.mean([2 * (1 + len(p)) + len(a) + len(b) for p, a, b in items])
    shared = np.mean([1 + len(p) + len(a) - 1 + len(b) - 1 for p, a, b in items])
    return plain, shared


def best_times(methods, items, repeats):
    """Best wall time of each method over interleaved repeats, and scores."""
    prompts, correct, wrong = zip(*items)
    candidates, both_prompts = list(correct) + list(wrong), list(prompts) * 2
    times, scores = dict.fromkeys(methods, float("inf")), {}
    for _ in range(repeats):
        for name, method in methods.items():
            start = time.perf_counter()
            scores[name] = method(candidates, both_prompts)
            times[name] = min(times[name], time.perf_counter() - start)
    return times, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scenarios", nargs="+", choices=sorted(SCENARIOS), default=sorted(SCENARIOS)
    )
    parser.add_argument("--num_items", type=int, default=64)
    parser.add_argument("--num_units", type=int, default=2048)
    parser.add_argument("--hidden_size", type=int, default=256)
    parser.add_argument("--num_layers", type=int, default=4)
    parser.add_argument("--max_tokens_per_batch", type=int, default=16384)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    torch.manual_seed(0)
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
        f"{args.num_items} items (2 candidates each) per scenario; "
        f"best of {args.repeats}"
    )
    scorer = LikelihoodScorer(lm, max_tokens_per_batch=args.max_tokens_per_batch)
    single = LikelihoodScorer(lm, max_tokens_per_batch=1)
    methods = {
        "plain": lambda candidates, prompts: plain_scores(lm, candidates, prompts),
        "scorer, 1 per pass": single.score,
        "scorer": scorer.score,
    }
    for threads in args.threads:
        torch.set_num_threads(threads)
        for scenario in args.scenarios:
            items = comparison_items(args.num_items, args.num_units, *SCENARIOS[scenario], seed=0)
            best_times(methods, items[:4], repeats=1)  # warm-up
            times, scores = best_times(methods, items, args.repeats)
            rates = {name: len(items) / seconds for name, seconds in times.items()}
            difference = max(np.abs(s - scores["plain"]).max() for s in scores.values())
            columns = ", ".join(
                f"{name} {rate:8.2f} items/s ({rate / rates['plain']:.2f}x)"
                for name, rate in rates.items()
            )
            speed_up = rates["scorer"] / rates["plain"]
            print(
                f"{threads} thread(s) {scenario:>10}: {columns}; speed-up {speed_up:.2f}x "
                f"(goal >= {GOALS[scenario]:g}x); max |score difference| {difference:.1e}"
            )
        if threads == args.threads[0]:
            for scenario in args.scenarios:
                items = comparison_items(
                    args.num_items, args.num_units, *SCENARIOS[scenario], seed=0
                )
                plain, shared = tokens_read(items)
                print(
                    f"{scenario:>10}: tokens read per item: plain {plain:.0f}, "
                    f"shared context {shared:.0f} (ratio {plain / shared:.2f})"
                )


if __name__ == "__main__":
    main()
