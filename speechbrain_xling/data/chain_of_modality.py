"""Instruction fine-tuning documents: a spoken question, its answer as a chain of modalities.

CSLM's second step (after the speech-text pre-training of
:mod:`speechbrain_xling.data.speech_text`): the model hears a spoken story
and a spoken question, then answers, and the answer may be written, spoken,
or both in turns (SpeechGPT's "text answer; speech answer", made chunked
and interleaved). One SFT document is::

    prompt:  [SPEECH] context_units question_units [LANG]  (read, never a target)
    answer, by variant (VARIANTS):
      text              [TEXT] t t t ...                         (S->T)
      speech            u u u ...                                (S->S)
      chain             [TEXT] chunk_1 text [SPEECH] chunk_1 units
                        [TEXT] chunk_2 text [SPEECH] chunk_2 units ...   (S->T+S)
      text_then_speech  [TEXT] whole text [SPEECH] all units
    EOS                                                   (appended by the packer)

The prompt is written :func:`~speechbrain_xling.data.packing.without_loss`,
so the loss covers exactly the answer: its markers, its tokens and the EOS
that ends it. A textless model (a :class:`~speechbrain_xling.data.vocab.UnitVocabulary`)
has no markers and no text: it reads ``context_units question_units`` and
learns the ``speech`` variant only. The S->S answer follows the question
without a marker in both vocabularies, as the spoken-QA evaluation
(:func:`~speechbrain_xling.eval.qa.evaluate_spoken_qa`) reads it, and the
S->T answer after ``[TEXT]``, as :func:`~speechbrain_xling.eval.qa.evaluate_text_answer_qa`
does, so the evaluation asks the fine-tuned model in its own format.

Chunks (``chain``): the answer's word groups (its word spans, from word
timings: :mod:`speechbrain_xling.prepare.word_timings`) are taken in order
into a chunk until it holds ``chunk_words`` words or a group ends a sentence
(``.``, ``!``, ``?``); CSLM reports chunks of about seven words. A chunk's
units run from its first group's start to the next chunk's (the first from
the answer's first unit, the last to its end), so the chunks' units are the
answer's units, each once. An answer without word spans is one chunk
(counted in ``fallbacks``).

Cross-lingual answers: with ``cross_lingual_prob`` the answer is in another
language than the question (EN question -> FR answer, and FR -> EN); the
story is told in the question's language. ``[LANG]`` is the answer's
language marker (``[EN]``, ``[FR]``: the vocabulary's ``languages``, see
:func:`~speechbrain_xling.data.vocab.with_answer_languages`), the last
token of the prompt: the question alone does not say in which language to
answer, the marker does, so that a generated answer can be asked for in a
language. A vocabulary without markers writes the prompt without it (the
format before the markers; the answer's language is then the model's
choice). :func:`speech_prompt` writes the prompt, for training, the
evaluation and generation alike.

Examples come from unit stores (:class:`StoreExamples`: the mini-corpus's
``train_qa.csv`` tokenised, and the story sentences of ``train.csv`` as the
spoken context) or from a JSONL of the user's own instruction data
(:func:`read_instruction_jsonl`). :class:`ChainOfModalityMixture` turns them
into an endless seeded stream of documents for the training pipeline (the
``documents`` of ``hparams/sft_chain_of_modality.yaml``), with exact token
accounting per language and modality (channels of
:func:`~speechbrain_xling.data.speech_text.token_channels`).

Authors
 * speechbrain-xling authors 2026
"""

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechbrain_xling.data.packing import without_loss
from speechbrain_xling.data.sequences import StoryIndex
from speechbrain_xling.data.speech_text import TokenDocument, token_channels
from speechbrain_xling.data.unit_store import UnitStore
from speechbrain_xling.prepare.word_timings import TimedWord, word_spans

VARIANTS = ("text", "speech", "chain", "text_then_speech")
DEFAULT_VARIANT_SHARES = {"chain": 0.5, "text": 0.25, "speech": 0.25}
SENTENCE_END = (".", "!", "?")


