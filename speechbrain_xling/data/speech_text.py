"""Speech-text documents: units and text of the same stories in one stream.

The textless builders (:mod:`speechbrain_xling.data.sequences`) give stories
as store rows, one per sentence, with a language per sentence.
:class:`SpeechTextMixture` draws such stories and writes each sentence either
as its units or as its text (the store's ``text`` column, encoded by a
:class:`~speechbrain_xling.tokenizers.text.TextTokenizer`), in the ids of a
:class:`~speechbrain_xling.data.vocab.SpeechTextVocabulary`. A modality
marker (``[TEXT]`` or ``[SPEECH]``) opens the document and stands at every
modality switch, and nowhere else (SpiritLM's convention). Document kinds,
each drawn as the kind furthest below its share of the tokens written so far
(``document_shares``; the shares hold at every point of the stream):

``text`` / ``speech``
    a story in one language, all text or all units (SIMS's text-only and
    speech-only documents).
``interleaved``
    modality switching, at one of two levels (``interleaving``):
    ``"sentence"``: each sentence is units with probability ``speech_prob``,
    otherwise text. ``"word"`` (SpiritLM, SIMS): the story's words are cut
    into spans of 1 + Poisson(``span_words`` - 1) word groups, each span
    units with probability ``speech_prob``, otherwise text; a span's units
    are those of its word groups (the store's word spans, from word timings:
    a group's units run to the next group's start, so the spans' units cover
    the sentence), its text their tokens. A sentence without word spans is
    one group (counted in :attr:`fallbacks`). With ``switch_prob > 0`` the
    sentences' languages switch too, as in the textless ``sampled`` mode
    (EN speech sentence i, FR text sentence i+1, ...): cross-lingual and
    cross-modal at once (a word span may run on into the next sentence, in
    the other language: each sentence's part is counted in its own channel).
``pairs``
    every sentence of a story twice, as a pair of one of ``pair_tasks``:
    ``asr`` (speech -> text), ``tts`` (text -> speech), ``translation``
    (text in one language -> text in another) and ``speech_translation``
    (speech in one language -> text in another); the task and the language
    order are drawn per document. With ``pair_loss="target"`` (CSLM's
    instruction-shaped pairs) the first member of each pair is read but never
    a training target (written :func:`~speechbrain_xling.data.packing.without_loss`);
    the marker opening the second member is trained (the model learns to
    answer in the other modality).

Token accounting is exact: every token of a document is counted in one
*channel* ``{lang}_{modality}`` (a marker counts with the span it opens), in
the same order as :func:`token_channels`, and the packer counts the same
channels (plus EOS) in what it emits.

Authors
 * speechbrain-xling authors 2026
"""

from collections import Counter
from itertools import repeat

import numpy as np

from speechbrain_xling.data.packing import without_loss
from speechbrain_xling.data.sequences import DocumentMixture

MODALITIES = ("speech", "text")
DOCUMENT_KINDS = ("text", "interleaved", "speech", "pairs")
INTERLEAVING_LEVELS = ("sentence", "word")
PAIR_TASKS = ("asr", "tts", "translation", "speech_translation")
PAIR_LOSSES = ("all", "target")
# SIMS (slamkit): text-only / interleaved / speech-only shares of the tokens.
DEFAULT_SHARES = {"text": 0.20, "interleaved": 0.55, "speech": 0.25}
SPEECH, TEXT = 0, 1
_UNCACHED = object()


def token_channels(languages):
    """Names of the token-count channels of a speech-text stream.

    Example
    -------
    >>> token_channels(["en", "fr"])
    ['en_speech', 'en_text', 'fr_speech', 'fr_text']
    """
    return [f"{lang}_{modality}" for lang in languages for modality in MODALITIES]


class TokenDocument:
    """A document already written in vocabulary ids.

    Arguments
    ---------
    tokens : numpy.ndarray
        int64 token ids, markers included, without the trailing EOS.
    langs : numpy.ndarray
        Channel code of each segment (see :func:`token_channels`).
    sizes : numpy.ndarray
        Tokens of each segment (they sum to ``len(tokens)``).
    kind : str
        The document kind (``"interleaved"``, ``"pairs/asr"``, ...).
    """

    __slots__ = ("tokens", "langs", "sizes", "kind", "store")

    def __init__(self, tokens, langs, sizes, kind):
        self.tokens = tokens
        self.langs = langs
        self.sizes = sizes
        self.kind = kind
        self.store = None


