"""Chain-of-modality decoding: modality masks, variant structure, forced
switches, KV cache against a no-cache recomputation, a hand-built model with
known preferences, answer ids <-> chunks, metrics, bad input."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from speechbrain_xling.data.chain_of_modality import speech_prompt
from speechbrain_xling.data.vocab import SpeechTextVocabulary, UnitVocabulary
from speechbrain_xling.eval.asr_tts import character_error_rate
from speechbrain_xling.eval.chain_generation import (
    VARIANTS,
    AnswerStates,
    Chunk,
    answer_ids,
    chunk_consistency,
    exact_match,
    generate_answer,
    normalise_text,
    split_answer,
    stream_answer,
    write_speech_chunks,
)
from speechbrain_xling.model.unit_lm import UnitLM
from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece
from tests.eval.conftest import TINY_LLAMA, bigram_model

NUM_TEXT, K = 20, 16
CORPUS = ["the cat sleeps", "the cat dort", "le chat dort", "the dog runs", "le chien court"]


@pytest.fixture(scope="module", autouse=True)
def single_thread():
    """Tiny models run faster on one thread; restored after the module."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def random_lm(seed, num_text=NUM_TEXT, num_units=K):
    """An untrained speech-text tiny llama with large random weights."""
    torch.manual_seed(seed)
    vocab = SpeechTextVocabulary(num_text=num_text, num_units=num_units)
    config = {**TINY_LLAMA, "initializer_range": 0.5}
    return UnitLM.from_config(config, num_units=num_units, vocab=vocab).eval()


@pytest.fixture(scope="module")
def random_lms():
    return [random_lm(seed) for seed in (0, 1)]


def bigram_lm(vocab, preferences, text_tokenizer=None):
    """A tiny llama whose logits depend only on the current token:
    ``preferences[current] = {next: logit}`` (every other logit 0); PAD gets
    logit 50 after every token, so it would win wherever it were allowed."""
    lm = bigram_model(vocab)
    with torch.no_grad():
        head = lm.hf_model.lm_head.weight
        for current, choices in preferences.items():
            for following, logit in choices.items():
                head[following, current] = logit
        head[vocab.pad] = 50.0
    lm.text_tokenizer = text_tokenizer
    return lm.eval()


def modalities_and_markers(vocab, ids):
    """Checks the answer ids one by one, independently of the module: every
    marker switches modality, every other id is of the current modality, EOS
    is last and PAD absent. Returns the modality of every chunk, in order."""
    assert ids[-1] == vocab.eos and vocab.eos not in ids[:-1] and vocab.pad not in ids
    current, chunks, length = "speech", [], 0
    for token in ids[:-1]:
        if token in (vocab.text_marker, vocab.speech_marker):
            new = "text" if token == vocab.text_marker else "speech"
            assert new != current, f"marker {token} does not switch modality in {ids}"
            assert length > 0 or not chunks, f"empty chunk in {ids}"
            current, length = new, 0
            continue
        if current == "text":
            assert 0 <= token < vocab.num_text, f"id {token} inside a text chunk of {ids}"
        else:
            assert vocab.unit_offset <= token < vocab.text_marker, f"id {token} in speech: {ids}"
        if length == 0:
            chunks.append(current)
        length += 1
    assert length > 0, f"empty last chunk in {ids}"
    return chunks


def chunk_lengths(vocab, ids):
    """Content tokens of each chunk of answer ids (markers and EOS dropped)."""
    lengths, length = [], 0
    for token in ids:
        if token in (vocab.text_marker, vocab.speech_marker, vocab.eos):
            if length:
                lengths.append(length)
            length = 0
        else:
            length += 1
    return lengths


