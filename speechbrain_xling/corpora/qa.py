"""Question-answer pairs about the stories, in EN and FR, with a wrong answer each.

Every item asks one question about one story
(:mod:`speechbrain_xling.corpora.stories`) whose answer is told in the story,
in the story's tense. The answer is a full sentence (so that it can be spoken
and chunked), and ``short_answer`` is its key phrase. The **wrong answer**
is the same sentence with the key phrase replaced by another one of the same
kind: another character, object, colour or place of the story's topic that
the story never names, or another event (:func:`story_qa`), so a model
scores the item by comparing the likelihoods of the two answers. The
sentences are rendered from templates with the slots of
:func:`~speechbrain_xling.corpora.stories.cast_slots`, so the wrong answer
keeps French agreement (articles, possessives, colour adjectives, past
participles) with its own noun.

Question kinds (:data:`KINDS`), with an EN and a FR example each: question,
answer; wrong answer (stories of :func:`example_story`: a hen who loses her
red bucket; an owl with a white lantern, who gets lost or loses it)::

    who            Who lost the red bucket?
                   The hen lost the red bucket. ; The duck lost the red bucket.
                   Qui s'est perdu ?
                   La chouette s'est perdue. ; Le lapin s'est perdu.
    what           What did the hen lose?
                   The hen lost her red bucket. ; The hen lost her red basket.
                   Qu'est-ce que la chouette perd ?
                   La chouette perd sa lanterne blanche. ; La chouette perd son sifflet blanc.
    color          What colour was the hen's bucket?
                   The hen's bucket was red. ; The hen's bucket was yellow.
                   De quelle couleur est la lanterne de la chouette ?
                   La lanterne de la chouette est blanche. ; ... est bleue.
    where          Where did the hen live?
                   The hen lived on the farm. ; The hen lived near the pond.
                   Où vit la chouette ?
                   La chouette vit dans la forêt. ; La chouette vit dans une grotte.
    what_happened  What happened to the hen?
                   The hen lost her red bucket. ; The hen got her red bucket wet.
                   Qu'est-ce qui est arrivé à la chouette ?
                   La chouette s'est perdue. ; La chouette avait très faim.

The questions are in the story's tense. A ``who`` question takes the
masculine (``Qui s'est perdu ?``) so that it does not tell the answer's
gender; its answer agrees with its own subject. Questions and answers name
the event with one wording (:data:`EVENT_QA`) whatever paraphrase the story
told it in, so some answers are inferences from the story rather than
quotes of it: ``where`` asks where the character *lives* (the setup may say
that the two friends play there), and ``dirty``, ``wet`` and ``break`` make
the character the agent (``The hen got her red bucket wet.``) where a
paraphrase may say that the bucket fell into a puddle or broke.

``what`` and ``color`` are asked only about stories whose event names the
object (:func:`names_object`: ``lose``, ``break``, ``dirty``, ``wet``,
``gift``): no other sentence of a story names it. The wrong event of
``what_happened`` has the story's valence and, where there is one, the
same use of the object (:func:`wrong_events`); it keeps the story's cast, so
only the event tells the two answers apart.

Alignment
    Each question is asked in both languages: the EN and FR items of a
    question share ``item_id`` (``{story_id}-{kind}``), their kind and their
    key entities (``entity``, ``wrong_entity``: language-neutral names, the
    English ones of the lexicon, or the event's name), so that cross-lingual
    pairs (EN question, FR answer) can be built (:func:`aligned_items`).

Splits
    QA items are made from the stories of one split only
    (:func:`qa_for_split`): benchmark QA asks about benchmark stories, whose
    (character, object, place) combinations never occur in training.

File
    :func:`write_qa_csv` writes one row per item with the columns
    :data:`QA_COLUMNS` (``id`` is the item id); :func:`read_qa_csv` reads
    them back as :class:`QAItem` objects.

Authors
 * speechbrain-xling authors 2026
"""

import csv
from dataclasses import astuple, dataclass, fields, replace

