"""Table-3-shaped report of all systems on all benchmarks.

Rows are systems (a ``random`` row at 50% first); the Table-3 columns
(:data:`COLUMNS`) are sSC, sTC and sTC same-event (see
:mod:`~speechbrain_xling.eval.cloze`) in EN, FR, EN->FR and FR->EN, sBLiMP
and sWUGGY in EN and FR (accuracy, %), then the mean cross-lingual alignment
and its mismatched baseline (cosine, see
:mod:`speechbrain_xling.eval.alignment`). The shortcut controls of the cloze
tasks (:data:`CONTROL_COLUMNS`: each task and condition with its prompt cut
to the last sentence, ``last-sentence``, or its cue replaced, ``no-cue``)
follow them in :data:`ALL_COLUMNS`. Cells are read straight from the
per-benchmark results, so the report never disagrees with them:

* JSON and CSV carry the exact values (accuracy x 100, cosine as is) of
  :data:`ALL_COLUMNS`, CSV leaves missing cells empty, JSON writes ``null``;
* Markdown rounds (2 decimals for %, 3 for cosines) and shows ``–`` for a
  missing cell. Its main table has the Table-3 columns only; when some
  system has control results, a ``Shortcut diagnostics`` section shows,
  per cloze task, each condition under the full prompt and each control
  (:func:`shortcut_diagnostics`).

Speech-text systems add the cross-modal cloze (:data:`CROSS_MODAL_COLUMNS`)
and ASR/TTS and speech-text alignment (:data:`SPEECH_TEXT_COLUMNS`); systems
evaluated on the spoken QA (:mod:`~speechbrain_xling.eval.qa`) add its
accuracies (:data:`QA_COLUMNS`: ``QA EN``, ..., per question kind ``QA who
EN``, ..., the written answers of speech-text systems ``QA EN S->T``, ...).
All of them are in :data:`ALL_COLUMNS` after the controls', and each has a
Markdown section of its own (``Cross-modal cloze``, ``Speech and text``,
``Spoken QA``: :func:`qa_section`) when some system has results for it.

Below the table, when sWUGGY results carry their breakdown (see
:mod:`~speechbrain_xling.eval.zerospeech`), a separate section gives, per
language, one row per subset of ids (all, in-vocab, in-vocab by gold
frequency, frequency bands, lengths) and one column per system
(:func:`swuggy_breakdown_rows`); ``report.json`` holds the same rows under
``swuggy_breakdown``. The columns, and ``report.csv``, are unchanged.

Over several seeds (:func:`write_seed_report`), cells are mean ± std, and a
plain reading (:func:`plain_reading`) states what the numbers say of the
paper's claims, cross-lingual differences checked against the shortcut
controls, next to a chart of the cross-lingual columns.

Per-system results (as produced by :mod:`speechbrain_xling.eval.run`) are
dicts keyed by benchmark: ``cloze`` (:func:`~.cloze.evaluate_cloze`),
``zerospeech_<lang>`` (``{"lexical": ..., "syntactic": ...}``, see
:func:`~.zerospeech.task_accuracy`), ``alignment``
(:func:`~.alignment.evaluate_alignment`), ``qa`` and ``qa_text_answer``
(:func:`~.qa.evaluate_spoken_qa`, :func:`~.qa.evaluate_text_answer_qa`),
and the speech-text systems' results named in :mod:`speechbrain_xling.eval.run`.

Authors
 * speechbrain-xling authors 2026
"""

import csv
import io
import json
import math
import statistics
from collections import namedtuple
from pathlib import Path

from speechbrain_xling.atomic import atomic_path, write_json_atomically, write_text_atomically
from speechbrain_xling.eval.cloze import CONTROLS, LANGUAGE_PAIRS, TASKS, condition_name
from speechbrain_xling.eval.cross_modal import DIRECTIONS

# count_keys: where a result gives the number of items an accuracy is over;
# chance: the random row's value (a pairwise comparison's 50%; None where
# guessing has no fixed rate, as for the exact match of a generated answer).
CHANCE = 50.0
Column = namedtuple(
    "Column", ["label", "keys", "is_accuracy", "count_keys", "chance"], defaults=[None, CHANCE]
)
CONDITIONS = tuple(condition_name(*pair) for pair in LANGUAGE_PAIRS)
TASK_LABELS = {"ssc": "sSC", "stc": "sTC", "stc_same_event": "sTC same-event"}
CONTROL_TITLES = {control: control.replace("_", "-") for control in CONTROLS}


def control_label(label, control):
    """The label of a cloze column under a control (``full``: the label itself).

    Example
    -------
    >>> control_label("sSC EN->FR", "last_sentence"), control_label("sSC EN", "full")
    ('sSC EN->FR last-sentence', 'sSC EN')
    """
    return label if control == "full" else f"{label} {CONTROL_TITLES[control]}"


def cloze_column(task, condition, control="full"):
    """The report column of one cloze task, condition and control.

    Example
    -------
    >>> cloze_column("ssc", "EN->FR").label
    'sSC EN->FR'
    >>> column = cloze_column("stc_same_event", "FR", "no_cue")
    >>> column.label, column.keys[:4]
    ('sTC same-event FR no-cue', ('cloze', 'controls', 'no_cue', 'accuracy'))
    """
    keys = ("cloze",) if control == "full" else ("cloze", "controls", control)
    return Column(
        control_label(f"{TASK_LABELS[task]} {condition}", control),
        (*keys, "accuracy", task, condition),
        True,
        (*keys, "num_items", task, condition),
    )


COLUMNS = (
    tuple(cloze_column(task, c) for task in TASKS for c in CONDITIONS)
    + tuple(
        Column(
            f"{label} {lang.upper()}",
            (f"zerospeech_{lang}", task, "accuracy"),
            True,
            (f"zerospeech_{lang}", task, "num_groups"),
        )
        for label, task in (("sBLiMP", "syntactic"), ("sWUGGY", "lexical"))
        for lang in ("en", "fr")
    )
    + (
        Column("Alignment", ("alignment", "mean_matched"), False),
        Column("Alignment (mismatched)", ("alignment", "mean_mismatched"), False),
    )
)
CONTROL_COLUMNS = tuple(
    cloze_column(task, c, control) for task in TASKS for c in CONDITIONS for control in CONTROLS[1:]
)
# Speech-text systems: the cloze items read in the other modality directions
# (S->S is Table 3's own cloze).
CROSS_MODAL_DIRECTIONS = DIRECTIONS[1:]


