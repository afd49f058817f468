"""UnitLM: TWIST initialisation, tying, save/load, loss, vocabularies grown by markers."""

import json

import pytest
import torch

from speechbrain_xling.data.vocab import (
    SpeechTextVocabulary,
    UnitVocabulary,
    vocabulary_from_dict,
    with_answer_languages,
)
from speechbrain_xling.model.unit_lm import UnitLM, build_unit_lm, next_unit_loss
from tests.conftest import TINY_ARCHITECTURES


@pytest.mark.parametrize("architecture", ["llama", "qwen2"])
def test_twist_keeps_blocks_and_replaces_token_tables(tiny_text_lm, architecture):
    import transformers

    source = tiny_text_lm(architecture)
    text_model = transformers.AutoModelForCausalLM.from_pretrained(source)
    lm = UnitLM.from_text_lm(str(source), num_units=64)
    assert lm.hf_model.get_input_embeddings().weight.shape == (66, 32)
    assert lm.hf_model.get_output_embeddings().weight.shape == (66, 32)
    tied = TINY_ARCHITECTURES[architecture]["tie_word_embeddings"]
    same = lm.hf_model.get_output_embeddings().weight is lm.hf_model.get_input_embeddings().weight
    assert same == tied
    text_state = text_model.state_dict()
    for name, value in lm.hf_model.state_dict().items():
        if "embed_tokens" in name or "lm_head" in name:
            continue
        torch.testing.assert_close(value, text_state[name], rtol=0, atol=0)
    assert lm(torch.randint(0, 64, (2, 9))).shape == (2, 9, 66)


def test_save_load_round_trip_gives_the_same_logits(tmp_path):
    lm = UnitLM.from_config(TINY_ARCHITECTURES["llama"], num_units=16)
    lm.save(tmp_path / "lm")
    again = build_unit_lm(16, init_from=str(tmp_path / "lm"))
    tokens = torch.randint(0, 16, (3, 11))
    torch.testing.assert_close(lm(tokens), again(tokens))
    assert len(again.hidden_states(tokens)) == 3  # embeddings + 2 layers
    with pytest.raises(ValueError, match="K=16 units but num_units=32"):
        build_unit_lm(32, init_from=str(tmp_path / "lm"))


def test_exactly_one_model_source():
    with pytest.raises(ValueError, match="exactly one"):
        build_unit_lm(16)
    with pytest.raises(ValueError, match="exactly one"):
        build_unit_lm(16, text_lm_source="x", model_config={"model_type": "llama"})


def test_load_refuses_a_text_model_folder(tiny_text_lm):
    with pytest.raises(FileNotFoundError, match="not a UnitLM folder"):
        UnitLM.load(tiny_text_lm("llama"))


def test_loss_ignores_padding_targets():
    logits = torch.randn(2, 5, 10)
    tokens = torch.tensor([[1, 2, 3, 9, 9], [4, 5, 6, 7, 8]])
    loss, count = next_unit_loss(logits, tokens, pad_id=9)
    assert count.item() == 2 + 4
    manual = torch.nn.functional.cross_entropy(
        torch.cat([logits[0, :2], logits[1, :4]]), torch.tensor([2, 3, 5, 6, 7, 8])
    )
    torch.testing.assert_close(loss, manual)


@pytest.mark.parametrize("speech_text", [False, True])
def test_answer_language_markers_grow_a_model_that_scores_as_before(tmp_path, speech_text):
    vocab = SpeechTextVocabulary(20, 16) if speech_text else UnitVocabulary(16)
    lm = UnitLM.from_config(
        TINY_ARCHITECTURES["llama"], 16, "eager", vocab if speech_text else None
    )
    lm.save(tmp_path / "stage")
    marked = with_answer_languages(vocab, ["en", "fr"])
    grown = build_unit_lm(16, init_from=str(tmp_path / "stage"), vocab=marked)
    # every id keeps its row: the same logits over the old ids, the markers after PAD
    assert [marked.language_marker(lang) for lang in ("en", "fr")] == [vocab.size, vocab.size + 1]
    tokens = torch.randint(0, vocab.size, (2, 9))
    lm.eval(), grown.eval()
    torch.testing.assert_close(grown(tokens)[..., : vocab.size], lm(tokens), rtol=0, atol=1e-5)
    assert grown(torch.tensor([[marked.language_marker("fr")]])).shape == (1, 1, vocab.size + 2)
    grown.save(tmp_path / "sft")
    assert UnitLM.load(tmp_path / "sft").vocab == marked
    # the markers' ids are kept when more are added; none is dropped
    again = build_unit_lm(
        16, init_from=str(tmp_path / "sft"), vocab=with_answer_languages(marked, ["de"])
    )
    assert again.vocab.languages == ("en", "fr", "de")
    with pytest.raises(ValueError, match=r"sft: cannot grow .* no marker for \['fr'\]"):
        build_unit_lm(
            16, init_from=str(tmp_path / "sft"), vocab=with_answer_languages(vocab, ["en"])
        )


def test_vocabularies_with_answer_language_markers_read_back():
    for vocab in (UnitVocabulary(16, ("en", "fr")), SpeechTextVocabulary(8, 4, ("fr",))):
        saved = json.loads(json.dumps(vocab.to_dict()))
        assert vocabulary_from_dict(saved) == vocab and saved["size"] == vocab.size
        with pytest.raises(ValueError, match="size=.* does not match"):
            vocabulary_from_dict({**saved, "languages": []})
    # a vocabulary saved before the markers reads back without them
    assert vocabulary_from_dict({"num_units": 16, "eos": 16, "pad": 17, "size": 18}).languages == ()
    with pytest.raises(ValueError, match="languages must be distinct"):
        UnitVocabulary(16, ("en", "en"))
    with pytest.raises(ValueError, match="list of non-empty names"):
        UnitVocabulary(16, "en")