from speechbrain_xling.corpora.files import write_csv
from speechbrain_xling.corpora.lexicon import COLORS, LANGUAGES, TOPICS, check_language
from speechbrain_xling.corpora.stories import (
    Cast,
    Part,
    StoryPlan,
    cast_slots,
    fill_slots,
    generate_stories,
    in_tense,
    make_story,
    stable_index,
    words,
)
from speechbrain_xling.corpora.templates import EVENTS
from speechbrain_xling.text_files import open_text

KINDS = ("who", "what", "color", "where", "what_happened")
# Kinds asked only when the story's event names the object.
OBJECT_KINDS = ("what", "color")
QA_COLUMNS = (
    "id",
    "story_id",
    "kind",
    "lang",
    "topic",
    "question",
    "answer",
    "wrong_answer",
    "short_answer",
    "wrong_short_answer",
    "entity",
    "wrong_entity",
)


def _pair(en, fr):
    return {"en": en, "fr": fr}


@dataclass(frozen=True)
class EventQA:
    """How the questions about one event are worded (templates: ``{en, fr}``).

    The markup is that of :mod:`~speechbrain_xling.corpora.templates`
    (``[present|past]``, ``{slot}``), plus ``{a_o_color}`` (EN: ``a red
    bucket``) and ``{couleur}`` (FR: the colour agreeing with the object).

    Arguments
    ---------
    name : str
        The event (a key of :data:`~speechbrain_xling.corpora.templates.EVENTS`).
    predicate : dict
        What happens to the character, the subject left out (``[loses|lost]
        {his} {color} {o}``): the ``what_happened`` answer and, for the
        events that name the object, the ``what`` answer.
    who_predicate : dict or None
        The predicate of ``who`` questions and answers, free of pronouns and
        agreement that would tell the character (``[loses|lost] the {color}
        {o}``); ``None``: the predicate.
    what_question : dict or None
        The ``what`` question (events that name the object only).
    object_phrase : dict or None
        The object as the predicate names it: the ``what`` short answer.

    Example
    -------
    >>> EVENT_QA["lose"].what_question["fr"]
    "Qu'est-ce que {le_c} [perd|a perdu] ?"
    """

    name: str
    predicate: dict
    who_predicate: dict = None
    what_question: dict = None
    object_phrase: dict = None


_POSSESSIVE_OBJECT = _pair("{his} {color} {o}", "{son_o_color}")

_EVENT_QA_LIST = (
    EventQA(
        "lose",
        _pair("[loses|lost] {his} {color} {o}", "[perd|a perdu] {son_o_color}"),
        _pair("[loses|lost] the {color} {o}", "[perd|a perdu] {le_o_color}"),
        _pair("What [does|did] {the_c} lose?", "Qu'est-ce que {le_c} [perd|a perdu] ?"),
        _POSSESSIVE_OBJECT,
    ),
    EventQA(
        "break",
        _pair("[breaks|broke] {his} {color} {o}", "[casse|a cassé] {son_o_color}"),
        _pair("[breaks|broke] the {color} {o}", "[casse|a cassé] {le_o_color}"),
        _pair("What [does|did] {the_c} break?", "Qu'est-ce que {le_c} [casse|a cassé] ?"),
        _POSSESSIVE_OBJECT,
    ),
    EventQA(
        "dirty",
        _pair("[gets|got] {his} {color} {o} dirty", "[salit|a sali] {son_o_color}"),
        _pair("[gets|got] the {color} {o} dirty", "[salit|a sali] {le_o_color}"),
        _pair("What [does|did] {the_c} get dirty?", "Qu'est-ce que {le_c} [salit|a sali] ?"),
        _POSSESSIVE_OBJECT,
    ),
    EventQA(
        "wet",
        _pair("[gets|got] {his} {color} {o} wet", "[mouille|a mouillé] {son_o_color}"),
        _pair("[gets|got] the {color} {o} wet", "[mouille|a mouillé] {le_o_color}"),
        _pair("What [does|did] {the_c} get wet?", "Qu'est-ce que {le_c} [mouille|a mouillé] ?"),
        _POSSESSIVE_OBJECT,
    ),
    EventQA(
        "gift",
        _pair("[gets|got] {a_o_color} as a present", "[reçoit|a reçu] {un_o_color} en cadeau"),
        None,
        _pair(
            "What [does|did] {the_c} get as a present?",
            "Qu'est-ce que {le_c} [reçoit|a reçu] en cadeau ?",
        ),
        _pair("{a_o_color}", "{un_o_color}"),
    ),
    EventQA("hungry", _pair("[is|was] very hungry", "[a|avait] très faim")),
    EventQA("cold", _pair("[is|was] very cold", "[a|avait] très froid")),
    EventQA("tired", _pair("[is|was] very tired", "[est|était] très fatigué{e_c}")),
    EventQA("hurt", _pair("[gets|got] hurt", "[se fait|s'est fait] mal")),
    EventQA("afraid", _pair("[is|was] very scared", "[a|avait] très peur")),
    EventQA("astray", _pair("[gets|got] lost", "[se perd|s'est perdu{e_c}]")),
    EventQA(
        "birthday",
        _pair("[celebrates|celebrated] {his} birthday", "[fête|a fêté] son anniversaire"),
        _pair("[has|had] a birthday", "[fête|a fêté] son anniversaire"),
    ),
    EventQA(
        "race",
        _pair("[runs|ran] a race", "[fait|a fait] une course"),
        _pair("[wins|won] the race", "[gagne|a gagné] la course"),
    ),
)
EVENT_QA = {event.name: event for event in _EVENT_QA_LIST}


