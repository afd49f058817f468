"""Spoken QA manifests (a story, a question, two answers; four language
conditions): reading, scoring spoken answers and written answers."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.eval.cloze import LANGUAGE_PAIRS
from speechbrain_xling.eval.files import BenchmarkFormatError
from speechbrain_xling.eval.qa import (
    COLUMNS,
    REQUIRED_COLUMNS,
    evaluate_generated_qa,
    evaluate_spoken_qa,
    evaluate_text_answer_qa,
    read_qa,
)
from speechbrain_xling.eval.scoring import LikelihoodScorer
from speechbrain_xling.model.unit_lm import UnitLM
from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece
from tests.eval.conftest import (
    NUM_UNITS,
    TINY_LLAMA,
    bigram_model,
    progression_items,
    read_units,
    write_unit_wav,
)
from tests.eval.test_cross_modal import BAD_TEXT, GOOD_TEXT, preferring_lm

CONDITIONS = ("EN", "FR", "EN->FR", "FR->EN")
KINDS = ("who", "where")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    texts = [GOOD_TEXT, BAD_TEXT, "the story so far", "une histoire"] * 5
    path = tmp_path_factory.mktemp("spm") / "text.model"
    return load_text_tokenizer(train_sentencepiece(texts, path, vocab_size=24, byte_fallback=False))


def write_qa(folder, endings="progression", swap=False, columns=COLUMNS, per_condition=2):
    """A qa.csv for every kind of ``KINDS`` and the 4 conditions.

    ``endings="progression"``: the question is a progression and the answer
    continues it (the wrong answer holds its units shuffled);
    ``"preference"``: the answer's units are 0..7, the wrong answer's
    8..15. Answer texts are ``GOOD_TEXT``, wrong ones ``BAD_TEXT``; ``swap``
    exchanges the answers (audio and text). Without ``context_wav`` in
    ``columns`` the manifest has no story. Rows: kind, condition, number.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    triples = iter(progression_items(len(KINDS) * 4 * per_condition, seed=0))
    lines = [",".join(columns)]
    for kind in KINDS:
        for question_lang, answer_lang in LANGUAGE_PAIRS:
            for number in range(per_condition):
                name = f"{kind}_{question_lang}{answer_lang}_{number}"
                question, correct, wrong = next(triples)
                if endings == "preference":
                    correct, wrong = rng.integers(0, 8, 5), rng.integers(8, 16, 5)
                texts = GOOD_TEXT, BAD_TEXT
                if swap:
                    (correct, wrong), texts = (wrong, correct), texts[::-1]
                parts = {"s": rng.integers(0, NUM_UNITS, 6), "q": question}
                parts.update(a=correct, w=wrong)
                for part, units in parts.items():
                    write_unit_wav(folder / f"{name}_{part}.wav", units)
                row = {
                    "item_id": f"story{number}-{kind}",
                    "story_id": f"story{number}",
                    "kind": kind,
                    "question_lang": question_lang,
                    "answer_lang": answer_lang,
                    "topic": "farm",
                    "context_wav": f"{name}_s.wav",
                    "question_wav": f"{name}_q.wav",
                    "answer_wav": f"{name}_a.wav",
                    "wrong_wav": str(folder / f"{name}_w.wav"),  # absolute
                    "context_text": "the story so far",
                    "question_text": "une histoire",
                    "answer_text": texts[0],
                    "wrong_text": texts[1],
                    "short_answer": "aaa",
                    "wrong_short_answer": "zzz",
                }
                lines.append(",".join(row[column] for column in columns))
    (folder / "qa.csv").write_text("\n".join(lines) + "\n")
    return folder / "qa.csv"


def expected_tables(accuracy, per_condition=2):
    groups = {"all": len(KINDS) * per_condition, **dict.fromkeys(KINDS, per_condition)}
    return {
        "accuracy": {group: dict.fromkeys(CONDITIONS, accuracy) for group in groups},
        "num_items": {group: dict.fromkeys(CONDITIONS, count) for group, count in groups.items()},
    }


def test_reader_names_conditions_and_keeps_the_texts(tmp_path):
    items = read_qa(write_qa(tmp_path))
    assert len(items) == len(KINDS) * 4 * 2
    assert {(item.kind, item.condition) for item in items} == {
        (kind, condition) for kind in KINDS for condition in CONDITIONS
    }
    for item in items:
        for path in (item.context_wav, item.question_wav, item.answer_wav, item.wrong_wav):
            assert path.is_absolute() and path.is_file()
    first = items[0]
    assert (first.item_id, first.story_id, first.condition) == ("story0-who", "story0", "EN")
    assert (first.context_text, first.answer_text, first.wrong_text) == (
        "the story so far",
        GOOD_TEXT,
        BAD_TEXT,
    )
    assert (first.short_answer, first.wrong_short_answer) == ("aaa", "zzz")
    assert items[4].condition == "EN->FR" and items[6].condition == "FR->EN"


