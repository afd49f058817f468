"""The fast paths give what the straightforward code gives.

Speech-text documents: :class:`SpeechTextMixture` writes documents from
cached text ids in unit space with one concatenation, and keeps the states of
its story sources between draws; the plain builder it replaced (one piece at
a time, numpy bookkeeping) is kept here as the reference and must emit the
same documents, token for token, and the same stream states, for a fixed
seed, at both interleaving levels and for every document kind.

(The scorer's fast paths are checked against one pass per request in
``tests/eval/test_scoring_shared_prompt.py`` and
``tests/eval/test_scoring_modality_mask.py``.)
"""

import json
from collections import Counter
from itertools import repeat

import numpy as np
import pytest
import torch

from speechbrain_xling.data.packing import WindowPacker, without_loss
from speechbrain_xling.data.speech_text import SPEECH, TEXT, SpeechTextMixture, TokenDocument
from speechbrain_xling.data.store_mixture import StoreMixture
from speechbrain_xling.data.unit_store import write_unit_store
from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece

NUM_UNITS = 50
WORDS = {
    "en": "the cat dog sees finds a red blue ball in park today".split(),
    "fr": "le chat chien voit trouve un rouge bleu ballon au parc ici".split(),
}


def story_rows(num_stories=14, seed=0):
    """EN/FR stories of 3 to 5 sentences: word groups of one or more words,
    some starting at the same unit (groups without units), some rows
    without word spans and a few without text."""
    rng = np.random.default_rng(seed)
    rows = []
    for story in range(num_stories):
        sentences = int(rng.integers(3, 6))
        for lang in ("en", "fr"):
            for sent in range(sentences):
                words = rng.choice(WORDS[lang], size=int(rng.integers(1, 9))).tolist()
                length = int(rng.integers(1, 30))
                row = dict(
                    utt_id=f"s{story}_{lang}_{sent}",
                    units=rng.integers(0, NUM_UNITS, length),
                    story_id=f"s{story}",
                    sent_idx=sent,
                    lang=lang,
                    text=" ".join(words),
                )
                draw = rng.random()
                if draw < 0.08:
                    row["text"] = ""
                elif draw < 0.85:
                    starts = [0, *sorted(rng.choice(np.arange(1, len(words) + 1), 3))]
                    token_starts = sorted({start for start in starts if start < len(words)})
                    unit_starts = np.sort(rng.integers(0, length + 1, len(token_starts)))
                    row["word_spans"] = (token_starts, unit_starts)
                rows.append(row)
    return rows


