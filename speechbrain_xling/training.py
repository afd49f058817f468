"""One training stage from loaded hparams: the body of the recipe's train.py.

Authors
 * speechbrain-xling authors 2026
"""

import difflib
import json
import logging
import os
import shutil
import time
from pathlib import Path

import torch
from speechbrain.utils.distributed import if_main_process, run_on_main
from torch.utils.data import DataLoader

from speechbrain_xling.atomic import write_json_atomically
from speechbrain_xling.brain import SLMBrain, gradient_accumulation
from speechbrain_xling.budget import stage_budget
from speechbrain_xling.checkpoints import AtomicCheckpointer, TorchRandomState
from speechbrain_xling.data.packing import WindowPacker
from speechbrain_xling.data.sequences import DocumentMixture, load_word_alignments
from speechbrain_xling.data.stream import PackedWindowStream
from speechbrain_xling.data.unit_store import UnitStore

logger = logging.getLogger(__name__)

REQUIRED_KEYS = (
    "seed",
    "output_folder",
    "save_folder",
    "train_log",
    "step_log",
    "system_name",
    "train_store",
    "num_units",
    "pad_index",
    "eos_index",
    "languages",
    "language_shares",
    "interleave_ratio",
    "interleave_mode",
    "switch_prob",
    "on_misaligned",
    "context_length",
    "batch_size",
    "tokens_per_step",
    "max_steps",
    "lr",
    "warmup_ratio",
    "max_grad_norm",
    "checkpoint_every_steps",
    "log_every_steps",
    "lm",
    "opt_class",
    "lr_annealing",
    "epoch_counter",
    "checkpointer",
    "train_logger",
)
OPTIONAL_KEYS = (
    "valid_store",
    "valid_batches",
    "word_alignments",
    "init_from",
    "init_from_stage",
    "text_lm_source",
    "model_config",
    "results_root",
    "attn_implementation",
    "weight_decay",
    "betas",
    "precision",
    "data_folder",
    "seed_everything",
    "run_name",
)
SUMMARY_FILE = "training_summary.json"
FINAL_MODEL = "final_model"


def check_hparams(hparams, source="hparams"):
    """Rejects missing and unknown top-level keys (typos), naming them.

    Example
    -------
    >>> check_hparams({key: 0 for key in REQUIRED_KEYS})
    >>> bad = {key: 0 for key in REQUIRED_KEYS if key != "max_steps"}
    >>> bad["max_step"] = 10
    >>> check_hparams(bad, "stage.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: stage.yaml: unknown key 'max_step' (did you mean 'max_steps'?); ...
    """
    known = set(REQUIRED_KEYS) | set(OPTIONAL_KEYS)
    problems = []
    for key in sorted(set(hparams) - known):
        guess = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        problems.append(f"unknown key {key!r}{hint}")
    for key in REQUIRED_KEYS:
        if key not in hparams:
            problems.append(f"missing key {key!r}")
    if problems:
        raise ValueError(f"{source}: " + "; ".join(problems))


def build_train_stream(hparams, rank, world_size, accumulation):
    """The checkpointable training stream of one rank."""
    store = UnitStore(hparams["train_store"])
    if store.num_units != hparams["num_units"]:
        raise ValueError(
            f"{store.folder} holds units of K={store.num_units} but the hparams "
            f"say num_units={hparams['num_units']}"
        )
    alignments = hparams.get("word_alignments")
    mixture = DocumentMixture(
        store,
        hparams["languages"],
        interleave_ratio=hparams["interleave_ratio"],
        mode=hparams["interleave_mode"],
        switch_prob=hparams["switch_prob"],
        language_shares=hparams["language_shares"],
        seed=hparams["seed"],
        on_misaligned=hparams["on_misaligned"],
        word_alignments=load_word_alignments(alignments) if alignments else None,
    )
    for reason, count in mixture.index.skipped.items():
        logger.warning(f"{store.folder}: skipped {count} stories ({reason})")
    packer = WindowPacker(
        mixture, hparams["context_length"], hparams["eos_index"], rank, world_size
    )
    return PackedWindowStream(packer, hparams["batch_size"], hparams["max_steps"] * accumulation)


def build_valid_batches(hparams):
    """A loader over fixed validation batches (same mixture settings), or None."""
    if not hparams.get("valid_store"):
        return None
    mixture = DocumentMixture(
        UnitStore(hparams["valid_store"]),
        hparams["languages"],
        interleave_ratio=hparams["interleave_ratio"],
        mode=hparams["interleave_mode"],
        switch_prob=hparams["switch_prob"],
        language_shares=hparams["language_shares"],
        seed=0,
        on_misaligned="skip",
    )
    packer = WindowPacker(mixture, hparams["context_length"], hparams["eos_index"])
    batches = [
        packer.next_batch(hparams["batch_size"]) for _ in range(hparams.get("valid_batches", 4))
    ]
    return _loader(batches)


