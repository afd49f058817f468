"""Speech-text vocabulary, text tokenizers, speech-text documents and their accounting."""

import json

import numpy as np
import pytest
import torch

from speechbrain_xling.data.packing import WindowPacker
from speechbrain_xling.data.speech_text import SPEECH, TEXT, SpeechTextMixture, token_channels
from speechbrain_xling.data.store_mixture import StoreMixture
from speechbrain_xling.data.unit_store import write_unit_store
from speechbrain_xling.data.vocab import SpeechTextVocabulary, UnitVocabulary, vocabulary_from_dict
from speechbrain_xling.model.unit_lm import UnitLM, build_unit_lm
from speechbrain_xling.tokenizers.text import (
    UnencodableText,
    load_text_tokenizer,
    speech_text_vocabulary,
    train_sentencepiece,
)
from tests.conftest import TINY_ARCHITECTURES, aligned_rows

NUMBERS = {
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven"],
    "fr": ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept"],
}
ANIMALS = {"en": ["the cat", "the dog", "a bird"], "fr": ["le chat", "le chien", "un oiseau"]}


def sentence_text(lang, story, sent):
    return f"{ANIMALS[lang][story % 3]} sees {NUMBERS[lang][sent]} stars"


def text_rows(num_stories=30, **kwargs):
    rows = aligned_rows(num_stories, **kwargs)
    for row in rows:
        story, sent = int(row["story_id"][1:]), row["sent_idx"]
        row["text"] = sentence_text(row["lang"], story, sent)
    return rows


@pytest.fixture(scope="module")
def text_store(tmp_path_factory):
    return write_unit_store(tmp_path_factory.mktemp("text_store"), text_rows(), num_units=64)


@pytest.fixture(scope="module")
def spm(tmp_path_factory):
    texts = [row["text"] for row in text_rows()]
    path = tmp_path_factory.mktemp("spm") / "text.model"
    return load_text_tokenizer(train_sentencepiece(texts, path, vocab_size=60, byte_fallback=False))


@pytest.fixture(scope="module")
def vocab(spm):
    return SpeechTextVocabulary(spm.vocab_size, 64)


def mixture(store, tokenizer, vocab, **kwargs):
    settings = dict(seed=0, switch_prob=0.0)
    settings.update(kwargs)
    return SpeechTextMixture(store, ["en", "fr"], vocab, tokenizer, **settings)


def spans(document, vocab):
    """(modality, ids) runs of a document, split at its markers."""
    markers = {vocab.speech_marker: SPEECH, vocab.text_marker: TEXT}
    runs = []
    for token in document.tokens.tolist():
        if token in markers:
            runs.append((markers[token], []))
        else:
            runs[-1][1].append(token)
    return runs


# ------------------------------------------------------------ vocabulary
def test_vocabulary_layout_is_contiguous_and_round_trips(spm, vocab):
    assert vocab.unit_offset == spm.vocab_size
    units = np.arange(64)
    ids = vocab.unit_ids(units)
    assert ids.tolist() == list(range(vocab.num_text, vocab.num_text + 64))
    assert vocab.units_of(ids).tolist() == units.tolist()
    specials = [vocab.text_marker, vocab.speech_marker, vocab.eos, vocab.pad]
    assert specials == list(range(vocab.num_text + 64, vocab.size))
    modality = vocab.modality_of(np.arange(vocab.size))
    assert (modality[: vocab.num_text] == vocab.TEXT).all()
    assert (modality[vocab.num_text : vocab.num_text + 64] == vocab.SPEECH).all()
    assert (modality[vocab.num_text + 64 :] == vocab.SPECIAL).all()
    text = "le chien sees deux stars"
    assert spm.decode(vocab.text_ids(spm.encode(text))) == text
    assert vocabulary_from_dict(json.loads(json.dumps(vocab.to_dict()))) == vocab
    with pytest.raises(ValueError, match="outside"):
        vocab.units_of([vocab.num_text - 1])
    with pytest.raises(ValueError, match="does not match"):
        vocabulary_from_dict({**vocab.to_dict(), "eos": 3})


def test_textless_vocabulary_reads_back_without_kind():
    assert vocabulary_from_dict({"num_units": 16, "eos": 16}) == UnitVocabulary(16)
    assert UnitVocabulary(16).unit_ids([2]).tolist() == [2]


def test_tokenizer_refuses_text_it_cannot_encode(spm):
    with pytest.raises(UnencodableText, match="utt 7.*cannot encode"):
        spm.encode("the cat sees ∑ stars", "utt 7")


def word_tokenizer(folder, words):
    """A word-level Hugging Face tokenizer of ``words`` (after ``[UNK]``), saved to ``folder``."""
    tokenizers = pytest.importorskip("tokenizers")
    import transformers

    vocabulary = {word: number for number, word in enumerate(["[UNK]", *words])}
    backend = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocabulary, unk_token="[UNK]"))
    backend.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]")
    fast.save_pretrained(folder)
    return str(folder)


