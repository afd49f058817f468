"""Table-3 report: every cell equals the per-benchmark result it shows."""

import csv
import json

import pytest

from speechbrain_xling.eval.report import (
    ALL_COLUMNS,
    BASELINE_EN,
    BASELINE_EN_FR,
    CHART_FILE,
    COLUMNS,
    CONTROL_COLUMNS,
    CROSS_LINGUAL,
    INTERLEAVING,
    INTERLEAVING_FT,
    MISSING_MARK,
    QA_COLUMNS,
    QA_GENERATED_COLUMNS,
    QA_KINDS,
    item_counts,
    plain_reading,
    plot_crosslingual,
    report_rows,
    seed_summary_rows,
    write_report,
    write_seed_report,
)

RESULTS = {
    "interleaving": {
        "asr_tts": {"fr": {"cer": 0.125, "wer": 0.5, "uer": 0.25}},
        "speech_text_alignment": {
            "conditions": {"en_speech-fr_text": {"mean_retrieval_at_1": 0.75, "mean_matched": 0.5}}
        },
        "cross_modal_cloze": {
            "T->S": {"accuracy": {"ssc": {"EN->FR": 0.625}}},
            "T->T": {"accuracy": {"stc_same_event": {"FR": 0.75}}},
        },
        "cloze": {
            "accuracy": {
                "ssc": {"EN": 0.5590, "FR": 0.5708, "EN->FR": 0.5644, "FR->EN": 0.5537},
                "stc": {"EN": 0.64, "FR": 0.6867, "EN->FR": 0.652, "FR->EN": 2 / 3},
                "stc_same_event": {"EN": 0.61, "EN->FR": 0.59375},
            },
            "num_items": {},
            "controls": {
                "last_sentence": {
                    "accuracy": {"ssc": {"EN->FR": 0.5625}, "stc_same_event": {"FR": 0.6}},
                    "num_items": {"ssc": {"EN->FR": 80}},
                },
                "no_cue": {"accuracy": {"ssc": {"EN->FR": 0.49, "FR->EN": 0.5}}},
            },
        },
        "zerospeech_en": {"lexical": {"accuracy": 0.5956}, "syntactic": {"accuracy": 0.5535}},
        "alignment": {"mean_matched": 0.75, "mean_mismatched": 0.41234},
    },
    "baseline_fr": {
        "cloze": {"accuracy": {"ssc": {"FR": 0.5644}, "stc": {"FR": 0.6985}}},
        "zerospeech_fr": {"lexical": {"accuracy": 0.7}},
    },
}


TASK_LABELS = (("ssc", "sSC"), ("stc", "sTC"), ("stc_same_event", "sTC same-event"))
CONDITIONS = ("EN", "FR", "EN->FR", "FR->EN")
# Where each control's accuracies are, and the suffix of its column labels.
CONTROL_SUFFIXES = (("last_sentence", " last-sentence"), ("no_cue", " no-cue"))


def without_controls(results):
    """``results`` with no cloze control results (as before controls existed)."""
    stripped = {}
    for system, benchmarks in results.items():
        stripped[system] = dict(benchmarks)
        if "cloze" in benchmarks:
            cloze = {key: value for key, value in benchmarks["cloze"].items() if key != "controls"}
            stripped[system]["cloze"] = cloze
    return stripped


def expected_cells(results):
    """What each column must show for one system (None = missing)."""
    cloze = results.get("cloze", {})
    sources = [("", cloze)] + [
        (suffix, cloze.get("controls", {}).get(control, {})) for control, suffix in CONTROL_SUFFIXES
    ]
    cells = {}
    for task, label in TASK_LABELS:
        for condition in CONDITIONS:
            for suffix, source in sources:
                value = source.get("accuracy", {}).get(task, {}).get(condition)
                cells[f"{label} {condition}{suffix}"] = None if value is None else 100 * value
    for lang in ("en", "fr"):
        zerospeech = results.get(f"zerospeech_{lang}", {})
        for task, label in (("syntactic", "sBLiMP"), ("lexical", "sWUGGY")):
            value = zerospeech.get(task, {}).get("accuracy")
            cells[f"{label} {lang.upper()}"] = None if value is None else 100 * value
    cross_modal = results.get("cross_modal_cloze", {})
    for direction in ("T->T", "S->T", "T->S"):
        accuracy = cross_modal.get(direction, {}).get("accuracy", {})
        for task, label in TASK_LABELS:
            for condition in CONDITIONS:
                value = accuracy.get(task, {}).get(condition)
                cells[f"{label} {condition} {direction}"] = None if value is None else 100 * value
    asr_tts = results.get("asr_tts", {})
    for task, metric in (("ASR CER", "cer"), ("ASR WER", "wer"), ("TTS UER", "uer")):
        for lang in ("en", "fr"):
            cells[f"{task} {lang.upper()}"] = asr_tts.get(lang, {}).get(metric)
    conditions = results.get("speech_text_alignment", {}).get("conditions", {})
    for condition, label in (
        ("en_speech-en_text", "EN"),
        ("fr_speech-fr_text", "FR"),
        ("en_speech-fr_text", "EN->FR"),
        ("fr_speech-en_text", "FR->EN"),
    ):
        found = conditions.get(condition, {})
        cells[f"S-T retrieval@1 {label}"] = found.get("mean_retrieval_at_1")
        cells[f"S-T cosine {label}"] = found.get("mean_matched")
    for benchmark, suffix in (("qa", ""), ("qa_text_answer", " S->T")):
        accuracy = results.get(benchmark, {}).get("accuracy", {})
        for kind in ("all", *QA_KINDS):
            title = "" if kind == "all" else " " + kind.replace("_", "-")
            for condition in CONDITIONS:
                value = accuracy.get(kind, {}).get(condition)
                cells[f"QA{title} {condition}{suffix}"] = None if value is None else 100 * value
    generated = results.get("qa_generated_answers", {})
    for metric, (key, scale) in GENERATED_METRICS.items():
        for condition in CONDITIONS:
            value = generated.get(key, {}).get(condition)
            cells[f"QA generated {metric} {condition}"] = None if value is None else scale * value
    alignment = results.get("alignment", {})
    cells["Alignment"] = alignment.get("mean_matched")
    cells["Alignment (mismatched)"] = alignment.get("mean_mismatched")
    return cells