class Recorder(LikelihoodScorer):
    """Keeps the arguments of its ``compare`` and ``compare_tokens`` calls."""

    def __init__(self, lm):
        super().__init__(lm)
        self.calls = []

    def compare(self, correct, wrong, prompts=None):
        self.calls.append({"correct": correct, "wrong": wrong, "prompts": prompts})
        return super().compare(correct, wrong, prompts)

    def compare_tokens(self, correct, wrong, contexts, allowed=None):
        self.calls.append(dict(correct=correct, wrong=wrong, contexts=contexts, allowed=allowed))
        return super().compare_tokens(correct, wrong, contexts, allowed)


@pytest.mark.parametrize("endings", ["progression", "preference"])
@pytest.mark.parametrize("with_context", [True, False])
def test_spoken_answers_score_100_and_exactly_0_when_swapped(
    tmp_path, progression_lm, tokenizer, endings, with_context
):
    # a textless model that continues the question, a speech-text model
    # that prefers the answer's units whatever it has heard
    lm = progression_lm if endings == "progression" else preferring_lm(tokenizer)
    scorer = Recorder(lm)
    for swap, accuracy in ((False, 1.0), (True, 0.0)):
        items = read_qa(write_qa(tmp_path / f"swap{swap}", endings, swap))
        result = evaluate_spoken_qa(scorer, items, read_units, with_context=with_context)
        assert result == expected_tables(accuracy)
    assert [len(call["correct"]) for call in scorer.calls] == [len(items)] * 2  # one batch each


def test_spoken_answers_are_scored_after_the_story_and_the_question(tmp_path, progression_lm):
    items = read_qa(write_qa(tmp_path))
    scorer = Recorder(progression_lm)
    evaluate_spoken_qa(scorer, items, read_units)
    evaluate_spoken_qa(scorer, items, read_units, with_context=False)
    with_context, without = scorer.calls
    eos = progression_lm.vocab.eos
    for number, item in enumerate(items):
        context, question, answer, wrong = read_units(
            [item.context_wav, item.question_wav, item.answer_wav, item.wrong_wav]
        )
        assert with_context["contexts"][number] == [eos, *context, *question]
        assert without["contexts"][number] == [eos, *question]
        for call in (with_context, without):
            assert call["correct"][number].tolist() == answer.tolist()
            assert call["wrong"][number].tolist() == wrong.tolist()


def test_the_answers_language_marker_decides_between_the_answers(tmp_path, tokenizer):
    # A model with answer-language markers that, after [EN], expects units
    # 0..7 (the correct answers of write_qa's "preference") and, after
    # [FR], units 8..15 (the wrong ones): only the marker read after the
    # question tells it which, so the EN-answer conditions score 100% and
    # the FR-answer ones exactly 0%, whatever the question's language.
    vocab = SpeechTextVocabulary(tokenizer.vocab_size, NUM_UNITS, ("en", "fr"))
    lm = bigram_model(vocab, {**TINY_LLAMA, "hidden_size": 64, "num_attention_heads": 4})
    with torch.no_grad():
        head = lm.hf_model.lm_head.weight
        head[vocab.unit_ids(range(8)), vocab.language_marker("en")] = 5.0
        head[vocab.unit_ids(range(8, 16)), vocab.language_marker("fr")] = 5.0
    items = read_qa(write_qa(tmp_path, "preference"))
    scorer = Recorder(lm)
    result = evaluate_spoken_qa(scorer, items, read_units)
    assert result["accuracy"]["all"] == {"EN": 1.0, "FR->EN": 1.0, "FR": 0.0, "EN->FR": 0.0}
    # Written answers read the same prompt, then [TEXT].
    evaluate_text_answer_qa(scorer, items, read_units, tokenizer)
    spoken, written = scorer.calls
    for number, item in enumerate(items):
        marker = vocab.language_marker(item.condition.split("->")[-1].lower())
        assert spoken["contexts"][number][-1] == marker
        assert written["contexts"][number][-2:] == [marker, vocab.text_marker]
    # An item without its answer's language cannot be asked.
    with pytest.raises(ValueError, match=r"QA item 'story0-who' \(who, EN\): .* for ''"):
        evaluate_spoken_qa(scorer, [replace(items[0], answer_lang="")], read_units)


@pytest.mark.parametrize("mask_other_modality", [False, True])
def test_written_answers_score_100_and_exactly_0_when_swapped(
    tmp_path, tokenizer, mask_other_modality
):
    scorer = LikelihoodScorer(preferring_lm(tokenizer))
    for swap, accuracy in ((False, 1.0), (True, 0.0)):
        items = read_qa(write_qa(tmp_path / f"swap{swap}", "preference", swap))
        for with_context in (True, False):
            result = evaluate_text_answer_qa(
                scorer, items, read_units, tokenizer, with_context, mask_other_modality
            )
            assert result == expected_tables(accuracy)


