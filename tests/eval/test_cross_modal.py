"""Cross-modal cloze (S->S, T->T, S->T, T->S) of speech-text models."""

import json

import numpy as np
import pytest
import torch

from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.eval.cloze import COLUMNS, LANGUAGE_PAIRS, TASKS, read_cloze
from speechbrain_xling.eval.cross_modal import (
    DIRECTIONS,
    evaluate_cross_modal_cloze,
    modality_id_range,
)
from speechbrain_xling.eval.scoring import LikelihoodScorer
from speechbrain_xling.model.unit_lm import UnitLM
from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece
from tests.eval.conftest import NUM_UNITS, TINY_LLAMA, read_units, write_unit_wav

GOOD_TEXT, BAD_TEXT = "aaa aa a", "zzz zz z"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    texts = [GOOD_TEXT, BAD_TEXT, "the story so far", "une histoire"] * 5
    path = tmp_path_factory.mktemp("spm") / "text.model"
    return load_text_tokenizer(train_sentencepiece(texts, path, vocab_size=24, byte_fallback=False))


def write_items(folder, swap=False, controls=("last_sentence",)):
    """Items whose true endings are units 0..7 and ``GOOD_TEXT``, wrong ones
    units 8..15 and ``BAD_TEXT`` (``swap``: the other way round)."""
    rng = np.random.default_rng(0)
    lines = [",".join(COLUMNS)]
    good, bad = (GOOD_TEXT, BAD_TEXT) if not swap else (BAD_TEXT, GOOD_TEXT)
    for task in TASKS:
        for prompt_lang, ending_lang in LANGUAGE_PAIRS:
            name = f"{task}_{prompt_lang}{ending_lang}"
            endings = rng.integers(0, 8, 5), rng.integers(8, 16, 5)
            correct, wrong = endings if not swap else endings[::-1]
            write_unit_wav(folder / f"{name}_p.wav", rng.integers(0, NUM_UNITS, 6))
            write_unit_wav(folder / f"{name}_c.wav", correct)
            write_unit_wav(folder / f"{name}_w.wav", wrong)
            for control in ("full", *controls):
                row = [name, task, prompt_lang, ending_lang, f"{name}_p.wav", f"{name}_c.wav"]
                row += [f"{name}_w.wav", "topic", "the story so far", good, bad, control]
                lines.append(",".join(row))
    (folder / "cloze.csv").write_text("\n".join(lines) + "\n")
    return read_cloze(folder / "cloze.csv")


def preferring_lm(tokenizer):
    """A speech-text llama that prefers units 0..7 and the ids of GOOD_TEXT
    whatever it has read: every token's hidden state is the same (one
    constant embedding, blocks that add nothing), so the output layer's
    first column is a fixed preference per token."""
    vocab = SpeechTextVocabulary(tokenizer.vocab_size, NUM_UNITS)
    lm = UnitLM.from_config(TINY_LLAMA, num_units=NUM_UNITS, vocab=vocab)
    model = lm.hf_model.model
    preference = torch.zeros(vocab.size)
    preference[vocab.unit_ids(range(8))] = 3.0
    preference[tokenizer.encode(GOOD_TEXT)] = 3.0
    with torch.no_grad():
        model.embed_tokens.weight.zero_()
        model.embed_tokens.weight[:, 0] = 1.0
        for layer in model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        lm.hf_model.lm_head.weight.zero_()
        lm.hf_model.lm_head.weight[:, 0] = preference
    lm.text_tokenizer = tokenizer
    return lm.eval()


@pytest.mark.parametrize("mask_other_modality", [False, True])
def test_known_preferences_give_100_and_exactly_0_when_swapped(
    tmp_path, tokenizer, mask_other_modality
):
    assert not set(tokenizer.encode(GOOD_TEXT)) & set(tokenizer.encode(BAD_TEXT))
    lm = preferring_lm(tokenizer)
    scorer = LikelihoodScorer(lm)
    for swap, expected in ((False, 1.0), (True, 0.0)):
        folder = tmp_path / f"swap{swap}"
        folder.mkdir()
        items = write_items(folder, swap=swap)
        results = evaluate_cross_modal_cloze(
            scorer, items, read_units, tokenizer, mask_other_modality=mask_other_modality
        )
        assert list(results) == list(DIRECTIONS)
        for direction, result in results.items():
            for task in TASKS:
                cells = result["accuracy"][task]
                assert sorted(cells) == ["EN", "EN->FR", "FR", "FR->EN"]
                assert set(cells.values()) == {expected}, (direction, task)
                control = result["controls"]["last_sentence"]["accuracy"][task]
                assert set(control.values()) == {expected}


