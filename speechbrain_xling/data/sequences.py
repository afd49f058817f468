"""Sequence builders: documents made of sentence-level unit sequences.

A *document* is the ordered list of unit segments that is packed into the
training stream (followed by one EOS). This module builds them from a
:class:`~speechbrain_xling.data.unit_store.UnitStore`:

``monolingual``
    a story in one language: ``A_1^(l) || A_2^(l) || ...``
``paired`` interleaving (the paper's equation in Sec. 3.2)
    every sentence in every language, translations adjacent:
    ``A_1^(l1) || A_1^(l2) || A_2^(l1) || A_2^(l2) || ...``; the order of the
    languages is drawn per document (the first language is random).
``sampled`` interleaving (the paper's "language sampling probability of
0.5 at the sentence level")
    one language per sentence: the document's first language ``l1`` is drawn
    uniformly and opens the story; each later sentence is in ``l1`` with
    probability ``1 - p`` and otherwise in one of the other languages
    (uniformly); the story length is unchanged.
``word`` switching
    like ``sampled`` but inside sentences, at aligned word boundaries, when
    word alignments are given (see :func:`load_word_alignments`); sentences
    without an alignment fall back to sentence-level sampling and are counted.

:class:`DocumentMixture` draws an endless, seeded stream of documents:
interleaved documents with probability ``interleave_ratio``, otherwise
monolingual ones whose language is the one furthest below its target token
share. Its whole state (RNG, cursors, token counts) is a small JSON-able dict,
so a checkpoint can restore the exact stream. Any number of aligned
languages works, not only EN/FR. The stage-2 recipe uses ``sampled`` with
p = 0.5 by default (the paper's wording); ``paired`` is one hparam away.

Authors
 * speechbrain-xling authors 2026
"""

import json
import logging
import os
from collections import Counter

import numpy as np

logger = logging.getLogger(__name__)

INTERLEAVE_MODES = ("paired", "sampled", "word")


class Document:
    """Segments of a document: rows of the store and unit ranges in them.

    Arguments
    ---------
    rows : numpy.ndarray
        Store rows, in document order.
    langs : numpy.ndarray
        Language code (index into the mixture's languages) of each segment.
    sizes : numpy.ndarray
        Number of units of each segment.
    kind : str
        ``"mono"`` or the interleaving mode.
    starts, ends : numpy.ndarray or None
        Unit ranges inside each row; ``None`` means whole rows.
    store : UnitStore or None
        The store the rows belong to (set by :meth:`DocumentMixture.next_document`).
    """

    __slots__ = ("rows", "langs", "sizes", "kind", "starts", "ends", "store")

    def __init__(self, rows, langs, sizes, kind, starts=None, ends=None, store=None):
        self.rows = rows
        self.langs = langs
        self.sizes = sizes
        self.kind = kind
        self.starts = starts
        self.ends = ends
        self.store = store


