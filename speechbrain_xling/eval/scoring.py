"""Log-likelihood of unit candidates under a :class:`UnitLM`.

Every benchmark of the paper (sBLiMP, sWUGGY, sSC, sTC and their
cross-lingual variants) compares the log-likelihood that the model gives to
two candidates, optionally after a prompt. :class:`LikelihoodScorer` computes
these scores in length-sorted batches; for llama and qwen models, requests
that share a context (a prompt, or the lone EOS) are packed into segments
that read the context once (:func:`shared_context_segments`).

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

Restricted normalisation
------------------------
A request written in vocabulary ids may name a range of allowed ids
``(start, stop)`` (:meth:`LikelihoodScorer.score_tokens`): its candidate's
tokens must lie in it, and each is scored under the softmax over those ids
only, the other logits set to -inf before the log-softmax. A speech-text
model then gets no penalty for the mass it puts on the other modality
(:mod:`speechbrain_xling.eval.cross_modal`, ``mask_other_modality``).
Without a range (the default) the softmax is over the whole vocabulary, and
the scores are those of a scorer without this option, bit for bit.

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


def check_units(units, num_units, what, kind="unit"):
    """Returns ``units`` as an int64 array after checking ids and shape.

    Raises ``ValueError`` naming ``what`` for a non 1-D array or an id
    outside ``[0, num_units)`` (``kind`` names the ids in the message).

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
        raise ValueError(f"{what}: {kind}s must be a 1-D array, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{what}: {kind}s must be integers, got {array.dtype}")
    array = array.astype(np.int64)
    bad = (array < 0) | (array >= num_units)
    if bad.any():
        raise ValueError(f"{what}: {kind} id {array[bad][0]} is outside [0, {num_units})")
    return array


def check_token_ids(ids, vocab, what, allow_empty=False):
    """``ids`` as an int64 array of vocabulary ids: in ``[0, vocab.size)``,
    not PAD, and non-empty unless ``allow_empty``; errors name ``what``.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import UnitVocabulary
    >>> check_token_ids([16, 3], UnitVocabulary(16), "context").tolist()
    [16, 3]
    >>> check_token_ids([16, 17], UnitVocabulary(16), "context")
    Traceback (most recent call last):
    ...
    ValueError: context holds the PAD id 17
    """
    array = check_units(ids, vocab.size, what, kind="token")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{what} is empty")
    if (array == vocab.pad).any():
        raise ValueError(f"{what} holds the PAD id {vocab.pad}")
    return array


def check_allowed_ids(allowed, ids, size, what):
    """``allowed`` as ``(start, stop)`` after checking that it is a
    non-empty range of ``[0, size)`` holding every id of ``ids``; None stays
    None. Errors name ``what``.

    Example
    -------
    >>> check_allowed_ids((4, 8), [4, 7], size=10, what="candidate of item 0")
    (4, 8)
    >>> check_allowed_ids((4, 8), [4, 9], size=10, what="candidate of item 2")
    Traceback (most recent call last):
    ...
    ValueError: candidate of item 2: token id 9 is outside the allowed ids [4, 8)
    """
    if allowed is None:
        return None
    start, stop = (int(bound) for bound in allowed)
    if not 0 <= start < stop <= size:
        raise ValueError(f"{what}: allowed ids [{start}, {stop}) are not a range of [0, {size})")
    ids = np.asarray(ids)
    outside = (ids < start) | (ids >= stop)
    if outside.any():
        raise ValueError(
            f"{what}: token id {ids[outside][0]} is outside the allowed ids [{start}, {stop})"
        )
    return start, stop


def mask_outside(logits, allowed):
    """Sets in place the logits (last dimension) of the ids outside
    ``allowed = (start, stop)`` to -inf; returns ``logits``.

    Example
    -------
    >>> mask_outside(torch.zeros(1, 5), (1, 3)).tolist()
    [[-inf, 0.0, 0.0, -inf, -inf]]
    """
    start, stop = allowed
    logits[..., :start] = -torch.inf
    logits[..., stop:] = -torch.inf
    return logits


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


