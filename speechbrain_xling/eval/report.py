"""Table-3-shaped report of all systems on all benchmarks.

Rows are systems (a ``random`` row at 50% first); columns are sSC and sTC in
EN, FR, EN->FR and FR->EN, sBLiMP and sWUGGY in EN and FR (accuracy, %),
then the mean cross-lingual alignment and its mismatched baseline (cosine,
see :mod:`speechbrain_xling.eval.alignment`). Cells are read straight from
the per-benchmark results, so the report never disagrees with them:

* JSON and CSV carry the exact values (accuracy x 100, cosine as is), CSV
  leaves missing cells empty, JSON writes ``null``;
* Markdown rounds (2 decimals for %, 3 for cosines) and shows ``–`` for a
  missing cell.

Below the table, when sWUGGY results carry their breakdown (see
:mod:`~speechbrain_xling.eval.zerospeech`), a separate section gives, per
language, one row per subset of ids (all, in-vocab, in-vocab by gold
frequency, frequency bands, lengths) and one column per system
(:func:`swuggy_breakdown_rows`); ``report.json`` holds the same rows under
``swuggy_breakdown``. The Table-3 columns, and ``report.csv``, are unchanged.

Per-system results (as produced by :mod:`speechbrain_xling.eval.run`) are
dicts keyed by benchmark: ``cloze`` (:func:`~.cloze.evaluate_cloze`),
``zerospeech_<lang>`` (``{"lexical": ..., "syntactic": ...}``, see
:func:`~.zerospeech.task_accuracy`) and ``alignment``
(:func:`~.alignment.evaluate_alignment`).

Authors
 * speechbrain-xling authors 2026
"""

import csv
import io
import json
from collections import namedtuple
from pathlib import Path

from speechbrain_xling.atomic import write_text_atomically

Column = namedtuple("Column", ["label", "keys", "is_accuracy"])
CONDITIONS = ("EN", "FR", "EN->FR", "FR->EN")
COLUMNS = (
    [Column(f"sSC {c}", ("cloze", "accuracy", "ssc", c), True) for c in CONDITIONS]
    + [Column(f"sTC {c}", ("cloze", "accuracy", "stc", c), True) for c in CONDITIONS]
    + [
        Column(f"sBLiMP {lang.upper()}", (f"zerospeech_{lang}", "syntactic", "accuracy"), True)
        for lang in ("en", "fr")
    ]
    + [
        Column(f"sWUGGY {lang.upper()}", (f"zerospeech_{lang}", "lexical", "accuracy"), True)
        for lang in ("en", "fr")
    ]
    + [
        Column("Alignment", ("alignment", "mean_matched"), False),
        Column("Alignment (mismatched)", ("alignment", "mean_mismatched"), False),
    ]
)
RANDOM_SYSTEM = "random"
MISSING_MARK = "–"


def _cell(results, column):
    value = results
    for key in column.keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return 100.0 * value if column.is_accuracy else float(value)


def check_system_names(names):
    """Rejects names that cannot label a row and a results folder.

    Example
    -------
    >>> check_system_names(["Baseline EN+FR", "random"])
    Traceback (most recent call last):
    ...
    ValueError: system name 'random' is reserved for the chance row
    """
    for name in names:
        if name == RANDOM_SYSTEM:
            raise ValueError(f"system name {name!r} is reserved for the chance row")
        if not name or "/" in name:
            raise ValueError(f"system names must be non-empty without '/', got {name!r}")


def report_rows(results_by_system):
    """One dict per system (``random`` first) mapping column labels to values.

    Arguments
    ---------
    results_by_system : dict
        ``{system name: {benchmark name: result}}``.

    Returns
    -------
    list of dict
        ``{"system": name, <column label>: float or None, ...}``.

    Example
    -------
    >>> results = {"sys": {"cloze": {"accuracy": {"stc": {"FR->EN": 0.625}}}}}
    >>> rows = report_rows(results)
    >>> rows[0]["sSC EN"], rows[0]["Alignment"]
    (50.0, None)
    >>> rows[1]["system"], rows[1]["sTC FR->EN"], rows[1]["sTC EN"]
    ('sys', 62.5, None)
    """
    check_system_names(results_by_system)
    random_row = {"system": RANDOM_SYSTEM}
    random_row.update({c.label: 50.0 if c.is_accuracy else None for c in COLUMNS})
    rows = [random_row]
    for system, results in results_by_system.items():
        row = {"system": system}
        row.update({c.label: _cell(results, c) for c in COLUMNS})
        rows.append(row)
    return rows


