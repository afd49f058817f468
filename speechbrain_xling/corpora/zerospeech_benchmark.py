"""ZeroSpeech 2021-style lexical (sWUGGY) and syntactic (sBLiMP) tests.

Layout of one language's ZeroSpeech root (``<root>`` = ``zerospeech_en``,
``zerospeech_fr``), as the ZeroSpeech 2021 dev sets::

    <root>/lexical/dev/gold.csv      <root>/lexical/dev/<filename>.wav
    <root>/syntactic/dev/gold.csv    <root>/syntactic/dev/<filename>.wav

WAVs (with their ``.json`` phoneme sidecars) are named by a content hash; a
rebuild deletes the WAVs that ``gold.csv`` no longer lists.

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

Authors
 * speechbrain-xling authors 2026
"""

import random
import re
from collections import Counter
from pathlib import Path

from speechbrain_xling.corpora.benchmark_audio import content_name, place_audio
from speechbrain_xling.corpora.files import remove_unlisted, write_csv
from speechbrain_xling.corpora.lexicon import COLORS, TOPICS, VOWEL_LETTERS, Noun
from speechbrain_xling.corpora.stories import (
    Cast,
    cast_slots,
    fill_slots,
    stable_index,
    story_vocabulary,
    words,
)
from speechbrain_xling.corpora.tts import phonemize
from speechbrain_xling.eval.zerospeech import GOLD_COLUMNS, LEXICAL, SYNTACTIC

# The gold.csv layouts are the evaluation's (one home: eval/zerospeech.py).
LEXICAL_COLUMNS = GOLD_COLUMNS[LEXICAL]
SYNTACTIC_COLUMNS = GOLD_COLUMNS[SYNTACTIC]
MIN_LEXICAL_WORD_LETTERS = 4
_NONCE_VOWELS = "aeiou"
_NONCE_CONSONANTS = "bdfgklmnprstv"
_PHONEMIZE_ROUND = 8
# Real words outside the story vocabulary that one-letter changes of story
# words produce, found by reviewing the generated nonce words; they are
# rejected as nonce words.
KNOWN_REAL_WORDS = {"en": frozenset({"even"}), "fr": frozenset({"omis"})}
_SYNTACTIC_DRAWS_PER_PAIR = 20

# (type, subtype, grammatical template, ungrammatical template); the slots
# are those of stories.cast_slots plus the ones of _syntactic_slots.
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
    vowel_groups = re.findall(f"[{VOWEL_LETTERS}]+", stem)
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


def build_lexical(folder, lang, word_counts, speaker, num_pairs=200, seed=0):
    """Builds a ZeroSpeech 2021 ``lexical/dev`` folder: word-pair WAVs, ``gold.csv``.

    Arguments
    ---------
    folder : str or Path
        Output folder (``.../lexical/dev``).
    lang : str
        Language of the words (``en`` or ``fr``).
    word_counts : collections.Counter
        Word counts of the training text (see :func:`lexical_pairs`).
    speaker : BenchmarkSpeaker
        Speaks the words (voice, audio cache, espeak-ng workers).
    num_pairs : int
        Maximum number of word / nonce-word pairs.
    seed : int
        Seed of the choice of words.

    Returns
    -------
    Path
        The ``gold.csv`` file.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
    >>> root = Path(tempfile.mkdtemp())
    >>> speaker = BenchmarkSpeaker(root / "audio", progress=False)
    >>> gold = build_lexical(root / "lexical", "en", Counter({"bucket": 2}), speaker)
    >>> len(list((root / "lexical").glob("*.wav")))
    2
    """

    def columns(pair, key):
        return {
            "frequency": pair["frequency"],
            "word": pair[key],
            "phones": pair[f"{key}_phones"],
            "length": len(pair[f"{key}_phones"].split()),
        }

    pairs = lexical_pairs(lang, word_counts, num_pairs, seed)
    return _build_gold(folder, "lexical", lang, pairs, ("word", "nonce"), speaker, columns)


