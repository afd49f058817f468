"""The embedded default: a miniature of the paper's Table 3 on a laptop CPU.

One command runs the whole method offline::

    python -m speechbrain_xling.demo --output-folder results/mini

By default it makes two runs on one corpus, each labelled in its report and
on the final screen: the **TEXTLESS** run (``kmeans`` units, seed 0) and the
phone **TOPLINE, NOT TEXTLESS** (``phones`` units, seeds 0 1 2, with the
smaller training budget of :data:`UNIT_DEFAULTS`); ``--units kmeans`` makes
the textless run alone. Options given on the command line apply to every run.

1. **Corpus**: bilingual EN/FR five-sentence stories spoken by espeak-ng
   (:mod:`speechbrain_xling.corpora`), with held-out benchmarks: sSC/sTC in
   EN, FR, EN->FR, FR->EN, ZeroSpeech-layout lexical and syntactic tests in EN
   and FR, and aligned sentence pairs.
2. **Units**: ``kmeans`` (textless: k-means over MFCC frames of the
   audio, repeats merged) and/or ``phones`` (a TOPLINE, not textless: the phones
   espeak-ng synthesised, see :mod:`speechbrain_xling.tokenizers.phones`).
   ``--unit-bpe VOCAB`` merges frequent k-means unit n-grams into tokens
   (:mod:`speechbrain_xling.tokenizers.unit_bpe`), shortening sequences.
3. **Training**: the recipe's ``train.py`` on its five hparams files (stage 1,
   2, 3 and the two baselines; :mod:`speechbrain_xling.recipe_folder`), with
   the paper's step ratios 75 / 20 / 30 / 50 / 25 scaled by ``--step-scale``
   (steps per thousand paper steps) at ``--tokens-per-step`` tokens, so the
   token budgets stay matched as in Table 3. Models start from scratch (no
   text LLM can be downloaded offline).
4. **Evaluation and report**: :func:`speechbrain_xling.eval.run.evaluate_systems`
   per seed, then, per run, :func:`speechbrain_xling.eval.report.write_seed_report`:
   ``report.md``/``report.csv``/``report.json`` with the mean and standard
   deviation over ``--seeds``, a plain reading of the paper's claims under
   the table (each difference against its 95% noise), and
   ``crosslingual.png`` (the cross-lingual columns per system); the
   alignment plots are in ``seed_*/eval/``.

Every step is skipped when its output exists, so re-running resumes.

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import copy
import json
import logging
import time
from pathlib import Path

from speechbrain_xling.budget import read_stage
from speechbrain_xling.corpora import build_mini_corpus
from speechbrain_xling.corpora.tts import TRAIN_VOICES
from speechbrain_xling.data.unit_store import UnitStore, is_finished_store
from speechbrain_xling.eval.report import CHART_FILE, item_counts, write_seed_report
from speechbrain_xling.eval.run import evaluate_systems
from speechbrain_xling.recipe_folder import recipe_folder, run_recipe_script
from speechbrain_xling.saved_settings import record_or_check_settings
from speechbrain_xling.training import FINAL_MODEL, SUMMARY_FILE

logger = logging.getLogger(__name__)

# (hparams file, thousands of paper steps): Table 3's budgets at 614,400 tokens/step.
STAGES = (
    ("stage1_en_pretrain", 75),
    ("stage2_interleave", 20),
    ("stage3_bilingual_ft", 30),
    ("baseline_en_fr", 50),
    ("baseline_fr", 25),
)
PROG = "python -m speechbrain_xling.demo"
UNIT_TYPES = ("kmeans", "phones")
# Each unit type's defaults of the options not given on the command line: the
# textless run as measured in the README, and the README's phone topline
# (both together: an estimated 18-29 min on 2 idle CPU cores, corpus included).
UNIT_DEFAULTS = {
    "kmeans": {"seeds": [0], "step_scale": 3.0, "tokens_per_step": 8192, "batch_size": 16},
    "phones": {"seeds": [0, 1, 2], "step_scale": 2.0, "tokens_per_step": 4096, "batch_size": 8},
}
# Options of k-means units only: a phones run keeps their defaults.
KMEANS_OPTIONS = (
    "kmeans_units",
    "kmeans_features",
    "kmeans_deltas",
    "kmeans_frame_rate",
    "kmeans_sample_hours",
    "unit_bpe",
)
UNIT_LABELS = {"kmeans": "TEXTLESS", "phones": "TOPLINE, NOT TEXTLESS"}
UNIT_NAMES = {"kmeans": "k-means units", "phones": "phone units"}
UNIT_NOTES = {
    "kmeans": "**TEXTLESS** (k-means units): units are clusters of the audio's frames "
    "(K={kmeans_units}, {kmeans_features} at {kmeans_frame_rate:g} Hz{deltas}, repeats "
    "merged{bpe}), found without any text.",
    "phones": "**TOPLINE, NOT TEXTLESS** (phone units): units are the phones espeak-ng "
    "synthesised (from the text), not units discovered in the audio.",
}
SETTINGS_FILE = "demo_settings.json"
# Options that do not change any result, so a run may resume under other values.
RESUMABLE_OPTIONS = ("output_folder", "seeds", "workers", "no_progress", "eval_tokens_per_batch")


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


def prepare_units(unit_type, corpus, folder, args):
    """Unit stores of the train/valid manifests and the benchmark ``units_of``.

    Returns ``(train_store, valid_store, num_units, evaluation_kwargs)``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stores = {split: folder / f"{split}_store" for split in ("train", "valid")}
    manifests = {"train": corpus.train_manifest, "valid": corpus.valid_manifest}
    if unit_type == "phones":
        from speechbrain_xling.tokenizers.phones import (
            PhoneInventory,
            phone_store_from_manifest,
        )

        inventory_path = folder / "phones.json"
        if not inventory_path.exists():
            PhoneInventory.from_manifest(corpus.train_manifest).save(inventory_path)
        inventory = PhoneInventory.load(inventory_path)
        for split, store in stores.items():
            if not is_finished_store(store):
                phone_store_from_manifest(manifests[split], store, inventory)
        return (
            stores["train"],
            stores["valid"],
            inventory.num_units,
            {"units_of": inventory.units_of},
        )
    from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
    from speechbrain_xling.tokenizers.pipeline import tokenize_manifest

    tokenizer = KMeansTokenizer.fit_or_load(
        folder / "kmeans.npz",
        corpus.train_manifest,
        num_units=args.kmeans_units,
        sample_hours=args.kmeans_sample_hours,
        features=args.kmeans_features,
        deltas=args.kmeans_deltas,
        frame_rate=args.kmeans_frame_rate,
        dedup=True,
    )
    for split, store in stores.items():
        if not is_finished_store(store):
            tokenize_manifest(manifests[split], tokenizer, store, progress=not args.no_progress)
    if args.unit_bpe:
        tokenizer, stores = bpe_units(tokenizer, stores, folder, args.unit_bpe, args.no_progress)
    return (
        stores["train"],
        stores["valid"],
        tokenizer.num_units,
        {
            "tokenizer": tokenizer,
            "unit_cache_folder": folder / "benchmark_units",
        },
    )


