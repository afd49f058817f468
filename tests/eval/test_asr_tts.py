"""ASR and TTS through a speech-text LM: edit distances, error rates, greedy
generation on a hand-built bigram model, bad input."""

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.eval.asr_tts import (
    character_error_rate,
    edit_distance,
    error_rate,
    evaluate_asr_tts,
    lm_synthesise,
    lm_transcribe,
    unit_error_rate,
    word_error_rate,
)
from speechbrain_xling.eval.continuation import generate_tokens
from speechbrain_xling.tokenizers.text import (
    UnencodableText,
    load_text_tokenizer,
    train_sentencepiece,
)
from tests.eval.conftest import TINY_LLAMA, bigram_model

K = 8  # units of the hand-built models
CORPUS = ["the cat sleeps", "the cat dort", "le chat dort", "the dog runs", "le chien court"]


def bigram_lm(vocab, preferences, text_tokenizer=None):
    """A tiny llama whose logits depend only on the current token.

    The embeddings are one-hot (hidden size >= vocabulary size), every
    block's output projections are zero (the residual stream carries the
    embedding unchanged) and the output layer is the bigram table:
    ``preferences[current] = {next: logit}`` (every other logit 0). PAD gets
    logit 50 after every token, so it would win wherever it were allowed.
    """
    assert vocab.size <= TINY_LLAMA["hidden_size"]
    lm = bigram_model(vocab)
    with torch.no_grad():
        head = lm.hf_model.lm_head.weight
        for current, choices in preferences.items():
            for following, logit in choices.items():
                head[following, current] = logit
        head[vocab.pad] = 50.0
    lm.text_tokenizer = text_tokenizer
    return lm.eval()


@pytest.fixture(scope="module")
def words(tmp_path_factory):
    """A word-level SentencePiece tokenizer (one id per word of CORPUS)."""
    path = tmp_path_factory.mktemp("tokenizer") / "words.model"
    return load_text_tokenizer(
        train_sentencepiece(CORPUS * 10, path, 12, model_type="word", byte_fallback=False)
    )


def asr_tts_preferences(vocab, words, text_end, unit_end):
    """After ``[TEXT]``: "the cat sleeps" then ``text_end``; after ``[SPEECH]``:
    units 3 5 7 then ``unit_end``. Ids of the other modality are preferred
    (logit 20 > 10) after every token, so only masking keeps them out."""
    the, cat, sleeps = words.encode("the cat sleeps")
    le = words.encode("le")[0]
    u = vocab.unit_ids(range(K)).tolist()
    return {
        vocab.eos: {u[1]: 10.0},
        vocab.text_marker: {the: 10.0, u[0]: 20.0, vocab.text_marker: 15.0},
        the: {cat: 10.0, u[1]: 20.0},
        cat: {sleeps: 10.0, u[2]: 20.0},
        sleeps: {text_end: 10.0, u[3]: 20.0},
        vocab.speech_marker: {u[3]: 10.0, le: 20.0, vocab.speech_marker: 15.0},
        u[3]: {u[5]: 10.0, le: 20.0},
        u[5]: {u[7]: 10.0, le: 20.0},
        u[7]: {unit_end: 10.0, le: 20.0},
    }


@pytest.fixture(scope="module")
def asr_tts_lm(words):
    """Transcribes everything as "the cat sleeps", synthesises everything as
    units 3 5 7 (both end with EOS)."""
    vocab = SpeechTextVocabulary(num_text=words.vocab_size, num_units=K)
    return bigram_lm(vocab, asr_tts_preferences(vocab, words, vocab.eos, vocab.eos), words)


def reference_distance(a, b):
    """Textbook Levenshtein DP, one cell at a time (the oracle)."""
    table = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        table[i][j] = min(
            table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] != b[j - 1])
        )
    return table[len(a)][len(b)]


def test_edit_distance_on_hand_made_cases():
    assert edit_distance("abc", "abc") == 0
    assert edit_distance("abc", "abxc") == 1  # insertion
    assert edit_distance("abc", "xabcyz") == 3  # insertions at both ends
    assert edit_distance("abc", "ac") == 1  # deletion
    assert edit_distance("abcdef", "b") == 5  # deletions
    assert edit_distance("abc", "axc") == 1  # substitution
    assert edit_distance("abcd", "dcba") == 4
    assert edit_distance("kitten", "sitting") == 3  # 2 substitutions, 1 insertion
    assert edit_distance("abc", "") == 3  # empty hypothesis
    assert edit_distance("", "ab") == 2
    assert edit_distance("", "") == 0
    assert edit_distance(["le", "chat", "dort"], ["le", "chien", "dort", "bien"]) == 2
    assert edit_distance(np.array([3, 5, 7]), [3, 7]) == 1  # numpy ints equal Python ints


def test_edit_distance_matches_the_textbook_dp():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = rng.integers(0, 4, rng.integers(0, 9)).tolist()
        b = rng.integers(0, 4, rng.integers(0, 9)).tolist()
        assert edit_distance(a, b) == reference_distance(a, b) == edit_distance(b, a)