def test_hugging_face_tokenizer_loads_through_the_same_path(tmp_path):
    tokenizer = load_text_tokenizer(word_tokenizer(tmp_path, ["the", "cat", "le", "chat", "sees"]))
    assert tokenizer.encode("le chat sees the cat") == [3, 4, 5, 1, 2]
    with pytest.raises(UnencodableText, match="row 3"):
        tokenizer.encode("le chien", "row 3")
    assert speech_text_vocabulary(16, tokenizer).num_text == 6


# -------------------------------------------------------------- builders
def test_markers_stand_exactly_at_modality_switches(text_store, spm, vocab):
    mix = mixture(text_store, spm, vocab, document_shares={"interleaved": 1}, switch_prob=0.5)
    for _ in range(50):
        document = mix.next_document()
        runs = spans(document, vocab)
        assert document.tokens[0] in (vocab.speech_marker, vocab.text_marker)
        assert all(a[0] != b[0] for a, b in zip(runs, runs[1:]))  # a marker only at a switch
        modality = vocab.modality_of(document.tokens)
        for kind, ids in runs:
            assert (
                modality[np.isin(document.tokens, ids)]
                == (vocab.SPEECH if kind == SPEECH else vocab.TEXT)
            ).all()
        # the document's segments add up to its tokens
        assert document.sizes.sum() == len(document.tokens)


