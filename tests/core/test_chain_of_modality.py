"""Chain-of-modality SFT documents: layout, chunks, loss mask, languages, accounting, errors."""

import json

import numpy as np
import pytest
import torch

from speechbrain_xling.data.chain_of_modality import (
    ChainOfModalityMixture,
    InstructionExample,
    JsonlExamples,
    StoreExamples,
    answer_chunks,
    sft_documents,
)
from speechbrain_xling.data.packing import WindowPacker, token_ids
from speechbrain_xling.data.store_mixture import StoreMixture
from speechbrain_xling.data.unit_store import write_unit_store
from speechbrain_xling.data.vocab import SpeechTextVocabulary, UnitVocabulary, with_answer_languages
from speechbrain_xling.model.unit_lm import next_unit_loss
from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece

K = 64
ANSWERS = {
    "en": ["the hen lost her red bucket .", "the goat went to the big farm and it was happy ."],
    "fr": ["la poule a perdu son seau rouge .", "la chèvre est allée à la grande ferme ."],
}
QUESTIONS = {"en": ["who lost it ?", "where did she go ?"], "fr": ["qui l'a perdu ?", "où ?"]}
LANG_BASE = {"en": 0, "fr": 32}  # each language's units in its own range


def qa_rows(num_stories, with_spans=True):
    """Two questions per story, question k as sentence 2k and its answer 2k+1;
    an answer's unit i is ``base + 16 + i % 16`` with one unit per word start."""
    rows = []
    for story in range(num_stories):
        for lang, base in LANG_BASE.items():
            for k in range(2):
                question = base + np.arange(3 + k) % 16
                words = ANSWERS[lang][k].split()
                units = base + 16 + np.arange(2 * len(words)) % 16
                spans = (list(range(len(words))), list(range(0, 2 * len(words), 2)))
                for sent, (unit_list, text, word_spans) in enumerate(
                    ((question, QUESTIONS[lang][k], None), (units, ANSWERS[lang][k], spans))
                ):
                    rows.append(
                        dict(
                            utt_id=f"s{story}-{k}_{lang}_{'qa'[sent]}",
                            units=unit_list,
                            story_id=f"s{story}",
                            sent_idx=2 * k + sent,
                            lang=lang,
                            text=text,
                            word_spans=word_spans if with_spans else None,
                        )
                    )
    return rows


def context_rows(num_stories):
    return [
        dict(
            utt_id=f"s{story}_{lang}_{sent}",
            units=[base + 8 + (story + sent) % 8] * 2,
            story_id=f"s{story}",
            sent_idx=sent,
            lang=lang,
        )
        for story in range(num_stories)
        for lang, base in LANG_BASE.items()
        for sent in range(3)
    ]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("sft")
    qa = write_unit_store(root / "qa", qa_rows(12), num_units=K)
    context = write_unit_store(root / "context", context_rows(12), num_units=K)
    return qa, context


@pytest.fixture(scope="module")
def text_tokenizer(tmp_path_factory):
    texts = [a for lang in ANSWERS for a in ANSWERS[lang]] * 20
    path = tmp_path_factory.mktemp("spm") / "t.model"
    return load_text_tokenizer(train_sentencepiece(texts, path, vocab_size=60, byte_fallback=False))


@pytest.fixture(scope="module")
def vocab(text_tokenizer):
    return SpeechTextVocabulary(text_tokenizer.vocab_size, K)


def mixture(stores, vocab, text_tokenizer, variant, cross_lingual_prob=0.0, **kwargs):
    qa, context = stores
    examples = StoreExamples(qa, ["en", "fr"], context, cross_lingual_prob)
    return ChainOfModalityMixture(
        examples, vocab, text_tokenizer, variant_shares={variant: 1}, **kwargs
    )