def bpe_units(tokenizer, stores, folder, vocab_size, no_progress=False):
    """BPE over the units of ``stores`` (learnt on the train store, cached).

    Returns the :class:`UnitBPETokenizer` (for the benchmarks) and the BPE
    stores, ``{split: folder}``.
    """
    from speechbrain_xling.tokenizers.unit_bpe import UnitBPETokenizer, bpe_unit_store

    model_path = folder / f"unit_bpe_{vocab_size}.model"
    if model_path.exists():
        bpe = UnitBPETokenizer.load(model_path, tokenizer)
    else:
        train = UnitStore(stores["train"])
        bpe = UnitBPETokenizer.fit(
            tokenizer, (train.units(row) for row in range(len(train))), vocab_size
        )
        bpe.save(model_path)
    bpe_stores = {}
    for split, store in stores.items():
        bpe_stores[split] = folder / f"{split}_bpe{vocab_size}_store"
        converted = bpe_unit_store(store, bpe, bpe_stores[split], progress=not no_progress)
        units = UnitStore(store).total_units
        print(
            f"[units] BPE {vocab_size}: {split} {units} units -> {converted.total_units} "
            f"tokens ({units / converted.total_units:.2f}x shorter)",
            flush=True,
        )
    return bpe, bpe_stores


def train_systems(train_store, valid_store, num_units, results_root, seed, args):
    """Trains the five systems of Table 3 with the recipe's ``train.py``.

    Returns ``{system name: model folder}``.
    """
    recipe = recipe_folder()
    hparams_folder = Path(args.hparams_folder) if args.hparams_folder else recipe / "hparams"
    systems = {}
    steps = stage_steps(args.step_scale)
    for number, (stage, _) in enumerate(STAGES, start=1):
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
            f"[train {number}/{len(STAGES)}] {stage}: {overrides['max_steps']} steps "
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