def markdown_cells(lines):
    """``{first cell: other cells}`` of the table rows among ``lines``."""
    return {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in line.strip("|").split("|")]
            for line in lines
            if line.startswith("| ") and not line.startswith("| System")
        )
    }


def test_every_format_shows_the_benchmark_results(tmp_path):
    paths = write_report(RESULTS, tmp_path)
    report = json.loads(paths["json"].read_text())
    # Table 3's columns, then the controls', in JSON and CSV
    labels = [column.label for column in ALL_COLUMNS]
    assert labels[: len(COLUMNS)] == [column.label for column in COLUMNS]
    assert labels[12:16] == ["sBLiMP EN", "sBLiMP FR", "sWUGGY EN", "sWUGGY FR"]
    assert labels[8:12] == [f"sTC same-event {c}" for c in CONDITIONS]
    assert (
        labels[len(COLUMNS) :]
        == [
            f"{label} {condition}{suffix}"
            for _, label in TASK_LABELS
            for condition in CONDITIONS
            for _, suffix in CONTROL_SUFFIXES
        ]
        + CROSS_MODAL_LABELS
        + SPEECH_TEXT_LABELS
        + QA_LABELS
        + QA_GENERATED_LABELS
    )
    assert report["columns"] == labels
    rows = {row["system"]: row for row in report["rows"]}
    with open(paths["csv"], newline="") as handle:
        assert next(csv.reader(handle)) == ["system"] + labels
        handle.seek(0)
        csv_rows = {row["system"]: row for row in csv.DictReader(handle)}
    # The main Markdown table has Table 3's columns only.
    table = paths["markdown"].read_text().split("## Shortcut diagnostics")[0].splitlines()
    assert "| System | " + " | ".join(c.label for c in COLUMNS) + " |" in table
    markdown_rows = markdown_cells(table)
    assert list(rows) == ["random", "interleaving", "baseline_fr"]
    for system, results in RESULTS.items():
        cells = expected_cells(results)
        for column in ALL_COLUMNS:
            value = cells[column.label]
            assert rows[system][column.label] == value
            if value is None:
                assert csv_rows[system][column.label] == ""
            else:
                assert float(csv_rows[system][column.label]) == value
        for index, column in enumerate(COLUMNS):
            value = cells[column.label]
            if value is None:
                assert markdown_rows[system][index] == MISSING_MARK
            else:
                digits = 2 if column.is_accuracy else 3
                assert markdown_rows[system][index] == f"{value:.{digits}f}"
    assert rows["interleaving"]["sSC EN->FR last-sentence"] == 56.25
    assert rows["interleaving"]["sTC same-event EN->FR"] == 59.375


def test_random_row_is_at_chance(tmp_path):
    rows = json.loads(write_report({}, tmp_path)["json"].read_text())["rows"]
    assert [row["system"] for row in rows] == ["random"]
    # a pairwise accuracy is at 50%; generated answers have no chance rate
    # (an exact match is not a coin flip), nor have similarities and error rates
    assert QA_GENERATED_COLUMNS
    for column in ALL_COLUMNS:
        pairwise = column.is_accuracy and column not in QA_GENERATED_COLUMNS
        assert rows[0][column.label] == (50.0 if pairwise else None)


SSC_DIAGNOSTICS_HEADER = (
    "| sSC | EN full | EN last-sentence | EN no-cue | FR full | FR last-sentence | FR no-cue"
    " | EN->FR full | EN->FR last-sentence | EN->FR no-cue | FR->EN full | FR->EN last-sentence"
    " | FR->EN no-cue |"
)