def _loader(batches):
    """A DataLoader over ready batches that leaves the global torch RNG alone.

    Creating a DataLoader iterator draws a seed from the global torch RNG
    unless the loader has a generator of its own; a resumed run restores that
    RNG just before, so the draw would shift every later dropout mask.
    """
    return DataLoader(batches, batch_size=None, num_workers=0, generator=torch.Generator())


def stage_is_done(output_folder):
    """True when the stage wrote its final model and summary."""
    folder = Path(output_folder)
    return (folder / SUMMARY_FILE).exists() and (folder / FINAL_MODEL).exists()


def run_training(hparams, run_opts, hparams_file="hparams"):
    """Trains one stage; skips it if it already finished.

    Arguments
    ---------
    hparams : dict
        Loaded HyperPyYAML hparams (see the recipe's ``hparams/*.yaml``).
    run_opts : dict
        SpeechBrain run options (device, precision, distributed backend...).
    hparams_file : str
        Name used in error messages.

    Returns
    -------
    dict
        The training summary (also written to ``training_summary.json``).
    """
    check_hparams(hparams, hparams_file)
    output_folder = Path(hparams["output_folder"])
    if stage_is_done(output_folder):
        logger.info(f"{output_folder} already holds a finished stage; skipping")
        with open(output_folder / SUMMARY_FILE) as handle:
            return json.load(handle)
    rank = int(os.environ.get("RANK", 0))
    world_size = int(os.environ.get("WORLD_SIZE", 1))
    accumulation = gradient_accumulation(
        hparams["tokens_per_step"],
        hparams["batch_size"],
        hparams["context_length"],
        world_size,
    )
    planned = stage_budget(hparams)
    logger.info(
        f"{hparams['system_name']}: {hparams['max_steps']} steps x "
        f"{hparams['tokens_per_step']} tokens ({world_size} ranks x "
        f"{hparams['batch_size']} windows x {hparams['context_length']} x "
        f"{accumulation} accumulation); planned tokens per language: {planned}"
    )
    hparams["grad_accumulation_factor"] = accumulation
    hparams["optimizer_step_limit"] = hparams["max_steps"]
    stream = build_train_stream(hparams, rank, world_size, accumulation)
    checkpointer = hparams["checkpointer"]
    if not isinstance(checkpointer, AtomicCheckpointer):
        logger.warning(
            f"{hparams_file}: the checkpointer is a {type(checkpointer).__name__}; a job "
            "killed while it saves leaves a checkpoint that breaks the next run (use "
            "speechbrain_xling.checkpoints.AtomicCheckpointer)"
        )
    checkpointer.add_recoverable("train_stream", stream)
    checkpointer.add_recoverable("torch_rng", TorchRandomState())
    brain = SLMBrain(
        modules={"lm": hparams["lm"]},
        opt_class=hparams["opt_class"],
        hparams=hparams,
        run_opts=run_opts,
        checkpointer=checkpointer,
    )
    started = time.time()
    brain.fit(
        hparams["epoch_counter"],
        train_set=_loader(stream),
        valid_set=build_valid_batches(hparams),
    )
    summary = {
        "system_name": hparams["system_name"],
        "optimizer_steps": brain.optimizer_step,
        "tokens_per_step": hparams["tokens_per_step"],
        "planned_tokens": planned,
        "measured_tokens": brain.token_tally.as_dict(),
        "documents": dict(stream.packer.mixture.document_counts),
        "world_size": world_size,
        "seconds": round(time.time() - started, 2),
    }
    if brain.optimizer_step < hparams["max_steps"]:
        logger.info(
            f"stopped after {brain.optimizer_step} of {hparams['max_steps']} "
            "steps (debug run); no final model written"
        )
        return summary
    checkpointer.save_and_keep_only(meta={"optimizer_step": brain.optimizer_step}, num_to_keep=1)
    run_on_main(_save_final, args=[hparams["lm"], output_folder, summary])
    if if_main_process():
        logger.info(f"measured tokens per language: {summary['measured_tokens']}")
    return summary


def _save_final(lm, output_folder, summary):
    final = output_folder / FINAL_MODEL
    tmp = output_folder / f".tmp-{FINAL_MODEL}"
    shutil.rmtree(tmp, ignore_errors=True)
    lm.save(tmp)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    write_json_atomically(summary, output_folder / SUMMARY_FILE)
