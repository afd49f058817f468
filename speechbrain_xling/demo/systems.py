"""The demo's training: the five systems of Table 3 with the recipe's train.py.

Authors
 * speechbrain-xling authors 2026
"""

import json
from pathlib import Path

from speechbrain_xling.budget import read_stage
from speechbrain_xling.data.unit_store import UnitStore
from speechbrain_xling.eval.report import (
    SFT_BASELINE,
    SFT_INTERLEAVING,
    SFT_SPEECH_TEXT_XLING,
    SPEECH_TEXT,
    SPEECH_TEXT_WORDS,
    SPEECH_TEXT_XLING,
)
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


# --modality speech-text adds three systems, all grown from stage 1 with stage
# 2's budget, from one hparams file (stage2_speech_text.yaml) and the same
# document mix. Text is the bridge between the languages in all three (text
# translation pairs, CSLM's way); interleaved documents switch modality per
# sentence, per word span (SpiritLM / SIMS, from the corpus's word timings),
# or per sentence with the languages switching too.
WORD_SPANS_STAGE = "stage2_speech_text_words"
SPEECH_TEXT_STAGES = (
    ("stage2_speech_text", 20),
    (WORD_SPANS_STAGE, 20),
    ("stage2_speech_text_xling", 20),
)
SPEECH_TEXT_MIX = {
    "document_shares": {"text": 0.2, "interleaved": 0.4, "speech": 0.2, "pairs": 0.2},
    "pair_tasks": ["asr", "tts", "translation"],
}
SPEECH_TEXT_OVERRIDES = {
    "stage2_speech_text": {"switch_prob": 0.0, "system_name": SPEECH_TEXT},
    WORD_SPANS_STAGE: {
        "switch_prob": 0.0,
        "interleaving": "word",
        "span_words": 10,
        "system_name": SPEECH_TEXT_WORDS,
    },
    "stage2_speech_text_xling": {"switch_prob": 0.5, "system_name": SPEECH_TEXT_XLING},
}


# --sft adds instruction fine-tuning (hparams/sft_chain_of_modality.yaml: spoken
# questions about the training stories, answers in the question's language
# or, half of the time, the other one) on top of the EN+FR baseline, the
# textless interleaving and, with --modality speech-text, the speech-text +
# cross-lingual system, each with the same budget (stage 2's). The textless
# models answer in speech (S->S); the speech-text one learns every variant
# (S->T, S->S, the chunked S->T+S chain). The demo's SFT windows are twice
# as long (a spoken story, question and answer must fit in one).
SFT_STAGES = (
    ("sft_baseline_en_fr", 20),
    ("sft_stage2_interleave", 20),
    ("sft_stage2_speech_text_xling", 20),
)
SPOKEN_ANSWERS = {"speech": 1.0, "chain": 0.0, "text": 0.0}
SFT_OVERRIDES = {
    "sft_baseline_en_fr": {
        "init_from_stage": "baseline_en_fr",
        "variant_shares": SPOKEN_ANSWERS,
        "system_name": SFT_BASELINE,
    },
    "sft_stage2_interleave": {
        "init_from_stage": "stage2_interleave",
        "variant_shares": SPOKEN_ANSWERS,
        "system_name": SFT_INTERLEAVING,
    },
    "sft_stage2_speech_text_xling": {
        "init_from_stage": "stage2_speech_text_xling",
        "variant_shares": {"speech": 0.25, "chain": 0.5, "text": 0.25},
        "system_name": SFT_SPEECH_TEXT_XLING,
    },
}


def _hparams_name(stage):
    """The hparams file a stage is trained with (several share one)."""
    if stage in SPEECH_TEXT_OVERRIDES:
        return "stage2_speech_text"
    if stage in SFT_OVERRIDES:
        return "sft_chain_of_modality"
    return stage


def trainable_stages(stages, train_store):
    """``stages`` without the word-span system when ``train_store`` has no
    word spans (units made before word timings), saying so and how to fix it."""
    if any(name == WORD_SPANS_STAGE for name, _ in stages):
        if not UnitStore(train_store).has_word_spans:
            print(
                f"[speech-text] {WORD_SPANS_STAGE} skipped: {train_store} has no word spans "
                "(units made before word timings); delete it to rebuild the units with them",
                flush=True,
            )
            return tuple(stage for stage in stages if stage[0] != WORD_SPANS_STAGE)
    return tuple(stages)


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


def train_systems(
    train_store,
    valid_store,
    num_units,
    results_root,
    seed,
    args,
    stages=STAGES,
    text_tokenizer=None,
    qa_store=None,
):
    """Trains the systems of Table 3 with the recipe's ``train.py``.

    ``stages`` (default: all five of :data:`STAGES`) may be a prefix of them,
    e.g. ``STAGES[:1]`` for the EN baseline alone, and may add
    :data:`SPEECH_TEXT_STAGES` (after stage 1), which need ``text_tokenizer``
    (a SentencePiece model file), and :data:`SFT_STAGES` (after the stages
    they start from), which need ``qa_store`` (the training QA's units).
    Returns ``{system name: model folder}``.
    """
    recipe = recipe_folder()
    hparams_folder = Path(args.hparams_folder) if args.hparams_folder else recipe / "hparams"
    systems = {}
    steps = stage_steps(args.step_scale, stages)
    for number, (stage, _) in enumerate(stages, start=1):
        speech_text = stage in SPEECH_TEXT_OVERRIDES
        hparams_file = hparams_folder / f"{_hparams_name(stage)}.yaml"
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
        }
        if not speech_text and stage not in SFT_OVERRIDES:  # a textless stage
            overrides["interleave_mode"] = args.interleave_mode
        if speech_text:
            if text_tokenizer is None:
                raise ValueError(f"{stage} needs a text tokenizer")
            overrides.update(SPEECH_TEXT_MIX, **SPEECH_TEXT_OVERRIDES[stage])
            overrides["output_folder"] = str(Path(results_root) / stage)
            overrides["text_tokenizer_source"] = str(text_tokenizer)
        if stage in SFT_OVERRIDES:
            if qa_store is None:
                raise ValueError(f"{stage} needs the training QA's unit store")
            overrides.update(
                SFT_OVERRIDES[stage],
                train_store=str(qa_store),
                context_store=str(train_store),
                valid_store=None,
                context_length=2 * args.context_length,
                batch_size=max(1, args.batch_size // 2),
                cross_lingual_prob=0.5,
                on_too_long="skip",
                output_folder=str(Path(results_root) / stage),
            )
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
