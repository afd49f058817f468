#!/usr/bin/env python3
"""Evaluates trained SLMs on sSC/sTC (EN, FR, EN->FR, FR->EN), sBLiMP and
sWUGGY (ZeroSpeech 2021 layout) and cross-lingual hidden-state alignment,
and writes a Table-3-shaped report (paper arXiv 2512.01865, Section 6).

To run::

    python evaluate.py hparams/evaluate.yaml --data_folder=/path/to/data \\
        --systems="{interleaving: results/stage2/save/final}"

Any number of systems (UnitLM folders) can be listed; benchmarks missing on
disk are skipped with a note in the log. Rerunning the same command resumes:
results already stored for a (system, benchmark) are reused.

Authors
 * speechbrain-xling authors 2026
"""

import sys

import speechbrain as sb
from hyperpyyaml import load_hyperpyyaml

from speechbrain_xling.eval.run import evaluate_systems

if __name__ == "__main__":
    hparams_file, run_opts, overrides = sb.parse_arguments(sys.argv[1:])
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides)

    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )

    evaluate_systems(
        systems=hparams["systems"],
        benchmarks=hparams["benchmarks"],
        output_folder=hparams["output_folder"],
        tokenizer=hparams["tokenizer"],
        unit_cache_folder=hparams["unit_cache_folder"],
        reduction=hparams["reduction"],
        max_tokens_per_batch=hparams["max_tokens_per_batch"],
        device=run_opts["device"],
        dtype=hparams["dtype"],
        zerospeech_split=hparams["zerospeech_split"],
        continuation=hparams["continuation"],
    )