SWUGGY_SUBSETS = (
    ("in_vocab", "in-vocab"),
    ("leaderboard_in_vocab", "in-vocab (frequency >= 1)"),
)
SWUGGY_NOTE = (
    "Accuracy in % over the ids (real word / nonce word items) of each subset, "
    "each id averaged over its pairs as in the official score; n: ids. "
    "in-vocab: real word in the given training vocabulary; in-vocab (frequency "
    ">= 1): the ZeroSpeech 2021 leaderboard's in-vocab (gold frequency at least 1); "
    "frequency: the real word's gold count in the official toolkit's bands; "
    "length: its number of phones."
)


def _percent(value):
    return None if value is None else 100.0 * value


def _swuggy_subsets(lexical):
    """``[(label, subset result)]`` of one system's lexical result."""
    subsets = [
        ("all", {"accuracy": lexical.get("accuracy"), "num_groups": lexical.get("num_groups")})
    ]
    subsets += [(label, lexical[key]) for key, label in SWUGGY_SUBSETS if key in lexical]
    subsets += [(f"frequency {band}", value) for band, value in lexical["by_frequency"].items()]
    subsets += [
        (f"length {length}", value) for length, value in lexical.get("by_length", {}).items()
    ]
    return subsets


def _subset_order(label):
    """Sort key: all, in-vocab subsets, bands (as given), lengths by value."""
    if label.startswith("length "):
        length = label.split(" ", 1)[1]
        return (2, int(length) if length.isdigit() else float("inf"), length)
    return (1 if label.startswith("frequency ") else 0, 0, "")


def swuggy_breakdown_rows(results_by_system):
    """The sWUGGY breakdown: one row per (language, subset of ids).

    Arguments
    ---------
    results_by_system : dict
        ``{system name: {benchmark name: result}}``.

    Returns
    -------
    list of dict
        ``{"language": "EN", "subset": label, "num_groups": n (a list of the
        distinct values if systems disagree), "accuracy": {system: % or
        None}}``, for the languages whose lexical results have a breakdown.

    Example
    -------
    >>> lexical = {"accuracy": 0.6, "num_groups": 5,
    ...            "in_vocab": {"accuracy": 0.75, "num_groups": 4},
    ...            "by_frequency": {"oov": {"accuracy": None, "num_groups": 0}},
    ...            "by_length": {"3": {"accuracy": 0.5, "num_groups": 2}}}
    >>> rows = swuggy_breakdown_rows({"sys": {"zerospeech_en": {"lexical": lexical}}})
    >>> [(row["subset"], row["num_groups"], row["accuracy"]["sys"]) for row in rows]
    [('all', 5, 60.0), ('in-vocab', 4, 75.0), ('frequency oov', 0, None), ('length 3', 2, 50.0)]
    """
    check_system_names(results_by_system)
    by_language = {}
    for system, results in results_by_system.items():
        for benchmark, result in results.items():
            lexical = result.get("lexical") if benchmark.startswith("zerospeech_") else None
            if not isinstance(lexical, dict) or "by_frequency" not in lexical:
                continue
            subsets = by_language.setdefault(benchmark[len("zerospeech_") :].upper(), {})
            for label, value in _swuggy_subsets(lexical):
                subsets.setdefault(label, {})[system] = value
    rows = []
    for language in sorted(by_language):
        subsets = by_language[language]
        order = sorted(
            subsets, key=lambda label: (_subset_order(label), list(subsets).index(label))
        )
        for label in order:
            values = subsets[label]
            counts = sorted({value["num_groups"] for value in values.values()})
            rows.append(
                {
                    "language": language,
                    "subset": label,
                    "num_groups": counts[0] if len(counts) == 1 else counts,
                    "accuracy": {
                        system: _percent(values[system]["accuracy"]) if system in values else None
                        for system in results_by_system
                    },
                }
            )
    return rows


