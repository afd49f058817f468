"""Deterministic bilingual (EN-FR) five-sentence stories.

Every story is a sentence-aligned pair of translations with a fixed causal
shape, in the simple register of TinyStories::

    1 setup        A hen and a pig are friends on the farm.
    2 event        One day, the hen loses her red bucket.
    3 reaction     She is very sad.
    4 consequence  The pig helps her look for the bucket.
    5 ending       At last, they find the lost bucket.

    1 Une poule et un cochon sont amis à la ferme.
    2 Un jour, la poule perd son seau rouge.
    3 Elle est très triste.
    4 Le cochon l'aide à chercher le seau.
    5 Enfin, ils retrouvent le seau perdu.

A story is drawn from the eight topics of
:mod:`speechbrain_xling.corpora.lexicon` (its characters, objects, places and
colours). Four plots (:data:`PLOTS`: ``lose``, ``break``, ``dirty``,
``gift``) drive sentences 2-5 and two setups sentence 1; the templates'
slots (:func:`sentence_slots`) take the French forms that agree with the
lexicon's genders.

Incompatible endings (for spoken StoryCloze)
    The ending of each plot presupposes its own event (the *lost* bucket is
    found, the bucket is *not broken anymore*, it is *clean again*, the
    character *loves the gift*). A story's ``wrong_ending`` is the ending of
    another plot rendered with the story's own characters and object: it is on
    topic and is itself a sentence of the training distribution, but it
    contradicts the events of sentences 2-4.

Splits
    For each topic, the (character, object, place) combinations are shuffled
    once with a fixed seed (independent of the generation seed) and dealt into
    ``benchmark`` (10%), ``valid`` (5%) and ``train`` (the rest). A story
    belongs to the split of its combination, so no benchmark story can occur in
    training or validation, whatever the seeds.

Generation
    ``generate_stories(n, split, seed)`` deals stories round-robin over the
    topics from a per-topic random permutation of all the stories of the
    split: the result is deterministic by seed, free of duplicates, balanced
    over topics, and the first ``n`` stories do not depend on how many are
    asked for (asking for more extends the list).

Authors
 * speechbrain-xling authors 2026
"""

import hashlib
import itertools
import random
import re
import string
from dataclasses import dataclass
from functools import cache

from speechbrain_xling.corpora.lexicon import COLORS, LANGUAGES, TOPICS, check_language

SPLITS = ("train", "valid", "benchmark")
NUM_SENTENCES = 5

# Shares of each topic's (character, object, place) combinations.
_SPLIT_SHARES = {"benchmark": 0.10, "valid": 0.05}
_SPLIT_SHUFFLE_SEED = "speechbrain-xling-stories-split-v1"

# Sentence templates: {language: template}, filled by sentence_slots().
SETUPS = (
    {
        "en": "{a_c} and {a_f} are friends {place}.",
        "fr": "{un_c} et {un_f} sont {friends} {place}.",
    },
    {
        "en": "{a_c} and {a_f} play {place} every day.",
        "fr": "{un_c} et {un_f} jouent {place} tous les jours.",
    },
)

