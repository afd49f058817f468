"""Spoken StoryCloze (sSC) and TopicCloze (sTC), monolingual and cross-lingual.

Manifest ``cloze.csv`` (one comparison per row)::

    item_id,task,prompt_lang,ending_lang,prompt_wav,correct_wav,wrong_wav,
    topic,prompt_text,correct_text,wrong_text,control

``task`` is one of :data:`TASKS`: ``ssc`` (the true ending vs an ending
that contradicts the story), ``stc`` (the paper's sTC: vs the ending of a story of
another topic) or ``stc_same_event`` (a harder sTC: vs the ending of a story
of the same event or plot in another topic). Wav paths are relative to the
CSV's folder (or absolute); the texts are read by the cross-modal evaluation
of speech-text models (:mod:`speechbrain_xling.eval.cross_modal`). The model hears the
prompt (the sentences before the ending) and must give the true ending a higher
likelihood than the wrong one (see :mod:`speechbrain_xling.eval.scoring` for
the scoring convention). The condition of a row is ``EN`` / ``FR`` when
prompt and ending share a language, else ``EN->FR`` / ``FR->EN`` (prompt
language first), as in Table 3 of the paper.

``control`` (one of :data:`CONTROLS`; empty, or no such column as in older
files, means ``full``) says which prompt the row plays:

* ``full``: the real prompt, the row that Table 3 counts;
* ``last_sentence``: the prompt cut to its last sentence;
* ``no_cue``: the prompt with its decisive cue sentence replaced by a
  neutral sentence.

The controls are shortcut diagnostics: a model that reads the story drops to
chance (50%) under them, while a model that picks the ending by a shortcut
(the last words heard, anything but the cue) keeps its score. Control rows
are scored with the others but reported apart (:func:`evaluate_cloze`).

Authors
 * speechbrain-xling authors 2026
"""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechbrain_xling.eval.files import (
    BenchmarkFormatError,
    read_csv_rows,
    resolve_audio,
    units_for_files,
)

TASKS = ("ssc", "stc", "stc_same_event")
# "full" first: the real prompt; the others are shortcut controls.
CONTROLS = ("full", "last_sentence", "no_cue")
# (prompt language, ending language) of Table 3's four conditions, in order.
LANGUAGE_PAIRS = (("en", "en"), ("fr", "fr"), ("en", "fr"), ("fr", "en"))
COLUMNS = (
    "item_id",
    "task",
    "prompt_lang",
    "ending_lang",
    "prompt_wav",
    "correct_wav",
    "wrong_wav",
    "topic",
    "prompt_text",
    "correct_text",
    "wrong_text",
    "control",
)
# Older manifests have no control column (all their rows are full prompts).
OPTIONAL_COLUMNS = ("control",)


def condition_name(prompt_lang, ending_lang):
    """Table-3 name of a language condition.

    Example
    -------
    >>> condition_name("en", "en"), condition_name("fr", "en")
    ('EN', 'FR->EN')
    """
    prompt_lang, ending_lang = prompt_lang.upper(), ending_lang.upper()
    if prompt_lang == ending_lang:
        return prompt_lang
    return f"{prompt_lang}->{ending_lang}"


@dataclass(frozen=True)
class ClozeItem:
    """One comparison: a prompt, its true ending and a wrong ending.

    ``control`` is one of :data:`CONTROLS` (``full``: the real prompt). The
    texts (empty when the manifest has none) are what the cross-modal
    evaluation reads instead of the audio (:mod:`speechbrain_xling.eval.cross_modal`).
    """

    item_id: str
    task: str
    condition: str
    prompt_wav: Path
    correct_wav: Path
    wrong_wav: Path
    control: str = "full"
    prompt_text: str = ""
    correct_text: str = ""
    wrong_text: str = ""


def _choice(row, column, allowed, default, csv_path, line):
    """The lower-cased value of ``row[column]``, checked against ``allowed``;
    an empty or absent cell gives ``default``."""
    given = row.get(column) or ""
    value = given.strip().lower() or default
    if value not in allowed:
        raise BenchmarkFormatError(
            f"{csv_path}, line {line}: {column} must be one of {allowed}, got {given!r}"
        )
    return value


def read_cloze(csv_path):
    """Reads and checks a ``cloze.csv`` manifest.

    Every audio file must exist, ``task`` must be one of :data:`TASKS` and
    ``control`` one of :data:`CONTROLS` (any case; an empty or absent
    ``control`` is ``full``), languages must be given, and ``(item_id, task,
    condition, control)`` must be unique; errors name the file and line.

    Returns
    -------
    list of ClozeItem

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("p", "c", "w", "q"):
    ...     _ = (folder / f"{name}.wav").write_bytes(b"")
    >>> rows = [",".join(COLUMNS), "s1,SSC,en,fr,p.wav,c.wav,w.wav,,,,,",
    ...         "s1,SSC,en,fr,q.wav,c.wav,w.wav,,,,,No_Cue"]
    >>> _ = (folder / "cloze.csv").write_text("\\n".join(rows) + "\\n")
    >>> full, control = read_cloze(folder / "cloze.csv")
    >>> full.task, full.condition, full.control, full.correct_wav.name
    ('ssc', 'EN->FR', 'full', 'c.wav')
    >>> control.control, control.prompt_wav.name
    ('no_cue', 'q.wav')
    """
    csv_path = Path(csv_path)
    items, first_line = [], {}
    required = [column for column in COLUMNS if column not in OPTIONAL_COLUMNS]
    for line, row in read_csv_rows(csv_path, required):
        task = _choice(row, "task", TASKS, None, csv_path, line)
        control = _choice(row, "control", CONTROLS, "full", csv_path, line)
        langs = (row["prompt_lang"].strip(), row["ending_lang"].strip())
        if not all(langs):
            raise BenchmarkFormatError(
                f"{csv_path}, line {line}: prompt_lang and ending_lang are required"
            )
        item = ClozeItem(
            item_id=row["item_id"],
            task=task,
            condition=condition_name(*langs),
            control=control,
            prompt_text=row["prompt_text"].strip(),
            correct_text=row["correct_text"].strip(),
            wrong_text=row["wrong_text"].strip(),
            **{
                column: resolve_audio(row[column], csv_path, line, column)
                for column in ("prompt_wav", "correct_wav", "wrong_wav")
            },
        )
        key = (item.item_id, item.task, item.condition, item.control)
        if key in first_line:
            raise BenchmarkFormatError(
                f"{csv_path}, line {line}: item {item.item_id!r} ({', '.join(key[1:])}) "
                f"already on line {first_line[key]}"
            )
        first_line[key] = line
        items.append(item)
    return items