def test_error_rates_on_hand_made_cases():
    assert error_rate(["abcd", "ef"], ["abd", ""]) == 0.5  # (1 + 2) / (4 + 2)
    assert error_rate(["a"], ["bcd"]) == 3.0  # long hypotheses go above 1
    assert error_rate([[1, 2]], [[1, 2]]) == 0.0
    # characters; runs of whitespace count as one space
    assert character_error_rate(["le chat"], [" le  chats "]) == 1 / 7
    assert character_error_rate(["ab", "cd"], ["", "cd"]) == 0.5
    # words: one substitution, one deletion over 3 + 2 reference words
    assert word_error_rate(["the cat sleeps", "le chat"], ["the dog sleeps", "le"]) == 0.4
    assert word_error_rate(["the cat"], [""]) == 1.0
    # units (the phone error rate with phone units): 1 insertion over 4 units
    assert unit_error_rate([np.array([1, 2, 3, 4])], [[1, 2, 9, 3, 4]]) == 0.25


def test_error_rate_rejects_bad_input():
    with pytest.raises(ValueError, match="reference 1 is empty"):
        error_rate(["ab", ""], ["ab", "x"])
    with pytest.raises(ValueError, match="reference 0 is empty"):
        word_error_rate(["   "], ["x"])
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        error_rate(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no references"):
        error_rate([], [])


def test_greedy_asr_and_tts_follow_the_known_preferences(asr_tts_lm):
    assert lm_transcribe(asr_tts_lm, [1, 2, 3]) == "the cat sleeps"
    assert lm_synthesise(asr_tts_lm, "le chat dort").tolist() == [3, 5, 7]


@pytest.mark.parametrize("end", ["eos", "other_marker"])
def test_generation_stops_at_eos_and_at_the_other_marker(words, end):
    vocab = SpeechTextVocabulary(num_text=words.vocab_size, num_units=K)
    text_end, unit_end = vocab.eos, vocab.eos
    if end == "other_marker":
        text_end, unit_end = vocab.speech_marker, vocab.text_marker
    lm = bigram_lm(vocab, asr_tts_preferences(vocab, words, text_end, unit_end), words)
    assert lm_transcribe(lm, [0]) == "the cat sleeps"
    assert lm_synthesise(lm, "the dog").tolist() == [3, 5, 7]


def test_generation_stops_at_the_length_limit(words):
    vocab = SpeechTextVocabulary(num_text=words.vocab_size, num_units=K)
    the = words.encode("the")[0]
    u = vocab.unit_ids(range(K)).tolist()
    # loops: "the cat sleeps the cat ..." and units 3 5 7 3 5 ...
    lm = bigram_lm(vocab, asr_tts_preferences(vocab, words, the, u[3]), words)
    assert lm_transcribe(lm, [0], max_new_tokens=5) == "the cat sleeps the cat"
    assert lm_synthesise(lm, "the cat", max_new_units=4).tolist() == [3, 5, 7, 3]
    assert lm_synthesise(lm, "the cat", max_new_units=0).tolist() == []


def test_generation_never_emits_the_other_modality(asr_tts_lm, words):
    vocab = asr_tts_lm.vocab
    # Unmasked, the distractors win: a unit after [TEXT], a text id after [SPEECH].
    distractors = {vocab.text_marker: vocab.unit_offset, vocab.speech_marker: words.encode("le")[0]}
    for marker, distractor in distractors.items():
        free = generate_tokens(
            asr_tts_lm, [vocab.eos, marker], range(0, vocab.size), max_new_tokens=1, temperature=0
        )
        assert free.tolist() == [distractor]
    # Sampled at a high temperature, ids still stay in their modality.
    for seed in range(5):
        text = generate_tokens(
            asr_tts_lm,
            [vocab.eos, vocab.speech_marker, vocab.unit_offset, vocab.text_marker],
            range(0, vocab.num_text),
            stop_ids=(vocab.eos, vocab.speech_marker),
            max_new_tokens=30,
            temperature=5.0,
            seed=seed,
        )
        assert ((text >= 0) & (text < vocab.num_text)).all()
        units = generate_tokens(
            asr_tts_lm,
            [vocab.eos, vocab.text_marker, 1, vocab.speech_marker],
            range(vocab.unit_offset, vocab.unit_offset + K),
            stop_ids=(vocab.eos, vocab.text_marker),
            max_new_tokens=30,
            temperature=5.0,
            seed=seed,
        )
        assert ((units >= vocab.unit_offset) & (units < vocab.unit_offset + K)).all()


def test_evaluation_gives_the_exact_error_rates(asr_tts_lm):
    # The model always says "the cat sleeps" and units 3 5 7.
    sentences = [
        {"units": [3, 5, 7], "text": "the cat sleeps", "lang": "en"},
        ([3, 6, 7, 4], "the cat dort", "fr"),
        SimpleNamespace(units=np.array([3, 5]), text="the cat", lang="en"),
    ]
    result = evaluate_asr_tts(asr_tts_lm, sentences, num_examples=2)
    assert list(result) == ["en", "fr"]
    en, fr = result["en"], result["fr"]
    # EN: "the cat" + 7 characters (" sleeps") over 14 + 7; 1 word over 3 + 2;
    # units 3 5 + one inserted unit over 3 + 2.
    assert en["cer"] == pytest.approx(7 / 21)
    assert en["wer"] == pytest.approx(1 / 5)
    assert en["uer"] == pytest.approx(1 / 5)
    assert en["num_sentences"] == 2
    # FR: "dort" -> "sleeps" shares no character: 6 edits over 12; 1 word of
    # 3; 6 -> 5 substituted and 4 deleted: 2 of 4 units.
    assert (fr["cer"], fr["wer"], fr["uer"]) == (0.5, pytest.approx(1 / 3), 0.5)
    assert fr["num_sentences"] == 1
    assert en["asr_examples"] == [
        {"reference": "the cat sleeps", "hypothesis": "the cat sleeps"},
        {"reference": "the cat", "hypothesis": "the cat sleeps"},
    ]
    assert fr["tts_examples"] == [{"reference": "3 6 7 4", "hypothesis": "3 5 7"}]


def test_evaluation_length_limits(asr_tts_lm):
    result = evaluate_asr_tts(
        asr_tts_lm, [([3, 5, 7], "the cat sleeps", "en")], max_new_tokens=1, max_new_units=2
    )["en"]
    assert result["wer"] == pytest.approx(2 / 3)  # "the"
    assert result["uer"] == pytest.approx(1 / 3)  # 3 5
    assert result["asr_examples"][0]["hypothesis"] == "the"
    with pytest.raises(ValueError, match="max_new_units must be None or an int >= 1"):
        evaluate_asr_tts(asr_tts_lm, [([3], "the cat", "en")], max_new_units=0)


def test_bad_models_are_rejected(random_lm, asr_tts_lm, words):
    with pytest.raises(ValueError, match="lm_transcribe needs a speech-text model.*UnitVocabulary"):
        lm_transcribe(random_lm, [1, 2])
    with pytest.raises(ValueError, match="lm_synthesise needs a speech-text model"):
        lm_synthesise(random_lm, "the cat")
    with pytest.raises(ValueError, match="evaluate_asr_tts needs a speech-text model"):
        evaluate_asr_tts(random_lm, [([1], "the cat", "en")])
    no_tokenizer = bigram_lm(asr_tts_lm.vocab, {})
    with pytest.raises(ValueError, match="lm_transcribe: the model has no text_tokenizer"):
        lm_transcribe(no_tokenizer, [1, 2])
    with pytest.raises(ValueError, match="lm_synthesise: the model has no text_tokenizer"):
        lm_synthesise(no_tokenizer, "the cat")
    too_few_text_ids = bigram_lm(SpeechTextVocabulary(num_text=5, num_units=K), {}, words)
    with pytest.raises(ValueError, match="has 11 ids but the model only 5 text ids"):
        lm_transcribe(too_few_text_ids, [1])


def test_bad_inputs_are_named(asr_tts_lm):
    with pytest.raises(ValueError, match="units: unit id 8 is outside"):
        lm_transcribe(asr_tts_lm, [1, 8])
    with pytest.raises(ValueError, match="units: no units to transcribe"):
        lm_transcribe(asr_tts_lm, [])
    with pytest.raises(ValueError, match="text: no text"):
        lm_synthesise(asr_tts_lm, "  ")
    with pytest.raises(UnencodableText, match="text: the tokenizer .* cannot encode 'a bird'"):
        lm_synthesise(asr_tts_lm, "a bird")
    good = ([1], "the cat", "en")
    with pytest.raises(ValueError, match=r"sentence 1 \(fr\) units: unit id 9 is outside"):
        evaluate_asr_tts(asr_tts_lm, [good, ([9], "le chat", "fr")])
    with pytest.raises(ValueError, match=r"sentence 1 \(fr\) has no units"):
        evaluate_asr_tts(asr_tts_lm, [good, ([], "le chat", "fr")])
    with pytest.raises(ValueError, match=r"sentence 1 \(fr\) text: no text"):
        evaluate_asr_tts(asr_tts_lm, [good, ([1], "", "fr")])
    with pytest.raises(UnencodableText, match=r"sentence 0 \(en\) text"):
        evaluate_asr_tts(asr_tts_lm, [([1], "a bird", "en")])
    with pytest.raises(ValueError, match="sentence 1 misses lang"):
        evaluate_asr_tts(asr_tts_lm, [good, {"units": [1], "text": "le chat"}])
    with pytest.raises(ValueError, match=r"sentence 0 is not a \(units, text, lang\) record"):
        evaluate_asr_tts(asr_tts_lm, [([1], "the cat")])
    with pytest.raises(ValueError, match="no sentences"):
        evaluate_asr_tts(asr_tts_lm, [])
