"""evaluate_systems: all benchmarks, several systems, report, resume, recipe hparams."""

import csv
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hyperpyyaml import load_hyperpyyaml

from speechbrain_xling.eval.files import BenchmarkFormatError
from speechbrain_xling.eval.qa import COLUMNS as QA_MANIFEST_COLUMNS
from speechbrain_xling.eval.report import ALL_COLUMNS, QA_GENERATED_COLUMNS
from speechbrain_xling.eval.run import evaluate_systems
from speechbrain_xling.eval.scoring import LikelihoodScorer
from speechbrain_xling.model.unit_lm import UnitLM
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.pipeline import tokenize_files
from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece
from tests.eval.conftest import NUM_UNITS, progression, read_units
from tests.eval.test_alignment import write_alignment
from tests.eval.test_cloze import write_cloze
from tests.eval.test_cross_modal import BAD_TEXT, GOOD_TEXT, preferring_lm
from tests.eval.test_qa import expected_tables, write_qa
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
        "cloze": write_cloze(data / "cloze", controls=("no_cue",)),
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
    # the no-cue rows (their endings swapped) are counted apart
    no_cue = known["cloze"]["controls"]["no_cue"]["accuracy"]
    assert set(no_cue) == {"ssc", "stc", "stc_same_event"}
    assert all(value == 0.0 for task in no_cue.values() for value in task.values())
    assert known["zerospeech_en"]["lexical"]["accuracy"] == 1.0
    assert known["zerospeech_en"]["syntactic"]["accuracy"] == 1.0
    # greedy continuations follow the progression of each (full) prompt
    continuations = known["continuation"]["continuations"]
    assert [Path(c["prompt_wav"]).name for c in continuations] == [
        "ssc_enen_0_p.wav",
        "ssc_enen_1_p.wav",
    ]
    for continuation in continuations:
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
        assert (
            rows[system]["sTC same-event FR->EN no-cue"]
            == 100 * (stored["cloze"]["controls"]["no_cue"]["accuracy"]["stc_same_event"]["FR->EN"])
        )
        assert rows[system]["sSC EN last-sentence"] is None
        assert rows[system]["sBLiMP EN"] == (100 * stored["zerospeech_en"]["syntactic"]["accuracy"])
        assert rows[system]["sWUGGY EN"] == 100 * stored["zerospeech_en"]["lexical"]["accuracy"]
        assert rows[system]["Alignment"] == stored["alignment"]["mean_matched"]
        assert rows[system]["sWUGGY FR"] is None
    assert rows["random"] == {
        "system": "random",
        **{c.label: 50.0 if c.is_accuracy else None for c in ALL_COLUMNS},
        **{c.label: None for c in QA_GENERATED_COLUMNS},  # no chance rate
    }
    assert "## Shortcut diagnostics" in (output / "report.md").read_text()


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


