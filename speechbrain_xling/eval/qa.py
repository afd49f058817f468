"""Spoken question answering about a story, by likelihood, in four language conditions.

Manifest ``qa.csv`` (one comparison per row; written by
:mod:`speechbrain_xling.corpora.qa_benchmark`)::

    item_id,story_id,kind,question_lang,answer_lang,topic,
    context_wav,question_wav,answer_wav,wrong_wav,
    context_text,question_text,answer_text,wrong_text,short_answer,wrong_short_answer

The model hears the story (``context_wav``, optional), then a question about
it (``question_wav``), and must give the correct answer (``answer_wav``) a
higher likelihood than the wrong one (``wrong_wav``, the same sentence with
another entity or event): only the answer is scored, after ``EOS || context
|| question`` (the convention of :mod:`speechbrain_xling.eval.scoring`). The
context and the question are encoded apart and their units read one after
the other. The context is in the question's language; the condition of a
row is named as the cloze's (:func:`~speechbrain_xling.eval.cloze.condition_name`,
question language first): ``EN``, ``FR``, ``EN->FR``, ``FR->EN``.

Required columns: :data:`REQUIRED_COLUMNS`. The others (:data:`COLUMNS`) may
be absent or empty: a manifest without ``context_wav`` is asked without the
story only (``with_context=False``). ``kind`` (``who``, ``what``, ``color``,
``where``, ``what_happened`` in the mini-corpus) is any non-empty label;
accuracies are counted per kind as well as over all items. Wav paths are
relative to the CSV's folder (or absolute); ``(item_id, condition)`` must be
unique.

Two evaluations read the items:

* :func:`evaluate_spoken_qa`: spoken question, spoken answers (S->S; any
  model, a speech-text one reads the units after ``[SPEECH]``);
* :func:`evaluate_text_answer_qa`: spoken question, written answers (S->T;
  speech-text models): the model reads ``EOS [SPEECH] context question
  [TEXT]`` and the answer's text ids are scored.

A model fine-tuned with answer-language markers (its vocabulary's
``languages``, see :mod:`speechbrain_xling.data.chain_of_modality`) reads
the answer's marker after the question, as it was trained to
(``... question [FR] [TEXT]``): the prompts are written by
:func:`~speechbrain_xling.data.chain_of_modality.speech_prompt`, the same
function that writes the training documents and the generation prompts.

Both return the tables of :func:`qa_tables`, shaped as the cloze's
(``accuracy[group][condition]``, groups ``all`` and each kind).

Authors
 * speechbrain-xling authors 2026
"""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from speechbrain_xling.data.chain_of_modality import speech_prompt
from speechbrain_xling.eval.asr_tts import character_error_rate
from speechbrain_xling.eval.chain_generation import (
    chunk_consistency,
    exact_match,
    generate_answer,
    normalise_text,
)
from speechbrain_xling.eval.cloze import accuracy_tables, condition_name
from speechbrain_xling.eval.cross_modal import modality_id_range
from speechbrain_xling.eval.files import (
    BenchmarkFormatError,
    read_csv_rows,
    resolve_audio,
    units_for_files,
)

COLUMNS = (
    "item_id",
    "story_id",
    "kind",
    "question_lang",
    "answer_lang",
    "topic",
    "context_wav",
    "question_wav",
    "answer_wav",
    "wrong_wav",
    "context_text",
    "question_text",
    "answer_text",
    "wrong_text",
    "short_answer",
    "wrong_short_answer",
)
OPTIONAL_COLUMNS = (
    "story_id",
    "topic",
    "context_wav",
    "context_text",
    "short_answer",
    "wrong_short_answer",
)
REQUIRED_COLUMNS = tuple(column for column in COLUMNS if column not in OPTIONAL_COLUMNS)
# The item's fields read as they are (stripped; '' when absent).
_TEXT_FIELDS = (
    "story_id",
    "topic",
    "context_text",
    "question_text",
    "answer_text",
    "wrong_text",
    "short_answer",
    "wrong_short_answer",
)
# The group of the tables that counts every item, whatever its kind.
ALL_KINDS = "all"