def test_shortcut_diagnostics_show_each_task_under_each_control(tmp_path):
    markdown = write_report(RESULTS, tmp_path)["markdown"].read_text()
    table, section = markdown.split("\n## Shortcut diagnostics\n")
    section, cross_modal = section.split("\n## Cross-modal cloze\n")
    cross_modal, speech_text = cross_modal.split("\n## Speech and text\n")
    speech_rows = [line for line in speech_text.splitlines() if line.startswith("| ")]
    assert speech_rows[0].startswith("| System | ASR CER EN | ASR CER FR |")
    assert [line.split(" | ")[0] for line in speech_rows[1:]] == ["| interleaving"]
    assert "| interleaving | – | 0.125 | – | 0.500 | – | 0.250 | – | – | 0.750 |" in speech_text
    # Cross-modal: a table per direction with results, speech-text systems only.
    tables = [line for line in cross_modal.splitlines() if line.startswith("| ")]
    first_cells = [line.split(" | ")[0] for line in tables]
    assert first_cells == ["| T->T", "| interleaving", "| T->S", "| interleaving"]
    assert "| interleaving | – | – | 62.50 |" in cross_modal
    assert "last-sentence" not in table and "no-cue" not in table
    assert "full = the whole prompt; last-sentence = the prompt cut to its last sentence" in section
    assert "a model that ignores the prompt scores exactly 50" in section
    assert "an effect that survives them is a shortcut" in section
    lines = section.splitlines()
    headers = [line for line in lines if line.startswith("| s")]
    # No sTC table: no system has control results for it.
    assert headers == [
        SSC_DIAGNOSTICS_HEADER,
        SSC_DIAGNOSTICS_HEADER.replace("| sSC |", "| sTC same-event |"),
    ]
    # One row per system (no random row), per table.
    assert [line.split(" | ")[0] for line in lines if line.startswith("| ")] == [
        line
        for header in headers
        for line in (header.split(" | ")[0], "| interleaving", "| baseline_fr")
    ]
    ssc = lines.index(SSC_DIAGNOSTICS_HEADER)
    assert lines[ssc + 2] == (
        "| interleaving | 55.90 | – | – | 57.08 | – | – | 56.44 | 56.25 | 49.00 | 55.37 | – "
        "| 50.00 |"
    )
    assert lines[ssc + 3] == "| baseline_fr | – | – | – | 56.44 | – | – | – | – | – | – | – | – |"
    same_event = lines.index(headers[1])
    assert lines[same_event + 2] == (
        "| interleaving | 61.00 | – | – | – | 60.00 | – | 59.38 | – | – | – | – | – |"
    )


def test_no_control_results_no_diagnostics(tmp_path):
    paths = write_report(without_controls(RESULTS), tmp_path)
    assert "Shortcut diagnostics" not in paths["markdown"].read_text()
    # The files keep their columns, the controls' empty (random: chance).
    rows = json.loads(paths["json"].read_text())["rows"]
    assert all(row[c.label] is None for row in rows[1:] for c in CONTROL_COLUMNS)
    assert all(rows[0][c.label] == 50.0 for c in CONTROL_COLUMNS)


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
    # the report's columns are untouched, in every format
    assert report["columns"] == [column.label for column in ALL_COLUMNS]
    rows = {row["system"]: row for row in report["rows"]}
    assert rows["bilingual"]["sWUGGY FR"] == 62.5 and rows["bilingual"]["sWUGGY EN"] == 50.0
    with open(paths["csv"], newline="") as handle:
        assert next(csv.reader(handle)) == ["system"] + [column.label for column in ALL_COLUMNS]
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
    assert "## Shortcut diagnostics" in table  # also before
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


def with_qa(results):
    """``results`` with spoken QA results: ``interleaving`` (spoken and
    written answers, some kinds) and ``baseline_fr`` (spoken answers)."""
    results = {system: dict(benchmarks) for system, benchmarks in results.items()}
    results["interleaving"]["qa"] = {
        "accuracy": {
            "all": {"EN": 0.75, "FR": 0.625, "EN->FR": 0.5, "FR->EN": 0.5625},
            "who": {"EN": 1.0, "EN->FR": 0.5},
            "what_happened": {"FR->EN": 0.25},
        },
        "num_items": {"all": dict.fromkeys(CONDITIONS, 16)},
    }
    results["interleaving"]["qa_text_answer"] = {
        "accuracy": {"all": {"EN": 0.875}, "who": {"FR": 0.5}}
    }
    results["baseline_fr"]["qa"] = {"accuracy": {"all": {"FR": 0.6875}, "where": {"FR": 0.75}}}
    return results


def test_generated_answers_get_their_tables(tmp_path):
    from speechbrain_xling.eval.report import QA_GENERATED_COLUMNS, QA_GENERATED_NOTE

    assert [column.label for column in QA_GENERATED_COLUMNS] == QA_GENERATED_LABELS
    results = with_qa(RESULTS)
    results["interleaving"]["qa_generated_answers"] = {
        "exact_match": {"EN": 0.5, "EN->FR": 0.0},
        "short_answer": {"EN": 0.75},
        "answer_language": {"EN": 1.0, "EN->FR": 0.25},
        "chunk_cer": {"EN": 0.125},
        "seconds_to_first_unit": {"EN": 0.5},
        "num_items": {"EN": 4, "EN->FR": 4},
    }
    paths = write_report(results, tmp_path)
    row = {r["system"]: r for r in json.loads(paths["json"].read_text())["rows"]}["interleaving"]
    cells = expected_cells(results["interleaving"])
    assert {label: row[label] for label in QA_GENERATED_LABELS} == {
        label: cells[label] for label in QA_GENERATED_LABELS
    }
    assert row["QA generated exact EN"] == 50.0 and row["QA generated chunk CER EN"] == 0.125
    assert row["QA generated language EN->FR"] == 25.0
    markdown = paths["markdown"].read_text()
    assert QA_GENERATED_NOTE in markdown
    section = markdown.split("| generated: exact | EN | FR | EN->FR | FR->EN |")[1].splitlines()
    assert section[2].startswith("| interleaving | 50.00 | – | 0.00 | – |")
    assert "| generated: chunk CER |" in markdown and "| baseline_fr |" not in "".join(
        markdown.split("| generated: exact")[1:]
    )


