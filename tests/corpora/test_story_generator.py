"""Tests of the compositional bilingual story generator and its templates."""

import itertools
import random
import re
from collections import Counter

import pytest

from speechbrain_xling.corpora.lexicon import COLORS, LANGUAGES, TOPICS, Noun, Place, Topic
from speechbrain_xling.corpora.stories import (
    HELD_OUT_POSITIONS,
    MAX_SENTENCES,
    MIN_CUE_DISTANCE,
    MIN_SENTENCES,
    SPLITS,
    TENSES,
    Cast,
    Part,
    StoryPlan,
    all_templates,
    cast_split,
    cue_neutralised_parts,
    draw_cast,
    generate_stories,
    is_held_out,
    plan_story,
    render,
    render_plan,
    story_vocabulary,
    words,
)
from speechbrain_xling.corpora.templates import EVENTS, FILLERS, REACTIONS, SETUPS


@pytest.fixture(scope="module")
def stories_by_split():
    return {
        "train": generate_stories(1600, "train", seed=0),
        "valid": generate_stories(80, "valid", seed=0),
        "benchmark": generate_stories(400, "benchmark", seed=0),
    }


def _nouns(cast):
    topic = TOPICS[cast.topic]
    return (
        topic.characters[cast.character],
        topic.characters[cast.friend],
        topic.objects[cast.object],
    )


def _mentions(noun, sentence):
    """Whether the words of ``noun`` occur in a row in ``sentence``."""
    wanted, found = words(noun), words(sentence)
    return any(found[i : i + len(wanted)] == wanted for i in range(len(found)))


def _structure(story):
    plan = story.plan
    return plan.event, plan.event_index, plan.event_paraphrase


def test_sentences_are_aligned_translations(stories_by_split):
    for split, stories in stories_by_split.items():
        for index, story in enumerate(stories):
            assert story.story_id == f"{split}{index:05d}"
            assert set(story.sentences) == set(LANGUAGES)
            assert len(story.sentences["en"]) == len(story.sentences["fr"])
            assert len(story.sentences["en"]) == len(story.plan.parts)
            assert MIN_SENTENCES <= len(story.plan.parts) <= MAX_SENTENCES
            # A noun is in the EN sentence iff its translation is in the FR one.
            for en, fr in zip(story.sentences["en"], story.sentences["fr"]):
                for noun in _nouns(story.plan.cast):
                    assert _mentions(noun.en, en) == _mentions(noun.fr, fr), (en, fr)


def test_story_shapes_vary_as_documented(stories_by_split):
    train = stories_by_split["train"]
    for story in itertools.chain.from_iterable(stories_by_split.values()):
        roles = [part.role for part in story.plan.parts]
        assert roles[0] == "setup" and roles[-1] == "ending"
        assert roles.count("event") == 1 and roles.count("setup") == roles.count("ending") == 1
        event = story.plan.event_index
        if "reaction" in roles:
            assert roles.count("reaction") == 1
            assert abs(roles.index("reaction") - event) == 1
            assert story.plan.parts[roles.index("reaction")].kind == EVENTS[story.event].valence
        if "consequence" in roles:
            assert roles.index("consequence") > event
        fillers = [part for part in story.plan.parts if part.role == "filler"]
        assert len(set(fillers)) == len(fillers)
        for part in story.plan.parts:
            if part.role in ("event", "consequence", "ending"):
                assert part.kind == story.event
    # Every length, event kind, event position, tense and reaction side occurs.
    assert {len(s.plan.parts) for s in train} == set(range(MIN_SENTENCES, MAX_SENTENCES + 1))
    assert {s.event for s in train} == set(EVENTS) and len(EVENTS) >= 12
    assert {s.plan.event_index for s in train} == set(range(1, MAX_SENTENCES - 1))
    assert {s.plan.tense for s in train} == set(TENSES)
    sides = {
        s.plan.parts[s.plan.event_index + side].role == "reaction"
        for s in train
        for side in (-1, 1)
    }
    assert sides == {True, False}
    reaction_sides = Counter(
        "before" if s.plan.parts[s.plan.event_index - 1].role == "reaction" else "after"
        for s in train
        if any(part.role == "reaction" for part in s.plan.parts)
    )
    assert reaction_sides["before"] > 50 and reaction_sides["after"] > 50
    # Other sentences stand between the event and the ending in most stories.
    distances = Counter(s.plan.cue_distance for s in train)
    assert distances[1] < 0.5 * len(train) and max(distances) >= 5


