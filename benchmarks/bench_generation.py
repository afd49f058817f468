#!/usr/bin/env python3
"""Chain-of-modality generation: KV cache vs recomputation, and latency per variant.

(a) Throughput. ``no cache`` (the baseline) recomputes the whole sequence,
``EOS || prompt || answer so far``, at every step (one forward pass over
all of it, output layer at the last position only), with the same masks
(:class:`AnswerStates`) and greedy choice; ``KV cache`` is
:func:`generate_answer`: the prompt is read once, then one new id per pass.
Both write the same ids (checked), so ids/s and their ratio compare only
the cache. Measured at every ``--threads`` in the same run.

(b) Latency. Time to the first speech unit and to EOS of ``chain`` and of
``text_then_speech`` on the same model and prompt (KV cache, greedy, first
thread count). Both do the same amount of work: the model's output layer
gets a bias of -1e4 on EOS, ``[TEXT]`` and ``[SPEECH]`` (and PAD), so it
never stops or switches by itself, and every chunk runs to its limit, where
the state machine forces the switch. ``chain`` writes ``--max_chunks``
chunks of ``--chunk_tokens`` text ids then ``--chunk_tokens`` units;
``text_then_speech`` (``max_chunk_tokens = max_chunks * chunk_tokens``)
writes all the text, then all the units: the same text and unit counts, and
``2 * (max_chunks - 1)`` markers fewer. The chain's first unit comes after
one text chunk instead of the whole text.

Every time is the best of ``--repeats`` interleaved runs (after one
warm-up run). No wall-clock thresholds: only ratios measured in the same
run mean anything across machines. Prints the load average before and
after. Not run as a test.

Example::

    OMP_NUM_THREADS=2 PYTHONPATH=. python benchmarks/bench_generation.py --threads 1 2

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import os
import time

import numpy as np
import torch
from torch import nn

from speechbrain_xling.data.chain_of_modality import speech_prompt
from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.eval.chain_generation import AnswerStates, generate_answer
from speechbrain_xling.model.unit_lm import UnitLM


def never_stopping(lm):
    """``lm`` with an output bias of -1e4 on EOS, the markers and PAD: it never
    chooses them, so only the forced switches of the state machine end chunks."""
    vocab = lm.vocab
    head = lm.hf_model.lm_head
    biased = nn.Linear(head.in_features, head.out_features, bias=True)
    with torch.no_grad():
        biased.weight.copy_(head.weight)
        biased.bias.zero_()
        biased.bias[[vocab.text_marker, vocab.speech_marker, vocab.eos, vocab.pad]] = -1e4
    lm.hf_model.lm_head = biased
    return lm


@torch.inference_mode()
def no_cache_answer(lm, prompt, variant, max_chunk_tokens, max_chunks):
    """Greedy answer ids, recomputing ``EOS || prompt || answer`` at every step."""
    vocab = lm.vocab
    states = AnswerStates(vocab, variant, max_chunk_tokens, max_chunks)
    sequence, answer = [vocab.eos, *prompt], []
    while not states.finished:
        token = states.forced_token()
        if token is None:
            output = lm.hf_model(
                input_ids=torch.tensor([sequence]), use_cache=False, logits_to_keep=1
            )
            logits = output.logits[0, -1].float().masked_fill(~states.mask(), float("-inf"))
            token = int(logits.argmax())
        states.advance(token)
        sequence.append(token)
        answer.append(token)
    return answer


def best_times(methods, repeats):
    """Best wall time of each method over interleaved repeats, and its last result."""
    times, results = dict.fromkeys(methods, float("inf")), {}
    for _ in range(repeats):
        for name, method in methods.items():
            start = time.perf_counter()
            results[name] = method()
            times[name] = min(times[name], time.perf_counter() - start)
    return times, results


def load_average():
    """The 1, 5 and 15 minute load averages (``os.getloadavg``, as ``/proc/loadavg``)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num_text", type=int, default=1000)
    parser.add_argument("--num_units", type=int, default=2048)
    parser.add_argument("--hidden_size", type=int, default=256)
    parser.add_argument("--num_layers", type=int, default=4)
    parser.add_argument("--prompt_units", type=int, default=64)
    parser.add_argument("--chunk_tokens", type=int, default=12)
    parser.add_argument("--max_chunks", type=int, default=4)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {load_average()}")

    torch.manual_seed(0)
    config = {
        "model_type": "llama",
        "hidden_size": args.hidden_size,
        "intermediate_size": 4 * args.hidden_size,
        "num_hidden_layers": args.num_layers,
        "num_attention_heads": max(1, args.hidden_size // 64),
        "num_key_value_heads": max(1, args.hidden_size // 128),
    }
    vocab = SpeechTextVocabulary(num_text=args.num_text, num_units=args.num_units)
    lm = never_stopping(UnitLM.from_config(config, num_units=args.num_units, vocab=vocab)).eval()
    rng = np.random.default_rng(0)
    prompt = speech_prompt(vocab, rng.integers(0, args.num_units, args.prompt_units)).tolist()
    chunk, chunks = args.chunk_tokens, args.max_chunks
    print(
        f"model: llama hidden {args.hidden_size}, {args.num_layers} layers, "
        f"T={args.num_text} text ids, K={args.num_units}, "
        f"{lm.num_parameters() / 1e6:.1f}M parameters; prompt {len(prompt)} ids; "
        f"chain of {chunks} chunks of {chunk} text ids + {chunk} units; best of {args.repeats}"
    )

    # (a) KV cache vs recomputation
    print("\n(a) chain answer, greedy")
    print(f"{'threads':>7} | {'no cache ids/s':>14} | {'KV cache ids/s':>14} | ratio | same ids")
    for threads in args.threads:
        torch.set_num_threads(threads)
        methods = {
            "no cache": lambda: no_cache_answer(lm, prompt, "chain", chunk, chunks),
            "KV cache": lambda: generate_answer(lm, prompt, "chain", chunk, chunks).ids.tolist(),
        }
        best_times(methods, repeats=1)  # warm-up
        times, results = best_times(methods, args.repeats)
        num_ids = len(results["KV cache"])
        rates = {name: num_ids / seconds for name, seconds in times.items()}
        same = results["no cache"] == results["KV cache"]
        print(
            f"{threads:>7} | {rates['no cache']:>14.1f} | {rates['KV cache']:>14.1f} | "
            f"{rates['KV cache'] / rates['no cache']:>4.1f}x | {same} ({num_ids} ids)"
        )

    # (b) time to the first unit and to the end
    torch.set_num_threads(args.threads[0])
    settings = {"chain": (chunk, chunks), "text_then_speech": (chunk * chunks, 1)}
    best = {name: [float("inf"), float("inf")] for name in settings}
    lengths = {}
    for repeat in range(args.repeats + 1):  # the first run warms up
        for name, (max_chunk_tokens, max_chunks) in settings.items():
            answer = generate_answer(lm, prompt, name, max_chunk_tokens, max_chunks)
            lengths[name] = (len(answer.ids), len(answer.text_ids), len(answer.units))
            if repeat:
                best[name][0] = min(best[name][0], answer.time_to_first_unit)
                best[name][1] = min(best[name][1], answer.time_to_end)
    print(f"\n(b) latency, KV cache, greedy, {args.threads[0]} thread(s)")
    print(f"{'variant':>16} | ids (text, units) | first unit ms | end ms | first unit / end")
    for name, (first, end) in best.items():
        total, text, units = lengths[name]
        print(
            f"{name:>16} | {total:>4} ({text:>3}, {units:>3}) | {first * 1e3:>13.1f} | "
            f"{end * 1e3:>6.1f} | {first / end:.2f}"
        )
    ratio = best["chain"][0] / best["text_then_speech"][0]
    print(f"chain / text_then_speech: time to first unit {ratio:.2f}x, ", end="")
    print(f"time to end {best['chain'][1] / best['text_then_speech'][1]:.2f}x")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
