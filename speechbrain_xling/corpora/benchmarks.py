"""Mini spoken benchmarks built from held-out stories, one fixed voice.

Layout under one benchmark root::

    <root>/cloze/cloze.csv                  spoken StoryCloze and TopicCloze
    <root>/cloze/wavs/*.wav
    <root>/zerospeech_en/lexical/dev/*.wav  sWUGGY-like, ZeroSpeech 2021 layout
    <root>/zerospeech_en/lexical/dev/gold.csv
    <root>/zerospeech_en/syntactic/dev/*.wav  sBLiMP-like, ZeroSpeech 2021 layout
    <root>/zerospeech_en/syntactic/dev/gold.csv
    <root>/zerospeech_fr/...                (same, in French)
    <root>/alignment/alignment.csv          aligned EN-FR sentence pairs
    <root>/alignment/wavs/*.wav

WAV files are mono 16-bit PCM at 22,050 Hz, named by a content hash. Paths in
``cloze.csv`` and ``alignment.csv`` are relative to the CSV's folder; a
rebuild deletes the WAVs of a folder that its CSV no longer lists.

Cloze (``cloze.csv``)
    Columns :data:`CLOZE_COLUMNS`. Items come from ``benchmark``-split stories
    (see :mod:`speechbrain_xling.corpora.stories`), which never occur in
    training. For each story there is one ``ssc`` and one ``stc`` item, each
    in the four conditions :data:`CONDITIONS` (prompt language -> ending
    language): ``item_id`` (``ssc-0007``) is shared by the conditions of an
    item, which are translations of each other; a row is identified by
    ``(item_id, prompt_lang, ending_lang)``. ``prompt_wav`` is the first four
    sentences in ``prompt_lang`` joined by 0.25 s of silence; ``correct_wav``
    is the true fifth sentence and ``wrong_wav`` the distractor, both in
    ``ending_lang``:

    * ``ssc``: the story's incompatible ending, i.e. the ending of another
      plot with the story's own characters and object (``Story.wrong_ending``);
    * ``stc``: the true ending of a benchmark story of another topic, with the
      same plot when one exists (so that only the topic differs).

Lexical (``lexical/dev/gold.csv``)
    Columns :data:`LEXICAL_COLUMNS`, ZeroSpeech 2021 sWUGGY layout: each
    ``id`` has a real word (``correct`` 1) and a nonce word (``correct`` 0)
    with the same ``voice``. Real words are story words heard in the training
    stories that have two syllables or more (:func:`is_lexical_candidate`),
    so a language has at most ~50-80 pairs; ``frequency`` is the real word's
    count in the training text (on both rows). A nonce word changes one letter
    of the real word (vowels tried first, then consonants, in a fixed order)
    and is kept when espeak-ng pronounces it with the same number of phones,
    exactly one of them different, and when neither its spelling nor its
    pronunciation is a word of the story vocabulary (nor one of
    :data:`KNOWN_REAL_WORDS`). ``phones`` are
    space-separated IPA phones and ``length`` their number.

Syntactic (``syntactic/dev/gold.csv``)
    Columns :data:`SYNTACTIC_COLUMNS`, ZeroSpeech 2021 sBLiMP layout: the
    grammatical sentence (``correct`` 1) and its ungrammatical twin
    (``correct`` 0) are consecutive rows sharing ``id``, correct row first.
    Types and subtypes are listed in :data:`SYNTACTIC_TEMPLATES`; the
    sentences use the story vocabulary, and a pair is kept only when the two
    sentences are pronounced differently.

Alignment (``alignment.csv``)
    Columns :data:`ALIGNMENT_COLUMNS`: distinct EN-FR sentence pairs
    (translations of each other) from benchmark stories.

Authors
 * speechbrain-xling authors 2026
"""

import hashlib
import json
import logging
import random
import re
from collections import Counter
from pathlib import Path

