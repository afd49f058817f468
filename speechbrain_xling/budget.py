"""Token budgets of the systems of Table 3, computed from the stage hparams.

A stage's budget is ``max_steps x tokens_per_step`` split by its
``language_shares``; a system's budget adds the stages it chains from
(``init_from_stage`` names the hparams file of the previous stage). Run::

    python -m speechbrain_xling.budget recipes/sTinyStories/SLM/hparams

to print ``system,en_btokens,fr_btokens`` (billions of tokens).

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import re
import sys
from pathlib import Path

from hyperpyyaml import load_hyperpyyaml

TABLE3_ORDER = (
    "Baseline EN",
    "Baseline FR",
    "Baseline EN+FR",
    "Cross-lingual Interleaving",
    "Cross-lingual Interleaving + EN+FR Fine-Tuning",
)
BUDGET_KEYS = ("system_name", "max_steps", "tokens_per_step", "language_shares")


# Objects a stage file builds that a budget must not: the model (a text LLM
# download), the checkpointer (it creates its folder), and a speech-text
# stage's tokenizer and vocabulary (they read files that may not exist yet).
NOT_BUILT = ("lm", "checkpointer", "text_tokenizer", "vocab", "eos_index", "pad_index")


def read_stage(path):
    """The hparams of one stage file, as training loads them, without the model.

    The file is loaded with HyperPyYAML like ``train.py`` does (``!ref``
    expressions evaluated the same way), with those of :data:`NOT_BUILT` it
    has overridden to ``None``. ``file`` is added.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    keys = set(re.findall(r"^([A-Za-z_]\w*):", text, flags=re.MULTILINE))
    values = load_hyperpyyaml(text, {key: None for key in NOT_BUILT if key in keys})
    missing = [key for key in BUDGET_KEYS if key not in values]
    if missing:
        raise ValueError(f"{path}: missing budget key(s) {missing}")
    return {**values, "file": path}


def stage_budget(hparams):
    """Tokens per language of one stage: ``max_steps x tokens_per_step x share``.

    Example
    -------
    >>> stage_budget({"max_steps": 20000, "tokens_per_step": 614400,
    ...               "language_shares": {"en": 0.5, "fr": 0.5}})
    {'en': 6144000000, 'fr': 6144000000}
    """
    shares = hparams["language_shares"]
    total_share = sum(shares.values())
    if total_share <= 0:
        raise ValueError(f"language_shares must sum to > 0: {shares}")
    tokens = int(hparams["max_steps"]) * int(hparams["tokens_per_step"])
    return {lang: round(tokens * share / total_share) for lang, share in shares.items()}


def system_budgets(hparams_folder):
    """``{system_name: {lang: tokens}}`` over each stage chain in a folder."""
    stages = {}
    for path in sorted(Path(hparams_folder).glob("*.yaml")):
        with open(path) as handle:
            if "system_name:" not in handle.read():
                continue
        stages[path.stem] = read_stage(path)
    if not stages:
        raise ValueError(f"{hparams_folder}: no stage hparams (with system_name)")
    budgets = {}
    for name, stage in stages.items():
        total, seen = {}, set()
        while stage is not None:
            if stage["file"].stem in seen:
                raise ValueError(f"{stage['file']}: init_from_stage makes a cycle")
            seen.add(stage["file"].stem)
            for lang, tokens in stage_budget(stage).items():
                total[lang] = total.get(lang, 0) + tokens
            parent = stage.get("init_from_stage")
            if parent and parent not in stages:
                raise ValueError(
                    f"{stage['file']}: init_from_stage {parent!r} is not a stage "
                    f"file in {hparams_folder}"
                )
            stage = stages[parent] if parent else None
        budgets[stages[name]["system_name"]] = total
    return budgets


def budget_csv(budgets, languages=("en", "fr")):
    """CSV text ``system,en_btokens,fr_btokens`` in Table 3's order.

    Example
    -------
    >>> print(budget_csv({"Baseline FR": {"fr": 15360000000}}), end="")
    system,en_btokens,fr_btokens
    Baseline FR,0.00,15.36
    """
    order = [s for s in TABLE3_ORDER if s in budgets]
    order += sorted(set(budgets) - set(order))
    lines = ["system," + ",".join(f"{lang}_btokens" for lang in languages)]
    for system in order:
        cells = [f"{budgets[system].get(lang, 0) / 1e9:.2f}" for lang in languages]
        lines.append(",".join([system, *cells]))
    return "\n".join(lines) + "\n"


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("hparams_folder", help="folder of stage hparams files")
    parser.add_argument("--languages", nargs="+", default=["en", "fr"])
    args = parser.parse_args(argv)
    sys.stdout.write(budget_csv(system_budgets(args.hparams_folder), args.languages))


if __name__ == "__main__":
    main()
