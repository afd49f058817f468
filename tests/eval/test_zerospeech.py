"""ZeroSpeech 2021 layout: official pairing and averaging, submissions, errors."""

import dataclasses
import importlib.util
import os
import re
import time
from types import SimpleNamespace

import numpy as np
import pytest

from speechbrain_xling.eval.files import BenchmarkFormatError
from speechbrain_xling.eval.scoring import LikelihoodScorer
from speechbrain_xling.eval.zerospeech import (
    FREQUENCY_BANDS,
    GOLD_COLUMNS,
    evaluate_zerospeech_task,
    format_score,
    read_lexical,
    read_syntactic,
    read_vocabulary,
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
# Breakdown: A, B, C above (frequencies 10, 3, 1; 3 phones), D out of the
# training text (frequency 0, 4 phones, won), E with no frequency (5 phones,
# lost). Per-id means: A 1/3, B 1, C 0.75, D 1, E 0.
BREAKDOWN_GOLD = LEXICAL_GOLD + [
    ("d1", "D", "v1", "0", "Moon", "m u n", "4", "1", -1.0),
    ("d1x", "D", "v1", "", "moot", "m u t", "4", "0", -2.0),
    ("e1", "E", "v1", "", "stars", "s t a r z", "5", "1", -3.0),
    ("e1x", "E", "v1", "", "starz", "s t a r s", "5", "0", -1.0),
]


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


def subset(accuracy, num_groups):
    return {"accuracy": pytest.approx(accuracy) if num_groups else None, "num_groups": num_groups}


def test_lexical_breakdown_by_frequency_length_and_vocabulary(tmp_path):
    write_gold(tmp_path, "lexical", BREAKDOWN_GOLD)
    task = read_lexical(tmp_path)
    scores = [row[-1] for row in BREAKDOWN_GOLD]
    vocabulary = read_vocabulary(["CAT", "moon", "stars", "comet"])
    result = task_accuracy(task, scores, vocabulary)
    # the official accuracy is the one without any breakdown
    official = task_accuracy(dataclasses.replace(task, words=None), scores)
    assert official == {"accuracy": result["accuracy"], "num_pairs": 8, "num_groups": 5}
    assert result["accuracy"] == pytest.approx((1 / 3 + 1 + 0.75 + 1 + 0) / 5)
    assert result["in_vocab"] == subset((1 / 3 + 1 + 0) / 3, 3)  # A, D, E
    assert result["leaderboard_in_vocab"] == subset(LEXICAL_ACCURACY, 3)  # frequency >= 1
    assert result["by_frequency"] == {
        "oov": subset(1.0, 1),  # D
        "1-4": subset(0.875, 2),  # B, C
        "5-19": subset(1 / 3, 1),  # A
        "20-99": subset(None, 0),
        ">=100": subset(None, 0),
    }  # E has no frequency: in no band
    assert result["by_length"] == {
        "3": subset(LEXICAL_ACCURACY, 3),
        "4": subset(1.0, 1),
        "5": subset(0.0, 1),
    }
    assert list(result["by_frequency"]) == [band for band, _, _ in FREQUENCY_BANDS]


def test_no_vocabulary_no_in_vocab_accuracy(tmp_path):
    write_gold(tmp_path, "lexical", BREAKDOWN_GOLD)
    result = task_accuracy(read_lexical(tmp_path), [row[-1] for row in BREAKDOWN_GOLD])
    assert "in_vocab" not in result
    assert {"by_frequency", "by_length", "leaderboard_in_vocab"} <= set(result)
    # the syntactic task has no lexical breakdown
    write_gold(tmp_path, "syntactic", SYNTACTIC_GOLD)
    syntactic = task_accuracy(read_syntactic(tmp_path), [row[-1] for row in SYNTACTIC_GOLD])
    assert set(syntactic) == {"accuracy", "num_pairs", "num_groups", "by_type"}


def test_vocabulary_file(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# word count\nCat 12\n\nbe\u0301be\u0301\t3\n", encoding="utf-8")
    assert read_vocabulary(path) == {"cat", "b\u00e9b\u00e9"}  # first field, NFC, casefold
    with pytest.raises(FileNotFoundError, match="swuggy_vocabulary: word list .*absent.txt"):
        read_vocabulary(tmp_path / "absent.txt")
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(ValueError, match="lists no word"):
        read_vocabulary(tmp_path / "empty.txt")


@pytest.mark.parametrize(
    "column, value", [("frequency", "ten"), ("frequency", "-1"), ("length", "2.5")]
)
def test_real_word_frequency_and_length_must_be_counts(tmp_path, column, value):
    rows = list(LEXICAL_GOLD)
    index = GOLD_COLUMNS["lexical"].index(column)
    rows[6] = rows[6][:index] + (value,) + rows[6][index + 1 :]  # b1, line 8
    write_gold(tmp_path, "lexical", rows)
    message = f"line 8: {column} must be a non-negative integer or empty, got '{value}'"
    with pytest.raises(BenchmarkFormatError, match=re.escape(message)):
        read_lexical(tmp_path)


def test_submission_lists_every_gold_file_with_its_written_score(tmp_path):
    write_gold(tmp_path, "lexical", LEXICAL_GOLD)
    task = read_lexical(tmp_path)
    scores = [row[-1] / 3 for row in LEXICAL_GOLD]
    write_submission(task, scores, tmp_path / "sub" / "lexical" / "dev.txt")
    lines = (tmp_path / "sub" / "lexical" / "dev.txt").read_text().splitlines()
    assert [line.split(" ")[0] for line in lines] == [row[0] for row in LEXICAL_GOLD]
    assert [line.split(" ")[1] for line in lines] == [format_score(s) for s in scores]
    assert [float(line.split(" ")[1]) for line in lines] == pytest.approx(scores, rel=5e-12)


# Two 17-digit reprs that pandas' default (fast) float parser reads as the
# same double; 12 significant digits write both as -0.165276355285.
REPR_TIE = (-0.16527635528529092, -0.16527635528529094)


def submission_scores(path):
    """``{filename: text of its score}`` of a submission file."""
    return dict(line.split(" ") for line in path.read_text().splitlines())


def test_scores_equal_beyond_the_written_digits_tie(tmp_path):
    write_gold(tmp_path, "lexical", LEXICAL_GOLD)
    task = read_lexical(tmp_path)
    scores = {row[0]: row[-1] for row in LEXICAL_GOLD}
    scores["b1"], scores["b1x"] = REPR_TIE  # id B: the word won, now a tie
    scores = [scores[row[0]] for row in LEXICAL_GOLD]
    submission = tmp_path / "sub" / "lexical" / "dev.txt"
    write_submission(task, scores, submission)
    written = submission_scores(submission)
    assert written["b1"] == written["b1x"] == "-0.165276355285"
    result = task_accuracy(task, scores)
    assert result["accuracy"] == pytest.approx((1 / 3 + 0.5 + 0.75) / 3)


@pytest.mark.parametrize(
    "correct, wrong, written",
    [
        (-0.1652763552851, -0.1652763552859, ("-0.165276355285", "-0.165276355286")),
        (-1234.567890121, -1234.567890129, ("-1234.56789012", "-1234.56789013")),
        (-2.000000000004e-7, -2.000000000006e-7, ("-2e-07", "-2.00000000001e-07")),
    ],
)
@pytest.mark.parametrize("swap", [False, True])
def test_scores_that_differ_at_the_written_digits_keep_their_order(
    tmp_path, correct, wrong, written, swap
):
    write_gold(tmp_path, "lexical", LEXICAL_GOLD[6:8])  # b1 (word), b1x (nonce)
    task = read_lexical(tmp_path)
    scores = [wrong, correct] if swap else [correct, wrong]
    submission = tmp_path / "sub" / "lexical" / "dev.txt"
    write_submission(task, scores, submission)
    text = submission_scores(submission)
    assert (text["b1"], text["b1x"]) == (written[::-1] if swap else written)
    assert task_accuracy(task, scores)["accuracy"] == (0.0 if swap else 1.0)


class FixedScorer:
    """A ``LikelihoodScorer`` stand-in returning given scores in call order."""

    def __init__(self, scores):
        self.scores = scores
        self.lm = SimpleNamespace(vocab=SimpleNamespace(num_units=16))

    def score(self, candidates):
        assert len(candidates) == len(self.scores)
        return np.array(self.scores)


@pytest.mark.parametrize("with_submission", [False, True])
def test_evaluation_compares_the_scores_as_written(tmp_path, with_submission):
    write_gold(tmp_path, "syntactic", SYNTACTIC_GOLD)
    task = read_syntactic(tmp_path)
    scores = [row[-1] for row in SYNTACTIC_GOLD]
    scores[2], scores[6] = REPR_TIE  # (agr, s2, 1): a win in repr, a tie as written
    submission = tmp_path / "sub" / "syntactic" / "dev.txt" if with_submission else None
    result = evaluate_zerospeech_task(FixedScorer(scores), task, read_units, submission)
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["by_type"] == pytest.approx({"agr": 0.5, "npi": 0.5})
    if with_submission:
        text = submission_scores(submission)
        read_back = [float(text[name]) for name in task.filenames]
        assert task_accuracy(task, read_back) == result


def test_pandas_reads_the_submission_as_the_project_does(tmp_path):
    # the official scorer reads submissions with pandas' default parser
    pandas = pytest.importorskip("pandas")
    write_gold(tmp_path, "lexical", LEXICAL_GOLD)
    task = read_lexical(tmp_path)
    rng = np.random.default_rng(0)
    scores = np.concatenate([REPR_TIE, -rng.exponential(3.0, len(LEXICAL_GOLD) - 2)])
    scores[3] = scores[2] * (1 + 1e-14)  # a2 vs a2x: another tie as written
    submission = tmp_path / "sub" / "lexical" / "dev.txt"
    write_submission(task, scores, submission)
    frame = pandas.read_csv(submission, sep=" ", header=None, names=["filename", "score"])
    assert frame["filename"].tolist() == task.filenames
    # fast parser or not, every comparison (ties included) comes out as here
    theirs = frame["score"].to_numpy()
    ours = np.array([float(format_score(score)) for score in scores])
    assert (np.sign(theirs[:, None] - theirs) == np.sign(ours[:, None] - ours)).all()
    assert task_accuracy(task, theirs) == task_accuracy(task, scores)


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


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("type", "", "type is empty"),
        ("subtype", "", "subtype is empty"),
        ("id", "", "id is empty"),
        ("subtype", "NA", "subtype is 'NA', which pandas reads as missing"),
    ],
)
def test_syntactic_row_without_averaging_key_is_an_error(tmp_path, column, value, message):
    # the official scorer's groupby silently drops such a pair
    rows = list(SYNTACTIC_GOLD)
    index = GOLD_COLUMNS["syntactic"].index(column)
    rows[2] = rows[2][:index] + (value,) + rows[2][index + 1 :]  # agr_b_v1, line 4
    folder = write_gold(tmp_path, "syntactic", rows)
    with pytest.raises(BenchmarkFormatError) as error:
        read_syntactic(tmp_path)
    assert re.match(re.escape(f"{folder / 'gold.csv'}, line 4: {message};"), str(error.value))


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