QA_SECTION = """
## Spoken QA

{note}

| S->S spoken answers | EN | FR | EN->FR | FR->EN |
|---|---:|---:|---:|---:|
| interleaving | 75.00 | 62.50 | 50.00 | 56.25 |
| baseline_fr | – | 68.75 | – | – |

| S->T written answers | EN | FR | EN->FR | FR->EN |
|---|---:|---:|---:|---:|
| interleaving | 87.50 | – | – | – |

| who | EN | FR | EN->FR | FR->EN | EN S->T | FR S->T | EN->FR S->T | FR->EN S->T |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
| interleaving | 100.00 | – | 50.00 | – | – | 50.00 | – | – |

| where | EN | FR | EN->FR | FR->EN |
|---|---:|---:|---:|---:|
| baseline_fr | – | 75.00 | – | – |

| what-happened | EN | FR | EN->FR | FR->EN |
|---|---:|---:|---:|---:|
| interleaving | – | – | – | 25.00 |
"""


def test_spoken_qa_columns_and_section(tmp_path):
    from speechbrain_xling.corpora.qa import KINDS
    from speechbrain_xling.eval.report import QA_NOTE

    assert QA_KINDS == KINDS  # the mini-corpus's question kinds
    assert [column.label for column in QA_COLUMNS] == QA_LABELS
    results = with_qa(RESULTS)
    paths = write_report(results, tmp_path / "qa")
    rows = {row["system"]: row for row in json.loads(paths["json"].read_text())["rows"]}
    with open(paths["csv"], newline="") as handle:
        csv_rows = {row["system"]: row for row in csv.DictReader(handle)}
    for system in results:
        cells = expected_cells(results[system])
        for column in QA_COLUMNS:
            value = cells[column.label]
            assert rows[system][column.label] == value
            assert csv_rows[system][column.label] == ("" if value is None else repr(value))
    assert rows["interleaving"]["QA FR->EN"] == 56.25
    assert rows["interleaving"]["QA what-happened FR->EN"] == 25.0
    assert rows["interleaving"]["QA who FR S->T"] == 50.0
    assert rows["baseline_fr"]["QA EN S->T"] is None
    assert all(rows["random"][column.label] == 50.0 for column in QA_COLUMNS)
    assert item_counts(results)["QA EN->FR"] == 16
    # the section comes after the others, which are as without QA results
    markdown = paths["markdown"].read_text()
    before = write_report(RESULTS, tmp_path / "no_qa")["markdown"].read_text()
    assert markdown == before + QA_SECTION.format(note=QA_NOTE)


def test_seed_report_shows_the_spoken_qa(tmp_path):
    def seed(accuracy):
        return report_rows({"A": {"qa": {"accuracy": {"all": {"EN->FR": accuracy}}}}, "B": {}})

    markdown = write_seed_report([seed(0.75), seed(0.875)], tmp_path)
    section = markdown.split("\n## Spoken QA\n")[1].splitlines()
    assert section[3:6] == [
        "| S->S spoken answers | EN | FR | EN->FR | FR->EN |",
        "|---|---:|---:|---:|---:|",
        "| A | – | – | 81.2 ± 8.8 | – |",
    ]
    assert len(section) == 6  # no kind, no written answers, no B
    with open(tmp_path / "report.csv", newline="") as handle:
        rows = {row["system"]: row for row in csv.DictReader(handle)}
    assert float(rows["A"]["QA EN->FR mean"]) == 81.25
    assert rows["B"]["QA EN->FR mean"] == ""


# Several seeds -------------------------------------------------------------


def seed_rows(offset, with_fr):
    """One seed's report rows, hand-built (None: no result), with Table 3's
    columns only, like a report written before the controls."""
    rows = [{"system": "random", **{c.label: 50.0 if c.is_accuracy else None for c in COLUMNS}}]
    both = {"system": "Baseline EN+FR", **{c.label: None for c in COLUMNS}}
    both["sSC EN"] = 60.0 + offset
    both["sSC EN->FR"] = 52.5 - offset / 2
    both["sTC FR->EN"] = 100 / 3 + offset
    both["Alignment"] = 0.5 + offset / 100
    both["Alignment (mismatched)"] = 0.25
    interleaved = {"system": "Cross-lingual Interleaving", **{c.label: None for c in COLUMNS}}
    interleaved["sSC EN"] = 70.0
    if with_fr:  # in one seed only: no ± in the table
        interleaved["sBLiMP FR"] = 61.25
    interleaved["Alignment"] = 0.123456
    return rows + [both, interleaved]


