"""The embedded default: a miniature of the paper's Table 3 on a laptop CPU.

One command runs the whole method offline::

    python -m speechbrain_xling.demo --output-folder results/mini

1. **Corpus**: bilingual EN/FR five-sentence stories spoken by espeak-ng
   (:mod:`speechbrain_xling.corpora`), with held-out benchmarks: sSC/sTC in
   EN, FR, EN->FR, FR->EN, ZeroSpeech-layout lexical and syntactic tests in EN
   and FR, and aligned sentence pairs.
2. **Units**: ``kmeans`` (default, textless: k-means over MFCC frames of the
   audio, repeats merged) or ``phones`` (a TOPLINE, not textless: the phones
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
   per seed, then ``report.md``/``report.csv``/``report.json`` with the mean
   and standard deviation over ``--seeds``, plus the alignment plot.

Every step is skipped when its output exists, so re-running resumes.

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import json
import logging
import statistics
import time
from pathlib import Path

from speechbrain_xling.atomic import write_json_atomically, write_text_atomically
from speechbrain_xling.budget import read_stage
from speechbrain_xling.corpora import build_mini_corpus
from speechbrain_xling.corpora.tts import TRAIN_VOICES
from speechbrain_xling.data.unit_store import UnitStore, is_finished_store
from speechbrain_xling.eval.report import COLUMNS, MISSING_MARK
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
UNIT_TYPES = ("kmeans", "phones")
SETTINGS_FILE = "demo_settings.json"
# Options that do not change any result, so a run may resume under other values.
RESUMABLE_OPTIONS = ("output_folder", "seeds", "workers", "no_progress", "eval_tokens_per_batch")
TOPLINE_NOTE = (
    "**Phone topline, not textless**: units are the phones espeak-ng synthesised "
    "(from the text), not units discovered in the audio."
)


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
    for number, (stage, thousands) in enumerate(STAGES, start=1):
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
            "max_steps": max(1, round(thousands * args.step_scale)),
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
    >>> check_run_settings(folder, parse_args(["--step-scale", "2"]))
    >>> check_run_settings(folder, parse_args(["--step-scale", "2", "--seeds", "1"]))
    >>> check_run_settings(folder, parse_args(["--step-scale", "3"]))
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


def summarize_seeds(reports, output_folder, title_note=""):
    """Mean and standard deviation of every report cell over seeds.

    Arguments
    ---------
    reports : list of dict
        The ``rows`` of each seed's ``report.json``.
    output_folder : Path
        Where ``report.md``, ``report.csv`` and ``report.json`` go.
    title_note : str
        A line printed above the table (e.g. the topline warning).

    Returns
    -------
    str
        The Markdown report.
    """
    systems = [row["system"] for row in reports[0]]
    summary = []
    for system in systems:
        row = {"system": system}
        for column in COLUMNS:
            values = [
                r[column.label]
                for rows in reports
                for r in rows
                if r["system"] == system and r[column.label] is not None
            ]
            row[column.label] = {
                "mean": statistics.fmean(values) if values else None,
                "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                "n": len(values),
            }
        summary.append(row)
    header = ["System"] + [c.label for c in COLUMNS]
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * len(COLUMNS) + "|"]
    csv_lines = ["system," + ",".join(f"{c.label} mean,{c.label} std" for c in COLUMNS)]
    for row in summary:
        cells, csv_cells = [row["system"]], [row["system"]]
        for column in COLUMNS:
            cell = row[column.label]
            if cell["mean"] is None:
                cells.append(MISSING_MARK)
                csv_cells += ["", ""]
                continue
            digits = 1 if column.is_accuracy else 3
            text = f"{cell['mean']:.{digits}f}"
            if cell["n"] > 1:
                text += f" ± {cell['std']:.{digits}f}"
            cells.append(text)
            csv_cells += [repr(cell["mean"]), repr(cell["std"])]
        lines.append("| " + " | ".join(cells) + " |")
        csv_lines.append(",".join(csv_cells))
    markdown = (
        "# Mini Table 3\n\n"
        + (title_note + "\n\n" if title_note else "")
        + f"Accuracy in % (chance 50), mean ± std over {len(reports)} seed(s); "
        "alignment = mean cosine of aligned EN-FR sentence states over layers.\n\n"
        + "\n".join(lines)
        + "\n"
    )
    write_text_atomically(markdown, output_folder / "report.md")
    write_text_atomically("\n".join(csv_lines) + "\n", output_folder / "report.csv")
    write_json_atomically({"seeds": len(reports), "rows": summary}, output_folder / "report.json")
    return markdown


def run_demo(args):
    """Corpus -> units -> five systems per seed -> evaluation -> report."""

    started = time.time()
    output = Path(args.output_folder)
    run_folder = output / args.units
    check_run_settings(run_folder, args)
    print("[corpus] bilingual stories + espeak-ng (cached)", flush=True)
    corpus = build_mini_corpus(
        output / "corpus",
        num_train_stories=args.train_stories,
        num_valid_stories=args.valid_stories,
        num_bench_items=args.bench_items,
        num_alignment_pairs=args.alignment_pairs,
        num_workers=args.workers,
        voices=TRAIN_VOICES[: args.train_voices],
        progress=not args.no_progress,
    )
    benchmark_root = Path(corpus.benchmark_root)
    benchmarks = {
        "cloze": benchmark_root / "cloze" / "cloze.csv",
        "zerospeech": {lang: benchmark_root / f"zerospeech_{lang}" for lang in ("en", "fr")},
        "alignment": benchmark_root / "alignment" / "alignment.csv",
    }
    print(f"[units] {args.units}", flush=True)
    train_store, valid_store, num_units, unit_kwargs = prepare_units(
        args.units, corpus, run_folder / "units", args
    )
    reports = []
    for seed in args.seeds:
        seed_folder = run_folder / f"seed_{seed}"
        systems = train_systems(train_store, valid_store, num_units, seed_folder, seed, args)
        print(f"[evaluate] seed {seed}", flush=True)
        evaluate_systems(
            systems,
            benchmarks,
            seed_folder / "eval",
            progress=not args.no_progress,
            max_tokens_per_batch=args.eval_tokens_per_batch,
            **unit_kwargs,
        )
        with open(seed_folder / "eval" / "report.json", encoding="utf-8") as handle:
            reports.append(json.load(handle)["rows"])
    note = TOPLINE_NOTE if args.units == "phones" else ""
    markdown = summarize_seeds(reports, run_folder, note)
    print(markdown)
    print(
        f"[done] {time.time() - started:.0f} s; report in {run_folder / 'report.md'}; "
        f"alignment plots in {run_folder}/seed_*/eval/alignment.png",
        flush=True,
    )
    return run_folder


def parse_args(argv=None):
    """Command-line options (defaults: the <= 30 min CPU run)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output-folder", default="results/mini")
    parser.add_argument(
        "--units",
        choices=UNIT_TYPES,
        default="kmeans",
        help="kmeans (textless, default) or phones (topline)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--train-stories", type=int, default=1000)
    parser.add_argument("--valid-stories", type=int, default=50)
    parser.add_argument("--bench-items", type=int, default=200)
    parser.add_argument("--alignment-pairs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--train-voices",
        type=int,
        default=len(TRAIN_VOICES),
        help=f"how many of the {len(TRAIN_VOICES)} training voices speak the stories "
        "(the first one is the benchmark voice)",
    )
    parser.add_argument("--kmeans-units", type=int, default=100)
    parser.add_argument("--kmeans-features", choices=("mfcc", "fbank"), default="mfcc")
    parser.add_argument(
        "--kmeans-deltas", action="store_true", help="append delta and delta-delta features"
    )
    parser.add_argument("--kmeans-frame-rate", type=float, default=100.0)
    parser.add_argument("--kmeans-sample-hours", type=float, default=0.5)
    parser.add_argument(
        "--unit-bpe",
        type=int,
        default=None,
        metavar="VOCAB",
        help="merge k-means units with SentencePiece BPE into VOCAB tokens (off by default)",
    )
    parser.add_argument(
        "--step-scale",
        type=float,
        default=3.0,
        help="steps per 1,000 paper steps (stage 1 = 75 x scale)",
    )
    parser.add_argument("--tokens-per-step", type=int, default=8192)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--context-length", type=int, default=512)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--hidden-size", type=int, default=128)
    parser.add_argument("--num-layers", type=int, default=2)
    parser.add_argument("--interleave-mode", choices=("paired", "sampled"), default="sampled")
    parser.add_argument("--eval-tokens-per-batch", type=int, default=16384)
    parser.add_argument(
        "--hparams-folder",
        default=None,
        help="stage hparams files to train with (default: the recipe's hparams/)",
    )
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.train_voices <= len(TRAIN_VOICES):
        parser.error(f"--train-voices must be between 1 and {len(TRAIN_VOICES)}")
    if args.unit_bpe is not None:
        if args.units != "kmeans":
            parser.error("--unit-bpe applies to --units kmeans")
        if args.unit_bpe <= args.kmeans_units:
            parser.error(
                f"--unit-bpe {args.unit_bpe} must exceed --kmeans-units {args.kmeans_units} "
                "(the vocabulary holds every unit plus the merges)"
            )
    return args


def main(argv=None):
    """Entry point of ``python -m speechbrain_xling.demo``."""
    logging.basicConfig(level=logging.WARNING)
    run_demo(parse_args(argv))


if __name__ == "__main__":
    main()