class StoryIndex:
    """Rows of a unit store grouped by story and language, validated.

    Arguments
    ---------
    store : UnitStore
        The unit store.
    languages : list of str
        Languages to use, e.g. ``["en", "fr"]``; each must be in the store.
    aligned : bool
        If True, stories are used for interleaving: every story must exist in
        every language with the same sentence indices (sentence ``j`` of one
        language is the translation of sentence ``j`` of every other).
    on_misaligned : str
        ``"error"`` (default): raise naming the story; ``"skip"``: leave the
        story out of the aligned set and count it in :attr:`skipped`.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.unit_store import write_unit_store
    >>> rows = [dict(utt_id=f"s_{l}_{j}", units=[j], story_id="s",
    ...              sent_idx=j, lang=l) for l in ("en", "fr") for j in (1, 0)]
    >>> store = write_unit_store(tempfile.mkdtemp(), rows, num_units=4)
    >>> index = StoryIndex(store, ["en", "fr"], aligned=True)
    >>> index.aligned_stories
    ['s']
    >>> [str(store.ids[r]) for r in index.rows("s", "fr")]
    ['s_fr_0', 's_fr_1']
    """

    def __init__(self, store, languages, aligned=False, on_misaligned="error"):
        if on_misaligned not in ("error", "skip"):
            raise ValueError(f"on_misaligned must be 'error' or 'skip', got {on_misaligned!r}")
        if not languages:
            raise ValueError("at least one language is needed")
        present = store.languages()
        unknown = [lang for lang in languages if lang not in present]
        if unknown:
            raise ValueError(
                f"language(s) {unknown} not in the unit store {store.folder} (it has {present})"
            )
        self.store = store
        self.languages = list(languages)
        order = np.lexsort((store.sent_idx, store.langs, store.story_ids))
        keys = np.char.add(
            np.char.add(store.story_ids[order].astype(str), "\x00"),
            store.langs[order].astype(str),
        )
        boundaries = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        self._rows = {}
        for group in np.split(order, boundaries):
            story, lang = store.story_ids[group[0]], store.langs[group[0]]
            if lang not in self.languages:
                continue
            sent = store.sent_idx[group]
            if np.any(sent[1:] == sent[:-1]):
                dup = int(sent[1:][sent[1:] == sent[:-1]][0])
                raise ValueError(
                    f"{store.folder}: story {story!r} has sentence {dup} twice "
                    f"in language {lang!r} (rows "
                    f"{[store.ids[r] for r in group[sent == dup]]})"
                )
            self._rows[(str(story), str(lang))] = group
        self.stories_by_lang = {lang: [] for lang in self.languages}
        for story, lang in self._rows:
            self.stories_by_lang[lang].append(story)
        self.skipped = Counter()
        self.aligned_stories = []
        if aligned:
            self._align(on_misaligned)
        for lang in self.languages:
            if not self.stories_by_lang[lang]:
                raise ValueError(f"{store.folder}: no story in language {lang!r}")

    def _align(self, on_misaligned):
        stories = sorted({story for story, _ in self._rows})
        for story in stories:
            indices = {
                lang: self.store.sent_idx[self._rows[(story, lang)]].tolist()
                for lang in self.languages
                if (story, lang) in self._rows
            }
            missing = [lang for lang in self.languages if lang not in indices]
            if missing:
                counts = {lang: len(sents) for lang, sents in indices.items()}
                problem = (
                    f"story {story!r} has no translation in {missing} (sentence counts {counts})"
                )
                reason = "missing translation"
            elif any(sents != indices[self.languages[0]] for sents in indices.values()):
                problem = f"story {story!r} has different sentences: {_index_differences(indices)}"
                reason = "different sentence indices"
            else:
                self.aligned_stories.append(story)
                continue
            if on_misaligned == "error":
                raise ValueError(
                    f"{self.store.folder}: {problem}; fix the corpus or set on_misaligned: skip"
                )
            self.skipped[reason] += 1
        if not self.aligned_stories:
            raise ValueError(f"{self.store.folder}: no story is aligned across {self.languages}")

    def rows(self, story, lang):
        """Store rows of a story in one language, by sentence index."""
        return self._rows[(story, lang)]


def _index_differences(indices):
    """Which sentence indices each language lacks (found in another language).

    Example
    -------
    >>> _index_differences({"en": [0, 1, 2, 3], "fr": [0, 1, 2, 4]})
    'en lacks [4]; fr lacks [3]'
    """
    union = set().union(*indices.values())
    return "; ".join(
        f"{lang} lacks {sorted(union - set(sents))}"
        for lang, sents in indices.items()
        if union - set(sents)
    )


def load_word_alignments(path):
    """Reads word alignments for ``word`` switching (JSON lines).

    One line per aligned sentence::

        {"story_id": "s1", "sent_idx": 0,
         "words": {"en": [[0, 4], [4, 9]], "fr": [[0, 5], [5, 11]]},
         "links": [[0, 0], [1, 1]]}

    ``words`` gives, per language, each word's unit range ``[start, end)``
    inside the sentence's units; ``links`` pairs word ``i`` of the first
    language with word ``j`` of the second (the two first languages of
    ``words``, in file order). Links must be monotonic (no crossing) to be
    usable for switching; crossing links get the sentence skipped (counted).

    Returns a dict ``(story_id, sent_idx) -> record``.
    """
    alignments = {}
    with open(path) as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key = (str(record["story_id"]), int(record["sent_idx"]))
                record["words"], record["links"]
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise ValueError(
                    f"{path}, line {line_number}: not a word-alignment record ({err})"
                ) from err
            alignments[key] = record
    return alignments


