"""Throughput of the data pipeline with text: speech-text vs units-only documents.

Builds one synthetic EN/FR story store (units and text of every sentence) and
a SentencePiece model of its text, then packs windows from it with the
textless :class:`~speechbrain_xling.data.sequences.DocumentMixture` (the
baseline: units only, the paper's stage 2 with sentence-level switching) and
with :class:`~speechbrain_xling.data.speech_text.SpeechTextMixture` (text,
interleaved (per sentence, and per word span) speech and pair documents,
cross-lingual switching), through the
same :class:`~speechbrain_xling.data.packing.WindowPacker`. Prints tokens and
documents per second of both and their ratios (goal: >= 0.5x in tokens; the
text side encodes each sentence once and caches it, so the first pass over
the stories is the slowest: ``--passes`` packs that many story epochs). A
speech-text document is shorter (text is ~5x shorter than its units), so at
an equal cost per document the token rate falls with it. Each rate is the
best of ``--repeats`` runs, each from a fresh mixture (cold text cache), the
pipelines taking turns. Numpy and the tokenizer run on one thread; run it
with ``OMP_NUM_THREADS=1`` and ``=2`` on an idle machine. Not a test.

Usage::

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_speech_text_packing.py --stories 2000
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from speechbrain_xling.data.packing import WindowPacker
from speechbrain_xling.data.sequences import DocumentMixture
from speechbrain_xling.data.speech_text import SpeechTextMixture, token_channels
from speechbrain_xling.data.store_mixture import StoreMixture
from speechbrain_xling.data.unit_store import write_unit_store
from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.tokenizers.text import load_text_tokenizer, train_sentencepiece

WORDS = {
    "en": "the cat dog bird sees finds loses a red blue ball kite in park garden today".split(),
    "fr": "le chat chien oiseau voit trouve perd un rouge bleu ballon parc jardin ici".split(),
}


def story_rows(num_stories, num_units, seed=0):
    """Rows of an aligned corpus: 6 sentences per story, ~40 units and ~8 words
    each, every word its own group starting at an evenly spread unit."""
    rng = np.random.default_rng(seed)
    rows = []
    for story in range(num_stories):
        for lang in ("en", "fr"):
            for sent in range(6):
                words = rng.choice(WORDS[lang], size=int(rng.integers(5, 11)))
                length = int(rng.integers(25, 55))
                rows.append(
                    dict(
                        utt_id=f"s{story}_{lang}_{sent}",
                        units=rng.integers(0, num_units, length),
                        story_id=f"s{story}",
                        sent_idx=sent,
                        lang=lang,
                        text=" ".join(words),
                        word_spans=(
                            np.arange(len(words)),
                            np.arange(len(words)) * length // len(words),
                        ),
                    )
                )
    return rows


def packing_rates(mixture, eos, num_windows, context_length):
    """Tokens and documents packed per second, from a fresh packer."""
    packer = WindowPacker(
        StoreMixture({"train": mixture}, languages=mixture.languages), context_length, eos
    )
    start = time.perf_counter()
    for _ in range(num_windows):
        packer.next_window()
    seconds = time.perf_counter() - start
    documents = sum(packer.document_counts.values())
    return num_windows * context_length / seconds, documents / seconds


def best_rates(pipelines, num_windows, context_length, repeats):
    """Best :func:`packing_rates` of each ``name -> (make mixture, eos)`` over
    ``repeats`` runs, the pipelines taking turns."""
    rates = dict.fromkeys(pipelines, (0.0, 0.0))
    for _ in range(repeats):
        for name, (make, eos) in pipelines.items():
            rate = packing_rates(make(), eos, num_windows, context_length)
            rates[name] = max(rates[name], rate)
    return rates


def main():
    """Measures both pipelines and prints a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--num-units", type=int, default=2048)
    parser.add_argument("--context-length", type=int, default=2048)
    parser.add_argument("--passes", type=float, default=2.0, help="story epochs packed")
    parser.add_argument("--repeats", type=int, default=3, help="runs per pipeline (best kept)")
    args = parser.parse_args()
    rows = story_rows(args.stories, args.num_units)
    with tempfile.TemporaryDirectory() as tmp:
        store = write_unit_store(Path(tmp) / "store", rows, num_units=args.num_units)
        text = load_text_tokenizer(
            train_sentencepiece([row["text"] for row in rows], Path(tmp) / "t.model", 512)
        )
        vocab = SpeechTextVocabulary(text.vocab_size, args.num_units)
        num_windows = max(1, int(args.passes * store.total_units / args.context_length))

        def speech_text(level):
            mixture = SpeechTextMixture(
                store,
                ["en", "fr"],
                vocab,
                text,
                document_shares={"text": 0.2, "interleaved": 0.4, "speech": 0.2, "pairs": 0.2},
                interleaving=level,
                switch_prob=0.5,
                pair_tasks=["asr", "tts", "translation", "speech_translation"],
            )
            assert mixture.languages == token_channels(["en", "fr"])
            return mixture

        pipelines = {
            "units only (DocumentMixture)": (
                lambda: DocumentMixture(store, ["en", "fr"], 0.5, "sampled", 0.5, seed=0),
                args.num_units,
            )
        }
        for level in ("sentence", "word"):
            name = f"speech-text, {level}-level interleaving (SpeechTextMixture)"
            pipelines[name] = (lambda level=level: speech_text(level), vocab.eos)
        rates = best_rates(pipelines, num_windows, args.context_length, args.repeats)
    baseline = rates["units only (DocumentMixture)"]
    print(
        f"{args.stories} stories, {num_windows} windows of {args.context_length} tokens, "
        f"best of {args.repeats}"
    )
    print("| pipeline | tokens/s | x units only | documents/s | x units only |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, (tokens, documents) in rates.items():
        print(
            f"| {name} | {tokens:,.0f} | {tokens / baseline[0]:.2f} | {documents:,.0f} | "
            f"{documents / baseline[1]:.2f} |"
        )


if __name__ == "__main__":
    main()
