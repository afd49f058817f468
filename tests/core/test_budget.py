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