class DocumentMixture:
    """Endless seeded stream of monolingual and interleaved documents.

    Arguments
    ---------
    store : UnitStore
        The unit store.
    languages : list of str
        Languages of the stream.
    interleave_ratio : float
        Probability that a document is interleaved (0 = monolingual only).
    mode : str
        ``"paired"``, ``"sampled"`` or ``"word"`` (see the module docstring).
    switch_prob : float
        p of ``sampled``/``word`` switching.
    language_shares : dict, optional
        Target share of tokens per language; monolingual documents go to the
        language furthest below its target. Default: equal shares.
    seed : int
        Seed of the stream.
    on_misaligned : str
        Policy for stories that cannot be interleaved (``"error"``/``"skip"``).
    word_alignments : dict or str, optional
        From :func:`load_word_alignments`, or the path of its file; required
        for ``mode="word"``.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.unit_store import write_unit_store
    >>> rows = [dict(utt_id=f"s{s}_{l}_{j}", units=[j] * 2, story_id=f"s{s}",
    ...              sent_idx=j, lang=l)
    ...         for s in range(3) for l in ("en", "fr") for j in range(2)]
    >>> store = write_unit_store(tempfile.mkdtemp(), rows, num_units=4)
    >>> mix = DocumentMixture(store, ["en", "fr"], interleave_ratio=1.0,
    ...                       mode="paired", seed=0)
    >>> doc = mix.next_document()
    >>> [store.ids[r][3:] for r in doc.rows]  # doctest: +SKIP
    ['fr_0', 'en_0', 'fr_1', 'en_1']
    >>> [mix.languages[c] for c in doc.langs][:2] in (["en", "fr"], ["fr", "en"])
    True
    """

    def __init__(
        self,
        store,
        languages,
        interleave_ratio=0.0,
        mode="sampled",
        switch_prob=0.5,
        language_shares=None,
        seed=0,
        on_misaligned="error",
        word_alignments=None,
    ):
        if mode not in INTERLEAVE_MODES:
            raise ValueError(f"mode must be one of {INTERLEAVE_MODES}, got {mode!r}")
        if not 0.0 <= interleave_ratio <= 1.0:
            raise ValueError(f"interleave_ratio must be in [0, 1], got {interleave_ratio}")
        if not 0.0 <= switch_prob <= 1.0:
            raise ValueError(f"switch_prob must be in [0, 1], got {switch_prob}")
        interleaving = interleave_ratio > 0
        if interleaving and len(languages) < 2:
            raise ValueError("interleaving needs at least two languages")
        if mode == "word" and interleaving and word_alignments is None:
            raise ValueError("mode 'word' needs word_alignments")
        self.store = store
        self.languages = list(languages)
        self.mode = mode
        self.switch_prob = float(switch_prob)
        self.interleave_ratio = float(interleave_ratio)
        if isinstance(word_alignments, (str, os.PathLike)):
            word_alignments = load_word_alignments(word_alignments)
        self.word_alignments = word_alignments or {}
        self.shares = _normalised_shares(language_shares, self.languages)
        self.index = StoryIndex(
            store, self.languages, aligned=interleaving, on_misaligned=on_misaligned
        )
        for reason, count in self.index.skipped.items():
            logger.warning(f"{store.folder}: skipped {count} stories ({reason})")
        self.seed = int(seed)
        # Sources: one per language (monolingual), plus the aligned stories.
        self._source_stories = [sorted(self.index.stories_by_lang[lang]) for lang in self.languages]
        if interleaving:
            self._source_stories.append(self.index.aligned_stories)
        self._lang_code = {lang: code for code, lang in enumerate(self.languages)}
        self._rng = np.random.default_rng(self.seed)
        self._cursors = [[0, 0] for _ in self._source_stories]
        self._permutations = {}
        self.token_counts = np.zeros(len(self.languages), dtype=np.int64)
        self.document_counts = Counter()
        self.fallbacks = Counter()

    # ----------------------------------------------------------------- state
    def state_dict(self):
        """The stream position, as a JSON-able dict."""
        return {
            "rng": self._rng.bit_generator.state,
            "cursors": [list(c) for c in self._cursors],
            "token_counts": self.token_counts.tolist(),
            "document_counts": dict(self.document_counts),
            "fallbacks": dict(self.fallbacks),
        }

    def load_state_dict(self, state):
        """Restores a position saved by :meth:`state_dict`."""
        if len(state["cursors"]) != len(self._cursors):
            raise ValueError(
                "saved stream state does not match this mixture (different "
                "languages or interleaving settings)"
            )
        self._rng.bit_generator.state = state["rng"]
        self._cursors = [list(c) for c in state["cursors"]]
        self.token_counts = np.asarray(state["token_counts"], dtype=np.int64)
        self.document_counts = Counter(state["document_counts"])
        self.fallbacks = Counter(state["fallbacks"])

    # --------------------------------------------------------------- drawing
    def _next_story(self, source):
        """Stories of a source in a fresh seeded permutation per epoch."""
        epoch, position = self._cursors[source]
        stories = self._source_stories[source]
        key = (source, epoch)
        if key not in self._permutations:
            self._permutations = {k: v for k, v in self._permutations.items() if k[0] != source}
            rng = np.random.default_rng([self.seed, source, epoch])
            self._permutations[key] = rng.permutation(len(stories))
        story = stories[self._permutations[key][position]]
        position += 1
        if position == len(stories):
            epoch, position = epoch + 1, 0
        self._cursors[source] = [epoch, position]
        return story

    def next_document(self):
        """Draws the next :class:`Document` and counts its tokens."""
        interleave = self.interleave_ratio > 0 and (
            self.interleave_ratio == 1.0 or self._rng.random() < self.interleave_ratio
        )
        if interleave:
            story = self._next_story(len(self.languages))
            document = self._interleaved(story)
        else:
            total = self.token_counts.sum()
            code = int(np.argmax(self.shares * total - self.token_counts))
            story = self._next_story(code)
            rows = self.index.rows(story, self.languages[code])
            sizes = self.store.lengths[rows]
            document = Document(rows, np.full(len(rows), code, np.int8), sizes, "mono")
            self.token_counts[code] += sizes.sum()
        self.document_counts[document.kind] += 1
        document.store = self.store
        return document

    def _sentence_languages(self, num_sentences):
        """Language code per sentence for ``sampled``/``word`` switching."""
        draws = self._rng.random(2 * num_sentences)
        num_langs = len(self.languages)
        first = int(draws[0] * num_langs)
        codes = np.full(num_sentences, first, dtype=np.int8)
        switch = draws[1:num_sentences] < self.switch_prob
        others = (draws[num_sentences + 1 :][switch] * (num_langs - 1)).astype(np.int8)
        # The document opens in its first language; a switch picks another one.
        codes[1:][switch] = others + (others >= first)
        return codes

    def _interleaved(self, story):
        per_lang = [self.index.rows(story, lang) for lang in self.languages]
        if self.mode == "paired":
            order = self._rng.permutation(len(self.languages))
            rows = np.stack([per_lang[c] for c in order], axis=1).reshape(-1)
            langs = np.tile(order.astype(np.int8), len(per_lang[0]))
            return self._counted(Document(rows, langs, self.store.lengths[rows], "paired"))
        codes = self._sentence_languages(len(per_lang[0]))
        rows = np.choose(codes, per_lang)
        if self.mode == "sampled":
            return self._counted(Document(rows, codes, self.store.lengths[rows], "sampled"))
        return self._counted(self._word_switched(story, codes, per_lang))

    def _counted(self, document):
        """Adds a multilingual document's tokens to the per-language counts."""
        self.token_counts += np.bincount(
            document.langs, weights=document.sizes, minlength=len(self.languages)
        ).astype(np.int64)
        return document

    def _word_switched(self, story, codes, per_lang):
        """Switches language at aligned word boundaries inside sentences."""
        seg_rows, seg_langs, seg_starts, seg_ends = [], [], [], []
        for sent, code in enumerate(codes):
            record = self.word_alignments.get((story, int(self.store.sent_idx[per_lang[0][sent]])))
            chunks = _aligned_chunks(record, self.languages) if record else None
            if chunks is None:
                self.fallbacks["no usable word alignment"] += 1
                row = per_lang[code][sent]
                seg_rows.append(row)
                seg_langs.append(code)
                seg_starts.append(0)
                seg_ends.append(self.store.lengths[row])
                continue
            pair = (self._lang_code[chunks["langs"][0]], self._lang_code[chunks["langs"][1]])
            switch = self._rng.random(len(chunks["spans"])) < self.switch_prob
            for (span_a, span_b), other in zip(chunks["spans"], switch):
                lang = pair[1] if other else pair[0]
                start, end = span_b if other else span_a
                seg_rows.append(per_lang[lang][sent])
                seg_langs.append(lang)
                seg_starts.append(start)
                seg_ends.append(end)
        starts = np.asarray(seg_starts, dtype=np.int64)
        ends = np.asarray(seg_ends, dtype=np.int64)
        return Document(
            np.asarray(seg_rows),
            np.asarray(seg_langs, dtype=np.int8),
            ends - starts,
            "word",
            starts,
            ends,
        )


def _aligned_chunks(record, languages):
    """Monotonic aligned word spans of one sentence, or None if unusable."""
    langs = [lang for lang in record["words"] if lang in languages][:2]
    if len(langs) < 2 or not record["links"]:
        return None
    words_a, words_b = (record["words"][lang] for lang in langs)
    links = sorted((int(i), int(j)) for i, j in record["links"])
    if any(b[1] <= a[1] for a, b in zip(links, links[1:])):
        return None
    spans = [
        (tuple(words_a[i]), tuple(words_b[j]))
        for i, j in links
        if i < len(words_a) and j < len(words_b)
    ]
    return {"langs": langs, "spans": spans} if spans else None


def _normalised_shares(language_shares, languages):
    if language_shares is None:
        return np.full(len(languages), 1.0 / len(languages))
    unknown = set(language_shares) - set(languages)
    if unknown:
        raise ValueError(f"language_shares names {sorted(unknown)}, not in languages {languages}")
    shares = np.array([float(language_shares.get(lang, 0.0)) for lang in languages])
    if shares.sum() <= 0 or (shares < 0).any():
        raise ValueError(f"language_shares must be >= 0 with a positive sum: {language_shares}")
    return shares / shares.sum()