def check_run_settings(run_folder, args):
    """Records the options a run folder is made with; refuses to mix others in.

    Every step of the demo resumes from what its folder holds, so a re-run
    with, e.g., another ``--step-scale`` into the same folder would silently
    reuse old units or models. The first run writes its options to
    ``demo_settings.json``; a later run with other values stops with an error
    naming them (``--seeds``, ``--workers`` and other options that change no
    result may differ).

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> def run(*argv):
    ...     return plan_runs(parse_args(["--units", "kmeans", *argv]))[0]
    >>> check_run_settings(folder, run("--step-scale", "2"))
    >>> check_run_settings(folder, run("--step-scale", "2", "--seeds", "1"))
    >>> check_run_settings(folder, run("--step-scale", "3"))
    Traceback (most recent call last):
     ...
    speechbrain_xling.saved_settings.SettingsMismatch: ... with --step-scale 2.0 (now 3.0); ...
    """

    settings = {name: value for name, value in vars(args).items() if name not in RESUMABLE_OPTIONS}
    record_or_check_settings(
        Path(run_folder) / SETTINGS_FILE,
        settings,
        run_folder,
        f"use another --output-folder or delete {run_folder} (its units and models "
        "depend on these options)",
        label=lambda name: "--" + name.replace("_", "-"),
    )


def stage_steps(step_scale):
    """Optimizer steps of each stage: the paper's thousands x ``step_scale``.

    Example
    -------
    >>> stage_steps(2.0)
    [150, 40, 60, 100, 50]
    """
    return [max(1, round(thousands * step_scale)) for _, thousands in STAGES]


def run_command(run):
    """The command line that makes one run of the plan, every setting explicit.

    Shows ``--units``, the options whose defaults depend on it
    (:data:`UNIT_DEFAULTS`), the model size, and every other option that
    changes results and differs from its default.

    Example
    -------
    >>> [run_command(run) for run in plan_runs(parse_args([]))][1]
    'python -m speechbrain_xling.demo --units phones --seeds 0 1 2 --step-scale 2 \
--tokens-per-step 4096 --batch-size 8 --hidden-size 128 --num-layers 2'
    """
    defaults = vars(build_parser().parse_args([]))
    words = [PROG, "--units", run.units]
    for name, value in vars(run).items():
        always = name in UNIT_DEFAULTS[run.units] or name in ("hidden_size", "num_layers")
        skipped = name == "units" or (name in RESUMABLE_OPTIONS and not always)
        if skipped or (value == defaults[name] and not always):
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            words += [flag] if value else []
        else:
            words += [flag, *map(_option_word, value if isinstance(value, list) else [value])]
    return " ".join(words)


