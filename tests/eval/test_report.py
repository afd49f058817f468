"""Table-3 report: every cell equals the per-benchmark result it shows."""

import csv
import json

from speechbrain_xling.eval.report import COLUMNS, MISSING_MARK, write_report

RESULTS = {
    "interleaving": {
        "cloze": {
            "accuracy": {
                "ssc": {"EN": 0.5590, "FR": 0.5708, "EN->FR": 0.5644, "FR->EN": 0.5537},
                "stc": {"EN": 0.64, "FR": 0.6867, "EN->FR": 0.652, "FR->EN": 2 / 3},
            },
            "num_items": {},
        },
        "zerospeech_en": {"lexical": {"accuracy": 0.5956}, "syntactic": {"accuracy": 0.5535}},
        "alignment": {"mean_matched": 0.75, "mean_mismatched": 0.41234},
    },
    "baseline_fr": {
        "cloze": {"accuracy": {"ssc": {"FR": 0.5644}, "stc": {"FR": 0.6985}}},
        "zerospeech_fr": {"lexical": {"accuracy": 0.7}},
    },
}


def expected_cells(results):
    """What each column must show for one system (None = missing)."""
    cloze = results.get("cloze", {}).get("accuracy", {})
    cells = {}
    for task, label in (("ssc", "sSC"), ("stc", "sTC")):
        for condition in ("EN", "FR", "EN->FR", "FR->EN"):
            value = cloze.get(task, {}).get(condition)
            cells[f"{label} {condition}"] = None if value is None else 100 * value
    for lang in ("en", "fr"):
        zerospeech = results.get(f"zerospeech_{lang}", {})
        for task, label in (("syntactic", "sBLiMP"), ("lexical", "sWUGGY")):
            value = zerospeech.get(task, {}).get("accuracy")
            cells[f"{label} {lang.upper()}"] = None if value is None else 100 * value
    alignment = results.get("alignment", {})
    cells["Alignment"] = alignment.get("mean_matched")
    cells["Alignment (mismatched)"] = alignment.get("mean_mismatched")
    return cells


def test_every_format_shows_the_benchmark_results(tmp_path):
    paths = write_report(RESULTS, tmp_path)
    report = json.loads(paths["json"].read_text())
    assert report["columns"] == [column.label for column in COLUMNS]
    rows = {row["system"]: row for row in report["rows"]}
    with open(paths["csv"], newline="") as handle:
        csv_rows = {row["system"]: row for row in csv.DictReader(handle)}
    markdown = paths["markdown"].read_text().splitlines()
    markdown_rows = {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in line.strip("|").split("|")]
            for line in markdown
            if line.startswith("| ") and not line.startswith("| System")
        )
    }
    assert list(rows) == ["random", "interleaving", "baseline_fr"]
    for system, results in RESULTS.items():
        cells = expected_cells(results)
        for index, column in enumerate(COLUMNS):
            value = cells[column.label]
            assert rows[system][column.label] == value
            if value is None:
                assert csv_rows[system][column.label] == ""
                assert markdown_rows[system][index] == MISSING_MARK
            else:
                assert float(csv_rows[system][column.label]) == value
                digits = 2 if column.is_accuracy else 3
                assert markdown_rows[system][index] == f"{value:.{digits}f}"


def test_random_row_is_at_chance(tmp_path):
    rows = json.loads(write_report({}, tmp_path)["json"].read_text())["rows"]
    assert [row["system"] for row in rows] == ["random"]
    for column in COLUMNS:
        assert rows[0][column.label] == (50.0 if column.is_accuracy else None)


def lexical_with_breakdown(accuracy, in_vocab=None):
    """A lexical result as task_accuracy gives it, with its breakdown."""
    result = {
        "accuracy": accuracy,
        "num_pairs": 9,
        "num_groups": 6,
        "leaderboard_in_vocab": {"accuracy": 0.5, "num_groups": 5},
        "by_frequency": {
            "oov": {"accuracy": 1.0, "num_groups": 1},
            "1-4": {"accuracy": 0.5, "num_groups": 5},
            "5-19": {"accuracy": None, "num_groups": 0},
        },
        "by_length": {
            "10": {"accuracy": 0.25, "num_groups": 2},
            "3": {"accuracy": 0.75, "num_groups": 4},
        },
    }
    if in_vocab is not None:
        result["in_vocab"] = {"accuracy": in_vocab, "num_groups": 4}
    return result


def test_swuggy_breakdown_is_a_separate_section(tmp_path):
    results = {
        **RESULTS,
        "bilingual": {
            "zerospeech_fr": {"lexical": lexical_with_breakdown(0.625, in_vocab=0.75)},
            "zerospeech_en": {"lexical": lexical_with_breakdown(0.5)},
        },
    }
    paths = write_report(results, tmp_path)
    report = json.loads(paths["json"].read_text())
    # the Table-3 columns are untouched, in every format
    assert report["columns"] == [column.label for column in COLUMNS]
    rows = {row["system"]: row for row in report["rows"]}
    assert rows["bilingual"]["sWUGGY FR"] == 62.5 and rows["bilingual"]["sWUGGY EN"] == 50.0
    with open(paths["csv"], newline="") as handle:
        assert next(csv.reader(handle)) == ["system"] + [column.label for column in COLUMNS]
    # the breakdown: one row per (language, subset), a value per system
    breakdown = [
        (row["language"], row["subset"], row["num_groups"], row["accuracy"])
        for row in report["swuggy_breakdown"]
    ]
    absent = {"interleaving": None, "baseline_fr": None}
    assert breakdown[:3] == [
        ("EN", "all", 6, {**absent, "bilingual": 50.0}),
        ("EN", "in-vocab (frequency >= 1)", 5, {**absent, "bilingual": 50.0}),
        ("EN", "frequency oov", 1, {**absent, "bilingual": 100.0}),
    ]
    assert [row[1] for row in breakdown if row[0] == "FR"] == [
        "all",
        "in-vocab",
        "in-vocab (frequency >= 1)",
        "frequency oov",
        "frequency 1-4",
        "frequency 5-19",
        "length 3",
        "length 10",  # numeric order
    ]
    assert breakdown[-7][3]["bilingual"] == 75.0  # FR in-vocab
    markdown = paths["markdown"].read_text()
    table, section = markdown.split("## sWUGGY breakdown")
    assert "sWUGGY EN" in table  # the Table-3 column, before the section
    lines = section.splitlines()
    assert "| sWUGGY EN | interleaving | baseline_fr | bilingual |" in lines
    assert "| in-vocab (n=4) | – | – | 75.00 |" in lines
    assert "| frequency 5-19 (n=0) | – | – | – |" in lines
    assert lines.index("| sWUGGY EN | interleaving | baseline_fr | bilingual |") < lines.index(
        "| sWUGGY FR | interleaving | baseline_fr | bilingual |"
    )


def test_no_breakdown_no_section(tmp_path):
    paths = write_report(RESULTS, tmp_path)
    assert "sWUGGY breakdown" not in paths["markdown"].read_text()
    assert json.loads(paths["json"].read_text())["swuggy_breakdown"] == []
