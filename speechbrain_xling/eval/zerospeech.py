"""sWUGGY (lexical) and sBLiMP (syntactic) in the ZeroSpeech 2021 layout.

Layout, as the official toolkit reads it::

    <root>/lexical/<split>/*.wav + gold.csv
        filename,id,voice,frequency,word,phones,length,correct
    <root>/syntactic/<split>/*.wav + gold.csv
        filename,id,voice,type,subtype,correct,transcription

``correct`` is 1 for the real word / grammatical sentence, 0 otherwise; a
``filename`` names ``<filename>.wav`` in the same folder.

Official protocol (``zerospeech-benchmarks``), reproduced exactly:

* a pair counts 1 when the correct item scores higher, 0.5 on a tie, else 0;
* lexical: every real word is paired with every nonce word of the same
  ``(id, voice)``; pair outcomes are averaged per ``id`` (over voices), then
  over ids;
* syntactic: the k-th ``correct == 1`` row is paired with the k-th
  ``correct == 0`` row in gold order (NOT by id: ids repeat across
  subtypes); pair outcomes are averaged per ``(type, subtype, id)`` of the
  correct row (over voices), then over these items.

Submission files (``lexical/dev.txt``, ``syntactic/dev.txt``) have one line
``<filename> <score>`` per gold row, no header, no extension.

Scores are written with :data:`SCORE_DIGITS` significant digits
(:func:`format_score`), and the accuracy reported here is computed from the
scores as they read back from that text (:func:`written_scores`), whether or
not a submission file is written. The official scorer reads the file with
pandas' default float parser, which is fast but not correctly rounded: two
different 17-digit ``repr`` strings can read as the same double there (a win
here, a tie there). Two different 12-digit decimals differ by at least
1e-12 relative, thousands of double ulps (2.2e-16), far beyond any parser's
error, so every reader gets the same order and the same ties from the file,
and both accuracies agree by construction (ties count 0.5 in both). 12
digits still resolve far finer than the scores themselves (log-probabilities
from a float32 model carry about 7 significant digits).

sWUGGY breakdown (reported next to the official accuracy, which it never
changes). Each ``id`` scores, as in the official accuracy, the mean outcome
of its pairs (over voices); the id is described by its first real-word row
in gold order (the row the official ``by_frequency`` and ``by_length``
tables use), and a subset's accuracy is the mean over its ids:

* ``by_frequency``: the real word's gold ``frequency`` (its count in the
  training text; LibriSpeech for ZeroSpeech 2021) in the official toolkit's
  bands (:data:`FREQUENCY_BANDS`: ``pandas.cut`` at 0, 1, 5, 20, 100, inf
  with ``right=False``, which the toolkit labels oov, 1-5, 6-20, 21-100,
  >100 but which hold the counts 0, 1-4, 5-19, 20-99 and >= 100: they are
  labelled here by what they hold). Ids without a frequency are in no band,
  as there;
* ``by_length``: the real word's ``length`` (number of phones);
* ``leaderboard_in_vocab``: ids whose gold frequency is at least 1, the
  ZeroSpeech 2021 leaderboard's "lexical in-vocab" (its n-weighted mean of
  the bands but oov);
* ``in_vocab``: ids whose real word is in a vocabulary given by the caller
  (the words of the systems' training text, :func:`read_vocabulary`);
  absent when no vocabulary is given.

Gold ``frequency`` and ``length`` of real-word rows must be empty (unknown)
or non-negative integers (the official scorer reads ``frequency`` as
integers too); nonce-word rows are not read for them.

Gold rows of the syntactic task must have a ``type``, ``subtype`` and
``id``: the official scorer averages per ``(type, subtype, id)`` with a pandas
``groupby``, which silently drops pairs whose key is empty or reads as NaN
(``NA``, ``null``, ...), so such rows are rejected instead of scored.

Authors
 * speechbrain-xling authors 2026
"""

import logging
import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechbrain_xling.atomic import write_text_atomically
from speechbrain_xling.eval.files import (
    BenchmarkFormatError,
    read_csv_rows,
    units_for_files,
)
from speechbrain_xling.eval.scoring import pair_outcomes
from speechbrain_xling.text_files import read_text

logger = logging.getLogger(__name__)