# Sentences 2-5 of each plot: event, reaction, consequence, ending.
PLOTS = {
    "lose": (
        {
            "en": "One day, {the_c} loses {his} {color} {o}.",
            "fr": "Un jour, {le_c} perd {son_o_color}.",
        },
        {"en": "{he} is very sad.", "fr": "{il} est très triste."},
        {
            "en": "{the_f} helps {him} look for the {o}.",
            "fr": "{le_f} l'aide à chercher {le_o}.",
        },
        {
            "en": "At last, they find the lost {o}.",
            "fr": "Enfin, {ils} retrouvent {le_o} {lost}.",
        },
    ),
    "break": (
        {
            "en": "One day, {the_c} breaks {his} {color} {o}.",
            "fr": "Un jour, {le_c} casse {son_o_color}.",
        },
        {"en": "{he} starts to cry.", "fr": "{il} se met à pleurer."},
        {
            "en": "{the_f} fixes the {o} for {him}.",
            "fr": "{le_f} répare {le_o} pour {lui}.",
        },
        {
            "en": "Now the {o} is not broken anymore.",
            "fr": "Maintenant, {le_o} n'est plus {broken}.",
        },
    ),
    "dirty": (
        {
            "en": "One day, {the_c} drops {his} {color} {o} in the mud.",
            "fr": "Un jour, {le_c} fait tomber {son_o_color} dans la boue.",
        },
        {"en": "The {o} is very dirty.", "fr": "{le_o} est très sale."},
        {
            "en": "{the_f} helps {him} wash the {o}.",
            "fr": "{le_f} l'aide à laver {le_o}.",
        },
        {
            "en": "Now the {o} is clean again.",
            "fr": "Maintenant, {le_o} est de nouveau propre.",
        },
    ),
    "gift": (
        {
            "en": "One day, {the_f} gives {the_c} a {color} {o}.",
            "fr": "Un jour, {le_f} donne {un_o_color} {au_c}.",
        },
        {"en": "{the_c} is very surprised.", "fr": "{le_c} est très {surprised}."},
        {"en": "{he} says thank you to {the_f}.", "fr": "{il} dit merci {au_f}."},
        {
            "en": "{the_c} loves the gift from {the_f}.",
            "fr": "{le_c} adore le cadeau {du_f}.",
        },
    ),
}


@dataclass(frozen=True)
class StoryKey:
    """The choices that define one story (indices into the topic lexicon).

    Example
    -------
    >>> key = StoryKey("farm", "lose", 0, 0, 1, 0, 0, 0)
    >>> render_sentences(key)["en"][1]
    'One day, the hen loses her red bucket.'
    """

    topic: str
    plot: str
    setup: int
    character: int
    friend: int
    object: int
    place: int
    color: int


@dataclass(frozen=True)
class Story:
    """One sentence-aligned bilingual story.

    Arguments
    ---------
    story_id : str
        Unique id, ``{split}{index:05d}`` (e.g. ``train00042``).
    key : StoryKey
        The choices the story was rendered from.
    sentences : dict
        ``{"en": (5 sentences), "fr": (5 sentences)}``, translations of each
        other sentence by sentence.
    wrong_ending : dict
        ``{"en": str, "fr": str}``: an incompatible fifth sentence, the ending
        of another plot with the same characters and object.

    Example
    -------
    >>> story = generate_stories(1, seed=0)[0]
    >>> len(story.sentences["en"]) == len(story.sentences["fr"]) == 5
    True
    >>> story.wrong_ending["en"] != story.sentences["en"][4]
    True
    """

    story_id: str
    key: StoryKey
    sentences: dict
    wrong_ending: dict

    @property
    def topic(self):
        """The story's topic name."""
        return self.key.topic

    @property
    def plot(self):
        """The story's plot name."""
        return self.key.plot


def _capitalize(sentence):
    return sentence[0].upper() + sentence[1:]