@dataclass(frozen=True)
class SpokenQAItem:
    """One comparison: (a story and) a question, its answer and a wrong answer.

    ``context_wav`` is ``None`` when the manifest gives no story. The texts
    (empty when the manifest has none) are what the written-answer
    evaluation reads (:func:`evaluate_text_answer_qa`).
    """

    item_id: str
    kind: str
    condition: str
    question_wav: Path
    answer_wav: Path
    wrong_wav: Path
    context_wav: Path = None
    story_id: str = ""
    topic: str = ""
    context_text: str = ""
    question_text: str = ""
    answer_text: str = ""
    wrong_text: str = ""
    short_answer: str = ""
    wrong_short_answer: str = ""
    answer_lang: str = ""

    def describe(self):
        """How errors name the item.

        Example
        -------
        >>> SpokenQAItem("s1-who", "who", "EN->FR", *[Path("x.wav")] * 3).describe()
        "QA item 's1-who' (who, EN->FR)"
        """
        return f"QA item {self.item_id!r} ({self.kind}, {self.condition})"


def _cell(row, column):
    """The stripped value of an optional column ('' when absent or empty)."""
    return (row.get(column) or "").strip()


def read_qa(csv_path):
    """Reads and checks a ``qa.csv`` manifest (see the module docstring).

    Every audio file named must exist, ``kind`` and the two languages must be
    given and ``(item_id, condition)`` must be unique; errors name the file
    and the line.

    Returns
    -------
    list of SpokenQAItem

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("s", "q", "a", "w"):
    ...     _ = (folder / f"{name}.wav").write_bytes(b"")
    >>> rows = [",".join(COLUMNS),
    ...         "s1-who,s1,who,en,fr,farm,s.wav,q.wav,a.wav,w.wav,,Who?,La poule.,Le chat.,,",
    ...         "s1-who,s1,who,fr,fr,farm,,q.wav,a.wav,w.wav,,,,,,"]
    >>> _ = (folder / "qa.csv").write_text("\\n".join(rows) + "\\n")
    >>> first, second = read_qa(folder / "qa.csv")
    >>> first.condition, first.context_wav.name, first.answer_text
    ('EN->FR', 's.wav', 'La poule.')
    >>> second.condition, second.context_wav
    ('FR', None)
    """
    csv_path = Path(csv_path)
    items, first_line = [], {}
    for line, row in read_csv_rows(csv_path, REQUIRED_COLUMNS):
        where = f"{csv_path}, line {line}"
        langs = (row["question_lang"].strip(), row["answer_lang"].strip())
        if not all(langs):
            raise BenchmarkFormatError(f"{where}: question_lang and answer_lang are required")
        if not row["kind"].strip():
            raise BenchmarkFormatError(f"{where}: kind is required")
        context = _cell(row, "context_wav")
        item = SpokenQAItem(
            item_id=row["item_id"],
            kind=row["kind"].strip(),
            condition=condition_name(*langs),
            context_wav=resolve_audio(context, csv_path, line, "context_wav") if context else None,
            **{
                column: resolve_audio(row[column], csv_path, line, column)
                for column in ("question_wav", "answer_wav", "wrong_wav")
            },
            **{field: _cell(row, field) for field in _TEXT_FIELDS},
            answer_lang=langs[1],
        )
        key = (item.item_id, item.condition)
        if key in first_line:
            raise BenchmarkFormatError(
                f"{where}: item {item.item_id!r} ({item.condition}) already on line "
                f"{first_line[key]}"
            )
        first_line[key] = line
        items.append(item)
    return items


