"""Token budgets of Table 3, computed from the recipe's hparams."""

import subprocess
import sys
from pathlib import Path

import pytest

from speechbrain_xling.brain import gradient_accumulation
from speechbrain_xling.budget import system_budgets
from speechbrain_xling.training import check_hparams

HPARAMS = Path(__file__).parents[2] / "recipes" / "sTinyStories" / "SLM" / "hparams"


def test_budget_tool_prints_table3():
    output = subprocess.run(
        [sys.executable, "-m", "speechbrain_xling.budget", str(HPARAMS)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert output.splitlines() == [
        "system,en_btokens,fr_btokens",
        "Baseline EN,46.08,0.00",
        "Baseline FR,0.00,15.36",
        "Baseline EN+FR,61.44,15.36",
        "Cross-lingual Interleaving,52.22,6.14",
        "Cross-lingual Interleaving + EN+FR Fine-Tuning,61.44,15.36",
        # instruction fine-tuning on top of the speech-text stage: 2000 x 614,400
        "Chain-of-Modality SFT,52.84,6.76",
        # the speech-text stage 2 has the textless stage 2's budget (matched)
        "Speech-Text Interleaving,52.22,6.14",
    ]


def test_budget_follows_stage_chains(tmp_path):
    for name in ("stage1_en_pretrain", "stage2_interleave"):
        text = (HPARAMS / f"{name}.yaml").read_text()
        (tmp_path / f"{name}.yaml").write_text(text.replace("max_steps: 75000", "max_steps: 10"))
    budgets = system_budgets(tmp_path)
    assert budgets["Baseline EN"] == {"en": 10 * 614400}
    assert budgets["Cross-lingual Interleaving"] == {
        "en": 10 * 614400 + 20000 * 307200,
        "fr": 20000 * 307200,
    }
    (tmp_path / "stage1_en_pretrain.yaml").unlink()
    with pytest.raises(ValueError, match="init_from_stage 'stage1_en_pretrain' is not a stage"):
        system_budgets(tmp_path)


def test_budget_that_does_not_divide_into_steps():
    assert gradient_accumulation(614400, 25, 2048, 4) == 3
    with pytest.raises(ValueError, match="not a multiple of world_size x batch_size"):
        gradient_accumulation(614400, 7, 2048, 1)


def test_misspelt_hparam_key_is_named():
    from speechbrain_xling.training import REQUIRED_KEYS

    hparams = dict.fromkeys(REQUIRED_KEYS, 0)
    hparams["interleave_ration"] = 0.5
    with pytest.raises(
        ValueError, match="unknown key 'interleave_ration' \\(did you mean 'interleave_ratio'\\?\\)"
    ):
        check_hparams(hparams, "stage2.yaml")


@pytest.mark.parametrize(
    "shares, text_share",
    [("{text: 1.0}", 1.0), ("{speech: 1.0}", 0.0), ("{text: 0.3, speech: 0.7}", 0.3)],
)
def test_budget_per_modality_measures_speech_text_documents(tmp_path, shares, text_share):
    from speechbrain_xling.data.unit_store import write_unit_store
    from speechbrain_xling.tokenizers.text import train_sentencepiece
    from tests.core.test_speech_text import text_rows

    rows = text_rows()
    store = write_unit_store(tmp_path / "store", rows, num_units=64)
    spm = train_sentencepiece(
        [row["text"] for row in rows], tmp_path / "t.model", 60, byte_fallback=False
    )
    folder = tmp_path / "hparams"
    folder.mkdir()
    (folder / "stage1_en_pretrain.yaml").write_text(
        (HPARAMS / "stage1_en_pretrain.yaml")
        .read_text()
        .replace("max_steps: 75000", "max_steps: 10")
    )
    text = (HPARAMS / "stage2_speech_text.yaml").read_text()
    text = text.replace("num_units: 2048", "num_units: 64").replace(
        "context_length: 2048", "context_length: 256"
    )
    text = text.replace(
        "document_shares: {text: 0.20, interleaved: 0.55, speech: 0.25, pairs: 0.0}",
        f"document_shares: {shares}",
    )
    (folder / "stage2_speech_text.yaml").write_text(text)
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "speechbrain_xling.budget",
            str(folder),
            "--store",
            str(store.folder),
            "--text_tokenizer",
            str(spm),
            "--sample_tokens",
            "20000",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert output[0] == "system,en_speech_btokens,en_text_btokens,fr_speech_btokens,fr_text_btokens"
    # stage 1 (textless, EN): all speech
    assert output[1] == "Baseline EN,0.01,0.00,0.00,0.00"  # 10 steps x 614,400 tokens
    cells = dict(zip(output[0].split(",")[1:], map(float, output[2].split(",")[1:])))
    assert output[2].startswith("Speech-Text Interleaving,")
    stage2 = 20000 * 614400 / 1e9  # the speech-text stage's tokens, both languages
    assert sum(cells.values()) == pytest.approx(stage2, abs=0.03)
    # document_shares are shares of the tokens: the text documents' share
    text_tokens = cells["en_text_btokens"] + cells["fr_text_btokens"]
    assert text_tokens == pytest.approx(text_share * stage2, abs=0.02 * stage2)
    if text_share < 1:
        assert cells["en_speech_btokens"] > 0
