"""Log-likelihood of unit candidates under a :class:`UnitLM`.

Every benchmark of the paper (sBLiMP, sWUGGY, sSC, sTC and their
cross-lingual variants) compares the log-likelihood that the model gives to
two candidates, optionally after a prompt. :class:`LikelihoodScorer` computes
these scores in length-sorted batches.

Scoring convention
------------------
The model reads ``EOS || prompt || candidate`` and only the candidate's
units are scored: the first candidate unit is predicted from the last prompt
position. The leading EOS is the document separator the model sees before
every document during training (the packer writes ``doc EOS doc EOS ...``),
so a prompt or a prompt-less candidate starts exactly like a training
document; without a prompt, EOS is the context from which the first
candidate unit is predicted, so every candidate unit is scored.

``reduction="mean"`` (default) divides the summed log-probability by the
number of candidate units, as slamkit does by default; it keeps long
candidates from being penalised for their length, which matters for sSC/sTC
endings of different durations. ``reduction="sum"`` gives the plain
log-likelihood (the classic ZeroSpeech 2021 baseline).

Authors
 * speechbrain-xling authors 2026
"""

import numpy as np
import torch
from tqdm import tqdm

REDUCTIONS = ("mean", "sum")


def length_buckets(lengths, max_tokens):
    """Groups indices into batches whose padded size stays within a budget.

    Indices are sorted by length (stable, so equal lengths keep their given
    order) and cut greedily so that ``len(batch) * longest <= max_tokens``;
    a sequence longer than the budget gets a batch of its own.

    Arguments
    ---------
    lengths : sequence of int
        Length of each sequence.
    max_tokens : int
        Padded tokens allowed per batch.

    Returns
    -------
    list of list of int
        Indices into ``lengths``, one list per batch.

    Example
    -------
    >>> length_buckets([5, 2, 9, 3], max_tokens=9)
    [[1, 3], [0], [2]]
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    batches, batch, longest = [], [], 0
    for index in np.argsort(np.asarray(lengths), kind="stable"):
        length = int(lengths[index])
        if batch and max(longest, length) * (len(batch) + 1) > max_tokens:
            batches.append(batch)
            batch, longest = [], 0
        batch.append(int(index))
        longest = max(longest, length)
    if batch:
        batches.append(batch)
    return batches


def pad_sequences(sequences, pad_id, device="cpu"):
    """Right-pads int sequences into ``(tokens, attention_mask)`` tensors.

    Example
    -------
    >>> tokens, mask = pad_sequences([[1, 2, 3], [4]], pad_id=9)
    >>> tokens.tolist(), mask.tolist()
    ([[1, 2, 3], [4, 9, 9]], [[1, 1, 1], [1, 0, 0]])
    """
    longest = max(len(sequence) for sequence in sequences)
    tokens = torch.full((len(sequences), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        tokens[row, : len(sequence)] = torch.as_tensor(sequence, dtype=torch.long)
        mask[row, : len(sequence)] = 1
    return tokens.to(device), mask.to(device)


def check_units(units, num_units, what):
    """Returns ``units`` as an int64 array after checking ids and shape.

    Raises ``ValueError`` naming ``what`` for a non 1-D array or an id
    outside ``[0, num_units)``.

    Example
    -------
    >>> check_units([1, 2], num_units=4, what="item 0").tolist()
    [1, 2]
    >>> check_units([1, 7], num_units=4, what="item 3")
    Traceback (most recent call last):
    ...
    ValueError: item 3: unit id 7 is outside [0, 4)
    """
    array = np.asarray(units)
    if array.ndim != 1:
        raise ValueError(f"{what}: units must be a 1-D array, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{what}: units must be integers, got {array.dtype}")
    array = array.astype(np.int64)
    bad = (array < 0) | (array >= num_units)
    if bad.any():
        raise ValueError(f"{what}: unit id {array[bad][0]} is outside [0, {num_units})")
    return array


def pair_outcomes(correct_scores, wrong_scores):
    """1 where the correct item scores higher, 0.5 on a tie, 0 otherwise.

    Example
    -------
    >>> pair_outcomes([-1.0, -2.0, -3.0], [-2.0, -2.0, -1.0]).tolist()
    [1.0, 0.5, 0.0]
    """
    correct_scores = np.asarray(correct_scores, dtype=np.float64)
    wrong_scores = np.asarray(wrong_scores, dtype=np.float64)
    return (correct_scores > wrong_scores) + 0.5 * (correct_scores == wrong_scores)


class LikelihoodScorer:
    """Batched log-likelihood of candidates (optionally after prompts).

    Identical ``(prompt, candidate)`` requests are scored once, and the batch
    plan depends only on the set of distinct requests, so equal requests get
    bit-identical scores (ties stay ties) and swapping the two candidates of
    a comparison swaps their scores exactly.

    Arguments
    ---------
    lm : UnitLM
        The model; scoring runs on the device of its parameters, in eval
        mode (its previous mode is restored afterwards).
    reduction : str
        ``"mean"`` (default): mean log-probability per candidate unit;
        ``"sum"``: total log-probability of the candidate.
    max_tokens_per_batch : int
        Padded tokens per forward pass (memory bound: logits take
        ``max_tokens_per_batch * vocab_size`` floats).
    progress : bool or str
        Shows a tqdm bar over batches; a string is used as its label.

    Example
    -------
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> lm = UnitLM.from_config(config, num_units=16)
    >>> scorer = LikelihoodScorer(lm, reduction="sum")
    >>> scores = scorer.score([[1, 2, 3], [4, 5]], prompts=[[7, 8], []])
    >>> scores.shape, bool((scores < 0).all())
    ((2,), True)
    """

    def __init__(self, lm, reduction="mean", max_tokens_per_batch=16384, progress=False):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.lm = lm
        self.reduction = reduction
        self.max_tokens_per_batch = int(max_tokens_per_batch)
        self.progress = progress

    def score(self, candidates, prompts=None):
        """Scores each candidate after its prompt.

        Arguments
        ---------
        candidates : list of array-like of int
            Non-empty unit sequences to score.
        prompts : list of array-like of int, optional
            One prompt per candidate (may be empty); none by default.

        Returns
        -------
        numpy.ndarray
            ``float64 [len(candidates)]`` log-likelihoods (see ``reduction``).
        """
        if prompts is None:
            prompts = [()] * len(candidates)
        if len(prompts) != len(candidates):
            raise ValueError(f"got {len(prompts)} prompts for {len(candidates)} candidates")
        requests = [
            self._request(index, prompt, candidate)
            for index, (prompt, candidate) in enumerate(zip(prompts, candidates))
        ]
        return self._scores(requests)

    def compare_tokens(self, correct, wrong, contexts):
        """:meth:`compare` on sequences already written in vocabulary ids.

        For speech-text models (:mod:`speechbrain_xling.eval.cross_modal`):
        each context holds everything the model reads before the candidate
        (EOS, modality markers, the prompt), and each candidate is scored
        after its context. Ids must be in the vocabulary and not PAD.

        Example
        -------
        >>> from speechbrain_xling.model.unit_lm import UnitLM
        >>> config = {"model_type": "llama", "hidden_size": 32,
        ...           "intermediate_size": 64, "num_hidden_layers": 2,
        ...           "num_attention_heads": 4, "num_key_value_heads": 2}
        >>> scorer = LikelihoodScorer(UnitLM.from_config(config, num_units=16))
        >>> scorer.compare_tokens([[1, 2]], [[1, 2]], contexts=[[16, 5]]).tolist()
        [0.5]
        """
        if not len(correct) == len(wrong) == len(contexts):
            raise ValueError(
                f"got {len(correct)} correct, {len(wrong)} wrong candidates and "
                f"{len(contexts)} contexts"
            )
        requests = [
            self._token_request(index, context, candidate)
            for index, (context, candidate) in enumerate(
                zip(list(contexts) * 2, list(correct) + list(wrong))
            )
        ]
        scores = self._scores(requests)
        return pair_outcomes(scores[: len(correct)], scores[len(correct) :])

    def _scores(self, requests):
        """Scores of requests, each distinct request computed once."""
        # Canonical order of the distinct requests: same set, same batches.
        distinct = sorted(set(requests), key=lambda r: (len(r[1]), r[0], r[1]))
        distinct_scores = self._score_distinct(distinct)
        score_of = dict(zip(distinct, distinct_scores))
        return np.array([score_of[request] for request in requests], dtype=np.float64)

    def compare(self, correct, wrong, prompts=None):
        """Pair outcomes (1, 0.5 on a tie, 0) of correct vs wrong candidates.

        Both candidates of every pair are scored in one call, so they share
        batches. ``prompts`` (optional) applies to both candidates of a pair.

        Returns
        -------
        numpy.ndarray
            ``float64 [num_pairs]`` outcomes, see :func:`pair_outcomes`.

        Example
        -------
        >>> from speechbrain_xling.model.unit_lm import UnitLM
        >>> config = {"model_type": "llama", "hidden_size": 32,
        ...           "intermediate_size": 64, "num_hidden_layers": 2,
        ...           "num_attention_heads": 4, "num_key_value_heads": 2}
        >>> scorer = LikelihoodScorer(UnitLM.from_config(config, num_units=16))
        >>> scorer.compare([[1, 2], [3]], [[1, 2], [4]], prompts=[[5], [6]])[0].item()
        0.5
        """
        if len(correct) != len(wrong):
            raise ValueError(f"got {len(correct)} correct but {len(wrong)} wrong candidates")
        both_prompts = None if prompts is None else list(prompts) * 2
        scores = self.score(list(correct) + list(wrong), both_prompts)
        return pair_outcomes(scores[: len(correct)], scores[len(correct) :])

    def _request(self, index, prompt, candidate):
        """A hashable ``(context_length, tokens)`` request for one item."""
        vocab = self.lm.vocab
        prompt = check_units(prompt, vocab.num_units, f"prompt of item {index}")
        candidate = check_units(candidate, vocab.num_units, f"candidate of item {index}")
        if candidate.size == 0:
            raise ValueError(f"candidate of item {index} is empty")
        # A speech-text model reads units as shifted ids after [SPEECH].
        context = (vocab.eos, *vocab.speech_prefix, *vocab.unit_ids(prompt).tolist())
        return len(context), (*context, *vocab.unit_ids(candidate).tolist())

    def _token_request(self, index, context, candidate):
        """A request of token ids (checked against the vocabulary)."""
        vocab = self.lm.vocab
        context = check_units(context, vocab.size, f"context of item {index}")
        candidate = check_units(candidate, vocab.size, f"candidate of item {index}")
        if candidate.size == 0 or context.size == 0:
            raise ValueError(f"item {index} has an empty context or candidate")
        if (context == vocab.pad).any() or (candidate == vocab.pad).any():
            raise ValueError(f"item {index} holds the PAD id {vocab.pad}")
        return context.size, (*context.tolist(), *candidate.tolist())

    @torch.inference_mode()
    def _score_distinct(self, requests):
        device = next(self.lm.parameters()).device
        was_training = self.lm.training
        self.lm.eval()
        scores = np.empty(len(requests), dtype=np.float64)
        batches = length_buckets([len(tokens) for _, tokens in requests], self.max_tokens_per_batch)
        label = self.progress if isinstance(self.progress, str) else "scoring"
        try:
            for batch in tqdm(batches, desc=label, disable=not self.progress):
                batch_scores = self._score_batch([requests[i] for i in batch], device)
                scores[batch] = batch_scores
        finally:
            self.lm.train(was_training)
        return scores

    def _score_batch(self, requests, device):
        sequences = [tokens for _, tokens in requests]
        tokens, mask = pad_sequences(sequences, self.lm.vocab.pad, device)
        logits = self.lm(tokens, attention_mask=mask)[:, :-1].float()
        targets = tokens[:, 1:]
        unit_log_probs = (
            logits.log_softmax(dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1).double().cpu()
        )
        scores = []
        for row, (context_length, sequence) in enumerate(requests):
            # position t predicts token t + 1: the candidate's units are the
            # targets context_length - 1 .. len(sequence) - 2
            candidate = unit_log_probs[row, context_length - 1 : len(sequence) - 1]
            total = candidate.sum().item()
            scores.append(total / len(candidate) if self.reduction == "mean" else total)
        return scores
