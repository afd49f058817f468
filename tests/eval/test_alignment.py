"""Cross-lingual alignment: pooling, cosine per layer, baseline, plot, reader."""

import numpy as np
import pytest
import torch

from speechbrain_xling.eval.alignment import (
    COLUMNS,
    evaluate_alignment,
    layer_similarities,
    plot_alignment,
    pooled_hidden_states,
    read_alignment,
)
from speechbrain_xling.eval.files import BenchmarkFormatError
from tests.eval.conftest import NUM_UNITS, read_units, write_unit_wav


def write_alignment(folder, pairs):
    """alignment.csv with one (EN units, FR units) pair per row."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [",".join(COLUMNS)]
    for number, (en_units, fr_units) in enumerate(pairs):
        write_unit_wav(folder / f"en{number}.wav", en_units)
        write_unit_wav(folder / f"fr{number}.wav", fr_units)
        rows.append(f"p{number},en{number}.wav,fr{number}.wav,hello,bonjour")
    (folder / "alignment.csv").write_text("\n".join(rows) + "\n")
    return folder / "alignment.csv"


def test_layer_similarities_on_known_vectors():
    en = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    fr = np.array([[[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0]]])
    matched, mismatched = layer_similarities(en, fr)
    assert matched == pytest.approx([(1 + 1 - 1) / 3])
    # off-diagonal cosines: (0, 1)=0, (0, 2)=-1/sqrt2, (1, 0)=0,
    # (1, 2)=-1/sqrt2, (2, 0)=1/sqrt2, (2, 1)=1/sqrt2
    assert mismatched == pytest.approx([0.0])


def test_pooling_ignores_padding_and_the_eos_context(random_lm):
    sequences = [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10], [11]]
    batched = pooled_hidden_states(random_lm, sequences, max_tokens_per_batch=64)
    for index, units in enumerate(sequences):
        with torch.no_grad():
            layers = random_lm.hidden_states(torch.tensor([[random_lm.vocab.eos, *units]]))
        expected = torch.stack(layers)[:, 0, 1:].mean(1).numpy()
        np.testing.assert_allclose(batched[:, index], expected, rtol=1e-4, atol=1e-4)


def test_identical_translations_are_perfectly_aligned(tmp_path, random_lm):
    rng = np.random.default_rng(0)
    pairs = [
        (units, units)
        for units in (rng.integers(0, NUM_UNITS, rng.integers(3, 9)) for _ in range(6))
    ]
    result = evaluate_alignment(
        random_lm, read_alignment(write_alignment(tmp_path, pairs)), read_units
    )
    num_layers = random_lm.config.num_hidden_layers + 1
    assert result["matched"] == pytest.approx([1.0] * num_layers, abs=1e-6)
    assert len(result["mismatched"]) == num_layers
    assert max(result["mismatched"]) < 0.99
    assert result["mean_matched"] == pytest.approx(1.0, abs=1e-6)
    assert result["mean_mismatched"] == pytest.approx(np.mean(result["mismatched"][1:]))
    assert result["num_pairs"] == 6


def test_plot_is_a_png(tmp_path):
    results = {
        "a": {"matched": [0.5, 0.7, 0.8], "mismatched": [0.4, 0.3, 0.3]},
        "b": {"matched": [0.6, 0.6, 0.9], "mismatched": [0.5, 0.2, 0.1]},
    }
    plot_alignment(results, tmp_path / "plots" / "alignment.png")
    assert (tmp_path / "plots" / "alignment.png").read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in (tmp_path / "plots").iterdir()] == ["alignment.png"]


def test_reader_errors_name_the_problem(tmp_path):
    csv_path = write_alignment(tmp_path, [([1, 2], [3, 4]), ([5], [6])])
    (tmp_path / "fr1.wav").unlink()
    with pytest.raises(FileNotFoundError, match=r"line 3: fr_wav file .*fr1.wav"):
        read_alignment(csv_path)
    csv_path = write_alignment(tmp_path / "one", [([1, 2], [3, 4])])
    with pytest.raises(BenchmarkFormatError, match="at least 2 pairs, got 1"):
        read_alignment(csv_path)
    csv_path = write_alignment(tmp_path / "dup", [([1], [2]), ([3], [4])])
    csv_path.write_text(csv_path.read_text().replace("p1,", "p0,"))
    with pytest.raises(BenchmarkFormatError, match="line 3: pair_id 'p0' already on line 2"):
        read_alignment(csv_path)
