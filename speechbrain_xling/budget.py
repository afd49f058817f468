"""Token budgets of the systems of Table 3, computed from the stage hparams.

A stage's budget is ``max_steps x tokens_per_step`` split by its
``language_shares``; a system's budget adds the stages it chains from
(``init_from_stage`` names the hparams file of the previous stage). Run::

    python -m speechbrain_xling.budget recipes/sTinyStories/SLM/hparams

to print ``system,en_btokens,fr_btokens`` (billions of tokens). With
``--store <unit store> [--text_tokenizer <model>]`` it prints the tokens per
language *and modality* instead (``en_speech``, ``en_text``, ...): a
speech-text stage's split between units and text depends on the data (text
is several times shorter than its speech), so it is measured by packing a
sample of the stage's own documents from that store
(:func:`channel_shares`); a textless stage's tokens are all speech.

Authors
 * speechbrain-xling authors 2026
"""

import argparse
import re
import sys
from pathlib import Path

from hyperpyyaml import load_hyperpyyaml

from speechbrain_xling.data.store_mixture import StoreMixture
from speechbrain_xling.data.unit_store import UnitStore

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


def channel_shares(stage, train_store, text_tokenizer_source=None, sample_tokens=200_000):
    """Share of a speech-text stage's tokens per channel (``{lang}_{modality}``).

    Builds the stage's document mixture and packer from its hparams on
    ``train_store`` and packs about ``sample_tokens``; EOS tokens are spread
    over the channels in proportion. ``text_tokenizer_source`` replaces the
    stage's (a path relative to a run's results, say).
    """
    overrides = {"train_store": str(train_store), "lm": None, "checkpointer": None}
    if text_tokenizer_source is not None:
        overrides["text_tokenizer_source"] = str(text_tokenizer_source)
    hparams = load_hyperpyyaml(Path(stage["file"]).read_text(encoding="utf-8"), overrides)
    mixture = hparams["documents"](UnitStore(train_store), hparams["languages"], seed=0)
    channels = list(hparams["token_channels"])
    packer = hparams["packer"](StoreMixture({"train": mixture}, languages=channels))
    windows = max(1, -(-int(sample_tokens) // int(hparams["context_length"])))
    _, counts = packer.next_batch(windows)
    counts = counts[: len(channels)].astype(float)
    return dict(zip(channels, (counts / counts.sum()).tolist()))


def channel_budget(stage, shares):
    """Tokens per ``{lang}_{modality}`` of one stage: a speech-text stage's by
    its ``shares`` (:func:`channel_shares`), a textless stage's all speech.

    Example
    -------
    >>> stage = {"max_steps": 10, "tokens_per_step": 100, "language_shares": {"en": 1.0}}
    >>> channel_budget(stage, None)
    {'en_speech': 1000}
    >>> channel_budget(stage, {"en_speech": 0.75, "en_text": 0.25})
    {'en_speech': 750, 'en_text': 250}
    """
    tokens = stage_budget(stage)
    if shares is None:
        return {f"{lang}_speech": count for lang, count in tokens.items()}
    total = sum(tokens.values())
    return {channel: round(total * share) for channel, share in shares.items()}


def system_budgets(hparams_folder, stage_tokens=stage_budget):
    """``{system_name: {key: tokens}}`` over each stage chain in a folder,
    ``stage_tokens(stage)`` giving one stage's tokens per key (default: per
    language, :func:`stage_budget`)."""
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
            for key, tokens in stage_tokens(stage).items():
                total[key] = total.get(key, 0) + tokens
            parent = stage.get("init_from_stage")
            if parent and parent not in stages:
                raise ValueError(
                    f"{stage['file']}: init_from_stage {parent!r} is not a stage "
                    f"file in {hparams_folder}"
                )
            stage = stages[parent] if parent else None
        budgets[stages[name]["system_name"]] = total
    return budgets


def budget_csv(budgets, columns=("en", "fr")):
    """CSV text ``system,en_btokens,fr_btokens`` (one column per key of
    ``columns``) in Table 3's order.

    Example
    -------
    >>> print(budget_csv({"Baseline FR": {"fr": 15360000000}}), end="")
    system,en_btokens,fr_btokens
    Baseline FR,0.00,15.36
    """
    order = [s for s in TABLE3_ORDER if s in budgets]
    order += sorted(set(budgets) - set(order))
    lines = ["system," + ",".join(f"{column}_btokens" for column in columns)]
    for system in order:
        cells = [f"{budgets[system].get(column, 0) / 1e9:.2f}" for column in columns]
        lines.append(",".join([system, *cells]))
    return "\n".join(lines) + "\n"


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("hparams_folder", help="folder of stage hparams files")
    parser.add_argument("--languages", nargs="+", default=["en", "fr"])
    parser.add_argument(
        "--store", help="unit store (with text) to measure speech-text stages' modality split on"
    )
    parser.add_argument("--text_tokenizer", help="text tokenizer of the speech-text stages")
    parser.add_argument("--sample_tokens", type=int, default=200_000)
    args = parser.parse_args(argv)
    if args.store is None:
        budgets = system_budgets(args.hparams_folder)
        sys.stdout.write(budget_csv(budgets, args.languages))
        return

    def by_channel(stage):
        shares = None
        if stage.get("token_channels"):
            shares = channel_shares(stage, args.store, args.text_tokenizer, args.sample_tokens)
        return channel_budget(stage, shares)

    columns = [f"{lang}_{modality}" for lang in args.languages for modality in ("speech", "text")]
    sys.stdout.write(budget_csv(system_budgets(args.hparams_folder, by_channel), columns))


if __name__ == "__main__":
    main()