def qa_tables(items, outcomes):
    """Accuracy tables of per-item outcomes: over all items and per kind.

    Returns
    -------
    dict
        ``{"accuracy": {group: {condition: float}}, "num_items": {group:
        {condition: int}}}``, the shape of
        :func:`~speechbrain_xling.eval.cloze.evaluate_cloze`'s tables with
        the groups :data:`ALL_KINDS` and each kind in place of the tasks.

    Example
    -------
    >>> items = [SpokenQAItem(f"s{n}-{kind}", kind, "EN", *[Path("x.wav")] * 3)
    ...          for n, kind in enumerate(("who", "who", "where"))]
    >>> tables = qa_tables(items, [1.0, 0.5, 0.0])
    >>> tables["accuracy"]
    {'all': {'EN': 0.5}, 'where': {'EN': 0.0}, 'who': {'EN': 0.75}}
    >>> tables["num_items"]["all"]
    {'EN': 3}
    """
    outcomes = list(outcomes)
    if len(outcomes) != len(items):
        raise ValueError(f"got {len(outcomes)} outcomes for {len(items)} QA items")
    grouped = defaultdict(list)
    for item, outcome in zip(items, outcomes):
        grouped[ALL_KINDS, item.condition].append(outcome)
        grouped[item.kind, item.condition].append(outcome)
    return accuracy_tables(grouped)


def _question_paths(items, with_context):
    """The audio paths read before each answer: (context,) question."""
    paths = []
    for item in items:
        if with_context and item.context_wav is None:
            raise ValueError(
                f"{item.describe()} has no context_wav: evaluate it with with_context=False"
            )
        question = (item.question_wav,)
        paths.append((item.context_wav, *question) if with_context else question)
    return paths


def _units(items, units_of, num_units, with_context, spoken_answers):
    """``(prompts, {path: units})``: each item's (context and) question units
    one after the other, and the units of every file read (the answers' too
    with ``spoken_answers``), each file encoded once."""
    question_paths = _question_paths(items, with_context)
    paths = [path for paths in question_paths for path in paths]
    if spoken_answers:
        paths += [path for item in items for path in (item.answer_wav, item.wrong_wav)]
    units = units_for_files(units_of, paths, num_units)
    prompts = [np.concatenate([units[path] for path in paths]) for paths in question_paths]
    return prompts, units


def _prompt_ids(vocab, items, prompts):
    """Each item's prompt in vocabulary ids (``[SPEECH] units [LANG]``, see
    :func:`~speechbrain_xling.data.chain_of_modality.speech_prompt`): the
    answer's language marker ends it when the vocabulary has markers."""
    written = []
    for item, units in zip(items, prompts):
        try:
            written.append(
                speech_prompt(
                    vocab, units, answer_lang=item.answer_lang if vocab.languages else None
                ).tolist()
            )
        except ValueError as error:
            raise ValueError(f"{item.describe()}: {error}") from None
    return written


def evaluate_spoken_qa(scorer, items, units_of, with_context=True):
    """Accuracy of a model on spoken QA (spoken answers), per kind and condition.

    Arguments
    ---------
    scorer : LikelihoodScorer
        Scores each answer after its (context and) question.
    items : list of SpokenQAItem
        From :func:`read_qa`.
    units_of : callable
        ``units_of(list_of_wav_paths) -> list of unit arrays``.
    with_context : bool
        Read the story before the question (every item needs a
        ``context_wav``); False: the question alone.

    Returns
    -------
    dict
        :func:`qa_tables`: a pair counts 1 when the correct answer scores
        higher, 0.5 on a tie. All comparisons are scored in one batch.

    Example
    -------
    >>> from speechbrain_xling.eval.scoring import LikelihoodScorer
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> lm = UnitLM.from_config(config, num_units=16)
    >>> item = SpokenQAItem("s1-who", "who", "EN->FR", Path("q.wav"), Path("a.wav"),
    ...                     Path("w.wav"), context_wav=Path("s.wav"))
    >>> units = {"s.wav": [1, 2], "q.wav": [3], "a.wav": [4, 5], "w.wav": [4, 5]}
    >>> result = evaluate_spoken_qa(LikelihoodScorer(lm), [item],
    ...                             lambda paths: [units[p.name] for p in paths])
    >>> result["accuracy"]  # identical answers: a tie
    {'all': {'EN->FR': 0.5}, 'who': {'EN->FR': 0.5}}
    """
    vocab = scorer.lm.vocab
    prompts, units = _units(items, units_of, vocab.num_units, with_context, True)
    outcomes = scorer.compare_tokens(
        correct=[vocab.unit_ids(units[item.answer_wav]) for item in items],
        wrong=[vocab.unit_ids(units[item.wrong_wav]) for item in items],
        contexts=[[vocab.eos, *prompt] for prompt in _prompt_ids(vocab, items, prompts)],
    )
    return qa_tables(items, outcomes)


