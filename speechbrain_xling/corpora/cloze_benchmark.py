"""Spoken StoryCloze (sSC) and TopicCloze (sTC) in role-swapped pairs.

Layout::

    <folder>/cloze.csv      one row per item, condition and control
    <folder>/wavs/*.wav     prompts, endings and distractors (+ .json sidecars)

``cloze.csv`` has the columns :data:`CLOZE_COLUMNS` (those that
:mod:`speechbrain_xling.eval.cloze` reads), with WAV paths relative to its
folder; a rebuild deletes the WAVs that it no longer lists.

Items come from ``benchmark`` stories
(:mod:`speechbrain_xling.corpora.stories`): held-out entities *and* held-out
structures (event, position, paraphrase), the event at least two sentences
before the ending, no consequence told. They come in **role-swapped pairs**
of two stories A and B: item A asks for A's ending against B's, item B for
B's ending against A's, so every ending is once correct and once wrong and a
model that ignores the prompt scores exactly 50%. The tasks differ in how
the two stories of a pair relate:

* ``ssc``: same cast, tense and topic, two different events of the same
  valence (so a reaction sentence does not tell them apart);
* ``stc``: two topics, two different events (the paper's distractor: the
  ending of a story of another topic);
* ``stc_same_event``: two topics, the same event (only the topic tells the
  endings apart).

TopicCloze endings always name someone or something of their story's cast,
so that they carry its topic.

Each item is written in the four language conditions :data:`CONDITIONS`
(prompt language -> ending language; translations of each other) and with
three prompts, the ``control`` column (:data:`CONTROLS`):

* ``full``: every sentence before the ending, joined by
  :data:`PROMPT_GAP_SECONDS` of silence;
* ``last_sentence``: only the sentence right before the ending;
* ``no_cue``: the full prompt with the event replaced by an unused neutral
  sentence (:func:`~speechbrain_xling.corpora.stories.cue_neutralised_parts`).

A model that understands the story scores well on ``full`` and near 50% on
both controls; one that decides from the last sentence keeps its score on
``last_sentence``. ``item_id`` (``ssc-0007``) is shared by the conditions
and controls of an item; items ``2k`` and ``2k + 1`` form a pair.

Authors
 * speechbrain-xling authors 2026
"""

import json
import random
from pathlib import Path

import numpy as np

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.corpora.benchmark_audio import content_name, place_audio
from speechbrain_xling.corpora.files import read_wav, remove_unlisted, write_csv, write_wav
from speechbrain_xling.corpora.lexicon import TOPICS
from speechbrain_xling.corpora.stories import (
    TENSES,
    cue_neutralised_parts,
    draw_cast,
    make_story,
    plan_story,
    render_plan,
)
from speechbrain_xling.corpora.templates import EVENTS
from speechbrain_xling.eval.cloze import COLUMNS as CLOZE_COLUMNS
from speechbrain_xling.eval.cloze import CONTROLS, LANGUAGE_PAIRS
from speechbrain_xling.eval.cloze import TASKS as CLOZE_TASKS

CONDITIONS = LANGUAGE_PAIRS  # (prompt, ending) languages, as the evaluation reads them
PROMPT_GAP_SECONDS = 0.25


def _pair_events(rng, task):
    """The events of stories A and B of one pair of ``task``."""
    first = rng.choice(list(EVENTS))
    if task == "stc_same_event":
        return first, first
    others = [name for name in EVENTS if name != first]
    if task == "ssc":
        others = [name for name in others if EVENTS[name].valence == EVENTS[first].valence]
    return first, rng.choice(others)


def story_pairs(task, num_pairs, seed=0):
    """The role-swapped story pairs of one task (see the module docstring).

    Pairs are dealt round-robin over the topics of story A; pair ``i`` is
    drawn from its own random generator, so the first pairs do not depend on
    how many are asked for.

    Example
    -------
    >>> first, second = story_pairs("ssc", 1)[0]
    >>> first.plan.cast == second.plan.cast, first.event != second.event
    (True, True)
    >>> first, second = story_pairs("stc_same_event", 1)[0]
    >>> first.topic != second.topic, first.event == second.event
    (True, True)
    """
    if task not in CLOZE_TASKS:
        raise ValueError(f"Unknown task {task!r}; expected one of {CLOZE_TASKS}")
    topic_names = sorted(TOPICS)
    pairs = []
    for index in range(num_pairs):
        rng = random.Random(f"{seed}-{task}-{index}")
        tense = rng.choice(TENSES)
        topic = topic_names[index % len(topic_names)]
        first_cast = draw_cast(rng, topic, "benchmark")
        if task == "ssc":
            second_cast = first_cast
        else:
            other_topic = rng.choice([name for name in topic_names if name != topic])
            second_cast = draw_cast(rng, other_topic, "benchmark")
        events = _pair_events(rng, task)
        pairs.append(
            tuple(
                make_story(
                    f"{task}-{2 * index + side:04d}",
                    plan_story(rng, "benchmark", cast, event, tense, task != "ssc"),
                )
                for side, (cast, event) in enumerate(zip((first_cast, second_cast), events))
            )
        )
    return pairs


def _prompts(story):
    """``{control: {lang: prompt sentences}}`` of one story."""
    no_cue = render_plan(story.plan, cue_neutralised_parts(story.plan))
    return {
        "full": {lang: sentences[:-1] for lang, sentences in story.sentences.items()},
        "last_sentence": {lang: sentences[-2:-1] for lang, sentences in story.sentences.items()},
        "no_cue": {lang: sentences[:-1] for lang, sentences in no_cue.items()},
    }