class SpeechTextMixture:
    """Endless seeded stream of speech-text documents from one unit store.

    Arguments
    ---------
    store : UnitStore
        A unit store with a ``text`` column.
    languages : list of str
        Languages of the stream.
    vocab : SpeechTextVocabulary
        The ids to write (its ``num_units`` must be the store's K).
    text_tokenizer : TextTokenizer
        Encodes each sentence's text (its ids must fit ``vocab.num_text``).
    document_shares : dict, optional
        Target share of the tokens per document kind (``text``,
        ``interleaved``, ``speech``, ``pairs``); default :data:`DEFAULT_SHARES`.
    speech_prob : float
        Probability that a sentence (or word span) of an ``interleaved``
        document is units.
    interleaving : str
        ``"sentence"`` or ``"word"`` (needs a store with word spans).
    span_words : float
        Mean word groups per span of word-level interleaving (SIMS: 10).
    switch_prob : float
        Language switching of ``interleaved`` documents (0: one language per
        document; needs a sentence-aligned store when > 0).
    pair_tasks : list of str
        Tasks of ``pairs`` documents (subset of :data:`PAIR_TASKS`).
    pair_loss : str
        ``"all"`` (default): every token of a pair is a target; ``"target"``:
        only the second member of each pair (see the module docstring).
    language_shares : dict, optional
        Target share of sentences per language of one-language documents.
    seed : int
        Seed of the stream.
    on_misaligned : str
        ``"error"`` or ``"skip"`` for stories without a full translation.
    on_missing_text : str
        ``"error"`` (default): a sentence without text in a document that
        writes it as text raises, naming the utterance; ``"speech"``: the
        sentence is written as units instead and counted in
        :attr:`fallbacks`.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.unit_store import write_unit_store
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> from speechbrain_xling.tokenizers.text import train_sentencepiece, load_text_tokenizer
    >>> words = {"en": ["one", "two"], "fr": ["un", "deux"]}
    >>> rows = [dict(utt_id=f"s_{l}_{j}", units=[j, j], story_id="s", sent_idx=j,
    ...              lang=l, text=words[l][j]) for l in ("en", "fr") for j in (0, 1)]
    >>> store = write_unit_store(tempfile.mkdtemp(), rows, num_units=4)
    >>> text = load_text_tokenizer(train_sentencepiece(
    ...     ["one two", "un deux"] * 5, tempfile.mkdtemp() + "/t.model", vocab_size=12,
    ...     byte_fallback=False))
    >>> vocab = SpeechTextVocabulary(text.vocab_size, 4)
    >>> mix = SpeechTextMixture(store, ["en"], vocab, text, document_shares={"speech": 1})
    >>> doc = mix.next_document()
    >>> doc.tokens.tolist() == [vocab.speech_marker] + vocab.unit_ids([0, 0, 1, 1]).tolist()
    True
    >>> mix.languages
    ['en_speech', 'en_text']
    """

    def __init__(
        self,
        store,
        languages,
        vocab,
        text_tokenizer,
        document_shares=None,
        speech_prob=0.5,
        interleaving="sentence",
        span_words=10.0,
        switch_prob=0.0,
        pair_tasks=("asr", "tts"),
        pair_loss="all",
        language_shares=None,
        seed=0,
        on_misaligned="error",
        on_missing_text="error",
    ):
        if store.num_units != vocab.num_units:
            raise ValueError(
                f"{store.folder} holds units of K={store.num_units} but the vocabulary "
                f"has K={vocab.num_units}"
            )
        if store.texts is None:
            raise ValueError(
                f"{store.folder} holds no text (re-tokenise it from a manifest with a text "
                "column): speech-text documents need each utterance's text"
            )
        if text_tokenizer.vocab_size > vocab.num_text:
            raise ValueError(
                f"the text tokenizer {text_tokenizer.source} has {text_tokenizer.vocab_size} "
                f"ids but the vocabulary only {vocab.num_text} text ids"
            )
        if on_missing_text not in ("error", "speech"):
            raise ValueError(
                f"on_missing_text must be 'error' or 'speech', got {on_missing_text!r}"
            )
        if interleaving not in INTERLEAVING_LEVELS:
            raise ValueError(f"interleaving must be one of {INTERLEAVING_LEVELS}: {interleaving!r}")
        if interleaving == "word" and not store.has_word_spans:
            raise ValueError(
                f"{store.folder} holds no word spans, which word-level interleaving needs: "
                "tokenise a manifest with its word timings (prepare/word_timings.py)"
            )
        if span_words < 1:
            raise ValueError(f"span_words must be >= 1, got {span_words}")
        for name, value in (("speech_prob", speech_prob), ("switch_prob", switch_prob)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        if pair_loss not in PAIR_LOSSES:
            raise ValueError(f"pair_loss must be one of {PAIR_LOSSES}, got {pair_loss!r}")
        unknown = sorted(set(pair_tasks) - set(PAIR_TASKS))
        if unknown or not pair_tasks:
            raise ValueError(f"pair_tasks must be a non-empty subset of {PAIR_TASKS}: {pair_tasks}")
        self.store = store
        self.story_languages = list(languages)
        self.languages = token_channels(self.story_languages)
        self.vocab = vocab
        self.text_tokenizer = text_tokenizer
        self.kinds, self.kind_shares = _kind_shares(document_shares)
        self._kind_shares = self.kind_shares.tolist()
        self.speech_prob = float(speech_prob)
        self.interleaving = interleaving
        self.span_words = float(span_words)
        self.switch_prob = float(switch_prob)
        self.pair_tasks = list(pair_tasks)
        self.pair_loss = pair_loss
        self.on_missing_text = on_missing_text
        cross_lingual = switch_prob > 0 or bool(
            {"translation", "speech_translation"} & set(pair_tasks)
        )
        if cross_lingual and len(self.story_languages) < 2:
            raise ValueError(
                "language switching and translation pairs need two languages, got "
                f"{self.story_languages}"
            )
        common = dict(language_shares=language_shares, on_misaligned=on_misaligned)
        # Story sources (the textless builders): one-language stories, stories
        # with sentence-level language switching, and fully paired stories.
        self.sources = {"mono": DocumentMixture(store, languages, seed=seed, **common)}
        if switch_prob > 0 and "interleaved" in self.kinds:
            self.sources["switched"] = DocumentMixture(
                store, languages, 1.0, "sampled", switch_prob, seed=seed + 1, **common
            )
        if cross_lingual and "pairs" in self.kinds:
            self.sources["paired"] = DocumentMixture(
                store, languages, 1.0, "paired", seed=seed + 2, **common
            )
        self._rng = np.random.default_rng([seed, 7])
        self._kind_tokens = [0] * len(self.kinds)  # Python ints: a cheap draw per document
        self.document_counts = Counter()
        self.fallbacks = Counter()
        self._source_states = {}  # see state_dict
        self._text_pieces = {}
        # The markers in unit space (see _document), indexed by modality.
        self._markers = [
            np.array([vocab.speech_marker - vocab.unit_offset]),
            np.array([vocab.text_marker - vocab.unit_offset]),
        ]

    @property
    def kind_tokens(self):
        """Tokens written so far per document kind (of :attr:`kinds`), an int64 array."""
        return np.array(self._kind_tokens, dtype=np.int64)

    # ----------------------------------------------------------------- state
    def state_dict(self):
        """The stream position, as a JSON-able dict.

        A packer asks for it before every document, and a document draws from
        one story source: the state of a source is kept until it draws again,
        so successive states share those of the other sources (read-only:
        copy a state to change it).
        """
        states = self._source_states
        for name, source in self.sources.items():
            if name not in states:
                states[name] = source.state_dict()
        return {
            "rng": self._rng.bit_generator.state,
            "kind_tokens": list(self._kind_tokens),
            "document_counts": dict(self.document_counts),
            "fallbacks": dict(self.fallbacks),
            "sources": {name: states[name] for name in self.sources},
        }

    def load_state_dict(self, state):
        """Restores a position saved by :meth:`state_dict`."""
        if sorted(state["sources"]) != sorted(self.sources) or len(state["kind_tokens"]) != len(
            self.kinds
        ):
            raise ValueError("saved stream state does not match this speech-text mixture")
        self._rng.bit_generator.state = state["rng"]
        self._kind_tokens = [int(count) for count in state["kind_tokens"]]
        self.document_counts = Counter(state["document_counts"])
        self.fallbacks = Counter(state["fallbacks"])
        for name, source in self.sources.items():
            source.load_state_dict(state["sources"][name])
        self._source_states = {}

    def _story(self, name):
        """The next story of the source ``name`` (its kept state is dropped)."""
        self._source_states.pop(name, None)
        return self.sources[name].next_document()

    # --------------------------------------------------------------- writing
    def _text_piece(self, row):
        """Text ids of a store row in unit space (see :meth:`_document`), put in
        the per-row cache :meth:`_document` reads; ``None`` when the row has no
        text. The cache holds each row once (about 8 bytes per text token plus
        ~100 per row), as many rows as the stream has written as text."""
        text = self.store.texts[row]
        ids = self._text_pieces[row] = self._encoded(text, row) if text else None
        return ids

    def _encoded(self, text, row):
        """Text ids of ``text`` (from row ``row``) in unit space."""
        what = f"{self.store.folder}: utterance {str(self.store.ids[row])!r}"
        ids = np.array(self.text_tokenizer.encode(text, what), dtype=np.int64)
        ids -= self.vocab.unit_offset
        return ids

    def _group_piece(self, row, modality, words):
        """Units or text ids (unit space) of the word groups ``words = (token_start,
        token_stop, unit_start, unit_stop)`` of a row (``None`` stops: to its
        end). Their text is encoded afresh: spans are drawn per document, so
        a cache of pieces by ``(row, token_start, token_stop)`` would serve
        2% of them over the packing benchmark's two epochs (8% over six,
        holding 50k pieces, two per sentence), at a growing memory cost."""
        token_start, token_stop, unit_start, unit_stop = words
        if modality == SPEECH:
            return self.store.units(row)[unit_start:unit_stop]
        piece = " ".join(self.store.texts[row].split()[token_start:token_stop])
        return self._encoded(piece, row)

    def _missing_text(self, row):
        """The units of a row without text that a document writes as text
        (``on_missing_text: speech``, counted), or a ``ValueError``."""
        if self.on_missing_text == "error":
            raise ValueError(
                f"{self.store.folder}: utterance {str(self.store.ids[row])!r} has no text, "
                "but the speech-text mixture writes it as text (set on_missing_text: "
                "speech to write such sentences as units, counted)"
            )
        self.fallbacks["no text: written as speech"] += 1
        return self.store.units(row)

    def _document(self, rows, langs, modalities, kind, words=None, untrained=None):
        """A :class:`TokenDocument` of sentences (lists of rows, language codes
        and modalities) or of the word groups ``words`` of them (``None`` for a
        whole sentence, see :meth:`_group_piece`), markers at modality
        switches; a sentence written as text falls back to its units when it
        has none (a row with word spans always has text). The sentences
        flagged in ``untrained`` (with the marker opening them) are written
        :func:`~speechbrain_xling.data.packing.without_loss`.

        Pieces are gathered in *unit space*, ids minus the vocabulary's unit
        offset (units as stored; text ids and markers shifted down once, when
        cached), so that one concatenation and one addition write the
        document. There units are the only ids in ``[0, K)`` and markers the
        only ones ``>= K``: a unit id >= K (a damaged store) shows as one id
        ``>= K`` more than the markers.
        """
        units, markers, texts = self.store.units, self._markers, self._text_pieces
        pieces, codes, sizes, switches, previous = [], [], [], 0, None
        speech = False  # any units? (text-only documents need no check)
        for row, lang, modality, part in zip(
            rows, langs, modalities, repeat(None) if words is None else words
        ):
            if part is not None:
                ids = self._group_piece(row, modality, part)
            elif modality == TEXT:
                ids = texts.get(row, _UNCACHED)
                if ids is _UNCACHED:
                    ids = self._text_piece(row)
                if ids is None:
                    ids, modality = self._missing_text(row), SPEECH
            else:
                ids = units(row)
            size = len(ids)
            if modality != previous:
                pieces.append(markers[modality])
                switches += 1
                size += 1
                previous = modality
                speech = speech or modality == SPEECH
            pieces.append(ids)
            codes.append(2 * lang + modality)
            sizes.append(size)
        tokens = np.concatenate(pieces, dtype=np.int64)
        if speech and np.count_nonzero(tokens >= self.vocab.num_units) > switches:
            self.store.check_rows(rows)  # names the row holding an id >= K
        tokens += self.vocab.unit_offset
        if untrained is not None:
            masked = np.repeat(untrained, sizes)
            tokens[masked] = without_loss(tokens[masked])
        return TokenDocument(
            tokens, np.array(codes, dtype=np.int8), np.array(sizes, dtype=np.int64), kind
        )

    def _word_spans(self, story):
        """Rows, language codes, modalities and word groups (lists) of a
        word-level interleaved document (see the module docstring)."""
        rows, langs = story.rows.tolist(), story.langs.tolist()
        # Word groups of the story, numbered on from sentence to sentence:
        # sentence i holds groups bounds[i] .. bounds[i + 1] - 1.
        token_starts, unit_starts, bounds = [], [], [0]
        for row in rows:
            spans = self.store.word_spans(row)
            if spans is None:
                self.fallbacks["no word spans: one group"] += 1
                token_starts.append([0])
                unit_starts.append([0])
            else:
                token_starts.append(spans[0].tolist())
                unit_starts.append(spans[1].tolist())
            bounds.append(bounds[-1] + len(token_starts[-1]))
        pieces = ([], [], [], [])  # rows, languages, modalities, word groups
        piece_rows, piece_langs, modalities, words = pieces
        start, sentence, total = 0, 0, bounds[-1]
        while start < total:
            stop = min(total, start + 1 + int(self._rng.poisson(self.span_words - 1)))
            modality = SPEECH if self._rng.random() < self.speech_prob else TEXT
            while bounds[sentence + 1] <= start:
                sentence += 1
            number = sentence
            while bounds[number] < stop:  # one piece per sentence of the span
                first, last = bounds[number], bounds[number + 1]
                begin, end = max(start, first), min(stop, last)
                if begin == first and end == last:
                    words.append(None)  # the whole sentence
                else:
                    tokens, units = token_starts[number], unit_starts[number]
                    words.append(
                        (
                            tokens[begin - first],
                            None if end == last else tokens[end - first],
                            0 if begin == first else units[begin - first],
                            None if end == last else units[end - first],
                        )
                    )
                piece_rows.append(rows[number])
                piece_langs.append(langs[number])
                modalities.append(modality)
                number += 1
            start = stop
        return pieces

    def _pairs(self, story):
        """Every sentence twice, as the pair of a task drawn for the document."""
        task = self.pair_tasks[int(self._rng.integers(len(self.pair_tasks)))]
        rows, langs = story.rows.tolist(), story.langs.tolist()
        if task in ("asr", "tts"):
            rows = [row for row in rows for _ in range(2)]
            langs = [lang for lang in langs for _ in range(2)]
            first = SPEECH if task == "asr" else TEXT
            modalities = [first, 1 - first] * (len(rows) // 2)
        else:
            # ``paired`` stories hold each sentence in every language, in a
            # per-document order: keep the first two languages of each pair.
            width = len(self.story_languages)
            rows = [row for number, row in enumerate(rows) if number % width < 2]
            langs = [lang for number, lang in enumerate(langs) if number % width < 2]
            first = SPEECH if task == "speech_translation" else TEXT
            modalities = [first, TEXT] * (len(rows) // 2)
        untrained = None
        if self.pair_loss == "target":
            untrained = [number % 2 == 0 for number in range(len(rows))]
        return self._document(rows, langs, modalities, f"pairs/{task}", untrained=untrained)

    def next_document(self):
        """Draws the next document and counts its tokens per kind."""
        # The kind furthest below its share (the first of equals), in Python
        # floats: the same arithmetic as numpy's float64, without its per-call cost.
        total = sum(self._kind_tokens)
        gaps = [
            share * total - tokens for share, tokens in zip(self._kind_shares, self._kind_tokens)
        ]
        number = gaps.index(max(gaps))
        kind = self.kinds[number]
        if kind in ("text", "speech"):
            story = self._story("mono")
            modalities = [TEXT if kind == "text" else SPEECH] * len(story.rows)
            document = self._document(story.rows.tolist(), story.langs.tolist(), modalities, kind)
        elif kind == "interleaved":
            story = self._story("switched" if "switched" in self.sources else "mono")
            if self.interleaving == "word":
                rows, langs, modalities, words = self._word_spans(story)
                document = self._document(rows, langs, modalities, kind, words)
            else:
                draws = self._rng.random(len(story.rows)) < self.speech_prob
                modalities = [SPEECH if speech else TEXT for speech in draws.tolist()]
                document = self._document(
                    story.rows.tolist(), story.langs.tolist(), modalities, kind
                )
        else:
            task_source = "paired" if "paired" in self.sources else "mono"
            document = self._pairs(self._story(task_source))
        self._kind_tokens[number] += len(document.tokens)
        self.document_counts[document.kind] += 1
        return document


def _kind_shares(document_shares):
    """The kinds with a positive share and their normalised shares."""
    shares = dict(DEFAULT_SHARES if document_shares is None else document_shares)
    unknown = sorted(set(shares) - set(DOCUMENT_KINDS))
    if unknown:
        raise ValueError(f"document_shares names {unknown}, not kinds of {DOCUMENT_KINDS}")
    kinds = [kind for kind in DOCUMENT_KINDS if float(shares.get(kind, 0)) > 0]
    if not kinds or any(float(value) < 0 for value in shares.values()):
        raise ValueError(f"document_shares must be >= 0 with a positive sum: {shares}")
    weights = np.array([float(shares[kind]) for kind in kinds])
    return kinds, weights / weights.sum()
