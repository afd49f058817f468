"""Cross-lingual alignment: pooling, cosine per layer, baseline, plot, reader."""

from pathlib import Path

import numpy as np
import pytest
import torch

from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.eval.alignment import (
    COLUMNS,
    SPEECH_TEXT_CONDITIONS,
    AlignedPair,
    evaluate_alignment,
    evaluate_speech_text_alignment,
    layer_similarities,
    plot_alignment,
    pooled_hidden_states,
    pooled_token_states,
    read_alignment,
    retrieval_at_1,
)
from speechbrain_xling.eval.files import BenchmarkFormatError
from speechbrain_xling.model.unit_lm import UnitLM
from speechbrain_xling.tokenizers.text import TextTokenizer
from tests.eval.conftest import NUM_UNITS, TINY_LLAMA, read_units, write_unit_wav


def write_alignment(folder, pairs):
    """alignment.csv with one (EN units, FR units) pair per row."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [",".join(COLUMNS)]
    for number, (en_units, fr_units) in enumerate(pairs):
        write_unit_wav(folder / f"en{number}.wav", en_units)
        write_unit_wav(folder / f"fr{number}.wav", fr_units)
        rows.append(f"p{number},en{number}.wav,fr{number}.wav,hello,bonjour")
    (folder / "alignment.csv").write_text("\n".join(rows) + "\n")
    return folder / "alignment.csv"


def test_layer_similarities_on_known_vectors():
    en = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    fr = np.array([[[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0]]])
    matched, mismatched = layer_similarities(en, fr)
    assert matched == pytest.approx([(1 + 1 - 1) / 3])
    # off-diagonal cosines: (0, 1)=0, (0, 2)=-1/sqrt2, (1, 0)=0,
    # (1, 2)=-1/sqrt2, (2, 0)=1/sqrt2, (2, 1)=1/sqrt2
    assert mismatched == pytest.approx([0.0])


def test_pooling_ignores_padding_and_the_eos_context(random_lm):
    sequences = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [11]]
    batched = pooled_hidden_states(random_lm, sequences, max_tokens_per_batch=64)
    for index, units in enumerate(sequences):
        with torch.no_grad():
            layers = random_lm.hidden_states(torch.tensor([[random_lm.vocab.eos, *units]]))
        expected = torch.stack(layers)[:, 0, 1:].mean(1).numpy()
        np.testing.assert_allclose(batched[:, index], expected, rtol=1e-4, atol=1e-4)


def test_identical_translations_are_perfectly_aligned(tmp_path, random_lm):
    rng = np.random.default_rng(0)
    pairs = [
        (units, units)
        for units in (rng.integers(0, NUM_UNITS, rng.integers(3, 9)) for _ in range(6))
    ]
    result = evaluate_alignment(
        random_lm, read_alignment(write_alignment(tmp_path, pairs)), read_units
    )
    num_layers = random_lm.config.num_hidden_layers + 1
    assert result["matched"] == pytest.approx([1.0] * num_layers, abs=1e-6)
    assert len(result["mismatched"]) == num_layers
    assert max(result["mismatched"]) < 0.99
    assert result["mean_matched"] == pytest.approx(1.0, abs=1e-6)
    assert result["mean_mismatched"] == pytest.approx(np.mean(result["mismatched"][1:]))
    assert result["num_pairs"] == 6


def test_plot_is_a_png(tmp_path):
    results = {
        "a": {"matched": [0.5, 0.7, 0.8], "mismatched": [0.4, 0.3, 0.3]},
        "b": {"matched": [0.6, 0.6, 0.9], "mismatched": [0.5, 0.2, 0.1]},
    }
    plot_alignment(results, tmp_path / "plots" / "alignment.png")
    assert (tmp_path / "plots" / "alignment.png").read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in (tmp_path / "plots").iterdir()] == ["alignment.png"]


def test_reader_errors_name_the_problem(tmp_path):
    csv_path = write_alignment(tmp_path, [([1, 2], [3, 4]), ([5], [6])])
    (tmp_path / "fr1.wav").unlink()
    with pytest.raises(FileNotFoundError, match=r"line 3: fr_wav file .*fr1.wav"):
        read_alignment(csv_path)
    csv_path = write_alignment(tmp_path / "one", [([1, 2], [3, 4])])
    with pytest.raises(BenchmarkFormatError, match="at least 2 pairs, got 1"):
        read_alignment(csv_path)
    csv_path = write_alignment(tmp_path / "dup", [([1], [2]), ([3], [4])])
    csv_path.write_text(csv_path.read_text().replace("p1,", "p0,"))
    with pytest.raises(BenchmarkFormatError, match="line 3: pair_id 'p0' already on line 2"):
        read_alignment(csv_path)


class LetterTokenizer(TextTokenizer):
    """Lower-case letters a..z as text ids 0..25."""

    vocab_size = 26
    source = "letters"

    def _encode(self, text):
        return [ord(letter) - ord("a") for letter in text]

    def decode(self, ids):
        return "".join(chr(ord("a") + int(i)) for i in ids)


@pytest.fixture(scope="module")
def mirrored_lm():
    """A random speech-text llama in which unit k reads exactly like letter k.

    The embedding of unit k is that of text id k, and ``[SPEECH]``'s is
    ``[TEXT]``'s, so ``EOS [SPEECH] units`` and ``EOS [TEXT] letters`` of the
    same indices give the same hidden states in every layer.
    """
    vocab = SpeechTextVocabulary(num_text=26, num_units=26)
    torch.manual_seed(0)
    lm = UnitLM.from_config({**TINY_LLAMA, "initializer_range": 0.5}, 26, vocab=vocab)
    with torch.no_grad():
        table = lm.hf_model.model.embed_tokens.weight
        table[vocab.unit_ids(range(26))] = table[:26].clone()
        table[vocab.speech_marker] = table[vocab.text_marker]
    lm.text_tokenizer = LetterTokenizer()
    return lm.eval()


EN_TEXTS = ["abc", "hello", "world", "cat", "zebra"]
FR_TEXTS = ["bonjour", "monde", "chat", "abd", "zebre"]


def spoken_pairs(en_texts=EN_TEXTS, fr_texts=FR_TEXTS, spoken_fr=FR_TEXTS):
    """Pairs carrying ``en_texts`` / ``fr_texts``, and their ``units_of``.

    The units of a sentence are the letter indices of what its audio says:
    :data:`EN_TEXTS` in English, ``spoken_fr`` in French. Permute the texts
    to pair the speech with the wrong texts.
    """
    units = {}
    for number, (en, fr) in enumerate(zip(EN_TEXTS, spoken_fr)):
        units[f"en{number}"] = LetterTokenizer().encode(en)
        units[f"fr{number}"] = LetterTokenizer().encode(fr)
    pairs = [
        AlignedPair(f"p{number}", Path(f"en{number}.wav"), Path(f"fr{number}.wav"), en, fr)
        for number, (en, fr) in enumerate(zip(en_texts, fr_texts))
    ]
    return pairs, lambda paths: [units[path.stem] for path in paths]


def test_token_pooling_skips_the_prefix_and_padding(mirrored_lm):
    vocab = mirrored_lm.vocab
    prefix = (vocab.eos, vocab.text_marker)
    sequences = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [11]]
    batched = pooled_token_states(mirrored_lm, sequences, prefix, max_tokens_per_batch=64)
    for index, ids in enumerate(sequences):
        with torch.no_grad():
            layers = mirrored_lm.hidden_states(torch.tensor([[*prefix, *ids]]))
        expected = torch.stack(layers)[:, 0, 2:].mean(1).numpy()
        np.testing.assert_allclose(batched[:, index], expected, rtol=1e-4, atol=1e-4)


def test_a_speech_text_model_pools_units_after_the_speech_marker(mirrored_lm):
    vocab = mirrored_lm.vocab
    pooled = pooled_hidden_states(mirrored_lm, [[0, 3, 25]])
    with torch.no_grad():
        tokens = [vocab.eos, vocab.speech_marker, *vocab.unit_ids([0, 3, 25]).tolist()]
        layers = mirrored_lm.hidden_states(torch.tensor([tokens]))
    expected = torch.stack(layers)[:, 0, 2:].mean(1).numpy()
    np.testing.assert_allclose(pooled[:, 0], expected, rtol=1e-4, atol=1e-4)


def test_retrieval_at_1_on_known_vectors():
    speech = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 0.0], [0, 1]]])
    text = np.array([[[3.0, 0.1], [0.0, 2.0], [-1.0, -1.0]], [[1.0, 0.0], [2.0, 0.0], [0, 1]]])
    # layer 0: items 0 and 1 find their text, item 2 does not; layer 1: items
    # 0 and 1 tie with each other (1/2 each), item 2 finds its text.
    assert retrieval_at_1(speech, text).tolist() == pytest.approx([2 / 3, 2 / 3])


def test_speech_and_its_own_text_align_exactly(mirrored_lm):
    pairs, units_of = spoken_pairs()
    result = evaluate_speech_text_alignment(mirrored_lm, pairs, units_of)
    num_layers = mirrored_lm.config.num_hidden_layers + 1
    assert sorted(result["conditions"]) == sorted(SPEECH_TEXT_CONDITIONS)
    assert result["num_pairs"] == 5
    assert result["chance_retrieval_at_1"] == 0.2
    for name, condition in result["conditions"].items():
        for key in ("matched", "mismatched", "retrieval_at_1"):
            assert len(condition[key]) == num_layers, (name, key)
        cosines = condition["matched"] + condition["mismatched"]
        assert all(-1 - 1e-6 <= v <= 1 + 1e-6 for v in cosines)
        assert all(0 <= v <= 1 for v in condition["retrieval_at_1"])
        assert condition["mean_retrieval_at_1"] == pytest.approx(
            np.mean(condition["retrieval_at_1"][1:])
        )
    for name in ("en_speech-en_text", "fr_speech-fr_text"):
        same = result["conditions"][name]
        assert same["matched"] == pytest.approx([1.0] * num_layers, abs=1e-5)
        assert max(same["mismatched"]) < 0.99
        assert same["retrieval_at_1"] == [1.0] * num_layers
        assert same["mean_matched"] == pytest.approx(1.0, abs=1e-5)
    # Across languages the speech says other words than the text.
    assert result["conditions"]["en_speech-fr_text"]["mean_matched"] < 0.99


def test_speech_with_permuted_texts_retrieves_none(mirrored_lm):
    # Every pair gets the texts of the next pair: no speech meets its own text.
    pairs, units_of = spoken_pairs(EN_TEXTS[1:] + EN_TEXTS[:1], FR_TEXTS[1:] + FR_TEXTS[:1])
    result = evaluate_speech_text_alignment(mirrored_lm, pairs, units_of)
    num_layers = mirrored_lm.config.num_hidden_layers + 1
    for name in ("en_speech-en_text", "fr_speech-fr_text"):
        assert result["conditions"][name]["retrieval_at_1"] == [0.0] * num_layers
        assert max(result["conditions"][name]["matched"]) < 0.99


def test_identical_translations_align_across_languages(mirrored_lm):
    pairs, units_of = spoken_pairs(EN_TEXTS, EN_TEXTS, spoken_fr=EN_TEXTS)
    result = evaluate_speech_text_alignment(mirrored_lm, pairs, units_of)
    for name in SPEECH_TEXT_CONDITIONS:
        assert result["conditions"][name]["mean_retrieval_at_1"] == 1.0, name


def test_reader_keeps_the_texts(tmp_path):
    pairs = read_alignment(write_alignment(tmp_path, [([1, 2], [3, 4]), ([5], [6])]))
    assert [(p.en_text, p.fr_text) for p in pairs] == [("hello", "bonjour")] * 2


def test_speech_text_alignment_rejects_bad_input(mirrored_lm, random_lm):
    pairs, units_of = spoken_pairs()
    with pytest.raises(ValueError, match="needs a speech-text model.*UnitVocabulary"):
        evaluate_speech_text_alignment(random_lm, pairs, units_of, LetterTokenizer())
    without_text = [*pairs[:2], AlignedPair("p9", Path("en0.wav"), Path("fr0.wav"), "abc")]
    with pytest.raises(ValueError, match="pair 'p9' has no fr_text"):
        evaluate_speech_text_alignment(mirrored_lm, without_text, units_of)
    bad_text = [*pairs[:2], AlignedPair("p7", Path("en0.wav"), Path("fr0.wav"), "ab", "a{b")]
    with pytest.raises(ValueError, match="pair 'p7' fr_text: text id 26 is outside"):
        evaluate_speech_text_alignment(mirrored_lm, bad_text, units_of)
    with pytest.raises(ValueError, match="needs at least 2 pairs .*, got 1"):
        evaluate_speech_text_alignment(mirrored_lm, pairs[:1], units_of)
    no_tokenizer = UnitLM(mirrored_lm.hf_model, mirrored_lm.vocab)
    with pytest.raises(ValueError, match="needs a text tokenizer"):
        evaluate_speech_text_alignment(no_tokenizer, pairs, units_of)
    with pytest.raises(ValueError, match="sequence 1 is empty"):
        pooled_token_states(mirrored_lm, [[1], []], (mirrored_lm.vocab.eos,))
    with pytest.raises(ValueError, match="sequence 0 holds the PAD id"):
        pooled_token_states(mirrored_lm, [[mirrored_lm.vocab.pad]], ())
    with pytest.raises(ValueError, match="sequence 1: unit id 26 is outside"):
        pooled_hidden_states(mirrored_lm, [[1], [26]])
