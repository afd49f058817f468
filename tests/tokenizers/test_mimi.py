"""MimiTokenizer: padding invariance, transformers == moshi, decoding."""

import math

import numpy as np
import pytest
import torch

from speechbrain_xling.audio import AudioReader, pad_batch
from speechbrain_xling.tokenizers.mimi import MimiTokenizer, hf_to_moshi_state_dict

BACKENDS = ("transformers", "moshi")


@pytest.fixture(scope="module")
def tokenizers(tiny_mimi):
    """Backend -> tokenizer, both loading the same tiny weights folder."""
    return {backend: MimiTokenizer(tiny_mimi, backend=backend) for backend in BACKENDS}


@pytest.fixture(scope="module")
def batches(speech):
    """Two padded batches of real 24 kHz speech: short utterances (plus a cut
    that is not a whole number of frames), and an 11 s one with a short one."""
    reader = AudioReader(24000)
    short = [reader(speech[name]) for name in ("en_short", "en_mid", "fr_mid", "fr_short")]
    short.append(short[1][:30001])
    return {"short": short, "long": [reader(speech["long"]), short[0]]}


@pytest.fixture(scope="module")
def encoded(tokenizers, batches):
    """Backend -> batch name -> (units of the padded batch, units of each row alone)."""
    results = {}
    for backend, tokenizer in tokenizers.items():
        results[backend] = {
            name: (
                tokenizer.encode(*pad_batch(wavs)),
                [tokenizer.encode(w[None], torch.tensor([len(w)]))[0] for w in wavs],
            )
            for name, wavs in batches.items()
        }
    return results


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("batch", ["short", "long"])
def test_padded_batch_gives_the_units_of_each_utterance_alone(batches, encoded, backend, batch):
    batched, alone = encoded[backend][batch]
    for wav, units, units_alone in zip(batches[batch], batched, alone):
        assert len(units) == math.ceil(len(wav) * 12.5 / 24000)
        np.testing.assert_array_equal(units, units_alone)
    # Real variety: a constant output would pass the equality trivially.
    assert len(np.unique(np.concatenate(batched))) > 20