import numpy as np

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.corpora.files import (
    link_or_copy,
    read_wav,
    remove_unlisted,
    write_csv,
    write_wav,
)
from speechbrain_xling.corpora.stories import (
    COLORS,
    LANGUAGES,
    TOPICS,
    Noun,
    StoryKey,
    generate_stories,
    render_template,
    sentence_slots,
    stable_index,
    story_vocabulary,
    words,
)
from speechbrain_xling.corpora.tts import (
    BENCHMARK_VOICE,
    Utterance,
    phonemize,
    synthesize,
)
from speechbrain_xling.eval.cloze import COLUMNS as CLOZE_COLUMNS
from speechbrain_xling.eval.cloze import TASKS as CLOZE_TASKS

logger = logging.getLogger(__name__)

LEXICAL_COLUMNS = (
    "filename",
    "id",
    "voice",
    "frequency",
    "word",
    "phones",
    "length",
    "correct",
)
SYNTACTIC_COLUMNS = (
    "filename",
    "id",
    "voice",
    "type",
    "subtype",
    "correct",
    "transcription",
)
ALIGNMENT_COLUMNS = ("pair_id", "en_wav", "fr_wav", "en_text", "fr_text")
CONDITIONS = (("en", "en"), ("fr", "fr"), ("en", "fr"), ("fr", "en"))
PROMPT_GAP_SECONDS = 0.25
MIN_LEXICAL_WORD_LETTERS = 4
_VOWEL_LETTERS = "aeiouyàâéèêëîïôûù"
_NONCE_VOWELS = "aeiou"
_NONCE_CONSONANTS = "bdfgklmnprstv"
_PHONEMIZE_ROUND = 8
# Real words outside the story vocabulary that one-letter changes of story
# words produce, found by reviewing the generated nonce words; they are
# rejected as nonce words.
KNOWN_REAL_WORDS = {"en": frozenset({"even"}), "fr": frozenset({"omis"})}
_SYNTACTIC_DRAWS_PER_PAIR = 20

# (type, subtype, grammatical template, ungrammatical template); the slots
# are those of stories.sentence_slots plus the ones of _syntactic_slots.
SYNTACTIC_TEMPLATES = {
    "en": (
        (
            "agreement",
            "subject_verb_singular",
            "{the_c} loses {his} {color} {o}.",
            "{the_c} lose {his} {color} {o}.",
        ),
        (
            "agreement",
            "subject_verb_plural",
            "{a_c} and {a_f} are friends {place}.",
            "{a_c} and {a_f} is friends {place}.",
        ),
        (
            "word_order",
            "adjective_noun",
            "{the_c} loses {his} {color} {o}.",
            "{the_c} loses {his} {o} {color}.",
        ),
        (
            "word_order",
            "verb_object",
            "{the_f} fixes the {o}.",
            "{the_f} the {o} fixes.",
        ),
    ),
    "fr": (
        (
            "agreement",
            "subject_verb_singular",
            "{le_c} perd {son_o_color}.",
            "{le_c} perdent {son_o_color}.",
        ),
        (
            "agreement",
            "subject_verb_plural",
            "{un_c} et {un_f} sont {friends} {place}.",
            "{un_c} et {un_f} est {friends} {place}.",
        ),
        (
            "agreement",
            "determiner_gender",
            "{le_c} perd {son_o_color}.",
            "{le_c_wrong_gender} perd {son_o_color}.",
        ),
        (
            "agreement",
            "adjective_gender",
            "{le_c} perd {son_o_color}.",
            "{le_c} perd {son_o_wrong_color}.",
        ),
        (
            "word_order",
            "adjective_noun",
            "{le_c} perd {son_o_color}.",
            "{le_c} perd {son_color_o}.",
        ),
        (
            "word_order",
            "verb_object",
            "{le_f} répare {le_o}.",
            "{le_f} {le_o} répare.",
        ),
    ),
}


def _content_name(*parts):
    """An opaque, stable file stem for the given parts."""
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _speak(texts_and_langs, cache_dir, voice, num_workers, progress):
    """Synthesises ``(text, lang)`` pairs; returns them mapped to results."""
    unique = list(dict.fromkeys(texts_and_langs))
    results = synthesize(
        [Utterance(text, lang, voice) for text, lang in unique],
        cache_dir,
        num_workers=num_workers,
        progress=progress,
    )
    return dict(zip(unique, results))


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


