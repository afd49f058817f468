#!/usr/bin/env python3
"""Recipe: tokenise a manifest into a unit store (Mimi or k-means units).

::

    python tokenize_units.py hparams/tokenize_mimi.yaml \\
        --manifest=<manifest.csv> --store_folder=<unit store>
    python tokenize_units.py hparams/tokenize_mimi.yaml \\
        --data_folder=<sTinyStories release>      # prepares the manifest first
    python tokenize_units.py hparams/tokenize_kmeans.yaml --manifest=... \\
        --store_folder=...                         # fits k-means first
    python tokenize_units.py hparams/tokenize_kmeans.yaml ... \\
        --on_error=skip     # skip (and count) unreadable audio, in the fit too
    python tokenize_units.py hparams/tokenize_mimi.yaml \\
        --manifest=<CommonVoice fr train.csv> --lang=fr --data_root=<fr folder> \\
        --store_folder=...  # a SpeechBrain CSV (ID,duration,wav,spk_id,wrd)
    torchrun --nproc_per_node=4 tokenize_units.py hparams/tokenize_mimi.yaml ...

Re-running resumes an interrupted run (finished store parts are kept).
The manifest is either a story manifest or a SpeechBrain CSV, whose
utterances become one-sentence stories of language ``lang`` (monolingual
data; see :mod:`speechbrain_xling.prepare.manifest`); ``data_root`` replaces
``$data_root`` in its paths.
(The script is not called ``tokenize.py``: that name would shadow Python's
``tokenize`` module for every script started from this folder.)

Authors
 * speechbrain-xling authors 2026
"""

import sys

import speechbrain as sb
import torch
from hyperpyyaml import load_hyperpyyaml
from speechbrain.utils.distributed import (
    infer_device,
    is_distributed_initialized,
    run_on_main,
)

from speechbrain_xling.prepare.stinystories import prepare_stinystories
from speechbrain_xling.tokenizers.pipeline import tokenize_manifest

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
    if hparams["data_folder"] is not None:
        run_on_main(
            prepare_stinystories,
            kwargs={
                "metadata": hparams["metadata"],
                "manifest_path": hparams["manifest"],
                "languages": hparams["languages"],
                "on_mismatch": hparams["on_mismatch"],
            },
        )
    # The tokeniser factory is run on the main process first, so that model
    # downloads (Mimi) and k-means fitting happen once; then every process
    # builds (loads) it on its own device.
    device = run_opts.get("device") or infer_device()
    run_on_main(hparams["tokenizer"], kwargs={"device": "cpu"})
    tokenizer = hparams["tokenizer"](device=device)
    if is_distributed_initialized():
        rank = torch.distributed.get_rank()
        world_size = torch.distributed.get_world_size()
    else:
        rank, world_size = 0, 1
    tokenize_manifest(
        hparams["manifest"],
        tokenizer,
        hparams["store_folder"],
        rows_per_part=hparams["rows_per_part"],
        batch_seconds=hparams["batch_seconds"],
        on_error=hparams["on_error"],
        rank=rank,
        world_size=world_size,
        lang=hparams.get("lang"),
        data_root=hparams.get("data_root"),
        word_timings=hparams.get("word_timings"),
    )