def test_written_answers_follow_the_spoken_question_and_a_text_marker(tmp_path, tokenizer):
    lm = preferring_lm(tokenizer)
    vocab = lm.vocab
    items = read_qa(write_qa(tmp_path, "preference"))
    encoded = []

    def units_of(paths):
        encoded.extend(paths)
        return read_units(paths)

    scorer = Recorder(lm)
    evaluate_text_answer_qa(scorer, items, units_of, tokenizer)
    evaluate_text_answer_qa(scorer, items, units_of, tokenizer, with_context=False)
    evaluate_text_answer_qa(scorer, items, units_of, tokenizer, mask_other_modality=True)
    with_context, without, masked = scorer.calls
    for number, item in enumerate(items):
        context, question = read_units([item.context_wav, item.question_wav])
        story_and_question = vocab.unit_ids(np.concatenate([context, question])).tolist()
        speech, text = vocab.speech_marker, vocab.text_marker
        assert with_context["contexts"][number] == [vocab.eos, speech, *story_and_question, text]
        assert without["contexts"][number] == [
            vocab.eos,
            speech,
            *vocab.unit_ids(question).tolist(),
            text,
        ]
        for call in (with_context, without):
            assert call["correct"][number] == tokenizer.encode(GOOD_TEXT)
            assert call["wrong"][number] == tokenizer.encode(BAD_TEXT)
    assert with_context["allowed"] is None and without["allowed"] is None
    assert masked["allowed"] == [(0, vocab.num_text)] * len(items)
    # the written answers' audio is never encoded
    answers = {path for item in items for path in (item.answer_wav, item.wrong_wav)}
    assert encoded and not answers & set(encoded)


def test_a_manifest_without_stories_is_asked_the_questions_alone(tmp_path, progression_lm):
    columns = [column for column in COLUMNS if not column.startswith("context_")]
    items = read_qa(write_qa(tmp_path, columns=columns))
    assert {item.context_wav for item in items} == {None}
    assert {item.context_text for item in items} == {""}
    scorer = LikelihoodScorer(progression_lm)
    with pytest.raises(ValueError, match=r"QA item 'story0-who' \(who, EN\) has no context_wav"):
        evaluate_spoken_qa(scorer, items, read_units)
    assert evaluate_spoken_qa(scorer, items, read_units, False) == expected_tables(1.0)
    # a row with an empty context cell: the same
    csv_path = write_qa(tmp_path / "empty")
    lines = csv_path.read_text().splitlines()
    lines[2] = lines[2].replace("who_enen_1_s.wav", "")
    csv_path.write_text("\n".join(lines) + "\n")
    items = read_qa(csv_path)
    assert items[1].context_wav is None and items[0].context_wav is not None
    with pytest.raises(ValueError, match=r"QA item 'story1-who' \(who, EN\) has no context_wav"):
        evaluate_spoken_qa(scorer, items, read_units)


def test_written_answers_need_texts_and_a_speech_text_model(tmp_path, tokenizer):
    items = read_qa(write_qa(tmp_path, "preference"))
    textless = UnitLM.from_config(TINY_LLAMA, num_units=NUM_UNITS)
    with pytest.raises(ValueError, match="written answers need a speech-text model"):
        evaluate_text_answer_qa(LikelihoodScorer(textless), items, read_units, tokenizer)
    broken = [items[0].__class__(**{**items[0].__dict__, "wrong_text": ""}), *items[1:]]
    scorer = LikelihoodScorer(preferring_lm(tokenizer))
    with pytest.raises(ValueError, match=r"QA item 'story0-who' \(who, EN\) has no wrong_text"):
        evaluate_text_answer_qa(scorer, broken, read_units, tokenizer)


def rewrite_line(csv_path, number, old, new):
    lines = csv_path.read_text().splitlines()
    assert old in lines[number - 1]
    lines[number - 1] = lines[number - 1].replace(old, new, 1)
    csv_path.write_text("\n".join(lines) + "\n")


def test_missing_columns_and_rows_are_errors(tmp_path):
    csv_path = write_qa(tmp_path)
    rewrite_line(csv_path, 1, "answer_wav", "answer")
    with pytest.raises(BenchmarkFormatError, match=r"qa.csv misses column\(s\) answer_wav"):
        read_qa(csv_path)
    csv_path.write_text(",".join(REQUIRED_COLUMNS) + "\n")
    with pytest.raises(BenchmarkFormatError, match="has no rows"):
        read_qa(csv_path)
    with pytest.raises(FileNotFoundError, match="not found"):
        read_qa(tmp_path / "absent.csv")