def speech_prompt(vocab, *unit_sequences, answer_lang=None):
    """The prompt of a spoken question: ``[SPEECH]``, the units' ids, ``[LANG]``.

    Arguments
    ---------
    vocab : UnitVocabulary or SpeechTextVocabulary
        The model's vocabulary (textless: no ``[SPEECH]``).
    *unit_sequences : array-like of int
        Units in ``[0, K)`` (the context's, then the question's), concatenated.
    answer_lang : str, optional
        The answer's language: its marker ends the prompt. Required when the
        vocabulary has answer-language markers, refused when it has none.

    Returns
    -------
    numpy.ndarray
        ``vocab.speech_prefix || unit_ids(units) (|| [LANG])`` (int64).

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> speech_prompt(SpeechTextVocabulary(num_text=10, num_units=4), [0, 3], [1]).tolist()
    [15, 10, 13, 11]
    >>> vocab = SpeechTextVocabulary(num_text=10, num_units=4, languages=("en", "fr"))
    >>> speech_prompt(vocab, [0, 3], [1], answer_lang="fr").tolist()
    [15, 10, 13, 11, 19]
    """
    if vocab.languages and answer_lang is None:
        raise ValueError(
            f"{vocab!r} has answer-language markers: name the answer's language "
            f"(answer_lang, one of {list(vocab.languages)})"
        )
    if answer_lang is not None and not vocab.languages:
        raise ValueError(
            f"{vocab!r} has no answer-language markers: the answer's language "
            f"({answer_lang!r}) cannot be asked for"
        )
    parts = [np.asarray(units, dtype=np.int64).reshape(-1) for units in unit_sequences]
    units = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    marker = [] if answer_lang is None else [vocab.language_marker(answer_lang)]
    return np.concatenate(
        [np.asarray(vocab.speech_prefix, dtype=np.int64), vocab.unit_ids(units), marker]
    ).astype(np.int64)


@dataclass
class InstructionExample:
    """One question and its answer, in units and text.

    Arguments
    ---------
    example_id : str
        Names the example in errors (e.g. the question's utterance id).
    question_lang, answer_lang : str
        Languages of the question (and context) and of the answer.
    question : numpy.ndarray
        The question's units (0..K-1).
    answer_text : str
        The answer's text ('' when unknown: only the ``speech`` variant).
    answer_units : numpy.ndarray, optional
        The answer's units (None: only the ``text`` variant).
    answer_spans : tuple of numpy.ndarray, optional
        ``(token_starts, unit_starts)`` of the answer's word groups (see
        :meth:`~speechbrain_xling.data.unit_store.UnitStore.word_spans`).
    context : numpy.ndarray, optional
        Units of the spoken context (the story) read before the question.
    """

    example_id: str
    question_lang: str
    answer_lang: str
    question: np.ndarray
    answer_text: str = ""
    answer_units: np.ndarray = None
    answer_spans: tuple = None
    context: np.ndarray = None


def answer_chunks(example, chunk_words=7):
    """The answer cut into chunks: ``[(text, units), ...]`` (module docstring).

    Returns a single chunk when the answer has no word spans.

    Example
    -------
    >>> example = InstructionExample(  # word groups: The | hen | lost her | bucket. | It | was red.
    ...     "q", "en", "en", np.array([1]), "The hen lost her bucket. It was red.",
    ...     np.arange(10), (np.array([0, 1, 2, 4, 5, 6]), np.array([0, 2, 3, 5, 7, 8])))
    >>> [(text, units.tolist()) for text, units in answer_chunks(example, chunk_words=3)]
    [('The hen lost her', [0, 1, 2, 3, 4]), ('bucket.', [5, 6]), ('It was red.', [7, 8, 9])]
    """
    words = example.answer_text.split()
    if example.answer_spans is None:
        return [(example.answer_text, example.answer_units)]
    token_starts, unit_starts = (spans.tolist() for spans in example.answer_spans)
    token_ends = token_starts[1:] + [len(words)]
    cuts, count = [0], 0  # group numbers where chunks start
    for group, (start, end) in enumerate(zip(token_starts, token_ends)):
        count += end - start
        if count >= chunk_words or words[end - 1].endswith(SENTENCE_END):
            cuts.append(group + 1)
            count = 0
    if cuts[-1] != len(token_starts):
        cuts.append(len(token_starts))
    chunks = []
    for number, (first, stop) in enumerate(zip(cuts[:-1], cuts[1:])):
        unit_start = 0 if number == 0 else unit_starts[first]
        unit_stop = unit_starts[stop] if stop < len(unit_starts) else None
        text = " ".join(words[token_starts[first] : token_ends[stop - 1]])
        units = None if example.answer_units is None else example.answer_units[unit_start:unit_stop]
        chunks.append((text, units))
    return chunks