def sentence_slots(lang, key):
    """Words that fill the sentence templates of ``key`` in language ``lang``.

    Example
    -------
    >>> key = StoryKey("farm", "lose", 0, 0, 1, 0, 0, 2)
    >>> sentence_slots("fr", key)["son_o_color"]
    'son seau vert'
    """
    check_language(lang)
    topic = TOPICS[key.topic]
    character = topic.characters[key.character]
    friend = topic.characters[key.friend]
    thing = topic.objects[key.object]
    place = topic.places[key.place]
    color = COLORS[key.color]
    if lang == "en":
        feminine = character.gender == "f"
        return {
            "a_c": character.en_indefinite,
            "a_f": friend.en_indefinite,
            "the_c": "the " + character.en,
            "the_f": "the " + friend.en,
            "he": "she" if feminine else "he",
            "him": "her" if feminine else "him",
            "his": "her" if feminine else "his",
            "o": thing.en,
            "color": color.en,
            "place": place.en,
        }
    both_feminine = character.gender == friend.gender == "f"
    color_fr = color.fr_form(thing.gender)
    return {
        "un_c": character.fr_indefinite,
        "un_f": friend.fr_indefinite,
        "le_c": character.fr_definite,
        "le_f": friend.fr_definite,
        "au_c": character.fr_to_definite,
        "au_f": friend.fr_to_definite,
        "du_f": friend.fr_of_definite,
        "il": "elle" if character.gender == "f" else "il",
        "lui": "elle" if character.gender == "f" else "lui",
        "ils": "elles" if both_feminine else "ils",
        "friends": "amies" if both_feminine else "amis",
        "surprised": "surprise" if character.gender == "f" else "surpris",
        "le_o": thing.fr_definite,
        "son_o_color": f"{thing.fr_possessive} {color_fr}",
        "un_o_color": f"{thing.fr_indefinite} {color_fr}",
        "lost": "perdu" if thing.gender == "m" else "perdue",
        "broken": "cassé" if thing.gender == "m" else "cassée",
        "place": place.fr,
    }


def render_template(template, slots):
    """Fills a sentence template and capitalises its first letter.

    Example
    -------
    >>> render_template("{le_c} dort.", {"le_c": "l'ours"})
    "L'ours dort."
    """
    return _capitalize(template.format(**slots))


def render_sentences(key, plot_of_ending=None):
    """Renders the five sentences of a story in both languages.

    Arguments
    ---------
    key : StoryKey
        The story's choices.
    plot_of_ending : str, optional
        Render the fifth sentence from this plot instead of ``key.plot``
        (used for incompatible endings).

    Returns
    -------
    dict
        ``{lang: tuple of 5 sentences}``.

    Example
    -------
    >>> key = StoryKey("forest", "gift", 0, 1, 3, 2, 0, 5)
    >>> for sentence in render_sentences(key)["fr"]:
    ...     print(sentence)
    Une chouette et un ours sont amis dans la forêt.
    Un jour, l'ours donne une pomme de pin blanche à la chouette.
    La chouette est très surprise.
    Elle dit merci à l'ours.
    La chouette adore le cadeau de l'ours.
    """
    templates = (SETUPS[key.setup],) + PLOTS[key.plot][:-1]
    templates += (PLOTS[plot_of_ending or key.plot][-1],)
    sentences = {}
    for lang in LANGUAGES:
        slots = sentence_slots(lang, key)
        sentences[lang] = tuple(render_template(t[lang], slots) for t in templates)
    return sentences


@cache
def _combination_splits(topic_name):
    """Maps each (character, object, place) index triple to its split."""
    topic = TOPICS[topic_name]
    combos = list(
        itertools.product(
            range(len(topic.characters)),
            range(len(topic.objects)),
            range(len(topic.places)),
        )
    )
    random.Random(f"{_SPLIT_SHUFFLE_SEED}-{topic_name}").shuffle(combos)
    num_benchmark = round(_SPLIT_SHARES["benchmark"] * len(combos))
    num_valid = round(_SPLIT_SHARES["valid"] * len(combos))
    splits = {}
    for position, combo in enumerate(combos):
        if position < num_benchmark:
            splits[combo] = "benchmark"
        elif position < num_benchmark + num_valid:
            splits[combo] = "valid"
        else:
            splits[combo] = "train"
    return splits


def story_split(key):
    """The split (``train``, ``valid`` or ``benchmark``) a story belongs to.

    Example
    -------
    >>> story = generate_stories(1, split="benchmark")[0]
    >>> story_split(story.key)
    'benchmark'
    """
    combo = (key.character, key.object, key.place)
    return _combination_splits(key.topic)[combo]


