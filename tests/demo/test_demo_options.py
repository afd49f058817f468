"""The demo's options: help, the default plan of two runs, resumable settings."""

import json
import re

import pytest

from speechbrain_xling.demo.options import (
    RESUMABLE_OPTIONS,
    SPEECH_TEXT_OPTIONS,
    build_parser,
    parse_args,
    plan_runs,
    run_command,
    run_note,
)
from speechbrain_xling.demo.run import SETTINGS_FILE, check_run_settings

# What demo_settings.json held for `python -m speechbrain_xling.demo` (k-means
# units) before the default plan had two runs: such a folder must resume.
TEXTLESS_SETTINGS = {
    "alignment_pairs": 200,
    "batch_size": 16,
    "bench_items": 200,
    "context_length": 512,
    "hidden_size": 128,
    "hparams_folder": None,
    "interleave_mode": "sampled",
    "kmeans_deltas": False,
    "kmeans_features": "mfcc",
    "kmeans_frame_rate": 100.0,
    "kmeans_sample_hours": 0.5,
    "kmeans_units": 100,
    "lr": 0.002,
    "num_layers": 2,
    "step_scale": 3.0,
    "tokens_per_step": 8192,
    "train_stories": 1000,
    "train_voices": 6,
    "unit_bpe": None,
    "units": "kmeans",
    "valid_stories": 50,
}
# The README's phone-topline command.
TOPLINE_ARGV = (
    "--units phones --seeds 0 1 2 --step-scale 2 --tokens-per-step 4096 --batch-size 8 "
    "--num-layers 2"
).split()


def help_entries(text):
    """``{option string: its help text}`` from ``--help`` output."""
    entries = {}
    for section in text.split("\n\n"):  # usage, description, one per group
        for block in re.split(r"\n(?=  -)", section):
            first = block.strip().split("\n")[0]
            for option in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", first.split("  ")[0]):
                entries[option] = " ".join(block.split())
    return entries


def test_help_gives_every_option_a_text_and_its_default(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    text = capsys.readouterr().out
    entries = help_entries(text)
    # Every option, named after its destination: --step-scale -> step_scale.
    options = ["--" + name.replace("_", "-") for name in vars(build_parser().parse_args([]))]
    assert len(options) == 30
    for option in options:
        assert option in entries, option
        assert "default" in entries[option], entries[option]
    # Grouped, and the per-unit defaults named.
    for title in ("corpus", "units", "training", "evaluation", "output"):
        assert re.search(rf"^{title}\b.*:$", text, re.M), title
    assert "default: 0 for kmeans, 0 1 2 for phones" in entries["--seeds"]
    assert "default: 3 for kmeans, 2 for phones" in entries["--step-scale"]
    assert "(default: kmeans phones)" in entries["--units"]
    assert "(default: 100)" in entries["--kmeans-units"]
    assert "(default: speech)" in entries["--modality"]
    assert "(default: 1024)" in entries["--text-vocab"]
    assert "(default: 50)" in entries["--qa-stories"]
    assert "(default: off)" in entries["--sft"]


def test_default_plan_is_the_textless_run_and_the_phone_topline():
    textless, topline = plan_runs(parse_args([]))
    assert (textless.units, textless.seeds) == ("kmeans", [0])
    assert (textless.step_scale, textless.tokens_per_step, textless.batch_size) == (3.0, 8192, 16)
    assert (topline.units, topline.seeds) == ("phones", [0, 1, 2])
    assert (topline.step_scale, topline.tokens_per_step, topline.batch_size) == (2.0, 4096, 8)
    assert topline.num_layers == textless.num_layers == 2
    assert topline.output_folder == textless.output_folder == "results/mini"
    # The topline's settings are explicit: its command and note say them.
    assert run_command(topline) == (
        "python -m speechbrain_xling.demo --units phones --seeds 0 1 2 --step-scale 2 "
        "--tokens-per-step 4096 --batch-size 8 --hidden-size 128 --num-layers 2"
    )
    assert "TOPLINE, NOT TEXTLESS" in run_note(topline)
    assert "steps per stage 150/40/60/100/50 x 4096 tokens" in run_note(topline)
    assert "TEXTLESS" in run_note(textless) and "NOT TEXTLESS" not in run_note(textless)


def settings(run):
    skipped = RESUMABLE_OPTIONS + SPEECH_TEXT_OPTIONS
    return {name: value for name, value in vars(run).items() if name not in skipped}


def test_runs_resume_folders_of_the_single_unit_commands(tmp_path):
    textless, topline = plan_runs(parse_args([]))
    (alone,) = plan_runs(parse_args(["--units", "kmeans"]))
    assert settings(textless) == settings(alone) == TEXTLESS_SETTINGS
    (readme_topline,) = plan_runs(parse_args(TOPLINE_ARGV))
    assert vars(topline) == vars(readme_topline)
    # A folder of the textless default as made before resumes; one made with
    # other options is refused.
    (tmp_path / "kmeans").mkdir()
    (tmp_path / "kmeans" / SETTINGS_FILE).write_text(json.dumps(TEXTLESS_SETTINGS))
    check_run_settings(tmp_path / "kmeans", textless)
    with pytest.raises(ValueError, match=r"--kmeans-units 100 \(now 50\)"):
        check_run_settings(
            tmp_path / "kmeans", *plan_runs(parse_args(["--kmeans-units", "50"]))[:1]
        )
    # Such a folder takes the speech-text systems; their text vocabulary is
    # then recorded and may not change.
    (speech_text,) = plan_runs(parse_args(["--units", "kmeans", "--modality", "speech-text"]))
    check_run_settings(tmp_path / "kmeans", speech_text)
    check_run_settings(tmp_path / "kmeans", speech_text)
    (other,) = plan_runs(
        parse_args(["--units", "kmeans", "--modality", "speech-text", "--text-vocab", "64"])
    )
    with pytest.raises(ValueError, match=r"--text-vocab 1024 \(now 64\)"):
        check_run_settings(tmp_path / "kmeans", other)
    check_run_settings(tmp_path / "kmeans", textless)


def test_options_given_apply_to_every_run():
    runs = plan_runs(parse_args(["--step-scale", "9", "--seeds", "4", "--train-voices", "1"]))
    assert [(r.units, r.step_scale, r.seeds, r.train_voices) for r in runs] == [
        ("kmeans", 9.0, [4], 1),
        ("phones", 9.0, [4], 1),
    ]
    # k-means options leave the phones run as it is (it can still resume).
    runs = plan_runs(parse_args(["--kmeans-units", "50", "--unit-bpe", "400", "--kmeans-deltas"]))
    assert [(r.kmeans_units, r.unit_bpe, r.kmeans_deltas) for r in runs] == [
        (50, 400, True),
        (100, None, False),
    ]
    assert [r.units for r in plan_runs(parse_args(["--units", "phones", "kmeans"]))] == [
        "phones",
        "kmeans",
    ]