# What the demo's former summarize_seeds wrote for these seeds, to the byte,
# with the sTC same-event columns after sTC's and, in the CSV, the controls'
# columns at the end (empty: these rows predate the controls).
GOLDEN_MD = (
    "# Mini Table 3\n"
    "\n"
    "A note.\n"
    "\n"
    "Accuracy in % (chance 50), mean ± std over 3 seed(s); alignment = mean cosine of"
    " aligned EN-FR sentence states over layers.\n"
    "\n"
    "| System | sSC EN | sSC FR | sSC EN->FR | sSC FR->EN | sTC EN | sTC FR | sTC EN->FR"
    " | sTC FR->EN | sTC same-event EN | sTC same-event FR | sTC same-event EN->FR"
    " | sTC same-event FR->EN | sBLiMP EN | sBLiMP FR | sWUGGY EN | sWUGGY FR | Alignment |"
    " Alignment (mismatched) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    "---:|---:|\n"
    "| random | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ±"
    " 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0"
    " | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | 50.0 ± 0.0 | – | – |\n"
    "| Baseline EN+FR | 64.0 ± 3.6 | – | 50.5 ± 1.8 | – | – | – | – | 37.3 ± 3.6 | – | –"
    " | – | – | – | – | – | – | 0.540 ± 0.036 | 0.250 ± 0.000 |\n"
    "| Cross-lingual Interleaving | 70.0 ± 0.0 | – | – | – | – | – | – | – | – | – | – |"
    " – | – | 61.2 | – | – | 0.123 ± 0.000 | – |\n"
)
CONTROL_LABELS = [
    f"{label} {condition}{suffix}"
    for _, label in TASK_LABELS
    for condition in CONDITIONS
    for _, suffix in CONTROL_SUFFIXES
]
# The cross-modal cloze columns of speech-text systems come last.
CROSS_MODAL_LABELS = [
    f"{label} {condition} {direction}"
    for direction in ("T->T", "S->T", "T->S")
    for _, label in TASK_LABELS
    for condition in CONDITIONS
]
SPEECH_TEXT_LABELS = [
    f"{task} {lang}" for task in ("ASR CER", "ASR WER", "TTS UER") for lang in ("EN", "FR")
] + [
    f"S-T {metric} {condition}"
    for metric in ("retrieval@1", "cosine")
    for condition in ("EN", "FR", "EN->FR", "FR->EN")
]
# The spoken QA's, last: over all questions, then per kind; spoken answers
# (S->S), then written ones (S->T).
QA_LABELS = [
    f"QA{kind} {condition}{direction}"
    for kind in ("", " who", " what", " color", " where", " what-happened")
    for direction in ("", " S->T")
    for condition in CONDITIONS
]
GENERATED_METRICS = {
    "exact": ("exact_match", 100),
    "key phrase": ("short_answer", 100),
    "language": ("answer_language", 100),
    "chunk CER": ("chunk_cer", 1),
    "s to speech": ("seconds_to_first_unit", 1),
}
QA_GENERATED_LABELS = [
    f"QA generated {metric} {condition}" for metric in GENERATED_METRICS for condition in CONDITIONS
]
EXTRA_LABELS = (
    CONTROL_LABELS + CROSS_MODAL_LABELS + SPEECH_TEXT_LABELS + QA_LABELS + QA_GENERATED_LABELS
)
NO_CONTROLS = "," * (2 * len(EXTRA_LABELS))
GOLDEN_CSV = (
    "system,sSC EN mean,sSC EN std,sSC FR mean,sSC FR std,sSC EN->FR mean,sSC EN->FR"
    " std,sSC FR->EN mean,sSC FR->EN std,sTC EN mean,sTC EN std,sTC FR mean,sTC FR"
    " std,sTC EN->FR mean,sTC EN->FR std,sTC FR->EN mean,sTC FR->EN std,sTC same-event EN"
    " mean,sTC same-event EN std,sTC same-event FR mean,sTC same-event FR std,sTC"
    " same-event EN->FR mean,sTC same-event EN->FR std,sTC same-event FR->EN mean,sTC"
    " same-event FR->EN std,sBLiMP EN mean,sBLiMP EN std,sBLiMP FR mean,sBLiMP FR"
    " std,sWUGGY EN mean,sWUGGY EN std,sWUGGY FR mean,sWUGGY FR std,Alignment"
    " mean,Alignment std,Alignment (mismatched) mean,Alignment (mismatched) std"
    + "".join(f",{label} mean,{label} std" for label in EXTRA_LABELS)
    + "\n"
    "random,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,"
    "0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,50.0,0.0,,,," + NO_CONTROLS + "\n"
    "Baseline EN+FR,64.0,3.605551275463989,,,50.5,1.8027756377319946,,,,,,,,,"
    "37.333333333333336,3.605551275463989,,,,,,,,,,,,,,,,,"
    "0.54,0.036055512754639925,0.25,0.0" + NO_CONTROLS + "\n"
    "Cross-lingual Interleaving,70.0,0.0,,,,,,,,,,,,,,,,,,,,,,,,,61.25,0.0,,,,,0.123456,0.0,,"
    + NO_CONTROLS
    + "\n"
)


def golden_json():
    blank = {"mean": None, "n": 0, "std": 0.0}
    rows = [
        {"system": system, **{c.label: blank for c in ALL_COLUMNS}}
        for system in ("random", "Baseline EN+FR", "Cross-lingual Interleaving")
    ]
    for column in COLUMNS[:16]:
        rows[0][column.label] = {"mean": 50.0, "n": 3, "std": 0.0}
    rows[1]["sSC EN"] = {"mean": 64.0, "n": 3, "std": 3.605551275463989}
    rows[1]["sSC EN->FR"] = {"mean": 50.5, "n": 3, "std": 1.8027756377319946}
    rows[1]["sTC FR->EN"] = {"mean": 37.333333333333336, "n": 3, "std": 3.605551275463989}
    rows[1]["Alignment"] = {"mean": 0.54, "n": 3, "std": 0.036055512754639925}
    rows[1]["Alignment (mismatched)"] = {"mean": 0.25, "n": 3, "std": 0.0}
    rows[2]["sSC EN"] = {"mean": 70.0, "n": 3, "std": 0.0}
    rows[2]["sBLiMP FR"] = {"mean": 61.25, "n": 1, "std": 0.0}
    rows[2]["Alignment"] = {"mean": 0.123456, "n": 3, "std": 0.0}
    return json.dumps({"rows": rows, "seeds": 3}, indent=2, sort_keys=True) + "\n"