def split_document(tokens, vocab):
    """(prompt ids, answer pieces [(marker or None, ids)]) of a document."""
    trained = tokens >= 0
    prompt = token_ids(tokens[~trained])
    assert trained[len(prompt) :].all() and not trained[: len(prompt)].any()
    answer, pieces = tokens[len(prompt) :], []
    for token in answer.tolist():
        if token in (vocab.text_marker, vocab.speech_marker):
            pieces.append((token, []))
        elif not pieces:
            pieces.append((None, [token]))
        else:
            pieces[-1][1].append(token)
    return prompt, pieces


def test_chunks_cover_the_answer_once_and_cut_at_sentence_ends():
    words = "The hen lost her bucket . It was red and it was very very old .".split()
    text = " ".join(words)
    groups = [0, 1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15]  # "lost her", "was red" grouped
    example = InstructionExample(
        "x",
        "en",
        "en",
        np.array([1]),
        text,
        np.arange(40),
        (np.array(groups), 2 * np.arange(14) + 3),
    )
    for chunk_words in (1, 3, 7, 20):
        chunks = answer_chunks(example, chunk_words)
        assert " ".join(chunk for chunk, _ in chunks) == text
        np.testing.assert_array_equal(np.concatenate([u for _, u in chunks]), np.arange(40))
        ends = np.cumsum([len(chunk.split()) for chunk, _ in chunks])
        assert 6 in ends  # the first sentence ends a chunk
        for chunk, _ in chunks[:-1]:  # every chunk but the last is full or ends a sentence
            size = len(chunk.split())
            assert size >= chunk_words or chunk.endswith(".")
            assert size < chunk_words + 2  # a chunk stops at the group that fills it
    no_spans = InstructionExample("x", "en", "en", np.array([1]), text, np.arange(40))
    assert [chunk for chunk, _ in answer_chunks(no_spans)] == [text]


