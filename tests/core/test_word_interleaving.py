"""Word-level speech-text interleaving (SpiritLM / SIMS spans) from a store's word spans."""

import json

import numpy as np
import pytest

from speechbrain_xling.data.packing import WindowPacker
from speechbrain_xling.data.speech_text import SPEECH, TEXT, SpeechTextMixture, token_channels
from speechbrain_xling.data.store_mixture import StoreMixture
from speechbrain_xling.data.unit_store import write_unit_store
from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.tokenizers.text import load_text_tokenizer
from tests.core.test_speech_text import spans, word_tokenizer

NUM_UNITS = 4096
LANGUAGES = ("en", "fr")


def word_rows(num_stories=12, sentences=4, seed=0, timed=lambda row: True):
    """Rows whose every word and unit is unique, so a document can be read back.

    Row ``r`` says ``w{r}x0 w{r}x1 ...``; its units are consecutive ids never
    used by another row; its word groups merge some neighbouring words and
    start after a leading pause (its first unit start may be > 0).
    """
    rng = np.random.default_rng(seed)
    rows, next_unit = [], 0
    for story in range(num_stories):
        for lang in LANGUAGES:
            for sent in range(sentences):
                number = len(rows)
                num_words = int(rng.integers(2, 9))
                words = [f"w{number}x{i}" for i in range(num_words)]
                starts = [0] + sorted(
                    rng.choice(np.arange(1, num_words), rng.integers(0, num_words), replace=False)
                )
                length = int(rng.integers(len(starts) + 1, 4 * num_words + 2))
                unit_starts = np.sort(rng.choice(np.arange(0, length), len(starts), replace=False))
                row = dict(
                    utt_id=f"s{story}_{lang}_{sent}",
                    units=np.arange(next_unit, next_unit + length),
                    story_id=f"s{story}",
                    sent_idx=sent,
                    lang=lang,
                    text=" ".join(words),
                )
                if timed(number):
                    row["word_spans"] = (np.asarray(starts), unit_starts)
                rows.append(row)
                next_unit += length
    assert next_unit <= NUM_UNITS
    return rows


@pytest.fixture(scope="module")
def word_store(tmp_path_factory):
    return write_unit_store(tmp_path_factory.mktemp("words"), word_rows(), num_units=NUM_UNITS)


@pytest.fixture(scope="module")
def words_tokenizer(tmp_path_factory):
    words = sorted({word for row in word_rows() for word in row["text"].split()})
    return load_text_tokenizer(word_tokenizer(tmp_path_factory.mktemp("tok"), words))


def word_mixture(store, tokenizer, **kwargs):
    settings = dict(document_shares={"interleaved": 1}, interleaving="word", seed=0)
    settings.update(kwargs)
    vocab = SpeechTextVocabulary(tokenizer.vocab_size, NUM_UNITS)
    return SpeechTextMixture(store, list(LANGUAGES), vocab, tokenizer, **settings), vocab


def groups_of(store):
    """``row -> [(words, units), ...]``: each word group's words and its units
    (leading units to the first group, each group's up to the next one's)."""
    groups = {}
    for row in range(len(store)):
        words, units = store.texts[row].split(), store.units(row)
        token_starts, unit_starts = store.word_spans(row)
        token_ends = [*token_starts[1:].tolist(), len(words)]
        unit_bounds = [0, *unit_starts[1:].tolist(), len(units)]
        groups[row] = [
            (words[t0:t1], units[u0:u1].tolist())
            for t0, t1, u0, u1 in zip(
                token_starts.tolist(), token_ends, unit_bounds[:-1], unit_bounds[1:]
            )
        ]
    return groups


def read_back(document, vocab, tokenizer, store):
    """The document as ``[(modality, row, group index)]`` per word group, checking
    every run holds whole groups: units of a speech run are the groups' units,
    words of a text run the groups' words."""
    assert document.tokens[0] in (vocab.speech_marker, vocab.text_marker)
    runs = spans(document, vocab)
    modalities = [modality for modality, _ in runs]
    assert all(a != b for a, b in zip(modalities, modalities[1:])), "marker without a switch"
    row_of_unit = {}
    for row in range(len(store)):
        for unit in store.units(row).tolist():
            row_of_unit[unit] = row
    groups = groups_of(store)
    read = []
    for modality, ids in runs:
        if modality == SPEECH:
            units = (np.asarray(ids) - vocab.unit_offset).tolist()
            while units:
                row = row_of_unit[units[0]]
                index = next(i for i, (_, u) in enumerate(groups[row]) if u and u[0] == units[0])
                while units and row_of_unit[units[0]] == row:
                    group_units = groups[row][index][1]
                    assert units[: len(group_units)] == group_units, "speech cut inside a group"
                    units = units[len(group_units) :]
                    read.append((SPEECH, row, index))
                    index += 1
        else:
            words = tokenizer.decode(ids).split()
            while words:
                row = int(words[0][1:].split("x")[0])
                index = next(i for i, (w, _) in enumerate(groups[row]) if w[0] == words[0])
                group_words = groups[row][index][0]
                assert words[: len(group_words)] == group_words, "text cut inside a group"
                words = words[len(group_words) :]
                read.append((TEXT, row, index))
    return read


def test_word_spans_cover_each_sentence_once_in_order(word_store, words_tokenizer):
    mix, vocab = word_mixture(word_store, words_tokenizer, speech_prob=0.5, span_words=3)
    groups = groups_of(word_store)
    for _ in range(40):
        read = read_back(mix.next_document(), vocab, words_tokenizer, word_store)
        rows = list(dict.fromkeys(row for _, row, _ in read))
        # every group of every sentence, once, in order (units of silences included)
        assert [(row, index) for _, row, index in read] == [
            (row, index) for row in rows for index in range(len(groups[row]))
        ]
        assert len({word_store.story_ids[row] for row in rows}) == 1
        assert len({word_store.langs[row] for row in rows}) == 1


