"""Spoken StoryCloze (sSC) and TopicCloze (sTC), monolingual and cross-lingual.

Manifest ``cloze.csv`` (one comparison per row)::

    item_id,task,prompt_lang,ending_lang,prompt_wav,correct_wav,wrong_wav,
    topic,prompt_text,correct_text,wrong_text

``task`` is ``ssc`` or ``stc``; wav paths are relative to the CSV's folder
(or absolute); texts are for reading only. The model hears the prompt (the
first four sentences) and must give the true ending a higher likelihood than
the wrong one (see :mod:`speechbrain_xling.eval.scoring` for the scoring
convention). The condition of a row is ``EN`` / ``FR`` when prompt and
ending share a language, else ``EN->FR`` / ``FR->EN`` (prompt language
first), as in Table 3 of the paper.

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

TASKS = ("ssc", "stc")
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
)


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
    """One comparison: a prompt, its true ending and a wrong ending."""

    item_id: str
    task: str
    condition: str
    prompt_wav: Path
    correct_wav: Path
    wrong_wav: Path


def read_cloze(csv_path):
    """Reads and checks a ``cloze.csv`` manifest.

    Every audio file must exist, ``task`` must be ``ssc`` or ``stc``
    (any case), languages must be given, and ``(item_id, task, condition)``
    must be unique; errors name the file and line.

    Returns
    -------
    list of ClozeItem

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("p", "c", "w"):
    ...     _ = (folder / f"{name}.wav").write_bytes(b"")
    >>> rows = [",".join(COLUMNS), "s1,SSC,en,fr,p.wav,c.wav,w.wav,,,,"]
    >>> _ = (folder / "cloze.csv").write_text("\\n".join(rows) + "\\n")
    >>> item, = read_cloze(folder / "cloze.csv")
    >>> item.task, item.condition, item.correct_wav.name
    ('ssc', 'EN->FR', 'c.wav')
    """
    csv_path = Path(csv_path)
    items, first_line = [], {}
    for line, row in read_csv_rows(csv_path, COLUMNS):
        task = row["task"].strip().lower()
        if task not in TASKS:
            raise BenchmarkFormatError(
                f"{csv_path}, line {line}: task must be one of {TASKS}, got {row['task']!r}"
            )
        langs = (row["prompt_lang"].strip(), row["ending_lang"].strip())
        if not all(langs):
            raise BenchmarkFormatError(
                f"{csv_path}, line {line}: prompt_lang and ending_lang are required"
            )
        item = ClozeItem(
            item_id=row["item_id"],
            task=task,
            condition=condition_name(*langs),
            **{
                column: resolve_audio(row[column], csv_path, line, column)
                for column in ("prompt_wav", "correct_wav", "wrong_wav")
            },
        )
        key = (item.item_id, item.task, item.condition)
        if key in first_line:
            raise BenchmarkFormatError(
                f"{csv_path}, line {line}: item {item.item_id!r} ({task}, "
                f"{item.condition}) already on line {first_line[key]}"
            )
        first_line[key] = line
        items.append(item)
    return items


def evaluate_cloze(scorer, items, units_of):
    """Accuracy of a model on cloze items, per task and condition.

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
        "num_items": {task: {condition: int}}}``; a pair counts 1 when the
        true ending scores higher, 0.5 on a tie.

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
    >>> units = {"p.wav": [1, 2, 3], "c.wav": [4, 5], "w.wav": [4, 5]}
    >>> result = evaluate_cloze(LikelihoodScorer(lm), [item],
    ...                         lambda paths: [units[p.name] for p in paths])
    >>> result["accuracy"], result["num_items"]  # identical endings: a tie
    ({'stc': {'EN->FR': 0.5}}, {'stc': {'EN->FR': 1}})
    """
    paths = [p for item in items for p in (item.prompt_wav, item.correct_wav, item.wrong_wav)]
    units = units_for_files(units_of, paths, scorer.lm.vocab.num_units)
    outcomes = scorer.compare(
        correct=[units[item.correct_wav] for item in items],
        wrong=[units[item.wrong_wav] for item in items],
        prompts=[units[item.prompt_wav] for item in items],
    )
    per_condition = defaultdict(list)
    for item, outcome in zip(items, outcomes):
        per_condition[(item.task, item.condition)].append(outcome)
    accuracy, num_items = defaultdict(dict), defaultdict(dict)
    for (task, condition), values in sorted(per_condition.items()):
        accuracy[task][condition] = float(np.mean(values))
        num_items[task][condition] = len(values)
    return {"accuracy": dict(accuracy), "num_items": dict(num_items)}
