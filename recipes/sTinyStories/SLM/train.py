#!/usr/bin/env python3
"""Recipe: train one stage of a cross-lingual spoken language model.

Stages and baselines of "Cross-Lingual Interleaving for Speech Language
Models" (arXiv 2512.01865) are hparams files in ``hparams/``::

    python train.py hparams/stage1_en_pretrain.yaml --train_store=<store>
    python train.py hparams/stage2_interleave.yaml --train_store=<store>
    torchrun --nproc_per_node=4 train.py hparams/stage2_interleave.yaml ...

Every hparam can be overridden on the command line (``--lr=1e-4``);
``--debug`` runs a few steps; re-running resumes from the last checkpoint
(or skips a finished stage).

Authors
 * speechbrain-xling authors 2026
"""

import sys

import speechbrain as sb
from hyperpyyaml import load_hyperpyyaml

from speechbrain_xling.training import run_training

if __name__ == "__main__":
    hparams_file, run_opts, overrides = sb.parse_arguments(sys.argv[1:])
    sb.utils.distributed.ddp_init_group(run_opts)
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )
    run_training(hparams, run_opts, hparams_file)
