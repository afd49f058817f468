"""The package works installed from its wheel, not only from the source tree."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]
TINY_DEMO = [
    "--units", "phones", "--train-stories", "24", "--valid-stories", "2",
    "--bench-items", "4", "--alignment-pairs", "4", "--qa-stories", "1", "--step-scale", "0.05",
    "--tokens-per-step", "512", "--batch-size", "2", "--context-length", "256",
    "--hidden-size", "32", "--num-layers", "1", "--train-voices", "1", "--seeds", "0",
    "--no-progress",
]  # fmt: skip


def test_demo_runs_from_the_installed_wheel(tmp_path):
    source = tmp_path / "source"  # a copy: building writes build/ next to setup.py
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "results", "build", "*.egg-info", "__pycache__"
        ),
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", source],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("speechbrain_xling-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", site, wheel], check=True, capture_output=True
    )
    shutil.rmtree(source)  # nothing may come from the source tree any more

    env = {**os.environ, "PYTHONPATH": str(site), "OMP_NUM_THREADS": "1"}
    where = subprocess.run(
        [sys.executable, "-c", "import speechbrain_xling; print(speechbrain_xling.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(site)
    demo = subprocess.run(
        [sys.executable, "-m", "speechbrain_xling.demo", "--output-folder", "out", *TINY_DEMO],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert (tmp_path / "out" / "phones" / "report.md").is_file()
    trained = tmp_path / "out" / "phones" / "seed_0" / "stage2_interleave" / "final_model"
    assert (trained / "unit_vocab.json").is_file()
