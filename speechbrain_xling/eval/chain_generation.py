"""Chain-of-modality answers (CSLM): decoding with modality masks, and metrics.

A spoken-question SFT document (see ``speechbrain_xling.data.chain_of_modality``)
is a prompt, never trained, then the answer and EOS; ids are vocabulary ids
(units shifted by ``vocab.unit_offset``)::

    prompt             [SPEECH] context_units question_units [LANG]
    text               [TEXT] t_1 ... t_n EOS                                (S->T)
    speech             u_1 ... u_m EOS                                       (S->S)
    chain              [TEXT] text_1 [SPEECH] units_1 [TEXT] text_2 ... EOS  (S->T+S)
    text_then_speech   [TEXT] whole text [SPEECH] all units EOS

``[LANG]``, the answer's language marker, is there when the vocabulary has
answer-language markers (:func:`~speechbrain_xling.data.chain_of_modality.speech_prompt`
writes the prompt): it asks for the answer in that language.
A chain's chunks are pieces of about 7 words of the answer, each written as
text and then spoken. The ``speech`` answer has no marker: the prompt is
already speech. As in training, where a document follows the EOS of the
one before, the model reads ``EOS || prompt``.

:func:`stream_answer` reads ``EOS || prompt`` once, then decodes one token
at a time with the Hugging Face KV cache (``past_key_values``). At every
step :class:`AnswerStates` says which ids may be chosen, and the logits of
all the others are set to -inf (PAD's always). The answer is a sequence of
chunks, each of one modality and at least one token long:

* before the answer: ``[TEXT]`` is forced (``text``, ``chain``,
  ``text_then_speech``); a ``speech`` answer opens a speech chunk directly.
* in a text chunk: text ids, and from its second token on its closer: EOS
  (``text``) or ``[SPEECH]`` (``chain``, ``text_then_speech``).
* in a speech chunk: unit ids, and from its second token on its closers:
  EOS, and ``[TEXT]`` too in a ``chain`` that has written fewer than
  ``max_chunks`` text chunks.
* a chunk of ``max_chunk_tokens`` tokens is closed by force: by the switch
  marker where the variant goes on (``[SPEECH]`` after text in a chain or
  text_then_speech, ``[TEXT]`` after a chain's speech chunk before
  ``max_chunks``), by EOS otherwise.

So markers stand only at modality switches, a ``text`` answer holds no unit
and a ``speech`` answer no text, and every answer ends with EOS within
:attr:`AnswerStates.max_length` ids (``max_chunks * (2 * max_chunk_tokens
+ 2) + 1``). Forced tokens are not sampled: they are read with the next
forward pass. Each chunk is yielded as soon as the token closing it is
chosen (a text chunk of a chain before its speech is written), with the
times at which its first token and its closer were chosen
(``time.perf_counter``, seconds from the start of decoding);
:func:`generate_answer` collects them, with the time to the first speech
unit and to the end. :func:`split_answer` and :func:`answer_ids` turn
answer ids into chunks and back; :func:`write_speech_chunks` writes each
speech chunk's units, and its audio when the unit tokenizer has a decoder.

Metrics: :func:`exact_match` compares an answer's text with the reference
after :func:`normalise_text`; :func:`chunk_consistency` asks the same LM to
transcribe each speech chunk (greedy ASR,
:func:`~speechbrain_xling.eval.asr_tts.lm_transcribe`) and gives the CER
against the text chunk just before it: how well the speech says what the
text said.

Authors
 * speechbrain-xling authors 2026
"""

import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from speechbrain_xling.data.chain_of_modality import VARIANTS
from speechbrain_xling.eval.asr_tts import character_error_rate, lm_transcribe
from speechbrain_xling.eval.continuation import (
    _allowed_mask,
    _checked_settings,
    _choose,
    _sampling_generator,
    write_continuation,
)
from speechbrain_xling.eval.scoring import check_token_ids

TEXT, SPEECH = "text", "speech"


def _checked_count(value, name):
    """``value`` as an int, raising ``ValueError`` naming ``name`` unless >= 1."""
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


def _is_speech_text(vocab):
    """True for a vocabulary with ``[TEXT]`` and ``[SPEECH]`` markers."""
    return hasattr(vocab, "text_marker")