def _place_audio(utterance, destination):
    """Links an utterance's WAV and its sidecar (phonemes) to ``destination``.

    Every benchmark WAV thus has a ``.json`` sidecar beside it whose
    ``phonemes`` feed the phone-level topline units.
    """
    destination = Path(destination)
    link_or_copy(utterance.wav, destination)
    link_or_copy(utterance.wav.with_suffix(".json"), destination.with_suffix(".json"))


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


def build_cloze(
    folder,
    stories,
    cache_dir,
    seed=0,
    voice=BENCHMARK_VOICE,
    num_workers=2,
    progress=True,
):
    """Builds ``folder/cloze.csv`` and its WAVs (see the module docstring).

    Arguments
    ---------
    folder : str or Path
        Output folder.
    stories : list of Story
        Benchmark stories, of at least two topics.
    cache_dir : str or Path
        Audio cache folder.
    seed : int
        Random seed.
    voice : Voice
        The voice of all the audio.
    num_workers : int
        Concurrent espeak-ng processes.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Path
        The CSV file.

    Example
    -------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> stories = generate_stories(2, "benchmark")
    >>> csv_path = build_cloze(root / "cloze", stories, root / "audio", progress=False)
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
    audio = _speak(needed, cache_dir, voice, num_workers, progress)
    rows = []
    for item in items:
        sources = [audio[text, item["prompt_lang"]] for text in item["prompt_sentences"]]
        stems = (source.wav.stem for source in sources)
        prompt_name = _content_name(PROMPT_GAP_SECONDS, *stems) + ".wav"
        if not (wav_folder / prompt_name).with_suffix(".json").exists():
            _concatenate(sources, wav_folder / prompt_name, PROMPT_GAP_SECONDS)
        row = {column: item[column] for column in CLOZE_COLUMNS if column in item}
        row["prompt_wav"] = f"wavs/{prompt_name}"
        for column in ("correct", "wrong"):
            source = audio[item[f"{column}_text"], item["ending_lang"]].wav
            _place_audio(
                audio[item[f"{column}_text"], item["ending_lang"]], wav_folder / source.name
            )
            row[f"{column}_wav"] = f"wavs/{source.name}"
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


def _nonce_candidates(word):
    """One-letter changes of ``word``: vowel changes first, in a fixed order."""
    vowel_edits, consonant_edits = [], []
    for position, letter in enumerate(word):
        for pool, edits in (
            (_NONCE_VOWELS, vowel_edits),
            (_NONCE_CONSONANTS, consonant_edits),
        ):
            if letter in pool:
                edits += [
                    word[:position] + other + word[position + 1 :]
                    for other in pool
                    if other != letter
                ]

    def order(candidate):
        return stable_index(candidate, 1 << 30)

    return sorted(vowel_edits, key=order) + sorted(consonant_edits, key=order)


def is_lexical_candidate(word):
    """Whether a story word is long enough to get a non-word neighbour.

    Words need at least :data:`MIN_LEXICAL_WORD_LETTERS` letters and two
    vowel groups once a final mute ``e``/``es`` is dropped: one-letter changes
    of short one-syllable words too often give real words (bike -> bake).

    Example
    -------
    >>> [is_lexical_candidate(word) for word in ("bucket", "bike", "poule")]
    [True, False, False]
    """
    stem = re.sub("es?$", "", word)
    vowel_groups = re.findall(f"[{_VOWEL_LETTERS}]+", stem)
    return len(word) >= MIN_LEXICAL_WORD_LETTERS and len(vowel_groups) >= 2


def _first_matches(candidates, accept, lang):
    """For each key, the first candidate text (in order) that ``accept`` takes.

    Candidates are phonemised in rounds of :data:`_PHONEMIZE_ROUND` per key,
    so that most keys cost one espeak-ng pass over a few candidates.

    Arguments
    ---------
    candidates : dict
        ``{key: [text, ...]}``, texts in order of preference.
    accept : callable
        ``accept(key, text, phones) -> bool``.
    lang : str
        Language code.

    Returns
    -------
    dict
        ``{key: (text, phones)}`` for the keys that found a match.
    """
    matches = {}
    offset = 0
    pending = [key for key in candidates if candidates[key]]
    while pending:
        batch = {key: candidates[key][offset : offset + _PHONEMIZE_ROUND] for key in pending}
        spoken = iter(phonemize([text for texts in batch.values() for text in texts], lang))
        for key, texts in batch.items():
            for text, phones in [(text, next(spoken)) for text in texts]:
                if key not in matches and accept(key, text, phones):
                    matches[key] = (text, phones)
        offset += _PHONEMIZE_ROUND
        pending = [key for key in pending if key not in matches and len(candidates[key]) > offset]
    return matches


def lexical_pairs(lang, word_counts, num_pairs, seed=0):
    """Real words of the stories with a matched nonce word each.

    Arguments
    ---------
    lang : str
        Language code.
    word_counts : collections.Counter
        Word counts of the training text of ``lang``; only words heard in
        training (and passing :func:`is_lexical_candidate`) are used.
    num_pairs : int
        Maximum number of pairs (fewer if fewer words qualify).
    seed : int
        Seed of the choice of words (the nonce word of a given real word does
        not depend on it).

    Returns
    -------
    list of dict
        ``word``, ``nonce``, ``word_phones``, ``nonce_phones``, ``frequency``.

    Example
    -------
    >>> pairs = lexical_pairs("en", Counter({"bucket": 3, "the": 9}), 5)
    >>> [(pair["word"], pair["frequency"]) for pair in pairs]
    [('bucket', 3)]
    >>> pairs[0]["nonce"] not in story_vocabulary("en")
    True
    """
    vocabulary = sorted(story_vocabulary(lang))
    known_pronunciations = set(phonemize(vocabulary, lang))
    eligible = sorted(
        word
        for word, count in word_counts.items()
        if count > 0 and word in story_vocabulary(lang) and is_lexical_candidate(word)
    )
    word_phones = dict(zip(eligible, phonemize(eligible, lang)))
    used_nonces = set()

    def accept(word, nonce, phones):
        real, fake = word_phones[word].split(), phones.split()
        if (
            nonce in story_vocabulary(lang)
            or nonce in KNOWN_REAL_WORDS[lang]
            or nonce in used_nonces
            or phones in known_pronunciations
            or len(fake) != len(real)
            or sum(a != b for a, b in zip(real, fake)) != 1
        ):
            return False
        used_nonces.add(nonce)
        return True

    matches = _first_matches(
        {word: _nonce_candidates(word) for word in eligible},
        accept,
        lang,
    )
    found = sorted(matches)
    random.Random(f"{seed}-lexical-{lang}").shuffle(found)
    return [
        {
            "word": word,
            "nonce": matches[word][0],
            "word_phones": word_phones[word],
            "nonce_phones": matches[word][1],
            "frequency": word_counts[word],
        }
        for word in found[:num_pairs]
    ]


def build_lexical(
    folder,
    lang,
    word_counts,
    cache_dir,
    num_pairs=200,
    seed=0,
    voice=BENCHMARK_VOICE,
    num_workers=2,
    progress=True,
):
    """Builds a ZeroSpeech 2021 ``lexical/dev`` folder (WAVs + ``gold.csv``).

    Arguments
    ---------
    folder : str or Path
        Output folder (``.../lexical/dev``).
    lang : str
        Language code.
    word_counts : collections.Counter
        Word counts of the training text (see :func:`lexical_pairs`).
    cache_dir : str or Path
        Audio cache folder.
    num_pairs : int
        Maximum number of word / nonce-word pairs.
    seed : int
        Random seed.
    voice : Voice
        The voice of all the audio.
    num_workers : int
        Concurrent espeak-ng processes.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Path
        The ``gold.csv`` file.

    Example
    -------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> gold = build_lexical(
    ...     root / "lexical", "en", Counter({"bucket": 2}), root / "audio",
    ...     progress=False,
    ... )
    >>> len(list((root / "lexical").glob("*.wav")))
    2
    """
    folder = Path(folder)
    pairs = lexical_pairs(lang, word_counts, num_pairs, seed)
    audio = _speak(
        [(pair[key], lang) for pair in pairs for key in ("word", "nonce")],
        cache_dir,
        voice,
        num_workers,
        progress,
    )
    rows = []
    for pair_id, pair in enumerate(pairs):
        for key, correct in (("word", 1), ("nonce", 0)):
            filename = _content_name("lexical", lang, pair_id, pair[key])
            _place_audio(audio[pair[key], lang], folder / f"{filename}.wav")
            rows.append(
                {
                    "filename": filename,
                    "id": pair_id,
                    "voice": voice.speaker_id,
                    "frequency": pair["frequency"],
                    "word": pair[key],
                    "phones": pair[f"{key}_phones"],
                    "length": len(pair[f"{key}_phones"].split()),
                    "correct": correct,
                }
            )
    remove_unlisted(folder, {f"{row['filename']}.wav" for row in rows})
    write_csv(folder / "gold.csv", LEXICAL_COLUMNS, rows)
    return folder / "gold.csv"


def _syntactic_slots(lang, key):
    """Story slots plus the ungrammatical variants used by the FR templates."""
    slots = sentence_slots(lang, key)
    if lang == "fr":
        topic = TOPICS[key.topic]
        character = topic.characters[key.character]
        thing = topic.objects[key.object]
        color = COLORS[key.color]
        other_gender = {"m": "f", "f": "m"}
        slots["le_c_wrong_gender"] = Noun(
            character.en, character.fr, other_gender[character.gender]
        ).fr_definite
        possessive = thing.fr_possessive_determiner
        wrong_color = color.fr_form(other_gender[thing.gender])
        slots["son_o_wrong_color"] = f"{possessive} {thing.fr} {wrong_color}"
        slots["son_color_o"] = f"{possessive} {color.fr_form(thing.gender)} {thing.fr}"
    return slots


def _random_key(rng):
    topic = TOPICS[rng.choice(sorted(TOPICS))]
    character, friend = rng.sample(range(len(topic.characters)), 2)
    return StoryKey(
        topic.name,
        "lose",
        0,
        character,
        friend,
        rng.randrange(len(topic.objects)),
        rng.randrange(len(topic.places)),
        rng.randrange(len(COLORS)),
    )


def syntactic_pairs(lang, num_pairs, seed=0):
    """Grammatical / ungrammatical sentence pairs, balanced over subtypes.

    Arguments
    ---------
    lang : str
        Language code.
    num_pairs : int
        Total number of pairs, split evenly over the subtypes of
        :data:`SYNTACTIC_TEMPLATES` (a subtype may give fewer when it runs
        out of distinct, audibly different pairs).
    seed : int
        Random seed.

    Returns
    -------
    list of dict
        ``type``, ``subtype``, ``correct``, ``incorrect`` (sentences).

    Example
    -------
    >>> pairs = syntactic_pairs("fr", 6, seed=1)
    >>> sorted({pair["subtype"] for pair in pairs})[:2]
    ['adjective_gender', 'adjective_noun']
    >>> all(pair["correct"] != pair["incorrect"] for pair in pairs)
    True
    """
    templates = SYNTACTIC_TEMPLATES[lang]
    rng = random.Random(f"{seed}-syntactic-{lang}")
    pairs = []
    for index, (kind, subtype, good, bad) in enumerate(templates):
        wanted = num_pairs // len(templates) + (index < num_pairs % len(templates))
        candidates = {}
        for _ in range(_SYNTACTIC_DRAWS_PER_PAIR * wanted):
            slots = _syntactic_slots(lang, _random_key(rng))
            candidates.setdefault(render_template(good, slots), render_template(bad, slots))
        ordered = list(candidates.items())
        audible = []
        for first in range(0, len(ordered), max(wanted, 1)):
            chunk = ordered[first : first + wanted]
            spoken = phonemize([sentence.rstrip(".") for pair in chunk for sentence in pair], lang)
            audible += [
                pair
                for pair, good_phones, bad_phones in zip(chunk, spoken[::2], spoken[1::2])
                if good_phones != bad_phones
            ]
            if len(audible) >= wanted:
                break
        pairs += [
            {"type": kind, "subtype": subtype, "correct": right, "incorrect": wrong}
            for right, wrong in audible[:wanted]
        ]
    return pairs


def build_syntactic(
    folder,
    lang,
    cache_dir,
    num_pairs=200,
    seed=0,
    voice=BENCHMARK_VOICE,
    num_workers=2,
    progress=True,
):
    """Builds a ZeroSpeech 2021 ``syntactic/dev`` folder (WAVs + ``gold.csv``).

    Arguments
    ---------
    folder : str or Path
        Output folder (``.../syntactic/dev``).
    lang : str
        Language code.
    cache_dir : str or Path
        Audio cache folder.
    num_pairs : int
        Number of grammatical / ungrammatical pairs.
    seed : int
        Random seed.
    voice : Voice
        The voice of all the audio.
    num_workers : int
        Concurrent espeak-ng processes.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Path
        The ``gold.csv`` file.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.corpora.files import read_csv
    >>> root = Path(tempfile.mkdtemp())
    >>> gold = build_syntactic(
    ...     root / "syntactic", "en", root / "audio", num_pairs=1, progress=False
    ... )
    >>> [row["correct"] for row in read_csv(gold)]
    ['1', '0']
    """
    folder = Path(folder)
    pairs = syntactic_pairs(lang, num_pairs, seed)
    audio = _speak(
        [(pair[key], lang) for pair in pairs for key in ("correct", "incorrect")],
        cache_dir,
        voice,
        num_workers,
        progress,
    )
    rows = []
    for pair_id, pair in enumerate(pairs):
        for key, correct in (("correct", 1), ("incorrect", 0)):
            filename = _content_name("syntactic", lang, pair_id, pair[key])
            _place_audio(audio[pair[key], lang], folder / f"{filename}.wav")
            rows.append(
                {
                    "filename": filename,
                    "id": pair_id,
                    "voice": voice.speaker_id,
                    "type": pair["type"],
                    "subtype": pair["subtype"],
                    "correct": correct,
                    "transcription": pair[key],
                }
            )
    remove_unlisted(folder, {f"{row['filename']}.wav" for row in rows})
    write_csv(folder / "gold.csv", SYNTACTIC_COLUMNS, rows)
    return folder / "gold.csv"


def alignment_pairs(num_pairs, seed=0):
    """Distinct aligned EN-FR sentence pairs from benchmark stories.

    Example
    -------
    >>> pairs = alignment_pairs(12)
    >>> len(pairs), len({pair["en"] for pair in pairs})
    (12, 12)
    """
    pairs = {}
    num_stories = num_pairs
    while len(pairs) < num_pairs:
        pairs = {}
        for story in generate_stories(num_stories, "benchmark", seed):
            for en, fr in zip(story.sentences["en"], story.sentences["fr"]):
                pairs.setdefault(en, fr)
        num_stories *= 2
    return [{"en": en, "fr": fr} for en, fr in list(pairs.items())[:num_pairs]]


def build_alignment(
    folder,
    cache_dir,
    num_pairs=200,
    seed=0,
    voice=BENCHMARK_VOICE,
    num_workers=2,
    progress=True,
):
    """Builds ``folder/alignment.csv`` and its WAVs.

    Arguments
    ---------
    folder : str or Path
        Output folder.
    cache_dir : str or Path
        Audio cache folder.
    num_pairs : int
        Number of aligned sentence pairs.
    seed : int
        Random seed.
    voice : Voice
        The voice of all the audio.
    num_workers : int
        Concurrent espeak-ng processes.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Path
        The CSV file.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.corpora.files import read_csv
    >>> root = Path(tempfile.mkdtemp())
    >>> csv_path = build_alignment(
    ...     root / "alignment", root / "audio", num_pairs=1, progress=False
    ... )
    >>> read_csv(csv_path)[0]["fr_text"]
    'Un chauffeur et une policière sont amis en ville.'
    """
    folder = Path(folder)
    pairs = alignment_pairs(num_pairs, seed)
    audio = _speak(
        [(pair[lang], lang) for pair in pairs for lang in LANGUAGES],
        cache_dir,
        voice,
        num_workers,
        progress,
    )
    rows = []
    for pair_id, pair in enumerate(pairs):
        row = {"pair_id": pair_id}
        for lang in LANGUAGES:
            source = audio[pair[lang], lang].wav
            _place_audio(audio[pair[lang], lang], folder / "wavs" / source.name)
            row[f"{lang}_wav"] = f"wavs/{source.name}"
            row[f"{lang}_text"] = pair[lang]
        rows.append(row)
    remove_unlisted(
        folder / "wavs",
        {Path(row[f"{lang}_wav"]).name for row in rows for lang in LANGUAGES},
    )
    write_csv(folder / "alignment.csv", ALIGNMENT_COLUMNS, rows)
    return folder / "alignment.csv"


def train_word_counts(stories, lang):
    """Counts of the words of ``lang`` in ``stories``.

    Example
    -------
    >>> counts = train_word_counts(generate_stories(8), "en")
    >>> counts["the"] > 0
    True
    """
    return Counter(
        word for story in stories for sentence in story.sentences[lang] for word in words(sentence)
    )


def build_benchmarks(
    benchmark_root,
    cache_dir,
    train_stories,
    num_items=200,
    num_alignment_pairs=200,
    seed=0,
    voice=BENCHMARK_VOICE,
    num_workers=2,
    progress=True,
):
    """Builds every benchmark under ``benchmark_root`` (layout: module doc).

    Arguments
    ---------
    benchmark_root : str or Path
        Output folder.
    cache_dir : str or Path
        Audio cache folder (shared with the training corpus).
    train_stories : list of Story
        The training stories: lexical items are words heard in them.
    num_items : int
        Cloze stories (each gives an sSC and an sTC item in 4 conditions),
        syntactic pairs per language, and the maximum number of lexical
        pairs per language (fewer when fewer words qualify).
    num_alignment_pairs : int
        Aligned EN-FR sentence pairs.
    seed : int
        Random seed.
    voice : Voice
        The one voice of all benchmark audio.
    num_workers : int
        Concurrent espeak-ng processes.
    progress : bool
        Show progress bars.

    Returns
    -------
    dict
        Paths of ``cloze``, ``alignment``, ``lexical_{lang}`` and
        ``syntactic_{lang}`` CSV files.

    Example
    -------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> paths = build_benchmarks(
    ...     root / "bench", root / "audio", generate_stories(8), num_items=2,
    ...     num_alignment_pairs=4, progress=False,
    ... )
    >>> paths["lexical_fr"].relative_to(root / "bench").as_posix()
    'zerospeech_fr/lexical/dev/gold.csv'
    """
    benchmark_root = Path(benchmark_root)
    options = {"voice": voice, "num_workers": num_workers, "progress": progress}
    paths = {
        "cloze": build_cloze(
            benchmark_root / "cloze",
            generate_stories(num_items, "benchmark", seed),
            cache_dir,
            seed=seed,
            **options,
        ),
        "alignment": build_alignment(
            benchmark_root / "alignment",
            cache_dir,
            num_alignment_pairs,
            seed=seed,
            **options,
        ),
    }
    for lang in LANGUAGES:
        zerospeech = benchmark_root / f"zerospeech_{lang}"
        paths[f"lexical_{lang}"] = build_lexical(
            zerospeech / "lexical" / "dev",
            lang,
            train_word_counts(train_stories, lang),
            cache_dir,
            num_items,
            seed=seed,
            **options,
        )
        paths[f"syntactic_{lang}"] = build_syntactic(
            zerospeech / "syntactic" / "dev",
            lang,
            cache_dir,
            num_items,
            seed=seed,
            **options,
        )
    logger.info("Benchmarks written under %s", benchmark_root)
    return paths
