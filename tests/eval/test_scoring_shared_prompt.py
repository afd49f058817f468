"""Likelihood scorer: shared-context segments against one sequence at a time."""

import numpy as np
import pytest
import torch

from speechbrain_xling.eval.scoring import (
    SEGMENT_MIN_TOKENS,
    LikelihoodScorer,
    segment_length,
    shared_context_segments,
)
from speechbrain_xling.model.unit_lm import UnitLM
from tests.eval.conftest import NUM_UNITS, TINY_LLAMA
from tests.eval.test_scoring import reference_score

TINY = {
    "llama": TINY_LLAMA,
    "qwen2": {**TINY_LLAMA, "model_type": "qwen2"},
    "qwen3": {**TINY_LLAMA, "model_type": "qwen3", "head_dim": 8},
    "mistral": {**TINY_LLAMA, "model_type": "mistral"},
}


def tiny_lm(model_type, attn_implementation="sdpa", **fields):
    """An untrained tiny model with large random weights."""
    torch.manual_seed(0)
    config = {**TINY[model_type], "initializer_range": 0.5, **fields}
    lm = UnitLM.from_config(config, NUM_UNITS, attn_implementation=attn_implementation)
    return lm.eval()


def shared_prompt_items(seed):
    """Prompts of 0 to 40 units, each followed by 1 to 4 candidates (some
    repeated), plus prompt-less candidates and exact duplicate requests."""
    rng = np.random.default_rng(seed)
    prompts, candidates = [], []
    for prompt_length in [0, 0, 1, 3, 7, 12, 20, 33, 40]:
        prompt = rng.integers(0, NUM_UNITS, prompt_length)
        endings = [rng.integers(0, NUM_UNITS, rng.integers(1, 12)) for _ in range(4)]
        for ending in endings[: rng.integers(1, 5)]:
            prompts.append(prompt)
            candidates.append(ending)
    for _ in range(30):  # no prompt: all share the EOS context
        prompts.append(np.zeros(0, dtype=np.int64))
        candidates.append(rng.integers(0, NUM_UNITS, rng.integers(1, 15)))
    order = rng.permutation(len(candidates))
    prompts = [prompts[i] for i in order]
    candidates = [candidates[i] for i in order]
    return prompts + prompts[:5], candidates + candidates[:5]  # 5 duplicates


def count_forward_passes(lm):
    """A list that grows by one at every forward pass of the decoder."""
    calls = []
    lm.hf_model.get_decoder().register_forward_hook(lambda *_: calls.append(1))
    return calls


