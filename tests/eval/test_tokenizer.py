"""load_tokenizer: the evaluation recipe's tokeniser from one setting."""

import json

import pytest
import torch

from speechbrain_xling.eval.tokenizer import TOKENIZER_TYPES, load_tokenizer
from speechbrain_xling.tokenizers.kmeans import KMeansTokenizer
from speechbrain_xling.tokenizers.phones import PhoneInventory


@pytest.fixture
def kmeans_path(tmp_path):
    tokenizer = KMeansTokenizer(frame_rate=50.0).fit(
        [torch.randn(16000), torch.randn(8000)], num_units=4, seed=0
    )
    tokenizer.save(tmp_path / "kmeans.npz")
    return tmp_path / "kmeans.npz"


def test_kmeans_is_the_saved_model(kmeans_path):
    tokenizer = load_tokenizer("kmeans", str(kmeans_path))
    assert tokenizer.describe() == KMeansTokenizer.load(kmeans_path).describe()
    wav = torch.randn(1, 4000)
    reference = KMeansTokenizer.load(kmeans_path).encode(wav, torch.tensor([4000]))
    assert (tokenizer.encode(wav, torch.tensor([4000]))[0] == reference[0]).all()


def test_phones_is_the_saved_inventory(tmp_path):
    PhoneInventory(["a", "b"]).save(tmp_path / "phones.json")
    inventory = load_tokenizer("phones", tmp_path / "phones.json")
    assert isinstance(inventory, PhoneInventory) and inventory.num_units == 3
    (tmp_path / "other.json").write_text(json.dumps({"units": []}))
    with pytest.raises(ValueError, match="tokenizer_path: .*other.json is not a phone inventory"):
        load_tokenizer("phones", tmp_path / "other.json")


def test_mimi_from_mimi_source(monkeypatch, tmp_path):
    made = []

    class FakeMimi:
        def __init__(self, **options):
            made.append(options)

    monkeypatch.setattr("speechbrain_xling.tokenizers.mimi.MimiTokenizer", FakeMimi)
    assert isinstance(load_tokenizer("mimi", mimi_source="kyutai/mimi", device="cuda:1"), FakeMimi)
    assert made == [{"source": "kyutai/mimi", "backend": "transformers", "device": "cuda:1"}]
    # paths are for the other types: tokenizer_path is ignored by mimi
    load_tokenizer("mimi", path=tmp_path / "absent.npz", mimi_source=str(tmp_path))
    assert made[-1]["source"] == str(tmp_path)
    with pytest.raises(FileNotFoundError, match="mimi_source: local Mimi folder .*absent"):
        load_tokenizer("mimi", mimi_source=str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="mimi_source is not set"):
        load_tokenizer("mimi", mimi_source=None)


@pytest.mark.parametrize("kind", ["KMeans", "hubert", None])
def test_unknown_type_names_tokenizer_type(kind):
    with pytest.raises(ValueError, match=f"tokenizer_type must be one of .*; got {kind!r}"):
        load_tokenizer(kind)
    assert TOKENIZER_TYPES == ("mimi", "kmeans", "bpe", "phones")


@pytest.mark.parametrize("kind", ["kmeans", "bpe", "phones"])
def test_missing_or_unset_path_names_tokenizer_path(tmp_path, kind):
    with pytest.raises(ValueError, match="tokenizer_path is not set"):
        load_tokenizer(kind)
    with pytest.raises(FileNotFoundError, match=r"tokenizer_path: .* not found"):
        load_tokenizer(kind, tmp_path / "absent")


def test_a_file_of_another_kind_names_its_key(tmp_path, kmeans_path):
    (tmp_path / "bpe.model").write_bytes(b"not a sentencepiece model")
    with pytest.raises(ValueError, match="tokenizer_path: .*bpe.model is not a saved k-means"):
        load_tokenizer("kmeans", tmp_path / "bpe.model")
    # a BPE model whose k-means base (beside it) is fine but which is no model
    with pytest.raises(ValueError, match="tokenizer_path: .*bpe.model is not a unit-BPE model"):
        load_tokenizer("bpe", tmp_path / "bpe.model")
    with pytest.raises(ValueError, match="tokenizer_base_path: .*bpe.model is not a saved k-means"):
        load_tokenizer("bpe", tmp_path / "bpe.model", base_path=tmp_path / "bpe.model")
