"""Several unit stores in one stream: shares, languages, resume, recipe."""

import json

import numpy as np
import pytest

from speechbrain_xling.data.packing import WindowPacker
from speechbrain_xling.data.sequences import DocumentMixture
from speechbrain_xling.data.store_mixture import StoreMixture
from speechbrain_xling.data.unit_store import write_unit_store
from tests.conftest import aligned_rows
from tests.core.test_train_recipe import failure, run, train_command


def mono_rows(lang, num_stories, prefix):
    return [
        {**row, "utt_id": f"{prefix}{row['utt_id']}", "story_id": f"{prefix}{row['story_id']}"}
        for row in aligned_rows(num_stories, languages=(lang,))
    ]


@pytest.fixture
def stores(tmp_path):
    return {
        "books": write_unit_store(tmp_path / "books", mono_rows("en", 30, "b"), num_units=64),
        "stories": write_unit_store(tmp_path / "stories", aligned_rows(30), num_units=64),
    }


def mixture(stores, shares=None, seed=0):
    return StoreMixture(
        {
            "books": DocumentMixture(stores["books"], ["en"], seed=seed),
            "stories": DocumentMixture(stores["stories"], ["en", "fr"], seed=seed),
        },
        shares,
    )


def test_token_shares_hold_and_languages_are_mapped(stores):
    mix = mixture(stores, {"books": 0.75, "stories": 0.25})
    assert mix.languages == ["en", "fr"]
    tokens = np.zeros(2)
    by_lang = np.zeros(2)
    for _ in range(400):
        document = mix.next_document()
        tokens[int(document.store is stores["stories"])] += document.sizes.sum()
        by_lang += np.bincount(document.langs, weights=document.sizes, minlength=2)
        if document.store is stores["books"]:
            assert set(document.langs.tolist()) == {0}  # books are EN only
    assert abs(tokens[0] / tokens.sum() - 0.75) < 0.01
    assert by_lang[1] > 0  # FR documents of the stories store count as FR


def test_language_order_follows_the_stage(stores):
    sources = {"stories": DocumentMixture(stores["stories"], ["en", "fr"])}
    mix = StoreMixture(sources, languages=["fr", "en"])
    document = mix.next_document()
    fr_rows = stores["stories"].langs[document.rows] == "fr"
    assert (document.langs[fr_rows] == 0).all() and (document.langs[~fr_rows] == 1).all()
    with pytest.raises(ValueError, match=r"miss \['fr'\]"):
        StoreMixture(sources, languages=["en"])


def test_default_shares_follow_store_sizes(stores):
    mix = mixture(stores)
    sizes = np.array([stores["books"].total_units, stores["stories"].total_units])
    np.testing.assert_allclose(mix.shares, sizes / sizes.sum())


def test_packer_state_round_trip_over_stores(stores):
    packer = WindowPacker(mixture(stores, {"books": 0.5, "stories": 0.5}), 16, eos=64)
    for _ in range(7):
        packer.next_window()
    state = json.loads(json.dumps(packer.state_dict()))
    expected = [packer.next_window()[0].tolist() for _ in range(20)]
    restored = WindowPacker(mixture(stores, {"books": 0.5, "stories": 0.5}), 16, eos=64)
    restored.load_state_dict(state)
    assert [restored.next_window()[0].tolist() for _ in range(20)] == expected


def test_bad_shares_are_refused(stores):
    with pytest.raises(ValueError, match=r"name \['novels'\], not stores"):
        mixture(stores, {"novels": 1.0})
    with pytest.raises(ValueError, match="positive sum"):
        mixture(stores, {"books": 0.0, "stories": 0.0})


def test_stage_reads_two_stores_mixed_by_share(tiny_text_lm, tmp_path, stores):
    train_store = f"{{books: {stores['books'].folder}, stories: {stores['stories'].folder}}}"
    command = train_command(
        "stage1_en_pretrain.yaml",
        "null",
        tiny_text_lm("llama"),
        tmp_path,
        train_stores=train_store,
        store_shares="{books: 0.75, stories: 0.25}",
        max_steps=8,
    )
    result = run(command)
    assert result.returncode == 0, failure(result)
    summary = json.loads((tmp_path / "stage1_en_pretrain" / "training_summary.json").read_text())
    assert sum(summary["measured_tokens"].values()) == 8 * 256
    # A language that no store holds is refused, naming it.
    command = train_command(
        "stage1_en_pretrain.yaml",
        "null",
        tiny_text_lm("llama"),
        tmp_path / "de",
        train_stores=train_store,
        languages="[en, de]",
        language_shares="{en: 0.5, de: 0.5}",
    )
    result = run(command)
    assert result.returncode != 0
    assert "language(s) ['de'] are in none of the unit stores" in result.stdout + result.stderr