class ChainOfModalityMixture:
    """Endless seeded stream of SFT documents (layout in the module docstring).

    Arguments
    ---------
    examples : StoreExamples or JsonlExamples
        Where the examples come from (``len()`` and ``example(number, rng)``).
    vocab : UnitVocabulary or SpeechTextVocabulary
        The ids to write; a textless vocabulary allows the ``speech`` variant
        only. With answer-language markers (``vocab.languages``), each
        prompt ends with its answer's, and every language of the examples
        needs one.
    text_tokenizer : TextTokenizer, optional
        Encodes the answers' text (needed by every variant but ``speech``).
    variant_shares : dict, optional
        Probability of each variant per document (:data:`DEFAULT_VARIANT_SHARES`).
    chunk_words : int
        Words per chunk of the ``chain`` variant.
    max_tokens : int, optional
        Longest document (EOS included), e.g. the context length; longer ones
        raise naming the example, or are skipped and counted
        (``on_too_long="skip"``).
    on_too_long : str
        ``"error"`` (default) or ``"skip"``.
    seed : int
        Seed of the stream.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import UnitVocabulary
    >>> examples = JsonlExamples([{"id": "a", "question_units": [1, 2],
    ...     "answer_units": [3], "question_lang": "en", "answer_lang": "en"}], num_units=4)
    >>> mixture = ChainOfModalityMixture(examples, UnitVocabulary(4), variant_shares={"speech": 1})
    >>> document = mixture.next_document()
    >>> document.tokens.tolist(), document.kind  # the question without loss, then the answer
    ([-2, -3, 3], 'speech')
    """

    def __init__(
        self,
        examples,
        vocab,
        text_tokenizer=None,
        variant_shares=None,
        chunk_words=7,
        max_tokens=None,
        on_too_long="error",
        seed=0,
    ):
        shares = dict(DEFAULT_VARIANT_SHARES if variant_shares is None else variant_shares)
        unknown = sorted(set(shares) - set(VARIANTS))
        if unknown or any(float(v) < 0 for v in shares.values()) or not sum(shares.values()):
            raise ValueError(
                f"variant_shares must give shares >= 0 of {VARIANTS} with a positive sum: {shares}"
            )
        self.variants = [name for name in VARIANTS if float(shares.get(name, 0)) > 0]
        weights = np.array([float(shares[name]) for name in self.variants])
        self.variant_probs = weights / weights.sum()
        self.speech_text = hasattr(vocab, "text_marker")
        if not self.speech_text and self.variants != ["speech"]:
            raise ValueError(
                f"a textless vocabulary ({vocab!r}) has no text: only the 'speech' variant "
                f"can be trained, not {self.variants}"
            )
        if self.variants != ["speech"] and text_tokenizer is None:
            raise ValueError(f"the variants {self.variants} need a text_tokenizer")
        if int(chunk_words) < 1:
            raise ValueError(f"chunk_words must be >= 1, got {chunk_words}")
        if on_too_long not in ("error", "skip"):
            raise ValueError(f"on_too_long must be 'error' or 'skip', got {on_too_long!r}")
        if examples.num_units != vocab.num_units:
            raise ValueError(
                f"{examples.source} holds units of K={examples.num_units} but the vocabulary "
                f"has K={vocab.num_units}"
            )
        unmarked = [lang for lang in examples.languages if lang not in vocab.languages]
        if vocab.languages and unmarked:
            raise ValueError(
                f"{examples.source} has answers in {unmarked}, which have no answer-language "
                f"marker in {vocab!r}"
            )
        self.examples = examples
        self.vocab = vocab
        self.text_tokenizer = text_tokenizer
        self.chunk_words = int(chunk_words)
        self.max_tokens = max_tokens
        self.on_too_long = on_too_long
        self.seed = seed
        self.story_languages = list(examples.languages)
        self.languages = (
            token_channels(self.story_languages) if self.speech_text else self.story_languages
        )
        self._rng = np.random.default_rng([seed, 11])
        self._epoch, self._position = 0, 0
        self._order = self._permutation()
        self.document_counts = Counter()
        self.fallbacks = Counter()

    # ----------------------------------------------------------------- state
    def _permutation(self):
        return np.random.default_rng([self.seed, 13, self._epoch]).permutation(len(self.examples))

    def state_dict(self):
        """The stream position, as a JSON-able dict."""
        return {
            "rng": self._rng.bit_generator.state,
            "epoch": self._epoch,
            "position": self._position,
            "document_counts": dict(self.document_counts),
            "fallbacks": dict(self.fallbacks),
        }

    def load_state_dict(self, state):
        """Restores a position saved by :meth:`state_dict`."""
        self._rng.bit_generator.state = state["rng"]
        self._epoch, self._position = int(state["epoch"]), int(state["position"])
        self._order = self._permutation()
        self.document_counts = Counter(state["document_counts"])
        self.fallbacks = Counter(state["fallbacks"])

    # --------------------------------------------------------------- writing
    def _channel(self, lang, modality):
        number = self.story_languages.index(lang)
        return 2 * number + (modality == "text") if self.speech_text else number

    def _text(self, text, example):
        if not text:
            raise ValueError(
                f"{self.examples.source}: example {example.example_id!r} has no answer text, "
                "which its variant writes"
            )
        return np.asarray(
            self.text_tokenizer.encode(text, f"example {example.example_id!r}"), dtype=np.int64
        )

    def _answer(self, example, variant):
        """The answer's pieces: ``[(modality, ids), ...]``, markers included."""
        vocab = self.vocab
        if variant != "text" and example.answer_units is None:
            raise ValueError(
                f"{self.examples.source}: example {example.example_id!r} has no answer "
                f"speech, which the {variant!r} variant needs"
            )
        if variant == "speech":
            return [("speech", vocab.unit_ids(example.answer_units))]
        if variant == "text":
            return [
                ("text", np.append(vocab.text_marker, self._text(example.answer_text, example)))
            ]
        if variant == "chain":
            if example.answer_spans is None:
                self.fallbacks["no word spans: one chunk"] += 1
            chunks = answer_chunks(example, self.chunk_words)
        else:
            chunks = [(example.answer_text, example.answer_units)]
        pieces = []
        for text, units in chunks:
            pieces.append(("text", np.append(vocab.text_marker, self._text(text, example))))
            pieces.append(("speech", np.append(vocab.speech_marker, vocab.unit_ids(units))))
        return pieces

    def document(self, example, variant):
        """The :class:`~speechbrain_xling.data.speech_text.TokenDocument` of one
        example written as ``variant`` (the prompt :func:`without_loss`)."""
        vocab = self.vocab
        spoken = [example.question]
        if example.context is not None:
            spoken.insert(0, example.context)
        prompt = speech_prompt(
            vocab, *spoken, answer_lang=example.answer_lang if vocab.languages else None
        )
        pieces = self._answer(example, variant)
        tokens = np.concatenate([without_loss(prompt), *(ids for _, ids in pieces)])
        codes = [self._channel(example.question_lang, "speech")]
        codes += [self._channel(example.answer_lang, modality) for modality, _ in pieces]
        sizes = [len(prompt)] + [len(ids) for _, ids in pieces]
        return TokenDocument(
            tokens.astype(np.int64),
            np.asarray(codes, dtype=np.int8),
            np.asarray(sizes, dtype=np.int64),
            variant,
        )

    def next_document(self):
        """Draws the next example and variant and writes its document."""
        for _ in range(len(self.examples) + 1):
            if self._position == len(self._order):
                self._epoch, self._position = self._epoch + 1, 0
                self._order = self._permutation()
            number = int(self._order[self._position])
            self._position += 1
            example = self.examples.example(number, self._rng)
            variant = self.variants[int(self._rng.choice(len(self.variants), p=self.variant_probs))]
            document = self.document(example, variant)
            if self.max_tokens is None or len(document.tokens) + 1 <= self.max_tokens:
                self.document_counts[variant] += 1
                return document
            if self.on_too_long == "error":
                raise ValueError(
                    f"{self.examples.source}: example {example.example_id!r} ({variant}) is "
                    f"{len(document.tokens) + 1} tokens with EOS, longer than max_tokens="
                    f"{self.max_tokens} (the context length): shorten it, raise the context "
                    "length, or set on_too_long: skip"
                )
            self.fallbacks["longer than max_tokens: skipped"] += 1
        raise ValueError(
            f"{self.examples.source}: {len(self.examples) + 1} examples in a row are longer "
            f"than max_tokens={self.max_tokens} (the context length): raise it"
        )


