"""The demo's training: the five systems of Table 3 with the recipe's train.py.

Authors
 * speechbrain-xling authors 2026
"""

import json
from pathlib import Path

from speechbrain_xling.budget import read_stage
from speechbrain_xling.recipe_folder import recipe_folder, run_recipe_script
from speechbrain_xling.training import FINAL_MODEL, SUMMARY_FILE

# (hparams file, thousands of paper steps): Table 3's budgets at 614,400 tokens/step.
STAGES = (
    ("stage1_en_pretrain", 75),
    ("stage2_interleave", 20),
    ("stage3_bilingual_ft", 30),
    ("baseline_en_fr", 50),
    ("baseline_fr", 25),
)


def stage_steps(step_scale, stages=STAGES):
    """Optimizer steps of each stage: the paper's thousands x ``step_scale``.

    Example
    -------
    >>> stage_steps(2.0)
    [150, 40, 60, 100, 50]
    """
    return [max(1, round(thousands * step_scale)) for _, thousands in stages]


def tiny_model_config(hidden_size, num_layers):
    """A small Llama-architecture config trained from scratch."""
    return {
        "model_type": "llama",
        "hidden_size": hidden_size,
        "intermediate_size": 4 * hidden_size,
        "num_hidden_layers": num_layers,
        "num_attention_heads": max(hidden_size // 32, 1),
        "num_key_value_heads": max(hidden_size // 64, 1),
        "max_position_embeddings": 4096,
    }


def train_systems(train_store, valid_store, num_units, results_root, seed, args, stages=STAGES):
    """Trains the systems of Table 3 with the recipe's ``train.py``.

    ``stages`` (default: all five of :data:`STAGES`) may be a prefix of them,
    e.g. ``STAGES[:1]`` for the EN baseline alone. Returns ``{system name:
    model folder}``.
    """
    recipe = recipe_folder()
    hparams_folder = Path(args.hparams_folder) if args.hparams_folder else recipe / "hparams"
    systems = {}
    steps = stage_steps(args.step_scale, stages)
    for number, (stage, _) in enumerate(stages, start=1):
        hparams_file = hparams_folder / f"{stage}.yaml"
        overrides = {
            "seed": seed,
            "results_root": str(results_root),
            "train_store": str(train_store),
            "valid_store": str(valid_store),
            "num_units": num_units,
            "context_length": args.context_length,
            "batch_size": args.batch_size,
            "tokens_per_step": args.tokens_per_step,
            "max_steps": steps[number - 1],
            "lr": args.lr,
            "log_every_steps": 10,
            "checkpoint_every_steps": 50,
            "interleave_mode": args.interleave_mode,
        }
        if not read_stage(hparams_file).get("init_from_stage"):
            overrides["text_lm_source"] = None
            overrides["model_config"] = tiny_model_config(args.hidden_size, args.num_layers)
        print(
            f"[train {number}/{len(stages)}] {stage}: {overrides['max_steps']} steps "
            f"x {args.tokens_per_step} tokens (seed {seed})",
            flush=True,
        )
        flags = [f"--{key}={json.dumps(value)}" for key, value in overrides.items()]
        flags += ["--device=cpu"] + (["--noprogressbar"] if args.no_progress else [])
        run_recipe_script(recipe / "train.py", [hparams_file, *flags])
        output_folder = Path(results_root) / stage
        with open(output_folder / SUMMARY_FILE, encoding="utf-8") as handle:
            systems[json.load(handle)["system_name"]] = output_folder / FINAL_MODEL
    return systems