def _syntactic_slots(lang, cast):
    """Story slots plus the ungrammatical variants used by the FR templates."""
    slots = cast_slots(lang, cast)
    if lang == "fr":
        topic = TOPICS[cast.topic]
        character = topic.characters[cast.character]
        thing = topic.objects[cast.object]
        color = COLORS[cast.color]
        other_gender = {"m": "f", "f": "m"}
        slots["le_c_wrong_gender"] = Noun(
            character.en, character.fr, other_gender[character.gender]
        ).fr_definite
        possessive = thing.fr_possessive_determiner
        wrong_color = color.fr_form(other_gender[thing.gender])
        slots["son_o_wrong_color"] = f"{possessive} {thing.fr} {wrong_color}"
        slots["son_color_o"] = f"{possessive} {color.fr_form(thing.gender)} {thing.fr}"
    return slots


def _random_cast(rng):
    topic = TOPICS[rng.choice(sorted(TOPICS))]
    character, friend = rng.sample(range(len(topic.characters)), 2)
    return Cast(
        topic.name,
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
            slots = _syntactic_slots(lang, _random_cast(rng))
            candidates.setdefault(fill_slots(good, slots), fill_slots(bad, slots))
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


def build_syntactic(folder, lang, speaker, num_pairs=200, seed=0):
    """Builds a ZeroSpeech 2021 ``syntactic/dev`` folder (WAVs + ``gold.csv``).

    Arguments
    ---------
    folder : str or Path
        Output folder (``.../syntactic/dev``).
    lang : str
        Language code.
    speaker : BenchmarkSpeaker
        Speaks the sentences (voice, audio cache, espeak-ng workers).
    num_pairs : int
        Number of grammatical / ungrammatical pairs.
    seed : int
        Seed of the sentences.

    Returns
    -------
    Path
        The ``gold.csv`` file, two rows per pair.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.corpora.benchmark_audio import BenchmarkSpeaker
    >>> from speechbrain_xling.corpora.files import read_csv
    >>> root = Path(tempfile.mkdtemp())
    >>> speaker = BenchmarkSpeaker(root / "audio", progress=False)
    >>> gold = build_syntactic(root / "syntactic", "en", speaker, num_pairs=1)
    >>> [row["correct"] for row in read_csv(gold)]
    ['1', '0']
    """

    def columns(pair, key):
        return {"type": pair["type"], "subtype": pair["subtype"], "transcription": pair[key]}

    pairs = syntactic_pairs(lang, num_pairs, seed)
    return _build_gold(folder, "syntactic", lang, pairs, ("correct", "incorrect"), speaker, columns)


def _build_gold(folder, task, lang, pairs, keys, speaker, columns_of):
    """Speaks both texts of every pair into ``folder`` and writes its ``gold.csv``.

    ``pair[keys[0]]`` is the correct text (``correct`` 1) and ``pair[keys[1]]``
    its twin (``correct`` 0); ``columns_of(pair, key)`` gives the task's own
    columns of the row.
    """
    folder = Path(folder)
    audio = speaker.speak([(pair[key], lang) for pair in pairs for key in keys])
    rows = []
    for pair_id, pair in enumerate(pairs):
        for key, correct in zip(keys, (1, 0)):
            filename = content_name(task, lang, pair_id, pair[key])
            place_audio(audio[pair[key], lang], folder / f"{filename}.wav")
            row = {"filename": filename, "id": pair_id, "voice": speaker.voice.speaker_id}
            rows.append({**row, **columns_of(pair, key), "correct": correct})
    remove_unlisted(folder, {f"{row['filename']}.wav" for row in rows})
    header = LEXICAL_COLUMNS if task == "lexical" else SYNTACTIC_COLUMNS
    write_csv(folder / "gold.csv", header, rows)
    return folder / "gold.csv"


def train_word_counts(stories, lang):
    """Counts of the words of ``lang`` in ``stories``.

    Example
    -------
    >>> from speechbrain_xling.corpora.stories import generate_stories
    >>> counts = train_word_counts(generate_stories(8), "en")
    >>> counts["the"] > 0
    True
    """
    return Counter(
        word for story in stories for sentence in story.sentences[lang] for word in words(sentence)
    )
