"""Tests of the cloze items: role-swapped pairs, held-out structures, controls."""

from collections import defaultdict

import pytest

from speechbrain_xling.corpora.cloze_benchmark import CONDITIONS, cloze_items, story_pairs
from speechbrain_xling.corpora.lexicon import TOPICS
from speechbrain_xling.corpora.stories import (
    MIN_CUE_DISTANCE,
    generate_stories,
    is_held_out,
    render,
    words,
)
from speechbrain_xling.corpora.templates import EVENTS, FILLERS
from speechbrain_xling.eval.cloze import CONTROLS
from speechbrain_xling.eval.cloze import TASKS as CLOZE_TASKS

NUM_ITEMS = 40


@pytest.fixture(scope="module")
def items():
    return cloze_items(NUM_ITEMS, seed=0)


@pytest.fixture(scope="module")
def pairs():
    return {task: story_pairs(task, NUM_ITEMS // 2, seed=0) for task in CLOZE_TASKS}


def _by_condition(items):
    groups = defaultdict(list)
    for item in items:
        key = (item["task"], item["prompt_lang"], item["ending_lang"], item["control"])
        groups[key].append(item)
    return groups


def test_every_task_condition_and_control_has_the_items(items):
    groups = _by_condition(items)
    assert set(groups) == {
        (task, *condition, control)
        for task in CLOZE_TASKS
        for condition in CONDITIONS
        for control in CONTROLS
    }
    assert {len(group) for group in groups.values()} == {NUM_ITEMS}
    # An odd count is rounded up to whole pairs.
    assert len(cloze_items(3)) == 4 * len(CLOZE_TASKS) * len(CONDITIONS) * len(CONTROLS)


def test_pairs_are_role_swapped_exactly(items):
    for group in _by_condition(items).values():
        correct = [item["correct_text"] for item in group]
        wrong = [item["wrong_text"] for item in group]
        # Every ending is once correct and once wrong, in the two items of a pair.
        assert sorted(correct) == sorted(wrong)
        for first, second in zip(group[::2], group[1::2]):
            assert first["correct_text"] == second["wrong_text"] != first["wrong_text"]
            assert second["correct_text"] == first["wrong_text"]
            number = int(first["item_id"].split("-")[1])
            assert number % 2 == 0 and second["item_id"].endswith(f"{number + 1:04d}")


def test_pairs_relate_as_their_task_says(pairs):
    for task, task_pairs in pairs.items():
        for first, second in task_pairs:
            assert first.plan.tense == second.plan.tense
            if task == "ssc":
                assert first.plan.cast == second.plan.cast
                assert first.event != second.event
                assert EVENTS[first.event].valence == EVENTS[second.event].valence
            else:
                assert first.topic != second.topic
                assert (first.event == second.event) == (task == "stc_same_event")
                # TopicCloze endings carry their topic: they name the cast.
                for story in (first, second):
                    topic = TOPICS[story.topic]
                    cast_words = {
                        word
                        for noun in topic.characters + topic.objects
                        for lang in ("en", "fr")
                        for word in words(getattr(noun, lang))
                    }
                    for lang in ("en", "fr"):
                        assert cast_words & set(words(story.sentences[lang][-1]))
    topics = {first.topic for first, _ in pairs["ssc"]}
    assert len(topics) == 8


def test_benchmark_structures_are_held_out_and_the_cue_is_far(pairs):
    train = generate_stories(800, "train", seed=0)
    train_structures = {(s.event, s.plan.event_index, s.plan.event_paraphrase) for s in train}
    for task_pairs in pairs.values():
        for story in (story for pair in task_pairs for story in pair):
            structure = (story.event, story.plan.event_index, story.plan.event_paraphrase)
            assert is_held_out(*structure) and structure not in train_structures
            assert story.plan.cue_distance >= MIN_CUE_DISTANCE


def test_controls_are_built_from_the_full_prompt(items, pairs):
    stories = {story.story_id: story for task in pairs.values() for pair in task for story in pair}
    neutral = FILLERS["neutral"]
    by_item = defaultdict(dict)
    for item in items:
        by_item[item["item_id"], item["prompt_lang"], item["ending_lang"]][item["control"]] = item
    for (item_id, prompt_lang, _), controls in by_item.items():
        story = stories[item_id]
        full = controls["full"]["prompt_sentences"]
        assert full == story.sentences[prompt_lang][:-1]
        assert controls["last_sentence"]["prompt_sentences"] == full[-1:]
        no_cue = controls["no_cue"]["prompt_sentences"]
        differ = [i for i, (a, b) in enumerate(zip(full, no_cue)) if a != b]
        assert len(no_cue) == len(full) and differ == [story.plan.event_index]
        replaced = no_cue[story.plan.event_index]
        assert replaced not in full
        # The replacement is a neutral filler in the story's tense.
        plan = story.plan
        assert replaced in {render(t, prompt_lang, plan.cast, plan.tense) for t in neutral}
        # The endings are the same in all controls.
        endings = {(c["correct_text"], c["wrong_text"]) for c in controls.values()}
        assert len(endings) == 1


def test_cross_lingual_conditions_translate_each_other(items):
    rows = {
        (item["item_id"], item["prompt_lang"], item["ending_lang"], item["control"]): item
        for item in items
    }
    for (item_id, prompt_lang, ending_lang, control), item in rows.items():
        same_prompt = rows[item_id, prompt_lang, prompt_lang, control]
        same_ending = rows[item_id, ending_lang, ending_lang, control]
        assert item["prompt_text"] == same_prompt["prompt_text"]
        assert item["correct_text"] == same_ending["correct_text"]
        assert item["wrong_text"] == same_ending["wrong_text"]