def cross_modal_column(task, condition, direction):
    """The report column of one cross-modal cloze cell.

    Example
    -------
    >>> column = cross_modal_column("ssc", "EN->FR", "T->S")
    >>> column.label, column.keys
    ('sSC EN->FR T->S', ('cross_modal_cloze', 'T->S', 'accuracy', 'ssc', 'EN->FR'))
    """
    return Column(
        f"{TASK_LABELS[task]} {condition} {direction}",
        ("cross_modal_cloze", direction, "accuracy", task, condition),
        True,
        ("cross_modal_cloze", direction, "num_items", task, condition),
    )


CROSS_MODAL_COLUMNS = tuple(
    cross_modal_column(task, c, direction)
    for direction in CROSS_MODAL_DIRECTIONS
    for task in TASKS
    for c in CONDITIONS
)
# Speech-text systems: ASR and TTS through the LM (error rates, lower is
# better) and speech-text alignment (retrieval@1 of a sentence's text from its
# speech among all sentences' texts; mean cosine of speech and text).
SPEECH_TEXT_LABELS = {
    "en_speech-en_text": "EN",
    "fr_speech-fr_text": "FR",
    "en_speech-fr_text": "EN->FR",
    "fr_speech-en_text": "FR->EN",
}
SPEECH_TEXT_COLUMNS = tuple(
    Column(f"{task} {metric.upper()} {lang.upper()}", ("asr_tts", lang, metric), False)
    for task, metric in (("ASR", "cer"), ("ASR", "wer"), ("TTS", "uer"))
    for lang in ("en", "fr")
) + tuple(
    Column(
        f"S-T {metric} {label}",
        ("speech_text_alignment", "conditions", condition, key),
        False,
    )
    for metric, key in (("retrieval@1", "mean_retrieval_at_1"), ("cosine", "mean_matched"))
    for condition, label in SPEECH_TEXT_LABELS.items()
)
# Spoken QA (:mod:`~speechbrain_xling.eval.qa`): spoken answers (S->S, every
# system, result ``qa``) and written answers (S->T, speech-text systems,
# result ``qa_text_answer``), over all questions and per question kind. The
# kinds are the mini-corpus's (``speechbrain_xling.corpora.qa.KINDS``); a
# manifest's other kinds count in ``all`` only.
QA_KINDS = ("who", "what", "color", "where", "what_happened")
QA_DIRECTIONS = {"S->S": "qa", "S->T": "qa_text_answer"}
QA_ALL = "all"


def qa_kind_title(kind):
    """How the report names a question kind.

    Example
    -------
    >>> qa_kind_title("what_happened")
    'what-happened'
    """
    return kind.replace("_", "-")


def qa_column(condition, kind=QA_ALL, direction="S->S"):
    """The report column of one spoken QA cell.

    Example
    -------
    >>> qa_column("EN->FR").label
    'QA EN->FR'
    >>> column = qa_column("FR", "what_happened", "S->T")
    >>> column.label, column.keys
    ('QA what-happened FR S->T', ('qa_text_answer', 'accuracy', 'what_happened', 'FR'))
    """
    title = "" if kind == QA_ALL else f" {qa_kind_title(kind)}"
    suffix = "" if direction == "S->S" else f" {direction}"
    benchmark = QA_DIRECTIONS[direction]
    return Column(
        f"QA{title} {condition}{suffix}",
        (benchmark, "accuracy", kind, condition),
        True,
        (benchmark, "num_items", kind, condition),
    )


QA_COLUMNS = tuple(
    qa_column(c, kind, direction)
    for kind in (QA_ALL, *QA_KINDS)
    for direction in QA_DIRECTIONS
    for c in CONDITIONS
)
# Answers generated as a chain of modalities (speech-text systems, result
# ``qa_generated_answers``): exact match and key phrase of the written part
# (%), whether it is in the language asked for (%), consistency of the spoken
# chunks with the written ones (CER of the model's own transcript), seconds
# to the first spoken unit.
QA_GENERATED_METRICS = {
    "exact": ("exact_match", True),
    "key phrase": ("short_answer", True),
    "language": ("answer_language", True),
    "chunk CER": ("chunk_cer", False),
    "s to speech": ("seconds_to_first_unit", False),
}
QA_GENERATED_COLUMNS = tuple(
    Column(
        f"QA generated {metric} {c}",
        ("qa_generated_answers", key, c),
        is_accuracy,
        ("qa_generated_answers", "num_items", c),
        chance=None,
    )
    for metric, (key, is_accuracy) in QA_GENERATED_METRICS.items()
    for c in CONDITIONS
)
ALL_COLUMNS = (
    COLUMNS
    + CONTROL_COLUMNS
    + CROSS_MODAL_COLUMNS
    + SPEECH_TEXT_COLUMNS
    + QA_COLUMNS
    + QA_GENERATED_COLUMNS
)
RANDOM_SYSTEM = "random"
MISSING_MARK = "–"


