"""Tests of the story QA items: answers in the story, same-form wrong answers,
French agreement, EN-FR alignment, disjoint splits, the CSV file."""

import itertools
from collections import Counter, defaultdict
from dataclasses import replace

import pytest

from speechbrain_xling.corpora.lexicon import COLORS, LANGUAGES, TOPICS, VOWEL_LETTERS
from speechbrain_xling.corpora.qa import (
    EVENT_QA,
    KINDS,
    OBJECT_KINDS,
    QA_COLUMNS,
    aligned_items,
    example_story,
    generate_qa,
    kind_templates,
    names_object,
    qa_for_split,
    read_qa_csv,
    render_qa,
    story_kinds,
    story_qa,
    write_qa_csv,
    wrong_events,
)
from speechbrain_xling.corpora.stories import (
    TENSES,
    Cast,
    Part,
    StoryPlan,
    generate_stories,
    make_story,
    words,
)
from speechbrain_xling.corpora.templates import EVENTS

SPLIT_SIZES = {"train": 240, "benchmark": 160}
FEMININE_DETERMINERS = {"la", "une", "sa"}
MASCULINE_DETERMINERS = {"le", "un", "son"}


@pytest.fixture(scope="module")
def stories():
    return {split: generate_stories(size, split, seed=0) for split, size in SPLIT_SIZES.items()}


@pytest.fixture(scope="module")
def qa(stories):
    return {split: generate_qa(split_stories) for split, split_stories in stories.items()}


@pytest.fixture(scope="module")
def cases(stories, qa):
    """Every (item, its story) of both splits."""
    by_id = {story.story_id: story for story in itertools.chain(*stories.values())}
    return [(item, by_id[item.story_id]) for item in itertools.chain(*qa.values())]


def _entry(topic, kind, name):
    """The lexicon entry of a character / object / colour / place by English name."""
    table = {
        "who": TOPICS[topic].characters,
        "what": TOPICS[topic].objects,
        "color": COLORS,
        "where": TOPICS[topic].places,
    }[kind]
    matches = [entry for entry in table if entry.en == name]
    assert len(matches) == 1, (topic, kind, name)
    return matches[0]


def _phrase(entry, kind, lang, cast):
    """How an entry shows in a text of ``lang`` (colours agree with the object)."""
    if lang == "en":
        return entry.en
    if kind == "color":
        return entry.fr_form(TOPICS[cast.topic].objects[cast.object].gender)
    return entry.fr


def _mentions(phrase, sentences):
    wanted = words(phrase)
    return any(
        found[i : i + len(wanted)] == wanted
        for found in map(words, sentences)
        for i in range(len(found))
    )


def _cast_entity(cast, kind):
    """The entry of the story's own character / object / colour / place."""
    topic = TOPICS[cast.topic]
    return {
        "who": topic.characters[cast.character],
        "what": topic.objects[cast.object],
        "color": COLORS[cast.color],
        "where": topic.places[cast.place],
    }[kind]


def _around(sentence, phrase):
    """The words of ``sentence`` before and after the first ``phrase``."""
    tokens, wanted = words(sentence), words(phrase)
    starts = [i for i in range(len(tokens)) if tokens[i : i + len(wanted)] == wanted]
    assert starts, (phrase, sentence)
    return tokens[: starts[0]], tokens[starts[0] + len(wanted) :]


def test_answers_are_in_the_story_and_wrong_answers_are_not(cases):
    for item, story in cases:
        cast, text = story.plan.cast, story.sentences[item.lang]
        assert item.short_answer in item.answer.lower(), item
        assert item.wrong_short_answer in item.wrong_answer.lower(), item
        if item.kind == "what_happened":
            assert item.entity == story.event
            assert item.wrong_entity in EVENTS and item.wrong_entity != story.event
            assert all(part.kind != item.wrong_entity for part in story.plan.parts)
            assert EVENTS[item.wrong_entity].valence == EVENTS[story.event].valence
            continue
        entity = _entry(item.topic, item.kind, item.entity)
        wrong = _entry(item.topic, item.kind, item.wrong_entity)
        # The key entity is the story's own, named in its text in this language.
        assert entity == _cast_entity(cast, item.kind)
        assert _mentions(_phrase(entity, item.kind, item.lang, cast), text), item
        assert _mentions(_phrase(entity, item.kind, item.lang, cast), [item.short_answer])
        # The wrong one is another of the same topic and kind, never in the story.
        assert wrong != entity
        for lang in LANGUAGES:
            assert not _mentions(_phrase(wrong, item.kind, lang, cast), story.sentences[lang])
        assert _mentions(_phrase(wrong, item.kind, item.lang, cast), [item.wrong_short_answer])
        if item.kind == "who":
            assert wrong != TOPICS[item.topic].characters[cast.friend]


