"""ASR and TTS through a speech-text LM, and their error rates.

A speech-text model (a :class:`~speechbrain_xling.data.vocab.SpeechTextVocabulary`
and its ``text_tokenizer``) is trained on documents with a modality marker
at every switch, among them ASR and TTS pairs (a sentence's units, then its
text, or the reverse). It can therefore be asked, greedily and with no
extra head:

* ASR (:func:`lm_transcribe`): it reads ``EOS [SPEECH] unit_ids(units) [TEXT]``
  and writes text ids only, until EOS or ``[SPEECH]``;
* TTS (:func:`lm_synthesise`): it reads ``EOS [TEXT] text_ids [SPEECH]`` and
  writes unit ids only, until EOS or ``[TEXT]``.

Ids of the other modality (and PAD) are masked out at every step, so the
outputs are always decodable. :func:`evaluate_asr_tts` scores both
directions per language: the character and word error rates of the
transcripts (CER, WER) and the unit error rate of the synthesised units
(UER). With phone units (a ``PhoneInventory``) the UER is the phone error
rate (PER); with acoustic units it only says how close the units are, since
the same audio can be said with other units.

Error rates are Levenshtein distances summed over the sentences, divided by
the summed reference lengths (so they can exceed 1 when the hypotheses are
longer than the references). Texts are compared as given (case and
punctuation count), after collapsing runs of whitespace.

Authors
 * speechbrain-xling authors 2026
"""

from collections.abc import Mapping

import numpy as np
from tqdm import tqdm

from speechbrain_xling.eval.continuation import generate_tokens
from speechbrain_xling.eval.cross_modal import cross_modal_context
from speechbrain_xling.eval.scoring import check_units


def edit_distance(reference, hypothesis):
    """Levenshtein distance: the fewest insertions, deletions and substitutions.

    Arguments
    ---------
    reference, hypothesis : sequence
        Sequences of hashable symbols (a string is a sequence of characters).

    Returns
    -------
    int
        The number of edits turning ``reference`` into ``hypothesis``.

    Example
    -------
    >>> edit_distance("kitten", "sitting")
    3
    >>> edit_distance(["the", "cat"], ["the", "black", "cat"])
    1
    >>> edit_distance([1, 2, 3], [])
    3
    """
    codes = {}
    reference = np.array([codes.setdefault(x, len(codes)) for x in reference], dtype=np.int64)
    hypothesis = np.array([codes.setdefault(x, len(codes)) for x in hypothesis], dtype=np.int64)
    # One row of the DP table per reference symbol; row[j] = distance between
    # the reference read so far and hypothesis[:j].
    offsets = np.arange(hypothesis.size + 1)
    row = offsets.copy()
    for i, symbol in enumerate(reference, start=1):
        current = np.empty_like(row)
        current[0] = i
        # deletion of the reference symbol, or substitution / match
        current[1:] = np.minimum(row[1:] + 1, row[:-1] + (hypothesis != symbol))
        # insertions: current[j] = min over k <= j of current[k] + (j - k)
        row = np.minimum.accumulate(current - offsets) + offsets
    return int(row[-1])


def error_rate(references, hypotheses):
    """Total edits divided by the total reference length.

    Arguments
    ---------
    references, hypotheses : list of sequence
        One non-empty reference per hypothesis (hypotheses may be empty).

    Returns
    -------
    float
        ``sum(edit_distance) / sum(len(reference))`` (0 when every
        hypothesis is its reference; above 1 is possible).

    Example
    -------
    >>> error_rate(["abcd", "ef"], ["abd", ""])
    0.5
    """
    references, hypotheses = list(references), list(hypotheses)
    if len(references) != len(hypotheses):
        raise ValueError(f"got {len(references)} references but {len(hypotheses)} hypotheses")
    if not references:
        raise ValueError("no references: an error rate needs at least one")
    edits = length = 0
    for index, (reference, hypothesis) in enumerate(zip(references, hypotheses)):
        if len(reference) == 0:
            raise ValueError(
                f"reference {index} is empty: error rates are relative to the reference length"
            )
        edits += edit_distance(reference, hypothesis)
        length += len(reference)
    return edits / length


def _normalised(text):
    """``text`` with runs of whitespace collapsed to one space, stripped."""
    return " ".join(str(text).split())


def character_error_rate(references, hypotheses):
    """CER: :func:`error_rate` over characters (whitespace runs count as one space).

    Example
    -------
    >>> character_error_rate(["le chat"], ["le  chat!"])
    0.14285714285714285
    """
    return error_rate([_normalised(t) for t in references], [_normalised(t) for t in hypotheses])


def word_error_rate(references, hypotheses):
    """WER: :func:`error_rate` over whitespace-separated words.

    Example
    -------
    >>> word_error_rate(["the cat sleeps"], ["the cat sleeps well"])
    0.3333333333333333
    """
    return error_rate([str(t).split() for t in references], [str(t).split() for t in hypotheses])