@cache
def _split_keys(topic_name, split):
    """All story keys of one topic in one split, in a fixed order."""
    splits = _combination_splits(topic_name)
    num_characters = len(TOPICS[topic_name].characters)
    return tuple(
        StoryKey(topic_name, plot, setup, c, f, o, p, color)
        for (c, o, p), combo_split in splits.items()
        if combo_split == split
        for f in range(num_characters)
        if f != c
        for plot in PLOTS
        for setup in range(len(SETUPS))
        for color in range(len(COLORS))
    )


def stable_index(text, size):
    """A pseudo-random index in ``range(size)`` fixed by ``text``.

    Unlike ``hash``, it does not change between Python processes.

    Example
    -------
    >>> stable_index("seed-0", 6) == stable_index("seed-0", 6)
    True
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % size


def generate_stories(num_stories, split="train", seed=0):
    """Generates distinct stories of one split, deterministically by seed.

    Arguments
    ---------
    num_stories : int
        Number of stories; balanced over topics (round-robin).
    split : str
        ``train``, ``valid`` or ``benchmark``.
    seed : int
        Random seed; the same seed gives the same stories.

    Returns
    -------
    list of Story

    Example
    -------
    >>> stories = generate_stories(16, seed=3)
    >>> sorted({story.topic for story in stories}) == sorted(TOPICS)
    True
    >>> generate_stories(4, seed=3) == stories[:4]
    True
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; expected one of {SPLITS}")
    if num_stories < 0:
        raise ValueError(f"num_stories must be >= 0, got {num_stories}")
    topic_names = sorted(TOPICS)
    per_topic = -(-num_stories // len(topic_names))
    orders = {}
    for name in topic_names:
        keys = _split_keys(name, split)
        if per_topic > len(keys):
            raise ValueError(
                f"{num_stories} {split} stories asked, but topic {name!r} has "
                f"only {len(keys)} distinct {split} stories"
            )
        order = list(range(len(keys)))
        random.Random(f"{seed}-{split}-{name}").shuffle(order)
        orders[name] = order
    stories = []
    for index in range(num_stories):
        name = topic_names[index % len(topic_names)]
        key = _split_keys(name, split)[orders[name][index // len(topic_names)]]
        other_plots = sorted(set(PLOTS) - {key.plot})
        wrong_plot = other_plots[stable_index(f"{seed}-{key}", len(other_plots))]
        wrong_ending = {
            lang: sentences[-1] for lang, sentences in render_sentences(key, wrong_plot).items()
        }
        stories.append(
            Story(
                story_id=f"{split}{index:05d}",
                key=key,
                sentences=render_sentences(key),
                wrong_ending=wrong_ending,
            )
        )
    return stories


def words(text):
    """Lower-cased words of a sentence (letters only; apostrophes split).

    Example
    -------
    >>> words("Un jour, l'ours perd son sac à dos.")
    ['un', 'jour', 'l', 'ours', 'perd', 'son', 'sac', 'à', 'dos']
    """
    return re.findall(r"[^\W\d_]+", text.lower())


@cache
def story_vocabulary(lang):
    """Every word that any story sentence of ``lang`` can contain.

    It is the union of the templates' literal words and of the words of every
    value a template slot can take.

    Example
    -------
    >>> vocabulary = story_vocabulary("fr")
    >>> "cochon" in vocabulary and "perdue" in vocabulary
    True
    """
    check_language(lang)
    templates = [setup[lang] for setup in SETUPS]
    templates += [sentence[lang] for plot in PLOTS.values() for sentence in plot]
    vocabulary, slot_values = set(), set()
    for template in templates:
        for literal, _, _, _ in string.Formatter().parse(template):
            vocabulary.update(words(literal))
    for topic in TOPICS.values():
        for choice in itertools.product(
            range(len(topic.characters)),
            range(len(topic.characters)),
            range(len(topic.objects)),
            range(len(topic.places)),
            range(len(COLORS)),
        ):
            key = StoryKey(topic.name, "lose", 0, *choice)
            slot_values.update(sentence_slots(lang, key).values())
    for value in slot_values:
        vocabulary.update(words(value))
    return frozenset(vocabulary)