# Architectures scored in shared-context segments: their causal LM computes
# ``lm_head(decoder(...).last_hidden_state)`` and their decoder takes a ready
# 4-D attention mask and explicit position ids (sdpa and eager attention;
# tests/eval/test_scoring_shared_prompt.py checks them against the plain
# path). Other models are scored one padded sequence per request.
SEGMENT_MODEL_TYPES = ("llama", "qwen2", "qwen3")
SEGMENT_ATTENTION = ("sdpa", "eager")
# Every candidate of a segment costs attention over the whole segment (its
# masked part included), so a context takes candidates only up to
# max(SEGMENT_MIN_TOKENS, SEGMENT_CONTEXT_FACTOR * context length) tokens:
# a long prompt is shared by all its endings, EOS alone by a few words.
SEGMENT_MIN_TOKENS = 128
SEGMENT_CONTEXT_FACTOR = 4
# On CPU, forward passes over more tokens run slower per token (activations
# no longer fit the caches; measured with benchmarks/bench_scoring.py).
CPU_TOKENS_PER_PASS = 1024


def shared_context_segments(requests, max_tokens):
    """Groups ``(context_length, tokens)`` requests by context into segments.

    A segment is one context followed by some of the candidates read after
    it (the tails ``tokens[context_length:]``), so the context is computed
    once for all of them. A candidate's last unit is only predicted, never
    read, so a segment reads ``len(context) + sum(len(tail) - 1)`` tokens
    (:func:`segment_length`). Candidates are taken in the given order and a
    new segment of the same context starts when the next one would exceed
    ``min(max_tokens, max(SEGMENT_MIN_TOKENS, SEGMENT_CONTEXT_FACTOR *
    context length))`` tokens; a segment holds at least one candidate.

    Arguments
    ---------
    requests : list of tuple
        ``(context_length, tokens, ...)``; ``context_length >= 1``, further
        fields are ignored.
    max_tokens : int
        Tokens allowed per segment (a context with a single candidate may
        exceed it).

    Returns
    -------
    list of (tuple of int, list of int)
        ``(context, request indices)``, contexts in order of first
        appearance.

    Example
    -------
    >>> requests = [(2, (9, 1, 5)), (1, (9, 5)), (2, (9, 1, 6, 7))]
    >>> shared_context_segments(requests, max_tokens=16)
    [((9, 1), [0, 2]), ((9,), [1])]
    >>> shared_context_segments(requests, max_tokens=2)
    [((9, 1), [0]), ((9, 1), [2]), ((9,), [1])]
    """
    groups = {}
    for index, (context_length, tokens, *_) in enumerate(requests):
        groups.setdefault(tuple(tokens[:context_length]), []).append(index)
    segments = []
    for context, members in groups.items():
        limit = min(max_tokens, max(SEGMENT_MIN_TOKENS, SEGMENT_CONTEXT_FACTOR * len(context)))
        segment, length = [], len(context)
        for index in members:
            read = len(requests[index][1]) - len(context) - 1
            if segment and length + read > limit:
                segments.append((context, segment))
                segment, length = [], len(context)
            segment.append(index)
            length += read
        segments.append((context, segment))
    return segments


def segment_length(requests, context, members):
    """Tokens read for a segment: its context, then each candidate but its
    last unit.

    Example
    -------
    >>> segment_length([(2, (9, 1, 5)), (2, (9, 1, 6, 7))], (9, 1), [0, 1])
    3
    """
    return len(context) + sum(len(requests[i][1]) - len(context) - 1 for i in members)