def unit_error_rate(references, hypotheses):
    """UER: :func:`error_rate` over units (the phone error rate for phone units).

    Example
    -------
    >>> unit_error_rate([[1, 2, 3, 4]], [[1, 3, 4, 5]])
    0.5
    """
    return error_rate(
        [np.asarray(u).tolist() for u in references], [np.asarray(u).tolist() for u in hypotheses]
    )


def _speech_text_model(lm, task):
    """The vocabulary and text tokenizer of ``lm``; raises if it has none."""
    vocab = lm.vocab
    if not hasattr(vocab, "text_marker"):
        raise ValueError(
            f"{task} needs a speech-text model (a SpeechTextVocabulary with [TEXT] and "
            f"[SPEECH] markers); this model's vocabulary is the textless {vocab!r}"
        )
    tokenizer = getattr(lm, "text_tokenizer", None)
    if tokenizer is None:
        raise ValueError(
            f"{task}: the model has no text_tokenizer (load a model folder saved with one, "
            "or set lm.text_tokenizer)"
        )
    if tokenizer.vocab_size > vocab.num_text:
        raise ValueError(
            f"{task}: the text tokenizer {tokenizer.source} has {tokenizer.vocab_size} ids "
            f"but the model only {vocab.num_text} text ids"
        )
    return vocab, tokenizer


def lm_transcribe(lm, units, max_new_tokens=200, what="units"):
    """Greedy transcript of a spoken sentence (ASR through the LM).

    The model reads ``EOS [SPEECH] unit_ids(units) [TEXT]`` and writes text
    ids only (ids the tokenizer can decode) until it chooses EOS or
    ``[SPEECH]``, or writes ``max_new_tokens`` of them.

    Arguments
    ---------
    lm : UnitLM
        A speech-text model with a ``text_tokenizer``.
    units : array-like of int
        The sentence's units (non-empty, in ``[0, K)``).
    max_new_tokens : int
        Most text tokens to write.
    what : str
        How errors name the input.

    Returns
    -------
    str
        ``lm.text_tokenizer.decode`` of the written text ids.

    Example
    -------
    >>> import tempfile
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
    >>> lm.text_tokenizer = tokenizer
    >>> isinstance(lm_transcribe(lm, [3, 1, 4], max_new_tokens=5), str)
    True
    """
    vocab, tokenizer = _speech_text_model(lm, "lm_transcribe")
    units = check_units(units, vocab.num_units, what)
    if units.size == 0:
        raise ValueError(f"{what}: no units to transcribe")
    context = cross_modal_context(vocab, vocab.unit_ids(units), "S", "T")
    ids = generate_tokens(
        lm,
        context,
        range(0, tokenizer.vocab_size),
        stop_ids=(vocab.eos, vocab.speech_marker),
        max_new_tokens=max_new_tokens,
        temperature=0,
    )
    return tokenizer.decode(ids.tolist())


