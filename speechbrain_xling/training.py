"""The steps of one training stage, called in order by the recipe's train.py.

``plan_steps`` (step budget) -> ``dataio_prepare`` (the packed stream of this
rank and the validation batches, from the data pipeline declared in the
stage's hparams) -> ``SLMBrain.fit`` -> ``finish_stage`` (final model and
``training_summary.json``). ``stage_is_done`` tells a finished stage.

Authors
 * speechbrain-xling authors 2026
"""

import difflib
import logging
import os
import shutil
from pathlib import Path

import torch
from speechbrain.utils.distributed import if_main_process, run_on_main
from torch.utils.data import DataLoader

from speechbrain_xling.atomic import write_json_atomically
from speechbrain_xling.brain import gradient_accumulation
from speechbrain_xling.budget import stage_budget
from speechbrain_xling.checkpoints import AtomicCheckpointer
from speechbrain_xling.data.store_mixture import StoreMixture
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
    "documents",
    "packer",
    "context_length",
    "batch_size",
    "tokens_per_step",
    "max_steps",
    "checkpoint_every_steps",
    "log_every_steps",
    "lm",
    "opt_class",
    "lr_annealing",
    "epoch_counter",
    "checkpointer",
    "train_logger",
)
# Keys a stage file may hold besides REQUIRED_KEYS (most reach the pipeline
# objects through !ref); anything else is taken for a typo.
OPTIONAL_KEYS = (
    "vocab",
    "train_stores",
    "store_shares",
    "valid_store",
    "valid_batches",
    "interleave_ratio",
    "interleave_mode",
    "switch_prob",
    "on_misaligned",
    "word_alignments",
    "init_from",
    "init_from_stage",
    "text_lm_source",
    "model_config",
    "results_root",
    "attn_implementation",
    "lr",
    "warmup_ratio",
    "max_grad_norm",
    "weight_decay",
    "betas",
    "precision",
    "data_folder",
    "seed_everything",
    "run_name",
    "token_channels",
    "text_tokenizer",
    "text_tokenizer_source",
    "document_shares",
    "speech_prob",
    "interleaving",
    "span_words",
    "pair_tasks",
    "pair_loss",
    "on_missing_text",
    # instruction fine-tuning (sft_chain_of_modality.yaml)
    "context_store",
    "instructions",
    "variant_shares",
    "chunk_words",
    "cross_lingual_prob",
    "on_too_long",
)
SUMMARY_FILE = "training_summary.json"
FINAL_MODEL = "final_model"


def check_hparams(hparams, source="hparams"):
    """Rejects missing and unknown top-level keys (typos), naming them.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.checkpoints import AtomicCheckpointer
    >>> hparams = {key: 0 for key in REQUIRED_KEYS}
    >>> hparams["checkpointer"] = AtomicCheckpointer(tempfile.mkdtemp())
    >>> check_hparams(hparams)
    >>> del hparams["max_steps"]
    >>> hparams["max_step"] = 10
    >>> check_hparams(hparams, "stage.yaml")  # doctest: +ELLIPSIS
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
    problems += [f"missing key {key!r}" for key in REQUIRED_KEYS if key not in hparams]
    if problems:
        raise ValueError(f"{source}: " + "; ".join(problems))
    if not isinstance(hparams["checkpointer"], AtomicCheckpointer):
        logger.warning(
            f"{source}: the checkpointer is a {type(hparams['checkpointer']).__name__}; a "
            "job killed while it saves leaves a checkpoint that breaks the next run (use "
            "speechbrain_xling.checkpoints.AtomicCheckpointer)"
        )


def _distributed_rank():
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


def plan_steps(hparams, hparams_file="hparams"):
    """Checks the hparams and sets the step budget SpeechBrain's Brain reads.

    Sets ``grad_accumulation_factor`` (micro-batches per optimiser step, so
    that every step sees ``tokens_per_step`` tokens over all ranks) and
    ``optimizer_step_limit`` (= ``max_steps``), and logs the planned tokens
    per language. Returns the planned tokens (``{lang: tokens}``).
    """
    check_hparams(hparams, hparams_file)
    _, world_size = _distributed_rank()
    accumulation = gradient_accumulation(
        hparams["tokens_per_step"],
        hparams["batch_size"],
        hparams["context_length"],
        world_size,
    )
    hparams["grad_accumulation_factor"] = accumulation
    hparams["optimizer_step_limit"] = hparams["max_steps"]
    planned = stage_budget(hparams)
    logger.info(
        f"{hparams['system_name']}: {hparams['max_steps']} steps x "
        f"{hparams['tokens_per_step']} tokens ({world_size} ranks x "
        f"{hparams['batch_size']} windows x {hparams['context_length']} x "
        f"{accumulation} accumulation); planned tokens per language: {planned}"
    )
    return planned


def open_stores(hparams):
    """``{name: UnitStore}`` of the stage: ``train_store`` or ``train_stores``.

    Exactly one of the two must be set; every store must hold units of
    ``num_units`` (K).
    """
    single, several = hparams["train_store"], hparams.get("train_stores") or {}
    if bool(single) == bool(several):
        raise ValueError(
            "set train_store (one unit store folder) or train_stores ({name: folder, ...}), "
            f"not {'both' if single else 'neither'}"
        )
    folders = dict(several) if several else {"train": single}
    stores = {name: UnitStore(folder) for name, folder in folders.items()}
    for store in stores.values():
        if store.num_units != hparams["num_units"]:
            raise ValueError(
                f"{store.folder} holds units of K={store.num_units} but the hparams "
                f"say num_units={hparams['num_units']}"
            )
    return stores


def _store_languages(stores, languages):
    """The stage's languages each store takes part in (all of them for one store)."""
    if len(stores) == 1:
        return {name: list(languages) for name in stores}
    taken = {
        name: [lang for lang in languages if lang in store.languages()]
        for name, store in stores.items()
    }
    for name, langs in taken.items():
        if not langs:
            raise ValueError(
                f"{stores[name].folder} holds none of the languages {list(languages)} "
                f"(it has {stores[name].languages()})"
            )
    unused = [lang for lang in languages if not any(lang in langs for langs in taken.values())]
    if unused:
        raise ValueError(f"language(s) {unused} are in none of the unit stores")
    return taken


