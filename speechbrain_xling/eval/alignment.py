"""Layer-wise cross-lingual alignment of hidden states (paper, Section 6.2).

Manifest ``alignment.csv``: ``pair_id,en_wav,fr_wav,en_text,fr_text``, one
sentence-aligned EN-FR pair per row (wav paths relative to the CSV folder or
absolute).

Each sentence is read as ``EOS || units`` (as the scorer does) and every
layer's hidden states are mean-pooled over the sentence's units (the EOS
context and padding excluded). Per layer, the *matched* similarity is the
mean cosine between the pooled EN and FR vectors of the same pair; the
*mismatched* baseline is the mean cosine between EN sentence i and the FR
sentence of every other pair j != i. An aligned model shows matched well
above mismatched. The summary ``mean_matched`` / ``mean_mismatched``
averages the transformer layers (the embedding output, layer 0, is kept in
the per-layer lists and plots but left out of the means).

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
from speechbrain_xling.eval.scoring import length_buckets, pad_sequences

COLUMNS = ("pair_id", "en_wav", "fr_wav", "en_text", "fr_text")


@dataclass(frozen=True)
class AlignedPair:
    """A sentence and its translation."""

    pair_id: str
    en_wav: Path
    fr_wav: Path


def read_alignment(csv_path):
    """Reads and checks ``alignment.csv`` (at least 2 pairs, unique ids).

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("e1", "f1", "e2", "f2"):
    ...     _ = (folder / f"{name}.wav").write_bytes(b"")
    >>> rows = [",".join(COLUMNS), "p1,e1.wav,f1.wav,,", "p2,e2.wav,f2.wav,,"]
    >>> _ = (folder / "alignment.csv").write_text("\\n".join(rows) + "\\n")
    >>> [pair.pair_id for pair in read_alignment(folder / "alignment.csv")]
    ['p1', 'p2']
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
            )
        )
    if len(pairs) < 2:
        raise BenchmarkFormatError(
            f"{csv_path}: the mismatched baseline needs at least 2 pairs, got {len(pairs)}"
        )
    return pairs


@torch.inference_mode()
def pooled_hidden_states(lm, sequences, max_tokens_per_batch=16384, progress=False):
    """Mean-pooled hidden states of every layer for each unit sequence.

    Arguments
    ---------
    lm : UnitLM
        The model (used in eval mode on its own device).
    sequences : list of array-like of int
        Non-empty unit sequences; each is read after an EOS context token.
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
    device = next(lm.parameters()).device
    inputs = [[lm.vocab.eos, *np.asarray(units).tolist()] for units in sequences]
    pooled = None
    was_training = lm.training
    lm.eval()
    try:
        batches = length_buckets([len(x) for x in inputs], max_tokens_per_batch)
        for batch in tqdm(batches, desc="hidden states", disable=not progress):
            tokens, mask = pad_sequences([inputs[i] for i in batch], lm.vocab.pad, device)
            layers = torch.stack(lm.hidden_states(tokens, attention_mask=mask))
            unit_mask = mask.clone()
            unit_mask[:, 0] = 0  # the EOS context is not part of the sentence
            weights = unit_mask.to(layers.dtype)[None, :, :, None]
            means = (layers * weights).sum(2) / weights.sum(2)
            if pooled is None:
                pooled = np.empty(
                    (layers.shape[0], len(inputs), layers.shape[-1]), dtype=np.float32
                )
            pooled[:, batch] = means.float().cpu().numpy()
    finally:
        lm.train(was_training)
    return pooled


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

    def unit_norm(vectors):
        vectors = np.asarray(vectors, dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    cosines = np.einsum("lih,ljh->lij", unit_norm(en_vectors), unit_norm(fr_vectors))
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