def test_answer_and_wrong_answer_differ_only_by_the_key_phrase(cases):
    agreements = Counter()
    for item, _ in cases:
        assert item.answer != item.wrong_answer
        assert item.answer[-1] == item.wrong_answer[-1] == "."
        before, after = _around(item.answer, item.short_answer)
        wrong_before, wrong_after = _around(item.wrong_answer, item.wrong_short_answer)
        assert len(before) == len(wrong_before) and len(after) == len(wrong_after), item
        for right, wrong in zip(before + after, wrong_before + wrong_after):
            if right == wrong:
                continue
            # Only the agreement of a French participle or adjective with a
            # ``who`` answer's subject may differ, and with that subject's gender.
            assert item.lang == "fr" and item.kind == "who", item
            genders = (
                _entry(item.topic, "who", item.entity).gender,
                _entry(item.topic, "who", item.wrong_entity).gender,
            )
            if wrong == right + "e":
                assert genders == ("m", "f"), item
            else:
                assert right == wrong + "e" and genders == ("f", "m"), item
            agreements[right.rstrip("e")] += 1
    # The allowance is used (and so checked): "fatiguée" / "perdue" answers exist.
    assert set(agreements) == {"fatigué", "perdu"}


def _check_french_noun_phrase(phrase, noun, definite):
    """``le``/``la``/``l'`` (definite) or ``un``/``une``/``son``/``sa`` + noun."""
    tokens = words(phrase)
    determiner, rest = tokens[0], tokens[1:]
    assert rest[: len(words(noun.fr))] == words(noun.fr), (phrase, noun)
    vowel = noun.fr[0] in VOWEL_LETTERS
    if definite:
        expected = "l" if vowel else {"m": "le", "f": "la"}[noun.gender]
        assert determiner == expected and (not vowel or phrase.startswith("l'")), phrase
    elif determiner in ("un", "une"):
        assert determiner == {"m": "un", "f": "une"}[noun.gender], phrase
    else:
        assert determiner in FEMININE_DETERMINERS | MASCULINE_DETERMINERS, phrase
        # "son" before a vowel whatever the gender ("son écharpe").
        expected = "son" if vowel else {"m": "son", "f": "sa"}[noun.gender]
        assert determiner == expected, phrase
    return rest[len(words(noun.fr)) :]


def test_french_agreement_of_the_replaced_entity(cases):
    checked = Counter()
    for item, story in cases:
        cast = story.plan.cast
        if item.kind in ("who", "what", "color") and item.lang == "fr":
            for short, name in (
                (item.short_answer, item.entity),
                (item.wrong_short_answer, item.wrong_entity),
            ):
                entry = _entry(item.topic, item.kind, name)
                if item.kind == "who":
                    assert _check_french_noun_phrase(short, entry, definite=True) == []
                elif item.kind == "what":
                    (adjective,) = _check_french_noun_phrase(short, entry, definite=False)
                    # The colour agrees with the (wrong) object.
                    assert adjective == COLORS[cast.color].fr_form(entry.gender), item
                else:
                    gender = TOPICS[cast.topic].objects[cast.object].gender
                    assert short == entry.fr_form(gender), item
                checked[item.kind, entry.gender if item.kind != "color" else gender] += 1
        if item.kind == "what" and item.lang == "en" and story.event == "gift":
            for short in (item.short_answer, item.wrong_short_answer):
                article, colour = short.split()[:2]
                assert article == ("an" if colour[0] in "aeiou" else "a"), item
    # Both genders were checked for each kind.
    assert {kind for kind, _ in checked} == {"who", "what", "color"}
    assert all(checked[kind, gender] for kind in ("who", "what") for gender in "mf")