def accuracy_tables(outcomes):
    """``{"accuracy": ..., "num_items": ...}`` of ``{(group, condition): [outcome]}``.

    Example
    -------
    >>> accuracy_tables({("ssc", "EN"): [1, 0, 1, 1]})
    {'accuracy': {'ssc': {'EN': 0.75}}, 'num_items': {'ssc': {'EN': 4}}}
    """
    accuracy, num_items = defaultdict(dict), defaultdict(dict)
    for (task, condition), values in sorted(outcomes.items()):
        accuracy[task][condition] = float(np.mean(values))
        num_items[task][condition] = len(values)
    return {"accuracy": dict(accuracy), "num_items": dict(num_items)}


def evaluate_cloze(scorer, items, units_of):
    """Accuracy of a model on cloze items, per task and condition.

    Every prompt, full or control, is scored in one batch of comparisons;
    the accuracies are then counted apart per control.

    Arguments
    ---------
    scorer : LikelihoodScorer
        Scores each ending after its prompt.
    items : list of ClozeItem
        From :func:`read_cloze`.
    units_of : callable
        ``units_of(list_of_wav_paths) -> list of unit arrays``.

    Returns
    -------
    dict
        ``{"accuracy": {task: {condition: float in [0, 1]}},
        "num_items": {task: {condition: int}}}`` over the ``full`` items; a
        pair counts 1 when the true ending scores higher, 0.5 on a tie. When
        there are control items, ``"controls": {control: {"accuracy": ...,
        "num_items": ...}}`` gives the same per control present (in the order
        of :data:`CONTROLS`).

    Example
    -------
    >>> from speechbrain_xling.eval.scoring import LikelihoodScorer
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> lm = UnitLM.from_config(config, num_units=16)
    >>> item = ClozeItem("s1", "stc", "EN->FR", Path("p.wav"), Path("c.wav"),
    ...                  Path("w.wav"))
    >>> cut = ClozeItem("s1", "stc", "EN->FR", Path("q.wav"), Path("c.wav"),
    ...                 Path("w.wav"), control="last_sentence")
    >>> units = {"p.wav": [1, 2, 3], "q.wav": [3], "c.wav": [4, 5], "w.wav": [4, 5]}
    >>> result = evaluate_cloze(LikelihoodScorer(lm), [item, cut],
    ...                         lambda paths: [units[p.name] for p in paths])
    >>> result["accuracy"], result["num_items"]  # identical endings: a tie
    ({'stc': {'EN->FR': 0.5}}, {'stc': {'EN->FR': 1}})
    >>> result["controls"]["last_sentence"]["accuracy"]
    {'stc': {'EN->FR': 0.5}}
    """
    paths = [p for item in items for p in (item.prompt_wav, item.correct_wav, item.wrong_wav)]
    units = units_for_files(units_of, paths, scorer.lm.vocab.num_units)
    outcomes = scorer.compare(
        correct=[units[item.correct_wav] for item in items],
        wrong=[units[item.wrong_wav] for item in items],
        prompts=[units[item.prompt_wav] for item in items],
    )
    return cloze_tables(items, outcomes)


def cloze_tables(items, outcomes):
    """The result tables of :func:`evaluate_cloze` from per-item outcomes.

    Accuracy per task and condition over the ``full`` items, and under
    ``"controls"`` the same per control present.

    Example
    -------
    >>> items = [ClozeItem("a", "ssc", "EN", *[Path("x.wav")] * 3),
    ...          ClozeItem("a", "ssc", "EN", *[Path("x.wav")] * 3, control="no_cue")]
    >>> tables = cloze_tables(items, [1.0, 0.5])
    >>> tables["accuracy"], tables["num_items"]
    ({'ssc': {'EN': 1.0}}, {'ssc': {'EN': 1}})
    >>> tables["controls"]["no_cue"]["accuracy"]
    {'ssc': {'EN': 0.5}}
    """
    by_control = {control: defaultdict(list) for control in CONTROLS}
    for item, outcome in zip(items, outcomes):
        by_control[item.control][(item.task, item.condition)].append(outcome)
    result = accuracy_tables(by_control["full"])
    controls = {
        control: accuracy_tables(by_control[control])
        for control in CONTROLS[1:]
        if by_control[control]
    }
    if controls:
        result["controls"] = controls
    return result