@pytest.mark.parametrize("speech_prob", [0.3, 0.7])
def test_sentence_modality_and_language_shares(text_store, spm, vocab, speech_prob):
    mix = mixture(
        text_store,
        spm,
        vocab,
        document_shares={"interleaved": 1},
        speech_prob=speech_prob,
        switch_prob=0.5,
    )
    codes = np.concatenate([mix.next_document().langs for _ in range(300)])
    total = len(codes)
    speech = np.mean(codes % 2 == SPEECH)
    assert abs(speech - speech_prob) < 4 * np.sqrt(speech_prob * (1 - speech_prob) / total)
    french = np.mean(codes // 2 == 1)
    assert abs(french - 0.5) < 4 * np.sqrt(0.25 / total)


def test_document_kinds_follow_their_token_shares(text_store, spm, vocab):
    shares = {"text": 0.2, "interleaved": 0.5, "speech": 0.3}
    mix = mixture(text_store, spm, vocab, document_shares=shares)
    for _ in range(400):
        mix.next_document()
    measured = mix.kind_tokens / mix.kind_tokens.sum()
    longest = 2 * 12 * 5  # one document's tokens bound the deficit rule's error
    for kind, share in zip(mix.kinds, measured):
        assert abs(share - shares[kind]) <= longest / mix.kind_tokens.sum(), kind
    assert set(mix.document_counts) == set(shares)


def test_text_and_speech_documents_hold_one_modality_of_one_story(text_store, spm, vocab):
    mix = mixture(text_store, spm, vocab, document_shares={"text": 1})
    document = mix.next_document()
    ((modality, ids),) = spans(document, vocab)
    assert modality == TEXT
    text = spm.decode(ids)
    assert "sees zero stars" in text or "sees zéro stars" in text
    mix = mixture(text_store, spm, vocab, document_shares={"speech": 1})
    ((modality, ids),) = spans(mix.next_document(), vocab)
    assert modality == SPEECH and len(vocab.units_of(ids)) == len(ids)


@pytest.mark.parametrize("task", ["asr", "tts", "translation", "speech_translation"])
def test_pairs_are_aligned(text_store, spm, vocab, task):
    mix = mixture(text_store, spm, vocab, document_shares={"pairs": 1}, pair_tasks=[task])
    store = text_store
    for _ in range(5):
        document = mix.next_document()
        assert document.kind == f"pairs/{task}"
        segments = np.split(document.tokens, np.cumsum(document.sizes)[:-1])
        assert len(segments) % 2 == 0
        for number, (first, second) in enumerate(zip(segments[::2], segments[1::2])):
            body = [
                s[1:] if s[0] in (vocab.speech_marker, vocab.text_marker) else s
                for s in (first, second)
            ]
            lang_a, lang_b = (document.langs[2 * number : 2 * number + 2] // 2).tolist()
            if task in ("asr", "tts"):
                assert lang_a == lang_b
            else:
                assert lang_a != lang_b
            if task == "asr":
                rows = rows_with_units(store, vocab.units_of(body[0]))
                assert spm.decode(body[1]) in {store.texts[r] for r in rows}
            if task == "tts":
                rows = [r for r in range(len(store)) if store.texts[r] == spm.decode(body[0])]
                assert set(rows) & set(rows_with_units(store, vocab.units_of(body[1])))
            if task in ("translation", "speech_translation"):
                sent = NUMBERS[["en", "fr"][lang_b]].index(spm.decode(body[1]).split()[-2])
                if task == "translation":
                    words_a = spm.decode(body[0]).split()
                    assert NUMBERS[["en", "fr"][lang_a]].index(words_a[-2]) == sent
                else:
                    rows = rows_with_units(store, vocab.units_of(body[0]))
                    assert sent in {int(store.sent_idx[r]) for r in rows}


def rows_with_units(store, units):
    """Store rows whose units are ``units`` (toy units repeat across stories)."""
    return [r for r in range(len(store)) if np.array_equal(store.units(r), units)]


def test_token_accounting_equals_what_the_packer_emits(text_store, spm, vocab):
    shares = {"text": 0.2, "interleaved": 0.4, "speech": 0.2, "pairs": 0.2}
    source = mixture(
        text_store,
        spm,
        vocab,
        document_shares=shares,
        switch_prob=0.5,
        pair_tasks=["asr", "speech_translation"],
    )
    channels = token_channels(["en", "fr"])
    packer = WindowPacker(
        StoreMixture({"train": source}, languages=channels), context_length=64, eos=vocab.eos
    )
    tokens, counts = packer.next_batch(40)
    tokens = tokens.numpy().reshape(-1)
    assert counts.sum() == tokens.size
    assert counts[-1] == np.sum(tokens == vocab.eos)
    modality = vocab.modality_of(tokens)
    speech = counts[[channels.index(c) for c in channels if c.endswith("speech")]].sum()
    text = counts[[channels.index(c) for c in channels if c.endswith("text")]].sum()
    markers = np.isin(tokens, [vocab.speech_marker, vocab.text_marker])
    # every unit is speech, every text id is text; markers count with their span
    assert speech + text == np.sum(modality != vocab.SPECIAL) + markers.sum()
    assert (
        np.sum(modality == vocab.SPEECH)
        <= speech
        <= np.sum(modality == vocab.SPEECH) + markers.sum()
    )
    assert np.sum(modality == vocab.TEXT) <= text <= np.sum(modality == vocab.TEXT) + markers.sum()


def test_stream_state_restores_the_same_documents(text_store, spm, vocab):
    shares = {"text": 0.3, "interleaved": 0.4, "pairs": 0.3}
    mix = mixture(
        text_store,
        spm,
        vocab,
        document_shares=shares,
        switch_prob=0.3,
        pair_tasks=["asr", "translation"],
    )
    for _ in range(7):
        mix.next_document()
    state = json.loads(json.dumps(mix.state_dict()))
    expected = [mix.next_document().tokens.tolist() for _ in range(10)]
    other = mixture(
        text_store,
        spm,
        vocab,
        document_shares=shares,
        switch_prob=0.3,
        pair_tasks=["asr", "translation"],
    )
    other.load_state_dict(state)
    assert [other.next_document().tokens.tolist() for _ in range(10)] == expected


# ------------------------------------------------------------- bad input
def store_with_text(folder, row, text, num_stories):
    """A text store of ``num_stories`` stories whose row number ``row`` has ``text``."""
    rows = text_rows(num_stories)
    rows[row]["text"] = text
    return write_unit_store(folder, rows, num_units=64)


def draw(mix, count):
    for _ in range(count):
        mix.next_document()


def test_utterance_without_text_is_named_or_counted(tmp_path, spm, vocab):
    store = store_with_text(tmp_path / "store", 3, "", num_stories=4)
    with pytest.raises(ValueError, match="'s0_en_3' has no text"):
        draw(mixture(store, spm, vocab, document_shares={"text": 1}), 8)
    mix = mixture(store, spm, vocab, document_shares={"text": 1}, on_missing_text="speech")
    units = vocab.unit_ids(store.units(store.row_of("s0_en_3"))).tolist()
    for _ in range(16):
        before = mix.fallbacks["no text: written as speech"]
        document = mix.next_document().tokens.tolist()
        if mix.fallbacks["no text: written as speech"] > before:
            # sentence 3 of 5 as units, between text sentences: markers both sides
            at = document.index(vocab.speech_marker)
            assert document[at + 1 : at + 2 + len(units)] == [*units, vocab.text_marker]
            break
    else:
        pytest.fail("the story with the missing text was never drawn")


def test_text_the_tokenizer_cannot_encode_names_the_utterance(tmp_path, spm, vocab):
    store = store_with_text(tmp_path / "store", 0, "the cat sees ∑ stars", num_stories=2)
    with pytest.raises(UnencodableText, match="s0_en_0"):
        draw(mixture(store, spm, vocab, document_shares={"text": 1}), 4)


def test_store_without_text_and_mismatched_sizes_are_refused(tmp_path, spm, vocab):
    store = write_unit_store(tmp_path / "store", aligned_rows(2), num_units=64)
    with pytest.raises(ValueError, match="holds no text"):
        mixture(store, spm, vocab)
    text_store = write_unit_store(tmp_path / "text", text_rows(2), num_units=64)
    with pytest.raises(ValueError, match="K=64 but the vocabulary has K=32"):
        mixture(text_store, spm, SpeechTextVocabulary(spm.vocab_size, 32))
    with pytest.raises(ValueError, match="only 10 text ids"):
        mixture(text_store, spm, SpeechTextVocabulary(10, 64))


# ----------------------------------------------------------------- model
def test_text_lm_keeps_its_text_rows_and_gains_unit_rows(tiny_text_lm):
    import transformers

    for architecture in ("llama", "qwen2"):
        folder = tiny_text_lm(architecture)
        text = transformers.AutoModelForCausalLM.from_pretrained(folder)
        vocab = SpeechTextVocabulary(500, 16)
        lm = build_unit_lm(16, text_lm_source=str(folder), vocab=vocab)
        table = lm.hf_model.get_input_embeddings().weight
        assert table.shape[0] == vocab.size
        assert torch.equal(table[:500], text.get_input_embeddings().weight)
        head = lm.hf_model.get_output_embeddings().weight
        assert torch.equal(head[:500], text.get_output_embeddings().weight)
        tokens = torch.tensor(
            [[vocab.eos, 3, 7, vocab.speech_marker, *vocab.unit_ids([1, 2]).tolist()]]
        )
        assert lm(tokens).shape == (1, 6, vocab.size)


def test_textless_model_grows_into_speech_text_scoring_units_alike(tmp_path):
    config = {**TINY_ARCHITECTURES["llama"]}
    textless = UnitLM.from_config(config, num_units=16, attn_implementation="eager")
    textless.save(tmp_path / "stage1")
    vocab = SpeechTextVocabulary(40, 16)
    grown = build_unit_lm(
        16, init_from=str(tmp_path / "stage1"), vocab=vocab, attn_implementation="eager"
    )
    units = torch.tensor([[3, 5, 1, 9]])
    textless.eval(), grown.eval()
    old = textless(torch.cat([torch.tensor([[16]]), units], 1))
    new = grown(torch.cat([torch.tensor([[vocab.eos]]), units + vocab.unit_offset], 1))
    # the same unit rows, EOS row and blocks: the same logits over the units
    assert torch.allclose(
        old[..., :16], new[..., vocab.unit_offset : vocab.unit_offset + 16], atol=1e-5
    )
    grown.save(tmp_path / "grown")
    assert UnitLM.load(tmp_path / "grown").vocab == vocab
    with pytest.raises(ValueError, match="text ids would be lost"):
        build_unit_lm(16, init_from=str(tmp_path / "grown"), vocab=SpeechTextVocabulary(41, 16))


# -------------------------------------------------- tokens without loss
@pytest.mark.parametrize("task", ["asr", "tts", "translation", "speech_translation"])
def test_instruction_pairs_train_only_their_targets(text_store, spm, vocab, task):
    from speechbrain_xling.data.packing import token_ids

    def pairs(pair_loss):
        mix = mixture(
            text_store,
            spm,
            vocab,
            document_shares={"pairs": 1},
            pair_tasks=[task],
            pair_loss=pair_loss,
            switch_prob=0.0,
        )
        return [mix.next_document() for _ in range(10)]

    for plain, masked in zip(pairs("all"), pairs("target")):
        assert plain.tokens.min() >= 0
        # the same document, its sources marked without loss
        assert token_ids(masked.tokens).tolist() == plain.tokens.tolist()
        trained = masked.tokens >= 0
        # sentence by sentence: source (with its marker) untrained, target trained
        start = 0
        for number, size in enumerate(masked.sizes.tolist()):
            segment = trained[start : start + size]
            assert segment.all() if number % 2 else not segment.any(), (number, segment)
            start += size


def test_loss_ignores_tokens_without_loss():
    from speechbrain_xling.data.packing import without_loss
    from speechbrain_xling.model.unit_lm import next_unit_loss

    torch.manual_seed(0)
    logits = torch.randn(1, 5, 7)
    tokens = torch.tensor([[1, 2, 3, 4, 5]])
    marked = tokens.clone()
    marked[0, 2:4] = without_loss(tokens[0, 2:4])
    loss, count = next_unit_loss(logits, marked, pad_id=6)
    per_token = torch.nn.functional.cross_entropy(logits[0, :-1], tokens[0, 1:], reduction="none")
    # targets 2 and 5 are trained (positions 0 and 3), 3 and 4 are not
    assert count.item() == 2
    assert loss.item() == pytest.approx(per_token[[0, 3]].mean().item(), abs=1e-6)