@dataclass(frozen=True)
class QAItem:
    """One question about one story in one language, with its two answers.

    Arguments
    ---------
    item_id : str
        ``{story_id}-{kind}``, shared by the EN and FR items of a question.
    story_id : str
        The story asked about.
    kind : str
        One of :data:`KINDS`.
    lang : str
        ``en`` or ``fr``.
    topic : str
        The story's topic.
    question, answer, wrong_answer : str
        Full sentences; the two answers differ only by their key phrases
        (and the agreement that goes with them).
    short_answer, wrong_short_answer : str
        The key phrases, as written in the answers (lower case).
    entity, wrong_entity : str
        What the key phrases name, the same in both languages: the English
        word of the character, object, colour or place, or the event's name.

    Example
    -------
    >>> item = story_qa(example_story())[0]
    >>> item.item_id, item.kind, item.lang
    ('example-who', 'who', 'en')
    >>> item.question, item.answer, item.wrong_answer
    ('Who lost the red bucket?', 'The hen lost the red bucket.', 'The duck lost the red bucket.')
    >>> item.short_answer, item.entity, item.wrong_entity
    ('the hen', 'hen', 'duck')
    """

    item_id: str
    story_id: str
    kind: str
    lang: str
    topic: str
    question: str
    answer: str
    wrong_answer: str
    short_answer: str
    wrong_short_answer: str
    entity: str
    wrong_entity: str


# The casts of :func:`example_story`: a hen with a pig and a red bucket on
# the farm; an owl with a bear and a white lantern in the forest.
EXAMPLE_CASTS = {
    "hen": Cast("farm", character=0, friend=1, object=0, place=0, color=0),
    "owl": Cast("forest", character=1, friend=3, object=0, place=0, color=5),
}


def example_story(event="lose", tense="past", cast="hen"):
    """A small fixed story (the examples of this module and its tests).

    Arguments
    ---------
    event : str
        The story's event.
    tense : str
        ``present`` or ``past``.
    cast : str
        A key of :data:`EXAMPLE_CASTS`.

    Example
    -------
    >>> example_story().sentences["fr"][:2]
    ('Une poule vivait à la ferme avec un cochon.', 'Un jour, la poule a perdu son seau rouge.')
    """
    parts = (
        Part("setup", "setup", 2),
        Part("event", event, 0),
        Part("filler", "neutral", 0),
        Part("ending", event, 0),
    )
    return make_story("example", StoryPlan(EXAMPLE_CASTS[cast], tense, event, parts))


def names_object(event):
    """Whether the sentences of ``event`` name the cast's object.

    Example
    -------
    >>> [name for name in EVENTS if names_object(name)]
    ['lose', 'break', 'dirty', 'gift', 'wet']
    """
    return any("{o}" in template["en"] for template in EVENTS[event].event)