def test_seed_report_files_to_the_byte(tmp_path):
    reports = [seed_rows(0, True), seed_rows(5, False), seed_rows(7, False)]
    markdown = write_seed_report(reports, tmp_path, "A note.")
    assert markdown == (tmp_path / "report.md").read_text() == GOLDEN_MD
    assert (tmp_path / "report.csv").read_text() == GOLDEN_CSV
    assert (tmp_path / "report.json").read_text() == golden_json()
    # The plain reading goes under the same table, the other files stay as they are.
    with_reading = write_seed_report(reports, tmp_path, "A note.", num_items=200)
    assert with_reading.startswith(GOLDEN_MD + "\n## Plain reading\n\nNoise (95%)")
    assert (tmp_path / "report.csv").read_text() == GOLDEN_CSV
    assert (tmp_path / "report.json").read_text() == golden_json()


def test_seed_summary_is_mean_and_std_of_the_seed_reports():
    def rows(value):
        row = {"system": "A", **{c.label: None for c in COLUMNS}}
        row["sTC EN"] = value
        return [row]

    cell = seed_summary_rows([rows(60.0), rows(70.0), rows(80.0)])[0]["sTC EN"]
    assert cell == {"mean": 70.0, "std": 10.0, "n": 3}


def summary(cells, seeds=1, std=0.0):
    """Summary rows of the five systems; ``cells``: {(system, label): mean}."""
    rows = []
    for system in (BASELINE_EN, INTERLEAVING, INTERLEAVING_FT, BASELINE_EN_FR):
        row = {"system": system}
        for column in ALL_COLUMNS:
            mean = cells.get((system, column.label))
            n = 0 if mean is None else seeds
            row[column.label] = {"mean": mean, "std": std if n > 1 else 0.0, "n": n}
        rows.append(row)
    return rows


def test_plain_reading_names_a_clear_win_noise_and_missing_systems():
    cells = {
        (INTERLEAVING, "sSC EN->FR"): 78.0,  # a clear win
        (BASELINE_EN_FR, "sSC EN->FR"): 56.0,
        (INTERLEAVING, "sSC FR->EN"): 55.0,  # within noise, both at chance
        (BASELINE_EN_FR, "sSC FR->EN"): 52.0,
        (INTERLEAVING, "sTC EN->FR"): 80.0,  # within noise, above chance
        (BASELINE_EN_FR, "sTC EN->FR"): 75.0,
        (INTERLEAVING, "sTC FR->EN"): 50.0,  # clearly behind
        (BASELINE_EN_FR, "sTC FR->EN"): 65.0,
        (INTERLEAVING, "sSC EN"): 90.0,
        (BASELINE_EN, "sSC EN"): 97.0,
        (INTERLEAVING, "Alignment"): 0.5,
        (BASELINE_EN_FR, "Alignment"): 0.4,
    }
    reading = plain_reading(summary(cells), 200)
    assert reading[0].startswith("Noise (95%): on N items an accuracy near 50% is uncertain by")
    assert "(±6.9 for the 200 items" in reading[0] and "(±9.8)" in reading[0]
    assert "One seed: training noise is not measured" in reading[0]
    lines = reading[1:]
    assert lines[0] == (
        "cross-lingual sSC EN->FR: interleaving 78.0 vs EN+FR baseline 56.0 (+22.0 points), "
        "beyond the ±9.8-point noise (200 items, 1 seed): as the paper claims."
    )
    # Interleaving + fine-tuning has no cross-lingual results in this report.
    assert lines[1] == (
        "cross-lingual sSC EN->FR: interleaving + EN+FR fine-tuning vs EN+FR baseline not "
        "read (no sSC EN->FR result for interleaving + EN+FR fine-tuning)."
    )
    assert lines[2] == (
        "cross-lingual sSC FR->EN: interleaving 55.0 vs EN+FR baseline 52.0 (+3.0 points), "
        "within the ±9.8-point noise (200 items, 1 seed): no effect shown, both at chance "
        "(50 ± 6.9)."
    )
    assert lines[4].endswith("within the ±9.8-point noise (200 items, 1 seed): no effect shown.")
    assert lines[6].endswith(": the opposite of the paper's claim.")
    assert lines[8] == (
        "cross-lingual sTC same-event EN->FR: interleaving vs EN+FR baseline not read "
        "(no sTC same-event EN->FR result for interleaving)."
    )
    assert lines[12] == (
        "monolingual retention sSC EN: interleaving 90.0 vs EN baseline 97.0 (-7.0 points), "
        "within the ±9.8-point noise (200 items, 1 seed): no loss shown, as the paper claims."
    )
    assert lines[13] == (
        "monolingual retention sTC EN: interleaving vs EN baseline not read "
        "(no sTC EN result for interleaving)."
    )
    assert lines[-1] == (
        "alignment (mean cosine of aligned EN-FR sentence states): interleaving 0.500 vs "
        "EN+FR baseline 0.400 (+0.100); one seed: no noise estimate for cosines, so no verdict."
    )
    assert len(lines) == 12 + 4 + 1

    # A system absent from the report is named.
    rows = [row for row in summary(cells) if row["system"] != BASELINE_EN_FR]
    reading = plain_reading(rows, {"sSC EN->FR": 200})
    assert reading[1] == (
        "cross-lingual sSC EN->FR: interleaving vs EN+FR baseline not read "
        "(no EN+FR baseline in the report)."
    )
    assert reading[-1].endswith("not read (no EN+FR baseline in the report).")