def dataio_prepare(hparams):
    """The training stream of this rank and the validation batches.

    The stores of ``train_store`` (one folder) or ``train_stores``
    (``{name: folder}``) each feed a ``documents`` mixture (the hparams' ``!name:`` of
    :class:`~speechbrain_xling.data.sequences.DocumentMixture`), several stores
    are mixed by ``store_shares`` (:class:`StoreMixture`), and the ``packer``
    cuts the documents into this rank's windows. ``valid_store``, if set,
    gives ``valid_batches`` fixed batches of the same pipeline. An SFT stage
    with ``instructions`` (a JSONL file) reads its examples from that file
    instead of a store (``documents(None, languages, seed=...)``).

    Returns
    -------
    train_loader : DataLoader
        Over a checkpointable :class:`PackedWindowStream` (``.dataset``).
    valid_loader : DataLoader or None
    """
    rank, world_size = _distributed_rank()
    if hparams.get("instructions"):  # instruction data from a JSONL file, no unit store
        sources = {
            "instructions": hparams["documents"](None, hparams["languages"], seed=hparams["seed"])
        }
    else:
        stores = open_stores(hparams)
        sources = {
            name: hparams["documents"](stores[name], langs, seed=hparams["seed"])
            for name, langs in _store_languages(stores, hparams["languages"]).items()
        }
    mixture = StoreMixture(sources, hparams.get("store_shares") or None, count_channels(hparams))
    packer = hparams["packer"](mixture, rank=rank, world_size=world_size)
    num_batches = hparams["max_steps"] * hparams["grad_accumulation_factor"]
    stream = PackedWindowStream(packer, hparams["batch_size"], num_batches)
    return _loader(stream), _valid_loader(hparams)


def count_channels(hparams):
    """What the stage's tokens are counted by: ``token_channels`` if set
    (a speech-text stage: ``{lang}_{modality}``), else ``languages``."""
    return list(hparams.get("token_channels") or hparams["languages"])


def _valid_loader(hparams):
    if not hparams.get("valid_store"):
        return None
    store = UnitStore(hparams["valid_store"])
    mixture = hparams["documents"](store, hparams["languages"], seed=0, on_misaligned="skip")
    packer = hparams["packer"](StoreMixture({"valid": mixture}, languages=count_channels(hparams)))
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


def finish_stage(brain, hparams, train_loader, seconds):
    """Writes the final model and ``training_summary.json`` of a finished stage.

    Returns the summary; a stage stopped before ``max_steps`` (``--debug``)
    writes no final model.
    """
    summary = {
        "system_name": hparams["system_name"],
        "optimizer_steps": brain.optimizer_step,
        "tokens_per_step": hparams["tokens_per_step"],
        "planned_tokens": stage_budget(hparams),
        "measured_tokens": brain.token_tally.as_dict(),
        "documents": train_loader.dataset.document_counts,
        "world_size": _distributed_rank()[1],
        "seconds": round(seconds, 2),
    }
    if brain.optimizer_step < hparams["max_steps"]:
        logger.info(
            f"stopped after {brain.optimizer_step} of {hparams['max_steps']} "
            "steps (debug run); no final model written"
        )
        return summary
    hparams["checkpointer"].save_and_keep_only(
        meta={"optimizer_step": brain.optimizer_step}, num_to_keep=1
    )
    run_on_main(_save_final, args=[hparams["lm"], Path(hparams["output_folder"]), summary])
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