def span_lengths(read):
    """Lengths of the runs of one modality (in word groups)."""
    lengths, previous = [], None
    for modality, _, _ in read:
        if modality == previous:
            lengths[-1] += 1
        else:
            lengths.append(1)
        previous = modality
    return lengths


@pytest.mark.parametrize("speech_prob", [0.3, 0.7])
def test_speech_share_and_span_length_follow_their_settings(
    word_store, words_tokenizer, speech_prob
):
    mix, vocab = word_mixture(word_store, words_tokenizer, speech_prob=speech_prob, span_words=4)
    reads = [read_back(mix.next_document(), vocab, words_tokenizer, word_store) for _ in range(300)]
    modalities = np.array([modality for read in reads for modality, _, _ in read])
    # Spans, not groups, are drawn: the group share has a wider spread than a
    # binomial over groups; 4 standard errors of the span-level draw.
    share = np.mean(modalities == SPEECH)
    bound = 4 * np.sqrt(speech_prob * (1 - speech_prob) / (len(modalities) / 4))
    assert abs(share - speech_prob) < bound
    # A run of one modality merges consecutive spans of it: its mean length is
    # span_words / (1 - p) for that modality's p (spans cut at story ends and
    # rows without spans aside, which only shorten them).
    runs = [length for read in reads for length in span_lengths(read)]
    assert 1 < np.mean(runs) < 4 / min(speech_prob, 1 - speech_prob)


def test_language_switching_keeps_sentences_whole_and_in_order(word_store, words_tokenizer):
    mix, vocab = word_mixture(word_store, words_tokenizer, switch_prob=0.5, span_words=6)
    langs = set()
    for _ in range(40):
        document = mix.next_document()
        read = read_back(document, vocab, words_tokenizer, word_store)
        sentences = list(dict.fromkeys(row for _, row, _ in read))
        langs.add(len({word_store.langs[row] for row in sentences}))
        assert [word_store.sent_idx[row] for row in sentences] == sorted(
            word_store.sent_idx[row] for row in sentences
        )
        # accounting: each segment is one language and one modality
        assert document.sizes.sum() == len(document.tokens)
    assert langs == {1, 2}


def test_word_level_accounting_equals_what_the_packer_emits(word_store, words_tokenizer):
    source, vocab = word_mixture(word_store, words_tokenizer, switch_prob=0.5)
    channels = token_channels(list(LANGUAGES))
    packer = WindowPacker(
        StoreMixture({"train": source}, languages=channels), context_length=64, eos=vocab.eos
    )
    tokens, counts = packer.next_batch(30)
    tokens = tokens.numpy().reshape(-1)
    modality = vocab.modality_of(tokens)
    markers = np.isin(tokens, [vocab.speech_marker, vocab.text_marker]).sum()
    speech = counts[[i for i, c in enumerate(channels) if c.endswith("speech")]].sum()
    assert counts.sum() == tokens.size and counts[-1] == np.sum(tokens == vocab.eos)
    assert np.sum(modality == vocab.SPEECH) <= speech <= np.sum(modality == vocab.SPEECH) + markers


def test_word_level_stream_resumes_exactly(word_store, words_tokenizer):
    mix, _ = word_mixture(word_store, words_tokenizer, switch_prob=0.3)
    for _ in range(5):
        mix.next_document()
    state = json.loads(json.dumps(mix.state_dict()))
    expected = [mix.next_document().tokens.tolist() for _ in range(8)]
    other, _ = word_mixture(word_store, words_tokenizer, switch_prob=0.3)
    other.load_state_dict(state)
    assert [other.next_document().tokens.tolist() for _ in range(8)] == expected


def test_sentences_without_word_spans_are_one_group_counted(tmp_path, words_tokenizer):
    store = write_unit_store(
        tmp_path, word_rows(timed=lambda row: row % 5 != 0), num_units=NUM_UNITS
    )
    mix, vocab = word_mixture(store, words_tokenizer, span_words=2)
    untimed = 0
    for _ in range(30):
        document = mix.next_document()
        for modality, ids in spans(document, vocab):
            if modality == TEXT:
                words = words_tokenizer.decode(ids).split()
                untimed += sum(int(w[1:].split("x")[0]) % 5 == 0 for w in words if w.endswith("x0"))
    assert mix.fallbacks["no word spans: one group"] > 0
    assert untimed > 0  # untimed sentences do appear, whole


def test_word_level_needs_a_store_with_word_spans(tmp_path, words_tokenizer):
    store = write_unit_store(tmp_path, word_rows(timed=lambda row: False), num_units=NUM_UNITS)
    with pytest.raises(ValueError, match="holds no word spans.*word timings"):
        word_mixture(store, words_tokenizer)
    with pytest.raises(ValueError, match="interleaving must be one of"):
        word_mixture(store, words_tokenizer, interleaving="phrase")


def test_store_refuses_word_spans_that_do_not_fit_the_row(tmp_path):
    row = dict(utt_id="u7", units=[1, 2, 3], story_id="s", sent_idx=0, lang="en", text="a b c")
    for word_spans, problem in [
        (([0, 1], [0, 4]), "unit starts"),
        (([0, 3], [0, 1]), "token starts"),
        (([1, 2], [0, 1]), "token starts"),
        (([0, 2], [2, 1]), "unit starts"),
        (([0], [0, 1]), "equal, positive length"),
    ]:
        with pytest.raises(ValueError, match=f"'u7': word spans .*{problem}"):
            write_unit_store(tmp_path / "s", [dict(row, word_spans=word_spans)], num_units=4)