def _answer_ids(tokenizer, item, field):
    """Text ids of one of the item's written answers."""
    text = getattr(item, field)
    if not text:
        raise ValueError(f"{item.describe()} has no {field}: the written answers need their texts")
    return list(tokenizer.encode(text, f"{item.describe()} {field}"))


def evaluate_text_answer_qa(
    scorer, items, units_of, text_tokenizer, with_context=True, mask_other_modality=False
):
    """Accuracy of a speech-text model on spoken questions with written answers (S->T).

    The model reads ``EOS [SPEECH] (context) question ([LANG]) [TEXT]`` and
    the text ids of each answer are scored after it.

    Arguments
    ---------
    scorer : LikelihoodScorer
        Over a model with a :class:`SpeechTextVocabulary`.
    items : list of SpokenQAItem
        From :func:`read_qa` (with ``answer_text`` and ``wrong_text``).
    units_of : callable
        ``units_of(list_of_wav_paths) -> list of unit arrays``.
    text_tokenizer : TextTokenizer
        The model's text tokenizer.
    with_context : bool
        Read the spoken story before the question.
    mask_other_modality : bool
        Score the answers under the softmax over the text ids only (as
        :func:`~speechbrain_xling.eval.cross_modal.evaluate_cross_modal_cloze`);
        False (default): over the whole vocabulary.

    Returns
    -------
    dict
        :func:`qa_tables`. All comparisons are scored in one batch.
    """
    vocab = scorer.lm.vocab
    if not hasattr(vocab, "text_marker"):
        raise ValueError(f"written answers need a speech-text model, not {vocab!r}")
    correct = [_answer_ids(text_tokenizer, item, "answer_text") for item in items]
    wrong = [_answer_ids(text_tokenizer, item, "wrong_text") for item in items]
    prompts = _units(items, units_of, vocab.num_units, with_context, False)[0]
    contexts = [
        [vocab.eos, *prompt, vocab.text_marker] for prompt in _prompt_ids(vocab, items, prompts)
    ]
    allowed = [modality_id_range(vocab, "T")] * len(items) if mask_other_modality else None
    outcomes = scorer.compare_tokens(correct, wrong, contexts, allowed)
    return qa_tables(items, outcomes)


def _first_items_per_condition(items, per_condition):
    """The first ``per_condition`` items of each condition, in manifest order."""
    taken, counts = [], defaultdict(int)
    for item in items:
        if counts[item.condition] < per_condition:
            counts[item.condition] += 1
            taken.append(item)
    return taken


