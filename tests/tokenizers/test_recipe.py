"""The tokenisation recipe end to end: hparams files, k-means fit, torchrun."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio

from speechbrain_xling.audio import audio_duration
from speechbrain_xling.data.unit_store import UnitStore
from speechbrain_xling.prepare.manifest import write_manifest
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.mimi import MimiTokenizer
from speechbrain_xling.tokenizers.pipeline import tokenize_manifest

RECIPE = Path(__file__).parents[2] / "recipes" / "sTinyStories" / "SLM"


@pytest.fixture(scope="module")
def manifest(speech, tmp_path_factory):
    rows = [
        {
            "ID": name,
            "story_id": "s0",
            "sent_idx": i,
            "lang": name[:2],
            "wav": str(path),
            "duration": audio_duration(path),
            "speaker": "v1",
        }
        for i, (name, path) in enumerate(speech.items())
    ]
    path = tmp_path_factory.mktemp("recipe") / "manifest.csv"
    write_manifest(rows, path)
    return path


def run_recipe(command, cwd, check=True):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(RECIPE.parents[2]), *sys.path])}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_kmeans_recipe_fits_then_tokenises(manifest, tmp_path):
    run_recipe(
        [
            sys.executable,
            str(RECIPE / "tokenize_units.py"),
            "hparams/tokenize_kmeans.yaml",
            f"--output_folder={tmp_path}",
            f"--manifest={manifest}",
            "--num_units=8",
            "--device=cpu",
        ],
        cwd=RECIPE,
    )
    store = UnitStore(tmp_path / "units")
    assert len(store) == 5 and store.num_units == 8 and store.frame_rate == 25.0
    assert (tmp_path / "kmeans.npz").exists() and (tmp_path / "hyperparams.yaml").exists()


def test_kmeans_recipe_on_error_covers_the_fit(manifest, tmp_path):
    """One corrupt WAV in the manifest (so in the fitting sample): the default
    stops the run naming it; --on_error=skip fits and tokenises without it,
    and reports the skip (log, kmeans.npz fit info, tokenise summary)."""
    bad = tmp_path / "corrupt.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
    lines = manifest.read_text().splitlines()
    fields = lines[1].split(",")
    header = lines[0].split(",")
    fields[header.index("ID")] = "en_corrupt"
    fields[header.index("wav")] = str(bad)
    bad_manifest = tmp_path / "manifest.csv"
    bad_manifest.write_text("\n".join([*lines, ",".join(fields)]) + "\n")

    def command(output_folder, *options):
        return [
            sys.executable,
            str(RECIPE / "tokenize_units.py"),
            "hparams/tokenize_kmeans.yaml",
            f"--output_folder={output_folder}",
            f"--manifest={bad_manifest}",
            "--num_units=8",
            "--device=cpu",
            *options,
        ]

    failed = run_recipe(command(tmp_path / "error"), cwd=RECIPE, check=False)
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr  # SpeechBrain logs the error to stdout
    assert "AudioError" in output and f"{bad}: cannot read audio" in output
    assert "line 7 (ID 'en_corrupt')" in output
    assert not (tmp_path / "error" / "kmeans.npz").exists()

    result = run_recipe(command(tmp_path / "skip", "--on_error=skip"), cwd=RECIPE)
    output = result.stdout + result.stderr
    assert "skipped 1 unreadable audio file(s) of the fitting sample" in output
    assert "corrupt.wav" in output
    fit_info = KMeansTokenizer.load(tmp_path / "skip" / "kmeans.npz").fit_info
    assert fit_info["num_skipped"] == 1 and fit_info["num_utterances"] == 5
    assert fit_info["skipped"][0]["wav"] == str(bad)
    assert UnitStore(tmp_path / "skip" / "units").header["rows"] == 5
    summary = json.loads((tmp_path / "skip" / "units" / "tokenize_summary.json").read_text())
    assert summary["rows_skipped"] == 1 and summary["skipped_by_reason"] == {"unreadable": 1}


@pytest.fixture(scope="module")
def librispeech(speech, tmp_path_factory):
    """A LibriSpeech-style SpeechBrain CSV (``librispeech_prepare.py``'s
    columns) with ``$data_root`` paths to FLAC files: ``(csv, data_root)``."""
    data_root = tmp_path_factory.mktemp("LibriSpeech")
    lines = ["ID,duration,wav,spk_id,wrd"]
    for index, name in enumerate(["en_short", "en_mid", "long"]):
        speaker, chapter = ("103", "1240") if index < 2 else ("1034", "121119")
        utt_id = f"{speaker}-{chapter}-{index:04d}"
        relative = f"train-clean-100/{speaker}/{chapter}/{utt_id}.flac"
        (data_root / relative).parent.mkdir(parents=True, exist_ok=True)
        audio, rate = sf.read(speech[name])
        sf.write(data_root / relative, audio, rate)
        lines.append(
            f"{utt_id},{audio_duration(speech[name])},$data_root/{relative},"
            f"{speaker}-{chapter},SOME WORDS {index}"
        )
    path = tmp_path_factory.mktemp("librispeech_csv") / "train-clean-100.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, data_root


@pytest.fixture(scope="module")
def common_voice_fr(speech, tmp_path_factory):
    """A CommonVoice-FR-style SpeechBrain CSV (``common_voice_prepare.py``'s
    columns and absolute paths) over 48 kHz MP3 clips."""
    folder = tmp_path_factory.mktemp("cv_fr")
    (folder / "clips").mkdir()
    lines = ["ID,duration,wav,spk_id,wrd"]
    for index, name in enumerate(["fr_mid", "fr_short"]):
        audio, rate = sf.read(speech[name], dtype="float32")
        audio = torchaudio.functional.resample(torch.from_numpy(audio), rate, 48000).numpy()
        clip = folder / "clips" / f"common_voice_fr_{17299384 + index}.mp3"
        sf.write(clip, audio, 48000, format="MP3")
        lines.append(
            f"{clip.stem},{audio_duration(clip)},{clip},{index:02x}{'c0ffee' * 10},"
            "IL ETAIT UNE FOIS"
        )
    path = folder / "train.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def kmeans_recipe(output_folder, manifest, *options):
    return [
        sys.executable,
        str(RECIPE / "tokenize_units.py"),
        "hparams/tokenize_kmeans.yaml",
        f"--output_folder={output_folder}",
        f"--manifest={manifest}",
        "--num_units=8",
        "--device=cpu",
        *options,
    ]


def test_librispeech_speechbrain_csv_tokenises_with_data_root(librispeech, tmp_path):
    """SpeechBrain's LibriSpeech CSV, as is: the k-means fit and the store
    read it with --data_root and --lang; each utterance is its own story."""
    manifest, data_root = librispeech
    run_recipe(kmeans_recipe(tmp_path, manifest, "--lang=en", f"--data_root={data_root}"), RECIPE)
    store = UnitStore(tmp_path / "units")
    ids = ["103-1240-0000", "103-1240-0001", "1034-121119-0002"]
    assert sorted(store.ids.tolist()) == ids
    by_id = {utt: row for row, utt in enumerate(store.ids)}
    assert [store.story_ids[by_id[i]] for i in ids] == ids
    assert [int(store.sent_idx[by_id[i]]) for i in ids] == [0, 0, 0]
    assert [store.speakers[by_id[i]] for i in ids] == ["103-1240", "103-1240", "1034-121119"]
    assert store.languages() == ["en"]
    plan = json.loads((tmp_path / "units" / "tokenize_plan.json").read_text())
    assert plan["lang"] == "en"
    assert KMeansTokenizer.load(tmp_path / "kmeans.npz").fit_info["num_utterances"] == 3


def test_common_voice_fr_speechbrain_csv_tokenises(common_voice_fr, tmp_path):
    run_recipe(kmeans_recipe(tmp_path, common_voice_fr, "--lang=fr"), RECIPE)
    store = UnitStore(tmp_path / "units")
    assert store.languages() == ["fr"] and store.header["rows"] == 2
    assert sorted(store.ids.tolist()) == ["common_voice_fr_17299384", "common_voice_fr_17299385"]
    assert store.story_ids.tolist() == store.ids.tolist()
    assert sorted(store.speakers.tolist()) == ["00" + "c0ffee" * 10, "01" + "c0ffee" * 10]
    summary = json.loads((tmp_path / "units" / "tokenize_summary.json").read_text())
    assert summary["audio_resampled"] == 2  # 48 kHz MP3 -> 16 kHz


def test_speechbrain_csv_errors_name_the_file(librispeech, tmp_path):
    """No --lang: an error naming the CSV; no --data_root: an error naming
    CSV, line and ID. Both before any fitting."""
    manifest, data_root = librispeech
    failed = run_recipe(
        kmeans_recipe(tmp_path / "a", manifest, f"--data_root={data_root}"), RECIPE, check=False
    )
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "ManifestError" in output and f"{manifest} has no lang column" in output
    failed = run_recipe(kmeans_recipe(tmp_path / "b", manifest, "--lang=en"), RECIPE, check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert f"{manifest} line 2 (ID '103-1240-0000'): wav '$data_root/" in output
    assert "holds $data_root, which is not replaced; give data_root" in output
    assert not (tmp_path / "a" / "kmeans.npz").exists()
    assert not (tmp_path / "b" / "kmeans.npz").exists()


@pytest.mark.slow
def test_mimi_recipe_under_torchrun_equals_a_single_process_run(manifest, tiny_mimi, tmp_path):
    result = run_recipe(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            str(RECIPE / "tokenize_units.py"),
            "hparams/tokenize_mimi.yaml",
            "--distributed_backend=gloo",
            f"--output_folder={tmp_path}",
            f"--manifest={manifest}",
            f"--mimi_source={tiny_mimi}",
            "--rows_per_part=1",
        ],
        cwd=RECIPE,
    )
    assert "tokenise (rank 0)" in result.stderr and "tokenise (rank 1)" in result.stderr
    store = UnitStore(tmp_path / "units")
    reference = tokenize_manifest(
        manifest, MimiTokenizer(tiny_mimi), tmp_path / "ref", rows_per_part=1, progress=False
    )
    assert store.header["rows"] == reference["rows"] == 5
    assert len(store.header["parts"]) == 5
    expected = UnitStore(tmp_path / "ref")
    assert store.ids.tolist() == expected.ids.tolist()
    for row in range(len(store)):
        np.testing.assert_array_equal(store.units(row), expected.units(row))