LEXICAL = "lexical"
SYNTACTIC = "syntactic"
GOLD_COLUMNS = {
    LEXICAL: ("filename", "id", "voice", "frequency", "word", "phones", "length", "correct"),
    SYNTACTIC: ("filename", "id", "voice", "type", "subtype", "correct", "transcription"),
}
# Significant digits of a written score: coarse enough that any float parser
# (pandas' fast one included) reads distinct written values as distinct,
# correctly ordered doubles; fine enough to keep every meaningful digit.
SCORE_DIGITS = 12
# Syntactic averaging key: the official scorer groups pairs by these columns.
SYNTACTIC_KEY = ("type", "subtype", "id")
# sWUGGY frequency bands: (label, lowest count, first count above), the bins
# of the official toolkit (see the module docstring for its labels).
FREQUENCY_BANDS = (
    ("oov", 0, 1),
    ("1-4", 1, 5),
    ("5-19", 5, 20),
    ("20-99", 20, 100),
    (">=100", 100, math.inf),
)
# Field values pandas.read_csv reads as NaN by default (pandas 2.x, which
# covers older lists); a groupby drops the rows whose key holds one.
PANDAS_NA_VALUES = frozenset(
    (
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
        "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    )
)  # fmt: skip


@dataclass
class ZeroSpeechTask:
    """The gold rows of one task and the pairs the official protocol forms.

    Attributes
    ----------
    name : str
        ``"lexical"`` (sWUGGY) or ``"syntactic"`` (sBLiMP).
    gold_path : Path
        The ``gold.csv`` read.
    filenames : list of str
        Gold ``filename`` column, in gold order.
    wavs : list of Path
        Audio file of each gold row.
    correct_rows, wrong_rows : numpy.ndarray
        Gold row index of the correct and the wrong item of each pair.
    groups : list of tuple
        Averaging key of each pair: ``(id,)`` (lexical) or
        ``(type, subtype, id)`` (syntactic).
    words : dict, optional
        Lexical tasks read from gold: ``{(id,): {"word", "frequency",
        "length"}}`` from the first real-word row of each id (frequency and
        length ``None`` when unknown), for the breakdown of
        :func:`task_accuracy`; ``None`` otherwise (no breakdown).
    """

    name: str
    gold_path: Path
    filenames: list
    wavs: list
    correct_rows: np.ndarray
    wrong_rows: np.ndarray
    groups: list
    words: dict = None


def read_zerospeech(root, split="dev"):
    """Reads the tasks present under a ZeroSpeech 2021 root.

    Arguments
    ---------
    root : str or Path
        Folder holding ``lexical/`` and/or ``syntactic/``.
    split : str
        ``"dev"`` or ``"test"``.

    Returns
    -------
    dict
        ``{"lexical": ZeroSpeechTask, "syntactic": ZeroSpeechTask}`` for the
        tasks whose ``gold.csv`` exists (absent ones are logged).

    Example
    -------
    >>> import tempfile
    >>> read_zerospeech(tempfile.mkdtemp())  # neither task present
    {}
    """
    tasks = {}
    for name, reader in ((LEXICAL, read_lexical), (SYNTACTIC, read_syntactic)):
        if (Path(root) / name / split / "gold.csv").is_file():
            tasks[name] = reader(root, split)
        else:
            logger.info("no %s/%s/gold.csv under %s: skipped", name, split, root)
    return tasks


def _read_gold(root, name, split):
    """Checked gold rows of one task: columns, 0/1 labels, unique files, audio."""
    folder = Path(root) / name / split
    gold_path = folder / "gold.csv"
    rows = read_csv_rows(gold_path, GOLD_COLUMNS[name])
    first_line = {}
    for line, row in rows:
        if row["correct"].strip() not in ("0", "1"):
            raise BenchmarkFormatError(
                f"{gold_path}, line {line}: correct must be 0 or 1, got {row['correct']!r}"
            )
        filename = row["filename"]
        if filename in first_line:
            raise BenchmarkFormatError(
                f"{gold_path}, line {line}: filename {filename!r} already on "
                f"line {first_line[filename]}"
            )
        first_line[filename] = line
        if not (folder / f"{filename}.wav").is_file():
            raise FileNotFoundError(
                f"{gold_path}, line {line}: audio file {folder / (filename + '.wav')} not found"
            )
    return gold_path, rows


def _task(name, gold_path, rows, pairs, groups, words=None):
    folder = gold_path.parent
    filenames = [row["filename"] for _, row in rows]
    return ZeroSpeechTask(
        name=name,
        gold_path=gold_path,
        filenames=filenames,
        wavs=[(folder / f"{filename}.wav").resolve() for filename in filenames],
        correct_rows=np.array([pair[0] for pair in pairs], dtype=np.int64),
        wrong_rows=np.array([pair[1] for pair in pairs], dtype=np.int64),
        groups=groups,
        words=words,
    )


def _gold_count(row, column, gold_path, line):
    """A gold ``frequency`` / ``length`` cell: a non-negative int, or None
    when empty or a value pandas reads as missing."""
    value = (row[column] or "").strip()
    if value in PANDAS_NA_VALUES:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (number >= 0 and number.is_integer()):
        raise BenchmarkFormatError(
            f"{gold_path}, line {line}: {column} must be a non-negative integer "
            f"or empty, got {row[column]!r}"
        )
    return int(number)


def _lexical_words(gold_path, rows):
    """``{(id,): {"word", "frequency", "length"}}`` from the first
    real-word row of each id (checks every real-word row)."""
    words = {}
    for line, row in rows:
        if row["correct"].strip() != "1":
            continue
        info = {
            "word": row["word"],
            "frequency": _gold_count(row, "frequency", gold_path, line),
            "length": _gold_count(row, "length", gold_path, line),
        }
        words.setdefault((row["id"],), info)
    return words


def read_lexical(root, split="dev"):
    """sWUGGY: pairs every word with every nonce word of its ``(id, voice)``.

    Raises ``BenchmarkFormatError`` when an ``(id, voice)`` lacks either its
    real word or its nonce word(s) (the official scorer would silently drop
    it), or when a real word's ``frequency`` or ``length`` is neither empty
    nor a non-negative integer.

    Example
    -------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> folder = root / "lexical" / "dev"
    >>> folder.mkdir(parents=True)
    >>> gold = ["filename,id,voice,frequency,word,phones,length,correct",
    ...         "a,1,v1,5,cat,k a t,3,1", "b,1,v1,5,cag,k a g,3,0"]
    >>> _ = (folder / "gold.csv").write_text("\\n".join(gold) + "\\n")
    >>> for name in "ab":
    ...     _ = (folder / f"{name}.wav").write_bytes(b"")
    >>> task = read_lexical(root)
    >>> task.correct_rows.tolist(), task.wrong_rows.tolist(), task.groups
    ([0], [1], [('1',)])
    >>> task.words
    {('1',): {'word': 'cat', 'frequency': 5, 'length': 3}}
    """
    gold_path, rows = _read_gold(root, LEXICAL, split)
    by_id_voice = defaultdict(lambda: ([], []))
    for index, (_, row) in enumerate(rows):
        words, nonce_words = by_id_voice[(row["id"], row["voice"])]
        (words if row["correct"].strip() == "1" else nonce_words).append(index)
    pairs, groups = [], []
    for (item_id, voice), (words, nonce_words) in by_id_voice.items():
        if not words or not nonce_words:
            lines = [rows[index][0] for index in words + nonce_words]
            raise BenchmarkFormatError(
                f"{gold_path}: id {item_id!r} voice {voice!r} has {len(words)} "
                f"real word(s) and {len(nonce_words)} nonce word(s) (lines "
                f"{lines}); each (id, voice) needs both"
            )
        for word in words:
            for nonce_word in nonce_words:
                pairs.append((word, nonce_word))
                groups.append((item_id,))
    return _task(LEXICAL, gold_path, rows, pairs, groups, _lexical_words(gold_path, rows))


def read_syntactic(root, split="dev"):
    """sBLiMP: pairs the k-th correct row with the k-th incorrect row.

    Raises ``BenchmarkFormatError`` when the numbers of correct and
    incorrect rows differ, or when a row's ``type``, ``subtype`` or ``id``
    is empty or a value pandas reads as missing (``NA``, ``null``, ...):
    the official scorer would silently drop it.

    Example
    -------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> folder = root / "syntactic" / "dev"
    >>> folder.mkdir(parents=True)
    >>> gold = ["filename,id,voice,type,subtype,correct,transcription",
    ...         "a,0,v1,agr,s1,1,dogs bark", "b,0,v1,agr,s2,1,a dog barks",
    ...         "c,0,v1,agr,s1,0,dogs barks", "d,0,v1,agr,s2,0,a dog bark"]
    >>> _ = (folder / "gold.csv").write_text("\\n".join(gold) + "\\n")
    >>> for name in "abcd":
    ...     _ = (folder / f"{name}.wav").write_bytes(b"")
    >>> task = read_syntactic(root)
    >>> task.correct_rows.tolist(), task.wrong_rows.tolist()
    ([0, 1], [2, 3])
    >>> task.groups
    [('agr', 's1', '0'), ('agr', 's2', '0')]
    >>> gold[1] = "a,0,v1,,s1,1,dogs bark"  # no type
    >>> _ = (folder / "gold.csv").write_text("\\n".join(gold) + "\\n")
    >>> read_syntactic(root)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    speechbrain_xling.eval.files.BenchmarkFormatError: .../gold.csv, line 2: type is empty; ...
    """
    gold_path, rows = _read_gold(root, SYNTACTIC, split)
    for line, row in rows:
        for column in SYNTACTIC_KEY:
            value = row[column]
            if value is None or value in PANDAS_NA_VALUES:
                shown = "empty" if not value else f"{value!r}, which pandas reads as missing"
                raise BenchmarkFormatError(
                    f"{gold_path}, line {line}: {column} is {shown}; pairs are "
                    f"averaged per ({', '.join(SYNTACTIC_KEY)}) and the official "
                    "scorer silently drops rows without one"
                )
    correct = [i for i, (_, row) in enumerate(rows) if row["correct"].strip() == "1"]
    wrong = [i for i, (_, row) in enumerate(rows) if row["correct"].strip() == "0"]
    if len(correct) != len(wrong):
        raise BenchmarkFormatError(
            f"{gold_path}: {len(correct)} correct rows but {len(wrong)} "
            "incorrect rows; the k-th correct row is paired with the k-th "
            "incorrect row, so the counts must match"
        )
    groups = [(rows[i][1]["type"], rows[i][1]["subtype"], rows[i][1]["id"]) for i in correct]
    return _task(SYNTACTIC, gold_path, rows, list(zip(correct, wrong)), groups)


def format_score(score):
    """A score as written in the submission file: :data:`SCORE_DIGITS`
    significant digits.

    Example
    -------
    >>> format_score(-0.16527635528529092), format_score(-2.25)
    ('-0.165276355285', '-2.25')
    """
    return format(float(score), f".{SCORE_DIGITS}g")


def written_scores(scores):
    """The scores a reader of the submission file gets back.

    Python's ``float`` reads the text of :func:`format_score` correctly
    rounded; the official scorer's fast parser may land an ulp away, but
    with the same order and the same ties, so accuracies computed from
    these scores agree with the official ones.

    Example
    -------
    >>> written_scores([-0.16527635528529092, -0.16527635528529094]).tolist()
    [-0.165276355285, -0.165276355285]
    """
    return np.array([float(format_score(score)) for score in scores], dtype=np.float64)


def normalize_word(word):
    """How real words and vocabulary entries are compared: NFC, stripped,
    case-folded.

    Example
    -------
    >>> normalize_word(" Be\\u0301be\\u0301 ") == normalize_word("bébé")
    True
    """
    return unicodedata.normalize("NFC", str(word)).strip().casefold()


def read_vocabulary(source):
    """The vocabulary of the in-vocabulary sWUGGY accuracy.

    Arguments
    ---------
    source : str, Path or iterable of str
        A UTF-8 word list file, one word per line (only the first
        whitespace-separated field is read, so ``word count`` lists work;
        blank lines and lines starting with ``#`` are skipped), or the words
        themselves.

    Returns
    -------
    frozenset of str
        The words, normalised by :func:`normalize_word`.

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "words.txt"
    >>> _ = path.write_text("# word count\\nCat 12\\n\\ndog 3\\n", encoding="utf-8")
    >>> sorted(read_vocabulary(path)), sorted(read_vocabulary(["Sun"]))
    (['cat', 'dog'], ['sun'])
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"swuggy_vocabulary: word list {path} not found")
        lines = read_text(path).splitlines()
        words = [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]
        if not words:
            raise ValueError(f"swuggy_vocabulary: word list {path} lists no word")
    else:
        words = list(source)
    return frozenset(normalize_word(word) for word in words)


def _subset(means):
    """``{"accuracy", "num_groups"}`` of the group means of a subset
    (accuracy ``None`` when it is empty)."""
    return {
        "accuracy": float(np.mean(means)) if means else None,
        "num_groups": len(means),
    }


def frequency_band(count):
    """Label of the :data:`FREQUENCY_BANDS` band holding a word count.

    Example
    -------
    >>> [frequency_band(count) for count in (0, 1, 4, 5, 99, 100)]
    ['oov', '1-4', '1-4', '5-19', '20-99', '>=100']
    """
    for label, low, high in FREQUENCY_BANDS:
        if low <= count < high:
            return label
    raise ValueError(f"word count must be non-negative, got {count}")


def lexical_breakdown(words, group_means, vocabulary=None):
    """sWUGGY accuracy by subsets of ids (see the module docstring).

    Arguments
    ---------
    words : dict
        ``{(id,): {"word", "frequency", "length"}}``
        (:attr:`ZeroSpeechTask.words`).
    group_means : dict
        ``{(id,): mean pair outcome}``, as averaged for the official accuracy.
    vocabulary : set of str, optional
        Normalised words (:func:`read_vocabulary`); ``in_vocab`` only with one.

    Returns
    -------
    dict
        ``in_vocab`` (with a vocabulary), ``leaderboard_in_vocab``,
        ``by_frequency`` (every band, in order) and ``by_length`` (lengths
        present, ascending, as strings); each subset ``{"accuracy",
        "num_groups"}``, accuracy ``None`` for an empty subset.

    Example
    -------
    >>> words = {("1",): {"word": "cat", "frequency": 0, "length": 3},
    ...          ("2",): {"word": "dog", "frequency": 7, "length": 3},
    ...          ("3",): {"word": "moon", "frequency": None, "length": 4}}
    >>> means = {("1",): 1.0, ("2",): 0.5, ("3",): 0.0}
    >>> breakdown = lexical_breakdown(words, means, {"dog", "moon"})
    >>> breakdown["in_vocab"], breakdown["leaderboard_in_vocab"]
    ({'accuracy': 0.25, 'num_groups': 2}, {'accuracy': 0.5, 'num_groups': 1})
    >>> breakdown["by_frequency"]["oov"], breakdown["by_frequency"]["1-4"]
    ({'accuracy': 1.0, 'num_groups': 1}, {'accuracy': None, 'num_groups': 0})
    >>> breakdown["by_length"]
    {'3': {'accuracy': 0.75, 'num_groups': 2}, '4': {'accuracy': 0.0, 'num_groups': 1}}
    >>> "in_vocab" in lexical_breakdown(words, means)
    False
    """
    bands, lengths, known, in_vocab = defaultdict(list), defaultdict(list), [], []
    for group, mean in group_means.items():
        info = words[group]
        if info["frequency"] is not None:
            bands[frequency_band(info["frequency"])].append(mean)
            if info["frequency"] >= 1:
                known.append(mean)
        if info["length"] is not None:
            lengths[info["length"]].append(mean)
        if vocabulary is not None and normalize_word(info["word"]) in vocabulary:
            in_vocab.append(mean)
    breakdown = {} if vocabulary is None else {"in_vocab": _subset(in_vocab)}
    breakdown["leaderboard_in_vocab"] = _subset(known)
    breakdown["by_frequency"] = {label: _subset(bands[label]) for label, _, _ in FREQUENCY_BANDS}
    breakdown["by_length"] = {str(length): _subset(lengths[length]) for length in sorted(lengths)}
    return breakdown


def task_accuracy(task, scores, vocabulary=None):
    """Official accuracy of a task from one score per gold row.

    The scores are compared as written in the submission file
    (:func:`written_scores`), so scores that differ only beyond
    :data:`SCORE_DIGITS` significant digits tie, here as in the official
    scorer.

    Arguments
    ---------
    task : ZeroSpeechTask
        The pairs and their averaging groups.
    scores : array-like of float
        One score per gold row, in gold order (higher = more likely).
    vocabulary : set of str, optional
        Normalised training words (:func:`read_vocabulary`) for the
        ``in_vocab`` accuracy of a lexical task.

    Returns
    -------
    dict
        ``accuracy`` (in [0, 1]: mean over groups of the mean pair outcome
        per group), ``num_pairs``, ``num_groups``; syntactic results also
        have ``by_type`` (mean over the groups of each type, as the official
        ``by_type`` table); lexical tasks read from gold also have the
        breakdown of :func:`lexical_breakdown` (it does not change
        ``accuracy``).

    Example
    -------
    >>> task = ZeroSpeechTask("lexical", Path("gold.csv"), ["a", "b", "c"],
    ...     [], np.array([0, 0]), np.array([1, 2]), [("1",), ("2",)])
    >>> task_accuracy(task, [-1.0, -2.0, -1.0])["accuracy"]
    0.75
    >>> task_accuracy(task, [-1.0, -1.0 - 1e-15, -1.0])["accuracy"]  # ties
    0.5
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(task.filenames),):
        raise ValueError(f"{task.name}: expected {len(task.filenames)} scores, got {scores.shape}")
    scores = written_scores(scores)
    outcomes = pair_outcomes(scores[task.correct_rows], scores[task.wrong_rows])
    per_group = defaultdict(list)
    for group, outcome in zip(task.groups, outcomes):
        per_group[group].append(outcome)
    group_means = {group: float(np.mean(values)) for group, values in per_group.items()}
    result = {
        "accuracy": float(np.mean(list(group_means.values()))),
        "num_pairs": len(outcomes),
        "num_groups": len(group_means),
    }
    if task.name == SYNTACTIC:
        per_type = defaultdict(list)
        for (syntax_type, _, _), mean in group_means.items():
            per_type[syntax_type].append(mean)
        result["by_type"] = {
            syntax_type: float(np.mean(means)) for syntax_type, means in sorted(per_type.items())
        }
    elif task.words is not None:
        result.update(lexical_breakdown(task.words, group_means, vocabulary))
    return result