# A clear cross-lingual win of interleaving on sSC EN->FR (+22 points).
CLEAR_WIN = (
    "cross-lingual sSC EN->FR: interleaving 78.0 vs EN+FR baseline 56.0 (+22.0 points), "
    "beyond the ±9.8-point noise (200 items, 1 seed): as the paper claims"
)


def with_controls(last_sentence, no_cue):
    """Summary rows with the clear win, and each control's
    ``(interleaving, baseline)`` accuracies when given."""
    cells = {(INTERLEAVING, "sSC EN->FR"): 78.0, (BASELINE_EN_FR, "sSC EN->FR"): 56.0}
    for suffix, means in ((" last-sentence", last_sentence), (" no-cue", no_cue)):
        if means:
            cells[(INTERLEAVING, "sSC EN->FR" + suffix)] = means[0]
            cells[(BASELINE_EN_FR, "sSC EN->FR" + suffix)] = means[1]
    return summary(cells)


def test_plain_reading_checks_a_win_against_the_controls():
    assert CROSS_LINGUAL == tuple(
        f"{label} {condition}" for _, label in TASK_LABELS for condition in ("EN->FR", "FR->EN")
    )
    # Both controls near chance: the win needs the story's cue.
    reading = plain_reading(with_controls((51.0, 50.0), (49.0, 51.0)), 200)
    assert reading[1] == CLEAR_WIN + (
        "; the controls do not show it (last-sentence +1.0, within ±9.8; no-cue -2.0, "
        "within ±9.8): the effect comes from the story's cue."
    )
    # The last sentence alone gives the win: a shortcut.
    reading = plain_reading(with_controls((75.0, 55.0), (49.0, 51.0)), 200)
    assert reading[1] == CLEAR_WIN + (
        "; but the last-sentence control shows it too (last-sentence +20.0, beyond ±9.8; "
        "no-cue -2.0, within ±9.8): a shortcut, not story understanding."
    )
    reading = plain_reading(with_controls((75.0, 55.0), (70.0, 50.0)), 200)
    assert "; but the last-sentence and no-cue controls show it too (" in reading[1]
    # A control beyond its noise the other way does not show the effect; each
    # control's noise is that of its own item count.
    counts = {"sSC EN->FR": 200, "sSC EN->FR no-cue": 100}
    reading = plain_reading(with_controls(None, (40.0, 60.0)), counts)
    assert reading[1] == CLEAR_WIN + (
        "; the controls do not show it (no-cue -20.0, beyond ±13.9 the other way): "
        "the effect comes from the story's cue."
    )
    # The other comparisons have no control results: nothing is said of them.
    assert not any("control" in line for line in reading[2:])


def test_topic_cloze_is_checked_against_the_last_sentence_only():
    # The topic is in every sentence: an sTC effect that survives no-cue is
    # the story's; one that survives last-sentence is a shortcut.
    label = "sTC FR->EN"
    cells = {(INTERLEAVING, label): 77.0, (BASELINE_EN_FR, label): 54.0}
    cells[(INTERLEAVING, label + " no-cue")] = 77.0
    cells[(BASELINE_EN_FR, label + " no-cue")] = 54.5
    cells[(INTERLEAVING, label + " last-sentence")] = 55.5
    cells[(BASELINE_EN_FR, label + " last-sentence")] = 51.0
    line = next(line for line in plain_reading(summary(cells), 200) if label + ":" in line)
    assert line.endswith(
        "; the controls do not show it (last-sentence +4.5, within ±9.8): "
        "the effect comes from the story's cue."
    )
    cells[(INTERLEAVING, label + " last-sentence")] = 75.0
    line = next(line for line in plain_reading(summary(cells), 200) if label + ":" in line)
    assert "; but the last-sentence control shows it too (" in line


def test_plain_reading_without_controls_says_nothing_of_them():
    # Only one system has the controls: no control comparison.
    rows = with_controls((75.0, 55.0), (70.0, 50.0))
    for label in ("sSC EN->FR last-sentence", "sSC EN->FR no-cue"):
        rows[3][label] = {"mean": None, "std": 0.0, "n": 0}  # the EN+FR baseline
    assert plain_reading(rows, 200)[1] == CLEAR_WIN + "."
    # A report written before the controls and the same-event task.
    rows = [
        {label: cell for label, cell in row.items() if "same-event" not in label}
        for row in with_controls(None, None)
    ]
    for row in rows:
        for column in CONTROL_COLUMNS:
            row.pop(column.label, None)
    reading = plain_reading(rows, 200)
    assert reading[1] == CLEAR_WIN + "."
    assert reading[9] == (
        "cross-lingual sTC same-event EN->FR: interleaving vs EN+FR baseline not read "
        "(no sTC same-event EN->FR result for interleaving)."
    )
    # A difference within the noise is not checked against the controls.
    cells = {
        (INTERLEAVING, "sSC EN->FR"): 60.0,
        (BASELINE_EN_FR, "sSC EN->FR"): 56.0,
        (INTERLEAVING, "sSC EN->FR no-cue"): 80.0,
        (BASELINE_EN_FR, "sSC EN->FR no-cue"): 50.0,
    }
    reading = plain_reading(summary(cells), 200)
    assert reading[1].endswith("within the ±9.8-point noise (200 items, 1 seed): no effect shown.")


