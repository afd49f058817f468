"""Cross-modal StoryCloze and TopicCloze for speech-text models.

The items of ``cloze.csv`` carry each prompt and ending twice: as audio and
as text. A speech-text model (a :class:`~speechbrain_xling.data.vocab.SpeechTextVocabulary`
and its text tokenizer) is asked every comparison in four modality
directions (SpiritLM's and SIMS's cross-modal cloze):

``S->S``
    spoken prompt, spoken endings (what the textless evaluation asks);
``T->T``
    written prompt, written endings;
``S->T`` / ``T->S``
    spoken prompt, written endings / written prompt, spoken endings.

The model reads ``EOS [M_p] prompt`` and, when the ending's modality differs,
the ending's marker ``[M_e]``, as training writes a marker at every modality
switch and nowhere else; only the ending's tokens are scored (the scoring
convention of :mod:`speechbrain_xling.eval.scoring`). With the four language
conditions of the items (EN, FR, EN->FR, FR->EN) that makes 16 cells per task.

With ``mask_other_modality`` the ending's tokens are scored under the softmax
over the ids of its own modality only (:func:`modality_id_range`; the other
logits masked to -inf), so a model is not penalised for the mass it puts on
the other modality (or on markers and EOS); off by default.

Authors
 * speechbrain-xling authors 2026
"""

import numpy as np

from speechbrain_xling.eval.cloze import cloze_tables
from speechbrain_xling.eval.files import units_for_files

DIRECTIONS = ("S->S", "T->T", "S->T", "T->S")


def direction_modalities(direction):
    """``(prompt, ending)`` modalities (``"S"``/``"T"``) of a direction.

    Example
    -------
    >>> direction_modalities("T->S")
    ('T', 'S')
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r} (known: {DIRECTIONS})")
    prompt, ending = direction.split("->")
    return prompt, ending


def cross_modal_context(vocab, prompt_ids, prompt_modality, ending_modality):
    """The token ids the model reads before an ending.

    Arguments
    ---------
    vocab : SpeechTextVocabulary
        The model's vocabulary.
    prompt_ids : sequence of int
        The prompt, already in vocabulary ids (units shifted, or text ids).
    prompt_modality, ending_modality : str
        ``"S"`` or ``"T"``.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> vocab = SpeechTextVocabulary(num_text=10, num_units=4)
    >>> vocab.text_marker, vocab.speech_marker, vocab.eos
    (14, 15, 16)
    >>> cross_modal_context(vocab, [11, 12], "S", "T")
    [16, 15, 11, 12, 14]
    >>> cross_modal_context(vocab, [3, 4], "T", "T")
    [16, 14, 3, 4]
    """
    marker = {"S": vocab.speech_marker, "T": vocab.text_marker}
    context = [vocab.eos, marker[prompt_modality], *[int(i) for i in prompt_ids]]
    if ending_modality != prompt_modality:
        context.append(marker[ending_modality])
    return context


def modality_id_range(vocab, modality):
    """``(start, stop)``: the ids of a modality (``"S"``/``"T"``) in ``vocab``.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> vocab = SpeechTextVocabulary(num_text=10, num_units=4)
    >>> modality_id_range(vocab, "T"), modality_id_range(vocab, "S")
    ((0, 10), (10, 14))
    """
    if modality == "T":
        return 0, vocab.num_text
    if modality == "S":
        return vocab.unit_offset, vocab.unit_offset + vocab.num_units
    raise ValueError(f"unknown modality {modality!r} (known: 'S', 'T')")


def _text_ids(tokenizer, items):
    """``{(item index, field): text ids}`` of the items' three texts."""
    ids = {}
    for number, item in enumerate(items):
        for field in ("prompt_text", "correct_text", "wrong_text"):
            text = getattr(item, field)
            what = f"cloze item {item.item_id!r} ({item.task}, {item.condition}, {item.control})"
            if not text:
                raise ValueError(f"{what} has no {field}: the cross-modal cloze needs the texts")
            ids[number, field] = tokenizer.encode(text, f"{what} {field}")
    return ids


def evaluate_cross_modal_cloze(
    scorer, items, units_of, text_tokenizer, directions=DIRECTIONS, mask_other_modality=False
):
    """Accuracy of a speech-text model per direction, task and condition.

    Arguments
    ---------
    scorer : LikelihoodScorer
        Over a model with a :class:`SpeechTextVocabulary`.
    items : list of ClozeItem
        From :func:`~speechbrain_xling.eval.cloze.read_cloze` (with texts).
    units_of : callable
        ``units_of(list_of_wav_paths) -> list of unit arrays``.
    text_tokenizer : TextTokenizer
        The model's text tokenizer.
    directions : sequence of str
        Subset of :data:`DIRECTIONS`.
    mask_other_modality : bool
        Scores each ending under the softmax over its own modality's ids
        only (see the module docstring); False (default): over the whole
        vocabulary.

    Returns
    -------
    dict
        ``{direction: result}`` where each result is as
        :func:`~speechbrain_xling.eval.cloze.evaluate_cloze` returns it
        (``accuracy``, ``num_items``, ``controls``). All comparisons of all
        directions are scored in one batch.
    """
    vocab = scorer.lm.vocab
    if not hasattr(vocab, "text_marker"):
        raise ValueError(f"the cross-modal cloze needs a speech-text model, not {vocab!r}")
    directions = list(directions)
    for direction in directions:
        direction_modalities(direction)
    needs_speech = any("S" in direction for direction in directions)
    speech = {}
    if needs_speech:
        paths = [p for item in items for p in (item.prompt_wav, item.correct_wav, item.wrong_wav)]
        speech = {
            path: vocab.unit_ids(units).tolist()
            for path, units in units_for_files(units_of, paths, vocab.num_units).items()
        }
    needs_text = any("T" in direction for direction in directions)
    text = _text_ids(text_tokenizer, items) if needs_text else {}

    def ids(number, item, field, modality):
        if modality == "T":
            return list(text[number, f"{field}_text"])
        return speech[getattr(item, f"{field}_wav")]

    contexts, correct, wrong, allowed = [], [], [], []
    for direction in directions:
        prompt_modality, ending_modality = direction_modalities(direction)
        ending_ids = modality_id_range(vocab, ending_modality) if mask_other_modality else None
        for number, item in enumerate(items):
            prompt = ids(number, item, "prompt", prompt_modality)
            contexts.append(cross_modal_context(vocab, prompt, prompt_modality, ending_modality))
            correct.append(ids(number, item, "correct", ending_modality))
            wrong.append(ids(number, item, "wrong", ending_modality))
            allowed.append(ending_ids)
    outcomes = scorer.compare_tokens(correct, wrong, contexts, allowed)
    per_direction = np.split(np.asarray(outcomes), len(directions))
    return {
        direction: cloze_tables(items, values)
        for direction, values in zip(directions, per_direction)
    }
