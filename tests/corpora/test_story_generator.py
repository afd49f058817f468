"""Tests of the bilingual story generator."""

import itertools
import re

import pytest

from speechbrain_xling.corpora.lexicon import COLORS, LANGUAGES, TOPICS, check_language
from speechbrain_xling.corpora.stories import (
    NUM_SENTENCES,
    PLOTS,
    SPLITS,
    StoryKey,
    generate_stories,
    render_sentences,
    story_split,
    story_vocabulary,
    words,
)

FUNCTION_WORDS = {
    "en": {"a", "an", "the", "by", "in", "on", "near", "at"},
    "fr": {"au", "de", "des", "du", "l", "la", "le", "un", "une", "à", "dans"}
    | {"en", "près", "sur"},
}


@pytest.fixture(scope="module")
def stories_by_split():
    return {
        "train": generate_stories(800, "train", seed=0),
        "valid": generate_stories(80, "valid", seed=0),
        "benchmark": generate_stories(400, "benchmark", seed=0),
    }


def _entities(key):
    topic = TOPICS[key.topic]
    return {
        "character": topic.characters[key.character],
        "friend": topic.characters[key.friend],
        "object": topic.objects[key.object],
    }


def test_sentences_are_aligned_translations(stories_by_split):
    for split, stories in stories_by_split.items():
        for index, story in enumerate(stories):
            assert story.story_id == f"{split}{index:05d}"
            assert set(story.sentences) == set(LANGUAGES)
            assert len(story.sentences["en"]) == len(story.sentences["fr"])
            assert len(story.sentences["en"]) == NUM_SENTENCES
            # A noun is in the EN sentence iff its translation is in the FR one.
            for en, fr in zip(story.sentences["en"], story.sentences["fr"]):
                for noun in _entities(story.key).values():
                    assert (noun.en in en.lower()) == (noun.fr in fr.lower()), (
                        en,
                        fr,
                    )


def test_sentences_are_short_and_capitalised(stories_by_split):
    for lang in LANGUAGES:
        lengths = []
        for story in stories_by_split["train"]:
            for sentence in story.sentences[lang]:
                assert sentence[0].isupper() and sentence.endswith(".")
                lengths.append(len(words(sentence)))
        assert 3 <= min(lengths) and max(lengths) <= 18
        assert 5 <= sum(lengths) / len(lengths) <= 10


def test_same_seed_same_stories_and_prefix_is_stable():
    first = generate_stories(40, seed=7)
    assert first == generate_stories(40, seed=7)
    assert generate_stories(10, seed=7) == first[:10]
    other = generate_stories(40, seed=8)
    assert [s.sentences for s in other] != [s.sentences for s in first]


def test_stories_are_distinct_and_balanced_over_topics(stories_by_split):
    stories = stories_by_split["train"]
    assert len({story.key for story in stories}) == len(stories)
    counts = {name: 0 for name in TOPICS}
    for story in stories:
        counts[story.topic] += 1
    assert set(counts.values()) == {len(stories) // len(TOPICS)}
    assert {story.plot for story in stories} == set(PLOTS)


def test_benchmark_stories_never_occur_in_training(stories_by_split):
    def combos(stories):
        return {(s.topic, s.key.character, s.key.object, s.key.place) for s in stories}

    def texts(stories):
        return {story.sentences["en"] for story in stories}

    for split, stories in stories_by_split.items():
        assert {story_split(story.key) for story in stories} == {split}
    for first, second in itertools.combinations(SPLITS, 2):
        assert not combos(stories_by_split[first]) & combos(stories_by_split[second])
        assert not texts(stories_by_split[first]) & texts(stories_by_split[second])


def test_wrong_ending_contradicts_with_same_entities(stories_by_split):
    for story in stories_by_split["benchmark"]:
        thing = _entities(story.key)["object"]
        other_endings = {
            plot: render_sentences(story.key, plot) for plot in PLOTS if plot != story.plot
        }
        for lang in LANGUAGES:
            wrong = story.wrong_ending[lang]
            assert wrong != story.sentences[lang][-1]
            assert wrong in {sentences[lang][-1] for sentences in other_endings.values()}
        # Same topic: the distractor speaks of the story's own entities.
        entity_words = {word for noun in _entities(story.key).values() for word in words(noun.en)}
        assert entity_words & set(words(story.wrong_ending["en"])), thing


def test_french_articles_contract_and_elide(stories_by_split):
    forbidden = [
        r"\b(le|la|sa) [aeiouéèêàâîôûy]",
        r"\bà le\b",
        r"\bà les\b",
        r"\bde le\b",
        r"\bde les\b",
    ]
    for story in itertools.chain.from_iterable(stories_by_split.values()):
        for sentence in story.sentences["fr"] + (story.wrong_ending["fr"],):
            for pattern in forbidden:
                assert not re.search(pattern, sentence.lower()), sentence


def test_french_agreement_follows_gender():
    # farm: hen (f), pig (m); bucket (m), bell (f); colour 2 = vert/verte.
    hen_bell = render_sentences(StoryKey("farm", "lose", 0, 0, 2, 2, 0, 2))["fr"]
    assert hen_bell[0] == "Une poule et une vache sont amies à la ferme."
    assert hen_bell[1] == "Un jour, la poule perd sa cloche verte."
    assert hen_bell[2] == "Elle est très triste."
    assert hen_bell[4] == "Enfin, elles retrouvent la cloche perdue."
    pig_bucket = render_sentences(StoryKey("farm", "break", 0, 1, 0, 0, 0, 5))["fr"]
    assert pig_bucket[0] == "Un cochon et une poule sont amis à la ferme."
    assert pig_bucket[1] == "Un jour, le cochon casse son seau blanc."
    assert pig_bucket[3] == "La poule répare le seau pour lui."
    assert pig_bucket[4] == "Maintenant, le seau n'est plus cassé."


def test_topic_is_recoverable_from_content_words():
    def content_words(topic, lang):
        nouns = topic.characters + topic.objects + topic.places
        found = {word for noun in nouns for word in words(getattr(noun, lang))}
        return found - FUNCTION_WORDS[lang]

    for lang in LANGUAGES:
        for first, second in itertools.combinations(TOPICS.values(), 2):
            shared = content_words(first, lang) & content_words(second, lang)
            assert not shared, (first.name, second.name, shared)


def test_vocabulary_is_small_and_covers_the_stories(stories_by_split):
    for lang in LANGUAGES:
        vocabulary = story_vocabulary(lang)
        assert len(vocabulary) < 300
        for story in stories_by_split["train"]:
            assert set(words(" ".join(story.sentences[lang]))) <= vocabulary
            assert set(words(story.wrong_ending[lang])) <= vocabulary
    assert "blanche" in story_vocabulary("fr") and len(COLORS) == 6


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="Unknown split"):
        generate_stories(1, split="test")
    with pytest.raises(ValueError, match="only"):
        generate_stories(10**6, split="benchmark")
    with pytest.raises(ValueError, match="Unknown language 'de'"):
        check_language("de")
    with pytest.raises(ValueError, match="Unknown language"):
        story_vocabulary("de")