def test_seed_report_shows_the_controls_and_reads_them(tmp_path):
    def seed(win, shortcut):
        results = {
            name: {
                "cloze": {
                    "accuracy": {"ssc": {"EN->FR": accuracy}},
                    "num_items": {"ssc": {"EN->FR": 200}},
                    "controls": {"last_sentence": {"accuracy": {"ssc": {"EN->FR": cut}}}},
                }
            }
            for name, accuracy, cut in (
                (INTERLEAVING, 0.5 + win, 0.5 + shortcut),
                (BASELINE_EN_FR, 0.5, 0.5),
            )
        }
        return results

    seeds = [seed(0.25, 0.25), seed(0.375, 0.125)]
    counts = item_counts(seeds[0])
    markdown = write_seed_report([report_rows(r) for r in seeds], tmp_path, num_items=counts)
    table, rest = markdown.split("\n## Shortcut diagnostics\n")
    diagnostics, reading = rest.split("\n## Plain reading\n")
    assert "last-sentence" not in table
    lines = diagnostics.splitlines()
    assert SSC_DIAGNOSTICS_HEADER in lines
    assert lines[lines.index(SSC_DIAGNOSTICS_HEADER) + 2] == (
        "| Cross-lingual Interleaving | – | – | – | – | – | – | 81.2 ± 8.8 | 68.8 ± 8.8 | – "
        "| – | – | – |"
    )
    assert not any(line.startswith("| random") or line.startswith("| sTC") for line in lines)
    # +31.2 beyond 1.96 * sqrt(0.5 / 200 * 100**2 + 8.84**2 / 2) = 15.7; the
    # last-sentence control's +18.8 too (its items, not given: those of the
    # full prompt).
    assert "(+31.2 points), beyond the ±15.7-point noise (200 items, 2 seeds)" in reading
    assert "but the last-sentence control shows it too (last-sentence +18.8, beyond ±15.7)" in (
        reading
    )
    # CSV and JSON carry the controls' mean and std.
    with open(tmp_path / "report.csv", newline="") as handle:
        rows = {row["system"]: row for row in csv.DictReader(handle)}
    assert float(rows[INTERLEAVING]["sSC EN->FR last-sentence mean"]) == 68.75
    assert rows[BASELINE_EN_FR]["sSC EN->FR last-sentence std"] == "0.0"
    assert rows[BASELINE_EN_FR]["sSC EN->FR no-cue mean"] == ""
    saved = json.loads((tmp_path / "report.json").read_text())["rows"]
    assert saved[1]["sSC EN->FR last-sentence"]["n"] == 2


def test_plain_reading_adds_the_seed_spread_to_the_item_noise():
    cells = {
        (INTERLEAVING, "sSC EN->FR"): 66.0,
        (BASELINE_EN_FR, "sSC EN->FR"): 56.0,
        (INTERLEAVING, "Alignment"): 0.5,
        (BASELINE_EN_FR, "Alignment"): 0.4,
        (INTERLEAVING, "Alignment (mismatched)"): 0.45,
        (BASELINE_EN_FR, "Alignment (mismatched)"): 0.39,
    }
    reading = plain_reading(summary(cells, seeds=3, std=6.0), 200)
    assert "The 3 seeds share the same items" in reading[0]
    # +10 beats the items' ±9.8 alone, not with the seeds' spread:
    # 1.96 * sqrt(0.5 / 200 * 100**2 + (36 + 36) / 3) = 13.7.
    assert reading[1] == (
        "cross-lingual sSC EN->FR: interleaving 66.0 vs EN+FR baseline 56.0 (+10.0 points), "
        "within the ±13.7-point noise (200 items, 3 seeds): no effect shown."
    )
    # Cosines: the seed spread, 1.96 * sqrt(2 * 6**2 / 3) = 9.6, is the noise.
    assert reading[-1] == (
        "alignment (mean cosine of aligned EN-FR sentence states): interleaving 0.500 vs "
        "EN+FR baseline 0.400 (+0.100); aligned minus mismatched pairs: +0.050 vs +0.010, "
        "within the ±9.602 spread of 3 seeds: no gain shown."
    )


@pytest.mark.parametrize("seeds", [1, 3])
def test_chart_of_the_cross_lingual_columns_is_written(tmp_path, seeds):
    cells = {
        (system, label): 50.0 + index
        for index, system in enumerate((BASELINE_EN, INTERLEAVING, BASELINE_EN_FR))
        for label in ("sSC EN->FR", "sSC FR->EN", "sTC EN->FR")  # sTC FR->EN: missing
    }
    rows = summary(cells, seeds=seeds, std=2.0)
    path = tmp_path / CHART_FILE
    plot_crosslingual(rows, path, "TEXTLESS", num_items=200)
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 1000
    reports = [report_rows({"A": {"cloze": {"accuracy": {"ssc": {"EN->FR": 0.6}}}}})] * seeds
    write_seed_report(reports, tmp_path / "report")
    assert (tmp_path / "report" / CHART_FILE).stat().st_size > 1000


def test_item_counts_are_the_fewest_over_systems():
    controls = {"no_cue": {"num_items": {"stc_same_event": {"FR->EN": 50}}}}
    results = {
        "a": {
            "cloze": {
                "num_items": {"ssc": {"EN": 200, "EN->FR": 190}, "stc": {"FR": 0}},
                "controls": controls,
            },
            "zerospeech_fr": {"syntactic": {"num_groups": 80}},
        },
        "b": {"cloze": {"num_items": {"ssc": {"EN->FR": 200}}, "controls": controls}},
    }
    assert item_counts(results) == {
        "sSC EN": 200,
        "sSC EN->FR": 190,
        "sBLiMP FR": 80,
        "sTC same-event FR->EN no-cue": 50,
    }
