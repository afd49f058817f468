#!/usr/bin/env python3
"""Scoring throughput: plain one-sequence-at-a-time vs LikelihoodScorer.

The baseline (``plain``) reads one ``context || candidate`` sequence per
forward pass and takes the log-softmax of the logits at every position,
which is what :class:`LikelihoodScorer` did with ``max_tokens_per_batch=1``
before shared-context segments. ``scorer`` is :class:`LikelihoodScorer`
with its default budget: requests that share a context (a cloze prompt, the
lone EOS of prompt-less items) are packed into segments that read the
context once, segments are batched by length, and logits are computed only
where a candidate token is predicted.
``scorer, 1 per pass`` is the same code with ``max_tokens_per_batch=1`` (no
batching, one candidate per pass: it isolates the saving on the logits).

Scenarios, each laid out as the evaluation asks its comparisons:

``zerospeech``
    sWUGGY/sBLiMP: two short candidates, no prompt.
``cloze``
    sSC/sTC as ``cloze.csv`` lays them out: a prompt is asked with the
    endings of two conditions (EN then EN and EN->FR, FR then FR and
    FR->EN), so four candidates follow it (as for its full and no-cue
    prompts; the last-sentence controls are short prompts of their own);
    :func:`~speechbrain_xling.eval.cloze.evaluate_cloze` scores all of
    them in one call, so equal prompts meet.
``cloze, one condition``
    a prompt and its two endings only (a single condition).
``cross-modal cloze``
    the speech-text cloze of :mod:`speechbrain_xling.eval.cross_modal`:
    the two conditions of a prompt in the four directions S->S, T->T,
    S->T, T->S (text ~4x shorter than its units) on a model with a text
    vocabulary (S->T reads the spoken prompt of S->S plus ``[TEXT]``: a
    context of its own).

Every thread count is measured in the same run; each time is the best of
``--repeats`` interleaved runs. Prints comparisons/s and the speed-up over
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

from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.eval.cross_modal import DIRECTIONS, cross_modal_context, direction_modalities
from speechbrain_xling.eval.scoring import LikelihoodScorer, pad_sequences
from speechbrain_xling.model.unit_lm import UnitLM

# mean lengths in Mimi units (12.5 Hz) and text tokens: a 4-sentence cloze
# prompt (12 s) and an ending (4 s); a ZeroSpeech word or short sentence
PROMPT_UNITS, ENDING_UNITS, ZEROSPEECH_UNITS = 150, 50, 10
PROMPT_TEXT, ENDING_TEXT = 40, 12
GOALS = {"zerospeech": 3.0, "cloze": 2.0, "cloze, one condition": 2.0, "cross-modal cloze": 2.0}


def scenario_requests(scenario, vocab, num_items, seed):
    """``(contexts, candidates)`` token-id lists of ``num_items`` comparisons
    (two candidates each: the correct ones first, then the wrong ones)."""
    rng = np.random.default_rng(seed)

    def draw(modality, mean_length):
        """Ids of a length within +-50% of ``mean_length``."""
        length = rng.integers(mean_length // 2, mean_length * 3 // 2 + 1)
        if modality == "T":
            return rng.integers(0, vocab.num_text, length).tolist()
        return vocab.unit_ids(rng.integers(0, vocab.num_units, length)).tolist()

    pairs = []  # (context, correct, wrong)
    while len(pairs) < num_items:
        if scenario == "zerospeech":
            context = [vocab.eos, *vocab.speech_prefix]
            pairs.append((context, draw("S", ZEROSPEECH_UNITS), draw("S", ZEROSPEECH_UNITS)))
        elif scenario in ("cloze", "cloze, one condition"):
            context = [vocab.eos, *vocab.speech_prefix, *draw("S", PROMPT_UNITS)]
            for _ in range(1 if scenario == "cloze, one condition" else 2):
                pairs.append((context, draw("S", ENDING_UNITS), draw("S", ENDING_UNITS)))
        elif scenario == "cross-modal cloze":
            lengths = {"S": (PROMPT_UNITS, ENDING_UNITS), "T": (PROMPT_TEXT, ENDING_TEXT)}
            prompts = {m: draw(m, lengths[m][0]) for m in "ST"}
            endings = {m: [draw(m, lengths[m][1]) for _ in range(4)] for m in "ST"}
            for direction in DIRECTIONS:
                prompt, ending = direction_modalities(direction)
                context = cross_modal_context(vocab, prompts[prompt], prompt, ending)
                for condition in (0, 2):  # two conditions, two endings each
                    pairs.append((context, *endings[ending][condition : condition + 2]))
        else:
            raise ValueError(f"unknown scenario {scenario!r}")
    contexts, correct, wrong = zip(*pairs[:num_items])
    return list(contexts) * 2, list(correct) + list(wrong)


@torch.inference_mode()
def plain_scores(lm, candidates, contexts):
    """Mean log-probabilities, one sequence per pass, log-softmax everywhere
    (with an attention mask, as the scorer's padded batches of one: without
    one, short sequences run about 2x slower on CPU)."""
    scores = []
    for context, candidate in zip(contexts, candidates):
        tokens, mask = pad_sequences([[*context, *candidate]], lm.vocab.pad)
        log_probs = lm(tokens, attention_mask=mask)[0, :-1].float().log_softmax(dim=-1)
        targets = tokens[0, 1:]
        token_log_probs = log_probs[torch.arange(len(targets)), targets][len(context) - 1 :]
        scores.append(token_log_probs.double().sum().item() / len(candidate))
    return np.array(scores)


def tokens_read(contexts, candidates):
    """Mean tokens read per comparison one sequence at a time and with each
    distinct context read once and no candidate's last token read (what
    segments read): at a
    flat cost per token, their ratio bounds the speed-up that sharing alone
    can give."""
    plain = sum(len(c) + len(e) for c, e in zip(contexts, candidates))
    distinct = {tuple(c) for c in contexts}
    shared = sum(map(len, distinct)) + sum(len(e) - 1 for e in candidates)
    return 2 * plain / len(candidates), 2 * shared / len(candidates)


def best_times(methods, contexts, candidates, repeats):
    """Best wall time of each method over interleaved repeats, and scores."""
    times, scores = dict.fromkeys(methods, float("inf")), {}
    for _ in range(repeats):
        for name, method in methods.items():
            start = time.perf_counter()
            scores[name] = method(candidates, contexts)
            times[name] = min(times[name], time.perf_counter() - start)
    return times, scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", nargs="+", choices=list(GOALS), default=list(GOALS))
    parser.add_argument("--num_items", type=int, default=64, help="comparisons per scenario")
    parser.add_argument("--num_units", type=int, default=2048)
    parser.add_argument("--num_text", type=int, default=1000, help="text ids (cross-modal)")
    parser.add_argument("--hidden_size", type=int, default=256)
    parser.add_argument("--num_layers", type=int, default=4)
    parser.add_argument("--max_tokens_per_batch", type=int, default=16384)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    config = {
        "model_type": "llama",
        "hidden_size": args.hidden_size,
        "intermediate_size": 4 * args.hidden_size,
        "num_hidden_layers": args.num_layers,
        "num_attention_heads": max(1, args.hidden_size // 64),
        "num_key_value_heads": max(1, args.hidden_size // 128),
    }
    torch.manual_seed(0)
    unit_lm = UnitLM.from_config(config, num_units=args.num_units).eval()
    speech_text = SpeechTextVocabulary(num_text=args.num_text, num_units=args.num_units)
    speech_text_lm = UnitLM.from_config(config, args.num_units, vocab=speech_text).eval()
    print(
        f"model: llama hidden {args.hidden_size}, {args.num_layers} layers, "
        f"K={args.num_units} ({unit_lm.num_parameters() / 1e6:.1f}M parameters; "
        f"+ T={args.num_text} text ids for the cross-modal cloze); "
        f"{args.num_items} comparisons (2 candidates each) per scenario; best of {args.repeats}"
    )
    requests = {
        scenario: scenario_requests(
            scenario, (speech_text_lm if "modal" in scenario else unit_lm).vocab, args.num_items, 0
        )
        for scenario in args.scenarios
    }
    for threads in args.threads:
        torch.set_num_threads(threads)
        for scenario in args.scenarios:
            lm = speech_text_lm if "modal" in scenario else unit_lm
            scorer = LikelihoodScorer(lm, max_tokens_per_batch=args.max_tokens_per_batch)
            single = LikelihoodScorer(lm, max_tokens_per_batch=1)
            methods = {
                "plain": lambda candidates, contexts, lm=lm: plain_scores(lm, candidates, contexts),
                "scorer, 1 per pass": single.score_tokens,
                "scorer": scorer.score_tokens,
            }
            contexts, candidates = requests[scenario]
            best_times(methods, contexts[:4], candidates[:4], repeats=1)  # warm-up
            times, scores = best_times(methods, contexts, candidates, args.repeats)
            rates = {name: args.num_items / seconds for name, seconds in times.items()}
            difference = max(np.abs(s - scores["plain"]).max() for s in scores.values())
            columns = ", ".join(
                f"{name} {rate:8.2f}/s ({rate / rates['plain']:.2f}x)"
                for name, rate in rates.items()
            )
            speed_up = rates["scorer"] / rates["plain"]
            print(
                f"{threads} thread(s) {scenario:>20}: {columns}; speed-up {speed_up:.2f}x "
                f"(goal >= {GOALS[scenario]:g}x); max |score difference| {difference:.1e}"
            )
    for scenario in args.scenarios:
        plain, shared = tokens_read(*requests[scenario])
        print(
            f"{scenario:>20}: tokens read per comparison: plain {plain:.0f}, "
            f"each context once {shared:.0f} (ratio {plain / shared:.2f})"
        )


if __name__ == "__main__":
    main()
