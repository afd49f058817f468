"""evaluate_systems: all benchmarks, several systems, report, resume, recipe hparams."""

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from speechbrain_xling.eval.report import COLUMNS
from speechbrain_xling.eval.run import evaluate_systems
from speechbrain_xling.model.unit_lm import UnitLM
from tests.eval.conftest import progression, read_units
from tests.eval.test_alignment import write_alignment
from tests.eval.test_cloze import write_cloze
from tests.eval.test_zerospeech import (
    LEXICAL_GOLD,
    SYNTACTIC_GOLD,
    write_gold,
)

REPO = Path(__file__).parents[2]
RECIPE = REPO / "recipes" / "sTinyStories" / "SLM"
CONTINUATION = {"num_prompts": 2, "max_new_units": 6, "temperature": 0.0}


def item_units(rows, correct_column):
    """Progressions for correct items, the same units reversed otherwise."""
    units = {}
    for number, row in enumerate(rows):
        sequence = progression(number, 5)
        units[row[0]] = sequence if row[correct_column] == "1" else sequence[::-1]
    return units


@pytest.fixture
def benchmarks(tmp_path):
    data = tmp_path / "data"
    write_gold(data / "zs_en", "lexical", LEXICAL_GOLD, units=item_units(LEXICAL_GOLD, 7))
    write_gold(data / "zs_en", "syntactic", SYNTACTIC_GOLD, units=item_units(SYNTACTIC_GOLD, 5))
    return {
        "cloze": write_cloze(data / "cloze"),
        "zerospeech": {"en": data / "zs_en", "fr": data / "zs_fr"},  # no FR data
        "alignment": write_alignment(
            data / "alignment",
            [
                (progression(0, 4), progression(0, 4)),
                (progression(5, 6), progression(5, 5)),
                (progression(9, 3), progression(3, 7)),
            ],
        ),
    }


@pytest.fixture
def systems(tmp_path, model_folders):
    """Private copies of the saved models (the resume test breaks one)."""
    copies = {}
    for name, folder in model_folders.items():
        copies[name] = tmp_path / "models" / name
        shutil.copytree(folder, copies[name])
    return copies


def evaluate(systems, benchmarks, output, **options):
    return evaluate_systems(
        systems,
        benchmarks,
        output,
        units_of=read_units,
        continuation=CONTINUATION,
        progress=False,
        **options,
    )


def test_all_benchmarks_all_systems_and_the_report(tmp_path, systems, benchmarks, caplog):
    output = tmp_path / "out"
    with caplog.at_level(logging.INFO, logger="speechbrain_xling.eval"):
        results = evaluate(systems, benchmarks, output)
    assert "zerospeech fr benchmark not found" in caplog.text
    assert set(results) == {"progression", "untrained"}
    assert set(results["progression"]) == {"cloze", "continuation", "zerospeech_en", "alignment"}
    known = results["progression"]
    assert all(
        value == 1.0 for task in known["cloze"]["accuracy"].values() for value in task.values()
    )
    assert known["zerospeech_en"]["lexical"]["accuracy"] == 1.0
    assert known["zerospeech_en"]["syntactic"]["accuracy"] == 1.0
    # greedy continuations follow the progression of each prompt
    for continuation in known["continuation"]["continuations"]:
        prompt = read_units([continuation["prompt_wav"]])[0]
        units = Path(continuation["units"]).read_text().split()
        assert [int(u) for u in units] == list(progression(prompt[-1] + 1, 6))
    for name in (
        "zerospeech/progression/en/lexical/dev.txt",
        "zerospeech/untrained/en/syntactic/dev.txt",
        "alignment.png",
        "report.md",
        "report.csv",
    ):
        assert (output / name).is_file()
    # the report shows exactly the stored per-benchmark results
    rows = {row["system"]: row for row in json.loads((output / "report.json").read_text())["rows"]}
    for system in systems:
        stored = {
            path.stem: json.loads(path.read_text())["result"]
            for path in (output / "results" / system).glob("*.json")
        }
        assert stored == results[system]
        assert rows[system]["sSC FR->EN"] == 100 * stored["cloze"]["accuracy"]["ssc"]["FR->EN"]
        assert rows[system]["sTC EN"] == 100 * stored["cloze"]["accuracy"]["stc"]["EN"]
        assert rows[system]["sBLiMP EN"] == (100 * stored["zerospeech_en"]["syntactic"]["accuracy"])
        assert rows[system]["sWUGGY EN"] == 100 * stored["zerospeech_en"]["lexical"]["accuracy"]
        assert rows[system]["Alignment"] == stored["alignment"]["mean_matched"]
        assert rows[system]["sWUGGY FR"] is None
    assert rows["random"] == {
        "system": "random",
        **{c.label: 50.0 if c.is_accuracy else None for c in COLUMNS},
    }