def story_kinds(story):
    """The question kinds asked about ``story`` (:data:`KINDS` in order).

    Example
    -------
    >>> story_kinds(example_story("hungry"))
    ('who', 'where', 'what_happened')
    """
    if names_object(story.event):
        return KINDS
    return tuple(kind for kind in KINDS if kind not in OBJECT_KINDS)


def wrong_events(event):
    """The events a ``what_happened`` wrong answer may tell instead of ``event``.

    Those of the same valence (a reaction sentence does not tell them apart)
    and the same use of the object, or all of the same valence when no such
    event is left.

    Example
    -------
    >>> wrong_events("hungry")
    ('cold', 'tired', 'hurt', 'afraid', 'astray')
    >>> wrong_events("gift")
    ('birthday', 'race')
    """
    same_valence = [
        name for name in EVENTS if name != event and EVENTS[name].valence == EVENTS[event].valence
    ]
    same_use = [name for name in same_valence if names_object(name) == names_object(event)]
    return tuple(same_use or same_valence)


def _slots(lang, cast):
    """The slots of :func:`cast_slots` plus those of the QA templates."""
    slots = cast_slots(lang, cast)
    color = COLORS[cast.color]
    thing = TOPICS[cast.topic].objects[cast.object]
    if lang == "en":
        article = "an" if color.en[0] in "aeiou" else "a"
        slots["a_o_color"] = f"{article} {color.en} {thing.en}"
    else:
        slots["couleur"] = color.fr_form(thing.gender)
    return slots


def render_qa(template, lang, cast, tense, sentence=True, **overrides):
    """Writes one QA template out (tense, slots) for ``cast``.

    Arguments
    ---------
    template : dict
        ``{"en": str, "fr": str}``.
    lang : str
        ``en`` or ``fr``.
    cast : Cast
        Fills the slots.
    tense : str
        ``present`` or ``past``.
    sentence : bool
        Capitalise the first letter (a sentence, not a phrase).
    **overrides
        Slot values that replace the cast's.

    Example
    -------
    >>> cast = Cast("forest", character=1, friend=3, object=0, place=0, color=5)
    >>> render_qa(EVENT_QA["lose"].predicate, "fr", cast, "past", sentence=False)
    'a perdu sa lanterne blanche'
    >>> render_qa({"en": "", "fr": "{le_c} {couleur}."}, "fr", cast, "present")
    'La chouette blanche.'
    """
    check_language(lang)
    text = in_tense(template[lang], tense)
    slots = {**_slots(lang, cast), **overrides}
    return fill_slots(text, slots) if sentence else text.format(**slots)