def _lookup(results, keys):
    value = results
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _cell(results, column):
    value = _lookup(results, column.keys)
    if value is None:
        return None
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

    The labels are those of :data:`ALL_COLUMNS` (Table 3's, the shortcut
    controls', the speech-text systems' and the spoken QA's).

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
    >>> rows[0]["sTC FR->EN no-cue"], rows[1]["sTC FR->EN no-cue"]
    (50.0, None)
    """
    check_system_names(results_by_system)
    random_row = {"system": RANDOM_SYSTEM}
    random_row.update({c.label: c.chance if c.is_accuracy else None for c in ALL_COLUMNS})
    rows = [random_row]
    for system, results in results_by_system.items():
        row = {"system": system}
        row.update({c.label: _cell(results, c) for c in ALL_COLUMNS})
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


def markdown_table(header, body):
    """A Markdown table: first column left-aligned, the others right-aligned.

    Arguments
    ---------
    header : list of str
        The column titles.
    body : list of list of str
        The cells, row by row.

    Returns
    -------
    str
        The table, one line per row, ending with a newline.

    Example
    -------
    >>> print(markdown_table(["System", "x"], [["a", "1.0"]]), end="")
    | System | x |
    |---|---:|
    | a | 1.0 |
    """
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"


def csv_text(header, body):
    """CSV text (``\\n`` line ends; fields quoted only when they need it).

    Example
    -------
    >>> print(csv_text(["system", "x"], [["a, b", "1.0"]]), end="")
    system,x
    "a, b",1.0
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return buffer.getvalue()


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
        body = []
        for row in rows:
            if row["language"] != language:
                continue
            counts = row["num_groups"]
            counts = "/".join(map(str, counts)) if isinstance(counts, list) else counts
            cells = [f"{row['subset']} (n={counts})"]
            for system in systems:
                value = row["accuracy"].get(system)
                cells.append(MISSING_MARK if value is None else f"{value:.2f}")
            body.append(cells)
        tables.append(markdown_table([f"sWUGGY {language}", *systems], body))
    return "\n".join(tables)


def format_markdown(rows, columns=COLUMNS, header=None):
    """The rows as a Markdown table (rounded; ``–`` for missing cells).

    Arguments
    ---------
    rows : list of dict
        :func:`report_rows`.
    columns : sequence of Column
        The columns shown (Table 3's by default).
    header : list of str, optional
        The titles; ``System`` and the column labels by default.

    Returns
    -------
    str
        The table (:func:`markdown_table`).

    Example
    -------
    >>> print(format_markdown(report_rows({})).splitlines()[2][-23:])
    50.00 | 50.00 | – | – |
    """
    body = []
    for row in rows:
        cells = [row["system"]]
        for column in columns:
            value = row[column.label]
            if value is None:
                cells.append(MISSING_MARK)
            else:
                cells.append(f"{value:.2f}" if column.is_accuracy else f"{value:.3f}")
        body.append(cells)
    return markdown_table(header or ["System"] + [c.label for c in columns], body)


CONTROLS_NOTE = (
    "Accuracy in % of the same cloze items under three prompts: full = the whole "
    "prompt; last-sentence = the prompt cut to its last sentence; no-cue = the prompt "
    "with its decisive cue sentence replaced by a neutral sentence. Items come in "
    "role-swapped pairs (each ending is the true one in one item, the wrong one in "
    "the other), so a model that ignores the prompt scores exactly 50. A model that "
    "reads the story falls to chance under the controls; an effect that survives "
    "them is a shortcut, not story understanding. TopicCloze keeps its score under "
    "no-cue (the topic is in every sentence, not only in the event): for sTC only "
    "last-sentence tests a shortcut."
)


def shortcut_diagnostics(rows, format_table):
    """The ``Shortcut diagnostics`` section of a report, or ``""``.

    One table per cloze task some system has control results for: a row
    per system (the ``random`` row is left out), the full prompt and each
    control side by side per condition (``EN full``, ``EN last-sentence``,
    ``EN no-cue``, ``FR full``, ...). ``""`` when no system has a control
    result.

    Arguments
    ---------
    rows : list of dict
        :func:`report_rows` (cells: values) or :func:`seed_summary_rows`
        (cells: ``{"mean": ...}``).
    format_table : callable
        ``format_table(rows, columns, header)``: :func:`format_markdown` or
        :func:`format_seed_markdown`, whichever fits ``rows``.

    Returns
    -------
    str
        The section, starting with a blank line and its heading.

    Example
    -------
    >>> results = {"A": {"cloze": {"accuracy": {"ssc": {"EN": 0.75}},
    ...     "controls": {"no_cue": {"accuracy": {"ssc": {"EN": 0.5}}}}}}}
    >>> section = shortcut_diagnostics(report_rows(results), format_markdown)
    >>> print("\\n".join(section.splitlines()[5:8]))
    | sSC | EN full | EN last-sentence | EN no-cue | FR full | FR last-sentence | \
FR no-cue | EN->FR full | EN->FR last-sentence | EN->FR no-cue | FR->EN full | \
FR->EN last-sentence | FR->EN no-cue |
    |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
    | A | 75.00 | – | 50.00 | – | – | – | – | – | – | – | – | – |
    >>> shortcut_diagnostics(report_rows({"A": {}}), format_markdown)
    ''
    """
    rows = [row for row in rows if row["system"] != RANDOM_SYSTEM]
    pairs = [(c, control) for c in CONDITIONS for control in CONTROLS]
    tables = []
    for task in TASKS:
        columns = [cloze_column(task, c, control) for c, control in pairs]
        if not _rows_with_values(rows, [c for c in columns if c in CONTROL_COLUMNS]):
            continue
        header = [TASK_LABELS[task]] + [f"{c} {CONTROL_TITLES[control]}" for c, control in pairs]
        tables.append(format_table(rows, columns, header))
    if not tables:
        return ""
    return "\n## Shortcut diagnostics\n\n" + CONTROLS_NOTE + "\n\n" + "\n".join(tables)


def write_report(results_by_system, output_folder):
    """Writes ``report.md``, ``report.csv`` and ``report.json`` atomically.

    ``report.md`` shows Table 3's :data:`COLUMNS`, then the shortcut
    diagnostics when some system has control results
    (:func:`shortcut_diagnostics`) and the sections of the other results
    some system has (cross-modal cloze, speech and text, spoken QA);
    ``report.csv`` and ``report.json`` carry :data:`ALL_COLUMNS`.
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
    >>> header, _, row = (line.split(",") for line in paths["csv"].read_text().splitlines())
    >>> [row[header.index(label)] for label in ("Alignment", "sSC EN", "sSC EN no-cue")]
    ['0.75', '', '']
    """
    output_folder = Path(output_folder)
    rows = report_rows(results_by_system)
    labels = [c.label for c in ALL_COLUMNS]
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
        + shortcut_diagnostics(rows, format_markdown)
        + cross_modal_section(rows, format_markdown)
        + speech_text_section(rows, format_markdown)
        + qa_section(rows, format_markdown)
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
    csv_rows = [
        [row["system"]] + ["" if row[label] is None else repr(row[label]) for label in labels]
        for row in rows
    ]
    write_text_atomically(csv_text(["system"] + labels, csv_rows), paths["csv"])
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


# Several seeds: mean ± std, a plain reading of the paper's claims, a chart.

CHART_FILE = "crosslingual.png"
# The cross-lingual conditions (EN->FR, FR->EN) of every cloze task.
CROSS_LINGUAL = tuple(cloze_column(task, c).label for task in TASKS for c in CONDITIONS[2:])
INTERLEAVING = "Cross-lingual Interleaving"
INTERLEAVING_FT = "Cross-lingual Interleaving + EN+FR Fine-Tuning"
BASELINE_EN = "Baseline EN"
BASELINE_EN_FR = "Baseline EN+FR"
# The speech-text systems of the demo's --modality speech-text.
SPEECH_TEXT = "Speech-Text Interleaving"
SPEECH_TEXT_XLING = "Speech-Text + Cross-lingual Interleaving"
SPEECH_TEXT_WORDS = "Speech-Text Interleaving (word spans)"
SPEECH_TEXT_SYSTEMS = (SPEECH_TEXT, SPEECH_TEXT_WORDS, SPEECH_TEXT_XLING)
# The instruction fine-tuned systems of the demo's --sft (spoken QA).
SFT_BASELINE = "Baseline EN+FR + QA SFT"
SFT_INTERLEAVING = "Cross-lingual Interleaving + QA SFT"
SFT_SPEECH_TEXT_XLING = "Speech-Text + Cross-lingual Interleaving + QA SFT"
SFT_SYSTEMS = (SFT_BASELINE, SFT_INTERLEAVING, SFT_SPEECH_TEXT_XLING)
SHORT_NAMES = {
    INTERLEAVING: "interleaving",
    INTERLEAVING_FT: "interleaving + EN+FR fine-tuning",
    BASELINE_EN: "EN baseline",
    BASELINE_EN_FR: "EN+FR baseline",
    SPEECH_TEXT: "speech-text",
    SPEECH_TEXT_XLING: "speech-text + cross-lingual",
    SPEECH_TEXT_WORDS: "speech-text word spans",
    SFT_BASELINE: "EN+FR baseline + SFT",
    SFT_INTERLEAVING: "interleaving + SFT",
    SFT_SPEECH_TEXT_XLING: "speech-text + cross-lingual + SFT",
}
RETENTION_COLUMNS = ("sSC EN", "sTC EN", "sBLiMP EN", "sWUGGY EN")
Z_95 = 1.96  # two-sided 95% normal quantile


def item_counts(results_by_system):
    """How many items each accuracy column is over (the fewest over systems).

    sSC/sTC count items per condition (and control), sBLiMP/sWUGGY the ids
    their accuracy averages over. ``results_by_system`` is what
    :func:`report_rows` reads; the result maps column labels (of
    :data:`ALL_COLUMNS`) to counts, for the accuracy columns some result
    gives a count for.

    Example
    -------
    >>> controls = {"no_cue": {"num_items": {"ssc": {"EN->FR": 100}}}}
    >>> results = {"a": {"cloze": {"num_items": {"ssc": {"EN->FR": 200}},
    ...                            "controls": controls}},
    ...            "b": {"zerospeech_en": {"lexical": {"num_groups": 40}}}}
    >>> item_counts(results)
    {'sSC EN->FR': 200, 'sWUGGY EN': 40, 'sSC EN->FR no-cue': 100}
    """
    counts = {}
    for results in results_by_system.values():
        for column in ALL_COLUMNS:
            count = _lookup(results, column.count_keys) if column.count_keys else None
            if count:
                counts[column.label] = min(count, counts.get(column.label, count))
    return {column.label: counts[column.label] for column in ALL_COLUMNS if column.label in counts}


CROSS_MODAL_NOTE = (
    "Speech-text systems read the same cloze items in other modality directions: "
    "T->T written prompt and endings, S->T spoken prompt and written endings, T->S "
    "written prompt and spoken endings (S->S is the table above). Accuracy in %, "
    "chance 50."
)


def _has_value(cell):
    """A report cell (a value, or a seed summary's ``{"mean": ...}``) holds a value."""
    return (cell["mean"] if isinstance(cell, dict) else cell) is not None


def _rows_with_values(rows, columns):
    """The rows (``random`` left out) with a value in some of ``columns``."""
    return [
        row
        for row in rows
        if row["system"] != RANDOM_SYSTEM
        and any(_has_value(row[column.label]) for column in columns)
    ]


def cross_modal_section(rows, format_table):
    """The ``Cross-modal cloze`` section of a report, or ``""``.

    One table per direction some system has results for, a row per such
    system, the tasks x language conditions as columns.

    Arguments
    ---------
    rows : list of dict
        :func:`report_rows` or :func:`seed_summary_rows`.
    format_table : callable
        :func:`format_markdown` or :func:`format_seed_markdown`.

    Example
    -------
    >>> results = {"A": {"cross_modal_cloze": {"T->S": {"accuracy": {"ssc": {"EN": 0.75}}}}},
    ...            "B": {}}
    >>> section = cross_modal_section(report_rows(results), format_markdown)
    >>> print(section.splitlines()[-1][:29])
    | A | 75.00 | – | – | – | – |
    >>> cross_modal_section(report_rows({"B": {}}), format_markdown)
    ''
    """
    tables = []
    for direction in CROSS_MODAL_DIRECTIONS:
        columns = [cross_modal_column(task, c, direction) for task in TASKS for c in CONDITIONS]

        with_values = _rows_with_values(rows, columns)
        if not with_values:
            continue
        header = [direction] + [f"{TASK_LABELS[task]} {c}" for task in TASKS for c in CONDITIONS]
        tables.append(format_table(with_values, columns, header))
    if not tables:
        return ""
    return "\n## Cross-modal cloze\n\n" + CROSS_MODAL_NOTE + "\n\n" + "\n".join(tables)


SPEECH_TEXT_NOTE = (
    "Speech-text systems, on the alignment pairs' sentences: greedy ASR through the "
    "LM (character and word error rates of the text written after a spoken sentence), "
    "greedy TTS (unit error rate of the units written after a text; the phone error "
    "rate with phone units), lower is better; speech-text alignment: retrieval@1 of a "
    "sentence's text from its speech among all sentences' texts (chance 1/pairs) and "
    "the mean cosine of their pooled states, over transformer layers (EN->FR: EN speech "
    "vs FR text)."
)


def speech_text_section(rows, format_table):
    """The ``Speech and text`` section (ASR/TTS, speech-text alignment), or ``""``.

    Example
    -------
    >>> results = {"A": {"asr_tts": {"en": {"cer": 0.25}}}, "B": {}}
    >>> print(speech_text_section(report_rows(results), format_markdown).splitlines()[-1][:21])
    | A | 0.250 | – | – |
    """
    with_values = _rows_with_values(rows, SPEECH_TEXT_COLUMNS)
    if not with_values:
        return ""
    table = format_table(with_values, SPEECH_TEXT_COLUMNS)
    return "\n## Speech and text\n\n" + SPEECH_TEXT_NOTE + "\n\n" + table


QA_NOTE = (
    "Each system hears a story (in the mini-corpus, a benchmark story: a held-out "
    "combination, never heard in training), then a question about it, and must give the "
    "correct answer a higher likelihood than a wrong one of the same form (another "
    "character, object, colour, place or event). Accuracy in %, chance 50 (ties count "
    "half). Condition: question language -> answer language (the story is in the "
    "question's). S->S: spoken answers; S->T: written answers after the spoken story and "
    "question (speech-text systems). Then one table per question kind."
)
QA_TITLES = {"S->S": "S->S spoken answers", "S->T": "S->T written answers"}
QA_GENERATED_NOTE = (
    "Generated: the first questions of each condition answered greedily as a chain of "
    "modalities (text chunk, its speech, ...): exact = the written answer equals the "
    "reference (case and punctuation aside), key phrase = it contains the reference's "
    "key phrase (%), language = it is closer to the reference than to the same answer in "
    "the other language (%), chunk CER = the model's own transcript of each spoken chunk against "
    "the written chunk before it (lower is better), s to speech = seconds to the first "
    "spoken unit on this machine."
)


def qa_section(rows, format_table):
    """The ``Spoken QA`` section of a report, or ``""``.

    A table per direction some system has results for (S->S: spoken answers,
    S->T: written answers), a row per such system, the four language
    conditions as columns; then, per question kind with results, a table of
    the same conditions (S->S, then S->T when some system has them).

    Arguments
    ---------
    rows : list of dict
        :func:`report_rows` or :func:`seed_summary_rows`.
    format_table : callable
        :func:`format_markdown` or :func:`format_seed_markdown`.

    Example
    -------
    >>> qa = {"accuracy": {"all": {"EN": 0.75}, "who": {"EN": 0.5}}}
    >>> section = qa_section(report_rows({"A": {"qa": qa}, "B": {}}), format_markdown)
    >>> print("\\n".join(section.splitlines()[5:7]))
    | S->S spoken answers | EN | FR | EN->FR | FR->EN |
    |---|---:|---:|---:|---:|
    >>> print(section.splitlines()[7])
    | A | 75.00 | – | – | – |
    >>> print(section.splitlines()[-1])
    | A | 50.00 | – | – | – |
    >>> qa_section(report_rows({"B": {}}), format_markdown)
    ''
    """
    tables = []
    for direction in QA_DIRECTIONS:
        columns = [qa_column(c, QA_ALL, direction) for c in CONDITIONS]
        with_values = _rows_with_values(rows, columns)
        if with_values:
            tables.append(format_table(with_values, columns, [QA_TITLES[direction], *CONDITIONS]))
    for kind in QA_KINDS:
        columns, header = [], [qa_kind_title(kind)]
        for direction in QA_DIRECTIONS:
            found = [qa_column(c, kind, direction) for c in CONDITIONS]
            if _rows_with_values(rows, found):
                columns += found
                header += (
                    CONDITIONS if direction == "S->S" else [f"{c} {direction}" for c in CONDITIONS]
                )
        if columns:
            tables.append(format_table(_rows_with_values(rows, columns), columns, header))
    generated = _rows_with_values(rows, QA_GENERATED_COLUMNS)
    if generated:
        for metric in QA_GENERATED_METRICS:
            columns = [
                c for c in QA_GENERATED_COLUMNS if c.label.startswith(f"QA generated {metric} ")
            ]
            tables.append(format_table(generated, columns, [f"generated: {metric}", *CONDITIONS]))
    if not tables:
        return ""
    note = QA_NOTE + (" " + QA_GENERATED_NOTE if generated else "")
    return "\n## Spoken QA\n\n" + note + "\n\n" + "\n".join(tables)


def seed_summary_rows(reports):
    """Mean and standard deviation of every report cell over seeds.

    Arguments
    ---------
    reports : list of list of dict
        The :func:`report_rows` of each seed (its ``report.json`` rows); a
        label absent from a row (an older report) counts as no value.

    Returns
    -------
    list of dict
        One per system of the first seed: ``{"system": name, <column
        label>: {"mean": float or None, "std": float (0.0 under two
        values), "n": seeds with a value}}`` for every label of
        :data:`ALL_COLUMNS`.

    Example
    -------
    >>> reports = [report_rows({"A": {"cloze": {"accuracy": {"ssc": {"EN": p}}}}})
    ...            for p in (0.6, 0.8)]
    >>> cell = seed_summary_rows(reports)[1]["sSC EN"]
    >>> round(cell["mean"], 6), round(cell["std"], 6), cell["n"]
    (70.0, 14.142136, 2)
    """
    summary = []
    for system in [row["system"] for row in reports[0]]:
        row = {"system": system}
        for column in ALL_COLUMNS:
            values = [
                r[column.label]
                for rows in reports
                for r in rows
                if r["system"] == system and r.get(column.label) is not None
            ]
            row[column.label] = {
                "mean": statistics.fmean(values) if values else None,
                "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                "n": len(values),
            }
        summary.append(row)
    return summary


def format_seed_markdown(summary, columns=COLUMNS, header=None):
    """The summary rows as a Markdown table (``mean ± std`` from two seeds on).

    ``columns`` and ``header`` as in :func:`format_markdown`.

    Example
    -------
    >>> cell = {"mean": 0.5, "std": 0.25, "n": 2}
    >>> row = {"system": "A", **{c.label: cell for c in COLUMNS}}
    >>> print(format_seed_markdown([row]).splitlines()[2][-33:])
    | 0.500 ± 0.250 | 0.500 ± 0.250 |
    """
    body = []
    for row in summary:
        cells = [row["system"]]
        for column in columns:
            cell = row[column.label]
            if cell["mean"] is None:
                cells.append(MISSING_MARK)
                continue
            digits = 1 if column.is_accuracy else 3
            text = f"{cell['mean']:.{digits}f}"
            if cell["n"] > 1:
                text += f" ± {cell['std']:.{digits}f}"
            cells.append(text)
        body.append(cells)
    return markdown_table(header or ["System"] + [c.label for c in columns], body)


def noise_half_width(cells, num_items=None):
    """95% half-width of one accuracy, or of the difference of two.

    Two sources add up (in quadrature): the items, and training (the seeds).
    An accuracy near 50% on ``num_items`` items is uncertain by
    ``1.96 * sqrt(0.25 / num_items) * 100`` points; a difference of two
    systems by ``sqrt(2)`` times that, counting their errors as independent
    (conservative: both answer the same items). Seeds scored on the same
    items do not shrink that part; their spread (``std`` over ``n`` seeds)
    adds ``1.96 * sqrt(sum(std**2 / n))``, nothing from a single seed.

    Arguments
    ---------
    cells : list of dict
        One or two :func:`seed_summary_rows` cells (``mean``, ``std``, ``n``).
    num_items : int, optional
        Items per accuracy; ``None`` for cosines (seed spread only).

    Returns
    -------
    float
        The half-width, in the cells' unit (points for accuracies).

    Example
    -------
    >>> one_seed = {"mean": 55.0, "std": 0.0, "n": 1}
    >>> round(noise_half_width([one_seed], 200), 1)
    6.9
    >>> round(noise_half_width([one_seed, one_seed], 200), 1)
    9.8
    >>> three_seeds = {"mean": 55.0, "std": 6.0, "n": 3}
    >>> round(noise_half_width([three_seeds, three_seeds], 200), 1)
    13.7
    """
    variance = sum(cell["std"] ** 2 / cell["n"] for cell in cells if cell["n"] > 1)
    if num_items:
        variance += len(cells) * 0.25 / num_items * 100.0**2
    return Z_95 * math.sqrt(variance)


def _count_for(num_items, label):
    return num_items.get(label) if isinstance(num_items, dict) else num_items


def _seed_words(count):
    return f"{count} seed" + ("s" if count != 1 else "")


def _compare_accuracy(what, cells, names, count, verdicts, controls=()):
    """One sentence: ``names[0]`` vs ``names[1]`` on one column (and, for a
    difference beyond the noise, under each control: see
    :func:`_control_clause`)."""
    (first, second), (first_name, second_name) = cells, names
    difference = first["mean"] - second["mean"]
    noise = noise_half_width(cells, count)
    where = f"{count} items, " if count else "items unknown, "
    where += _seed_words(min(first["n"], second["n"]))
    sentence = (
        f"{what}: {first_name} {first['mean']:.1f} vs {second_name} {second['mean']:.1f} "
        f"({difference:+.1f} points), "
    )
    chance = [noise_half_width([cell], count) for cell in cells]
    at_chance = count and all(abs(c["mean"] - 50.0) <= h for c, h in zip(cells, chance))
    if abs(difference) > noise:
        verdict = verdicts["ahead"] if difference > 0 else verdicts["behind"]
        return (
            sentence
            + f"beyond the ±{noise:.1f}-point noise ({where}): {verdict}"
            + _control_clause(difference, controls)
            + "."
        )
    sentence += f"within the ±{noise:.1f}-point noise ({where}): "
    if at_chance:
        return sentence + f"{verdicts['chance']}, both at chance (50 ± {max(chance):.1f})."
    return sentence + verdicts["within"] + "."


def _control_clause(difference, controls):
    """What the controls say of a full-prompt ``difference`` beyond its noise.

    ``controls``: ``[(title, [first cell, second cell], items)]``. A
    control shows the effect when its difference has the same sign and is
    beyond its own noise (:func:`noise_half_width`): then the effect does
    not need the story, a shortcut. ``""`` without controls.

    Example
    -------
    >>> def cells(first, second):
    ...     return [{"mean": first, "std": 0.0, "n": 1}, {"mean": second, "std": 0.0, "n": 1}]
    >>> _control_clause(20.0, [("no-cue", cells(50.0, 65.0), 200)])[2:]
    "the controls do not show it (no-cue -15.0, beyond ±9.8 the other way): \
the effect comes from the story's cue"
    """
    if not controls:
        return ""
    details, shown = [], []
    for title, cells, count in controls:
        control_difference = cells[0]["mean"] - cells[1]["mean"]
        noise = noise_half_width(cells, count)
        where = f"within ±{noise:.1f}"
        if abs(control_difference) > noise:
            where = f"beyond ±{noise:.1f}"
            if control_difference * difference > 0:
                shown.append(title)
            else:
                where += " the other way"
        details.append(f"{title} {control_difference:+.1f}, {where}")
    details = "; ".join(details)
    if not shown:
        return f"; the controls do not show it ({details}): the effect comes from the story's cue"
    which = " and ".join(shown) + (" controls show" if len(shown) > 1 else " control shows")
    return f"; but the {which} it too ({details}): a shortcut, not story understanding"


# The controls that test a shortcut, per task: replacing the event does not
# remove a story's topic, which every sentence carries, so a TopicCloze
# effect that survives no-cue is still the story's.
SHORTCUT_CONTROLS = {
    "ssc": ("last_sentence", "no_cue"),
    "stc": ("last_sentence",),
    "stc_same_event": ("last_sentence",),
}
_TASK_OF_LABEL = {cloze_column(task, c).label: task for task in TASKS for c in CONDITIONS}


def _control_cells(summary, systems, label, num_items):
    """``[(title, cells, items)]`` of the shortcut controls of ``label``
    (:data:`SHORTCUT_CONTROLS`) both systems have; a control's items, when
    not given, are those of ``label`` (the same items, other prompts)."""
    found = []
    for control in SHORTCUT_CONTROLS[_TASK_OF_LABEL[label]]:
        column = control_label(label, control)
        if not _missing(summary, systems, column):
            cells = [summary[system][column] for system in systems]
            count = _count_for(num_items, column) or _count_for(num_items, label)
            found.append((CONTROL_TITLES[control], cells, count))
    return found


def _compare_alignment(summary, first, second):
    """The alignment sentence (cosines: the seed spread is the only noise)."""
    what = "alignment (mean cosine of aligned EN-FR sentence states)"
    names = (SHORT_NAMES[first], SHORT_NAMES[second])
    missing = _missing(summary, (first, second), "Alignment")
    if missing:
        return f"{what}: {names[0]} vs {names[1]} not read ({missing})."
    cells = [summary[system]["Alignment"] for system in (first, second)]
    difference = cells[0]["mean"] - cells[1]["mean"]
    sentence = (
        f"{what}: {names[0]} {cells[0]['mean']:.3f} vs {names[1]} {cells[1]['mean']:.3f} "
        f"({difference:+.3f})"
    )
    if not _missing(summary, (first, second), "Alignment (mismatched)"):
        gaps = [
            summary[system]["Alignment"]["mean"] - summary[system]["Alignment (mismatched)"]["mean"]
            for system in (first, second)
        ]
        sentence += f"; aligned minus mismatched pairs: {gaps[0]:+.3f} vs {gaps[1]:+.3f}"
    seeds = min(cell["n"] for cell in cells)
    if seeds < 2:
        return sentence + "; one seed: no noise estimate for cosines, so no verdict."
    noise = noise_half_width(cells)
    if abs(difference) <= noise:
        return sentence + f", within the ±{noise:.3f} spread of {seeds} seeds: no gain shown."
    verdict = (
        "interleaving higher, as the paper claims"
        if difference > 0
        else "interleaving lower, the opposite of the paper's claim"
    )
    return sentence + f", beyond the ±{noise:.3f} spread of {seeds} seeds: {verdict}."


def _missing(summary, systems, label):
    """Why a comparison cannot be read (``""`` when it can)."""
    for system in systems:
        if system not in summary:
            return f"no {SHORT_NAMES.get(system, system)} in the report"
        if summary[system].get(label, {}).get("mean") is None:
            return f"no {label} result for {SHORT_NAMES.get(system, system)}"
    return ""


def plain_reading(summary, num_items):
    """The paper's claims, read from the numbers in plain sentences.

    Read: cross-lingual sSC/sTC/sTC same-event (EN->FR, FR->EN,
    :data:`CROSS_LINGUAL`) of interleaving, and of interleaving + EN+FR
    fine-tuning, vs the EN+FR baseline; monolingual retention (interleaving
    vs the EN baseline on the EN columns); alignment (interleaving vs the
    EN+FR baseline); and, when the summary has them, the cross-lingual
    columns of the speech-text systems (:data:`SPEECH_TEXT_SYSTEMS`) vs the
    EN+FR baseline and vs interleaving.
    A difference counts only beyond its 95% noise (:func:`noise_half_width`);
    a missing system or cell is named instead.
    A cross-lingual difference beyond the noise is compared again under
    each shortcut control both systems have (same noise formula; for sTC
    only ``last-sentence``, since the topic outlives ``no-cue``): a control
    that shows it too marks a shortcut, controls that do not show it say the
    effect comes from the story's cue. Rows without control columns (older
    reports) are read without them.

    Arguments
    ---------
    summary : list of dict
        :func:`seed_summary_rows` (or the ``rows`` of a seed report's JSON).
    num_items : int or dict
        Items per accuracy: one number for every column, or
        ``{column label: items}`` (:func:`item_counts`).

    Returns
    -------
    list of str
        First how the noise is bounded, then one sentence per comparison.

    Example
    -------
    >>> def cell(mean):
    ...     return {"mean": mean, "std": 0.0, "n": 1}
    >>> rows = [{"system": name, **{c.label: cell(None) for c in COLUMNS}}
    ...         for name in (INTERLEAVING, BASELINE_EN_FR)]
    >>> rows[0]["sSC EN->FR"], rows[1]["sSC EN->FR"] = cell(55.0), cell(52.0)
    >>> reading = plain_reading(rows, 200)
    >>> print(reading[1])
    cross-lingual sSC EN->FR: interleaving 55.0 vs EN+FR baseline 52.0 (+3.0 points), \
within the ±9.8-point noise (200 items, 1 seed): no effect shown, both at chance (50 ± 6.9).
    >>> rows[0]["sSC EN->FR"] = cell(75.0)
    >>> rows[0]["sSC EN->FR last-sentence"] = cell(73.0)
    >>> rows[1]["sSC EN->FR last-sentence"] = cell(51.0)
    >>> print(plain_reading(rows, 200)[1])
    cross-lingual sSC EN->FR: interleaving 75.0 vs EN+FR baseline 52.0 (+23.0 points), \
beyond the ±9.8-point noise (200 items, 1 seed): as the paper claims; but the last-sentence \
control shows it too (last-sentence +22.0, beyond ±9.8): a shortcut, not story understanding.
    """
    by_system = {row["system"]: row for row in summary}
    seeds = max(
        (cell["n"] for row in summary for label, cell in row.items() if label != "system"),
        default=0,
    )
    counts = [_count_for(num_items, label) for label in CROSS_LINGUAL]
    reference = min((count for count in counts if count), default=None)
    reading = [_noise_note(reference, seeds)]
    comparisons = [
        (f"cross-lingual {label}", system, BASELINE_EN_FR, label, CROSS_LINGUAL_VERDICTS)
        for label in CROSS_LINGUAL
        for system in (INTERLEAVING, INTERLEAVING_FT)
    ]
    comparisons += [
        (f"monolingual retention {label}", INTERLEAVING, BASELINE_EN, label, RETENTION_VERDICTS)
        for label in RETENTION_COLUMNS
    ]
    # Speech-text systems, when the report has them: does text bring the
    # cross-lingual effect to these units (vs the EN+FR baseline), and does
    # it add to textless interleaving?
    for system in SPEECH_TEXT_SYSTEMS:
        if system in by_system:
            comparisons += [
                (f"cross-lingual {label}", system, other, label, verdicts)
                for label in CROSS_LINGUAL
                for other, verdicts in (
                    (BASELINE_EN_FR, SPEECH_TEXT_VERDICTS),
                    (INTERLEAVING, SPEECH_TEXT_VS_TEXTLESS_VERDICTS),
                )
            ]
    for what, first, second, label, verdicts in comparisons:
        names = (SHORT_NAMES[first], SHORT_NAMES[second])
        missing = _missing(by_system, (first, second), label)
        if missing:
            reading.append(f"{what}: {names[0]} vs {names[1]} not read ({missing}).")
            continue
        cells = [by_system[first][label], by_system[second][label]]
        count = _count_for(num_items, label)
        controls = (
            _control_cells(by_system, (first, second), label, num_items)
            if label in CROSS_LINGUAL
            else ()
        )
        reading.append(_compare_accuracy(what, cells, names, count, verdicts, controls))
    reading.append(_compare_alignment(by_system, INTERLEAVING, BASELINE_EN_FR))
    return reading


# What a difference within the noise, beyond it either way, or within it
# with both systems at chance means for a claim.
CROSS_LINGUAL_VERDICTS = {
    "within": "no effect shown",
    "ahead": "as the paper claims",
    "behind": "the opposite of the paper's claim",
    "chance": "no effect shown",
}
RETENTION_VERDICTS = {
    "within": "no loss shown, as the paper claims",
    "ahead": "higher than the EN baseline",
    "behind": "EN performance lost",
    "chance": "nothing learnt to retain",
}


SPEECH_TEXT_VERDICTS = {
    "within": "no effect shown",
    "ahead": "a cross-lingual effect of speech-text training",
    "behind": "below the EN+FR baseline",
    "chance": "no effect shown",
}
SPEECH_TEXT_VS_TEXTLESS_VERDICTS = {
    "within": "no difference shown",
    "ahead": "text adds to the cross-lingual effect",
    "behind": "textless interleaving ahead",
    "chance": "no difference shown",
}


def _noise_note(num_items, seeds):
    """The first line of the reading: how the noise bounds are set."""
    if num_items:
        one = noise_half_width([{"n": 1}], num_items)
        two = noise_half_width([{"n": 1}, {"n": 1}], num_items)
        note = (
            "Noise (95%): on N items an accuracy near 50% is uncertain by "
            f"1.96·sqrt(0.25/N)·100 points (±{one:.1f} for the {num_items} items of "
            f"each cross-lingual condition), a difference of two systems by sqrt(2) "
            f"times that (±{two:.1f}), counting their errors as independent "
            "(conservative: both answer the same items)."
        )
    else:
        note = "Noise (95%): item counts unknown, only the seed spread is counted."
    if seeds > 1:
        return note + (
            f" The {seeds} seeds share the same items, so more seeds do not shrink "
            "that item noise; their spread (std) measures training noise only and "
            "is added: ±sqrt(items² + 1.96²·(std1² + std2²)/seeds)."
        )
    return note + (
        " One seed: training noise is not measured, so differences are judged on "
        "the item noise alone (the spread over seeds would add to it)."
    )


def plot_crosslingual(summary, path, title="", num_items=None):
    """PNG: bar chart of the cross-lingual columns per system.

    Bars are means, error bars the standard deviation over seeds (none
    from a single seed); a dashed line marks chance (50%) and, with
    ``num_items``, a grey band its 95% item noise.

    Arguments
    ---------
    summary : list of dict
        :func:`seed_summary_rows` (the ``random`` row is left out).
    path : str or Path
        The PNG to write (atomically).
    title : str
        A first title line (e.g. which units).
    num_items : int or dict, optional
        Items per accuracy (see :func:`plain_reading`).

    Example
    -------
    >>> import tempfile, pathlib
    >>> row = {"system": "A", **{label: {"mean": 60.0, "std": 0.0, "n": 1}
    ...                          for label in CROSS_LINGUAL}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / CHART_FILE
    >>> plot_crosslingual([row], path, "one seed", num_items=200)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    # A bare Figure renders with Agg and leaves pyplot's global state alone.
    from matplotlib.figure import Figure

    rows = [row for row in summary if row["system"] != RANDOM_SYSTEM]
    seeds = max((row[label]["n"] for row in rows for label in CROSS_LINGUAL), default=0)
    figure = Figure(figsize=(12, 5.5))
    axes = figure.subplots()
    width = 0.8 / max(len(rows), 1)
    for index, row in enumerate(rows):
        cells = [row[label] for label in CROSS_LINGUAL]
        means = [math.nan if cell["mean"] is None else cell["mean"] for cell in cells]
        positions = [column - 0.4 + width * (index + 0.5) for column in range(len(cells))]
        errors = [cell["std"] if cell["n"] > 1 else 0.0 for cell in cells]
        bars = axes.bar(
            positions,
            means,
            width,
            yerr=errors if seeds > 1 else None,
            capsize=3,
            color=f"C{index}",
            label=row["system"],
        )
        labels = ["" if math.isnan(mean) else f"{mean:.1f}" for mean in means]
        axes.bar_label(bars, labels=labels, fontsize=7, padding=2)
    counts = [_count_for(num_items, label) for label in CROSS_LINGUAL] if num_items else []
    count = min((c for c in counts if c), default=None)
    if count:
        noise = noise_half_width([{"n": 1}], count)
        axes.axhspan(
            50.0 - noise,
            50.0 + noise,
            color="0.85",
            zorder=0,
            label=f"chance ± 95% noise of {count} items (±{noise:.1f})",
        )
    axes.axhline(50.0, color="black", linestyle="--", linewidth=1, label="chance (50%)")
    # Task over condition: "sTC same-event" / "EN->FR".
    ticks = [label.rsplit(" ", 1) for label in CROSS_LINGUAL]
    axes.set_xticks(range(len(CROSS_LINGUAL)), ["\n".join(tick) for tick in ticks])
    axes.set_ylim(0, 105)
    axes.set_ylabel("accuracy (%)")
    spread = f"mean ± std over {seeds} seeds" if seeds > 1 else "1 seed, no error bars"
    axes.set_title("\n".join(filter(None, [title, f"Cross-lingual accuracy ({spread})"])))
    axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    figure.tight_layout()
    with atomic_path(path) as tmp_path:
        figure.savefig(tmp_path, format="png", dpi=120)


def write_seed_report(reports, output_folder, title_note="", num_items=None, chart_title=""):
    """Writes the report over seeds: ``report.md``/``.csv``/``.json`` and a chart.

    ``report.md``: the table of :func:`format_seed_markdown` (a heading,
    ``title_note``, a line on units), the :func:`shortcut_diagnostics` when
    some system has control results, the sections of the other results some
    system has (cross-modal cloze, speech and text, :func:`qa_section`),
    then, with ``num_items``, the :func:`plain_reading` as a list.
    ``report.csv``: ``system`` then a mean and a std column per column of
    :data:`ALL_COLUMNS` (exact values, empty when missing).
    ``report.json``: ``{"seeds": number of reports, "rows":
    seed_summary_rows(reports)}``. ``crosslingual.png``:
    :func:`plot_crosslingual`.

    Arguments
    ---------
    reports : list of list of dict
        The :func:`report_rows` of each seed.
    output_folder : str or Path
        Where the files go.
    title_note : str
        Markdown above the table (e.g. which units, the settings).
    num_items : int or dict, optional
        Items per accuracy (:func:`item_counts`); no reading without it.
    chart_title : str
        The chart's first title line.

    Returns
    -------
    str
        The Markdown report.

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> seeds = [report_rows({"A": {"alignment": {"mean_matched": c}}}) for c in (0.5, 0.7)]
    >>> print(write_seed_report(seeds, folder).splitlines()[-1][-21:])
    | 0.600 ± 0.141 | – |
    >>> sorted(path.name for path in folder.iterdir())
    ['crosslingual.png', 'report.csv', 'report.json', 'report.md']
    """
    output_folder = Path(output_folder)
    summary = seed_summary_rows(reports)
    markdown = (
        "# Mini Table 3\n\n"
        + (title_note + "\n\n" if title_note else "")
        + f"Accuracy in % (chance 50), mean ± std over {len(reports)} seed(s); "
        "alignment = mean cosine of aligned EN-FR sentence states over layers.\n\n"
        + format_seed_markdown(summary)
        + shortcut_diagnostics(summary, format_seed_markdown)
        + cross_modal_section(summary, format_seed_markdown)
        + speech_text_section(summary, format_seed_markdown)
        + qa_section(summary, format_seed_markdown)
    )
    if num_items is not None:
        reading = plain_reading(summary, num_items)
        markdown += (
            "\n## Plain reading\n\n"
            + reading[0]
            + "\n\n"
            + "".join(f"- {line}\n" for line in reading[1:])
        )
    header = ["system"] + [f"{c.label} {part}" for c in ALL_COLUMNS for part in ("mean", "std")]
    body = []
    for row in summary:
        cells = [row["system"]]
        for column in ALL_COLUMNS:
            cell = row[column.label]
            missing = cell["mean"] is None
            cells += ["", ""] if missing else [repr(cell["mean"]), repr(cell["std"])]
        body.append(cells)
    write_text_atomically(markdown, output_folder / "report.md")
    write_text_atomically(csv_text(header, body), output_folder / "report.csv")
    write_json_atomically({"seeds": len(reports), "rows": summary}, output_folder / "report.json")
    plot_crosslingual(summary, output_folder / CHART_FILE, chart_title, num_items)
    return markdown