def _encoded_text(vocab, tokenizer, text, what):
    """Text ids of a non-empty ``text``, checked against the vocabulary."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{what}: no text (got {text!r})")
    ids = tokenizer.encode(text, what)
    if not ids:
        raise ValueError(f"{what}: {text!r} encodes to no text ids")
    return vocab.text_ids(ids)


def lm_synthesise(lm, text, max_new_units=1000, what="text"):
    """Greedy units of a written sentence (TTS through the LM).

    The model reads ``EOS [TEXT] text_ids [SPEECH]`` and writes unit ids only
    until it chooses EOS or ``[TEXT]``, or writes ``max_new_units`` of them.

    Arguments
    ---------
    lm : UnitLM
        A speech-text model with a ``text_tokenizer``.
    text : str
        The sentence (non-empty; the tokenizer must encode it).
    max_new_units : int
        Most units to write.
    what : str
        How errors name the input.

    Returns
    -------
    numpy.ndarray
        The units (int64 in ``[0, K)``).

    Example
    -------
    >>> import tempfile
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
    >>> lm.text_tokenizer = tokenizer
    >>> units = lm_synthesise(lm, "le chat", max_new_units=6)
    >>> len(units) <= 6, bool(((units >= 0) & (units < 16)).all())
    (True, True)
    """
    vocab, tokenizer = _speech_text_model(lm, "lm_synthesise")
    ids = _encoded_text(vocab, tokenizer, text, what)
    context = cross_modal_context(vocab, ids, "T", "S")
    units = generate_tokens(
        lm,
        context,
        range(vocab.unit_offset, vocab.unit_offset + vocab.num_units),
        stop_ids=(vocab.eos, vocab.text_marker),
        max_new_tokens=max_new_units,
        temperature=0,
    )
    return vocab.units_of(units)


def _sentence_fields(record, index):
    """``(units, text, lang)`` of a mapping, an object or a 3-tuple."""
    if isinstance(record, Mapping):
        missing = [key for key in ("units", "text", "lang") if key not in record]
        if missing:
            raise ValueError(f"sentence {index} misses {', '.join(missing)}")
        return record["units"], record["text"], record["lang"]
    if all(hasattr(record, name) for name in ("units", "text", "lang")):
        return record.units, record.text, record.lang
    try:
        units, text, lang = record
    except (TypeError, ValueError):
        raise ValueError(
            f"sentence {index} is not a (units, text, lang) record: {record!r}"
        ) from None
    return units, text, lang


def _length_limit(limit, reference_length, name):
    """``limit``, or ``2 * reference_length + 10`` when it is None."""
    if limit is None:
        return 2 * int(reference_length) + 10
    if int(limit) != limit or limit < 1:
        raise ValueError(f"{name} must be None or an int >= 1, got {limit!r}")
    return int(limit)


def evaluate_asr_tts(
    lm, sentences, max_new_tokens=None, max_new_units=None, num_examples=3, progress=False
):
    """CER and WER of greedy ASR, UER of greedy TTS, per language.

    Every sentence is transcribed from its units (:func:`lm_transcribe`) and
    synthesised from its text (:func:`lm_synthesise`), one at a time.

    Arguments
    ---------
    lm : UnitLM
        A speech-text model with a ``text_tokenizer``.
    sentences : list
        Records of ``units`` (non-empty unit array), ``text`` (non-empty) and
        ``lang``: mappings with these keys, objects with these attributes,
        or ``(units, text, lang)`` tuples.
    max_new_tokens : int, optional
        Most text tokens per transcript; default ``2 * len(text ids) + 10``
        of the sentence's reference.
    max_new_units : int, optional
        Most units per synthesis; default ``2 * len(units) + 10``.
    num_examples : int
        Examples per language and task kept for the report (the first ones).
    progress : bool
        Shows a tqdm bar over sentences.

    Returns
    -------
    dict
        ``{lang: {"cer", "wer", "uer", "num_sentences", "asr_examples",
        "tts_examples"}}``, languages in order of first appearance; the
        examples are ``{"reference": str, "hypothesis": str}`` (units
        written as space-separated numbers).

    Example
    -------
    >>> import tempfile
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
    >>> lm.text_tokenizer = tokenizer
    >>> result = evaluate_asr_tts(lm, [([1, 2, 3], "the cat sleeps", "en"),
    ...                                ([4, 5], "le chat dort", "fr")])
    >>> list(result), list(result["en"])[:4], result["fr"]["num_sentences"]
    (['en', 'fr'], ['cer', 'wer', 'uer', 'num_sentences'], 1)
    """
    vocab, tokenizer = _speech_text_model(lm, "evaluate_asr_tts")
    if int(num_examples) != num_examples or num_examples < 0:
        raise ValueError(f"num_examples must be an int >= 0, got {num_examples!r}")
    sentences = list(sentences)
    if not sentences:
        raise ValueError("evaluate_asr_tts got no sentences")
    by_lang = {}
    for index, record in enumerate(sentences):
        units, text, lang = _sentence_fields(record, index)
        what = f"sentence {index} ({lang})"
        units = check_units(units, vocab.num_units, f"{what} units")
        if units.size == 0:
            raise ValueError(f"{what} has no units")
        text_ids = _encoded_text(vocab, tokenizer, text, f"{what} text")
        by_lang.setdefault(str(lang), []).append((index, units, text, text_ids.size))
    results = {}
    bar = tqdm(total=len(sentences), desc="ASR/TTS", disable=not progress)
    for lang, entries in by_lang.items():
        texts, transcripts, units_in, units_out = [], [], [], []
        for index, units, text, num_text_ids in entries:
            what = f"sentence {index} ({lang})"
            limit = _length_limit(max_new_tokens, num_text_ids, "max_new_tokens")
            transcripts.append(lm_transcribe(lm, units, limit, what=f"{what} units"))
            limit = _length_limit(max_new_units, units.size, "max_new_units")
            units_out.append(lm_synthesise(lm, text, limit, what=f"{what} text"))
            texts.append(text)
            units_in.append(units)
            bar.update()
        results[lang] = {
            "cer": character_error_rate(texts, transcripts),
            "wer": word_error_rate(texts, transcripts),
            "uer": unit_error_rate(units_in, units_out),
            "num_sentences": len(entries),
            "asr_examples": [
                {"reference": _normalised(t), "hypothesis": _normalised(h)}
                for t, h in list(zip(texts, transcripts))[:num_examples]
            ],
            "tts_examples": [
                {"reference": _units_text(r), "hypothesis": _units_text(h)}
                for r, h in list(zip(units_in, units_out))[:num_examples]
            ],
        }
    bar.close()
    return results


def _units_text(units):
    """Units as space-separated numbers."""
    return " ".join(str(int(u)) for u in units)
