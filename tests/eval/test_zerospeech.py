"""ZeroSpeech 2021 layout: official pairing and averaging, submissions, errors."""

import importlib.util
import os
import time

import numpy as np
import pytest

from speechbrain_xling.eval.files import BenchmarkFormatError
from speechbrain_xling.eval.scoring import LikelihoodScorer
from speechbrain_xling.eval.zerospeech import (
    GOLD_COLUMNS,
    evaluate_zerospeech_task,
    read_lexical,
    read_syntactic,
    read_zerospeech,
    task_accuracy,
    write_submission,
)
from tests.eval.conftest import progression, read_units, write_unit_wav

# Syntactic gold: all correct rows first, then the incorrect ones, ids that
# repeat across subtypes, two voices for one item. The official protocol
# pairs rows 0-4, 1-5, 2-6, 3-7 (k-th correct with k-th incorrect).
SYNTACTIC_GOLD = [
    # filename, id, voice, type, subtype, correct, transcription, score
    ("agr_a_v1", "1", "v1", "agr", "s1", "1", "dogs bark", -1.0),
    ("agr_a_v2", "1", "v2", "agr", "s1", "1", "dogs bark", -3.0),
    ("agr_b_v1", "1", "v1", "agr", "s2", "1", "a dog barks", 0.0),
    ("npi_v1", "2", "v1", "npi", "s1", "1", "nobody ever", -4.0),
    ("agr_a_v1_x", "1", "v1", "agr", "s1", "0", "dogs barks", -2.0),
    ("agr_a_v2_x", "1", "v2", "agr", "s1", "0", "dogs barks", -2.0),
    ("agr_b_v1_x", "1", "v1", "agr", "s2", "0", "a dog bark", -1.0),
    ("npi_v1_x", "2", "v1", "npi", "s1", "0", "somebody ever", -4.0),
]
# pairs: 1, 0 -> (agr, s1, 1) = 0.5; 1 -> (agr, s2, 1) = 1; tie -> (npi, s1,
# 2) = 0.5. Official: mean over items = 2/3. Pooling the 4 pairs would give
# 0.625; pairing adjacent rows or by (id, voice) pairs different rows.
SYNTACTIC_ACCURACY = 2 / 3

# Lexical gold: id A has 3 voices (1, 0, 0 -> 1/3), id B one voice (1), id
# C one voice with two nonce words (tie, win -> 0.75). Official: mean over
# ids of the mean per id = (1/3 + 1 + 0.75) / 3; pooled pairs would be 3.5/6.
LEXICAL_GOLD = [
    # filename, id, voice, frequency, word, phones, length, correct, score
    ("a1", "A", "v1", "10", "cat", "k a t", "3", "1", -1.0),
    ("a1x", "A", "v1", "", "cag", "k a g", "3", "0", -2.0),
    ("a2", "A", "v2", "10", "cat", "k a t", "3", "1", -3.0),
    ("a2x", "A", "v2", "", "cag", "k a g", "3", "0", -2.0),
    ("a3", "A", "v3", "10", "cat", "k a t", "3", "1", -3.0),
    ("a3x", "A", "v3", "", "cag", "k a g", "3", "0", -2.5),
    ("b1", "B", "v1", "3", "dog", "d o g", "3", "1", -1.0),
    ("b1x", "B", "v1", "", "dob", "d o b", "3", "0", -7.0),
    ("c1", "C", "v1", "1", "sun", "s u n", "3", "1", -1.0),
    ("c1x", "C", "v1", "", "sul", "s u l", "3", "0", -1.0),
    ("c1y", "C", "v1", "", "suk", "s u k", "3", "0", -2.0),
]
LEXICAL_ACCURACY = (1 / 3 + 1 + 0.75) / 3


def write_gold(root, task, rows, split="dev", units=None):
    """Writes ``<root>/<task>/<split>/gold.csv`` and one WAV per row.

    ``units`` maps a filename to the units its audio encodes (default: 4
    frames of unit 0).
    """
    folder = root / task / split
    folder.mkdir(parents=True, exist_ok=True)
    columns = GOLD_COLUMNS[task]
    lines = [",".join(columns)] + [",".join(row[: len(columns)]) for row in rows]
    (folder / "gold.csv").write_text("\n".join(lines) + "\n")
    for row in rows:
        write_unit_wav(folder / f"{row[0]}.wav", (units or {}).get(row[0], [0] * 4))
    return folder


def test_syntactic_pairs_by_gold_position_and_averages_per_item(tmp_path):
    write_gold(tmp_path, "syntactic", SYNTACTIC_GOLD)
    task = read_syntactic(tmp_path)
    assert task.correct_rows.tolist() == [0, 1, 2, 3]
    assert task.wrong_rows.tolist() == [4, 5, 6, 7]
    result = task_accuracy(task, [row[-1] for row in SYNTACTIC_GOLD])
    assert result["accuracy"] == pytest.approx(SYNTACTIC_ACCURACY)
    assert result["by_type"] == pytest.approx({"agr": 0.75, "npi": 0.5})
    assert (result["num_pairs"], result["num_groups"]) == (4, 3)


def test_lexical_pairs_by_id_and_voice_and_averages_per_id(tmp_path):
    write_gold(tmp_path, "lexical", LEXICAL_GOLD)
    task = read_lexical(tmp_path)
    result = task_accuracy(task, [row[-1] for row in LEXICAL_GOLD])
    assert result["accuracy"] == pytest.approx(LEXICAL_ACCURACY)
    assert (result["num_pairs"], result["num_groups"]) == (6, 3)


