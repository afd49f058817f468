"""Shared fixtures: tiny UnitLMs and a deterministic energy tokenizer.

``FrameEnergyTokenizer`` maps each 10 ms frame of audio to a unit by
quantising its RMS level; :func:`write_unit_wav` writes audio that encodes
back to exactly the given units, so benchmark layouts can be built on disk
with known unit content and read through the real readers.
"""

import numpy as np
import pytest
import soundfile
import torch

from speechbrain_xling.model.unit_lm import UnitLM
from speechbrain_xling.tokenizers.base import UnitTokenizer

NUM_UNITS = 16
SAMPLE_RATE = 16000
FRAME = 160
TINY_LLAMA = {
    "model_type": "llama",
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}


class FrameEnergyTokenizer(UnitTokenizer):
    """Units = RMS of 10 ms frames quantised to ``NUM_UNITS`` levels."""

    num_units = NUM_UNITS
    frame_rate = SAMPLE_RATE / FRAME
    sample_rate = SAMPLE_RATE

    def encode(self, wavs, lengths):
        units = []
        for wav, length in zip(wavs, lengths):
            frames = wav[: int(length) // FRAME * FRAME].reshape(-1, FRAME).double()
            rms = frames.pow(2).mean(dim=1).sqrt()
            levels = torch.floor(rms * NUM_UNITS).clamp(0, NUM_UNITS - 1)
            units.append(levels.long().numpy())
        return units

    def describe(self):
        return {"name": "frame-energy", "num_units": NUM_UNITS, "frame": FRAME}


def bigram_model(vocab, config=TINY_LLAMA):
    """A tiny model whose next-token logits depend only on the token just read.

    One-hot embeddings (hidden size >= vocabulary size), blocks whose output
    projections are zero (the residual stream carries the embedding on), and
    an output layer left at zero for the caller to fill:
    ``lm.hf_model.lm_head.weight[next, current] = logit`` (the final norm
    scales the one-hot by sqrt(hidden size)).
    """
    torch.manual_seed(0)
    lm = UnitLM.from_config(config, num_units=vocab.num_units, vocab=vocab)
    model = lm.hf_model.model
    with torch.no_grad():
        model.embed_tokens.weight.zero_()
        model.embed_tokens.weight[:, : vocab.size] = torch.eye(vocab.size)
        for layer in model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        lm.hf_model.lm_head.weight.zero_()
    return lm


def write_unit_wav(path, units):
    """Writes a float WAV whose frames encode to ``units``."""
    levels = (np.asarray(units, dtype=np.float64) + 0.5) / NUM_UNITS
    soundfile.write(path, np.repeat(levels, FRAME).astype(np.float32), SAMPLE_RATE, subtype="FLOAT")


def read_units(wav_paths):
    """``units_of`` for the tests: reads each WAV and encodes it."""
    tokenizer = FrameEnergyTokenizer()
    units = []
    for path in wav_paths:
        samples, rate = soundfile.read(path, dtype="float32")
        assert rate == SAMPLE_RATE
        wav = torch.from_numpy(samples)[None]
        units.extend(tokenizer.encode(wav, torch.tensor([wav.shape[1]])))
    return units


def progression(start, length):
    """``start, start + 1, ...`` modulo K: the pattern the trained LM learns."""
    return (start + np.arange(length)) % NUM_UNITS


def progression_items(num_items, seed):
    """``(prompt, correct, wrong)`` triples: the correct ending continues the
    prompt's progression; the wrong one holds the same units shuffled."""
    rng = np.random.default_rng(seed)
    items = []
    for _ in range(num_items):
        start, prompt_length = rng.integers(NUM_UNITS), rng.integers(3, 9)
        prompt = progression(start, prompt_length)
        correct = progression(start + prompt_length, rng.integers(4, 8))
        wrong = correct.copy()
        while np.array_equal(wrong, correct):
            wrong = rng.permutation(correct)
        items.append((prompt, correct, wrong))
    return items


@pytest.fixture(scope="module", autouse=True)
def single_thread():
    """Tiny models run faster on one thread (no OpenMP hand-offs, no
    oversubscription on busy machines); the setting is restored after
    each module."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def random_lm():
    """An untrained tiny llama with large random weights (strong, arbitrary
    preferences)."""
    torch.manual_seed(0)
    lm = UnitLM.from_config({**TINY_LLAMA, "initializer_range": 0.5}, num_units=NUM_UNITS)
    return lm.eval()


@pytest.fixture(scope="session")
def progression_lm():
    """A tiny llama whose preferences are known: after unit u it predicts
    u + 1 (mod K) with probability ~0.94; after EOS, every token is equally
    likely.

    Built by hand rather than trained, so the test is fast and exact: the
    embeddings are one-hot, every layer's output projections are zero (the
    residual stream carries the embedding unchanged) and the output layer
    maps the one-hot of u to a large logit for u + 1.
    """
    torch.manual_seed(0)
    lm = UnitLM.from_config(TINY_LLAMA, num_units=NUM_UNITS)
    model = lm.hf_model.model
    with torch.no_grad():
        model.embed_tokens.weight.zero_()
        model.embed_tokens.weight[:, : lm.vocab.size] = torch.eye(lm.vocab.size)
        for layer in model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        head = lm.hf_model.lm_head.weight
        head.zero_()
        for unit in range(NUM_UNITS):
            head[(unit + 1) % NUM_UNITS, unit] = 1.0
    return lm.eval()


@pytest.fixture(scope="session")
def model_folders(tmp_path_factory, progression_lm, random_lm):
    """Both models saved as UnitLM folders."""
    root = tmp_path_factory.mktemp("models")
    folders = {"progression": root / "progression", "untrained": root / "untrained"}
    progression_lm.save(folders["progression"])
    random_lm.save(folders["untrained"])
    return folders
