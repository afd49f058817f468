"""train.py with hparams/stage2_speech_text.yaml: from a text LM, and grown from stage 1."""

import json

import pytest

from speechbrain_xling.data.unit_store import write_unit_store
from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.model.unit_lm import UnitLM
from speechbrain_xling.tokenizers.text import train_sentencepiece
from tests.conftest import TINY_ARCHITECTURES
from tests.core.test_speech_text import text_rows, word_tokenizer
from tests.core.test_train_recipe import failure, run, step_losses, train_command

CHANNELS = ("en_speech", "en_text", "fr_speech", "fr_text", "eos")


@pytest.fixture(scope="module")
def text_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speech_text_store")
    write_unit_store(folder, text_rows(40), num_units=64)
    return folder


def check_stage(output, steps=24, tokens_per_step=256):
    losses = step_losses(output)
    assert sorted(losses) == list(range(1, steps + 1))
    first = sum(losses[s] for s in range(1, 5)) / 4
    last = sum(losses[s] for s in range(steps - 3, steps + 1)) / 4
    assert last < first - 0.5, (first, last)
    summary = json.loads((output / "training_summary.json").read_text())
    measured = summary["measured_tokens"]
    assert set(measured) == set(CHANNELS)
    assert sum(measured.values()) == steps * tokens_per_step
    assert all(measured[channel] > 0 for channel in CHANNELS)
    assert {"text", "interleaved", "speech"} <= set(summary["documents"])
    lm = UnitLM.load(output / "final_model")
    assert lm.text_tokenizer.vocab_size <= lm.vocab.num_text  # saved with the model
    assert lm.text_tokenizer.decode(lm.text_tokenizer.encode("le chat")) == "le chat"
    return lm


def test_speech_text_stage_from_a_text_lm_and_its_tokenizer(text_store, tiny_text_lm, tmp_path):
    words = sorted({word for row in text_rows(40) for word in row["text"].split()})
    tokenizer = word_tokenizer(tmp_path / "tok", words)
    command = train_command(
        "stage2_speech_text.yaml",
        text_store,
        tiny_text_lm("qwen2"),
        tmp_path,
        text_tokenizer_source=tokenizer,
    )
    result = run(command)
    assert result.returncode == 0, failure(result)
    lm = check_stage(tmp_path / "stage2_speech_text")
    assert lm.vocab == SpeechTextVocabulary(num_text=500, num_units=64)  # the LM's 500 rows


def test_speech_text_stage_grows_a_textless_stage_one(text_store, tmp_path):
    stage1 = tmp_path / "stage1_en_pretrain" / "final_model"
    UnitLM.from_config(TINY_ARCHITECTURES["llama"], num_units=64).save(stage1)
    spm = train_sentencepiece(
        [row["text"] for row in text_rows(40)],
        tmp_path / "text.model",
        vocab_size=48,
        byte_fallback=False,
    )
    command = train_command(
        "stage2_speech_text.yaml",
        text_store,
        "null",
        tmp_path,
        text_tokenizer_source=spm,
        init_from=stage1,
        document_shares="{text: 0.2, interleaved: 0.4, speech: 0.2, pairs: 0.2}",
        pair_loss="target",  # pairs' sources travel as tokens without loss
    )
    result = run(command)
    assert result.returncode == 0, failure(result)
    lm = check_stage(tmp_path / "stage2_speech_text")
    assert lm.vocab.num_units == 64 and lm.vocab.num_text <= 48


def test_store_without_text_is_named(tmp_path, tiny_text_lm):
    from tests.conftest import aligned_rows

    store = tmp_path / "store"
    write_unit_store(store, aligned_rows(4), num_units=64)
    spm = train_sentencepiece(
        ["the cat sees one star"] * 4, tmp_path / "t.model", vocab_size=16, byte_fallback=False
    )
    command = train_command(
        "stage2_speech_text.yaml", store, tiny_text_lm("llama"), tmp_path, text_tokenizer_source=spm
    )
    result = run(command)
    assert result.returncode != 0
    assert "holds no text" in result.stdout + result.stderr
