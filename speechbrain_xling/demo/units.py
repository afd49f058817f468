"""The demo's units: unit stores of the corpus and the benchmarks' tokeniser.

``kmeans`` (textless: k-means fitted on the training audio, optionally
merged by BPE) or ``phones`` (the topline: the phones espeak-ng synthesised).

Authors
 * speechbrain-xling authors 2026
"""

from pathlib import Path

from speechbrain_xling.data.unit_store import UnitStore, is_finished_store
from speechbrain_xling.prepare.word_timings import word_timings_path


def prepare_units(unit_type, corpus, folder, args, with_qa=False):
    """Unit stores of the train/valid manifests and the benchmark ``units_of``.

    With ``with_qa``, also the store of the training QA (``train_qa``, the
    instruction fine-tuning data; the corpus must have built it).

    Returns ``({split: store folder}, num_units, evaluation_kwargs)``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    manifests = {"train": corpus.train_manifest, "valid": corpus.valid_manifest}
    if with_qa:
        if corpus.train_qa_manifest is None or not Path(corpus.train_qa_manifest).is_file():
            raise ValueError(f"the corpus has no training QA ({corpus.train_qa_manifest})")
        manifests["train_qa"] = corpus.train_qa_manifest
    stores = {split: folder / f"{split}_store" for split in manifests}
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
                phone_store_from_manifest(
                    manifests[split], store, inventory, _timings(manifests[split])
                )
        return stores, inventory.num_units, {"units_of": inventory.units_of}
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
            tokenize_manifest(
                manifests[split],
                tokenizer,
                store,
                progress=not args.no_progress,
                word_timings=_timings(manifests[split]),
            )
    if args.unit_bpe:
        tokenizer, stores = bpe_units(tokenizer, stores, folder, args.unit_bpe, args.no_progress)
    evaluation = {"tokenizer": tokenizer, "unit_cache_folder": folder / "benchmark_units"}
    return stores, tokenizer.num_units, evaluation


def _timings(manifest):
    """The word timings the corpus wrote beside a manifest (``None``: a
    corpus made before them)."""
    path = word_timings_path(manifest)
    return path if path.exists() else None


def prepare_text_tokenizer(train_store, folder, vocab_size):
    """The speech-text systems' SentencePiece model, trained once on the text
    of the training store (EN and FR); returns its path."""
    from speechbrain_xling.tokenizers.text import train_sentencepiece

    path = folder / f"text_{vocab_size}.model"
    if not path.exists():
        texts = UnitStore(train_store).texts
        if texts is None:
            raise ValueError(
                f"{train_store} holds no text (written before unit stores kept it): "
                f"delete {folder} to tokenise the corpus again"
            )
        print(
            f"[text] SentencePiece ({vocab_size} pieces at most) on the training text", flush=True
        )
        train_sentencepiece(texts, path, vocab_size)
    return path


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
