"""Cloze manifests (sSC/sTC/sTC same-event in four language conditions, with
shortcut controls): reading and scoring."""

import pytest

from speechbrain_xling.eval.cloze import COLUMNS, TASKS, evaluate_cloze, read_cloze
from speechbrain_xling.eval.files import BenchmarkFormatError
from speechbrain_xling.eval.scoring import LikelihoodScorer
from tests.eval.conftest import progression_items, read_units, write_unit_wav

LANGUAGE_PAIRS = (("en", "en"), ("fr", "fr"), ("en", "fr"), ("fr", "en"))


def write_cloze(folder, items_per_condition=3, seed=0, swap=False, controls=(), columns=COLUMNS):
    """A cloze.csv over progression items, for every task and the 4 conditions.

    The true ending continues the prompt's progression; ``swap`` lists it as
    the wrong ending instead. Each of ``controls`` adds a row after each
    item's, with the item's last prompt unit as its prompt (the progression
    still leads to the true ending) and, for ``no_cue``, the endings swapped.
    ``columns``: the header (without ``control``: an older manifest, full
    rows only). Prompt paths are relative, endings absolute.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = [",".join(columns)]
    items = iter(progression_items(len(TASKS) * 4 * items_per_condition, seed))
    for task in TASKS:
        for prompt_lang, ending_lang in LANGUAGE_PAIRS:
            for number in range(items_per_condition):
                name = f"{task}_{prompt_lang}{ending_lang}_{number}"
                prompt, correct, wrong = next(items)
                if swap:
                    correct, wrong = wrong, correct
                for part, units in (("p", prompt), ("c", correct), ("w", wrong)):
                    write_unit_wav(folder / f"{name}_{part}.wav", units)
                row = {
                    "item_id": f"story{number}",
                    "task": task,
                    "prompt_lang": prompt_lang,
                    "ending_lang": ending_lang,
                    "prompt_wav": f"{name}_p.wav",
                    "correct_wav": str(folder / f"{name}_c.wav"),
                    "wrong_wav": str(folder / f"{name}_w.wav"),
                    "topic": "animals",
                    "prompt_text": "text",
                    "correct_text": "yes",
                    "wrong_text": "no",
                    "control": "full",
                }
                lines.append(",".join(row[column] for column in columns))
                for control in controls:
                    write_unit_wav(folder / f"{name}_p_{control}.wav", prompt[-1:])
                    cut = {**row, "prompt_wav": f"{name}_p_{control}.wav", "control": control}
                    if control == "no_cue":
                        cut["correct_wav"], cut["wrong_wav"] = row["wrong_wav"], row["correct_wav"]
                    lines.append(",".join(cut[column] for column in columns))
    (folder / "cloze.csv").write_text("\n".join(lines) + "\n")
    return folder / "cloze.csv"


def rewrite(csv_path, old, new, count=1):
    csv_path.write_text(csv_path.read_text().replace(old, new, count))


def test_reader_names_conditions_as_table_3(tmp_path):
    items = read_cloze(write_cloze(tmp_path))
    assert len(items) == 36
    conditions = {(item.task, item.condition) for item in items}
    assert conditions == {
        (task, condition)
        for task in ("ssc", "stc", "stc_same_event")
        for condition in ("EN", "FR", "EN->FR", "FR->EN")
    }
    assert all(item.prompt_wav.is_absolute() and item.prompt_wav.is_file() for item in items)
    assert {item.control for item in items} == {"full"}


def test_control_rows_are_read_as_their_own_comparisons(tmp_path):
    csv_path = write_cloze(tmp_path, controls=("last_sentence", "no_cue"))
    rewrite(csv_path, ",no_cue\n", ",No_Cue\n")  # any case
    items = read_cloze(csv_path)
    assert len(items) == 3 * 36
    first = [item for item in items if item.item_id == "story0" and item.condition == "EN"]
    assert [(item.task, item.control) for item in first[:3]] == [
        ("ssc", "full"),
        ("ssc", "last_sentence"),
        ("ssc", "no_cue"),
    ]
    assert first[1].prompt_wav.name == "ssc_enen_0_p_last_sentence.wav"
    assert first[2].correct_wav == first[0].wrong_wav  # no_cue: the roles swap
    # A second row for the same comparison and control is still an error.
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join(lines + [lines[3]]) + "\n")
    with pytest.raises(
        BenchmarkFormatError,
        match=r"line 110: item 'story0' \(ssc, EN, no_cue\) already on line 4",
    ):
        read_cloze(csv_path)


def test_older_manifest_or_empty_control_means_full(tmp_path):
    older = read_cloze(write_cloze(tmp_path / "old", columns=COLUMNS[:-1]))
    assert len(older) == 36 and {item.control for item in older} == {"full"}
    csv_path = write_cloze(tmp_path / "empty")
    rewrite(csv_path, ",full\n", ",\n", count=-1)
    assert "full" not in csv_path.read_text()
    items = read_cloze(csv_path)
    assert [item.control for item in items] == ["full"] * 36

    def comparisons(items):
        return [(item.item_id, item.task, item.condition) for item in items]

    assert comparisons(items) == comparisons(older)


def test_unknown_control_is_named_with_its_line(tmp_path):
    csv_path = write_cloze(tmp_path)
    lines = csv_path.read_text().splitlines()
    lines[5] = lines[5].removesuffix(",full") + ",partial"
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        BenchmarkFormatError,
        match=r"cloze.csv, line 6: control must be one of "
        r"\('full', 'last_sentence', 'no_cue'\), got 'partial'",
    ):
        read_cloze(csv_path)


class CountingScorer(LikelihoodScorer):
    """Records how many comparisons each ``compare`` call gets."""

    def __init__(self, lm):
        super().__init__(lm)
        self.calls = []

    def compare(self, correct, wrong, prompts):
        self.calls.append(len(correct))
        return super().compare(correct=correct, wrong=wrong, prompts=prompts)


def test_accuracy_per_task_and_condition(tmp_path, progression_lm):
    scorer = CountingScorer(progression_lm)
    result = evaluate_cloze(scorer, read_cloze(write_cloze(tmp_path / "a")), read_units)
    expected = {"EN": 1.0, "FR": 1.0, "EN->FR": 1.0, "FR->EN": 1.0}
    assert result == {
        "accuracy": dict.fromkeys(TASKS, expected),
        "num_items": dict.fromkeys(TASKS, dict.fromkeys(expected, 3)),
    }  # no control rows: no "controls"
    assert scorer.calls == [36]
    swapped = evaluate_cloze(scorer, read_cloze(write_cloze(tmp_path / "b", swap=True)), read_units)
    zero = dict.fromkeys(expected, 0.0)
    assert swapped["accuracy"] == dict.fromkeys(TASKS, zero)


def test_controls_are_scored_together_and_counted_apart(tmp_path, progression_lm):
    scorer = CountingScorer(progression_lm)
    csv_path = write_cloze(tmp_path, items_per_condition=2, controls=("last_sentence", "no_cue"))
    result = evaluate_cloze(scorer, read_cloze(csv_path), read_units)
    assert scorer.calls == [3 * 24]  # full and control prompts in one call
    conditions = ("EN", "FR", "EN->FR", "FR->EN")
    counts = dict.fromkeys(TASKS, dict.fromkeys(conditions, 2))
    # Full rows only in the Table-3 keys; the last unit still gives the
    # progression away (a shortcut kept), no_cue's swapped endings score 0.
    assert result["accuracy"] == dict.fromkeys(TASKS, dict.fromkeys(conditions, 1.0))
    assert result["num_items"] == counts
    assert list(result["controls"]) == ["last_sentence", "no_cue"]
    assert result["controls"]["last_sentence"] == {
        "accuracy": dict.fromkeys(TASKS, dict.fromkeys(conditions, 1.0)),
        "num_items": counts,
    }
    assert result["controls"]["no_cue"] == {
        "accuracy": dict.fromkeys(TASKS, dict.fromkeys(conditions, 0.0)),
        "num_items": counts,
    }
    # One control only: only it is reported.
    csv_path = write_cloze(tmp_path / "one", items_per_condition=1, controls=("no_cue",))
    result = evaluate_cloze(scorer, read_cloze(csv_path), read_units)
    assert list(result["controls"]) == ["no_cue"]


def test_missing_audio_is_named_with_its_line(tmp_path):
    csv_path = write_cloze(tmp_path)
    (tmp_path / "ssc_enen_1_c.wav").unlink()
    with pytest.raises(
        FileNotFoundError, match=r"cloze.csv, line 3: correct_wav file .*ssc_enen_1_c.wav"
    ):
        read_cloze(csv_path)


def test_unknown_task_is_named_with_its_line(tmp_path):
    csv_path = write_cloze(tmp_path)
    rewrite(csv_path, "story0,ssc", "story0,sbc")
    with pytest.raises(BenchmarkFormatError, match=r"line 2: task must be one of"):
        read_cloze(csv_path)


def test_duplicate_comparison_is_an_error(tmp_path):
    csv_path = write_cloze(tmp_path)
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join(lines + [lines[1]]) + "\n")
    with pytest.raises(
        BenchmarkFormatError, match=r"line 38: item 'story0' \(ssc, EN, full\) already on line 2"
    ):
        read_cloze(csv_path)


def test_missing_column_and_empty_manifest_are_errors(tmp_path):
    csv_path = write_cloze(tmp_path)
    rewrite(csv_path, "wrong_wav", "wrong")
    with pytest.raises(BenchmarkFormatError, match="misses column.*wrong_wav"):
        read_cloze(csv_path)
    csv_path.write_text(",".join(COLUMNS) + "\n")
    with pytest.raises(BenchmarkFormatError, match="has no rows"):
        read_cloze(csv_path)
    with pytest.raises(FileNotFoundError, match="not found"):
        read_cloze(tmp_path / "absent.csv")
