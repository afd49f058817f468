"""Likelihood scorer: candidates scored over their allowed ids only (the
other modality's logits masked), on the packed and the padded path."""

import math

import numpy as np
import pytest
import torch

from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.eval.cross_modal import cross_modal_context, modality_id_range
from speechbrain_xling.eval.scoring import LikelihoodScorer
from speechbrain_xling.model.unit_lm import UnitLM
from tests.eval.conftest import NUM_UNITS, TINY_LLAMA, bigram_model
from tests.eval.test_scoring_shared_prompt import TINY

VOCAB = SpeechTextVocabulary(num_text=10, num_units=NUM_UNITS)
TEXT, SPEECH = modality_id_range(VOCAB, "T"), modality_id_range(VOCAB, "S")
# (model type, config fields, scored in packed segments?)
PATHS = {
    "packed-llama": ("llama", {}, True),
    "packed-qwen2": ("qwen2", {}, True),
    "padded-mistral": ("mistral", {}, False),
    "padded-qwen2-sliding": (
        "qwen2",
        {"use_sliding_window": True, "sliding_window": 4, "max_window_layers": 0},
        False,
    ),
}


def speech_text_lm(model_type, **fields):
    """An untrained tiny speech-text model with large random weights."""
    torch.manual_seed(0)
    config = {**TINY[model_type], "initializer_range": 0.5, **fields}
    return UnitLM.from_config(config, NUM_UNITS, vocab=VOCAB).eval()


def path_scorer(path, reduction="mean"):
    model_type, fields, packed = PATHS[path]
    scorer = LikelihoodScorer(speech_text_lm(model_type, **fields), reduction)
    assert scorer._scores_segments() == packed
    return scorer


def mixed_requests(seed):
    """Cross-modal contexts (prompts of 0 to 17 tokens in either modality),
    each followed by 1 to 3 endings of either modality, with the ending's
    id range; the first 5 requests repeated."""
    rng = np.random.default_rng(seed)
    contexts, candidates, allowed = [], [], []
    for prompt_length in [0, 1, 4, 9, 17]:
        for prompt_modality, prompt_range in (("T", TEXT), ("S", SPEECH)):
            prompt = rng.integers(*prompt_range, prompt_length)
            for ending_modality, ending_range in (("T", TEXT), ("S", SPEECH)):
                context = cross_modal_context(VOCAB, prompt, prompt_modality, ending_modality)
                for _ in range(rng.integers(1, 4)):
                    contexts.append(context)
                    candidates.append(rng.integers(*ending_range, rng.integers(1, 8)))
                    allowed.append(ending_range)
    return contexts + contexts[:5], candidates + candidates[:5], allowed + allowed[:5]


def reference_score(lm, context, candidate, allowed, reduction):
    """One unpadded forward pass; the log-softmax over ``logits[start:stop]``
    (all ids when ``allowed`` is None) at the candidate's positions."""
    tokens = torch.tensor([[*context, *candidate]])
    with torch.no_grad():
        logits = lm(tokens)[0, len(context) - 1 : -1].float()
    start, stop = allowed or (0, VOCAB.size)
    log_probs = logits[:, start:stop].log_softmax(-1)
    targets = torch.as_tensor(candidate) - start
    total = log_probs[torch.arange(len(candidate)), targets].double().sum().item()
    return total / len(candidate) if reduction == "mean" else total


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("path", list(PATHS))
def test_restricted_scores_are_the_log_softmax_over_the_allowed_ids(path, reduction):
    scorer = path_scorer(path, reduction)
    contexts, candidates, allowed = mixed_requests(seed=0)
    count = len(candidates)
    # restricted and whole-vocabulary requests of the same tokens, in one call
    scores = scorer.score_tokens(candidates * 2, contexts * 2, allowed + [None] * count)
    restricted, whole = scores[:count], scores[count:]
    tolerance = 1e-5 * (np.array([len(c) for c in candidates]) if reduction == "sum" else 1)
    for ranges, got in ((allowed, restricted), ([None] * count, whole)):
        expected = [
            reference_score(scorer.lm, context, candidate.tolist(), ids, reduction)
            for context, candidate, ids in zip(contexts, candidates, ranges)
        ]
        assert np.all(np.abs(got - expected) <= tolerance)
    # the other modality, the markers and EOS always hold some mass
    assert np.all(restricted > whole)
    assert restricted[-5:].tolist() == restricted[:5].tolist()  # duplicates: bit-identical


@pytest.mark.parametrize("path", list(PATHS))
def test_without_allowed_ranges_the_scores_are_unchanged(path):
    scorer = path_scorer(path)
    contexts, candidates, allowed = mixed_requests(seed=1)
    default = scorer.score_tokens(candidates, contexts)
    assert scorer.score_tokens(candidates, contexts, [None] * len(candidates)).tolist() == (
        default.tolist()
    )
    half = len(candidates) // 2
    outcomes = scorer.compare_tokens(
        candidates[:half], candidates[half : 2 * half], contexts[:half]
    )
    none = scorer.compare_tokens(
        candidates[:half], candidates[half : 2 * half], contexts[:half], [None] * half
    )
    assert none.tolist() == outcomes.tolist()
    # spoken endings after [SPEECH] and a spoken prompt: the requests of score()
    spoken = [
        (context, candidate)
        for context, candidate in zip(contexts, candidates)
        if context[1] == VOCAB.speech_marker and candidate[0] >= VOCAB.unit_offset
    ]
    units = [VOCAB.units_of(candidate) for _, candidate in spoken]
    prompts = [VOCAB.units_of(context[2:]) for context, _ in spoken]
    as_tokens = scorer.score_tokens([c for _, c in spoken], [c for c, _ in spoken])
    assert as_tokens.tolist() == scorer.score(units, prompts).tolist()


