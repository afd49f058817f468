#!/usr/bin/env python3
"""Recipe: train one stage of a cross-lingual spoken language model.

Stages and baselines of "Cross-Lingual Interleaving for Speech Language
Models" (arXiv 2512.01865) are hparams files in ``hparams/``::

    python train.py hparams/stage1_en_pretrain.yaml --train_store=<store>
    python train.py hparams/stage2_interleave.yaml --train_store=<store>
    torchrun --nproc_per_node=4 train.py hparams/stage2_interleave.yaml ...

Every hparam can be overridden on the command line (``--lr=1e-4``);
``--debug`` runs a few steps; re-running resumes from the last checkpoint
(or skips a finished stage). The data pipeline (unit stores, document
mixture, packer), the model, the optimiser and the checkpointer are declared
in the hparams file; this script runs the steps in order.

Authors
 * speechbrain-xling authors 2026
"""

import logging
import sys
import time

import speechbrain as sb
from hyperpyyaml import load_hyperpyyaml

from speechbrain_xling.brain import SLMBrain
from speechbrain_xling.training import dataio_prepare, finish_stage, plan_steps, stage_is_done

logger = logging.getLogger(__name__)

if __name__ == "__main__":
    # Command line, DDP group, hparams, experiment folder.
    hparams_file, run_opts, overrides = sb.parse_arguments(sys.argv[1:])
    sb.utils.distributed.ddp_init_group(run_opts)
    with open(hparams_file, encoding="utf-8") as fin:
        hparams = load_hyperpyyaml(fin, overrides)
    sb.create_experiment_directory(
        experiment_directory=hparams["output_folder"],
        hyperparams_to_save=hparams_file,
        overrides=overrides,
    )
    if stage_is_done(hparams["output_folder"]):
        logger.info(f"{hparams['output_folder']} already holds a finished stage; skipping")
        sys.exit(0)

    # Step budget: gradient accumulation for tokens_per_step over all ranks.
    plan_steps(hparams, hparams_file)

    # Data: this rank's packed stream (checkpointed, so a resumed run goes on
    # with the next batch) and fixed validation batches.
    train_loader, valid_loader = dataio_prepare(hparams)
    hparams["checkpointer"].add_recoverable("train_stream", train_loader.dataset)

    # Training: step-based, resumed from the last checkpoint if there is one.
    brain = SLMBrain(
        modules={"lm": hparams["lm"]},
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=hparams["checkpointer"],
    )
    started = time.time()
    brain.fit(hparams["epoch_counter"], train_set=train_loader, valid_set=valid_loader)

    # The stage's final model (the next stage's init_from) and its summary.
    finish_stage(brain, hparams, train_loader, time.time() - started)