def test_every_sentence_type_has_three_paraphrases():
    groups = [SETUPS, *REACTIONS.values(), *FILLERS.values()]
    groups += [
        getattr(event, role)
        for event in EVENTS.values()
        for role in ("event", "consequence", "ending")
    ]
    for group in groups:
        assert len(group) >= 3
        for lang in LANGUAGES:
            assert len({t[lang] for t in group}) == len(group)
    # Endings are specific to their event: no two events share one.
    endings = [t["en"] for event in EVENTS.values() for t in event.ending]
    assert len(set(endings)) == len(endings)


def test_same_seed_same_stories_and_prefix_is_stable():
    first = generate_stories(40, seed=7)
    assert first == generate_stories(40, seed=7)
    assert generate_stories(10, seed=7) == first[:10]
    other = generate_stories(40, seed=8)
    assert [s.sentences for s in other] != [s.sentences for s in first]


def test_stories_are_distinct_and_balanced_over_topics(stories_by_split):
    for stories in stories_by_split.values():
        assert len({story.sentences["en"] for story in stories}) == len(stories)
        counts = Counter(story.topic for story in stories)
        assert set(counts.values()) == {len(stories) // len(TOPICS)}


def test_splits_are_disjoint_in_entities_and_structures(stories_by_split):
    def combos(stories):
        return {
            (s.topic, s.plan.cast.character, s.plan.cast.object, s.plan.cast.place) for s in stories
        }

    for split, stories in stories_by_split.items():
        assert {cast_split(story.plan.cast) for story in stories} == {split}
    for first, second in itertools.combinations(SPLITS, 2):
        assert not combos(stories_by_split[first]) & combos(stories_by_split[second])
    seen = {_structure(story) for split in ("train", "valid") for story in stories_by_split[split]}
    benchmark = {_structure(story) for story in stories_by_split["benchmark"]}
    assert not seen & benchmark
    assert all(is_held_out(*structure) for structure in benchmark)
    assert not any(is_held_out(*structure) for structure in seen)
    # Held out are combinations only: each wording of each event, and each
    # event at each held-out position, is heard in training.
    train = stories_by_split["train"]
    assert {(s.event, s.plan.event_paraphrase) for s in train} == {
        (name, k) for name, event in EVENTS.items() for k in range(len(event.event))
    }
    assert {(s.event, s.plan.event_index) for s in train} >= {
        (name, position) for name in EVENTS for position in HELD_OUT_POSITIONS
    }
    # Each (event, paraphrase) has exactly one held-out position.
    for name, event in EVENTS.items():
        for paraphrase in range(len(event.event)):
            held = [p for p in range(1, MAX_SENTENCES - 1) if is_held_out(name, p, paraphrase)]
            assert len(held) == 1


def test_benchmark_stories_keep_the_cue_away_from_the_ending(stories_by_split):
    for story in stories_by_split["benchmark"]:
        assert story.plan.cue_distance >= MIN_CUE_DISTANCE
        roles = [part.role for part in story.plan.parts]
        assert "consequence" not in roles
        # Nothing after the event names it: only reactions and fillers.
        assert set(roles[story.plan.event_index + 1 : -1]) <= {"reaction", "filler"}
    assert {s.plan.cue_distance for s in stories_by_split["benchmark"]} >= {2, 3, 4}


def test_cue_neutralised_parts_replace_only_the_event():
    rng = random.Random(0)
    for index in range(300):
        cast = draw_cast(rng, sorted(TOPICS)[index % len(TOPICS)], "benchmark")
        plan = plan_story(rng, "benchmark", cast, rng.choice(list(EVENTS)), rng.choice(TENSES))
        parts = cue_neutralised_parts(plan)
        changed = [i for i, (a, b) in enumerate(zip(plan.parts, parts)) if a != b]
        assert changed == [plan.event_index]
        replacement = parts[plan.event_index]
        assert (replacement.role, replacement.kind) == ("filler", "neutral")
        assert replacement not in plan.parts
        sentences = render_plan(plan, parts)
        for lang in LANGUAGES:
            assert len(set(sentences[lang])) == len(sentences[lang])


# French grammar: every template, every tense, every cast of the lexicon.

FORBIDDEN_FRENCH = [
    r"\b(le|la|sa|ne|de|que|se) [aeiouéèêàâîôûy]",  # elision
    r"\bà le\b",
    r"\bà les\b",
    r"\bde le\b",
    r"\bde les\b",
    r"\bsa [aeiouéèêàâîôûy]",
]


def _lexicon_casts():
    for topic in TOPICS.values():
        for character, thing in itertools.product(
            range(len(topic.characters)), range(len(topic.objects))
        ):
            friends = [f for f in range(len(topic.characters)) if f != character]
            for friend in friends[:2]:
                yield Cast(topic.name, character, friend, thing, character % 4, thing % 6)


def test_french_elides_and_contracts_in_every_template():
    for cast in _lexicon_casts():
        for sentence_template, tense in itertools.product(all_templates(), TENSES):
            sentence = render(sentence_template, "fr", cast, tense).lower()
            for pattern in FORBIDDEN_FRENCH:
                assert not re.search(pattern, sentence), (sentence, sentence_template)
            assert "[" not in sentence and "{" not in sentence


def _agreement_topic(character, friend, thing):
    # Vowel-initial nouns spelt alike in both genders: articles elide the
    # same way, so two renderings differ only in agreeing words.
    return Topic(
        "agreement",
        (Noun("ape", "ami", character), Noun("owl", "ours", friend)),
        (Noun("arch", "arc", thing),),
        (Place("here", "ici"),),
    )


AGREEMENT_CAST = Cast("agreement", 0, 1, 0, 0, 0)
# Words after an auxiliary that are not participles agreeing with the cast.
NOT_AGREEING = {"là", "de", "comme", "plein", "partie", "venus", "une", "froide"}
# Participles that must not agree: the direct object comes after them.
NO_AGREEMENT_CONTEXTS = ("s'est cogné la tête",)
FEMININE_IRREGULAR = {"courageux": "courageuse", "neuf": "neuve", "sec": "sèche"}
GENDERED_WORDS = {
    ("il", "elle"),
    ("lui", "elle"),
    ("le", "la"),
    ("un", "une"),
    ("ils", "elles"),
    ("amis", "amies"),
    ("son", "sa"),
}


def _render_all(monkeypatch, genders, tense):
    monkeypatch.setitem(TOPICS, "agreement", _agreement_topic(*genders))
    return [render(t, "fr", AGREEMENT_CAST, tense) for t in all_templates()]


def test_french_participles_agree_in_every_template(monkeypatch):
    feminine = _render_all(monkeypatch, ("f", "f", "f"), "past") + _render_all(
        monkeypatch, ("f", "f", "f"), "present"
    )
    after_auxiliary = re.compile(
        r"(?<![\w'])(?:est|était|sont|étaient|a été|s'est|se sont|l'a|l'avait) "
        r"(?:(?:tout\w*|plus|pas|très|de nouveau) )?([\w-]+)"
    )
    checked = 0
    for sentence in feminine:
        for match in after_auxiliary.finditer(sentence.lower()):
            word = match.group(1)
            if word in NOT_AGREEING or any(c in sentence for c in NO_AGREEMENT_CONTEXTS):
                continue
            checked += 1
            assert word.endswith(("e", "es")), sentence
    assert checked > 20
    for context in NO_AGREEMENT_CONTEXTS:
        assert any(context in sentence for sentence in feminine)


@pytest.mark.parametrize("flip", [0, 1, 2])
def test_french_words_change_with_gender_only_as_agreement(monkeypatch, flip):
    for tense in TENSES:
        masculine = _render_all(monkeypatch, ("m", "m", "m"), tense)
        genders = ["m", "m", "m"]
        genders[flip] = "f"
        flipped = _render_all(monkeypatch, tuple(genders), tense)
        for before, after in zip(masculine, flipped):
            old, new = words(before), words(after)
            assert len(old) == len(new), (before, after)
            for m_word, f_word in zip(old, new):
                if m_word == f_word:
                    continue
                assert (
                    f_word in (m_word + "e", m_word + "es")
                    or FEMININE_IRREGULAR.get(m_word) == f_word
                    or (m_word, f_word) in GENDERED_WORDS
                ), (before, after)


def test_french_agreement_examples():
    # forest: owl (f), bear (m); lantern (f), whistle (m); colour 5: blanc/blanche.
    owl_lantern = Cast("forest", character=1, friend=3, object=0, place=0, color=5)
    pig_bucket = Cast("farm", character=1, friend=0, object=0, place=0, color=5)
    hen_cow = Cast("farm", character=0, friend=2, object=2, place=0, color=2)
    cases = [
        (
            EVENTS["break"].event[2],
            owl_lantern,
            "past",
            "Oh non, la lanterne blanche de la chouette s'est cassée en deux.",
        ),
        (
            EVENTS["lose"].consequence[0],
            owl_lantern,
            "past",
            "L'ours l'a aidée à chercher la lanterne.",
        ),
        (
            EVENTS["lose"].ending[1],
            owl_lantern,
            "past",
            "À la fin, la lanterne perdue a été retrouvée.",
        ),
        (EVENTS["astray"].consequence[0], owl_lantern, "present", "L'ours la cherche partout."),
        (EVENTS["astray"].consequence[0], pig_bucket, "past", "La poule l'a cherché partout."),
        (EVENTS["hurt"].event[1], owl_lantern, "past", "La chouette s'est cogné la tête."),
        (EVENTS["cold"].consequence[2], hen_cow, "past", "Elles se sont assises près du feu."),
        (EVENTS["cold"].consequence[2], pig_bucket, "past", "Ils se sont assis près du feu."),
        (
            EVENTS["wet"].event[1],
            hen_cow,
            "past",
            "La cloche verte de la poule a été toute mouillée par la pluie.",
        ),
        (
            EVENTS["gift"].event[0],
            owl_lantern,
            "present",
            "Un jour, l'ours donne une lanterne blanche à la chouette.",
        ),
        (
            EVENTS["race"].consequence[0],
            owl_lantern,
            "past",
            "La chouette s'est entraînée chaque matin.",
        ),
        (
            EVENTS["afraid"].ending[1],
            owl_lantern,
            "present",
            "La chouette se sent de nouveau courageuse.",
        ),
        (SETUPS[0], hen_cow, "past", "Une poule et une vache étaient amies à la ferme."),
        (REACTIONS["bad"][0], owl_lantern, "present", "La chouette n'est pas contente."),
    ]
    for sentence_template, cast, tense, expected in cases:
        assert render(sentence_template, "fr", cast, tense) == expected


def test_vocabulary_covers_the_stories_and_stays_learnable(stories_by_split):
    for lang in LANGUAGES:
        vocabulary = story_vocabulary(lang)
        assert len(vocabulary) < 600
        for story in itertools.chain.from_iterable(stories_by_split.values()):
            assert set(words(" ".join(story.sentences[lang]))) <= vocabulary
    assert {"blanche", "perdue", "assises", "courageuse"} <= story_vocabulary("fr")
    assert len(COLORS) == 6


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="Unknown split"):
        generate_stories(1, split="test")
    with pytest.raises(ValueError, match="num_stories"):
        generate_stories(-1)
    with pytest.raises(ValueError, match="Unknown tense"):
        render(SETUPS[0], "en", AGREEMENT_CAST, "future")
    with pytest.raises(ValueError, match="Unknown sentence role"):
        render_plan(StoryPlan(AGREEMENT_CAST, "past", "lose", (Part("moral", "x", 0),)))
    with pytest.raises(ValueError, match="Unknown language"):
        story_vocabulary("de")