@pytest.mark.parametrize("column", ["context_wav", "question_wav", "answer_wav", "wrong_wav"])
def test_missing_audio_is_named_with_its_line(tmp_path, column):
    csv_path = write_qa(tmp_path)
    getattr(read_qa(csv_path)[1], column).unlink()  # line 3
    with pytest.raises(FileNotFoundError, match=rf"qa.csv, line 3: {column} file .*_1_.\.wav"):
        read_qa(csv_path)


def test_bad_rows_are_named_with_their_line(tmp_path):
    csv_path = write_qa(tmp_path)
    rewrite_line(csv_path, 4, ",fr,fr,", ",,fr,")
    with pytest.raises(
        BenchmarkFormatError, match=r"qa.csv, line 4: question_lang and answer_lang are required"
    ):
        read_qa(csv_path)
    csv_path = write_qa(tmp_path)
    rewrite_line(csv_path, 5, ",who,", ", ,")
    with pytest.raises(BenchmarkFormatError, match=r"qa.csv, line 5: kind is required"):
        read_qa(csv_path)
    csv_path = write_qa(tmp_path)
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join([*lines, lines[2]]) + "\n")
    with pytest.raises(
        BenchmarkFormatError,
        match=rf"line {len(lines) + 1}: item 'story1-who' \(EN\) already on line 3",
    ):
        read_qa(csv_path)


def chain_lm(tokenizer, text):
    """A bigram speech-text model that answers any spoken question with the
    chain ``[TEXT] text [SPEECH] 3 EOS`` and transcribes unit 3 as ``text``."""
    vocab = SpeechTextVocabulary(tokenizer.vocab_size, NUM_UNITS)
    ids = list(tokenizer.encode(text))
    chain = [vocab.text_marker, *ids, vocab.speech_marker, int(vocab.unit_ids([3])[0]), vocab.eos]
    assert len(set(chain)) == len(chain)  # a bigram model needs distinct tokens
    config = {**TINY_LLAMA, "hidden_size": 64, "num_attention_heads": 4}
    lm = bigram_model(vocab, config)
    with torch.no_grad():
        for current, following in zip(chain, chain[1:]):
            lm.hf_model.lm_head.weight[following, current] = 10.0
    return lm


def test_generated_answers_match_the_reference_and_their_speech(tmp_path, tokenizer):
    answer = "aaa zzz"  # distinct token ids (a bigram model)
    lm = chain_lm(tokenizer, answer)
    for reference, expected in ((answer, 1.0), ("aaa zz", 0.0)):
        items = [
            replace(item, answer_text=reference, short_answer="zzz")
            for item in read_qa(write_qa(tmp_path / reference, "preference", per_condition=2))
        ]
        result = evaluate_generated_qa(lm, items, read_units, tokenizer, per_condition=3)
        assert result["exact_match"] == dict.fromkeys(CONDITIONS, expected)
        assert result["short_answer"] == dict.fromkeys(CONDITIONS, 1.0)
        assert result["num_items"] == dict.fromkeys(CONDITIONS, 3)  # 2 kinds x 2, capped
        # the same reference in both languages: each answer as close to either
        assert result["answer_language"] == dict.fromkeys(CONDITIONS, 0.5)
        # The speech chunk (unit 3) is transcribed as the text chunk: CER 0.
        assert result["chunk_cer"] == dict.fromkeys(CONDITIONS, 0.0)
        assert all(item["generated"] == answer for item in result["answers"])
        for condition in CONDITIONS:
            first, end = (result[k][condition] for k in ("seconds_to_first_unit", "seconds_to_end"))
            assert 0 < first <= end
    textless = UnitLM.from_config(TINY_LLAMA, num_units=NUM_UNITS)
    with pytest.raises(ValueError, match="speech-text model"):
        evaluate_generated_qa(textless, items, read_units, tokenizer)


def test_generated_answers_are_checked_for_the_language_asked_for(tmp_path, tokenizer):
    # The model answers "aaa zzz" whatever language is asked: right for the
    # EN answers, wrong for the FR ones (the same item's FR answer differs).
    lm = chain_lm(tokenizer, "aaa zzz")
    references = {"en": "aaa zzz", "fr": "zzz aaa"}
    items = [
        replace(item, answer_text=references[item.answer_lang])
        for item in read_qa(write_qa(tmp_path, "preference"))
    ]
    result = evaluate_generated_qa(lm, items, read_units, tokenizer)
    assert result["answer_language"] == {"EN": 1.0, "FR->EN": 1.0, "FR": 0.0, "EN->FR": 0.0}
    # items without their answer in another language get no value
    english = [item for item in items if item.answer_lang == "en"]
    result = evaluate_generated_qa(lm, english, read_units, tokenizer)
    assert "answer_language" not in result and result["exact_match"]["EN"] == 1.0