@pytest.mark.parametrize("variant", ["text", "speech", "chain", "text_then_speech"])
def test_document_layout_and_round_trip(stores, vocab, text_tokenizer, variant):
    qa, context = stores
    docs = mixture(stores, vocab, text_tokenizer, variant, chunk_words=3)
    for _ in range(30):
        document = docs.next_document()
        prompt, pieces = split_document(document.tokens, vocab)
        # Prompt: [SPEECH] story question, in the question's language.
        assert prompt[0] == vocab.speech_marker
        units = vocab.units_of(prompt[1:])
        question_lang = "en" if units.max() < 32 else "fr"
        assert (units >= LANG_BASE[question_lang]).all()
        story_units = units[units % 32 >= 8]
        assert len(story_units) == 6 and (story_units % 32 < 16).all()
        answer_texts = [text_tokenizer.decode(ids) for m, ids in pieces if m == vocab.text_marker]
        answer_units = [vocab.units_of(ids) for m, ids in pieces if m != vocab.text_marker and ids]
        text = " ".join(answer_texts)
        k = [answer_list.index(text) for answer_list in ANSWERS.values() if text in answer_list]
        markers = [m for m, _ in pieces]
        if variant == "speech":
            assert markers == [None] and not answer_texts
        elif variant == "text":
            assert markers == [vocab.text_marker] and not answer_units and k
        else:
            assert markers == [vocab.text_marker, vocab.speech_marker] * (len(pieces) // 2)
            assert k, text
            if variant == "text_then_speech":
                assert len(pieces) == 2
            else:  # every chunk's speech is its words' units: two units per word
                for text_chunk, units_chunk in zip(answer_texts, answer_units):
                    assert len(units_chunk) == 2 * len(text_chunk.split())
                    assert len(text_chunk.split()) <= 3 or text_chunk.endswith(".")
        if answer_units:
            spoken = np.concatenate(answer_units)
            assert ((spoken % 32) >= 16).all()
            lang = "en" if spoken.max() < 32 else "fr"
            assert len(spoken) in {2 * len(answer.split()) for answer in ANSWERS[lang]}


def test_loss_covers_exactly_the_answer(stores, vocab, text_tokenizer):
    docs = mixture(stores, vocab, text_tokenizer, "chain")
    packer = WindowPacker(
        StoreMixture({"qa": docs}, languages=docs.languages),
        context_length=96,
        eos=vocab.eos,
        whole_documents=True,
        pad=vocab.pad,
    )
    tokens, _ = packer.next_batch(8)
    logits = torch.zeros(*tokens.shape, vocab.size)
    _, count = next_unit_loss(logits, tokens, vocab.pad)
    # Targets: every answer token and the EOS ending it (the first token of a
    # window is never a target); nothing of a prompt, no padding.
    answers = (tokens[:, 1:] >= 0) & (tokens[:, 1:] != vocab.pad)
    assert count == int(answers.sum())
    reference = mixture(stores, vocab, text_tokenizer, "chain")
    expected = 0
    for row in tokens:
        content = row[row != vocab.pad]
        while len(content):
            document = reference.next_document().tokens
            assert torch.equal(content[: len(document)], torch.from_numpy(document))
            expected += int((document >= 0).sum()) + 1  # the answer and its EOS
            content = content[len(document) + 1 :]
    assert count == expected


def test_cross_lingual_answers_pair_the_same_question(stores, vocab, text_tokenizer):
    docs = mixture(stores, vocab, text_tokenizer, "text", cross_lingual_prob=0.5)
    qa, _ = stores
    examples = docs.examples
    rng = np.random.default_rng(0)
    crossed, draws = 0, 400
    for number in rng.integers(len(examples), size=draws):
        example = examples.example(int(number), rng)
        question_row = qa.row_of(example.example_id)
        item = example.example_id.split("_")[0]
        answer_row = qa.row_of(f"{item}_{example.answer_lang}_a")
        assert qa.langs[question_row] == example.question_lang
        assert example.answer_text == qa.texts[answer_row]
        np.testing.assert_array_equal(example.answer_units, qa.units(answer_row))
        crossed += example.answer_lang != example.question_lang
    assert abs(crossed - draws / 2) < 4 * np.sqrt(draws / 4)  # binomial, 4 sigma


@pytest.mark.parametrize("variant", ["text", "speech", "chain"])
def test_the_prompt_ends_with_the_answers_language_marker(stores, vocab, text_tokenizer, variant):
    marked = with_answer_languages(vocab, ["en", "fr"])
    docs = mixture(stores, marked, text_tokenizer, variant, cross_lingual_prob=0.5)
    plain = mixture(stores, vocab, text_tokenizer, variant, cross_lingual_prob=0.5)
    crossed = 0
    for _ in range(60):
        document, reference = docs.next_document(), plain.next_document()
        prompt, pieces = split_document(document.tokens, marked)
        # The same document as without markers, with the marker last in the
        # prompt (read, never a target): the answer's language, not the question's.
        assert token_ids(document.tokens).tolist() == [
            *token_ids(reference.tokens[: len(prompt) - 1]),
            prompt[-1],
            *reference.tokens[len(prompt) - 1 :],
        ]
        spoken = [ids for m, ids in pieces if m != marked.text_marker and ids]
        written = [ids for m, ids in pieces if m == marked.text_marker]
        if spoken:
            answer_lang = "en" if vocab.units_of(np.concatenate(spoken)).max() < 32 else "fr"
        else:
            text = " ".join(text_tokenizer.decode(ids) for ids in written)
            answer_lang = next(lang for lang in ANSWERS if text in ANSWERS[lang])
        assert prompt[-1] == marked.language_marker(answer_lang)
        question_lang = "en" if vocab.units_of(prompt[1:-1]).max() < 32 else "fr"
        crossed += question_lang != answer_lang
    assert 10 < crossed < 50
    # Every language of the examples needs a marker.
    with pytest.raises(ValueError, match=r"answers in \['fr'\], which have no answer-language"):
        mixture(stores, with_answer_languages(vocab, ["en"]), text_tokenizer, variant)


def test_token_accounting_matches_the_packer(stores, vocab, text_tokenizer):
    docs = sft_documents(
        stores[0],
        ["en", "fr"],
        vocab=vocab,
        text_tokenizer=text_tokenizer,
        context_store=stores[1],
        cross_lingual_prob=0.5,
    )
    packer = WindowPacker(StoreMixture({"qa": docs}, languages=docs.languages), 50, vocab.eos)
    tokens, counts = packer.next_batch(20)
    ids = token_ids(tokens)
    text = int((ids < vocab.num_text).sum() + (ids == vocab.text_marker).sum())
    assert counts[[1, 3]].sum() == text  # en_text, fr_text: text ids and [TEXT]
    assert counts[-1] == int((ids == vocab.eos).sum())
    assert counts.sum() == tokens.numel()
    assert set(docs.document_counts) == {"chain", "text", "speech"}


def test_resume_continues_exactly(stores, vocab, text_tokenizer):
    def fresh():
        return sft_documents(
            stores[0],
            ["en", "fr"],
            seed=3,
            vocab=vocab,
            text_tokenizer=text_tokenizer,
            context_store=stores[1],
            cross_lingual_prob=0.5,
        )

    docs = fresh()
    for _ in range(30):  # past the end of the first epoch (24 questions)
        docs.next_document()
    state = json.loads(json.dumps(docs.state_dict()))
    expected = [docs.next_document().tokens for _ in range(40)]
    restored = fresh()
    restored.load_state_dict(state)
    for tokens in expected:
        np.testing.assert_array_equal(restored.next_document().tokens, tokens)


def test_every_question_is_asked_once_per_epoch(stores, vocab, text_tokenizer):
    docs = mixture(stores, vocab, text_tokenizer, "speech")
    drawn, example = [], docs.examples.example

    def recording(number, rng):
        drawn.append(number)
        return example(number, rng)

    docs.examples.example = recording
    epoch = len(docs.examples)
    for _ in range(2 * epoch):
        docs.next_document()
    assert epoch == 24  # 12 stories x 2 questions
    for first in (0, epoch):  # each epoch: every question once, in a new order
        assert sorted(drawn[first : first + epoch]) == list(range(epoch))
    assert drawn[:epoch] != drawn[epoch:]


def test_textless_vocabulary_trains_spoken_answers_only(stores):
    qa, context = stores
    examples = StoreExamples(qa, ["en", "fr"], context)
    docs = ChainOfModalityMixture(examples, UnitVocabulary(K), variant_shares={"speech": 1})
    document = docs.next_document()
    prompt = token_ids(document.tokens[document.tokens < 0])
    assert ((prompt >= 0) & (prompt < K)).all() and (document.tokens[len(prompt) :] < K).all()
    assert docs.languages == ["en", "fr"]
    with pytest.raises(ValueError, match="only the 'speech' variant"):
        ChainOfModalityMixture(examples, UnitVocabulary(K), variant_shares={"chain": 1})


def test_answers_without_spans_are_one_chunk_counted(tmp_path, vocab, text_tokenizer):
    qa = write_unit_store(tmp_path / "qa", qa_rows(2, with_spans=False), num_units=K)
    docs = ChainOfModalityMixture(
        StoreExamples(qa, ["en", "fr"]), vocab, text_tokenizer, variant_shares={"chain": 1}
    )
    _, pieces = split_document(docs.next_document().tokens, vocab)
    assert len(pieces) == 2 and docs.fallbacks["no word spans: one chunk"] == 1


def test_too_long_examples_are_named_or_skipped(stores, vocab, text_tokenizer):
    docs = mixture(stores, vocab, text_tokenizer, "chain", max_tokens=20)
    with pytest.raises(ValueError, match=r"example 's\d+-\d_(en|fr)_q' \(chain\) is \d+ tokens"):
        docs.next_document()
    docs = mixture(stores, vocab, text_tokenizer, "speech", max_tokens=26, on_too_long="skip")
    for _ in range(10):
        assert len(docs.next_document().tokens) + 1 <= 26
    assert docs.fallbacks["longer than max_tokens: skipped"] > 0
    docs = mixture(stores, vocab, text_tokenizer, "speech", max_tokens=12, on_too_long="skip")
    with pytest.raises(ValueError, match="25 examples in a row are longer than max_tokens=12"):
        docs.next_document()


def test_bad_stores_are_named(tmp_path, vocab, text_tokenizer, stores):
    rows = [row for row in qa_rows(2) if not (row["story_id"] == "s1" and row["sent_idx"] == 3)]
    odd = write_unit_store(tmp_path / "odd", rows, num_units=K)
    with pytest.raises(ValueError, match="story 's1' holds sentences"):
        StoreExamples(odd, ["en", "fr"])
    other = write_unit_store(tmp_path / "ctx", context_rows(1), num_units=K)
    examples = StoreExamples(stores[0], ["en", "fr"], other)
    missing = r"ctx has no story 's([1-9]|1\d)' in '(en|fr)', the context"
    with pytest.raises(ValueError, match=missing):
        for number in range(len(examples)):
            examples.example(number, np.random.default_rng(0))
    with pytest.raises(ValueError, match="K=64"):
        ChainOfModalityMixture(
            StoreExamples(stores[0], ["en"]), SpeechTextVocabulary(10, 32), text_tokenizer
        )


def test_jsonl_examples_and_their_errors(tmp_path, vocab, text_tokenizer):
    path = tmp_path / "sft.jsonl"
    lines = [
        {
            "id": "a",
            "question_units": [1, 2],
            "answer_text": "the hen lost her red bucket .",
            "answer_units": list(range(14)),
            "answer_lang": "fr",
            "answer_words": [
                {"word": w, "start": 0.16 * i, "end": 0.16 * (i + 1)}
                for i, w in enumerate("the hen lost her red bucket .".split())
            ],
        },
        {"id": "b", "question_units": [3], "answer_text": "la poule", "context_units": [5, 5]},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    examples = JsonlExamples.read(path, K, frame_rate=12.5)
    assert examples.languages == ["en", "fr"]
    first = examples.example(0, None)
    assert first.answer_spans[0].tolist() == list(range(7))
    assert first.answer_spans[1].tolist() == [0, 2, 4, 6, 8, 10, 12]
    docs = ChainOfModalityMixture(examples, vocab, text_tokenizer, variant_shares={"text": 1})
    assert len(docs.next_document().tokens) > 3
    chain = ChainOfModalityMixture(examples, vocab, text_tokenizer, {"chain": 1}, chunk_words=2)
    with pytest.raises(ValueError, match="example 'b' has no answer speech"):
        for _ in range(4):
            chain.next_document()
    bad = tmp_path / "bad.jsonl"
    for line, message in (
        ({"question_units": [1]}, "bad.jsonl:2: no answer"),
        ({"answer_text": "x"}, "bad.jsonl:2: no question"),
        ({"question_units": [99], "answer_text": "x"}, r"bad.jsonl:2: question units .* \[0, 64\)"),
        ({"question_audio": "missing.wav", "answer_text": "x"}, "needs a unit tokenizer"),
    ):
        bad.write_text(json.dumps(lines[1]) + "\n" + json.dumps(line) + "\n")
        with pytest.raises(ValueError, match=message):
            JsonlExamples.read(bad, K)
    bad.write_text("{not json\n")
    with pytest.raises(ValueError, match="bad.jsonl:1: not JSON"):
        JsonlExamples.read(bad, K)


def test_jsonl_audio_goes_through_the_unit_tokenizer(tmp_path):
    (tmp_path / "q.wav").write_bytes(b"")
    seen = []

    def units_of(paths):
        seen.extend(paths)
        return [np.array([7, 8])]

    path = tmp_path / "sft.jsonl"
    path.write_text(json.dumps({"question_audio": "q.wav", "answer_units": [1]}) + "\n")
    example = JsonlExamples.read(path, K, units_of=units_of).example(0, None)
    assert seen == [tmp_path / "q.wav"] and example.question.tolist() == [7, 8]
    path.write_text(json.dumps({"question_audio": "gone.wav", "answer_units": [1]}) + "\n")
    with pytest.raises(ValueError, match="gone.wav does not exist"):
        JsonlExamples.read(path, K, units_of=units_of)