class StoreExamples:
    """Examples from a QA unit store and, optionally, a store of the stories.

    The QA store holds, per story and language, question ``k`` as sentence
    ``2k`` and its answer as ``2k + 1`` (the mini-corpus's ``train_qa.csv``,
    tokenised; it must be sentence-aligned across ``languages`` for
    cross-lingual answers). The context store holds the stories' sentences
    under the same story ids: a question's context is its story in the
    question's language. Each example is drawn with its question language
    (uniform over ``languages``) and, with ``cross_lingual_prob``, an answer
    in another language.

    Arguments
    ---------
    store : UnitStore
        The QA store (with text, and word spans for the ``chain`` variant).
    languages : list of str
        Languages of the questions and answers.
    context_store : UnitStore or str, optional
        The stories (None: questions are asked without them).
    cross_lingual_prob : float
        Probability that an answer is in another language.
    on_misaligned : str
        ``"error"`` or ``"skip"`` (counted) for a story whose questions are
        not in every language (see :class:`~speechbrain_xling.data.sequences.StoryIndex`).

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.unit_store import write_unit_store
    >>> rows = [dict(utt_id=f"s-who_{lang}_{role}", units=[sent + 1], story_id="s",
    ...              sent_idx=sent, lang=lang, text=f"{role} {lang}")
    ...         for lang in ("en", "fr") for sent, role in enumerate("qa")]
    >>> examples = StoreExamples(write_unit_store(tempfile.mkdtemp(), rows, 4), ["en", "fr"],
    ...                          cross_lingual_prob=1.0)
    >>> example = examples.example(0, np.random.default_rng(0))
    >>> example.example_id, example.question_lang, example.answer_lang, example.answer_text
    ('s-who_fr_q', 'fr', 'en', 'a en')
    """

    def __init__(
        self, store, languages, context_store=None, cross_lingual_prob=0.0, on_misaligned="error"
    ):
        if not 0.0 <= cross_lingual_prob <= 1.0:
            raise ValueError(f"cross_lingual_prob must be in [0, 1], got {cross_lingual_prob}")
        if cross_lingual_prob > 0 and len(languages) < 2:
            raise ValueError(f"cross-lingual answers need two languages, got {languages}")
        self.store = store
        self.source = store.folder
        self.num_units = store.num_units
        self.languages = list(languages)
        self.cross_lingual_prob = float(cross_lingual_prob)
        self.index = StoryIndex(store, languages, aligned=True, on_misaligned=on_misaligned)
        self.items = []  # (story, question number)
        for story in self.index.aligned_stories:
            sentences = store.sent_idx[self.index.rows(story, self.languages[0])]
            if len(sentences) % 2 or sentences.tolist() != list(range(len(sentences))):
                raise ValueError(
                    f"{store.folder}: story {story!r} holds sentences {sentences.tolist()}, "
                    "not questions and answers numbered 0, 1, ..., 2n-1"
                )
            self.items.extend((story, k) for k in range(len(sentences) // 2))
        self.context = None
        if context_store is not None:
            if not isinstance(context_store, UnitStore):
                context_store = UnitStore(context_store)
            if context_store.num_units != store.num_units:
                raise ValueError(
                    f"{context_store.folder} holds units of K={context_store.num_units}, "
                    f"the QA store {store.folder} K={store.num_units}"
                )
            self.context = StoryIndex(context_store, languages)

    def __len__(self):
        return len(self.items)

    def _context(self, story, lang):
        try:
            rows = self.context.rows(story, lang)
        except KeyError:
            raise ValueError(
                f"{self.context.store.folder} has no story {story!r} in {lang!r}, the context "
                f"of its questions in {self.source}"
            ) from None
        return self.context.store.gather(rows)

    def example(self, number, rng):
        """Example ``number`` with languages drawn from ``rng``."""
        story, k = self.items[number]
        question_lang = self.languages[int(rng.integers(len(self.languages)))]
        answer_lang = question_lang
        if self.cross_lingual_prob and rng.random() < self.cross_lingual_prob:
            others = [lang for lang in self.languages if lang != question_lang]
            answer_lang = others[int(rng.integers(len(others)))]
        store = self.store
        question = self.index.rows(story, question_lang)[2 * k]
        answer = self.index.rows(story, answer_lang)[2 * k + 1]
        return InstructionExample(
            example_id=str(store.ids[question]),
            question_lang=question_lang,
            answer_lang=answer_lang,
            question=store.units(question),
            answer_text="" if store.texts is None else store.texts[answer],
            answer_units=store.units(answer),
            answer_spans=store.word_spans(answer),
            context=None if self.context is None else self._context(story, question_lang),
        )


class JsonlExamples:
    """Examples from a JSONL of instruction data, one example per line.

    Fields of a line (units as lists of ints in 0..K-1; audio paths relative
    to the JSONL's folder, encoded with ``units_of``)::

        id              the example's name (default: the line number)
        question_lang   language of the question and context (default "en")
        answer_lang     language of the answer (default: question_lang)
        question_units | question_audio            required
        question_text                              optional, not read
        answer_text                                the written answer
        answer_units | answer_audio                the spoken answer
        answer_words    optional word timings of the spoken answer,
                        [{"word", "start", "end"}] in seconds (chunks of
                        the chain variant; needs ``frame_rate``)
        context_units | context_audio              optional spoken context

    A line needs a question and an answer (text, speech or both); what a
    variant needs and a line lacks raises when the line is written, naming
    the file and line.

    Arguments
    ---------
    rows : iterable of dict
        The lines, parsed (:meth:`read` reads them from a file).
    num_units : int
        K of the units.
    source : str
        Names the rows in errors (the file, by :meth:`read`).
    units_of : callable, optional
        ``units_of(list_of_paths) -> list of unit arrays`` (a tokenizer's);
        needed when lines give audio.
    frame_rate : float, optional
        Units per second of frame-rate units (not deduplicated), to place
        ``answer_words`` on the answer's units.

    Example
    -------
    >>> examples = JsonlExamples([{"question_units": [1, 2], "answer_text": "Yes."}], 4)
    >>> examples.example(0, None).example_id, examples.languages
    ('<rows>:1', ['en'])
    >>> JsonlExamples([{"question_units": [1, 2]}], 4)
    Traceback (most recent call last):
     ...
    ValueError: <rows>:1: no answer (answer_text, answer_units or answer_audio)
    """

    def __init__(self, rows, num_units, source="<rows>", units_of=None, frame_rate=None):
        self.source = source
        self.num_units = int(num_units)
        self._units_of = units_of
        self.frame_rate = frame_rate
        self.examples = [
            self._example(row, number)
            for number, row in enumerate(rows, start=1)
            if row is not None  # a blank line of a file
        ]
        if not self.examples:
            raise ValueError(f"{source}: no example")
        self.languages = sorted(
            {lang for e in self.examples for lang in (e.question_lang, e.answer_lang)}
        )

    @classmethod
    def read(cls, path, num_units, units_of=None, frame_rate=None):
        """Examples from a JSONL file (errors name the file and line)."""
        rows = []
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    rows.append(None)
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}:{number}: not JSON ({error})") from None
        return cls(rows, num_units, str(path), units_of, frame_rate)

    def _units(self, row, part, where, base):
        if row.get(f"{part}_units") is not None:
            units = np.asarray(row[f"{part}_units"], dtype=np.int64)
        elif row.get(f"{part}_audio"):
            if self._units_of is None:
                raise ValueError(f"{where}: {part}_audio needs a unit tokenizer (units_of)")
            audio = Path(row[f"{part}_audio"])
            audio = audio if audio.is_absolute() else base / audio
            if not audio.is_file():
                raise ValueError(f"{where}: {part}_audio {audio} does not exist")
            units = np.asarray(self._units_of([audio])[0], dtype=np.int64)
        else:
            return None
        if units.ndim != 1 or (units.size and (units.min() < 0 or units.max() >= self.num_units)):
            raise ValueError(
                f"{where}: {part} units must be a list of ints in [0, {self.num_units})"
            )
        return units

    def _example(self, row, number):
        where = f"{self.source}:{number}"
        if not isinstance(row, dict):
            raise ValueError(f"{where}: a line must be a JSON object")
        base = Path(self.source).parent
        question = self._units(row, "question", where, base)
        if question is None or not question.size:
            raise ValueError(f"{where}: no question (question_units or question_audio)")
        answer_units = self._units(row, "answer", where, base)
        answer_text = " ".join(str(row.get("answer_text") or "").split())
        if answer_units is None and not answer_text:
            raise ValueError(f"{where}: no answer (answer_text, answer_units or answer_audio)")
        spans = None
        if row.get("answer_words"):
            if answer_units is None or not self.frame_rate:
                raise ValueError(
                    f"{where}: answer_words need the answer's speech and a frame_rate > 0"
                )
            try:
                words = [
                    TimedWord(word["word"], float(word["start"]), float(word["end"]))
                    for word in row["answer_words"]
                ]
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(
                    f"{where}: answer_words must be [{{word, start, end}}, ...] ({error!r})"
                ) from None
            duration = len(answer_units) / self.frame_rate
            spans = word_spans(
                words, answer_text, duration, len(answer_units), self.frame_rate, what=where
            )
        question_lang = str(row.get("question_lang") or "en")
        return InstructionExample(
            example_id=str(row.get("id") or where),
            question_lang=question_lang,
            answer_lang=str(row.get("answer_lang") or question_lang),
            question=question,
            answer_text=answer_text,
            answer_units=answer_units,
            answer_spans=spans,
            context=self._units(row, "context", where, base),
        )

    def __len__(self):
        return len(self.examples)

    def example(self, number, rng):
        """Example ``number`` (its languages are the line's; ``rng`` unused)."""
        del rng
        return self.examples[number]


def sft_documents(
    store,
    languages,
    seed=0,
    on_misaligned="error",
    *,
    vocab,
    text_tokenizer=None,
    context_store=None,
    instructions=None,
    units_of=None,
    frame_rate=None,
    cross_lingual_prob=0.0,
    variant_shares=None,
    chunk_words=7,
    max_tokens=None,
    on_too_long="error",
):
    """The ``documents`` of the SFT recipe: a :class:`ChainOfModalityMixture`
    over a QA unit store (:class:`StoreExamples`), or over the JSONL file
    ``instructions`` (:class:`JsonlExamples`; ``store`` is then None).

    Arguments are those of the classes it builds (``seed`` and
    ``on_misaligned`` as the training pipeline passes them).

    Example
    -------
    >>> import json, tempfile
    >>> from speechbrain_xling.data.vocab import UnitVocabulary
    >>> path = tempfile.mkdtemp() + "/sft.jsonl"
    >>> with open(path, "w") as handle:
    ...     _ = handle.write(json.dumps({"question_units": [0], "answer_units": [1, 2]}))
    >>> documents = sft_documents(None, ["en"], vocab=UnitVocabulary(4), instructions=path,
    ...                           variant_shares={"speech": 1})
    >>> documents.next_document().tokens.tolist()
    [-1, 1, 2]
    """
    if instructions:
        examples = JsonlExamples.read(instructions, vocab.num_units, units_of, frame_rate)
        missing = sorted(set(examples.languages) - set(languages))
        if missing:
            raise ValueError(f"{instructions} has languages {missing}, not in {list(languages)}")
    else:
        examples = StoreExamples(store, languages, context_store, cross_lingual_prob, on_misaligned)
    return ChainOfModalityMixture(
        examples,
        vocab,
        text_tokenizer,
        variant_shares,
        chunk_words,
        max_tokens,
        on_too_long,
        seed,
    )


def count_channels_of(languages, vocab):
    """What an SFT stage's tokens are counted by: ``{lang}_{modality}`` for a
    speech-text vocabulary, the languages for a textless one (None when the
    vocabulary is not built, as in the budget tool: speech only).

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary, UnitVocabulary
    >>> count_channels_of(["en"], SpeechTextVocabulary(4, 4))
    ['en_speech', 'en_text']
    >>> count_channels_of(["en"], UnitVocabulary(4)) is None
    True
    """
    return token_channels(languages) if hasattr(vocab, "text_marker") else None