def test_sentences_are_capitalised_and_punctuated(cases):
    for item, _ in cases:
        for text in (item.question, item.answer, item.wrong_answer):
            assert text[0].isupper() and text == text.strip() and "  " not in text, item
            assert not set("{}[]|") & set(text), item
        # French puts a space before "?", English does not.
        assert item.question.endswith(" ?" if item.lang == "fr" else "?"), item
        assert not item.question.endswith("  ?") and item.question.count("?") == 1
        if item.lang == "en":
            assert not item.question.endswith(" ?")
        for text in (item.answer, item.wrong_answer):
            assert text.endswith(".") and not text.endswith(" ."), item
        for short in (item.short_answer, item.wrong_short_answer):
            assert short and short == short.lower() and short[-1] not in ".?", item


def test_who_questions_do_not_tell_the_answer():
    """A ``who`` question is the same whoever is asked about (masculine ``qui``)."""
    for event, tense in itertools.product(EVENTS, TENSES):
        questions = defaultdict(set)
        for character in range(len(TOPICS["forest"].characters)):
            cast = Cast("forest", character, (character + 1) % 5, 0, 0, 5)
            story = make_story(
                "x",
                StoryPlan(
                    cast,
                    tense,
                    event,
                    (Part("setup", "setup", 0), Part("event", event, 0), Part("ending", event, 0)),
                ),
            )
            for item in story_qa(story):
                if item.kind == "who":
                    questions[item.lang].add(item.question)
        assert {len(texts) for texts in questions.values()} == {1}, (event, tense, questions)


def test_en_and_fr_items_are_aligned(qa):
    for items in qa.values():
        aligned = aligned_items(items)
        assert len(items) == 2 * len(aligned)
        for item_id, pair in aligned.items():
            assert set(pair) == set(LANGUAGES)
            en, fr = pair["en"], pair["fr"]
            assert item_id == f"{en.story_id}-{en.kind}"
            for name in ("item_id", "story_id", "kind", "topic", "entity", "wrong_entity"):
                assert getattr(en, name) == getattr(fr, name), (name, en, fr)
            assert (en.answer == en.wrong_answer) == (fr.answer == fr.wrong_answer) is False
        # Items come story by story, each question in EN then in FR.
        assert [item.lang for item in items] == list(LANGUAGES) * len(aligned)


def test_splits_are_disjoint_and_qa_comes_from_its_split(stories, qa):
    combinations = {}
    for split, items in qa.items():
        by_id = {story.story_id: story for story in stories[split]}
        assert {item.story_id for item in items} == set(by_id)
        assert all(item.story_id.startswith(split) for item in items)
        # The (character, object, place) of each story, read off its QA items.
        entities = defaultdict(dict)
        for item in items:
            entities[item.story_id][item.kind] = item.entity
        combinations[split] = set()
        for story_id, named in entities.items():
            cast = by_id[story_id].plan.cast
            thing = named.get("what", TOPICS[cast.topic].objects[cast.object].en)
            combinations[split].add((cast.topic, named["who"], thing, named["where"]))
    assert len(combinations["benchmark"]) > 50
    assert not combinations["benchmark"] & combinations["train"]


def test_same_seed_same_items():
    items = qa_for_split(24, "benchmark", seed=3)
    assert items == qa_for_split(24, "benchmark", seed=3)
    first = qa_for_split(8, "benchmark", seed=3)
    assert items[: len(first)] == first
    other = qa_for_split(24, "benchmark", seed=4)
    assert [item.answer for item in other] != [item.answer for item in items]


def test_every_kind_for_every_topic(stories, qa):
    for split, items in qa.items():
        assert {(item.topic, item.kind) for item in items} == set(
            itertools.product(TOPICS, KINDS)
        ), split
        kinds = defaultdict(list)
        for item in items:
            if item.lang == "en":
                kinds[item.story_id].append(item.kind)
        for story in stories[split]:
            # The object is asked about iff the event names it.
            expected = [
                kind for kind in KINDS if names_object(story.event) or kind not in OBJECT_KINDS
            ]
            assert kinds[story.story_id] == expected == list(story_kinds(story))
        assert {item.entity for item in items if item.kind == "what_happened"} == set(EVENTS)


def test_wrong_answers_vary(qa):
    """Different stories get different wrong entities (not one fixed distractor)."""
    wrong = defaultdict(set)
    for item in qa["train"]:
        key = item.entity if item.kind == "what_happened" else item.topic
        wrong[item.kind, key].add(item.wrong_entity)
    for (kind, key), names in wrong.items():
        # Only birthday and race (each other's only alternative) have one.
        choices = wrong_events(key) if kind == "what_happened" else range(3)
        assert len(names) >= min(2, len(choices)), (kind, key, names)
        assert kind != "what_happened" or names <= set(choices)