def test_submission_lists_every_gold_file_with_its_exact_score(tmp_path):
    write_gold(tmp_path, "lexical", LEXICAL_GOLD)
    task = read_lexical(tmp_path)
    scores = [row[-1] / 3 for row in LEXICAL_GOLD]
    write_submission(task, scores, tmp_path / "sub" / "lexical" / "dev.txt")
    lines = (tmp_path / "sub" / "lexical" / "dev.txt").read_text().splitlines()
    assert [line.split(" ")[0] for line in lines] == [row[0] for row in LEXICAL_GOLD]
    assert [float(line.split(" ")[1]) for line in lines] == scores


def test_model_scores_real_items_above_shuffled_ones(tmp_path, progression_lm):
    # words are unit progressions, their nonce words the same units shuffled
    units = {}
    for row in LEXICAL_GOLD:
        start = ord(row[1]) % 16
        word = progression(start, 6)
        units[row[0]] = word if row[7] == "1" else np.roll(word, 2 + len(row[0]))
    write_gold(tmp_path, "lexical", LEXICAL_GOLD, units=units)
    task = read_zerospeech(tmp_path)["lexical"]
    submission = tmp_path / "out" / "lexical" / "dev.txt"
    result = evaluate_zerospeech_task(
        LikelihoodScorer(progression_lm), task, read_units, submission
    )
    assert result["accuracy"] == 1.0
    assert len(submission.read_text().splitlines()) == len(LEXICAL_GOLD)


def test_only_tasks_present_are_read(tmp_path):
    assert read_zerospeech(tmp_path) == {}
    write_gold(tmp_path, "syntactic", SYNTACTIC_GOLD)
    assert list(read_zerospeech(tmp_path)) == ["syntactic"]


def test_unequal_correct_and_incorrect_counts_are_an_error(tmp_path):
    write_gold(tmp_path, "syntactic", SYNTACTIC_GOLD[:-1])
    with pytest.raises(BenchmarkFormatError, match="4 correct rows but 3 incorrect"):
        read_syntactic(tmp_path)


def test_word_without_nonce_word_is_an_error(tmp_path):
    write_gold(tmp_path, "lexical", LEXICAL_GOLD[:7])  # b1 loses b1x
    with pytest.raises(
        BenchmarkFormatError, match=r"id 'B' voice 'v1' has 1 real word\(s\) and 0 nonce"
    ):
        read_lexical(tmp_path)


def test_missing_audio_is_named_with_its_gold_line(tmp_path):
    folder = write_gold(tmp_path, "lexical", LEXICAL_GOLD)
    (folder / "a2x.wav").unlink()
    with pytest.raises(FileNotFoundError, match=r"gold.csv, line 5: .*a2x.wav"):
        read_lexical(tmp_path)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda rows: rows[:2] + [rows[2][:5] + ("yes",) + rows[2][6:]] + rows[3:],
            r"line 4: correct must be 0 or 1, got 'yes'",
        ),
        (lambda rows: rows + [rows[0]], r"line 10: filename 'agr_a_v1' already on line 2"),
    ],
)
def test_malformed_gold_rows_are_named(tmp_path, change, message):
    write_gold(tmp_path, "syntactic", change(list(SYNTACTIC_GOLD)))
    with pytest.raises(BenchmarkFormatError, match=message):
        read_syntactic(tmp_path)


def test_gold_without_required_column_is_an_error(tmp_path):
    folder = write_gold(tmp_path, "syntactic", SYNTACTIC_GOLD)
    gold = folder / "gold.csv"
    gold.write_text(gold.read_text().replace(",subtype,", ",sub,", 1))
    with pytest.raises(BenchmarkFormatError, match="misses column"):
        read_syntactic(tmp_path)


def official_scorer(monkeypatch, tmp_path):
    """The official ``zerospeech-benchmarks`` tasks, kept offline.

    Importing the package fetches a repository index unless a local one
    exists and is more than a week old, so a stale empty index is planted
    in a private APP_DIR first.
    """
    if importlib.util.find_spec("zerospeech") is None:
        pytest.skip("zerospeech-benchmarks is not installed")
    app_dir = tmp_path / "zr-data"
    app_dir.mkdir()
    index = app_dir / "repo.json"
    index.write_text("{}")
    month_ago = time.time() - 30 * 24 * 3600
    os.utime(index, (month_ago, month_ago))
    monkeypatch.setenv("APP_DIR", str(app_dir))
    from zerospeech.tasks.lm.lexical import LexicalTask
    from zerospeech.tasks.lm.syntactic import SyntacticTask

    return LexicalTask, SyntacticTask


def test_scores_equal_the_official_scorer(tmp_path, monkeypatch):
    lexical_task, syntactic_task = official_scorer(monkeypatch, tmp_path)
    root, submissions = tmp_path / "data", tmp_path / "submission"
    results = {}
    for name, rows, reader in (
        ("lexical", LEXICAL_GOLD, read_lexical),
        ("syntactic", SYNTACTIC_GOLD, read_syntactic),
    ):
        write_gold(root, name, rows)
        task = reader(root)
        write_submission(task, [row[-1] for row in rows], submissions / name / "dev.txt")
        results[name] = task_accuracy(task, [row[-1] for row in rows])["accuracy"]
    lexical_pairs = lexical_task.eval_by_pair(
        lexical_task.load_and_format(
            submissions / "lexical" / "dev.txt", root / "lexical" / "dev" / "gold.csv"
        )
    )
    syntactic_pairs, _ = syntactic_task().run_syntactic_comparison(
        root / "syntactic" / "dev" / "gold.csv", submissions / "syntactic" / "dev.txt"
    )
    assert results["lexical"] == pytest.approx(lexical_pairs["score"].mean())
    assert results["syntactic"] == pytest.approx(syntactic_pairs["score"].mean())