def hand_built_lm(model_type):
    """A speech-text model (8 text ids, 8 units) whose next-token logits
    depend only on the token just read (one-hot embeddings, blocks that add
    nothing; the final norm scales the one-hot by sqrt(hidden_size)):

    * after text 0: logit 4 for texts 1 and 3; after unit 0: for units 1, 3;
    * after text 1: logit 4 for text 2, and 6 for every unit (the model
      expects speech); after unit 1: 4 for unit 2, and 6 for every text;
    * after text 3: logit 2 for text 4; after unit 3: 2 for unit 4;

    all other logits 0.
    """
    vocab = SpeechTextVocabulary(num_text=8, num_units=8)
    lm = bigram_model(vocab, TINY[model_type])
    scale = math.sqrt(TINY_LLAMA["hidden_size"])
    with torch.no_grad():
        head = lm.hf_model.lm_head.weight
        for own, other in ((0, vocab.unit_offset), (vocab.unit_offset, 0)):
            head[[own + 1, own + 3], own] = 4 / scale
            head[own + 2, own + 1] = 4 / scale
            head[other : other + 8, own + 1] = 6 / scale
            head[own + 4, own + 3] = 2 / scale
    return lm.eval()


@pytest.mark.parametrize("model_type, packed", [("llama", True), ("mistral", False)])
def test_masking_the_other_modality_changes_a_known_decision(model_type, packed):
    lm = hand_built_lm(model_type)
    vocab = lm.vocab
    scorer = LikelihoodScorer(lm)
    assert scorer._scores_segments() == packed
    # a written and a spoken pair: the correct ending is followed by a token
    # the model also expects speech (text) after, the wrong one is not
    text, units = modality_id_range(vocab, "T"), modality_id_range(vocab, "S")
    off = vocab.unit_offset
    contexts = [[vocab.eos, vocab.text_marker, 0], [vocab.eos, vocab.speech_marker, off]]
    correct, wrong = [[1, 2], [off + 1, off + 2]], [[3, 4], [off + 3, off + 4]]
    assert scorer.compare_tokens(correct, wrong, contexts).tolist() == [0.0, 0.0]
    assert scorer.compare_tokens(correct, wrong, contexts, [text, units]).tolist() == [1.0, 1.0]
    # by hand: 20 ids, 8 of them in the allowed range (the mean over 2 tokens)
    e = math.exp
    expected = {
        "correct, whole": (4 - math.log(2 * e(4) + 18) + 4 - math.log(e(4) + 8 * e(6) + 11)) / 2,
        "wrong, whole": (4 - math.log(2 * e(4) + 18) + 2 - math.log(e(2) + 19)) / 2,
        "correct, allowed": (4 - math.log(2 * e(4) + 6) + 4 - math.log(e(4) + 7)) / 2,
        "wrong, allowed": (4 - math.log(2 * e(4) + 6) + 2 - math.log(e(2) + 7)) / 2,
    }
    for ranges, kind in (([None, None], "whole"), ([text, units], "allowed")):
        scores = scorer.score_tokens(correct + wrong, contexts * 2, ranges * 2)
        for name, pair in (("correct", scores[:2]), ("wrong", scores[2:])):
            # the final norm's epsilon shifts the logits by ~1e-5
            np.testing.assert_allclose(pair, expected[f"{name}, {kind}"], atol=1e-3)


def test_a_token_outside_the_allowed_ids_is_an_error():
    scorer = LikelihoodScorer(speech_text_lm("llama"))
    context = [VOCAB.eos, VOCAB.text_marker, 1]
    unit = VOCAB.unit_offset + 2
    with pytest.raises(
        ValueError,
        match=rf"candidate of item 1: token id {unit} is outside the allowed ids \[0, 10\)",
    ):
        scorer.score_tokens([[1, 2], [3, unit]], [context, context], [TEXT, TEXT])
    with pytest.raises(
        ValueError, match=r"candidate of item 0: token id 1 is outside .* \[10, 26\)"
    ):
        scorer.compare_tokens([[1]], [[VOCAB.unit_offset]], [context], [SPEECH])
    with pytest.raises(ValueError, match=r"allowed ids \[5, 31\) are not a range of \[0, 30\)"):
        scorer.score_tokens([[6]], [context], [(5, VOCAB.size + 1)])
    with pytest.raises(ValueError, match="got 2 allowed ranges for 1 pairs"):
        scorer.compare_tokens([[1]], [[2]], [context], [TEXT, TEXT])