class Recorder(LikelihoodScorer):
    """Keeps the arguments of its last ``compare_tokens`` call in ``seen``."""

    seen = {}

    def compare_tokens(self, correct, wrong, contexts, allowed=None):
        self.seen.update(correct=correct, wrong=wrong, contexts=contexts, allowed=allowed)
        return super().compare_tokens(correct, wrong, contexts, allowed)


def test_each_direction_reads_the_right_modalities_and_markers(tmp_path, tokenizer):
    lm = preferring_lm(tokenizer)
    vocab = lm.vocab
    items = write_items(tmp_path, controls=())
    recorder = Recorder(lm)
    evaluate_cross_modal_cloze(recorder, items, read_units, tokenizer)
    seen = recorder.seen
    item = items[0]
    prompt_units, correct_units = read_units([item.prompt_wav, item.correct_wav])
    speech = vocab.unit_ids(prompt_units).tolist()
    text = tokenizer.encode(item.prompt_text)
    expected = {
        "S->S": ([vocab.eos, vocab.speech_marker, *speech], vocab.unit_ids(correct_units)),
        "T->T": ([vocab.eos, vocab.text_marker, *text], tokenizer.encode(GOOD_TEXT)),
        "S->T": (
            [vocab.eos, vocab.speech_marker, *speech, vocab.text_marker],
            tokenizer.encode(GOOD_TEXT),
        ),
        "T->S": (
            [vocab.eos, vocab.text_marker, *text, vocab.speech_marker],
            vocab.unit_ids(correct_units),
        ),
    }
    for number, direction in enumerate(DIRECTIONS):
        context, ending = expected[direction]
        assert seen["contexts"][number * len(items)] == context, direction
        assert list(seen["correct"][number * len(items)]) == list(ending), direction
    assert seen["allowed"] == [None] * len(DIRECTIONS) * len(items)  # off by default


def test_masking_scores_each_ending_over_its_own_modality(tmp_path, tokenizer):
    lm = preferring_lm(tokenizer)
    vocab = lm.vocab
    items = write_items(tmp_path, controls=())
    recorder = Recorder(lm)
    evaluate_cross_modal_cloze(recorder, items, read_units, tokenizer, mask_other_modality=True)
    text, speech = (0, vocab.num_text), (vocab.num_text, vocab.num_text + NUM_UNITS)
    assert modality_id_range(vocab, "T") == text and modality_id_range(vocab, "S") == speech
    ranges = {"S->S": speech, "T->T": text, "S->T": text, "T->S": speech}
    expected = [ranges[direction] for direction in DIRECTIONS for _ in items]
    assert recorder.seen["allowed"] == expected
    # the model puts mass on both modalities: every ending scores higher
    seen = recorder.seen
    endings, contexts = seen["correct"] + seen["wrong"], seen["contexts"] * 2
    whole = recorder.score_tokens(endings, contexts)
    restricted = recorder.score_tokens(endings, contexts, expected * 2)
    assert np.all(restricted > whole)


def test_missing_text_and_textless_models_are_refused(tmp_path, tokenizer):
    items = write_items(tmp_path, controls=())
    lm = preferring_lm(tokenizer)
    broken = [items[0].__class__(**{**items[0].__dict__, "wrong_text": ""}), *items[1:]]
    with pytest.raises(ValueError, match="has no wrong_text"):
        evaluate_cross_modal_cloze(LikelihoodScorer(lm), broken, read_units, tokenizer)
    textless = UnitLM.from_config(TINY_LLAMA, num_units=NUM_UNITS)
    with pytest.raises(ValueError, match="needs a speech-text model"):
        evaluate_cross_modal_cloze(LikelihoodScorer(textless), items, read_units, tokenizer)
    # S->S alone needs no text: the textless question asked of a speech-text model
    result = evaluate_cross_modal_cloze(LikelihoodScorer(lm), broken, read_units, None, ["S->S"])
    assert set(result["S->S"]["accuracy"]["ssc"].values()) == {1.0}


