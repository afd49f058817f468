"""The embedded default end to end, in miniature: every report cell filled."""

import csv
import json
import re

import pytest

from speechbrain_xling.corpora.tts import TRAIN_VOICES
from speechbrain_xling.demo import parse_args, run_demo, summarize_seeds
from speechbrain_xling.eval.report import COLUMNS

TINY = [
    "--train-stories",
    "40",
    "--valid-stories",
    "4",
    "--bench-items",
    "8",
    "--alignment-pairs",
    "8",
    "--step-scale",
    "0.1",
    "--tokens-per-step",
    "512",
    "--batch-size",
    "2",
    "--context-length",
    "256",
    "--hidden-size",
    "32",
    "--num-layers",
    "1",
    "--no-progress",
]


@pytest.mark.parametrize(
    "units, extra", [("phones", []), ("kmeans", []), ("kmeans", ["--unit-bpe", "40"])]
)
def test_tiny_pipeline_fills_every_report_cell(tmp_path, units, extra):
    argv = [
        "--output-folder",
        str(tmp_path),
        "--units",
        units,
        *extra,
        "--kmeans-units",
        "16",
        "--kmeans-sample-hours",
        "0.01",
        "--train-voices",
        "2",
        *TINY,
    ]
    args = parse_args(argv)
    run_folder = run_demo(args)
    with open(tmp_path / "corpus" / "train.csv", encoding="utf-8") as handle:
        speakers = {row["speaker"] for row in csv.DictReader(handle)}
    assert speakers == {voice.speaker_id for voice in TRAIN_VOICES[:2]}
    report = json.loads((run_folder / "report.json").read_text())
    systems = [row["system"] for row in report["rows"]]
    assert systems == [
        "random",
        "Baseline EN",
        "Cross-lingual Interleaving",
        "Cross-lingual Interleaving + EN+FR Fine-Tuning",
        "Baseline EN+FR",
        "Baseline FR",
    ]
    for row in report["rows"][1:]:
        for column in COLUMNS:
            assert row[column.label]["mean"] is not None, (row["system"], column.label)
    markdown = (run_folder / "report.md").read_text()
    assert ("Phone topline, not textless" in markdown) == (units == "phones")

    # Matched budgets: stage 1 + 3 (EN+FR fine-tuning) and the EN+FR baseline
    # saw the same number of tokens.
    def tokens(stage):
        summary = run_folder / "seed_0" / stage / "training_summary.json"
        return sum(json.loads(summary.read_text())["measured_tokens"].values())

    assert tokens("stage2_interleave") + tokens("stage3_bilingual_ft") == tokens("baseline_en_fr")
    # The systems trained on the units asked for (BPE tokens with --unit-bpe).
    saved = (run_folder / "seed_0" / "stage1_en_pretrain" / "hyperparams.yaml").read_text()
    assert ("/train_bpe40_store" in saved) == bool(extra)
    assert bool(re.search(r"^num_units: 40\b", saved, re.M)) == bool(extra)

    # A second run finds every step done (no result recomputed) and gives the
    # same report.
    def result_times():
        return {
            path: path.stat().st_mtime_ns for path in run_folder.glob("seed_*/eval/results/*/*")
        }

    stored = result_times()
    assert json.loads((run_demo(args) / "report.json").read_text()) == report
    assert result_times() == stored and stored
    # A run with another budget must not reuse these units and models.
    changed = parse_args([*argv, "--step-scale", "0.2"])
    with pytest.raises(ValueError, match=r"--step-scale 0.1 \(now 0.2\)"):
        run_demo(changed)
    assert json.loads((run_folder / "report.json").read_text()) == report


def test_unit_bpe_needs_kmeans_units_and_room_for_merges(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--units", "phones", "--unit-bpe", "200"])
    assert "--unit-bpe applies to --units kmeans" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--unit-bpe", "100"])
    assert "must exceed --kmeans-units 100" in capsys.readouterr().err


@pytest.mark.parametrize("voices", ["0", "7"])
def test_train_voices_out_of_range_is_refused(voices, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--train-voices", voices])
    assert "--train-voices must be between 1 and 6" in capsys.readouterr().err


def test_seed_summary_is_mean_and_std_of_the_seed_reports(tmp_path):
    def rows(value):
        row = {"system": "A", **{c.label: None for c in COLUMNS}}
        row["sTC EN"] = value
        return [row]

    summarize_seeds([rows(60.0), rows(70.0), rows(80.0)], tmp_path)
    cell = json.loads((tmp_path / "report.json").read_text())["rows"][0]["sTC EN"]
    assert cell == {"mean": 70.0, "std": 10.0, "n": 3}
    assert "70.0 ± 10.0" in (tmp_path / "report.md").read_text()