def segment_attention_mask(positions, blocks):
    """Which keys each query attends to in rows of packed segments.

    Block 0 is a segment's context, blocks 1, 2, ... its candidates and -1
    padding: a query sees the context and its own block, causally by
    position, never another candidate (so each candidate is computed as if
    it followed the context alone).

    Arguments
    ---------
    positions : torch.Tensor
        ``[batch, time]`` position of each token in its own sequence.
    blocks : torch.Tensor
        ``[batch, time]`` block of each token.

    Returns
    -------
    torch.Tensor
        ``bool [batch, 1, time, time]``, True where query (row) may attend
        to key (column).

    Example
    -------
    >>> positions = torch.tensor([[0, 1, 2, 2, 0]])
    >>> blocks = torch.tensor([[0, 0, 1, 2, -1]])
    >>> segment_attention_mask(positions, blocks)[0, 0].int().tolist()
    [[1, 0, 0, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 0, 1, 0], [1, 0, 0, 0, 1]]
    """
    keys, queries = blocks[:, None, :], blocks[:, :, None]
    seen = (keys == 0) | (keys == queries)
    causal = positions[:, None, :] <= positions[:, :, None]
    return (seen & causal)[:, None]


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
        Padded tokens per forward pass (memory bound: logits take at most
        ``max_tokens_per_batch * vocab_size`` floats, the attention mask
        ``max_tokens_per_batch`` times the longest row); on CPU, passes hold
        at most ``CPU_TOKENS_PER_PASS`` tokens. 1 scores one request (or one
        context and its one-unit candidates) per pass.
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

    def score_tokens(self, candidates, contexts, allowed=None):
        """Scores candidates already written in vocabulary ids.

        For speech-text models (:mod:`speechbrain_xling.eval.cross_modal`):
        each context holds everything the model reads before the candidate
        (EOS, modality markers, the prompt), and each candidate is scored
        after its context. Ids must be in the vocabulary and not PAD.

        Arguments
        ---------
        candidates : list of array-like of int
            Non-empty token sequences to score.
        contexts : list of array-like of int
            One non-empty context per candidate.
        allowed : list of (int, int) or None, optional
            Per candidate, ``(start, stop)`` to score its tokens under the
            softmax over ids ``start .. stop - 1`` only (see the module
            docstring; a token outside the range is an error), or None for
            the whole vocabulary; None (default): None for all.

        Returns
        -------
        numpy.ndarray
            ``float64 [len(candidates)]`` log-likelihoods (see ``reduction``).

        Example
        -------
        >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
        >>> from speechbrain_xling.model.unit_lm import UnitLM
        >>> config = {"model_type": "llama", "hidden_size": 32,
        ...           "intermediate_size": 64, "num_hidden_layers": 2,
        ...           "num_attention_heads": 4, "num_key_value_heads": 2}
        >>> vocab = SpeechTextVocabulary(num_text=10, num_units=16)
        >>> lm = UnitLM.from_config(config, num_units=16, vocab=vocab)
        >>> context = [vocab.eos, vocab.text_marker, 3]
        >>> whole, text_only = LikelihoodScorer(lm).score_tokens(
        ...     [[1, 2], [1, 2]], [context, context], allowed=[None, (0, vocab.num_text)])
        >>> bool(text_only > whole)  # no mass lost to units and markers
        True
        """
        if len(contexts) != len(candidates):
            raise ValueError(f"got {len(contexts)} contexts for {len(candidates)} candidates")
        if allowed is None:
            allowed = [None] * len(candidates)
        if len(allowed) != len(candidates):
            raise ValueError(f"got {len(allowed)} allowed ranges for {len(candidates)} candidates")
        requests = [
            self._token_request(index, *request)
            for index, request in enumerate(zip(contexts, candidates, allowed))
        ]
        return self._scores(requests)

    def compare_tokens(self, correct, wrong, contexts, allowed=None):
        """:meth:`compare` on sequences already written in vocabulary ids.

        Both candidates of a pair are scored after its context (and, when
        ``allowed`` gives one per pair, under its range of allowed ids), as
        :meth:`score_tokens` does.

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
        if allowed is not None and len(allowed) != len(correct):
            raise ValueError(f"got {len(allowed)} allowed ranges for {len(correct)} pairs")
        scores = self.score_tokens(
            list(correct) + list(wrong),
            list(contexts) * 2,
            None if allowed is None else list(allowed) * 2,
        )
        return pair_outcomes(scores[: len(correct)], scores[len(correct) :])

    def _scores(self, requests):
        """Scores of requests, each distinct request computed once."""
        # Canonical order of the distinct requests: same set, same batches.
        distinct = sorted(set(requests), key=lambda r: (len(r[1]), r[0], r[1], r[2] or ()))
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
        """A hashable ``(context_length, tokens, allowed)`` request for one
        item (no allowed range: the whole vocabulary)."""
        vocab = self.lm.vocab
        prompt = check_units(prompt, vocab.num_units, f"prompt of item {index}")
        candidate = check_units(candidate, vocab.num_units, f"candidate of item {index}")
        if candidate.size == 0:
            raise ValueError(f"candidate of item {index} is empty")
        # A speech-text model reads units as shifted ids after [SPEECH].
        context = (vocab.eos, *vocab.speech_prefix, *vocab.unit_ids(prompt).tolist())
        return len(context), (*context, *vocab.unit_ids(candidate).tolist()), None

    def _token_request(self, index, context, candidate, allowed):
        """A request of token ids (checked against the vocabulary and the
        allowed range)."""
        vocab = self.lm.vocab
        context = check_token_ids(context, vocab, f"context of item {index}")
        what = f"candidate of item {index}"
        candidate = check_token_ids(candidate, vocab, what)
        allowed = check_allowed_ids(allowed, candidate, vocab.size, what)
        return context.size, (*context.tolist(), *candidate.tolist()), allowed

    @torch.inference_mode()
    def _score_distinct(self, requests):
        """Scores distinct requests; the plan depends only on their order.

        Requests sharing a context are packed into segments (see
        :func:`shared_context_segments`) when the architecture allows it
        (:meth:`_scores_segments`), otherwise each request is a padded row;
        rows are bucketed by length into passes of at most
        ``max_tokens_per_batch`` tokens (and ``CPU_TOKENS_PER_PASS`` on CPU).
        """
        device = next(self.lm.parameters()).device
        was_training = self.lm.training
        self.lm.eval()
        budget = self.max_tokens_per_batch
        if device.type == "cpu":
            budget = min(budget, CPU_TOKENS_PER_PASS)
        segmented = self._scores_segments()
        if segmented:
            rows = shared_context_segments(requests, budget)
            lengths = [segment_length(requests, *segment) for segment in rows]
        else:
            rows = [[index] for index in range(len(requests))]
            lengths = [len(tokens) for _, tokens, _ in requests]
        scores = np.empty(len(requests), dtype=np.float64)
        label = self.progress if isinstance(self.progress, str) else "scoring"
        try:
            batches = length_buckets(lengths, budget)
            for batch in tqdm(batches, desc=label, disable=not self.progress):
                if segmented:
                    indices, batch_scores = self._score_segments(
                        [rows[k] for k in batch], requests, device
                    )
                else:
                    indices = [rows[k][0] for k in batch]
                    batch_scores = self._score_batch([requests[i] for i in indices], device)
                scores[indices] = batch_scores
        finally:
            self.lm.train(was_training)
        return scores

    def _scores_segments(self):
        """Whether the model is scored in shared-context segments."""
        config = self.lm.hf_model.config
        return (
            config.model_type in SEGMENT_MODEL_TYPES
            and config._attn_implementation in SEGMENT_ATTENTION
            and "sliding_attention" not in (getattr(config, "layer_types", None) or ())
        )

    def _reduce(self, unit_log_probs):
        total = unit_log_probs.sum().item()
        return total / len(unit_log_probs) if self.reduction == "mean" else total

    def _score_batch(self, requests, device):
        """Plain path: one padded row per request, logits everywhere (those
        of a candidate masked to its allowed ids, if any)."""
        sequences = [tokens for _, tokens, _ in requests]
        tokens, mask = pad_sequences(sequences, self.lm.vocab.pad, device)
        logits = self.lm(tokens, attention_mask=mask)[:, :-1].float()
        # position t predicts token t + 1: the candidate's units are the
        # targets context_length - 1 .. len(sequence) - 2
        spans = [
            (context_length - 1, len(sequence) - 1) for context_length, sequence, _ in requests
        ]
        for row, ((start, stop), (*_, allowed)) in enumerate(zip(spans, requests)):
            if allowed is not None:
                mask_outside(logits[row, start:stop], allowed)
        targets = tokens[:, 1:]
        unit_log_probs = (
            logits.log_softmax(dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1).double().cpu()
        )
        return [
            self._reduce(unit_log_probs[row, start:stop]) for row, (start, stop) in enumerate(spans)
        ]

    def _score_segments(self, segments, requests, device):
        """Scores the requests of ``(context, indices)`` segments, one per row.

        Each row reads the context once, then every candidate after it with
        the positions it would have right after the context and a mask that
        hides the other candidates (:func:`segment_attention_mask`); logits
        are computed only where a candidate unit is predicted (masked to the
        candidate's allowed ids, if any), and the log-softmax there. Returns
        the request indices and their scores.
        """
        longest = max(segment_length(requests, *segment) for segment in segments)
        shape = (len(segments), longest)
        tokens = np.full(shape, self.lm.vocab.pad, dtype=np.int64)
        positions = np.zeros(shape, dtype=np.int64)
        blocks = np.full(shape, -1, dtype=np.int64)
        indices, predictors, targets, spans = [], [], [], []
        for row, (context, members) in enumerate(segments):
            start = row * longest
            end = len(context)
            tokens[row, :end] = context
            positions[row, :end] = np.arange(end)
            blocks[row, :end] = 0
            for block, index in enumerate(members, start=1):
                tail = requests[index][1][len(context) :]
                stop = end + len(tail) - 1  # the last unit is not read
                tokens[row, end:stop] = tail[:-1]
                positions[row, end:stop] = np.arange(len(context), len(context) + len(tail) - 1)
                blocks[row, end:stop] = block
                # the first unit is predicted from the last context position,
                # the others from the candidate's own previous position
                spans.append((len(targets), len(targets) + len(tail)))
                predictors.append(start + len(context) - 1)
                predictors.extend(range(start + end, start + stop))
                targets.extend(tail)
                indices.append(index)
                end = stop
        positions = torch.from_numpy(positions).to(device)
        mask = segment_attention_mask(positions, torch.from_numpy(blocks).to(device))
        hf_model = self.lm.hf_model
        if hf_model.config._attn_implementation == "eager":  # adds the mask to the scores
            dtype = hf_model.get_input_embeddings().weight.dtype
            mask = torch.zeros(mask.shape, dtype=dtype, device=device).masked_fill_(
                ~mask, torch.finfo(dtype).min
            )
        hidden = (
            hf_model.get_decoder()(
                input_ids=torch.from_numpy(tokens).to(device),
                attention_mask=mask,
                position_ids=positions,
                use_cache=False,
            )
            .last_hidden_state.flatten(0, 1)
            .index_select(0, torch.as_tensor(predictors, device=device))
        )
        logits = hf_model.get_output_embeddings()(hidden).float()
        for (start, stop), index in zip(spans, indices):
            allowed = requests[index][2]
            if allowed is not None:
                mask_outside(logits[start:stop], allowed)
        targets = torch.as_tensor(targets, device=device)
        # One fused log-softmax, then the targets' entries: on CPU ~2.7x
        # faster than ``logit - logsumexp`` (five passes over the logits).
        unit_log_probs = (
            logits.log_softmax(dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1).double().cpu()
        )
        return indices, [self._reduce(unit_log_probs[start:stop]) for start, stop in spans]