def evaluate_generated_qa(
    lm, items, units_of, text_tokenizer, per_condition=10, max_chunk_tokens=128, with_context=True
):
    """Answers generated as a chain of modalities, scored against the references.

    For the first ``per_condition`` items of each condition, the model reads
    ``EOS [SPEECH] (context) question ([LANG])`` and writes its answer greedily as a
    ``chain`` (:func:`~speechbrain_xling.eval.chain_generation.generate_answer`:
    text chunk, its speech, text chunk, ...; at most 4 chunks of
    ``max_chunk_tokens``). Per condition (question language first, as the
    likelihood tables):

    * ``exact_match``: share of answers whose text equals the reference
      answer (:func:`~speechbrain_xling.eval.chain_generation.exact_match`:
      case, punctuation and spacing ignored);
    * ``short_answer``: share whose text contains the reference's key
      phrase (``short_answer``: the character, object, colour or place asked
      for), a looser reading of the same answers;
    * ``answer_language``: share of answers written in the language asked
      for: closer (CER) to the reference than to the same item's answer in
      another language (a row of the manifest with the same ``item_id`` and
      another ``answer_lang``; a tie counts half; conditions whose items
      have no such row get no value). A proxy that reads language and
      content together: an answer in the right language about something
      else may fall closer to the other language's reference. Without an
      answer-language cue a model answers an EN question the same whatever
      language is asked;
    * ``chunk_cer``: the CER of each speech chunk's transcript (the same
      model's ASR) against the text chunk before it, over all the
      condition's chunks (:func:`~speechbrain_xling.eval.chain_generation.chunk_consistency`);
      lower is better: the speech says what the text said;
    * ``seconds_to_first_unit`` and ``seconds_to_end``: means over the answers.

    Arguments
    ---------
    lm : UnitLM
        A speech-text model.
    items : list of SpokenQAItem
        From :func:`read_qa` (with ``answer_text``).
    units_of : callable
        ``units_of(list_of_wav_paths) -> list of unit arrays``.
    text_tokenizer : TextTokenizer
        The model's text tokenizer.
    per_condition : int
        Items generated per condition (generation is slow on a CPU).
    max_chunk_tokens : int
        Most tokens of one chunk.
    with_context : bool
        Read the spoken story before the question.

    Returns
    -------
    dict
        ``{metric: {condition: value}}`` for the metrics above, plus
        ``num_items`` and ``answers`` (per item: condition, reference and
        generated text).
    """
    vocab = lm.vocab
    if not hasattr(vocab, "text_marker"):
        raise ValueError(f"generated answers need a speech-text model, not {vocab!r}")
    answers_by_language = defaultdict(dict)  # item_id -> {answer_lang: answer_text}
    for item in items:
        if item.answer_text:
            answers_by_language[item.item_id][item.answer_lang] = item.answer_text
    items = _first_items_per_condition(items, per_condition)
    for item in items:
        if not item.answer_text:
            raise ValueError(f"{item.describe()} has no answer_text: generated answers need it")
    prompts = _units(items, units_of, vocab.num_units, with_context, False)[0]
    per_condition_values = defaultdict(lambda: defaultdict(list))
    pairs, answers = defaultdict(lambda: ([], [])), []
    for item, prompt in zip(items, _prompt_ids(vocab, items, prompts)):
        answer = generate_answer(lm, prompt, "chain", max_chunk_tokens, max_chunks=4)
        text = text_tokenizer.decode(list(answer.text_ids))
        values = per_condition_values[item.condition]
        values["exact_match"].append(float(exact_match(text, item.answer_text)))
        key = normalise_text(item.short_answer)
        values["short_answer"].append(float(bool(key) and key in normalise_text(text)))
        others = [
            answer
            for lang, answer in answers_by_language[item.item_id].items()
            if lang != item.answer_lang
        ]
        if others:
            asked = character_error_rate([item.answer_text], [text])
            other = min(character_error_rate([answer], [text]) for answer in others)
            values["answer_language"].append(float(asked < other) + 0.5 * (asked == other))
        values["seconds_to_first_unit"].append(answer.time_to_first_unit or answer.time_to_end)
        values["seconds_to_end"].append(answer.time_to_end)
        for pair in chunk_consistency(lm, answer.chunks, text_tokenizer)["pairs"]:
            if pair["cer"] is not None:
                pairs[item.condition][0].append(pair["text"])
                pairs[item.condition][1].append(pair["transcript"])
        answers.append(
            {
                "item_id": item.item_id,
                "condition": item.condition,
                "reference": item.answer_text,
                "generated": text,
            }
        )
    result = defaultdict(dict)
    for condition, values in per_condition_values.items():
        for metric, numbers in values.items():
            result[metric][condition] = float(np.mean(numbers))
        texts, transcripts = pairs[condition]
        result["chunk_cer"][condition] = character_error_rate(texts, transcripts) if texts else None
        result["num_items"][condition] = len(values["exact_match"])
    return {**result, "answers": answers}
