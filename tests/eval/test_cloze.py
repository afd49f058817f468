"""Cloze manifests (sSC/sTC in four language conditions): reading and scoring."""

import pytest

from speechbrain_xling.eval.cloze import COLUMNS, evaluate_cloze, read_cloze
from speechbrain_xling.eval.files import BenchmarkFormatError
from speechbrain_xling.eval.scoring import LikelihoodScorer
from tests.eval.conftest import progression_items, read_units, write_unit_wav

LANGUAGE_PAIRS = (("en", "en"), ("fr", "fr"), ("en", "fr"), ("fr", "en"))


def write_cloze(folder, items_per_condition=3, seed=0, swap=False):
    """A cloze.csv over progression items, for both tasks and 4 conditions.

    The true ending continues the prompt's progression; ``swap`` lists it as
    the wrong ending instead. Prompt paths are relative, endings absolute.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = [",".join(COLUMNS)]
    items = iter(progression_items(8 * items_per_condition, seed))
    for task in ("ssc", "stc"):
        for prompt_lang, ending_lang in LANGUAGE_PAIRS:
            for number in range(items_per_condition):
                name = f"{task}_{prompt_lang}{ending_lang}_{number}"
                prompt, correct, wrong = next(items)
                if swap:
                    correct, wrong = wrong, correct
                for part, units in (("p", prompt), ("c", correct), ("w", wrong)):
                    write_unit_wav(folder / f"{name}_{part}.wav", units)
                rows.append(
                    ",".join(
                        [
                            f"story{number}",
                            task,
                            prompt_lang,
                            ending_lang,
                            f"{name}_p.wav",
                            str(folder / f"{name}_c.wav"),
                            str(folder / f"{name}_w.wav"),
                            "animals",
                            "text",
                            "yes",
                            "no",
                        ]
                    )
                )
    (folder / "cloze.csv").write_text("\n".join(rows) + "\n")
    return folder / "cloze.csv"


def test_reader_names_conditions_as_table_3(tmp_path):
    items = read_cloze(write_cloze(tmp_path))
    assert len(items) == 24
    conditions = {(item.task, item.condition) for item in items}
    assert conditions == {
        (task, condition)
        for task in ("ssc", "stc")
        for condition in ("EN", "FR", "EN->FR", "FR->EN")
    }
    assert all(item.prompt_wav.is_absolute() and item.prompt_wav.is_file() for item in items)


def test_accuracy_per_task_and_condition(tmp_path, progression_lm):
    scorer = LikelihoodScorer(progression_lm)
    result = evaluate_cloze(scorer, read_cloze(write_cloze(tmp_path / "a")), read_units)
    expected = {"EN": 1.0, "FR": 1.0, "EN->FR": 1.0, "FR->EN": 1.0}
    assert result["accuracy"] == {"ssc": expected, "stc": expected}
    assert result["num_items"]["stc"] == dict.fromkeys(expected, 3)
    swapped = evaluate_cloze(scorer, read_cloze(write_cloze(tmp_path / "b", swap=True)), read_units)
    zero = dict.fromkeys(expected, 0.0)
    assert swapped["accuracy"] == {"ssc": zero, "stc": zero}


def rewrite(csv_path, old, new, count=1):
    csv_path.write_text(csv_path.read_text().replace(old, new, count))


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
        BenchmarkFormatError, match=r"line 26: item 'story0' \(ssc, EN\) already on line 2"
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