def cloze_items(num_items, seed=0):
    """Cloze items (without audio) for every task, condition and control.

    Arguments
    ---------
    num_items : int
        Items per task, condition and control, rounded up to an even number
        (items come in pairs).
    seed : int
        Seed of the stories.

    Returns
    -------
    list of dict
        Rows with the text columns of :data:`CLOZE_COLUMNS` and
        ``prompt_sentences`` (the prompt's sentences).

    Example
    -------
    >>> items = cloze_items(2)
    >>> len(items) == 2 * len(CLOZE_TASKS) * len(CONDITIONS) * len(CONTROLS)
    True
    >>> first, second = [item for item in items
    ...                  if (item["task"], item["prompt_lang"], item["ending_lang"],
    ...                      item["control"]) == ("ssc", "en", "fr", "full")]
    >>> first["correct_text"] == second["wrong_text"], first["item_id"]
    (True, 'ssc-0000')
    """
    items = []
    for task in CLOZE_TASKS:
        for pair in story_pairs(task, -(-num_items // 2), seed):
            for story, other in (pair, pair[::-1]):
                prompts = _prompts(story)
                for prompt_lang, ending_lang in CONDITIONS:
                    for control in CONTROLS:
                        sentences = prompts[control][prompt_lang]
                        items.append(
                            {
                                "item_id": story.story_id,
                                "task": task,
                                "prompt_lang": prompt_lang,
                                "ending_lang": ending_lang,
                                "topic": story.topic,
                                "prompt_sentences": sentences,
                                "prompt_text": " ".join(sentences),
                                "correct_text": story.sentences[ending_lang][-1],
                                "wrong_text": other.sentences[ending_lang][-1],
                                "control": control,
                            }
                        )
    return items


def _concatenate_utterances(utterances, output_path, gap_seconds):
    """Writes the utterances one after another with silence between them.

    The sidecar of the result lists the phonemes of all the utterances.
    """
    pieces = []
    sample_rate = None
    for path in (utterance.wav for utterance in utterances):
        samples, rate = read_wav(path)
        if sample_rate not in (None, rate):
            raise ValueError(f"{path}: sample rate {rate} != {sample_rate}")
        sample_rate = rate
        if pieces:
            pieces.append(np.zeros(round(gap_seconds * rate), dtype=np.int16))
        pieces.append(samples)
    write_wav(output_path, np.concatenate(pieces), sample_rate)
    sidecar = {"phonemes": " ".join(utterance.phonemes for utterance in utterances)}
    with atomic_path(Path(output_path).with_suffix(".json")) as tmp_path:
        tmp_path.write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")


def joined_utterances(utterances, wav_folder):
    """The utterances joined by :data:`PROMPT_GAP_SECONDS` of silence in
    ``wav_folder``, named by content (written once); returns the file name."""
    name = content_name(PROMPT_GAP_SECONDS, *(u.wav.stem for u in utterances)) + ".wav"
    if not (wav_folder / name).with_suffix(".json").exists():
        _concatenate_utterances(utterances, wav_folder / name, PROMPT_GAP_SECONDS)
    return name


def build_cloze(folder, num_items, speaker, seed=0):
    """Builds ``folder/cloze.csv`` and its WAVs (see the module docstring).

    Arguments
    ---------
    folder : str or Path
        Output folder.
    num_items : int
        Items per task, condition and control (rounded up to even).
    speaker : BenchmarkSpeaker
        Speaks the sentences (voice, audio cache, espeak-ng workers).
    seed : int
        Seed of the stories.

    Returns
    -------
    Path
        The CSV file.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
    >>> root = Path(tempfile.mkdtemp())
    >>> speaker = BenchmarkSpeaker(root / "audio", progress=False)
    >>> csv_path = build_cloze(root / "cloze", 2, speaker)
    >>> (root / "cloze" / "wavs").is_dir(), csv_path.name
    (True, 'cloze.csv')
    """
    folder = Path(folder)
    wav_folder = folder / "wavs"
    items = cloze_items(num_items, seed)
    needed = []
    for item in items:
        needed += [(text, item["prompt_lang"]) for text in item["prompt_sentences"]]
        needed += [
            (item["correct_text"], item["ending_lang"]),
            (item["wrong_text"], item["ending_lang"]),
        ]
    audio = speaker.speak(needed)
    rows = []
    for item in items:
        sources = [audio[text, item["prompt_lang"]] for text in item["prompt_sentences"]]
        row = {column: item[column] for column in CLOZE_COLUMNS if column in item}
        row["prompt_wav"] = f"wavs/{joined_utterances(sources, wav_folder)}"
        for column in ("correct", "wrong"):
            source = audio[item[f"{column}_text"], item["ending_lang"]]
            place_audio(source, wav_folder / source.wav.name)
            row[f"{column}_wav"] = f"wavs/{source.wav.name}"
        rows.append(row)
    remove_unlisted(
        wav_folder,
        {
            Path(row[column]).name
            for row in rows
            for column in CLOZE_COLUMNS
            if column.endswith("_wav")
        },
    )
    write_csv(folder / "cloze.csv", CLOZE_COLUMNS, rows)
    return folder / "cloze.csv"
