"""The tokenisation recipe end to end: hparams files, k-means fit, torchrun."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from speechbrain_xling.data.unit_store import UnitStore
from speechbrain_xling.prepare.manifest import write_manifest
from speechbrain_xling.tokenizers.audio import audio_duration
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


def run_recipe(command, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(RECIPE.parents[2]), *sys.path])}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
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