def _checked_variant(vocab, variant):
    """``variant`` after checking it is known and the vocabulary can write it."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r} (known: {', '.join(VARIANTS)})")
    if variant != SPEECH and not _is_speech_text(vocab):
        raise ValueError(
            f"variant {variant!r} writes text, which needs a speech-text vocabulary (with "
            f"[TEXT] and [SPEECH] markers); the textless {vocab!r} only allows 'speech'"
        )
    return variant


class AnswerStates:
    """The modality state machine of one answer: which ids may come next.

    See the module docstring for the states. Call :meth:`forced_token`
    (the id that must come next, or None), :meth:`mask` (the ids that may
    come next) and :meth:`advance` (records the chosen id) in turn until
    :attr:`finished`.

    Arguments
    ---------
    vocab : UnitVocabulary or SpeechTextVocabulary
        The model's vocabulary (textless: only the ``speech`` variant).
    variant : str
        One of :data:`VARIANTS`.
    max_chunk_tokens : int
        Most tokens of a chunk (markers excluded); a full chunk's closer is forced.
    max_chunks : int
        Most text chunks of a ``chain`` (each followed by its speech chunk).
    text_stop : int, optional
        Text ids are ``0 .. text_stop - 1`` (default ``vocab.num_text``; a
        text LLM's table may have more rows than its tokenizer has ids).
    device : str or torch.device
        Where the masks live (the model's device).

    Attributes
    ----------
    modality : str or None
        ``"text"`` or ``"speech"``: the open chunk's; None before the answer.
    chunk_length : int
        Tokens of the open chunk so far.
    num_text_chunks : int
        Text chunks opened so far.
    finished : bool
        True once EOS is recorded.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> vocab = SpeechTextVocabulary(num_text=4, num_units=3)
    >>> states = AnswerStates(vocab, "chain", max_chunk_tokens=2, max_chunks=1)
    >>> states.forced_token() == vocab.text_marker
    True
    >>> states.advance(vocab.text_marker)
    >>> states.mask().nonzero().flatten().tolist()  # text ids only
    [0, 1, 2, 3]
    >>> states.advance(2)
    >>> states.mask().nonzero().flatten().tolist()  # text ids, or [SPEECH]
    [0, 1, 2, 3, 8]
    >>> states.advance(3)
    >>> states.forced_token() == vocab.speech_marker  # the chunk is full
    True
    """

    def __init__(
        self, vocab, variant, max_chunk_tokens=256, max_chunks=16, text_stop=None, device="cpu"
    ):
        self.vocab = vocab
        self.variant = _checked_variant(vocab, variant)
        self.max_chunk_tokens = _checked_count(max_chunk_tokens, "max_chunk_tokens")
        self.max_chunks = _checked_count(max_chunks, "max_chunks")
        self.device = device
        self.unit_range = range(vocab.unit_offset, vocab.unit_offset + vocab.num_units)
        self.text_range = None
        if _is_speech_text(vocab):
            stop = vocab.num_text if text_stop is None else min(int(text_stop), vocab.num_text)
            self.text_range = range(0, _checked_count(stop, "text_stop"))
            self._markers = {vocab.text_marker: TEXT, vocab.speech_marker: SPEECH}
        else:
            self._markers = {}
        self.modality = SPEECH if variant == SPEECH else None
        self.chunk_length = 0
        self.num_text_chunks = 0
        self.finished = False
        self._masks = {}

    @property
    def max_length(self):
        """Most ids of an answer, markers and EOS included."""
        return self.max_chunks * (2 * self.max_chunk_tokens + 2) + 1

    def _closers(self):
        """Ids that may close the open chunk, the one forced when it is full first."""
        vocab = self.vocab
        if self.modality == TEXT:
            return (vocab.eos,) if self.variant == TEXT else (vocab.speech_marker,)
        if self.variant == "chain" and self.num_text_chunks < self.max_chunks:
            return (vocab.text_marker, vocab.eos)
        return (vocab.eos,)

    def forced_token(self):
        """The id that must come next (no choice), or None.

        ``[TEXT]`` before a text variant's answer; the first closer of a chunk
        of ``max_chunk_tokens`` tokens.
        """
        if self.finished:
            raise RuntimeError("the answer is finished (EOS was recorded)")
        if self.modality is None:
            return self.vocab.text_marker
        if self.chunk_length >= self.max_chunk_tokens:
            return self._closers()[0]
        return None

    def mask(self):
        """Boolean ``[vocab.size]`` tensor: True for the ids that may come next."""
        forced = self.forced_token()
        if forced is not None:
            key = forced
        else:
            closers = self._closers() if self.chunk_length > 0 else ()
            key = (self.modality, closers)
        if key not in self._masks:
            if forced is not None:
                mask = torch.zeros(self.vocab.size, dtype=torch.bool)
                mask[forced] = True
                self._masks[key] = mask.to(self.device)
            else:
                allowed = self.text_range if self.modality == TEXT else self.unit_range
                self._masks[key] = _allowed_mask(self.vocab, allowed, closers, self.device)[0]
        return self._masks[key]

    def advance(self, token):
        """Records ``token``; raises ``ValueError`` if :meth:`mask` forbids it."""
        token = int(token)
        if not 0 <= token < self.vocab.size or not bool(self.mask()[token]):
            raise ValueError(
                f"token {token} may not come next in a {self.variant!r} answer "
                f"(open chunk: {self.modality}, {self.chunk_length} tokens)"
            )
        if token == self.vocab.eos:
            self.finished = True
        elif token in self._markers:
            self.modality = self._markers[token]
            self.chunk_length = 0
            self.num_text_chunks += self.modality == TEXT
        else:
            self.chunk_length += 1


@dataclass(frozen=True)
class Chunk:
    """One modality segment of an answer.

    Attributes
    ----------
    modality : str
        ``"text"`` or ``"speech"``.
    ids : tuple of int
        Its vocabulary ids (no marker, no EOS).
    raw : tuple of int
        The same tokens as the tokenizers write them: units in ``[0, K)``
        (speech) or text ids (text, the same as ``ids``).
    started_at, finished_at : float or None
        Seconds from the start of decoding to the choice of its first token
        and of the token closing it (None when not decoded); not compared.
    """

    modality: str
    ids: tuple
    raw: tuple
    started_at: float = field(default=None, compare=False)
    finished_at: float = field(default=None, compare=False)


def _chunk(vocab, modality, ids, started_at=None, finished_at=None, what="chunk"):
    """A :class:`Chunk` after checking that ``ids`` are ids of ``modality``."""
    if modality not in (TEXT, SPEECH):
        raise ValueError(f"{what}: modality must be 'text' or 'speech', got {modality!r}")
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or ids.size == 0:
        raise ValueError(f"{what}: a chunk needs a 1-D, non-empty array of ids")
    if modality == SPEECH:
        raw = vocab.units_of(ids)
    elif _is_speech_text(vocab):
        raw = vocab.text_ids(ids)
    else:
        raise ValueError(f"{what}: the textless {vocab!r} has no text ids")
    return Chunk(modality, tuple(ids.tolist()), tuple(raw.tolist()), started_at, finished_at)


@dataclass
class Answer:
    """A whole generated answer (:func:`generate_answer`).

    Attributes
    ----------
    variant : str
        The answer format (:data:`VARIANTS`).
    chunks : list of Chunk
        Its chunks, in order.
    ids : numpy.ndarray
        The answer's ids as the model wrote them: markers, chunks, EOS
        (:func:`answer_ids` of ``chunks``).
    time_to_first_unit : float or None
        Seconds from the start of decoding to the choice of the first unit
        (None without speech).
    time_to_end : float
        Seconds from the start of decoding to the choice of EOS.
    """

    variant: str
    chunks: list
    ids: np.ndarray
    time_to_first_unit: float
    time_to_end: float

    def _raw(self, modality):
        parts = [chunk.raw for chunk in self.chunks if chunk.modality == modality]
        return np.array([token for part in parts for token in part], dtype=np.int64)

    @property
    def text_ids(self):
        """The text ids of all text chunks, in order (int64)."""
        return self._raw(TEXT)

    @property
    def units(self):
        """The units of all speech chunks, in order (int64 in ``[0, K)``)."""
        return self._raw(SPEECH)


def _checked_prompt(vocab, prompt_ids):
    """``prompt_ids`` as int64 after checking they are ids ending as a prompt does:
    with a unit id, or with an answer-language marker when the vocabulary has them."""
    prompt = check_token_ids(prompt_ids, vocab, "prompt_ids")
    if vocab.languages:
        markers = [vocab.language_marker(lang) for lang in vocab.languages]
        if prompt[-1] not in markers:
            raise ValueError(
                f"prompt_ids must end with the answer's language marker (ids {markers} for "
                f"{list(vocab.languages)}), got {prompt[-1]}: a prompt is [SPEECH] context "
                "question [LANG] in vocabulary ids (see speech_prompt and its answer_lang)"
            )
        return prompt
    start, stop = vocab.unit_offset, vocab.unit_offset + vocab.num_units
    if not start <= prompt[-1] < stop:
        raise ValueError(
            f"prompt_ids must end with a unit id (the spoken question, ids {start}.."
            f"{stop - 1}), got {prompt[-1]}: a prompt is [SPEECH] context question in "
            "vocabulary ids (see speech_prompt)"
        )
    return prompt


def _text_stop(lm):
    """End of the text ids the model may write: its tokenizer's, when it has one."""
    tokenizer = getattr(lm, "text_tokenizer", None)
    return None if tokenizer is None else tokenizer.vocab_size


def stream_answer(
    lm,
    prompt_ids,
    variant,
    max_chunk_tokens=256,
    max_chunks=16,
    temperature=0.0,
    top_k=None,
    seed=None,
):
    """Decodes an answer to ``prompt_ids``, yielding each chunk when it is complete.

    The model reads ``EOS || prompt_ids`` once, then one token per step with
    its KV cache; at every step the ids :class:`AnswerStates` forbids are
    masked out (see the module docstring). The arguments are checked at the
    call; decoding starts at the first ``next``.

    Arguments
    ---------
    lm : UnitLM
        The model (used in eval mode on its own device; its mode is restored
        when the generator ends or is closed). With a ``text_tokenizer``,
        only the ids it can decode are written as text.
    prompt_ids : array-like of int
        The prompt in vocabulary ids, ending with a unit id
        (``[SPEECH] context question``), or with the answer's language
        marker when the vocabulary has them (``[SPEECH] context question
        [LANG]``): see :func:`~speechbrain_xling.data.chain_of_modality.speech_prompt`.
    variant : str
        ``"text"``, ``"speech"``, ``"chain"`` or ``"text_then_speech"``.
    max_chunk_tokens : int
        Most tokens of one chunk; a full chunk's closer is forced.
    max_chunks : int
        Most text chunks of a ``chain`` (each followed by its speech).
    temperature : float
        Softmax temperature; 0 picks the most likely allowed id (greedy).
    top_k : int, optional
        Samples among the ``top_k`` most likely allowed ids only.
    seed : int, optional
        Seed of the sampling generator (random when None; unused if greedy).

    Yields
    ------
    Chunk
        Each chunk, as soon as the token closing it is chosen.

    Example
    -------
    >>> from speechbrain_xling.data.chain_of_modality import speech_prompt
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> vocab = SpeechTextVocabulary(num_text=20, num_units=16)
    >>> lm = UnitLM.from_config(config, num_units=16, vocab=vocab)
    >>> prompt = speech_prompt(vocab, [3, 1, 4], [1, 5])
    >>> chunks = list(stream_answer(lm, prompt, "chain", max_chunk_tokens=4, max_chunks=2))
    >>> [c.modality for c in chunks][:2], all(1 <= len(c.ids) <= 4 for c in chunks)
    (['text', 'speech'], True)
    >>> all(0 <= unit < 16 for c in chunks if c.modality == "speech" for unit in c.raw)
    True
    """
    vocab = lm.vocab
    device = next(lm.parameters()).device
    states = AnswerStates(vocab, variant, max_chunk_tokens, max_chunks, _text_stop(lm), device)
    _checked_settings(max_chunk_tokens, temperature, top_k, "max_chunk_tokens")
    prompt = _checked_prompt(vocab, prompt_ids)
    generator = _sampling_generator(temperature, seed, device)
    context = [vocab.eos, *prompt.tolist()]
    return _decoded_chunks(lm, states, context, temperature, top_k, generator)


@torch.inference_mode()
def _decoded_chunks(lm, states, context, temperature, top_k, generator):
    """The decoding loop of :func:`stream_answer` (a generator of chunks)."""
    vocab = lm.vocab
    device = next(lm.parameters()).device
    closers = {vocab.eos, *states._markers}
    was_training = lm.training
    lm.eval()
    start = time.perf_counter()
    try:
        # ids not yet read by the model: the context, then each chosen id
        pending, cache = list(context), None
        content, started_at = [], None
        for _ in range(states.max_length):
            token = states.forced_token()
            if token is None:
                inputs = torch.tensor([pending], device=device)
                output = lm.hf_model(input_ids=inputs, past_key_values=cache, use_cache=True)
                cache, pending = output.past_key_values, []
                logits = output.logits[0, -1].float().masked_fill(~states.mask(), float("-inf"))
                token = _choose(logits, temperature, top_k, generator)
            now = time.perf_counter() - start
            modality = states.modality
            states.advance(token)
            pending.append(token)
            if token not in closers:
                started_at = now if not content else started_at
                content.append(token)
            elif content:
                yield _chunk(vocab, modality, content, started_at, now)
                content = []
            if states.finished:
                return
        raise RuntimeError(f"the answer did not end within {states.max_length} ids")
    finally:
        lm.train(was_training)


def generate_answer(
    lm,
    prompt_ids,
    variant,
    max_chunk_tokens=256,
    max_chunks=16,
    temperature=0.0,
    top_k=None,
    seed=None,
):
    """The whole answer of :func:`stream_answer` (same arguments), with timings.

    Returns
    -------
    Answer
        Its chunks, ids (markers and EOS included), the time to the first
        speech unit and the time to EOS.

    Example
    -------
    >>> from speechbrain_xling.data.chain_of_modality import speech_prompt
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> vocab = SpeechTextVocabulary(num_text=20, num_units=16)
    >>> lm = UnitLM.from_config(config, num_units=16, vocab=vocab)
    >>> answer = generate_answer(lm, speech_prompt(vocab, [3, 1, 4]), "text_then_speech",
    ...                          max_chunk_tokens=5)
    >>> bool(answer.ids[0] == vocab.text_marker), bool(answer.ids[-1] == vocab.eos)
    (True, True)
    >>> len(answer.text_ids) <= 5, answer.time_to_first_unit < answer.time_to_end
    (True, True)
    >>> split_answer(vocab, answer.ids) == answer.chunks
    True
    """
    chunks = list(
        stream_answer(
            lm, prompt_ids, variant, max_chunk_tokens, max_chunks, temperature, top_k, seed
        )
    )
    first_unit = next((c.started_at for c in chunks if c.modality == SPEECH), None)
    return Answer(
        variant=variant,
        chunks=chunks,
        ids=answer_ids(lm.vocab, chunks),
        time_to_first_unit=first_unit,
        time_to_end=chunks[-1].finished_at,
    )


def answer_ids(vocab, chunks):
    """The ids of an answer made of ``chunks``, as the training format writes them.

    A marker opens every chunk whose modality differs from the one before
    (the prompt is speech: a first speech chunk has none), and EOS ends the
    answer. Inverse of :func:`split_answer`.

    Arguments
    ---------
    vocab : UnitVocabulary or SpeechTextVocabulary
        The model's vocabulary.
    chunks : iterable of Chunk
        Non-empty chunks; consecutive ones must differ in modality.

    Returns
    -------
    numpy.ndarray
        The ids (int64), ending with EOS.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> vocab = SpeechTextVocabulary(num_text=10, num_units=4)
    >>> answer_ids(vocab, [Chunk("text", (3, 4), (3, 4)), Chunk("speech", (12,), (2,))]).tolist()
    [14, 3, 4, 15, 12, 16]
    """
    ids, previous = [], SPEECH
    for index, chunk in enumerate(chunks):
        checked = _chunk(vocab, chunk.modality, chunk.ids, what=f"chunk {index}")
        if checked.raw != tuple(chunk.raw):
            raise ValueError(f"chunk {index}: raw {chunk.raw} does not match its ids {chunk.ids}")
        if index and chunk.modality == previous:
            raise ValueError(
                f"chunks {index - 1} and {index} are both {previous}: consecutive chunks "
                "must differ in modality (a marker stands only at a switch)"
            )
        if chunk.modality != previous:
            ids.append(vocab.text_marker if chunk.modality == TEXT else vocab.speech_marker)
        ids.extend(chunk.ids)
        previous = chunk.modality
    ids.append(vocab.eos)
    return np.array(ids, dtype=np.int64)


def split_answer(vocab, ids):
    """The chunks of answer ids (markers and EOS dropped).

    The answer opens in speech (it follows the speech prompt); ``[TEXT]`` and
    ``[SPEECH]`` switch modality. EOS, when present, must be the last id.

    Arguments
    ---------
    vocab : UnitVocabulary or SpeechTextVocabulary
        The model's vocabulary.
    ids : array-like of int
        The ids after the prompt (e.g. :attr:`Answer.ids`).

    Returns
    -------
    list of Chunk
        Without timings.

    Raises
    ------
    ValueError
        On an id outside the vocabulary or PAD, an id after EOS, a marker
        that does not switch modality, an empty chunk, or an id of the other
        modality inside a chunk.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> vocab = SpeechTextVocabulary(num_text=10, num_units=4)
    >>> [(c.modality, c.raw) for c in split_answer(vocab, [14, 3, 4, 15, 12, 13, 16])]
    [('text', (3, 4)), ('speech', (2, 3))]
    >>> [(c.modality, c.raw) for c in split_answer(vocab, [11, 10])]
    [('speech', (1, 0))]
    """
    ids = check_token_ids(ids, vocab, "ids", allow_empty=True).tolist()
    markers = (
        {vocab.text_marker: TEXT, vocab.speech_marker: SPEECH} if _is_speech_text(vocab) else {}
    )
    unit_start, unit_stop = vocab.unit_offset, vocab.unit_offset + vocab.num_units
    chunks, modality, content, opened_at = [], SPEECH, [], None

    def close():
        if content:
            chunks.append(_chunk(vocab, modality, content, what=f"ids chunk {len(chunks)}"))
        elif opened_at is not None:
            raise ValueError(f"ids: the {modality} chunk opened at position {opened_at} is empty")

    for position, token in enumerate(ids):
        if token == vocab.eos:
            if position != len(ids) - 1:
                raise ValueError(
                    f"ids: EOS at position {position} is not the last id ({len(ids)} ids)"
                )
            break
        if token in markers:
            if markers[token] == modality:
                raise ValueError(
                    f"ids: the {markers[token]} marker at position {position} does not switch "
                    f"modality (the answer is already in {modality}; it opens in speech)"
                )
            close()
            modality, content, opened_at = markers[token], [], position
            continue
        is_unit = unit_start <= token < unit_stop
        if is_unit != (modality == SPEECH):
            kind = "unit" if is_unit else "text"
            raise ValueError(
                f"ids: {kind} id {token} at position {position} inside a {modality} chunk "
                "(a modality marker must come first)"
            )
        content.append(token)
    close()
    return chunks


def write_speech_chunks(chunks, folder, tokenizer=None):
    """Writes each speech chunk's units, and its audio when the tokenizer decodes.

    ``chunkNNN.units.txt`` (and ``chunkNNN.wav``) per speech chunk, ``NNN``
    its position in the answer, with
    :func:`~speechbrain_xling.eval.continuation.write_continuation`
    (tokenizers without a decoder get the units only). ``chunks`` may be
    :func:`stream_answer`'s generator: each chunk is written as it comes.

    Arguments
    ---------
    chunks : iterable of Chunk
        The answer's chunks (text chunks are skipped).
    folder : str or Path
        Output folder (created).
    tokenizer : UnitTokenizer, optional
        Its ``decode`` turns units into audio (Mimi).

    Returns
    -------
    list of dict
        ``{"chunk": position, "units": path, "wav": path or None}`` per speech chunk.

    Example
    -------
    >>> import tempfile
    >>> written = write_speech_chunks([Chunk("text", (1,), (1,)), Chunk("speech", (12,), (2,))],
    ...                               tempfile.mkdtemp())
    >>> written[0]["chunk"], written[0]["units"].name, written[0]["wav"]
    (1, 'chunk001.units.txt', None)
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for position, chunk in enumerate(chunks):
        if chunk.modality == SPEECH:
            files = write_continuation(chunk.raw, folder / f"chunk{position:03d}", tokenizer)
            written.append({"chunk": position, **files})
    return written


def normalise_text(text):
    """``text`` for :func:`exact_match`: compatibility forms, no case, no punctuation.

    Unicode NFKC normalisation (e.g. ligatures, full-width forms), case
    folding, every punctuation character (Unicode category ``P*``:
    ``.,;:!?'"()-…«»`` and the like) replaced by a space, then runs of
    whitespace collapsed to one space and the ends stripped. Accents and
    symbols (``$``, ``%``) are kept: they change words.

    Example
    -------
    >>> normalise_text("  L'eau,  c'est   BON !")
    'l eau c est bon'
    """
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return " ".join(text.split())


def exact_match(generated_text, reference_text):
    """True when both texts are equal after :func:`normalise_text`.

    Example
    -------
    >>> exact_match("The cat sleeps.", "the  cat sleeps")
    True
    >>> exact_match("the cats sleep", "the cat sleeps")
    False
    """
    return normalise_text(generated_text) == normalise_text(reference_text)


def chunk_consistency(lm, chunks, text_tokenizer=None):
    """CER between each speech chunk's transcript and the text chunk before it.

    Every speech chunk that directly follows a text chunk (each chunk of a
    ``chain``; the one speech chunk of ``text_then_speech``) is transcribed
    by the same LM, greedily (:func:`~speechbrain_xling.eval.asr_tts.lm_transcribe`,
    at most ``2 * text ids + 10`` tokens), and compared with that text chunk
    decoded by the tokenizer. The CER is the project's
    (:func:`~speechbrain_xling.eval.asr_tts.character_error_rate`: Levenshtein
    distance over characters, whitespace runs counted as one space, case and
    punctuation kept), summed over the pairs and divided by the summed text
    lengths. 0 when the model says what it wrote; it can exceed 1. A text
    chunk that decodes to nothing but whitespace has no CER (its pair gets
    None and is left out of the total).

    Arguments
    ---------
    lm : UnitLM
        The speech-text model that wrote the chunks.
    chunks : iterable of Chunk
        An answer's chunks (e.g. :attr:`Answer.chunks`).
    text_tokenizer : TextTokenizer, optional
        Decodes the text chunks and the transcripts; default
        ``lm.text_tokenizer`` (set on ``lm`` for the duration of the call).

    Returns
    -------
    dict
        ``{"cer": float or None (no pair), "num_pairs": int, "pairs":
        [{"chunk": position of the speech chunk, "text": str,
        "transcript": str, "cer": float or None}, ...]}``.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.chain_of_modality import speech_prompt
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece
    >>> tokenizer = load_text_tokenizer(train_sentencepiece(
    ...     ["le chat dort", "the cat sleeps"] * 10, tempfile.mkdtemp() + "/t.model", 20,
    ...     byte_fallback=False))
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> vocab = SpeechTextVocabulary(num_text=tokenizer.vocab_size, num_units=16)
    >>> lm = UnitLM.from_config(config, num_units=16, vocab=vocab)
    >>> answer = generate_answer(lm, speech_prompt(vocab, [3, 1, 4]), "chain",
    ...                          max_chunk_tokens=4, max_chunks=2)
    >>> result = chunk_consistency(lm, answer.chunks, tokenizer)
    >>> result["num_pairs"] == len(result["pairs"]) >= 1
    True
    """
    tokenizer = text_tokenizer if text_tokenizer is not None else lm.text_tokenizer
    if tokenizer is None:
        raise ValueError("chunk_consistency needs a text_tokenizer (or lm.text_tokenizer)")
    pairs, previous = [], None
    saved = lm.text_tokenizer
    lm.text_tokenizer = tokenizer  # lm_transcribe decodes with the model's tokenizer
    try:
        for position, chunk in enumerate(chunks):
            if chunk.modality == SPEECH and previous is not None and previous.modality == TEXT:
                text = tokenizer.decode(list(previous.raw))
                transcript = lm_transcribe(
                    lm,
                    np.asarray(chunk.raw, dtype=np.int64),
                    max_new_tokens=2 * len(previous.raw) + 10,
                    what=f"speech chunk {position}",
                )
                cer = character_error_rate([text], [transcript]) if text.strip() else None
                pairs.append(
                    {"chunk": position, "text": text, "transcript": transcript, "cer": cer}
                )
            previous = chunk
    finally:
        lm.text_tokenizer = saved
    scored = [pair for pair in pairs if pair["cer"] is not None]
    total = None
    if scored:
        total = character_error_rate(
            [pair["text"] for pair in scored], [pair["transcript"] for pair in scored]
        )
    return {"cer": total, "num_pairs": len(pairs), "pairs": pairs}