# The official toolkit labels its bands by the counts it meant, not by the
# right-open bins it uses (see the zerospeech module docstring).
OFFICIAL_BANDS = {"oov": "oov", "1-5": "1-4", "6-20": "5-19", "21-100": "20-99", ">100": ">=100"}


def test_lexical_breakdown_equals_the_official_tables(tmp_path, monkeypatch):
    lexical_task, _ = official_scorer(monkeypatch, tmp_path)
    gold = BREAKDOWN_GOLD[:-2] + [  # every word with a frequency, as the official data
        ("f1", "F", "v1", "150", "comet", "k o m e t", "5", "1", -2.0),
        ("f1x", "F", "v1", "", "comep", "k o m e p", "5", "0", -2.0),
    ]
    write_gold(tmp_path / "data", "lexical", gold)
    task = read_lexical(tmp_path / "data")
    scores = [row[-1] for row in gold]
    submission = tmp_path / "submission" / "lexical" / "dev.txt"
    write_submission(task, scores, submission)
    ours = task_accuracy(task, scores)
    by_pair = lexical_task.eval_by_pair(
        lexical_task.load_and_format(submission, tmp_path / "data" / "lexical" / "dev" / "gold.csv")
    )
    theirs = {
        OFFICIAL_BANDS[str(row["frequency"])]: (int(row["n"]), float(row["score"]))
        for _, row in lexical_task.eval_by_frequency(by_pair.copy()).iterrows()
        if row["n"] > 0
    }
    assert {band for band, value in ours["by_frequency"].items() if value["num_groups"]} == set(
        theirs
    )
    for band, (count, score) in theirs.items():
        assert ours["by_frequency"][band] == subset(score, count)
    lengths = lexical_task.eval_by_length(by_pair.copy())
    assert ours["by_length"] == {
        str(int(row["length"])): subset(float(row["score"]), int(row["n"]))
        for _, row in lengths.iterrows()
    }
    # the leaderboard's in-vocab: n-weighted mean of the bands but oov
    in_vocab = [(count, score) for band, (count, score) in theirs.items() if band != "oov"]
    expected = sum(c * s for c, s in in_vocab) / sum(c for c, _ in in_vocab)
    assert ours["leaderboard_in_vocab"] == subset(expected, sum(c for c, _ in in_vocab))