def run_recipe(*options):
    """Runs ``evaluate.py hparams/evaluate.yaml <options>`` from the recipe folder."""
    command = [sys.executable, "evaluate.py", "hparams/evaluate.yaml", *options]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    completed = subprocess.run(
        command, cwd=RECIPE, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


# the benchmark audio goes through the real tokenisation pipeline, with the
# tests' energy tokenizer in place of Mimi
ENERGY_TOKENIZER_KEY = "tokenizer: !new:tests.eval.conftest.FrameEnergyTokenizer"
ENERGY_TOKENIZER = "--" + ENERGY_TOKENIZER_KEY.replace(": ", "=", 1)


def test_recipe_script_evaluates_and_reports(tmp_path, systems, benchmarks):
    output = tmp_path / "recipe_out"
    run_recipe(
        f"--data_folder={tmp_path}",
        f"--output_folder={output}",
        f"--systems={{progression: {systems['progression']}}}",
        f"--benchmarks={{cloze: {benchmarks['cloze']}}}",
        ENERGY_TOKENIZER,
        "--continuation={num_prompts: 1, max_new_units: 4, temperature: 0.0}",
    )
    cloze = json.loads((output / "results" / "progression" / "cloze.json").read_text())
    assert cloze["result"]["accuracy"]["ssc"]["EN->FR"] == 1.0
    assert (output / "report.md").is_file()
    # 36 items x 3 files, and the 36 no-cue prompts
    assert len(list((output / "unit_cache").rglob("*.npy"))) == 144
    assert (output / "hyperparams.yaml").is_file()  # saved by SpeechBrain
    assert "report written to" in (output / "log.txt").read_text()


def test_recipe_systems_and_benchmarks_given_replace_the_defaults(tmp_path, systems, benchmarks):
    # a default system and a default benchmark exist on disk...
    results_root, data = tmp_path / "trained", tmp_path / "defaults"
    shutil.copytree(systems["untrained"], results_root / "stage1_en_pretrain" / "final_model")
    pairs = [(progression(0, 4), progression(0, 4)), (progression(5, 6), progression(5, 5))]
    write_alignment(data / "benchmarks" / "alignment", pairs)
    common = [f"--data_folder={data}", f"--results_root={results_root}", ENERGY_TOKENIZER]
    # ... but the systems and benchmarks given are all that is evaluated
    output = tmp_path / "given"
    vocabulary = tmp_path / "words_en.txt"
    vocabulary.write_text("cat\n")
    run_recipe(
        *common,
        f"--output_folder={output}",
        f"--systems={{only: {systems['progression']}}}",
        f"--benchmarks={{zerospeech: {{en: {benchmarks['zerospeech']['en']}}}}}",
        f"--swuggy_vocabulary={{en: {vocabulary}}}",
        "--continuation=null",
    )
    assert [path.name for path in (output / "results").iterdir()] == ["only"]
    assert [path.name for path in (output / "results" / "only").iterdir()] == ["zerospeech_en.json"]
    report = json.loads((output / "report.json").read_text())
    assert [row["system"] for row in report["rows"]] == ["random", "only"]
    assert {"language": "EN", "subset": "in-vocab", "num_groups": 1} in [
        {key: row[key] for key in ("language", "subset", "num_groups")}
        for row in report["swuggy_breakdown"]
    ]
    # without them, the defaults (the Table-3 systems found under results_root)
    output = tmp_path / "defaults_out"
    completed = run_recipe(*common, f"--output_folder={output}", "--continuation=null")
    assert [path.name for path in (output / "results").iterdir()] == ["Baseline EN"]
    assert [path.name for path in (output / "results" / "Baseline EN").iterdir()] == [
        "alignment.json"
    ]
    assert "no model folder" in completed.stderr + (output / "log.txt").read_text()


@pytest.fixture
def kmeans_path(tmp_path):
    """A saved K=16 k-means model (as many units as the test models)."""
    torch.manual_seed(0)
    tokenizer = KMeansTokenizer(frame_rate=100.0).fit(
        [torch.randn(8000) for _ in range(3)], num_units=NUM_UNITS, seed=0
    )
    path = tmp_path / "units" / "kmeans.npz"
    path.parent.mkdir()
    tokenizer.save(path)
    return path


def test_recipe_tokenizer_type_kmeans_reads_the_saved_model(
    tmp_path, systems, benchmarks, kmeans_path
):
    output = tmp_path / "out"
    run_recipe(
        f"--data_folder={tmp_path}",
        f"--output_folder={output}",
        f"--systems={{progression: {systems['progression']}}}",
        f"--benchmarks={{cloze: {benchmarks['cloze']}}}",
        "--tokenizer_type=kmeans",
        f"--tokenizer_path={kmeans_path}",
        "--continuation=null",
    )
    assert (output / "results" / "progression" / "cloze.json").is_file()
    # the cached benchmark units are the k-means model's units of the audio
    wavs = sorted(Path(benchmarks["cloze"]).parent.glob("*.wav"))
    expected = tokenize_files(KMeansTokenizer.load(kmeans_path), wavs, progress=False)
    cached = [np.load(path) for path in (output / "unit_cache").glob("*.npy")]
    assert sorted(units.tolist() for units in cached) == sorted(u.tolist() for u in expected)


def load_recipe_hparams(*overrides):
    """evaluate.yaml loaded in this process with ``key: value`` overrides."""
    with open(RECIPE / "hparams" / "evaluate.yaml", encoding="utf-8") as handle:
        return load_hyperpyyaml(handle, "\n".join(["data_folder: data", *overrides]))


def test_recipe_hparams_choose_the_tokenizer_by_one_key(tmp_path, kmeans_path):
    from speechbrain_xling.tokenizers.unit_bpe import UnitBPETokenizer

    hparams = load_recipe_hparams("tokenizer_type: kmeans", f"tokenizer_path: {kmeans_path}")
    assert isinstance(hparams["tokenizer"], KMeansTokenizer)
    kmeans = hparams["tokenizer"]
    wavs = [torch.randn(4000) for _ in range(4)]
    units = [kmeans.encode(wav[None], torch.tensor([len(wav)]))[0] for wav in wavs]
    bpe_path = kmeans_path.parent / "unit_bpe_24.model"
    UnitBPETokenizer.fit(kmeans, units * 3, vocab_size=24).save(bpe_path)
    # the BPE model's base: the kmeans.npz beside it, or tokenizer_base_path
    bpe = load_recipe_hparams("tokenizer_type: bpe", f"tokenizer_path: {bpe_path}")["tokenizer"]
    assert bpe.describe()["base"] == kmeans.describe()
    elsewhere = tmp_path / "elsewhere" / "bpe.model"
    elsewhere.parent.mkdir()
    shutil.copy(bpe_path, elsewhere)
    with pytest.raises(FileNotFoundError, match="tokenizer_base_path: not set, and no kmeans.npz"):
        load_recipe_hparams("tokenizer_type: bpe", f"tokenizer_path: {elsewhere}")
    bpe = load_recipe_hparams(
        "tokenizer_type: bpe",
        f"tokenizer_path: {elsewhere}",
        f"tokenizer_base_path: {kmeans_path}",
    )["tokenizer"]
    assert bpe.num_units == 24
    # a wrong value stops naming the key to fix
    with pytest.raises(ValueError, match="tokenizer_type must be one of mimi, kmeans, bpe, phones"):
        load_recipe_hparams("tokenizer_type: hubert")
    with pytest.raises(ValueError, match="tokenizer_path is not set"):
        load_recipe_hparams("tokenizer_type: kmeans")
    with pytest.raises(FileNotFoundError, match="tokenizer_path: k-means model .* not found"):
        load_recipe_hparams("tokenizer_type: kmeans", f"tokenizer_path: {tmp_path / 'no.npz'}")


def test_recipe_hparams_default_systems_and_benchmarks(tmp_path):
    hparams = load_recipe_hparams(f"results_root: {tmp_path}", ENERGY_TOKENIZER_KEY)
    assert hparams["systems"] == {} and hparams["benchmarks"] == {}
    assert list(hparams["default_systems"]) == [
        "Baseline EN",
        "Baseline FR",
        "Baseline EN+FR",
        "Cross-lingual Interleaving",
        "Cross-lingual Interleaving + EN+FR Fine-Tuning",
        "Speech-Text Interleaving",
    ]
    assert set(hparams["default_benchmarks"]) == {"cloze", "zerospeech", "alignment", "qa"}
    assert hparams["default_benchmarks"]["qa"] == hparams["qa_csv"] == "data/benchmarks/qa/qa.csv"
    assert hparams["swuggy_vocabulary"] == {} and hparams["asr_tts_pairs"] == 50
    hparams = load_recipe_hparams(
        "systems: {a: x}",
        "benchmarks: {cloze: y.csv}",
        "swuggy_vocabulary: {en: words.txt}",
        ENERGY_TOKENIZER_KEY,
    )
    assert hparams["systems"] == {"a": "x"} and hparams["benchmarks"] == {"cloze": "y.csv"}
    assert hparams["swuggy_vocabulary"] == {"en": "words.txt"}
    # the QA can be moved or left out (a null benchmark is skipped)
    hparams = load_recipe_hparams("qa_csv: elsewhere/qa.csv", ENERGY_TOKENIZER_KEY)
    assert hparams["default_benchmarks"]["qa"] == "elsewhere/qa.csv"
    hparams = load_recipe_hparams("qa_csv: null", ENERGY_TOKENIZER_KEY)
    assert hparams["default_benchmarks"]["qa"] is None


def test_swuggy_vocabulary_gives_in_vocab_results_and_report(
    tmp_path, systems, benchmarks, loaded_models
):
    vocabulary = tmp_path / "words_en.txt"
    vocabulary.write_text("cat\nsun\n")
    output = tmp_path / "out"
    results = evaluate(systems, benchmarks, output, swuggy_vocabulary={"EN": vocabulary})
    lexical = results["progression"]["zerospeech_en"]["lexical"]
    assert lexical["accuracy"] == 1.0
    assert lexical["in_vocab"] == {"accuracy": 1.0, "num_groups": 2}
    assert lexical["by_frequency"]["5-19"] == {"accuracy": 1.0, "num_groups": 1}  # cat: 10
    report = json.loads((output / "report.json").read_text())
    in_vocab = [
        row
        for row in report["swuggy_breakdown"]
        if (row["language"], row["subset"]) == ("EN", "in-vocab")
    ]
    assert in_vocab == [
        {
            "language": "EN",
            "subset": "in-vocab",
            "num_groups": 2,
            "accuracy": {
                system: 100 * results[system]["zerospeech_en"]["lexical"]["in_vocab"]["accuracy"]
                for system in systems
            },
        }
    ]
    assert "## sWUGGY breakdown" in (output / "report.md").read_text()
    # the vocabulary's content is part of the resume key; nothing else is redone
    assert loaded_models == ["progression", "untrained"]
    evaluate(systems, benchmarks, output, swuggy_vocabulary={"en": vocabulary})
    assert loaded_models[2:] == []
    vocabulary.write_text("cat\n")
    results = evaluate(systems, benchmarks, output, swuggy_vocabulary={"en": vocabulary})
    assert loaded_models[2:] == ["progression", "untrained"]
    assert results["progression"]["zerospeech_en"]["lexical"]["in_vocab"]["num_groups"] == 1
    # without a vocabulary: no in-vocab result (recomputed: the key changed)
    results = evaluate(systems, benchmarks, output)
    assert "in_vocab" not in results["progression"]["zerospeech_en"]["lexical"]
    with pytest.raises(ValueError, match=r"swuggy_vocabulary gives language\(s\) \['de'\]"):
        evaluate(systems, benchmarks, output, swuggy_vocabulary={"de": vocabulary})


def test_results_stored_before_the_breakdown_are_recomputed(
    tmp_path, systems, benchmarks, loaded_models
):
    output = tmp_path / "out"
    first = evaluate(systems, {"zerospeech": benchmarks["zerospeech"]}, output)
    stored_path = output / "results" / "untrained" / "zerospeech_en.json"
    stored = json.loads(stored_path.read_text())
    del stored["key"]["lexical_breakdown"]  # as written before the breakdown existed
    for name in ("by_frequency", "by_length", "leaderboard_in_vocab"):
        del stored["result"]["lexical"][name]
    stored_path.write_text(json.dumps(stored))
    again = evaluate(systems, {"zerospeech": benchmarks["zerospeech"]}, output)
    assert loaded_models[2:] == ["untrained"]
    assert again == first


class TopLineUnits:
    """Units read by ``units_of`` (as PhoneInventory gives them), no encode."""

    num_units = NUM_UNITS

    def units_of(self, wav_paths):
        return read_units(wav_paths)


def test_a_tokenizer_with_units_of_only_reads_the_benchmarks(tmp_path, systems, benchmarks):
    results = evaluate_systems(
        {"progression": systems["progression"]},
        {"cloze": benchmarks["cloze"]},
        tmp_path / "out",
        tokenizer=TopLineUnits(),
        continuation=CONTINUATION,
        progress=False,
    )
    assert results["progression"]["cloze"]["accuracy"]["ssc"]["EN"] == 1.0
    written = results["progression"]["continuation"]["continuations"]
    assert [item["wav"] for item in written] == [None, None]  # units only: no decoder


# Spoken QA ----------------------------------------------------------------


def stored_results(output):
    """``{path: (mtime, text)}`` of every stored result."""
    return {
        path: (path.stat().st_mtime_ns, path.read_text())
        for path in (output / "results").rglob("*.json")
    }


def report_json_rows(output):
    return {row["system"]: row for row in json.loads((output / "report.json").read_text())["rows"]}


def spoken_qa_section(output):
    """The lines of report.md's Spoken QA section (up to the next section)."""
    markdown = (output / "report.md").read_text()
    return markdown.split("\n## Spoken QA\n")[1].split("\n## ")[0].splitlines()


def test_qa_adds_its_result_and_section_and_reuses_what_was_stored(
    tmp_path, systems, benchmarks, loaded_models
):
    output = tmp_path / "out"
    before = evaluate(systems, benchmarks, output)
    assert "Spoken QA" not in (output / "report.md").read_text()
    stored = stored_results(output)
    qa_csv = write_qa(tmp_path / "data" / "qa")
    results = evaluate(systems, {**benchmarks, "qa": qa_csv}, output)
    # the results stored before the QA are read back untouched; only the QA
    # is computed (textless systems: spoken answers only)
    assert stored_results(output).items() >= stored.items()
    assert loaded_models == ["progression", "untrained"] * 2
    for system in systems:
        assert {name: r for name, r in results[system].items() if name != "qa"} == before[system]
        assert set(results[system]) - set(before[system]) == {"qa"}
    # the progression model continues each question: every answer right
    assert results["progression"]["qa"] == expected_tables(1.0)
    key = json.loads((output / "results" / "progression" / "qa.json").read_text())["key"]
    assert (key["reduction"], key["with_context"]) == ("mean", True)
    # the report: QA columns in JSON and CSV, a Spoken QA section in Markdown
    rows = report_json_rows(output)
    untrained = results["untrained"]["qa"]["accuracy"]
    for condition in ("EN", "FR", "EN->FR", "FR->EN"):
        assert rows["progression"][f"QA {condition}"] == 100.0
        assert rows["progression"][f"QA where {condition}"] == 100.0
        assert rows["untrained"][f"QA {condition}"] == 100 * untrained["all"][condition]
        assert rows["untrained"][f"QA who {condition}"] == 100 * untrained["who"][condition]
        assert rows["progression"][f"QA {condition} S->T"] is None
        assert rows["progression"][f"QA color {condition}"] is None  # no such kind here
    assert rows["random"]["QA EN->FR"] == 50.0
    with open(output / "report.csv", newline="") as handle:
        csv_rows = {row["system"]: row for row in csv.DictReader(handle)}
    assert float(csv_rows["progression"]["QA FR->EN"]) == 100.0
    assert csv_rows["progression"]["QA FR->EN S->T"] == ""
    section = spoken_qa_section(output)
    tables = [line for line in section if line.startswith("| ") and "---" not in line]
    assert tables[0] == "| S->S spoken answers | EN | FR | EN->FR | FR->EN |"
    assert tables[1] == "| progression | 100.00 | 100.00 | 100.00 | 100.00 |"
    assert tables[2].startswith("| untrained | ")
    # one table per kind present, no written answers (no speech-text system)
    headers = [line for line in tables if not line.startswith(("| progression", "| untrained"))]
    assert headers == [
        "| S->S spoken answers | EN | FR | EN->FR | FR->EN |",
        "| who | EN | FR | EN->FR | FR->EN |",
        "| where | EN | FR | EN->FR | FR->EN |",
    ]
    # everything stored: a rerun loads no model
    assert evaluate(systems, {**benchmarks, "qa": qa_csv}, output) == results
    assert loaded_models[4:] == []


@pytest.fixture(scope="module")
def text_tokenizer(tmp_path_factory):
    texts = [GOOD_TEXT, BAD_TEXT, "the story so far", "une histoire"] * 5
    path = tmp_path_factory.mktemp("spm") / "text.model"
    return load_text_tokenizer(train_sentencepiece(texts, path, vocab_size=24, byte_fallback=False))


def test_qa_written_answers_for_speech_text_systems_only(
    tmp_path, systems, text_tokenizer, monkeypatch
):
    # the speech-text model prefers the answers' units and text whatever it heard
    preferring_lm(text_tokenizer).save(tmp_path / "speech_text")
    systems = {"speech-text": tmp_path / "speech_text", "textless": systems["progression"]}
    benchmarks = {"qa": write_qa(tmp_path / "qa", "preference")}
    masks = []
    real_compare = LikelihoodScorer.compare_tokens

    def recording_compare(self, correct, wrong, contexts, allowed=None):
        masks.append(allowed)
        return real_compare(self, correct, wrong, contexts, allowed)

    monkeypatch.setattr(LikelihoodScorer, "compare_tokens", recording_compare)
    output = tmp_path / "out"
    results = evaluate(systems, benchmarks, output)
    assert sorted(results["speech-text"]) == ["qa", "qa_text_answer"]
    assert sorted(results["textless"]) == ["qa"]
    assert results["speech-text"]["qa"] == expected_tables(1.0)
    assert results["speech-text"]["qa_text_answer"] == expected_tables(1.0)
    # spoken answers (both systems) and written answers: over the whole vocabulary
    assert masks == [None] * 3
    stored = output / "results" / "speech-text"
    key = json.loads((stored / "qa_text_answer.json").read_text())["key"]
    assert (key["mask_other_modality"], key["with_context"]) == (False, True)
    rows = report_json_rows(output)
    assert rows["speech-text"]["QA FR->EN S->T"] == rows["speech-text"]["QA who EN S->T"] == 100.0
    assert rows["textless"]["QA FR->EN S->T"] is None
    section = spoken_qa_section(output)
    written = section.index("| S->T written answers | EN | FR | EN->FR | FR->EN |")
    assert section[written + 2 : written + 4] == [
        "| speech-text | 100.00 | 100.00 | 100.00 | 100.00 |",
        "",
    ]
    who = section.index(
        "| who | EN | FR | EN->FR | FR->EN | EN S->T | FR S->T | EN->FR S->T | FR->EN S->T |"
    )
    assert section[who + 2] == "| speech-text |" + " 100.00 |" * 8
    assert section[who + 3].startswith("| textless | ")
    assert section[who + 3].endswith(" | – | – | – | – |")
    # masking the other modality: the written answers again, the spoken ones reused
    spoken = (stored / "qa.json").stat().st_mtime_ns
    results = evaluate(systems, benchmarks, output, cross_modal_mask_other_modality=True)
    assert len(masks) == 4 and masks[3] is not None
    assert json.loads((stored / "qa_text_answer.json").read_text())["key"]["mask_other_modality"]
    assert results["speech-text"]["qa_text_answer"] == expected_tables(1.0)
    assert (stored / "qa.json").stat().st_mtime_ns == spoken


def test_qa_without_stories_asks_the_questions_alone(tmp_path, systems, loaded_models):
    systems = {"progression": systems["progression"]}
    columns = [column for column in QA_MANIFEST_COLUMNS if not column.startswith("context_")]
    qa_csv = write_qa(tmp_path / "alone", columns=columns)
    results = evaluate(systems, {"qa": qa_csv}, tmp_path / "out")
    assert results["progression"]["qa"] == expected_tables(1.0)
    stored = tmp_path / "out" / "results" / "progression" / "qa.json"
    assert json.loads(stored.read_text())["key"]["with_context"] is False
    # a story on some rows only: refused before any model is loaded
    qa_csv = write_qa(tmp_path / "some")
    lines = qa_csv.read_text().splitlines()
    lines[2] = lines[2].replace("who_enen_1_s.wav", "")
    qa_csv.write_text("\n".join(lines) + "\n")
    with pytest.raises(BenchmarkFormatError, match=r"qa.csv: 1 of 16 rows have no context_wav"):
        evaluate(systems, {"qa": qa_csv}, tmp_path / "out")
    assert loaded_models == ["progression"]