def check_structure(variant, modalities, max_chunks):
    """The chunk modalities a variant may produce."""
    if variant == "text":
        assert modalities == ["text"]
    elif variant == "speech":
        assert modalities == ["speech"]
    elif variant == "text_then_speech":
        assert modalities == ["text", "speech"]
    else:
        assert modalities == ["text", "speech"] * (len(modalities) // 2)
        assert 1 <= len(modalities) // 2 <= max_chunks


@pytest.mark.parametrize("variant", VARIANTS)
def test_sampled_answers_keep_the_modality_masks(random_lms, variant):
    for model_index, lm in enumerate(random_lms):
        vocab = lm.vocab
        for seed in range(6):
            prompt = speech_prompt(vocab, np.random.default_rng(seed).integers(0, K, 5))
            answer = generate_answer(
                lm, prompt, variant, max_chunk_tokens=6, max_chunks=3, temperature=1.0, seed=seed
            )
            ids = answer.ids.tolist()
            modalities = modalities_and_markers(vocab, ids)
            check_structure(variant, modalities, max_chunks=3)
            assert [c.modality for c in answer.chunks] == modalities
            assert all(1 <= n <= 6 for n in chunk_lengths(vocab, ids)), (model_index, seed, ids)
            if variant in ("text", "chain", "text_then_speech"):
                assert ids[0] == vocab.text_marker
            if variant == "text":
                assert not any(vocab.unit_offset <= t < vocab.text_marker for t in ids)
                assert answer.time_to_first_unit is None and answer.units.size == 0
            if variant == "speech":
                assert not any(0 <= t < vocab.num_text for t in ids)
                assert vocab.text_marker not in ids and vocab.speech_marker not in ids


def test_sampling_spreads_over_the_vocabulary_and_is_seeded(random_lms):
    """Without masks these samples would hold ids of the other modality: the
    masked test above is not passing for lack of variety."""
    lm = random_lms[0]
    vocab = lm.vocab
    prompt = speech_prompt(vocab, [1, 2, 3])
    seen = set()
    for seed in range(6):
        answer = generate_answer(
            lm, prompt, "chain", max_chunk_tokens=6, max_chunks=3, temperature=1.0, seed=seed
        )
        again = generate_answer(
            lm, prompt, "chain", max_chunk_tokens=6, max_chunks=3, temperature=1.0, seed=seed
        )
        assert answer.ids.tolist() == again.ids.tolist()
        seen.update(answer.ids.tolist())
    assert len(seen & set(range(vocab.num_text))) >= 5
    assert len(seen & set(range(vocab.unit_offset, vocab.text_marker))) >= 5
    # unmasked, the model puts real mass on the other modality after [TEXT]
    with torch.no_grad():
        logits = lm(torch.tensor([[vocab.eos, *prompt.tolist(), vocab.text_marker]]))[0, -1]
    probabilities = logits.softmax(-1)
    assert probabilities[vocab.unit_offset : vocab.text_marker].sum() > 0.05


def test_text_ids_stop_at_the_tokenizer(random_lms):
    """A text LLM's table may hold more rows than its tokenizer has ids."""
    lm = random_lms[1]
    lm.text_tokenizer = SimpleNamespace(vocab_size=5)
    try:
        for seed in range(4):
            answer = generate_answer(
                lm,
                speech_prompt(lm.vocab, [4]),
                "text",
                max_chunk_tokens=8,
                temperature=2.0,
                seed=seed,
            )
            assert answer.text_ids.size and (answer.text_ids < 5).all()
    finally:
        lm.text_tokenizer = None


# -- KV cache against a slow, stateless reference --------------------------


def reference_rule(vocab, variant, answer, max_chunk_tokens, max_chunks):
    """``(forced id or None, allowed ids)`` after ``answer``, derived from scratch."""
    if variant != "speech" and not answer:
        return vocab.text_marker, None
    markers = [i for i, t in enumerate(answer) if t in (vocab.text_marker, vocab.speech_marker)]
    in_text = bool(markers) and answer[markers[-1]] == vocab.text_marker
    length = len(answer) - (markers[-1] + 1 if markers else 0)
    if in_text:
        closers = [vocab.eos] if variant == "text" else [vocab.speech_marker]
        allowed = set(range(vocab.num_text))
    else:
        closers = [vocab.eos]
        if variant == "chain" and answer.count(vocab.text_marker) < max_chunks:
            closers = [vocab.text_marker, vocab.eos]
        allowed = set(range(vocab.unit_offset, vocab.text_marker))
    if length == max_chunk_tokens:
        return closers[0], None
    return None, allowed | (set(closers) if length else set())


@torch.no_grad()
def no_cache_answer(lm, prompt, variant, max_chunk_tokens, max_chunks):
    """Greedy answer recomputing the whole sequence at every step (no cache)."""
    vocab = lm.vocab
    context, answer = [vocab.eos, *prompt], []
    while not answer or answer[-1] != vocab.eos:
        forced, allowed = reference_rule(vocab, variant, answer, max_chunk_tokens, max_chunks)
        if forced is None:
            logits = lm(torch.tensor([context + answer]))[0, -1].clone()
            outside = torch.ones(vocab.size, dtype=torch.bool)
            outside[sorted(allowed)] = False
            forced = int(logits.masked_fill(outside, float("-inf")).argmax())
        answer.append(forced)
    return answer


@pytest.mark.parametrize("variant", VARIANTS)
def test_kv_cache_gives_the_ids_of_a_full_recomputation(random_lms, variant):
    for lm in random_lms:
        for seed in range(3):
            prompt = speech_prompt(lm.vocab, np.random.default_rng(seed).integers(0, K, 4 + seed))
            prompt = prompt.tolist()
            for max_chunk_tokens, max_chunks in ((5, 3), (12, 2)):
                cached = generate_answer(lm, prompt, variant, max_chunk_tokens, max_chunks)
                expected = no_cache_answer(lm, prompt, variant, max_chunk_tokens, max_chunks)
                assert cached.ids.tolist() == expected


def test_every_id_is_read_once(random_lms):
    """The prompt is read in one pass, then each id once (forced ones with the next)."""
    lm = random_lms[0]
    inputs = []
    handle = lm.hf_model.register_forward_pre_hook(
        lambda module, args, kwargs: inputs.append(kwargs["input_ids"][0].tolist()),
        with_kwargs=True,
    )
    try:
        prompt = speech_prompt(lm.vocab, [3, 1, 4, 1, 5])
        answer = generate_answer(lm, prompt, "chain", max_chunk_tokens=4, max_chunks=3)
    finally:
        handle.remove()
    # EOS, the prompt and the forced [TEXT] first
    full = [lm.vocab.eos, *prompt.tolist(), *answer.ids.tolist()]
    assert inputs[0] == full[: len(prompt) + 2]
    # then each id once, in order (a forced one with the next pass); the final
    # EOS is never read, nor the last unit when EOS is forced after it
    read = [token for step in inputs for token in step]
    assert read == full[: len(read)] and len(full) - len(read) in (1, 2)
    assert {len(step) for step in inputs[1:]} <= {1, 2}


# -- a hand-built model with known preferences ------------------------------


@pytest.fixture(scope="module")
def small_vocab():
    # text 0..9, units 10..17, [TEXT] 18, [SPEECH] 19, EOS 20, PAD 21
    return SpeechTextVocabulary(num_text=10, num_units=8)


@pytest.fixture(scope="module")
def chain_lm(small_vocab):
    """Writes "3 4", speaks units 2 3, again and again. The other modality (and
    closers right after a marker) are always preferred, so only the masks and
    the state machine keep them out."""
    v = small_vocab
    u = v.unit_ids(range(8)).tolist()
    return bigram_lm(
        v,
        {
            u[1]: {u[2]: 10.0, 3: 20.0},  # the prompt's last unit
            v.text_marker: {3: 10.0, u[5]: 20.0, v.eos: 15.0, v.speech_marker: 18.0},
            3: {4: 10.0, u[2]: 20.0},
            4: {v.speech_marker: 10.0, u[3]: 20.0, v.eos: 15.0},
            v.speech_marker: {u[2]: 10.0, 5: 20.0, v.text_marker: 30.0, v.eos: 25.0},
            u[2]: {u[3]: 10.0, 6: 20.0},
            u[3]: {v.text_marker: 10.0, v.eos: 5.0, 7: 20.0},
        },
    )


def test_known_preferences_give_the_expected_answers(chain_lm, small_vocab):
    v = small_vocab
    T, S, E = v.text_marker, v.speech_marker, v.eos
    prompt = speech_prompt(v, [0, 1])
    expected = {
        ("chain", 2): [T, 3, 4, S, 12, 13, T, 3, 4, S, 12, 13, E],
        ("chain", 1): [T, 3, 4, S, 12, 13, E],
        ("text_then_speech", 2): [T, 3, 4, S, 12, 13, E],
        ("text", 2): [T, 3, 4, E],  # EOS (15) closes the text, [SPEECH] (10) may not
        ("speech", 2): [12, 13, E],  # [TEXT] may not open: EOS (5) beats the units (0)
    }
    for (variant, max_chunks), ids in expected.items():
        answer = generate_answer(
            chain_lm, prompt, variant, max_chunk_tokens=10, max_chunks=max_chunks
        )
        assert answer.ids.tolist() == ids, (variant, max_chunks)
    answer = generate_answer(chain_lm, prompt, "chain", max_chunks=2)
    assert [(c.modality, c.raw) for c in answer.chunks] == [
        ("text", (3, 4)),
        ("speech", (2, 3)),
        ("text", (3, 4)),
        ("speech", (2, 3)),
    ]
    assert answer.text_ids.tolist() == [3, 4, 3, 4] and answer.units.tolist() == [2, 3, 2, 3]


def test_full_chunks_force_the_switch(small_vocab):
    v = small_vocab
    T, S, E = v.text_marker, v.speech_marker, v.eos
    u = v.unit_ids(range(8)).tolist()
    # loops forever in each modality: "3 3 3 ..." and units "4 4 4 ..."
    lm = bigram_lm(
        v,
        {
            u[1]: {u[4]: 10.0},
            v.text_marker: {3: 10.0},
            3: {3: 10.0, u[0]: 20.0},
            v.speech_marker: {u[4]: 10.0},
            u[4]: {u[4]: 10.0, 0: 20.0},
        },
    )
    prompt = speech_prompt(v, [1])
    ids = generate_answer(lm, prompt, "chain", max_chunk_tokens=3, max_chunks=2).ids.tolist()
    assert ids == [T, 3, 3, 3, S, 14, 14, 14, T, 3, 3, 3, S, 14, 14, 14, E]
    ids = generate_answer(lm, prompt, "text_then_speech", max_chunk_tokens=2).ids.tolist()
    assert ids == [T, 3, 3, S, 14, 14, E]
    assert generate_answer(lm, prompt, "text", max_chunk_tokens=4).ids.tolist() == [
        T,
        3,
        3,
        3,
        3,
        E,
    ]
    assert generate_answer(lm, prompt, "speech", max_chunk_tokens=1).ids.tolist() == [14, E]


def test_chunks_stream_out_as_soon_as_they_are_complete(chain_lm, small_vocab):
    forwards = []
    handle = chain_lm.hf_model.register_forward_hook(lambda *args: forwards.append(1))
    try:
        stream = stream_answer(chain_lm, speech_prompt(small_vocab, [0, 1]), "chain", max_chunks=2)
        assert forwards == []  # nothing is decoded before the first next()
        first = next(stream)
        assert (first.modality, first.raw) == ("text", (3, 4))
        assert len(forwards) == 3  # chose 3, 4 and [SPEECH]; no unit yet
        rest = list(stream)
    finally:
        handle.remove()
    assert len(forwards) == 12 and [c.modality for c in rest] == ["speech", "text", "speech"]
    times = [t for chunk in [first, *rest] for t in (chunk.started_at, chunk.finished_at)]
    assert times == sorted(times) and times[0] >= 0


def test_textless_models_answer_in_speech():
    torch.manual_seed(0)
    lm = UnitLM.from_config({**TINY_LLAMA, "initializer_range": 0.5}, num_units=K).eval()
    for seed in range(3):
        answer = generate_answer(
            lm,
            speech_prompt(lm.vocab, [1, 2]),
            "speech",
            max_chunk_tokens=7,
            temperature=1.0,
            seed=seed,
        )
        assert answer.ids[-1] == lm.vocab.eos and (answer.ids[:-1] < K).all()
        assert len(answer.ids) <= 8 and split_answer(lm.vocab, answer.ids) == answer.chunks
    with pytest.raises(ValueError, match="textless .* only allows 'speech'"):
        stream_answer(lm, [1, 2], "chain")


def test_the_answers_language_marker_steers_the_answer():
    v = SpeechTextVocabulary(num_text=10, num_units=8, languages=("en", "fr"))
    u = v.unit_ids(range(8)).tolist()
    en, fr = v.language_marker("en"), v.language_marker("fr")
    lm = bigram_lm(v, {en: {u[2]: 10.0}, fr: {u[5]: 10.0}, u[2]: {v.eos: 10}, u[5]: {v.eos: 10}})
    for lang, unit in (("en", 2), ("fr", 5)):
        prompt = speech_prompt(v, [0, 1], answer_lang=lang)
        assert prompt.tolist() == [v.speech_marker, u[0], u[1], v.language_marker(lang)]
        assert generate_answer(lm, prompt, "speech").units.tolist() == [unit]
    # The model was fine-tuned with markers: a prompt without one is refused.
    with pytest.raises(ValueError, match="must end with the answer's language marker"):
        stream_answer(lm, [v.speech_marker, u[0], u[1]], "speech")
    with pytest.raises(ValueError, match="name the answer's language"):
        speech_prompt(v, [0, 1])
    with pytest.raises(ValueError, match="no answer-language marker for 'de'"):
        speech_prompt(v, [0, 1], answer_lang="de")
    with pytest.raises(ValueError, match=r"no answer-language markers: .* \('en'\) cannot"):
        speech_prompt(SpeechTextVocabulary(10, 8), [0, 1], answer_lang="en")


# -- answer ids <-> chunks ---------------------------------------------------


def random_chunks(vocab, rng):
    """Chunks of alternating modality, starting with either."""
    chunks = []
    modality = rng.choice(["text", "speech"])
    for _ in range(int(rng.integers(0, 6))):
        if modality == "text":
            raw = rng.integers(0, vocab.num_text, rng.integers(1, 5))
            chunks.append(Chunk("text", tuple(raw.tolist()), tuple(raw.tolist())))
        else:
            raw = rng.integers(0, vocab.num_units, rng.integers(1, 5))
            ids = vocab.unit_ids(raw)
            chunks.append(Chunk("speech", tuple(ids.tolist()), tuple(raw.tolist())))
        modality = "speech" if modality == "text" else "text"
    return chunks


def test_split_answer_round_trips(small_vocab):
    rng = np.random.default_rng(0)
    for _ in range(200):
        chunks = random_chunks(small_vocab, rng)
        ids = answer_ids(small_vocab, chunks)
        assert split_answer(small_vocab, ids) == chunks
        assert split_answer(small_vocab, ids[:-1]) == chunks  # EOS is optional
        assert answer_ids(small_vocab, split_answer(small_vocab, ids)).tolist() == ids.tolist()
        if chunks:
            modalities = modalities_and_markers(small_vocab, ids.tolist())
            assert modalities == [c.modality for c in chunks]
    textless = UnitVocabulary(8)
    chunks = split_answer(textless, [3, 1, 8])
    assert [(c.modality, c.raw) for c in chunks] == [("speech", (3, 1))]
    assert answer_ids(textless, chunks).tolist() == [3, 1, 8]


def test_split_answer_rejects_malformed_ids(small_vocab):
    v = small_vocab
    T, S, E = v.text_marker, v.speech_marker, v.eos
    cases = {
        "does not switch": [S, 12, E],
        "already in text": [T, 3, T, 4, E],
        "opened at position 0 is empty": [T, S, 12, E],
        "opened at position 3 is empty": [T, 3, 4, S, E],
        "unit id 12 at position 2 inside a text": [T, 3, 12, E],
        "text id 3 at position 1 inside a speech": [12, 3, E],
        "EOS at position 1 is not the last": [12, E, 13],
        "PAD": [12, v.pad],
        "outside": [12, 99],
    }
    for message, ids in cases.items():
        with pytest.raises(ValueError, match=message):
            split_answer(v, ids)
    assert split_answer(v, [E]) == [] == split_answer(v, [])


def test_answer_ids_rejects_bad_chunks(small_vocab):
    text = Chunk("text", (3,), (3,))
    with pytest.raises(ValueError, match="both text"):
        answer_ids(small_vocab, [text, text])
    with pytest.raises(ValueError, match="text id 12 is outside"):
        answer_ids(small_vocab, [Chunk("text", (12,), (12,))])
    with pytest.raises(ValueError, match="does not match its ids"):
        answer_ids(small_vocab, [Chunk("speech", (12,), (12,))])
    with pytest.raises(ValueError, match="non-empty"):
        answer_ids(small_vocab, [Chunk("speech", (), ())])
    with pytest.raises(ValueError, match="textless"):
        answer_ids(UnitVocabulary(8), [text])


# -- metrics and files ----------------------------------------------------


def test_exact_match_normalisation():
    assert normalise_text("  The CAT, sleeps!\n") == "the cat sleeps"
    assert normalise_text("l'eau «froide»…") == "l eau froide"
    assert normalise_text("ﬁn") == "fin"  # NFKC: the ligature is two letters
    assert exact_match("The cat sleeps.", "the   cat sleeps")
    assert exact_match("don't", "DON'T") and exact_match("don ' t", "don't")
    assert exact_match("Straße", "STRASSE")  # case folding
    assert not exact_match("the cat sleeps", "the cats sleep")
    assert not exact_match("été", "ete")  # accents count
    assert not exact_match("10 $", "10 %")  # symbols count
    assert not exact_match("thecat", "the cat")


@pytest.fixture(scope="module")
def words(tmp_path_factory):
    """A word-level SentencePiece tokenizer (one id per word of CORPUS)."""
    path = tmp_path_factory.mktemp("tokenizer") / "words.model"
    return load_text_tokenizer(
        train_sentencepiece(CORPUS * 10, path, 12, model_type="word", byte_fallback=False)
    )


def test_chunk_consistency_transcribes_each_speech_chunk(words):
    vocab = SpeechTextVocabulary(num_text=words.vocab_size, num_units=8)
    the, cat = words.encode("the cat")
    u = vocab.unit_ids(range(8)).tolist()
    # writes "the cat", speaks 3 5; transcribes every unit sequence as "the cat"
    lm = bigram_lm(
        vocab,
        {
            vocab.text_marker: {the: 10.0},
            the: {cat: 10.0},
            cat: {vocab.speech_marker: 10.0},
            vocab.speech_marker: {u[3]: 10.0},
            u[3]: {u[5]: 10.0},
            u[5]: {vocab.eos: 10.0},
        },
    )
    answer = generate_answer(lm, speech_prompt(vocab, [1]), "chain")
    assert answer.ids.tolist() == [
        vocab.text_marker,
        the,
        cat,
        vocab.speech_marker,
        u[3],
        u[5],
        vocab.eos,
    ]
    result = chunk_consistency(lm, answer.chunks, words)
    assert result == {
        "cer": 0.0,
        "num_pairs": 1,
        "pairs": [{"chunk": 1, "text": "the cat", "transcript": "the cat", "cer": 0.0}],
    }
    assert lm.text_tokenizer is None  # restored
    le, chat = words.encode("le chat")
    chunks = split_answer(
        vocab,
        [
            vocab.text_marker,
            le,
            chat,
            vocab.speech_marker,
            u[1],
            vocab.text_marker,
            the,
            vocab.speech_marker,
            u[2],
        ],
    )
    result = chunk_consistency(lm, chunks, words)
    expected = character_error_rate(["le chat", "the"], ["the cat", "the cat"])
    assert result["cer"] == pytest.approx(expected) and result["cer"] > 0
    assert [p["cer"] for p in result["pairs"]] == [
        character_error_rate(["le chat"], ["the cat"]),
        character_error_rate(["the"], ["the cat"]),
    ]
    speech_only = split_answer(vocab, [u[1], u[2]])
    assert chunk_consistency(lm, speech_only, words) == {"cer": None, "num_pairs": 0, "pairs": []}
    with pytest.raises(ValueError, match="needs a text_tokenizer"):
        chunk_consistency(lm, chunks)


def test_write_speech_chunks(tmp_path, chain_lm, small_vocab):
    stream = stream_answer(chain_lm, speech_prompt(small_vocab, [0, 1]), "chain", max_chunks=2)
    written = write_speech_chunks(stream, tmp_path / "units")
    assert [w["chunk"] for w in written] == [1, 3] and all(w["wav"] is None for w in written)
    assert written[0]["units"].read_text() == "2 3\n"
    decoder = SimpleNamespace(decode=lambda units: np.zeros(160 * len(units)), sample_rate=16000)
    written = write_speech_chunks(
        split_answer(small_vocab, [12, 13, 14]), tmp_path / "wav", decoder
    )
    assert written[0]["wav"].name == "chunk000.wav" and written[0]["wav"].stat().st_size > 0


# -- bad input ------------------------------------------------------------------


def test_bad_arguments_raise_at_the_call(random_lms):
    lm = random_lms[0]
    vocab = lm.vocab
    prompt = speech_prompt(vocab, [1, 2])
    cases = [
        ({"variant": "speech_then_text"}, "unknown variant 'speech_then_text'"),
        ({"prompt_ids": [vocab.speech_marker, 999]}, "prompt_ids: token id 999 is outside"),
        ({"prompt_ids": [vocab.speech_marker, vocab.pad]}, "prompt_ids holds the PAD"),
        ({"prompt_ids": []}, "prompt_ids is empty"),
        ({"prompt_ids": [vocab.speech_marker, 3]}, "prompt_ids must end with a unit id"),
        ({"max_chunk_tokens": 0}, "max_chunk_tokens must be an int >= 1"),
        ({"max_chunk_tokens": 2.5}, "max_chunk_tokens must be an int >= 1"),
        ({"max_chunks": 0}, "max_chunks must be an int >= 1"),
        ({"temperature": -1.0}, "temperature must be >= 0"),
        ({"top_k": 0}, "top_k must be >= 1"),
    ]
    for change, message in cases:
        arguments = {"lm": lm, "prompt_ids": prompt, "variant": "chain", **change}
        with pytest.raises(ValueError, match=message):
            stream_answer(**arguments)  # not iterated: raised at the call
        with pytest.raises(ValueError, match=message):
            generate_answer(**arguments)


def test_state_machine_rejects_forbidden_ids(small_vocab):
    states = AnswerStates(small_vocab, "text", max_chunk_tokens=2)
    with pytest.raises(ValueError, match="may not come next"):
        states.advance(3)  # [TEXT] is forced first
    states.advance(small_vocab.text_marker)
    with pytest.raises(ValueError, match="may not come next"):
        states.advance(small_vocab.eos)  # no empty chunk
    states.advance(3)
    states.advance(small_vocab.eos)
    assert states.finished
    with pytest.raises(RuntimeError, match="finished"):
        states.forced_token()