class ReferenceMixture(SpeechTextMixture):
    """The straightforward builder: each piece on its own, word spans encoded
    afresh, numpy bookkeeping; its own counters, the sources of the mixture."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference_kind_tokens = np.zeros(len(self.kinds), dtype=np.int64)
        self.reference_counts = Counter()
        self.reference_fallbacks = Counter()
        self.reference_text = {}

    def reference_text_ids(self, row):
        if row not in self.reference_text:
            text = self.store.texts[row]
            what = f"{self.store.folder}: utterance {str(self.store.ids[row])!r}"
            self.reference_text[row] = (
                np.asarray(self.text_tokenizer.encode(text, what), dtype=np.int64) if text else None
            )
        return self.reference_text[row]

    def reference_span(self, row, modality, words=None):
        if words is not None:
            token_start, token_stop, unit_start, unit_stop = words
            if modality == SPEECH:
                return SPEECH, self.store.units(row)[unit_start:unit_stop]
            piece = " ".join(self.store.texts[row].split()[token_start:token_stop])
            return TEXT, np.asarray(self.text_tokenizer.encode(piece), dtype=np.int64)
        if modality == TEXT:
            ids = self.reference_text_ids(row)
            if ids is not None:
                return TEXT, ids
            if self.on_missing_text == "error":
                raise ValueError(f"utterance {str(self.store.ids[row])!r} has no text")
            self.reference_fallbacks["no text: written as speech"] += 1
        return SPEECH, self.store.units(row)

    def reference_document(self, rows, langs, modalities, kind, words=None, untrained=None):
        markers = {
            SPEECH: np.array([self.vocab.speech_marker]),
            TEXT: np.array([self.vocab.text_marker]),
        }
        pieces, is_units, no_loss, codes, sizes, previous = [], [], [], [], [], None
        words = repeat(None) if words is None else words
        untrained = repeat(False) if untrained is None else untrained
        for row, lang, wanted, part, skip in zip(
            np.asarray(rows).tolist(),
            np.asarray(langs).tolist(),
            list(modalities),
            words,
            untrained,
        ):
            modality, ids = self.reference_span(row, int(wanted), part)
            size = len(ids)
            if modality != previous:
                pieces.append(markers[modality])
                is_units.append(False)
                no_loss.append(skip)
                size += 1
            previous = modality
            pieces.append(ids)
            is_units.append(modality == SPEECH)
            no_loss.append(skip)
            codes.append(2 * lang + modality)
            sizes.append(size)
        tokens = np.concatenate(pieces).astype(np.int64)
        lengths = [len(piece) for piece in pieces]
        tokens[np.repeat(is_units, lengths)] += self.vocab.unit_offset
        if any(no_loss):
            masked = np.repeat(no_loss, lengths)
            tokens[masked] = without_loss(tokens[masked])
        return TokenDocument(
            tokens, np.asarray(codes, dtype=np.int8), np.asarray(sizes, dtype=np.int64), kind
        )

    def reference_word_spans(self, story):
        groups = []  # (row, lang, token start, unit start) of every word group
        for row, lang in zip(story.rows.tolist(), story.langs.tolist()):
            spans = self.store.word_spans(row)
            if spans is None:
                self.reference_fallbacks["no word spans: one group"] += 1
                groups.append((row, lang, 0, 0))
            else:
                groups.extend((row, lang, t, u) for t, u in zip(*(a.tolist() for a in spans)))
        rows, langs, modalities, words = [], [], [], []
        start = 0
        while start < len(groups):
            stop = min(len(groups), start + 1 + int(self._rng.poisson(self.span_words - 1)))
            modality = SPEECH if self._rng.random() < self.speech_prob else TEXT
            number = start
            while number < stop:
                row, lang = groups[number][:2]
                first = number
                while number < stop and groups[number][0] == row:
                    number += 1
                from_first = first == 0 or groups[first - 1][0] != row
                to_last = number == len(groups) or groups[number][0] != row
                rows.append(row)
                langs.append(lang)
                modalities.append(modality)
                if from_first and to_last:
                    words.append(None)
                else:
                    words.append(
                        (
                            groups[first][2],
                            None if to_last else groups[number][2],
                            0 if from_first else groups[first][3],
                            None if to_last else groups[number][3],
                        )
                    )
            start = stop
        return rows, langs, modalities, words

    def reference_pairs(self, story):
        task = self.pair_tasks[int(self._rng.integers(len(self.pair_tasks)))]
        if task in ("asr", "tts"):
            rows, langs = np.repeat(story.rows, 2), np.repeat(story.langs, 2)
            first = SPEECH if task == "asr" else TEXT
            modalities = np.tile([first, 1 - first], len(story.rows))
        else:
            width = len(self.story_languages)
            rows = story.rows.reshape(-1, width)[:, :2].reshape(-1)
            langs = story.langs.reshape(-1, width)[:, :2].reshape(-1)
            first = SPEECH if task == "speech_translation" else TEXT
            modalities = np.tile([first, TEXT], len(rows) // 2)
        untrained = [self.pair_loss == "target" and i % 2 == 0 for i in range(len(rows))]
        return self.reference_document(
            rows, langs, modalities, f"pairs/{task}", untrained=untrained
        )

    def next_document(self):
        tokens = self.reference_kind_tokens
        number = int(np.argmax(self.kind_shares * tokens.sum() - tokens))
        kind = self.kinds[number]
        if kind in ("text", "speech"):
            story = self.sources["mono"].next_document()
            modality = TEXT if kind == "text" else SPEECH
            document = self.reference_document(
                story.rows, story.langs, [modality] * len(story.rows), kind
            )
        elif kind == "interleaved":
            story = self.sources[
                "switched" if "switched" in self.sources else "mono"
            ].next_document()
            if self.interleaving == "word":
                rows, langs, modalities, words = self.reference_word_spans(story)
                document = self.reference_document(rows, langs, modalities, kind, words)
            else:
                modalities = np.where(
                    self._rng.random(len(story.rows)) < self.speech_prob, SPEECH, TEXT
                )
                document = self.reference_document(story.rows, story.langs, modalities, kind)
        else:
            source = "paired" if "paired" in self.sources else "mono"
            document = self.reference_pairs(self.sources[source].next_document())
        tokens[number] += len(document.tokens)
        self.reference_counts[document.kind] += 1
        return document


@pytest.fixture(scope="module")
def word_store(tmp_path_factory):
    return write_unit_store(tmp_path_factory.mktemp("store"), story_rows(), num_units=NUM_UNITS)


@pytest.fixture(scope="module")
def text_tokenizer(tmp_path_factory):
    texts = [" ".join(WORDS["en"]), " ".join(WORDS["fr"])] * 10
    path = tmp_path_factory.mktemp("spm") / "text.model"
    return load_text_tokenizer(train_sentencepiece(texts, path, vocab_size=60, byte_fallback=False))


SETTINGS = {
    "sentence": dict(interleaving="sentence", switch_prob=0.0),
    "sentence, switched": dict(interleaving="sentence", switch_prob=0.5),
    "word": dict(interleaving="word", span_words=3.0),
    "word, switched": dict(interleaving="word", span_words=2.0, switch_prob=0.5),
    "word, spans of 1": dict(interleaving="word", span_words=1.0, switch_prob=0.3),
}
KIND_SHARES = {
    "all kinds": {"text": 0.2, "interleaved": 0.4, "speech": 0.2, "pairs": 0.2},
    "text": {"text": 1},
    "speech": {"speech": 1},
    "interleaved": {"interleaved": 1},
    "pairs": {"pairs": 1},
}


@pytest.mark.parametrize("pair_loss", ["all", "target"])
@pytest.mark.parametrize("shares", list(KIND_SHARES))
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_speech_text_documents_equal_the_reference_builder(
    word_store, text_tokenizer, setting, shares, pair_loss
):
    vocab = SpeechTextVocabulary(text_tokenizer.vocab_size, NUM_UNITS)
    settings = dict(
        document_shares=KIND_SHARES[shares],
        pair_tasks=["asr", "tts", "translation", "speech_translation"],
        pair_loss=pair_loss,
        on_missing_text="speech",
        seed=3,
        **SETTINGS[setting],
    )
    fast = SpeechTextMixture(word_store, ["en", "fr"], vocab, text_tokenizer, **settings)
    reference = ReferenceMixture(word_store, ["en", "fr"], vocab, text_tokenizer, **settings)
    for number in range(120):
        got, expected = fast.next_document(), reference.next_document()
        assert got.kind == expected.kind, number
        assert got.tokens.dtype == expected.tokens.dtype == np.int64
        assert got.tokens.tolist() == expected.tokens.tolist(), (number, got.kind)
        assert got.langs.dtype == np.int8 and got.sizes.dtype == np.int64
        assert got.langs.tolist() == expected.langs.tolist(), number
        assert got.sizes.tolist() == expected.sizes.tolist(), number
        # the stream state (the sources' kept states) is that of the reference
        state = fast.state_dict()
        assert state["rng"] == reference._rng.bit_generator.state
        assert state["kind_tokens"] == reference.reference_kind_tokens.tolist()
        assert state["sources"] == {
            name: source.state_dict() for name, source in reference.sources.items()
        }
    assert fast.document_counts == reference.reference_counts
    assert fast.fallbacks == reference.reference_fallbacks


def test_packed_speech_text_windows_equal_the_reference_builder(word_store, text_tokenizer):
    vocab = SpeechTextVocabulary(text_tokenizer.vocab_size, NUM_UNITS)
    settings = dict(
        document_shares={"text": 0.2, "interleaved": 0.4, "speech": 0.2, "pairs": 0.2},
        interleaving="word",
        span_words=2.0,
        switch_prob=0.5,
        pair_tasks=["asr", "tts", "translation", "speech_translation"],
        on_missing_text="speech",
    )

    def packer(kind):
        mix = kind(word_store, ["en", "fr"], vocab, text_tokenizer, **settings)
        return WindowPacker(StoreMixture({"train": mix}, languages=mix.languages), 64, vocab.eos)

    expected = packer(ReferenceMixture).next_batch(40)
    fast = packer(SpeechTextMixture)
    first = fast.next_batch(17)
    # resumed from a saved position: the rest of the same stream
    resumed = packer(SpeechTextMixture)
    resumed.load_state_dict(json.loads(json.dumps(fast.state_dict())))
    rest = resumed.next_batch(23)
    assert torch.cat([first[0], rest[0]]).tolist() == expected[0].tolist()
    assert (first[1] + rest[1]).tolist() == expected[1].tolist()
