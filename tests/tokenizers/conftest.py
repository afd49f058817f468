"""Fixtures of the tokeniser tests: real (espeak-ng) speech, tiny Mimi models."""

import subprocess

import pytest
import torch

# English and French sentences of different lengths; "long" lasts 11.2 s, more
# than the 10 s of Mimi's attention window, so it checks the windowed attention.
SENTENCES = {
    "en_short": ("en-us", "The cat sat on the mat."),
    "en_mid": ("en-us+f3", "Once upon a time, a little fox found a red ball in the garden."),
    "fr_mid": ("fr+m3", "Il était une fois un petit renard qui aimait jouer dans le jardin."),
    "fr_short": ("fr", "Bonjour les enfants."),
    "long": (
        "en-us",
        "Once upon a time, there was a little fox named Max. He lived in a big "
        "forest with his mother and his two sisters. Every morning, Max ran to "
        "the river to drink water and to look at the fish.",
    ),
}

# A Mimi small enough for CPU tests (same architecture as kyutai/mimi).
TINY_MIMI = dict(
    hidden_size=64,
    num_hidden_layers=1,
    num_attention_heads=2,
    num_key_value_heads=2,
    intermediate_size=128,
    num_filters=8,
    num_quantizers=8,
    codebook_dim=32,
    vector_quantization_hidden_dimension=32,
    upsample_groups=64,
    # Full-strength residual branches, so that the transformers matter.
    layer_scale_initial_scale=1.0,
)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than ~30 s (full-size models)")


def espeak(text, voice, path):
    """Writes ``text`` spoken by espeak-ng (22,050 Hz mono WAV) to ``path``."""
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
    return path


@pytest.fixture(scope="session")
def speech(tmp_path_factory):
    """Name -> path of real speech WAV files (22,050 Hz, see SENTENCES)."""
    folder = tmp_path_factory.mktemp("speech")
    return {
        name: espeak(text, voice, folder / f"{name}.wav")
        for name, (voice, text) in SENTENCES.items()
    }


def randomise_codebooks(model, seed=0):
    """Random codebooks (a fresh Mimi's are all zero, giving only unit 0)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if hasattr(module, "embed_sum"):
                module.embed_sum.copy_(torch.randn(module.embed_sum.shape, generator=generator))
                module._embed = None
    return model


def save_random_mimi(folder, seed=0, **config):
    """Saves a random transformers Mimi (codebooks randomised) to ``folder``."""
    from transformers import MimiConfig, MimiModel

    torch.manual_seed(seed)
    model = randomise_codebooks(MimiModel(MimiConfig(**config)), seed)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def make_mimi():
    """Factory ``(folder, seed=0, full_size=False) -> folder`` of random Mimis."""

    def make(folder, seed=0, full_size=False):
        return save_random_mimi(folder, seed, **({} if full_size else TINY_MIMI))

    return make


@pytest.fixture(scope="session")
def tiny_mimi(tmp_path_factory, make_mimi):
    """Folder of a tiny random Mimi in transformers format."""
    return make_mimi(tmp_path_factory.mktemp("tiny_mimi"))