def kind_templates(kind, event):
    """The question, answer and short-answer templates of one kind and event.

    Example
    -------
    >>> question, answer, short = kind_templates("where", "lose")
    >>> question["en"], answer["fr"], short["en"]
    ('Where [does|did] {the_c} live?', '{le_c} [vit|vivait] {place}.', '{place}')
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown question kind {kind!r}; expected one of {KINDS}")
    qa = EVENT_QA[event]
    if kind in OBJECT_KINDS and qa.what_question is None:
        raise ValueError(f"no {kind!r} question: event {event!r} does not name the object")
    predicate = qa.predicate
    if kind == "who":
        predicate = qa.who_predicate or predicate
        return (
            _pair(f"Who {predicate['en']}?", f"Qui {predicate['fr']} ?"),
            _pair(f"{{the_c}} {predicate['en']}.", f"{{le_c}} {predicate['fr']}."),
            _pair("{the_c}", "{le_c}"),
        )
    if kind == "what":
        return (
            qa.what_question,
            _pair(f"{{the_c}} {predicate['en']}.", f"{{le_c}} {predicate['fr']}."),
            qa.object_phrase,
        )
    if kind == "color":
        return (
            _pair(
                "What colour [is|was] {the_c}'s {o}?",
                "De quelle couleur [est|était] {le_o} {du_c} ?",
            ),
            _pair("{the_c}'s {o} [is|was] {color}.", "{le_o} {du_c} [est|était] {couleur}."),
            _pair("{color}", "{couleur}"),
        )
    if kind == "where":
        return (
            _pair("Where [does|did] {the_c} live?", "Où [vit|vivait] {le_c} ?"),
            _pair("{the_c} [lives|lived] {place}.", "{le_c} [vit|vivait] {place}."),
            _pair("{place}", "{place}"),
        )
    return (
        _pair("What [happens|happened] to {the_c}?", "Qu'est-ce qui [arrive|est arrivé] {au_c} ?"),
        _pair(f"{{the_c}} {predicate['en']}.", f"{{le_c}} {predicate['fr']}."),
        predicate,
    )


def _mentions(phrase, sentences):
    """Whether the words of ``phrase`` occur in a row in one of ``sentences``."""
    wanted = words(phrase)
    for sentence in sentences:
        found = words(sentence)
        if any(found[i : i + len(wanted)] == wanted for i in range(len(found))):
            return True
    return False


def _entity_field(kind):
    """The :class:`Cast` field a kind asks about (``None``: the event)."""
    return {"who": "character", "what": "object", "color": "color", "where": "place"}.get(kind)


def _entities(topic, kind):
    """The lexicon entries a kind may name, by cast index."""
    topic = TOPICS[topic]
    return {
        "who": topic.characters,
        "what": topic.objects,
        "color": COLORS,
        "where": topic.places,
    }[kind]


def _phrases(entry, kind, cast):
    """The EN and FR phrases by which a lexicon entry shows in a story."""
    if kind == "color":
        gender = TOPICS[cast.topic].objects[cast.object].gender
        return {"en": entry.en, "fr": entry.fr_form(gender)}
    return {"en": entry.en, "fr": entry.fr}


def wrong_entity_choices(story, kind):
    """The entities that the wrong answer of ``kind`` may name instead.

    Cast indices of the entries of the story's topic (every colour for
    ``color``) of the kind's type, except the story's own and any that a
    sentence of the story names (the friend, for ``who``); for
    ``what_happened``, :func:`wrong_events`.

    Example
    -------
    >>> wrong_entity_choices(example_story(), "who")  # not the hen (0), not the pig (1)
    [2, 3, 4]
    >>> wrong_entity_choices(example_story(), "what_happened")
    ['break', 'dirty', 'wet']
    """
    if kind == "what_happened":
        return list(wrong_events(story.event))
    cast = story.plan.cast
    field = _entity_field(kind)
    choices = []
    for index, entry in enumerate(_entities(cast.topic, kind)):
        if index == getattr(cast, field):
            continue
        phrases = _phrases(entry, kind, cast)
        if not any(_mentions(phrases[lang], story.sentences[lang]) for lang in LANGUAGES):
            choices.append(index)
    if not choices:
        raise ValueError(f"{story.story_id}: no wrong {kind!r} entity left")
    return choices


def wrong_entity(story, kind):
    """The entity of the wrong answer: a cast index, or an event name.

    Drawn from :func:`wrong_entity_choices` by the story's text and the kind,
    so the same story always gets the same wrong answers.

    Example
    -------
    >>> TOPICS["farm"].characters[wrong_entity(example_story(), "who")].en
    'duck'
    """
    choices = wrong_entity_choices(story, kind)
    key = f"qa-{kind}|" + "|".join(story.sentences["en"])
    return choices[stable_index(key, len(choices))]


def story_qa(story):
    """The QA items of one story: each kind of :func:`story_kinds`, EN then FR.

    Example
    -------
    >>> for item in story_qa(example_story("hungry", "present")):
    ...     if item.lang == "fr":
    ...         print(f"{item.question} | {item.answer} | {item.wrong_answer}")
    Qui a très faim ? | La poule a très faim. | La chèvre a très faim.
    Où vit la poule ? | La poule vit à la ferme. | La poule vit près de la mare.
    Qu'est-ce qui arrive à la poule ? | La poule a très faim. | La poule se perd.
    """
    cast, tense, event = story.plan.cast, story.plan.tense, story.event
    items = []
    for kind in story_kinds(story):
        question, answer, short = kind_templates(kind, event)
        wrong = wrong_entity(story, kind)
        if kind == "what_happened":
            wrong_cast = cast
            wrong_answer, wrong_short = kind_templates(kind, wrong)[1:]
            names = (event, wrong)
        else:
            field = _entity_field(kind)
            wrong_cast = replace(cast, **{field: wrong})
            wrong_answer, wrong_short = answer, short
            entries = _entities(cast.topic, kind)
            names = (entries[getattr(cast, field)].en, entries[wrong].en)
        for lang in LANGUAGES:
            items.append(
                QAItem(
                    item_id=f"{story.story_id}-{kind}",
                    story_id=story.story_id,
                    kind=kind,
                    lang=lang,
                    topic=cast.topic,
                    # "Qui" takes the masculine: the question must not tell the gender.
                    question=render_qa(question, lang, cast, tense, e_c=""),
                    answer=render_qa(answer, lang, cast, tense),
                    wrong_answer=render_qa(wrong_answer, lang, wrong_cast, tense),
                    short_answer=render_qa(short, lang, cast, tense, sentence=False),
                    wrong_short_answer=render_qa(wrong_short, lang, wrong_cast, tense, False),
                    entity=names[0],
                    wrong_entity=names[1],
                )
            )
    return items


def generate_qa(stories):
    """The QA items of ``stories``, story by story (deterministic).

    Arguments
    ---------
    stories : iterable of Story
        E.g. :func:`~speechbrain_xling.corpora.stories.generate_stories`.

    Returns
    -------
    list of QAItem

    Example
    -------
    >>> items = generate_qa(generate_stories(8, "benchmark"))
    >>> sorted({item.kind for item in items}) == sorted(KINDS)
    True
    """
    return [item for story in stories for item in story_qa(story)]


def qa_for_split(num_stories, split="train", seed=0):
    """The QA items of the first ``num_stories`` stories of one split.

    Arguments
    ---------
    num_stories : int
        Number of stories (:func:`generate_stories`).
    split : str
        ``train``, ``valid`` or ``benchmark``.
    seed : int
        Seed of the stories.

    Example
    -------
    >>> items = qa_for_split(2, "benchmark", seed=1)
    >>> items == qa_for_split(2, "benchmark", seed=1), items[0].story_id
    (True, 'benchmark00000')
    """
    return generate_qa(generate_stories(num_stories, split, seed))


def aligned_items(items):
    """The items by id and language: ``{item_id: {lang: QAItem}}``.

    The EN and FR versions of a question share an id, so an EN question is
    paired with its FR answers by ``aligned[item_id]["fr"]``.

    Example
    -------
    >>> aligned = aligned_items(story_qa(example_story()))
    >>> pair = aligned["example-where"]
    >>> pair["en"].question, pair["fr"].answer
    ('Where did the hen live?', 'La poule vivait à la ferme.')
    """
    aligned = {}
    for item in items:
        aligned.setdefault(item.item_id, {})[item.lang] = item
    return aligned


def write_qa_csv(path, items):
    """Writes QA items to a CSV file (columns :data:`QA_COLUMNS`) atomically.

    Example
    -------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "qa.csv"
    >>> items = story_qa(example_story())
    >>> write_qa_csv(path, items)
    >>> read_qa_csv(path) == items
    True
    >>> path.read_text(encoding="utf-8").splitlines()[0].split(",")[:4]
    ['id', 'story_id', 'kind', 'lang']
    """
    write_csv(path, QA_COLUMNS, (dict(zip(QA_COLUMNS, astuple(item))) for item in items))


def read_qa_csv(path):
    """Reads the QA items of a file written by :func:`write_qa_csv`.

    Raises
    ------
    ValueError
        If the header is not :data:`QA_COLUMNS`.

    Example
    -------
    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "qa.csv"
    >>> _ = path.write_text("id,kind\\nx,who\\n", encoding="utf-8")
    >>> try:
    ...     read_qa_csv(path)
    ... except ValueError as error:
    ...     print(str(error).endswith("got ['id', 'kind']"))
    True
    """
    names = [field.name for field in fields(QAItem)]
    with open_text(path) as lines:
        reader = csv.DictReader(lines)
        if tuple(reader.fieldnames or ()) != QA_COLUMNS:
            raise ValueError(f"{path}: expected the columns {QA_COLUMNS}, got {reader.fieldnames}")
        return [
            QAItem(**dict(zip(names, (row[column] for column in QA_COLUMNS)))) for row in reader
        ]