def test_padding_content_is_ignored(tokenizers, batches, encoded):
    wavs, lengths = pad_batch(batches["short"])
    valid = torch.arange(wavs.shape[1])[None] < lengths[:, None]
    noisy = torch.where(valid, wavs, torch.randn_like(wavs))  # garbage as padding
    units = tokenizers["transformers"].encode(noisy, lengths)
    for a, b in zip(units, encoded["transformers"]["short"][0]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("batch", ["short", "long"])
def test_transformers_and_moshi_give_identical_units(encoded, batch):
    for a, b in zip(encoded["transformers"][batch][0], encoded["moshi"][batch][0]):
        np.testing.assert_array_equal(a, b)


def test_latents_match_beyond_the_attention_window(tokenizers, batches):
    """The 11 s utterance spans > 250 encoder steps: windowed attention matters."""
    long = batches["long"][0]
    assert len(long) > 10 * 24000
    hf, moshi = tokenizers["transformers"].model, tokenizers["moshi"].model
    frames = tokenizers["transformers"].num_frames(len(long))
    audio = torch.nn.functional.pad(long, (0, frames * 1920 - len(long)))[None, None]
    with torch.no_grad():
        model = hf.model
        hf_latent = model.downsample(
            hf._transformer(model.encoder_transformer, model.encoder(audio))
        )
        moshi_latent = moshi.model._encode_to_unquantized_latent(audio)
    assert hf_latent.shape == moshi_latent.shape == (1, 64, frames)
    assert (hf_latent - moshi_latent).abs().max() < 1e-4
    assert hf_latent.abs().mean() > 0.1


def test_decode_gives_the_same_audio_with_both_backends(tokenizers, encoded):
    units = encoded["transformers"]["short"][1][1]
    audio = {name: tok.decode(units) for name, tok in tokenizers.items()}
    assert audio["transformers"].shape == (len(units) * 1920,)
    assert torch.isfinite(audio["transformers"]).all()
    torch.testing.assert_close(audio["transformers"], audio["moshi"], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_several_codebooks_are_interleaved_per_frame(tiny_mimi, batches, encoded, backend):
    two = MimiTokenizer(tiny_mimi, backend=backend, num_codebooks=2)
    assert (two.num_units, two.frame_rate) == (4096, 25.0)
    wav = batches["short"][0]
    units = two.encode(wav[None], torch.tensor([len(wav)]))[0]
    first = encoded[backend]["short"][1][0]
    np.testing.assert_array_equal(units[0::2], first)
    assert units[1::2].min() >= 2048 and units[1::2].max() < 4096
    assert two.decode(units).shape == (len(first) * 1920,)
    with pytest.raises(ValueError, match="codebook layout"):
        two.decode(units[::-1].copy())


def test_describe_tells_different_weights_apart(tmp_path, make_mimi, tiny_mimi, tokenizers):
    other = MimiTokenizer(make_mimi(tmp_path / "other", seed=1))
    hashes = {tok.describe()["weights_sha256"] for tok in (other, tokenizers["transformers"])}
    assert len(hashes) == 2
    assert MimiTokenizer(tiny_mimi).describe() == tokenizers["transformers"].describe()


def test_bad_arguments_raise(tiny_mimi, tokenizers, tmp_path):
    tokenizer = tokenizers["transformers"]
    with pytest.raises(ValueError, match="unknown Mimi backend"):
        MimiTokenizer(tiny_mimi, backend="jax")
    for backend in BACKENDS:
        with pytest.raises(ValueError, match=r"num_codebooks must be in \[1, 8\]"):
            MimiTokenizer(tiny_mimi, backend=backend, num_codebooks=9)
    with pytest.raises(ValueError, match="lengths"):
        tokenizer.encode(torch.zeros(2, 100), torch.tensor([100, 0]))
    with pytest.raises(ValueError, match="lengths"):
        tokenizer.encode(torch.zeros(2, 100), torch.tensor([101, 5]))
    with pytest.raises(ValueError, match="backend='moshi'"):
        MimiTokenizer(tmp_path / "mimi.safetensors")
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        MimiTokenizer(tmp_path / "nothing.safetensors", backend="moshi")


@pytest.mark.slow
def test_full_size_moshi_checkpoint_matches_transformers(tmp_path, make_mimi, speech):
    """Kyutai's architecture constants (moshi ``get_mimi(filename)``) and the
    transformers default config are the same network: a full-size random
    Mimi saved both ways gives the same units."""
    from safetensors.torch import save_file
    from transformers import MimiModel

    reader = AudioReader(24000)
    wavs = [reader(speech["en_mid"]), reader(speech["fr_mid"])]
    model = MimiModel.from_pretrained(make_mimi(tmp_path / "random", full_size=True))
    # Random full-size latents share a large offset, so random codebooks give
    # one code; codewords drawn around the speech's own latents give variety.
    with torch.no_grad():
        rvq = model.quantizer.semantic_residual_vector_quantizer
        latent = model.encoder_transformer(model.encoder(wavs[0][None, None]).transpose(1, 2))
        latent = rvq.input_proj(model.downsample(latent[0].transpose(1, 2)))[0].T
        picks = torch.randint(len(latent), (2048,), generator=torch.Generator().manual_seed(0))
        codebook = rvq.layers[0].codebook
        codebook.embed_sum.copy_(latent[picks] + 0.1 * torch.randn(2048, latent.shape[1]))
        codebook.cluster_usage.fill_(1.0)
    model.save_pretrained(tmp_path / "hf")
    checkpoint = tmp_path / "mimi.safetensors"
    save_file(hf_to_moshi_state_dict(model), checkpoint)
    hf = MimiTokenizer(tmp_path / "hf")
    moshi = MimiTokenizer(checkpoint, backend="moshi")
    for a, b in zip(hf.encode(*pad_batch(wavs)), moshi.encode(*pad_batch(wavs))):
        np.testing.assert_array_equal(a, b)
        assert len(np.unique(a)) > 5
