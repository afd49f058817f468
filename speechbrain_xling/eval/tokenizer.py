"""The evaluation recipe's speech tokeniser, chosen by one setting.

``recipes/*/SLM/hparams/evaluate.yaml`` calls :func:`load_tokenizer` with
its ``tokenizer_type`` (:data:`TOKENIZER_TYPES`) and the paths that type
needs; every other key is ignored. The tokeniser must be the one the
evaluated systems were trained with (the evaluation checks that its ``K``
matches every model's).

``mimi``
    Mimi's first codebook (K = 2048, 12.5 Hz) from ``mimi_source`` (a hub
    id such as ``kyutai/mimi`` or a local folder; see
    :class:`~speechbrain_xling.tokenizers.mimi.MimiTokenizer`).
``kmeans``
    A k-means model saved by
    :meth:`~speechbrain_xling.tokenizers.kmeans.KMeansTokenizer.save`
    (``kmeans.npz``, written by ``tokenize_units.py`` and by the demo) at
    ``tokenizer_path``.
``bpe``
    A unit-BPE SentencePiece model saved by
    :meth:`~speechbrain_xling.tokenizers.unit_bpe.UnitBPETokenizer.save`
    (``unit_bpe_<V>.model``) at ``tokenizer_path``, over a k-means model.
    The ``.model`` file holds only the merges, not its base tokeniser, so
    the base is ``tokenizer_base_path`` when given, else the
    ``kmeans.npz`` beside the ``.model`` (where the demo writes both).
``phones``
    The phone topline (NOT textless): the phone inventory saved by
    :meth:`~speechbrain_xling.tokenizers.phones.PhoneInventory.save`
    (``phones.json``) at ``tokenizer_path``; units are read from the
    sidecars of the mini-corpus audio, so only its benchmarks can be scored.

Every wrong value is refused naming the hparams key to fix.

Authors
 * speechbrain-xling authors 2026
"""

from pathlib import Path

TOKENIZER_TYPES = ("mimi", "kmeans", "bpe", "phones")
# Where the demo writes the k-means model its unit-BPE models are made over.
BPE_BASE_NAME = "kmeans.npz"


def _existing_file(path, key, what):
    """``path`` as a Path, or a ``FileNotFoundError`` naming ``key``."""
    if path is None or str(path) == "":
        raise ValueError(f"{key} is not set: the {what} is needed")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{key}: {what} {path} not found")
    return path


def _load_kmeans(path, key, device):
    from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer

    path = _existing_file(path, key, "k-means model (.npz saved by KMeansTokenizer.save)")
    try:
        return KMeansTokenizer.load(path, device=device)
    except (ValueError, KeyError, OSError) as error:
        raise ValueError(f"{key}: {path} is not a saved k-means model: {error}") from error


def load_tokenizer(
    kind,
    path=None,
    base_path=None,
    mimi_source="kyutai/mimi",
    mimi_backend="transformers",
    device="cpu",
):
    """Builds the tokeniser of the evaluation recipe from its settings.

    Arguments
    ---------
    kind : str
        ``tokenizer_type``: one of :data:`TOKENIZER_TYPES` (see the module
        docstring).
    path : str or Path, optional
        ``tokenizer_path``: the saved model of ``kmeans`` (``.npz``),
        ``bpe`` (``.model``) or ``phones`` (``phones.json``); unused by
        ``mimi``.
    base_path : str or Path, optional
        ``tokenizer_base_path``: the k-means model a ``bpe`` model was made
        over; default: ``kmeans.npz`` in the folder of ``path``.
    mimi_source : str or Path
        ``mimi_source``: Mimi's hub id or local folder (``mimi`` only).
    mimi_backend : str
        ``"transformers"`` or ``"moshi"`` (``mimi`` only).
    device : str
        Where the tokeniser runs (``tokenizer_device``).

    Returns
    -------
    UnitTokenizer or PhoneInventory
        A :class:`~speechbrain_xling.tokenizers.base.UnitTokenizer`, or for
        ``phones`` a
        :class:`~speechbrain_xling.tokenizers.phones.PhoneInventory`
        (:func:`~speechbrain_xling.eval.run.evaluate_systems` reads units
        through its ``units_of``).

    Raises
    ------
    ValueError
        An unknown ``kind``, an unset path, or a file of the wrong kind (the
        message names the hparams key).
    FileNotFoundError
        A missing model file (named, with its key).

    Example
    -------
    >>> import tempfile, pathlib, torch
    >>> from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
    >>> from speechbrain_xling.tokenizers.unit_bpe import UnitBPETokenizer
    >>> from speechbrain_xling.audio import pad_batch
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> wavs = [torch.randn(16000), torch.randn(8000)]
    >>> kmeans = KMeansTokenizer(frame_rate=50.0).fit(wavs, num_units=4, seed=0)
    >>> kmeans.save(folder / "kmeans.npz")
    >>> load_tokenizer("kmeans", folder / "kmeans.npz").num_units
    4
    >>> units = kmeans.encode(*pad_batch(wavs))
    >>> UnitBPETokenizer.fit(kmeans, units * 3, vocab_size=12).save(folder / "bpe.model")
    >>> load_tokenizer("bpe", folder / "bpe.model").describe()["base"]["name"]
    'kmeans'
    >>> load_tokenizer("k-means", folder / "kmeans.npz")
    Traceback (most recent call last):
    ...
    ValueError: tokenizer_type must be one of mimi, kmeans, bpe, phones; got 'k-means'
    """
    if kind not in TOKENIZER_TYPES:
        raise ValueError(
            f"tokenizer_type must be one of {', '.join(TOKENIZER_TYPES)}; got {kind!r}"
        )
    if kind == "mimi":
        return _load_mimi(mimi_source, mimi_backend, device)
    if kind == "kmeans":
        return _load_kmeans(path, "tokenizer_path", device)
    if kind == "bpe":
        return _load_bpe(path, base_path, device)
    from speechbrain_xling.tokenizers.phones import PhoneInventory

    path = _existing_file(path, "tokenizer_path", "phone inventory (phones.json)")
    try:
        return PhoneInventory.load(path)
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"tokenizer_path: {path} is not a phone inventory saved by "
            f"PhoneInventory.save: {error!r}"
        ) from error


def _load_mimi(source, backend, device):
    from speechbrain_xling.tokenizers.mimi import MimiTokenizer

    if source is None or str(source) == "":
        raise ValueError("mimi_source is not set: give Mimi's hub id or local folder")
    text = str(source)
    looks_local = Path(text).is_absolute() or text.startswith((".", "~"))
    if looks_local and not Path(text).expanduser().exists():
        raise FileNotFoundError(f"mimi_source: local Mimi folder {text} not found")
    return MimiTokenizer(source=text, backend=backend, device=device)


def _load_bpe(path, base_path, device):
    from speechbrain_xling.tokenizers.unit_bpe import UnitBPETokenizer

    path = _existing_file(path, "tokenizer_path", "unit-BPE model (.model)")
    if base_path is None:
        base_path = path.parent / BPE_BASE_NAME
        if not base_path.is_file():
            raise FileNotFoundError(
                f"tokenizer_base_path: not set, and no {BPE_BASE_NAME} beside the BPE model "
                f"{path}; give the k-means model the BPE model was made over"
            )
    base = _load_kmeans(base_path, "tokenizer_base_path", device)
    try:
        return UnitBPETokenizer.load(path, base)
    except (RuntimeError, ValueError, OSError) as error:
        raise ValueError(
            f"tokenizer_path: {path} is not a unit-BPE model over the k-means model "
            f"{base_path} (tokenizer_base_path): {error}"
        ) from error