def write_submission(task, scores, path):
    """Writes the official submission file: ``<filename> <score>`` per line.

    Scores are written with :func:`format_score` (:data:`SCORE_DIGITS`
    significant digits), not ``repr``: the official scorer's fast float
    parser can read two different 17-digit reprs as the same double, while
    distinct 12-digit values read back distinct and in order with any
    parser. :func:`task_accuracy` compares the scores as written, so it
    agrees with the official scorer.

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "lexical" / "dev.txt"
    >>> task = ZeroSpeechTask("lexical", Path("gold.csv"), ["a", "b"], [],
    ...                       np.array([0]), np.array([1]), [("1",)])
    >>> write_submission(task, [-1.5, -1 / 3], path)
    >>> print(path.read_text(), end="")
    a -1.5
    b -0.333333333333
    """
    lines = [
        f"{filename} {format_score(score)}"
        for filename, score in zip(task.filenames, scores, strict=True)
    ]
    write_text_atomically("\n".join(lines) + "\n", path)


def evaluate_zerospeech_task(scorer, task, units_of, submission_path=None, vocabulary=None):
    """Scores every gold item (no prompt) and applies the official protocol.

    Arguments
    ---------
    scorer : LikelihoodScorer
        Gives the score of each item.
    task : ZeroSpeechTask
        From :func:`read_zerospeech`.
    units_of : callable
        ``units_of(list_of_wav_paths) -> list of unit arrays``.
    submission_path : str or Path, optional
        Where to write the official submission file.
    vocabulary : set of str, optional
        Training words for the lexical ``in_vocab`` accuracy
        (:func:`read_vocabulary`).

    Returns
    -------
    dict
        See :func:`task_accuracy` (which compares the scores as written in
        the submission file, whether or not one is written).

    Example
    -------
    >>> from speechbrain_xling.eval.scoring import LikelihoodScorer
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> lm = UnitLM.from_config(config, num_units=16)
    >>> task = ZeroSpeechTask("lexical", Path("gold.csv"), ["w", "n"],
    ...     [Path("w.wav"), Path("n.wav")], np.array([0]), np.array([1]), [("1",)])
    >>> units = {"w.wav": [1, 2, 3], "n.wav": [1, 2, 3]}
    >>> evaluate_zerospeech_task(LikelihoodScorer(lm), task,
    ...                          lambda paths: [units[p.name] for p in paths])
    {'accuracy': 0.5, 'num_pairs': 1, 'num_groups': 1}
    """
    units = units_for_files(units_of, task.wavs, scorer.lm.vocab.num_units)
    scores = scorer.score([units[wav] for wav in task.wavs])
    if submission_path is not None:
        write_submission(task, scores, submission_path)
    return task_accuracy(task, scores, vocabulary)