def format_swuggy_markdown(rows, systems):
    """The breakdown rows as one Markdown table per language (``–``: none).

    Example
    -------
    >>> rows = [{"language": "EN", "subset": "all", "num_groups": 5,
    ...          "accuracy": {"sys": 60.0}}]
    >>> print(format_swuggy_markdown(rows, ["sys"]), end="")
    | sWUGGY EN | sys |
    |---|---:|
    | all (n=5) | 60.00 |
    """
    tables = []
    for language in dict.fromkeys(row["language"] for row in rows):
        lines = [
            "| " + " | ".join([f"sWUGGY {language}", *systems]) + " |",
            "|" + "|".join(["---"] + ["---:"] * len(systems)) + "|",
        ]
        for row in rows:
            if row["language"] != language:
                continue
            counts = row["num_groups"]
            counts = "/".join(map(str, counts)) if isinstance(counts, list) else counts
            cells = [f"{row['subset']} (n={counts})"]
            for system in systems:
                value = row["accuracy"].get(system)
                cells.append(MISSING_MARK if value is None else f"{value:.2f}")
            lines.append("| " + " | ".join(cells) + " |")
        tables.append("\n".join(lines) + "\n")
    return "\n".join(tables)


def format_markdown(rows):
    """The rows as a Markdown table (rounded; ``–`` for missing cells).

    Example
    -------
    >>> print(format_markdown(report_rows({})).splitlines()[2][-23:])
    50.00 | 50.00 | – | – |
    """
    header = ["System"] + [c.label for c in COLUMNS]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * len(COLUMNS)) + "|",
    ]
    for row in rows:
        cells = [row["system"]]
        for column in COLUMNS:
            value = row[column.label]
            if value is None:
                cells.append(MISSING_MARK)
            else:
                cells.append(f"{value:.2f}" if column.is_accuracy else f"{value:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_report(results_by_system, output_folder):
    """Writes ``report.md``, ``report.csv`` and ``report.json`` atomically.

    ``report.md`` and ``report.json`` also hold the sWUGGY breakdown when
    there is one (see the module docstring).

    Returns
    -------
    dict
        ``{"markdown": path, "csv": path, "json": path}``.

    Example
    -------
    >>> import tempfile
    >>> results = {"sys": {"alignment": {"mean_matched": 0.75,
    ...                                  "mean_mismatched": 0.5}}}
    >>> paths = write_report(results, tempfile.mkdtemp())
    >>> paths["csv"].read_text().splitlines()[2].split(",")[-3:]
    ['', '0.75', '0.5']
    """
    output_folder = Path(output_folder)
    rows = report_rows(results_by_system)
    labels = [c.label for c in COLUMNS]
    paths = {
        "markdown": output_folder / "report.md",
        "csv": output_folder / "report.csv",
        "json": output_folder / "report.json",
    }
    markdown = (
        "# Results (Table 3 layout)\n\n"
        "Accuracy in % (chance 50; ties count half). Alignment: mean cosine "
        "similarity of mean-pooled hidden states of aligned EN-FR sentences "
        "over transformer layers; mismatched: same with unrelated pairs.\n\n"
        + format_markdown(rows)
    )
    breakdown = swuggy_breakdown_rows(results_by_system)
    if breakdown:
        markdown += (
            "\n## sWUGGY breakdown\n\n"
            + SWUGGY_NOTE
            + "\n\n"
            + format_swuggy_markdown(breakdown, list(results_by_system))
        )
    write_text_atomically(markdown, paths["markdown"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["system"] + labels)
    for row in rows:
        writer.writerow(
            [row["system"]] + ["" if row[label] is None else repr(row[label]) for label in labels]
        )
    write_text_atomically(buffer.getvalue(), paths["csv"])
    write_text_atomically(
        json.dumps(
            {"columns": labels, "rows": rows, "swuggy_breakdown": breakdown},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        paths["json"],
    )
    return paths