def test_evaluation_runs_the_cross_modal_cloze_for_speech_text_systems_only(tmp_path, tokenizer):
    from speechbrain_xling.eval.run import evaluate_systems

    write_items(tmp_path)
    lines = ["pair_id,en_wav,fr_wav,en_text,fr_text"]
    for number in range(3):
        for lang in ("en", "fr"):
            write_unit_wav(tmp_path / f"{lang}{number}.wav", np.arange(number, number + 4))
        lines.append(f"p{number},en{number}.wav,fr{number}.wav,{GOOD_TEXT},une histoire")
    (tmp_path / "alignment.csv").write_text("\n".join(lines) + "\n")
    preferring_lm(tokenizer).save(tmp_path / "speech_text")
    UnitLM.from_config(TINY_LLAMA, num_units=NUM_UNITS).save(tmp_path / "textless")
    systems = {"speech-text": tmp_path / "speech_text", "textless": tmp_path / "textless"}
    results = evaluate_systems(
        systems,
        {"cloze": tmp_path / "cloze.csv", "alignment": tmp_path / "alignment.csv"},
        tmp_path / "eval",
        units_of=read_units,
        progress=False,
        asr_tts_pairs=2,
    )
    assert sorted(results["textless"]) == ["alignment", "cloze"]
    speech_text = ["alignment", "asr_tts", "cloze", "cross_modal_cloze", "speech_text_alignment"]
    assert sorted(results["speech-text"]) == speech_text
    assert {lang: r["num_sentences"] for lang, r in results["speech-text"]["asr_tts"].items()} == {
        "en": 2,
        "fr": 2,
    }
    assert results["speech-text"]["speech_text_alignment"]["num_pairs"] == 3
    assert sorted(results["speech-text"]["cross_modal_cloze"]) == ["S->T", "T->S", "T->T"]
    # the textless question, asked after [SPEECH], and the three others: all right
    assert set(results["speech-text"]["cloze"]["accuracy"]["stc"].values()) == {1.0}
    for result in results["speech-text"]["cross_modal_cloze"].values():
        assert set(result["accuracy"]["stc"].values()) == {1.0}
    report = (tmp_path / "eval" / "report.md").read_text()
    assert "| speech-text | 100.00 | 100.00 |" in report.split("## Cross-modal cloze")[1]
    assert "| speech-text | " in report.split("## Speech and text")[1]


def test_evaluation_passes_and_records_the_modality_mask(tmp_path, tokenizer, monkeypatch):
    from speechbrain_xling.eval.run import evaluate_systems

    write_items(tmp_path, controls=())
    preferring_lm(tokenizer).save(tmp_path / "speech_text")
    calls = []
    real_compare = LikelihoodScorer.compare_tokens

    def recording_compare(self, correct, wrong, contexts, allowed=None):
        calls.append(allowed)
        return real_compare(self, correct, wrong, contexts, allowed)

    monkeypatch.setattr(LikelihoodScorer, "compare_tokens", recording_compare)
    stored = tmp_path / "eval" / "results" / "speech-text" / "cross_modal_cloze.json"

    def evaluate(mask):
        return evaluate_systems(
            {"speech-text": tmp_path / "speech_text"},
            {"cloze": tmp_path / "cloze.csv"},
            tmp_path / "eval",
            units_of=read_units,
            progress=False,
            cross_modal_mask_other_modality=mask,
        )

    for mask in (False, True):
        calls.clear()
        results = evaluate(mask)
        # the cross-modal cloze (the plain cloze calls score, not compare_tokens)
        assert len(calls) == 1 and {r is not None for r in calls[0]} == {mask}
        key = json.loads(stored.read_text())["key"]
        # recorded when on only: results stored before the option still match
        assert key.get("mask_other_modality") == (True if mask else None)
        for result in results["speech-text"]["cross_modal_cloze"].values():
            assert set(result["accuracy"]["stc"].values()) == {1.0}
        evaluate(mask)  # the same setting again: the stored result is reused
        assert len(calls) == 1
