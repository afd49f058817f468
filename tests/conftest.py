"""Shared fixtures: tiny unit stores and tiny text LMs built by the tests."""

import numpy as np
import pytest

from speechbrain_xling.data.unit_store import write_unit_store

TINY_ARCHITECTURES = {
    "llama": {
        "model_type": "llama",
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "tie_word_embeddings": False,
    },
    "qwen2": {
        "model_type": "qwen2",
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "tie_word_embeddings": True,
    },
}


def aligned_rows(num_stories, languages=("en", "fr"), sentences=5, num_units=64, seed=0):
    """Rows of an aligned toy corpus: each language uses its own unit range.

    Story ``s`` sentence ``j`` in language number ``k`` is a run of units
    starting at ``k * num_units // len(languages) + (s + j) % 8`` so that the
    language of every unit can be read back from its id.
    """
    rng = np.random.default_rng(seed)
    span = num_units // len(languages)
    rows = []
    for story in range(num_stories):
        for k, lang in enumerate(languages):
            for sent in range(sentences):
                length = int(rng.integers(3, 12))
                start = k * span + (story + sent) % 8
                units = start + np.arange(length) % (span - 8)
                rows.append(
                    dict(
                        utt_id=f"s{story}_{lang}_{sent}",
                        units=units,
                        story_id=f"s{story}",
                        sent_idx=sent,
                        lang=lang,
                        speaker=f"v{story % 3}",
                    )
                )
    return rows


@pytest.fixture
def aligned_store(tmp_path):
    """A 40-story EN/FR aligned store with K=64."""
    return write_unit_store(tmp_path / "store", aligned_rows(40), num_units=64)


@pytest.fixture(scope="session")
def tiny_text_lm(tmp_path_factory):
    """Factory: saves a tiny random text LM of an architecture, returns its folder."""
    import transformers

    folders = {}

    def build(architecture):
        if architecture not in folders:
            fields = dict(TINY_ARCHITECTURES[architecture])
            config = transformers.AutoConfig.for_model(
                fields.pop("model_type"), vocab_size=500, **fields
            )
            model = transformers.AutoModelForCausalLM.from_config(config)
            folder = tmp_path_factory.mktemp(f"text_{architecture}")
            model.save_pretrained(folder)
            folders[architecture] = folder
        return folders[architecture]

    return build
