"""The embedded default end to end, in miniature: every report cell filled."""

import csv
import json
import re

import pytest

from speechbrain_xling.corpora.tts import TRAIN_VOICES
from speechbrain_xling.data.unit_store import UnitStore, write_unit_store
from speechbrain_xling.demo import parse_args, run_demo
from speechbrain_xling.demo.systems import SPEECH_TEXT_STAGES, STAGES, trainable_stages
from speechbrain_xling.eval.report import (
    COLUMNS,
    CROSS_MODAL_COLUMNS,
    QA_GENERATED_COLUMNS,
    SFT_SYSTEMS,
    SPEECH_TEXT,
    SPEECH_TEXT_WORDS,
    SPEECH_TEXT_XLING,
)

TINY = [
    "--train-stories",
    "40",
    "--valid-stories",
    "4",
    "--bench-items",
    "8",
    "--alignment-pairs",
    "8",
    "--qa-stories",
    "2",
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


SYSTEMS = [
    "random",
    "Baseline EN",
    "Cross-lingual Interleaving",
    "Cross-lingual Interleaving + EN+FR Fine-Tuning",
    "Baseline EN+FR",
    "Baseline FR",
]


# The default plan (no --units: the textless run and the phone topline on one
# corpus), and --units kmeans alone with BPE.
@pytest.mark.parametrize("units", [[], ["--units", "kmeans", "--unit-bpe", "40"]])
def test_tiny_pipeline_fills_every_report_cell(tmp_path, capsys, units):
    argv = [
        "--output-folder",
        str(tmp_path),
        *units,
        "--seeds",
        "0",
        "--kmeans-units",
        "16",
        "--kmeans-sample-hours",
        "0.01",
        "--train-voices",
        "2",
        *TINY,
    ]
    args = parse_args(argv)
    folders = run_demo(args)
    bpe = bool(units)
    assert folders == [tmp_path / "kmeans"] + ([] if bpe else [tmp_path / "phones"])
    with open(tmp_path / "corpus" / "train.csv", encoding="utf-8") as handle:
        speakers = {row["speaker"] for row in csv.DictReader(handle)}
    assert speakers == {voice.speaker_id for voice in TRAIN_VOICES[:2]}
    out = capsys.readouterr().out
    screen = out[out.index("=" * 30) :]  # the final screen
    reports = {}
    for run_folder in folders:
        report = json.loads((run_folder / "report.json").read_text())
        reports[run_folder] = report
        assert [row["system"] for row in report["rows"]] == SYSTEMS
        for row in report["rows"][1:]:
            for column in COLUMNS:
                assert row[column.label]["mean"] is not None, (row["system"], column.label)
        markdown = (run_folder / "report.md").read_text()
        topline = run_folder.name == "phones"
        assert ("**TOPLINE, NOT TEXTLESS**" in markdown) == topline
        assert ("**TEXTLESS**" in markdown) == (not topline)
        settings = re.search(r"^Settings: `(.*)`", markdown, re.M).group(1).split(" --")
        assert f"units {run_folder.name}" in settings and "seeds 0" in settings
        reading = markdown.split("## Plain reading")[1]
        assert "cross-lingual sSC EN->FR: interleaving " in reading
        assert "(8 items, 1 seed)" in reading  # --bench-items 8
        assert (run_folder / "crosslingual.png").stat().st_size > 0
        # The final screen shows each run's label, table, reading and chart.
        label = "TOPLINE, NOT TEXTLESS (phone" if topline else "TEXTLESS (k-means"
        assert f" {label} units): {run_folder} " in screen
        assert markdown in screen
        assert f"Chart: {run_folder / 'crosslingual.png'}" in screen

        # Matched budgets: stage 1 + 3 (EN+FR fine-tuning) and the EN+FR
        # baseline saw the same number of tokens.
        def tokens(stage, run_folder=run_folder):
            summary = run_folder / "seed_0" / stage / "training_summary.json"
            return sum(json.loads(summary.read_text())["measured_tokens"].values())

        assert tokens("stage2_interleave") + tokens("stage3_bilingual_ft") == tokens(
            "baseline_en_fr"
        )
        # The systems trained on the units asked for (BPE tokens with --unit-bpe).
        saved = (run_folder / "seed_0" / "stage1_en_pretrain" / "hyperparams.yaml").read_text()
        assert ("/train_bpe40_store" in saved) == bpe
        assert bool(re.search(r"^num_units: 40\b", saved, re.M)) == bpe

    # A second run finds every step done (no result recomputed) and gives the
    # same reports.
    def result_times():
        return {
            path: path.stat().st_mtime_ns for path in tmp_path.glob("*/seed_*/eval/results/*/*")
        }

    stored = result_times()
    assert run_demo(args) == folders
    for run_folder, report in reports.items():
        assert json.loads((run_folder / "report.json").read_text()) == report
    assert result_times() == stored and stored
    # A run with another budget must not reuse these units and models.
    changed = parse_args([*argv, "--step-scale", "0.2"])
    with pytest.raises(ValueError, match=r"--step-scale 0.1 \(now 0.2\)"):
        run_demo(changed)
    for run_folder, report in reports.items():
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


def test_speech_text_modality_adds_three_systems_with_cross_modal_results(tmp_path, capsys):
    argv = ["--output-folder", str(tmp_path), "--units", "phones", "--seeds", "0", *TINY]
    run_demo(parse_args(argv))
    textless = json.loads((tmp_path / "phones" / "report.json").read_text())
    # The same folder with --modality speech-text: the textless systems are
    # reused, the three speech-text systems are added.
    (folder,) = run_demo(parse_args([*argv, "--modality", "speech-text"]))
    report = json.loads((folder / "report.json").read_text())
    speech_text = [SPEECH_TEXT, SPEECH_TEXT_WORDS, SPEECH_TEXT_XLING]
    assert [row["system"] for row in report["rows"]] == SYSTEMS + speech_text
    assert report["rows"][: len(SYSTEMS)] == textless["rows"]
    rows = {row["system"]: row for row in report["rows"]}
    for system in speech_text:
        for column in COLUMNS + CROSS_MODAL_COLUMNS:
            assert rows[system][column.label]["mean"] is not None, (system, column.label)
    for system in SYSTEMS[1:]:
        assert all(rows[system][c.label]["mean"] is None for c in CROSS_MODAL_COLUMNS)
    markdown = (folder / "report.md").read_text()
    assert "## Cross-modal cloze" in markdown
    assert "cross-lingual sTC FR->EN: speech-text + cross-lingual " in markdown
    # Matched budgets: each speech-text stage saw the textless stage 2's tokens,
    # counted per language and modality.
    seed = folder / "seed_0"
    budget = json.loads((seed / "stage2_interleave" / "training_summary.json").read_text())
    for stage in ("stage2_speech_text", "stage2_speech_text_words", "stage2_speech_text_xling"):
        summary = json.loads((seed / stage / "training_summary.json").read_text())
        measured = summary["measured_tokens"]
        assert sum(measured.values()) == sum(budget["measured_tokens"].values())
        assert set(measured) == {"en_speech", "en_text", "fr_speech", "fr_text", "eos"}
        kinds = {kind.split("/")[0] for kind in summary["documents"]}
        assert kinds == {"pairs", "interleaved", "text", "speech"}
    assert (folder / "units" / "text_1024.model").is_file()
    # The word-span system read the corpus's word timings (units made with them).
    assert UnitStore(folder / "units" / "train_store").has_word_spans
    saved = (seed / "stage2_speech_text_words" / "hyperparams.yaml").read_text()
    assert re.search(r"^interleaving: word\b", saved, re.M)
    # --sft adds the QA instruction fine-tuning of three systems (the corpus
    # gains its training QA), each with stage 2's budget; the others are reused.
    (folder,) = run_demo(parse_args([*argv, "--modality", "speech-text", "--sft"]))
    with_sft = json.loads((folder / "report.json").read_text())
    assert [row["system"] for row in with_sft["rows"]] == SYSTEMS + speech_text + list(SFT_SYSTEMS)
    # The others are as before, but for the speech-text systems' generated answers.
    generated = {column.label for column in QA_GENERATED_COLUMNS}
    before = [{k: v for k, v in row.items() if k not in generated} for row in report["rows"]]
    after = [{k: v for k, v in row.items() if k not in generated} for row in with_sft["rows"]]
    assert after[: -len(SFT_SYSTEMS)] == before
    assert (tmp_path / "corpus" / "train_qa.csv").is_file()
    assert UnitStore(folder / "units" / "train_qa_store").has_word_spans
    rows = {row["system"]: row for row in with_sft["rows"]}
    for stage, system in zip(("sft_baseline_en_fr", "sft_stage2_interleave"), SFT_SYSTEMS):
        summary = json.loads((seed / stage / "training_summary.json").read_text())
        assert set(summary["documents"]) == {"speech"}  # textless: spoken answers
        assert sum(summary["measured_tokens"].values()) == sum(budget["measured_tokens"].values())
        assert rows[system]["QA EN"]["mean"] is not None
        assert rows[system]["QA EN S->T"]["mean"] is None
    summary = json.loads(
        (seed / "sft_stage2_speech_text_xling" / "training_summary.json").read_text()
    )
    assert (
        set(summary["documents"]) <= {"speech", "chain", "text"} and "chain" in summary["documents"]
    )
    assert set(summary["measured_tokens"]) == {
        "en_speech",
        "en_text",
        "fr_speech",
        "fr_text",
        "eos",
    }
    for column in ("QA EN->FR S->T", "QA generated exact FR", "QA generated s to speech EN"):
        assert rows[SFT_SYSTEMS[2]][column]["mean"] is not None, column
    assert "generated: chunk CER" in (folder / "report.md").read_text()


def test_word_span_system_is_skipped_for_units_made_before_word_timings(tmp_path, capsys):
    store = write_unit_store(
        tmp_path, [dict(utt_id="a", units=[1], story_id="s", sent_idx=0, lang="en")], 4
    )
    stages = trainable_stages(STAGES[:1] + SPEECH_TEXT_STAGES, store.folder)
    assert [name for name, _ in stages] == [
        "stage1_en_pretrain",
        "stage2_speech_text",
        "stage2_speech_text_xling",
    ]
    assert "stage2_speech_text_words skipped" in capsys.readouterr().out
