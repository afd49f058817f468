"""train.py with hparams/sft_chain_of_modality.yaml: from a speech-text stage, a
textless stage, and a JSONL of instruction data."""

import json

from speechbrain_xling.data.unit_store import write_unit_store
from speechbrain_xling.data.vocab import SpeechTextVocabulary, UnitVocabulary, with_answer_languages
from speechbrain_xling.model.unit_lm import UnitLM
from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece
from tests.conftest import TINY_ARCHITECTURES
from tests.core.test_chain_of_modality import ANSWERS, K, context_rows, qa_rows
from tests.core.test_train_recipe import failure, run, step_losses, train_command

STEPS = 24


def sft_command(tmp_path, qa_store, init_stage, **overrides):
    settings = {
        "init_from_stage": init_stage,
        "context_length": 128,
        "batch_size": 2,
        "lr": 0.005,
        "max_steps": STEPS,
        **overrides,
    }
    command = train_command("sft_chain_of_modality.yaml", qa_store, "null", tmp_path, **settings)
    return [part for part in command if not part.startswith(("--text_lm_source", "--init_from="))]


def save_stage(folder, vocab=None, text_tokenizer=None):
    lm = UnitLM.from_config(TINY_ARCHITECTURES["llama"], num_units=K, vocab=vocab)
    lm.text_tokenizer = text_tokenizer
    lm.save(folder / "final_model")


def check_sft(output, channels):
    losses = step_losses(output)
    assert sorted(losses) == list(range(1, STEPS + 1))
    first = sum(losses[s] for s in range(1, 5)) / 4
    last = sum(losses[s] for s in range(STEPS - 3, STEPS + 1)) / 4
    assert last < first - 0.5, (first, last)
    summary = json.loads((output / "training_summary.json").read_text())
    assert set(summary["measured_tokens"]) == {*channels, "eos"}
    assert sum(summary["measured_tokens"].values()) == STEPS * 256
    return summary


def test_sft_from_a_speech_text_stage(tmp_path):
    stores = tmp_path / "stores"
    qa = write_unit_store(stores / "qa", qa_rows(12), num_units=K)
    context = write_unit_store(stores / "context", context_rows(12), num_units=K)
    texts = [answer for lang in ANSWERS for answer in ANSWERS[lang]] * 20
    tokenizer = load_text_tokenizer(
        train_sentencepiece(texts, tmp_path / "t.model", vocab_size=60, byte_fallback=False)
    )
    vocab = SpeechTextVocabulary(tokenizer.vocab_size, K)
    save_stage(tmp_path / "stage2_speech_text_xling", vocab, tokenizer)
    result = run(
        sft_command(tmp_path, qa.folder, "stage2_speech_text_xling", context_store=context.folder)
    )
    assert result.returncode == 0, failure(result)
    summary = check_sft(
        tmp_path / "sft_chain_of_modality", ["en_speech", "en_text", "fr_speech", "fr_text"]
    )
    assert set(summary["documents"]) == {"chain", "text", "speech"}
    # The model grew an answer-language marker per language, kept its tokenizer.
    lm = UnitLM.load(tmp_path / "sft_chain_of_modality" / "final_model")
    assert lm.vocab == with_answer_languages(vocab, ["en", "fr"])
    assert lm.text_tokenizer.vocab_size == tokenizer.vocab_size


def test_sft_of_a_textless_stage_on_spoken_answers(tmp_path):
    stores = tmp_path / "stores"
    qa = write_unit_store(stores / "qa", qa_rows(12), num_units=K)
    context = write_unit_store(stores / "context", context_rows(12), num_units=K)
    save_stage(tmp_path / "baseline_en_fr")
    command = sft_command(
        tmp_path,
        qa.folder,
        "baseline_en_fr",
        context_store=context.folder,
        variant_shares="{speech: 1, chain: 0, text: 0}",
    )
    result = run(command)
    assert result.returncode == 0, failure(result)
    summary = check_sft(tmp_path / "sft_chain_of_modality", ["en", "fr"])
    assert set(summary["documents"]) == {"speech"}
    lm = UnitLM.load(tmp_path / "sft_chain_of_modality" / "final_model")
    assert lm.vocab == UnitVocabulary(K, ("en", "fr"))
    # A text variant on a textless model is refused, saying why.
    refused = sft_command(tmp_path, qa.folder, "baseline_en_fr", output_folder=tmp_path / "no")
    result = run(refused)
    assert result.returncode != 0 and "only the 'speech' variant" in result.stdout + result.stderr


def test_sft_from_a_jsonl_of_instructions(tmp_path):
    path = tmp_path / "sft.jsonl"
    lines = [
        {"question_units": [i % 8, 9], "answer_units": [16 + i % 8] * 6, "question_lang": lang}
        for i, lang in zip(range(40), ["en", "fr"] * 20)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    save_stage(tmp_path / "baseline_en_fr")
    command = sft_command(
        tmp_path,
        "null",
        "baseline_en_fr",
        instructions=path,
        variant_shares="{speech: 1, chain: 0, text: 0}",
        cross_lingual_prob=0.0,
    )
    result = run(command)
    assert result.returncode == 0, failure(result)
    check_sft(tmp_path / "sft_chain_of_modality", ["en", "fr"])