def _option_word(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def run_note(run):
    """The lines above a run's table: what its units are, its exact settings.

    Example
    -------
    >>> print(run_note(plan_runs(parse_args(["--units", "kmeans"]))[0]))  # doctest: +ELLIPSIS
    **TEXTLESS** (k-means units): ... (K=100, mfcc at 100 Hz, repeats merged), ...
    <BLANKLINE>
    Settings: `python -m speechbrain_xling.demo --units kmeans --seeds 0 --step-scale 3 ...`; \
steps per stage 225/60/90/150/75 x 8192 tokens; tiny Llama 128 x 2 layers from scratch.
    """
    steps = "/".join(map(str, stage_steps(run.step_scale)))
    settings = (
        f"Settings: `{run_command(run)}`; steps per stage {steps} x {run.tokens_per_step} "
        f"tokens; tiny Llama {run.hidden_size} x {run.num_layers} layers from scratch."
    )
    units = UNIT_NOTES[run.units].format(
        deltas=" + deltas" if run.kmeans_deltas else "",
        bpe=f", BPE to {run.unit_bpe} tokens" if run.unit_bpe else "",
        **vars(run),
    )
    return f"{units}\n\n{settings}"


def run_one(run, corpus):
    """One unit type: units -> five systems per seed -> evaluation -> report.

    Arguments
    ---------
    run : argparse.Namespace
        One entry of :func:`plan_runs` (``run.units`` is one unit type).
    corpus : MiniCorpusPaths
        The corpus of :func:`speechbrain_xling.corpora.build_mini_corpus`.

    Returns
    -------
    Path
        The run folder, ``<output folder>/<units>/``, with ``report.md``
        (table and plain reading), ``report.csv``, ``report.json``,
        ``crosslingual.png`` and ``seed_*/``.
    """
    run_folder = Path(run.output_folder) / run.units
    check_run_settings(run_folder, run)
    print(f"[{UNIT_LABELS[run.units]}] {run_command(run)}", flush=True)
    benchmark_root = Path(corpus.benchmark_root)
    benchmarks = {
        "cloze": benchmark_root / "cloze" / "cloze.csv",
        "zerospeech": {lang: benchmark_root / f"zerospeech_{lang}" for lang in ("en", "fr")},
        "alignment": benchmark_root / "alignment" / "alignment.csv",
    }
    print(f"[units] {run.units}", flush=True)
    train_store, valid_store, num_units, unit_kwargs = prepare_units(
        run.units, corpus, run_folder / "units", run
    )
    reports, counts = [], {}
    for seed in run.seeds:
        seed_folder = run_folder / f"seed_{seed}"
        systems = train_systems(train_store, valid_store, num_units, seed_folder, seed, run)
        print(f"[evaluate] seed {seed}", flush=True)
        results = evaluate_systems(
            systems,
            benchmarks,
            seed_folder / "eval",
            progress=not run.no_progress,
            max_tokens_per_batch=run.eval_tokens_per_batch,
            **unit_kwargs,
        )
        counts = item_counts(results)
        with open(seed_folder / "eval" / "report.json", encoding="utf-8") as handle:
            reports.append(json.load(handle)["rows"])
    write_seed_report(
        reports,
        run_folder,
        run_note(run),
        num_items=counts,
        chart_title=f"{UNIT_LABELS[run.units]} ({UNIT_NAMES[run.units]})",
    )
    return run_folder


def run_demo(args):
    """Corpus -> every run of the plan -> the reports, printed at the end.

    Arguments
    ---------
    args : argparse.Namespace
        From :func:`parse_args`; the runs are :func:`plan_runs` of it.

    Returns
    -------
    list of Path
        One run folder per unit type, in the order of ``--units``.
    """
    started = time.time()
    runs = plan_runs(args)
    for run in runs:  # before any work: a clash stops the demo at once
        check_run_settings(Path(run.output_folder) / run.units, run)
    print("[corpus] bilingual stories + espeak-ng (cached)", flush=True)
    corpus = build_mini_corpus(
        Path(args.output_folder) / "corpus",
        num_train_stories=args.train_stories,
        num_valid_stories=args.valid_stories,
        num_bench_items=args.bench_items,
        num_alignment_pairs=args.alignment_pairs,
        num_workers=args.workers,
        voices=TRAIN_VOICES[: args.train_voices],
        progress=not args.no_progress,
    )
    folders, times = [], [f"corpus {time.time() - started:.0f} s"]
    for run in runs:
        run_started = time.time()
        folders.append(run_one(run, corpus))
        times.append(f"{UNIT_LABELS[run.units]} {time.time() - run_started:.0f} s")
    for run, folder in zip(runs, folders):
        title = f"{UNIT_LABELS[run.units]} ({UNIT_NAMES[run.units]}): {folder}"
        print(f"\n{'=' * 30} {title} {'=' * 30}")
        print((folder / "report.md").read_text(encoding="utf-8"))
        print(
            f"Chart: {folder / CHART_FILE}; alignment plots: {folder}/seed_*/eval/alignment.png",
            flush=True,
        )
    print(f"\n[done] {time.time() - started:.0f} s in all ({'; '.join(times)})", flush=True)
    return folders


def _per_unit_default(name):
    """Help text naming each unit type's default of an option."""
    values = [
        (units, defaults[name]) for units, defaults in UNIT_DEFAULTS.items() if name in defaults
    ]
    listed = ", ".join(
        f"{' '.join(map(_option_word, value)) if isinstance(value, list) else _option_word(value)}"
        f" for {units}"
        for units, value in values
    )
    return f"default: {listed}"


def _option(add_argument, *flags, help, **kwargs):
    """Adds an option whose help ends with its default (unless it names one)."""
    if "default" not in help:
        help += " (default: %(default)s)"
    add_argument(*flags, help=help, **kwargs)


def build_parser():
    """The demo's options, in groups; every help text gives the default.

    Options whose default depends on the unit type (:data:`UNIT_DEFAULTS`)
    default to ``None`` here; :func:`plan_runs` fills them in per run.

    Example
    -------
    >>> build_parser().get_default("step_scale") is None
    True
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "A miniature of the paper's Table 3, offline on a CPU. With no option it makes "
            "two runs on one corpus, each labelled: the TEXTLESS run (k-means units, seed 0) "
            "and the phone TOPLINE, NOT TEXTLESS (seeds 0 1 2, its own training settings). "
            "Options given apply to every run."
        ),
    )
    corpus = parser.add_argument_group("corpus (built once, shared by every run)").add_argument
    _option(corpus, "--train-stories", type=int, default=1000, help="training stories (EN + FR)")
    _option(corpus, "--valid-stories", type=int, default=50, help="validation stories")
    items = "benchmark items: sSC/sTC stories per condition, sWUGGY/sBLiMP pairs per language"
    _option(corpus, "--bench-items", type=int, default=200, help=items)
    _option(corpus, "--alignment-pairs", type=int, default=200, help="aligned EN-FR pairs")
    voices = f"how many of the {len(TRAIN_VOICES)} voices speak the training stories (the first"
    _option(
        corpus,
        "--train-voices",
        type=int,
        default=len(TRAIN_VOICES),
        help=voices + " one is the benchmark voice)",
    )
    _option(corpus, "--workers", type=int, default=2, help="concurrent espeak-ng processes")

    title = "units (--kmeans-* and --unit-bpe apply to kmeans runs only)"
    units = parser.add_argument_group(title).add_argument
    _option(
        units,
        "--units",
        nargs="+",
        choices=UNIT_TYPES,
        default=list(UNIT_TYPES),
        help="unit types to run, each into OUTPUT_FOLDER/<units>/ with its own defaults: "
        "kmeans = TEXTLESS (k-means over the audio's frames), phones = TOPLINE, NOT "
        "TEXTLESS (the phones espeak-ng synthesised from the text) (default: kmeans phones)",
    )
    _option(units, "--kmeans-units", type=int, default=100, help="k-means clusters K")
    features = ("mfcc", "fbank")
    _option(units, "--kmeans-features", choices=features, default="mfcc", help="frame features")
    deltas = "append delta and delta-delta features (default: off)"
    _option(units, "--kmeans-deltas", action="store_true", help=deltas)
    _option(units, "--kmeans-frame-rate", type=float, default=100.0, help="frames per second")
    sample = "hours of training audio the k-means is fitted on"
    _option(units, "--kmeans-sample-hours", type=float, default=0.5, help=sample)
    bpe = "merge k-means units with SentencePiece BPE into VOCAB tokens (default: off)"
    _option(units, "--unit-bpe", type=int, default=None, metavar="VOCAB", help=bpe)

    title = "training (the five systems of Table 3 per seed, tiny Llama from scratch)"
    training = parser.add_argument_group(title).add_argument
    seeds = "training seeds, all scored on the same benchmark items; "
    _option(training, "--seeds", type=int, nargs="+", help=seeds + _per_unit_default("seeds"))
    for flag, kind, text in (
        ("--step-scale", float, "steps per 1,000 paper steps (stage 1 = 75 x scale)"),
        ("--tokens-per-step", int, "tokens per optimizer step"),
        ("--batch-size", int, "sequences (context windows) per micro-batch"),
    ):
        name = flag[2:].replace("-", "_")
        _option(training, flag, type=kind, help=f"{text}; {_per_unit_default(name)}")
    _option(training, "--context-length", type=int, default=512, help="tokens per sequence")
    _option(training, "--lr", type=float, default=2e-3, help="learning rate")
    _option(training, "--hidden-size", type=int, default=128, help="model width")
    _option(training, "--num-layers", type=int, default=2, help="transformer layers")
    mode = "stage 2: 'sampled' draws each sentence's language (p = 0.5), 'paired' puts"
    _option(
        training,
        "--interleave-mode",
        choices=("paired", "sampled"),
        default="sampled",
        help=mode + " every sentence next to its translation",
    )
    recipe = "stage hparams files to train with (default: the recipe's hparams/)"
    _option(training, "--hparams-folder", help=recipe)

    evaluation = parser.add_argument_group("evaluation").add_argument
    scoring = "padded tokens per forward pass when scoring"
    _option(evaluation, "--eval-tokens-per-batch", type=int, default=16384, help=scoring)

    output = parser.add_argument_group("output").add_argument
    folders = f"corpus/ and one folder per unit type (report.*, {CHART_FILE}, seed_*/)"
    _option(output, "--output-folder", default="results/mini", help=folders)
    _option(output, "--no-progress", action="store_true", help="no progress bars (default: off)")
    return parser


def parse_args(argv=None):
    """Command-line options (defaults: the textless run and the phone topline).

    ``units`` is the list of unit types to run; options whose default
    depends on the unit type are ``None`` unless given (see
    :func:`plan_runs`).

    Example
    -------
    >>> args = parse_args(["--units", "kmeans", "kmeans", "--seeds", "1"])
    >>> args.units, args.seeds, args.step_scale
    (['kmeans'], [1], None)
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.units = list(dict.fromkeys(args.units))
    if not 1 <= args.train_voices <= len(TRAIN_VOICES):
        parser.error(f"--train-voices must be between 1 and {len(TRAIN_VOICES)}")
    if args.unit_bpe is not None:
        if "kmeans" not in args.units:
            parser.error("--unit-bpe applies to --units kmeans")
        if args.unit_bpe <= args.kmeans_units:
            parser.error(
                f"--unit-bpe {args.unit_bpe} must exceed --kmeans-units {args.kmeans_units} "
                "(the vocabulary holds every unit plus the merges)"
            )
    return args


def plan_runs(args):
    """One namespace per unit type: the settings each run is made with.

    Each run takes the options given on the command line, and for the
    others its unit type's defaults (:data:`UNIT_DEFAULTS`); a phones run
    keeps the k-means options at their defaults (they do not apply to it,
    and so do not stop it from resuming).

    Arguments
    ---------
    args : argparse.Namespace
        From :func:`parse_args`.

    Returns
    -------
    list of argparse.Namespace
        Like ``args`` with ``units`` a single unit type.

    Example
    -------
    >>> [(run.units, run.seeds, run.step_scale, run.tokens_per_step, run.batch_size)
    ...  for run in plan_runs(parse_args([]))]
    [('kmeans', [0], 3.0, 8192, 16), ('phones', [0, 1, 2], 2.0, 4096, 8)]
    >>> [run.step_scale for run in plan_runs(parse_args(["--step-scale", "9"]))]
    [9.0, 9.0]
    """
    parser = build_parser()
    runs = []
    for units in args.units:
        run = argparse.Namespace(**vars(args))
        run.units = units
        for name, value in UNIT_DEFAULTS[units].items():
            if getattr(run, name) is None:
                setattr(run, name, copy.deepcopy(value))
        if units != "kmeans":
            for name in KMEANS_OPTIONS:
                setattr(run, name, parser.get_default(name))
        runs.append(run)
    return runs


def main(argv=None):
    """Entry point of ``python -m speechbrain_xling.demo``."""
    logging.basicConfig(level=logging.WARNING)
    run_demo(parse_args(argv))


if __name__ == "__main__":
    main()
