"""Likelihood scorer: conventions, batching, known preferences, symmetry."""

import math

import numpy as np
import pytest
import torch

from speechbrain_xling.eval.scoring import LikelihoodScorer, length_buckets
from tests.eval.conftest import NUM_UNITS, progression_items


def reference_score(lm, prompt, candidate, reduction):
    """One unpadded forward pass over EOS || prompt || candidate."""
    tokens = torch.tensor([[lm.vocab.eos, *prompt, *candidate]])
    with torch.no_grad():
        log_probs = lm(tokens)[0, :-1].float().log_softmax(-1)
    targets = tokens[0, 1:]
    per_unit = log_probs[torch.arange(len(targets)), targets][len(prompt) :]
    total = per_unit.double().sum().item()
    return total / len(candidate) if reduction == "mean" else total


def varied_items(num_items, seed):
    rng = np.random.default_rng(seed)
    prompts = [rng.integers(0, NUM_UNITS, rng.integers(0, 12)) for _ in range(num_items)]
    candidates = [rng.integers(0, NUM_UNITS, rng.integers(1, 15)) for _ in range(num_items)]
    return prompts, candidates


def test_length_buckets_cover_every_index_within_budget():
    lengths = np.random.default_rng(0).integers(1, 40, 200)
    batches = length_buckets(lengths, max_tokens=64)
    assert sorted(i for batch in batches for i in batch) == list(range(200))
    for batch in batches:
        padded = len(batch) * max(lengths[i] for i in batch)
        assert padded <= 64 or len(batch) == 1


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_batched_scores_equal_unbatched_reference(random_lm, reduction):
    prompts, candidates = varied_items(24, seed=1)
    batched = LikelihoodScorer(random_lm, reduction, max_tokens_per_batch=128)
    one_by_one = LikelihoodScorer(random_lm, reduction, max_tokens_per_batch=1)
    # float32 logits: allow 1e-5 per scored unit
    tolerance = 1e-5 * (np.array([len(c) for c in candidates]) if reduction == "sum" else 1)
    scores = batched.score(candidates, prompts)
    assert np.all(np.abs(scores - one_by_one.score(candidates, prompts)) <= tolerance)
    reference = [
        reference_score(random_lm, p.tolist(), c.tolist(), reduction)
        for p, c in zip(prompts, candidates)
    ]
    assert np.all(np.abs(scores - reference) <= tolerance)


def test_mean_is_sum_per_candidate_unit(random_lm):
    prompts, candidates = varied_items(10, seed=2)
    sums = LikelihoodScorer(random_lm, "sum").score(candidates, prompts)
    means = LikelihoodScorer(random_lm, "mean").score(candidates, prompts)
    np.testing.assert_allclose(means, sums / [len(c) for c in candidates], atol=1e-6)


def test_without_prompt_the_first_unit_is_scored_after_eos(progression_lm):
    # After EOS the progression model gives every one of the 18 tokens the
    # same logit, so a one-unit candidate without prompt scores log(1/18).
    scores = LikelihoodScorer(progression_lm, "sum").score([[3], [9]])
    np.testing.assert_allclose(scores, [-math.log(18)] * 2, atol=1e-6)
    with_prompt = LikelihoodScorer(progression_lm, "sum").score([[3]], [[2]])
    assert with_prompt[0] > -0.1  # 3 follows 2: predicted with p ~ 0.94


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_model_with_known_preferences_is_right_on_every_item(progression_lm, reduction):
    prompts, correct, wrong = zip(*progression_items(200, seed=3))
    outcomes = LikelihoodScorer(progression_lm, reduction).compare(correct, wrong, prompts)
    assert outcomes.tolist() == [1.0] * 200


def test_random_model_is_at_chance_on_exchangeable_pairs(random_lm):
    # The "correct" and "wrong" candidates are drawn from the same
    # distribution, so each outcome is Bernoulli(1/2) whatever the model's
    # biases; 400 pairs: sd 0.025, the bound is 4 sd (p ~ 6e-5 by chance).
    rng = np.random.default_rng(4)
    prompts = [rng.integers(0, NUM_UNITS, 6) for _ in range(400)]
    first = [rng.integers(0, NUM_UNITS, rng.integers(3, 8)) for _ in range(400)]
    second = [rng.integers(0, NUM_UNITS, rng.integers(3, 8)) for _ in range(400)]
    accuracy = LikelihoodScorer(random_lm).compare(first, second, prompts).mean()
    assert abs(accuracy - 0.5) <= 0.1


def test_swapping_candidates_flips_every_decision_and_keeps_ties(random_lm):
    prompts, correct, wrong = (list(x) for x in zip(*progression_items(60, seed=5)))
    wrong[:10] = correct[:10]  # identical candidates: exact ties
    scorer = LikelihoodScorer(random_lm, max_tokens_per_batch=48)
    outcomes = scorer.compare(correct, wrong, prompts)
    swapped = scorer.compare(wrong, correct, prompts)
    assert outcomes[:10].tolist() == [0.5] * 10
    assert swapped.tolist() == (1.0 - outcomes).tolist()
    assert set(outcomes[10:].tolist()) <= {0.0, 1.0}


def test_invalid_requests_are_rejected(random_lm):
    scorer = LikelihoodScorer(random_lm)
    with pytest.raises(ValueError, match="candidate of item 1: unit id 16"):
        scorer.score([[1], [2, NUM_UNITS]])
    with pytest.raises(ValueError, match="candidate of item 0 is empty"):
        scorer.score([[]])
    with pytest.raises(ValueError, match="prompt of item 0: unit id -1"):
        scorer.score([[1]], [[-1]])
    with pytest.raises(ValueError, match="2 prompts for 1 candidates"):
        scorer.score([[1]], [[1], [2]])
    with pytest.raises(ValueError, match="reduction"):
        LikelihoodScorer(random_lm, reduction="max")


def test_scoring_restores_the_training_mode(random_lm):
    random_lm.train()
    try:
        LikelihoodScorer(random_lm).score([[1, 2]])
        assert random_lm.training
    finally:
        random_lm.eval()
