"""Layer-wise cross-lingual alignment of hidden states (paper, Section 6.2).

Manifest ``alignment.csv``: ``pair_id,en_wav,fr_wav,en_text,fr_text``, one
sentence-aligned EN-FR pair per row (wav paths relative to the CSV folder or
absolute).

Each sentence is read as ``EOS || units`` (as the scorer does; a
speech-text model reads ``EOS [SPEECH] unit_ids(units)``) and every layer's
hidden states are mean-pooled over the sentence's units (the EOS context,
the marker and padding excluded). Per layer, the *matched* similarity is the
mean cosine between the pooled EN and FR vectors of the same pair; the
*mismatched* baseline is the mean cosine between EN sentence i and the FR
sentence of every other pair j != i. An aligned model shows matched well
above mismatched. The summary ``mean_matched`` / ``mean_mismatched``
averages the transformer layers (the embedding output, layer 0, is kept in
the per-layer lists and plots but left out of the means).

Speech-text models (:func:`evaluate_speech_text_alignment`) are also asked
how close a sentence's speech is to its own text: the text is read as
``EOS [TEXT] text_ids`` and pooled the same way, and per layer the matched /
mismatched cosines and retrieval@1 (is a spoken sentence's own text the most
similar of all texts?) are measured for EN speech vs EN text, FR speech vs
FR text and across languages (EN speech vs FR text, FR speech vs EN text).

Authors
 * speechbrain-xling authors 2026
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from speechbrain_xling.atomic import atomic_path
from speechbrain_xling.eval.files import (
    BenchmarkFormatError,
    read_csv_rows,
    resolve_audio,
    units_for_files,
)
from speechbrain_xling.eval.scoring import (
    check_token_ids,
    check_units,
    length_buckets,
    pad_sequences,
)

COLUMNS = ("pair_id", "en_wav", "fr_wav", "en_text", "fr_text")


@dataclass(frozen=True)
class AlignedPair:
    """A sentence and its translation (their texts are optional).

    Example
    -------
    >>> AlignedPair("p1", Path("en.wav"), Path("fr.wav"), en_text="Hello.").fr_text
    ''
    """

    pair_id: str
    en_wav: Path
    fr_wav: Path
    en_text: str = ""
    fr_text: str = ""


def read_alignment(csv_path):
    """Reads and checks ``alignment.csv`` (at least 2 pairs, unique ids).

    The ``en_text`` and ``fr_text`` cells are kept (stripped; may be empty).

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("e1", "f1", "e2", "f2"):
    ...     _ = (folder / f"{name}.wav").write_bytes(b"")
    >>> rows = [",".join(COLUMNS), "p1,e1.wav,f1.wav,Hi.,Salut.", "p2,e2.wav,f2.wav,,"]
    >>> _ = (folder / "alignment.csv").write_text("\\n".join(rows) + "\\n")
    >>> [(p.pair_id, p.fr_text) for p in read_alignment(folder / "alignment.csv")]
    [('p1', 'Salut.'), ('p2', '')]
    """
    csv_path = Path(csv_path)
    pairs, first_line = [], {}
    for line, row in read_csv_rows(csv_path, COLUMNS):
        if row["pair_id"] in first_line:
            raise BenchmarkFormatError(
                f"{csv_path}, line {line}: pair_id {row['pair_id']!r} already "
                f"on line {first_line[row['pair_id']]}"
            )
        first_line[row["pair_id"]] = line
        pairs.append(
            AlignedPair(
                pair_id=row["pair_id"],
                en_wav=resolve_audio(row["en_wav"], csv_path, line, "en_wav"),
                fr_wav=resolve_audio(row["fr_wav"], csv_path, line, "fr_wav"),
                en_text=(row["en_text"] or "").strip(),
                fr_text=(row["fr_text"] or "").strip(),
            )
        )
    if len(pairs) < 2:
        raise BenchmarkFormatError(
            f"{csv_path}: the mismatched baseline needs at least 2 pairs, got {len(pairs)}"
        )
    return pairs


def pooled_hidden_states(lm, sequences, max_tokens_per_batch=16384, progress=False):
    """Mean-pooled hidden states of every layer for each unit sequence.

    Each sequence is read as ``EOS || speech prefix || unit ids`` (textless:
    ``EOS || units``; speech-text: ``EOS [SPEECH] unit_ids(units)``) and
    pooled over its units only (see :func:`pooled_token_states`).

    Arguments
    ---------
    lm : UnitLM
        The model (used in eval mode on its own device).
    sequences : list of array-like of int
        Non-empty unit sequences.
    max_tokens_per_batch : int
        Padded tokens per forward pass.
    progress : bool
        Shows a tqdm bar over batches.

    Returns
    -------
    numpy.ndarray
        ``float32 [num_layers + 1, len(sequences), hidden]`` (embeddings
        first), averaged over each sequence's units only.

    Example
    -------
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> lm = UnitLM.from_config(config, num_units=16)
    >>> pooled_hidden_states(lm, [[1, 2, 3], [4]]).shape
    (3, 2, 32)
    """
    vocab = lm.vocab
    ids = [
        vocab.unit_ids(check_units(units, vocab.num_units, f"sequence {index}"))
        for index, units in enumerate(sequences)
    ]
    prefix = (vocab.eos, *vocab.speech_prefix)
    return pooled_token_states(lm, ids, prefix, max_tokens_per_batch, progress)


@torch.inference_mode()
def pooled_token_states(lm, sequences, prefix, max_tokens_per_batch=16384, progress=False):
    """Mean-pooled hidden states of every layer for token-id sequences.

    Each sequence is read after ``prefix`` (e.g. ``EOS [TEXT]`` before text
    ids, ``EOS [SPEECH]`` before unit ids); only the sequence's own tokens
    are pooled (the prefix and padding excluded).

    Arguments
    ---------
    lm : UnitLM
        The model (used in eval mode on its own device).
    sequences : list of array-like of int
        Non-empty sequences of vocabulary ids (not PAD).
    prefix : sequence of int
        Ids read before every sequence, not pooled (may be empty).
    max_tokens_per_batch : int
        Padded tokens per forward pass.
    progress : bool
        Shows a tqdm bar over batches.

    Returns
    -------
    numpy.ndarray
        ``float32 [num_layers + 1, len(sequences), hidden]`` (embeddings first).

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> vocab = SpeechTextVocabulary(num_text=10, num_units=16)
    >>> lm = UnitLM.from_config(config, num_units=16, vocab=vocab)
    >>> pooled_token_states(lm, [[1, 2], [3]], (vocab.eos, vocab.text_marker)).shape
    (3, 2, 32)
    """
    vocab = lm.vocab
    prefix = check_token_ids(list(prefix), vocab, "prefix", allow_empty=True).tolist()
    inputs = [
        prefix + check_token_ids(sequence, vocab, f"sequence {index}").tolist()
        for index, sequence in enumerate(sequences)
    ]
    if not inputs:
        raise ValueError("no sequences to pool")
    if not inputs:
        raise ValueError("no sequences to pool")
    device = next(lm.parameters()).device
    pooled = None
    was_training = lm.training
    lm.eval()
    try:
        batches = length_buckets([len(x) for x in inputs], max_tokens_per_batch)
        for batch in tqdm(batches, desc="hidden states", disable=not progress):
            tokens, mask = pad_sequences([inputs[i] for i in batch], vocab.pad, device)
            layers = torch.stack(lm.hidden_states(tokens, attention_mask=mask))
            content_mask = mask.clone()
            content_mask[:, : len(prefix)] = 0  # the context is not part of the sentence
            weights = content_mask.to(layers.dtype)[None, :, :, None]
            means = (layers * weights).sum(2) / weights.sum(2)
            if pooled is None:
                pooled = np.empty(
                    (layers.shape[0], len(inputs), layers.shape[-1]), dtype=np.float32
                )
            pooled[:, batch] = means.float().cpu().numpy()
    finally:
        lm.train(was_training)
    return pooled


def _cosines(first, second):
    """``[layers, i, j]`` cosine between ``first[:, i]`` and ``second[:, j]``."""

    def unit_norm(vectors):
        vectors = np.asarray(vectors, dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    return np.einsum("lih,ljh->lij", unit_norm(first), unit_norm(second))


def layer_similarities(en_vectors, fr_vectors):
    """Matched and mismatched mean cosine similarity per layer.

    Arguments
    ---------
    en_vectors, fr_vectors : numpy.ndarray
        ``[layers, pairs, hidden]``; row i of both is one aligned pair.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``[layers]`` mean cosine of aligned pairs, and of all EN i / FR j
        combinations with ``i != j``.

    Example
    -------
    >>> en = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    >>> fr = np.array([[[2.0, 0.0], [0.0, 3.0]]])
    >>> matched, mismatched = layer_similarities(en, fr)
    >>> matched.tolist(), mismatched.tolist()
    ([1.0], [0.0])
    """

    cosines = _cosines(en_vectors, fr_vectors)
    num_pairs = cosines.shape[1]
    matched = np.einsum("lii->l", cosines) / num_pairs
    off_diagonal = cosines.sum(axis=(1, 2)) - matched * num_pairs
    mismatched = off_diagonal / (num_pairs * (num_pairs - 1))
    return matched, mismatched


def evaluate_alignment(lm, pairs, units_of, max_tokens_per_batch=16384, progress=False):
    """Layer-wise matched / mismatched cosine similarity of aligned pairs.

    Arguments
    ---------
    lm : UnitLM
        The model.
    pairs : list of AlignedPair
        From :func:`read_alignment`.
    units_of : callable
        ``units_of(list_of_wav_paths) -> list of unit arrays``.
    max_tokens_per_batch : int
        Padded tokens per forward pass.
    progress : bool
        Shows a tqdm bar.

    Returns
    -------
    dict
        ``matched`` and ``mismatched`` (lists, one value per layer, layer 0
        = embeddings), ``mean_matched`` and ``mean_mismatched`` (means over
        layers 1..L) and ``num_pairs``.

    Example
    -------
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> lm = UnitLM.from_config(config, num_units=16)
    >>> pairs = [AlignedPair("a", Path("a_en.wav"), Path("a_fr.wav")),
    ...          AlignedPair("b", Path("b_en.wav"), Path("b_fr.wav"))]
    >>> units = {"a_en": [1, 2], "a_fr": [1, 2], "b_en": [7, 9, 9], "b_fr": [4]}
    >>> result = evaluate_alignment(lm, pairs,
    ...                             lambda paths: [units[p.stem] for p in paths])
    >>> len(result["matched"]), result["num_pairs"]
    (3, 2)
    """
    wavs = [wav for pair in pairs for wav in (pair.en_wav, pair.fr_wav)]
    units = units_for_files(units_of, wavs, lm.vocab.num_units)
    pooled = pooled_hidden_states(lm, [units[wav] for wav in wavs], max_tokens_per_batch, progress)
    matched, mismatched = layer_similarities(pooled[:, 0::2], pooled[:, 1::2])
    return {
        "matched": matched.tolist(),
        "mismatched": mismatched.tolist(),
        "mean_matched": float(matched[1:].mean()),
        "mean_mismatched": float(mismatched[1:].mean()),
        "num_pairs": len(pairs),
    }


def retrieval_at_1(queries, candidates):
    """Per layer, the share of queries whose own candidate is the most similar.

    Query i's own candidate is candidate i; similarity is cosine. A query
    whose own candidate ties with m others at the top counts ``1 / (m + 1)``
    (the expected hit of a random tie break), so chance is ``1 / num_items``.

    Arguments
    ---------
    queries, candidates : numpy.ndarray
        ``[layers, items, hidden]``; row i of both belongs to item i.

    Returns
    -------
    numpy.ndarray
        ``[layers]`` retrieval@1 in ``[0, 1]``.

    Example
    -------
    >>> speech = np.array([[[1.0, 0.1], [0.1, 1.0], [1.0, 1.0]]])
    >>> text = np.array([[[2.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]])
    >>> retrieval_at_1(speech, text).tolist()
    [0.6666666666666666]
    """
    cosines = _cosines(queries, candidates)
    own = np.einsum("lii->li", cosines)[..., None]
    beaten = (cosines > own).any(axis=-1)
    tied = (cosines == own).sum(axis=-1)
    return np.where(beaten, 0.0, 1.0 / tied).mean(axis=-1)


# Speech-text conditions: name -> (speech language, text language).
SPEECH_TEXT_CONDITIONS = {
    "en_speech-en_text": ("en", "en"),
    "fr_speech-fr_text": ("fr", "fr"),
    "en_speech-fr_text": ("en", "fr"),
    "fr_speech-en_text": ("fr", "en"),
}


def _pair_text_ids(pairs, vocab, tokenizer):
    """``{(pair index, lang): text ids}``; errors name the pair and column."""
    ids = {}
    for index, pair in enumerate(pairs):
        for lang in ("en", "fr"):
            column = f"{lang}_text"
            what = f"pair {pair.pair_id!r} {column}"
            text = getattr(pair, column, "")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(
                    f"pair {pair.pair_id!r} has no {column}: speech-text alignment needs "
                    "the text of both sentences (alignment.csv columns en_text, fr_text)"
                )
            encoded = np.asarray(tokenizer.encode(text, what), dtype=np.int64)
            if encoded.size == 0:
                raise ValueError(f"{what}: {text!r} encodes to no text ids")
            bad = (encoded < 0) | (encoded >= vocab.num_text)
            if bad.any():
                raise ValueError(
                    f"{what}: text id {encoded[bad][0]} is outside the model's "
                    f"[0, {vocab.num_text})"
                )
            ids[index, lang] = encoded
    return ids


def evaluate_speech_text_alignment(
    lm, pairs, units_of, text_tokenizer=None, max_tokens_per_batch=16384, progress=False
):
    """Layer-wise similarity of each sentence's speech and text.

    Speech is read as ``EOS [SPEECH] unit_ids(units)``, text as
    ``EOS [TEXT] text_ids``; both are mean-pooled over their own tokens
    (:func:`pooled_token_states`). For every condition of
    :data:`SPEECH_TEXT_CONDITIONS` and every layer: ``matched`` (mean cosine
    of the speech and text of the same pair), ``mismatched`` (of pair i's
    speech and pair j's text, ``i != j``) and ``retrieval_at_1`` (see
    :func:`retrieval_at_1`; the candidates are the texts of all pairs).

    Arguments
    ---------
    lm : UnitLM
        A speech-text model (:class:`~speechbrain_xling.data.vocab.SpeechTextVocabulary`).
    pairs : list of AlignedPair
        At least 2, each with ``en_text`` and ``fr_text``.
    units_of : callable
        ``units_of(list_of_wav_paths) -> list of unit arrays``.
    text_tokenizer : TextTokenizer, optional
        Default: ``lm.text_tokenizer``.
    max_tokens_per_batch : int
        Padded tokens per forward pass.
    progress : bool
        Shows tqdm bars.

    Returns
    -------
    dict
        ``conditions`` maps each condition name to a dict of ``matched``,
        ``mismatched`` and ``retrieval_at_1`` (lists, one value per layer,
        layer 0 = embeddings) and ``mean_matched``, ``mean_mismatched``,
        ``mean_retrieval_at_1`` (means over layers 1..L); also
        ``num_pairs`` and ``chance_retrieval_at_1`` (``1 / num_pairs``).
        Each condition's dict can go to :func:`plot_alignment`.

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> from speechbrain_xling.tokenizers.text import TextTokenizer
    >>> class Letters(TextTokenizer):
    ...     vocab_size = 26
    ...     def _encode(self, text):
    ...         return [ord(c) - ord("a") for c in text]
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> vocab = SpeechTextVocabulary(num_text=26, num_units=16)
    >>> lm = UnitLM.from_config(config, num_units=16, vocab=vocab)
    >>> pairs = [AlignedPair("a", Path("a_en.wav"), Path("a_fr.wav"), "cat", "chat"),
    ...          AlignedPair("b", Path("b_en.wav"), Path("b_fr.wav"), "dog", "chien")]
    >>> units = {"a_en": [1, 2], "a_fr": [1, 2], "b_en": [7, 9, 9], "b_fr": [4]}
    >>> result = evaluate_speech_text_alignment(
    ...     lm, pairs, lambda paths: [units[p.stem] for p in paths], Letters())
    >>> sorted(result["conditions"])
    ['en_speech-en_text', 'en_speech-fr_text', 'fr_speech-en_text', 'fr_speech-fr_text']
    >>> len(result["conditions"]["en_speech-en_text"]["retrieval_at_1"])
    3
    """
    vocab = lm.vocab
    if not hasattr(vocab, "text_marker"):
        raise ValueError(
            "speech-text alignment needs a speech-text model (a SpeechTextVocabulary), "
            f"not the textless {vocab!r}"
        )
    tokenizer = text_tokenizer if text_tokenizer is not None else lm.text_tokenizer
    if tokenizer is None:
        raise ValueError(
            "speech-text alignment needs a text tokenizer: the model has none and "
            "text_tokenizer was not given"
        )
    pairs = list(pairs)
    if len(pairs) < 2:
        raise ValueError(
            f"speech-text alignment needs at least 2 pairs (the mismatched baseline), "
            f"got {len(pairs)}"
        )
    text_ids = _pair_text_ids(pairs, vocab, tokenizer)
    wavs = [wav for pair in pairs for wav in (pair.en_wav, pair.fr_wav)]
    units = units_for_files(units_of, wavs, vocab.num_units)
    speech = pooled_hidden_states(lm, [units[wav] for wav in wavs], max_tokens_per_batch, progress)
    text = pooled_token_states(
        lm,
        [text_ids[index, lang] for index in range(len(pairs)) for lang in ("en", "fr")],
        (vocab.eos, vocab.text_marker),
        max_tokens_per_batch,
        progress,
    )
    by_lang = {
        "speech": {"en": speech[:, 0::2], "fr": speech[:, 1::2]},
        "text": {"en": text[:, 0::2], "fr": text[:, 1::2]},
    }
    conditions = {}
    for name, (speech_lang, text_lang) in SPEECH_TEXT_CONDITIONS.items():
        queries, candidates = by_lang["speech"][speech_lang], by_lang["text"][text_lang]
        matched, mismatched = layer_similarities(queries, candidates)
        retrieval = retrieval_at_1(queries, candidates)
        conditions[name] = {
            "matched": matched.tolist(),
            "mismatched": mismatched.tolist(),
            "retrieval_at_1": retrieval.tolist(),
            "mean_matched": float(matched[1:].mean()),
            "mean_mismatched": float(mismatched[1:].mean()),
            "mean_retrieval_at_1": float(retrieval[1:].mean()),
        }
    return {
        "conditions": conditions,
        "num_pairs": len(pairs),
        "chance_retrieval_at_1": 1.0 / len(pairs),
    }


def plot_alignment(results_by_system, path):
    """PNG: cosine similarity per layer, one colour per system.

    Solid lines are aligned pairs, dashed lines the mismatched baseline.

    Arguments
    ---------
    results_by_system : dict
        ``{system name: result of evaluate_alignment}``.
    path : str or Path
        The PNG to write (atomically).

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "alignment.png"
    >>> plot_alignment({"a": {"matched": [0.5, 0.7], "mismatched": [0.4, 0.3]}},
    ...                path)
    >>> path.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    # A bare Figure renders with Agg and leaves pyplot's global state alone.
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(7, 4.5))
    axes = figure.subplots()
    for color, (system, result) in enumerate(results_by_system.items()):
        layers = range(len(result["matched"]))
        axes.plot(
            layers, result["matched"], color=f"C{color}", marker="o", label=f"{system} (aligned)"
        )
        axes.plot(
            layers,
            result["mismatched"],
            color=f"C{color}",
            linestyle="--",
            label=f"{system} (mismatched)",
        )
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("layer (0 = embeddings)")
    axes.set_ylabel("mean cosine similarity EN-FR")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="best", framealpha=0.8)
    figure.tight_layout()
    with atomic_path(path) as tmp_path:
        figure.savefig(tmp_path, format="png", dpi=120)
