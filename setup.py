"""speechbrain-xling: cross-lingual textless spoken language models for SpeechBrain."""

from pathlib import Path

from setuptools import find_packages, setup

# One consistent stack (see README, "Installation"): moshi 0.2.13 needs
# torch<2.10 and huggingface_hub<1.0, which rules out transformers 5;
# SpeechBrain imports torchaudio at start-up, whose build must match torch.
INSTALL_REQUIRES = [
    "torch==2.9.1",
    "torchaudio==2.9.1",
    "speechbrain==1.1.2",
    "hyperpyyaml>=1.2.2",
    "transformers>=4.46,<5",
    "huggingface_hub<1.0",
    "moshi==0.2.13",
    "sentencepiece",
    "numpy>=1.26,<2.3",
    "soundfile",
    "tqdm",
    "matplotlib",
    "pyyaml",
]

RECIPE = "speechbrain_xling.recipe"

setup(
    name="speechbrain-xling",
    version="0.1.0",
    description=(
        "SpeechBrain plugin for training textless spoken language models "
        "across languages with cross-lingual interleaving"
    ),
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    # The recipe folder ships inside the package as ``speechbrain_xling/recipe``
    # (train.py and the hparams), so an installed wheel runs the demo.
    packages=[*find_packages(include=["speechbrain_xling", "speechbrain_xling.*"]), RECIPE],
    package_dir={RECIPE: "recipes/sTinyStories/SLM"},
    package_data={RECIPE: ["*.py", "*.md", "hparams/*.yaml"]},
    install_requires=INSTALL_REQUIRES,
    # setuptools and wheel: the test that builds the wheel does it offline.
    extras_require={"dev": ["pytest>=8", "ruff>=0.6", "setuptools>=70", "wheel"]},
    classifiers=[
        "License :: OSI Approved :: Apache Software License",
        "Programming Language :: Python :: 3",
        "Topic :: Multimedia :: Sound/Audio :: Speech",
    ],
)