def test_every_event_has_its_questions_in_both_tenses():
    assert set(EVENT_QA) == set(EVENTS)
    for event, tense in itertools.product(EVENTS, TENSES):
        story = example_story(event, tense)
        assert (EVENT_QA[event].what_question is not None) == names_object(event)
        assert [item.kind for item in story_qa(story)] == [
            kind for kind in story_kinds(story) for _ in LANGUAGES
        ]
    with pytest.raises(ValueError, match="does not name the object"):
        kind_templates("what", "hungry")
    with pytest.raises(ValueError, match="Unknown question kind"):
        kind_templates("why", "lose")


def test_documented_examples():
    """The examples of the module docstring, word for word."""

    def asked(story, kind, lang):
        (item,) = [i for i in story_qa(story) if (i.kind, i.lang) == (kind, lang)]
        return item.question, item.answer, item.wrong_answer

    hen, owl_lost = example_story(), example_story("astray", "past", "owl")
    owl = example_story("lose", "present", "owl")
    assert asked(hen, "who", "en") == (
        "Who lost the red bucket?",
        "The hen lost the red bucket.",
        "The duck lost the red bucket.",
    )
    assert asked(owl_lost, "who", "fr") == (
        "Qui s'est perdu ?",
        "La chouette s'est perdue.",
        "Le lapin s'est perdu.",
    )
    assert asked(hen, "what", "en")[1:] == (
        "The hen lost her red bucket.",
        "The hen lost her red basket.",
    )
    assert asked(owl, "what", "fr") == (
        "Qu'est-ce que la chouette perd ?",
        "La chouette perd sa lanterne blanche.",
        "La chouette perd son sifflet blanc.",
    )
    assert asked(hen, "color", "en") == (
        "What colour was the hen's bucket?",
        "The hen's bucket was red.",
        "The hen's bucket was yellow.",
    )
    assert asked(owl, "color", "fr") == (
        "De quelle couleur est la lanterne de la chouette ?",
        "La lanterne de la chouette est blanche.",
        "La lanterne de la chouette est bleue.",
    )
    assert asked(hen, "where", "en")[1:] == (
        "The hen lived on the farm.",
        "The hen lived near the pond.",
    )
    assert asked(owl, "where", "fr") == (
        "Où vit la chouette ?",
        "La chouette vit dans la forêt.",
        "La chouette vit dans une grotte.",
    )
    assert asked(hen, "what_happened", "en") == (
        "What happened to the hen?",
        "The hen lost her red bucket.",
        "The hen got her red bucket wet.",
    )
    assert asked(owl_lost, "what_happened", "fr") == (
        "Qu'est-ce qui est arrivé à la chouette ?",
        "La chouette s'est perdue.",
        "La chouette avait très faim.",
    )


def test_render_qa_keeps_agreement_with_the_cast():
    cast = Cast("winter", character=3, friend=0, object=0, place=0, color=5)  # skier, scarf
    answer = kind_templates("who", "astray")[1]
    assert render_qa(answer, "fr", cast, "past") == "La skieuse s'est perdue."
    assert render_qa(answer, "fr", replace(cast, character=1), "past") == (
        "Le bonhomme de neige s'est perdu."
    )
    phrase = EVENT_QA["gift"].object_phrase
    assert render_qa(phrase, "fr", cast, "past", sentence=False) == "une écharpe blanche"
    assert render_qa(phrase, "fr", replace(cast, object=3), "past", False) == "un bonnet blanc"


def test_csv_round_trip(tmp_path, qa):
    items = qa["benchmark"][:60]
    path = tmp_path / "qa" / "qa.csv"
    write_qa_csv(path, items)
    assert read_qa_csv(path) == items
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert tuple(header.split(",")) == QA_COLUMNS
    assert QA_COLUMNS[:4] == ("id", "story_id", "kind", "lang")
    write_qa_csv(path, [])
    assert read_qa_csv(path) == []
    (tmp_path / "bad.csv").write_text("id,story_id\nx,y\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected the columns"):
        read_qa_csv(tmp_path / "bad.csv")
