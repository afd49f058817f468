"""Spoken StoryCloze (sSC) and TopicCloze (sTC) in four language conditions.

Layout::

    <folder>/cloze.csv      one row per item and condition
    <folder>/wavs/*.wav     prompts, endings and distractors (+ .json sidecars)

``cloze.csv`` has the columns :data:`CLOZE_COLUMNS` (those that
:mod:`speechbrain_xling.eval.cloze` reads), with WAV paths relative to its
folder; a rebuild deletes the WAVs that it no longer lists. Items come from
``benchmark``-split stories (see :mod:`speechbrain_xling.corpora.stories`),
which never occur in training. For each story there is one ``ssc`` and one
``stc`` item, each in the four conditions :data:`CONDITIONS` (prompt language
-> ending language): ``item_id`` (``ssc-0007``) is shared by the conditions
of an item, which are translations of each other; a row is identified by
``(item_id, prompt_lang, ending_lang)``. ``prompt_wav`` is the first four
sentences in ``prompt_lang`` joined by :data:`PROMPT_GAP_SECONDS` of silence;
``correct_wav`` is the true fifth sentence and ``wrong_wav`` the distractor,
both in ``ending_lang``:

* ``ssc``: the story's incompatible ending, i.e. the ending of another
  plot with the story's own characters and object (``Story.wrong_ending``);
* ``stc``: the true ending of a benchmark story of another topic, with the
  same plot when one exists (so that only the topic differs).

Authors
 * speechbrain-xling authors 2026
"""

import json
from pathlib import Path

import numpy as np

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.corpora.benchmark_audio import content_name, place_audio
from speechbrain_xling.corpora.files import read_wav, remove_unlisted, write_csv, write_wav
from speechbrain_xling.corpora.stories import stable_index
from speechbrain_xling.eval.cloze import COLUMNS as CLOZE_COLUMNS
from speechbrain_xling.eval.cloze import LANGUAGE_PAIRS
from speechbrain_xling.eval.cloze import TASKS as CLOZE_TASKS

CONDITIONS = LANGUAGE_PAIRS  # (prompt, ending) languages, as the evaluation reads them
PROMPT_GAP_SECONDS = 0.25


def _topic_distractor(story, stories, seed):
    """A benchmark story of another topic, of the same plot when possible."""
    other_topic = [other for other in stories if other.topic != story.topic]
    same_plot = [other for other in other_topic if other.plot == story.plot]
    candidates = same_plot or other_topic
    if not candidates:
        raise ValueError(
            "TopicCloze needs benchmark stories of at least two topics; ask for more items"
        )
    return candidates[stable_index(f"{seed}-stc-{story.story_id}", len(candidates))]


def cloze_items(stories, seed=0):
    """Cloze items (without audio) for every story, task and condition.

    Arguments
    ---------
    stories : list of Story
        Benchmark stories.
    seed : int
        Seed of the choice of TopicCloze distractor stories.

    Returns
    -------
    list of dict
        Rows with the text columns of :data:`CLOZE_COLUMNS` and
        ``prompt_sentences`` (the four prompt sentences).

    Example
    -------
    >>> from speechbrain_xling.corpora.stories import generate_stories
    >>> stories = generate_stories(16, split="benchmark")
    >>> items = cloze_items(stories)
    >>> len(items) == 16 * len(CLOZE_TASKS) * len(CONDITIONS)
    True
    >>> item = items[0]
    >>> item["item_id"], item["task"], item["prompt_lang"], item["ending_lang"]
    ('ssc-0000', 'ssc', 'en', 'en')
    """
    distractors = {
        "ssc": {story.story_id: story.wrong_ending for story in stories},
        "stc": {
            story.story_id: {
                lang: sentences[-1]
                for lang, sentences in _topic_distractor(story, stories, seed).sentences.items()
            }
            for story in stories
        },
    }
    items = []
    for task in CLOZE_TASKS:
        for prompt_lang, ending_lang in CONDITIONS:
            for index, story in enumerate(stories):
                prompt = story.sentences[prompt_lang][:-1]
                items.append(
                    {
                        "item_id": f"{task}-{index:04d}",
                        "task": task,
                        "prompt_lang": prompt_lang,
                        "ending_lang": ending_lang,
                        "topic": story.topic,
                        "prompt_sentences": prompt,
                        "prompt_text": " ".join(prompt),
                        "correct_text": story.sentences[ending_lang][-1],
                        "wrong_text": distractors[task][story.story_id][ending_lang],
                    }
                )
    return items


def _concatenate(utterances, output_path, gap_seconds):
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


def build_cloze(folder, stories, speaker, seed=0):
    """Builds ``folder/cloze.csv`` and its WAVs (see the module docstring).

    Arguments
    ---------
    folder : str or Path
        Output folder.
    stories : list of Story
        Benchmark stories, of at least two topics.
    speaker : BenchmarkSpeaker
        Speaks the sentences (voice, audio cache, espeak-ng workers).
    seed : int
        Seed of the choice of TopicCloze distractor stories.

    Returns
    -------
    Path
        The CSV file.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
    >>> from speechbrain_xling.corpora.stories import generate_stories
    >>> stories = generate_stories(2, "benchmark")
    >>> root = Path(tempfile.mkdtemp())
    >>> speaker = BenchmarkSpeaker(root / "audio", progress=False)
    >>> csv_path = build_cloze(root / "cloze", stories, speaker)
    >>> (root / "cloze" / "wavs").is_dir(), csv_path.name
    (True, 'cloze.csv')
    """
    folder = Path(folder)
    wav_folder = folder / "wavs"
    items = cloze_items(stories, seed)
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
        stems = (source.wav.stem for source in sources)
        prompt_name = content_name(PROMPT_GAP_SECONDS, *stems) + ".wav"
        if not (wav_folder / prompt_name).with_suffix(".json").exists():
            _concatenate(sources, wav_folder / prompt_name, PROMPT_GAP_SECONDS)
        row = {column: item[column] for column in CLOZE_COLUMNS if column in item}
        row["prompt_wav"] = f"wavs/{prompt_name}"
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