@pytest.fixture
def loaded_models(monkeypatch):
    """Records the folders that evaluate_systems loads a model from."""
    loaded = []
    real_load = UnitLM.load.__func__

    def recording_load(cls, folder, **options):
        loaded.append(Path(folder).name)
        return real_load(cls, folder, **options)

    monkeypatch.setattr(UnitLM, "load", classmethod(recording_load))
    return loaded


def test_rerun_reuses_stored_results_and_recomputes_what_changed(
    tmp_path, systems, benchmarks, loaded_models
):
    output = tmp_path / "out"
    first = evaluate(systems, benchmarks, output)
    assert loaded_models == ["progression", "untrained"]
    # A missing result is recomputed, the others are read back.
    (output / "results" / "progression" / "alignment.json").unlink()
    assert evaluate(systems, benchmarks, output) == first
    assert loaded_models[2:] == ["progression"]
    # Retrained model, other scoring settings: computed again.
    weights = next(systems["untrained"].glob("*.safetensors"))
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 1))
    evaluate(systems, benchmarks, output)
    assert loaded_models[3:] == ["untrained"]
    summed = evaluate(systems, benchmarks, output, reduction="sum")
    assert loaded_models[4:] == ["progression", "untrained"]
    assert summed["progression"]["alignment"] == first["progression"]["alignment"]
    # A manifest rewritten with the same bytes (as the mini-corpus does on each
    # run) keeps its results; one with other content (rows reordered) does not.
    cloze = Path(benchmarks["cloze"])
    header, *rows = cloze.read_text().splitlines(keepends=True)
    cloze.write_text(header + "".join(rows))
    os.utime(cloze, ns=(cloze.stat().st_atime_ns, cloze.stat().st_mtime_ns + 10**9))
    assert evaluate(systems, benchmarks, output, reduction="sum") == summed
    assert loaded_models[6:] == []
    cloze.write_text(header + "".join(reversed(rows)))
    evaluate(systems, benchmarks, output, reduction="sum")
    assert loaded_models[6:] == ["progression", "untrained"]


def test_missing_systems_and_benchmarks(tmp_path, systems, benchmarks, caplog):
    with caplog.at_level(logging.WARNING, logger="speechbrain_xling.eval"):
        results = evaluate(
            {**systems, "not_trained_yet": tmp_path / "nothing"},
            {"cloze": benchmarks["cloze"]},
            tmp_path / "out",
        )
    assert "not_trained_yet" in caplog.text
    assert set(results) == {"progression", "untrained"}
    with pytest.raises(FileNotFoundError, match="none of the configured benchmarks"):
        evaluate(systems, {"cloze": tmp_path / "absent.csv"}, tmp_path / "out")
    with pytest.raises(ValueError, match="unknown benchmark"):
        evaluate(systems, {"story_cloze": benchmarks["cloze"]}, tmp_path / "out")


def test_recipe_script_evaluates_and_reports(tmp_path, systems, benchmarks):
    output = tmp_path / "recipe_out"
    # the benchmark audio goes through the real tokenisation pipeline, with
    # the tests' energy tokenizer in place of Mimi
    command = [
        sys.executable,
        "evaluate.py",
        "hparams/evaluate.yaml",
        f"--data_folder={tmp_path}",
        f"--output_folder={output}",
        f"--systems={{progression: {systems['progression']}}}",
        f"--benchmarks={{cloze: {benchmarks['cloze']}}}",
        "--tokenizer=!new:tests.eval.conftest.FrameEnergyTokenizer",
        "--continuation={num_prompts: 1, max_new_units: 4, temperature: 0.0}",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    completed = subprocess.run(
        command, cwd=RECIPE, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    cloze = json.loads((output / "results" / "progression" / "cloze.json").read_text())
    assert cloze["result"]["accuracy"]["ssc"]["EN->FR"] == 1.0
    assert (output / "report.md").is_file()
    assert len(list((output / "unit_cache").rglob("*.npy"))) == 72  # 24 items x 3
    assert (output / "hyperparams.yaml").is_file()  # saved by SpeechBrain
    assert "report written to" in (output / "log.txt").read_text()