@pytest.mark.parametrize("attn_implementation", ["sdpa", "eager"])
@pytest.mark.parametrize("model_type", ["llama", "qwen2", "qwen3"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_shared_prompt_scores_equal_one_at_a_time(model_type, attn_implementation, reduction):
    lm = tiny_lm(model_type, attn_implementation)
    prompts, candidates = shared_prompt_items(seed=0)
    calls = count_forward_passes(lm)
    scores = LikelihoodScorer(lm, reduction).score(candidates, prompts)
    assert len(calls) <= 2  # all the requests in one or two passes
    one_by_one = LikelihoodScorer(lm, reduction, max_tokens_per_batch=1)
    single = one_by_one.score(candidates, prompts)
    assert len(calls) > 40  # one pass per distinct context and candidate
    reference = [
        reference_score(lm, p.tolist(), c.tolist(), reduction) for p, c in zip(prompts, candidates)
    ]
    tolerance = 1e-4 * (np.array([len(c) for c in candidates]) if reduction == "sum" else 1)
    assert np.all(np.abs(scores - single) <= tolerance)
    assert np.all(np.abs(scores - reference) <= tolerance)
    assert np.all(np.abs(single - reference) <= tolerance)
    assert scores[-5:].tolist() == scores[:5].tolist()  # duplicates: bit-identical


def test_duplicate_requests_get_bit_identical_scores():
    lm = tiny_lm("llama")
    prompts, candidates = shared_prompt_items(seed=1)
    scores = LikelihoodScorer(lm).score(candidates, prompts)
    seen = {}
    for prompt, candidate, score in zip(prompts, candidates, scores):
        key = (tuple(prompt), tuple(candidate))
        assert seen.setdefault(key, score) == score
    assert len(seen) < len(candidates)


@pytest.mark.parametrize("max_tokens_per_batch", [1, 40, 16384])
def test_budgets_give_the_same_scores(max_tokens_per_batch):
    lm = tiny_lm("qwen2")
    prompts, candidates = shared_prompt_items(seed=2)
    scores = LikelihoodScorer(lm, max_tokens_per_batch=max_tokens_per_batch).score(
        candidates, prompts
    )
    reference = [
        reference_score(lm, p.tolist(), c.tolist(), "mean") for p, c in zip(prompts, candidates)
    ]
    np.testing.assert_allclose(scores, reference, rtol=0, atol=1e-4)


@pytest.mark.parametrize(
    "model_type, fields",
    [
        ("mistral", {}),
        ("qwen2", {"use_sliding_window": True, "sliding_window": 4, "max_window_layers": 0}),
    ],
)
def test_other_architectures_use_the_plain_path(model_type, fields):
    lm = tiny_lm(model_type, **fields)
    scorer = LikelihoodScorer(lm)
    assert not scorer._scores_segments()
    prompts, candidates = shared_prompt_items(seed=3)
    scores = scorer.score(candidates, prompts)
    reference = [
        reference_score(lm, p.tolist(), c.tolist(), "mean") for p, c in zip(prompts, candidates)
    ]
    np.testing.assert_allclose(scores, reference, rtol=0, atol=1e-4)


@pytest.mark.parametrize("model_type", ["llama", "qwen2"])
@pytest.mark.parametrize("max_tokens_per_batch", [16384, 48])
def test_swapping_candidates_swaps_scores_exactly(model_type, max_tokens_per_batch):
    lm = tiny_lm(model_type)
    rng = np.random.default_rng(4)
    prompts = [rng.integers(0, NUM_UNITS, rng.integers(0, 30)) for _ in range(40)]
    first = [rng.integers(0, NUM_UNITS, rng.integers(1, 10)) for _ in range(40)]
    second = [rng.integers(0, NUM_UNITS, rng.integers(1, 10)) for _ in range(40)]
    second[:8] = first[:8]  # identical candidates: exact ties
    scorer = LikelihoodScorer(lm, max_tokens_per_batch=max_tokens_per_batch)
    scores = scorer.score(first + second, prompts * 2)
    swapped = scorer.score(second + first, prompts * 2)
    assert swapped.tolist() == np.concatenate([scores[40:], scores[:40]]).tolist()
    outcomes = scorer.compare(first, second, prompts)
    assert outcomes[:8].tolist() == [0.5] * 8
    assert scorer.compare(second, first, prompts).tolist() == (1.0 - outcomes).tolist()
    assert set(outcomes[8:].tolist()) <= {0.0, 1.0}


def test_a_prompt_and_its_endings_share_a_segment():
    # cloze-shaped items: the prompt is read once, in one row with both endings
    rng = np.random.default_rng(5)
    requests = []
    for _ in range(20):
        context = (NUM_UNITS, *rng.integers(0, NUM_UNITS, rng.integers(100, 200)).tolist())
        for _ in range(2):
            ending = rng.integers(0, NUM_UNITS, rng.integers(1, 100)).tolist()
            requests.append((len(context), (*context, *ending)))
    segments = shared_context_segments(requests, max_tokens=2048)
    assert sorted(len(members) for _, members in segments) == [2] * 20
    assert sorted(i for _, members in segments for i in members) == list(range(40))


def test_segments_respect_their_token_limit():
    rng = np.random.default_rng(6)
    requests = [
        (1, (NUM_UNITS, *rng.integers(0, NUM_UNITS, rng.integers(1, 30)).tolist()))
        for _ in range(200)
    ]
    segments = shared_context_segments(requests, max_tokens=2048)
    assert sorted(i for _, members in segments for i in members) == list(range(200))
    for context, members in segments:
        assert context == (NUM_UNITS,)
        length = segment_length(requests, context, members)
        assert length == 1 + sum(len(requests[i][1]) - 2 for i in members)
        assert length <= SEGMENT_MIN_TOKENS or len(members) == 1
    assert max(len(members) for _, members in segments) > 1


def test_dropout_model_in_train_mode_is_scored_in_eval_mode_and_restored():
    lm = tiny_lm("llama", attention_dropout=0.5)
    prompts, candidates = shared_prompt_items(seed=7)
    expected = LikelihoodScorer(lm).score(candidates, prompts)
    lm.train()
    scores = LikelihoodScorer(lm).score(candidates, prompts)
    assert lm.training and all(module.training for module in lm.modules())
    assert scores.tolist() == expected.tolist()
