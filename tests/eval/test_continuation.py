"""Sampling continuations and writing them as units (+ audio)."""

import copy

import numpy as np
import pytest
import torch

from speechbrain_xling.data.vocab import SpeechTextVocabulary
from speechbrain_xling.eval.continuation import (
    generate_tokens,
    sample_continuation,
    write_continuation,
)
from tests.eval.conftest import (
    FRAME,
    NUM_UNITS,
    SAMPLE_RATE,
    FrameEnergyTokenizer,
    read_units,
)
from tests.eval.test_asr_tts import bigram_lm


class DecodingEnergyTokenizer(FrameEnergyTokenizer):
    """Decodes each unit back to a frame at its energy level."""

    def decode(self, units):
        levels = (torch.as_tensor(units, dtype=torch.float32) + 0.5) / NUM_UNITS
        return levels.repeat_interleave(FRAME)[None]


def test_greedy_follows_the_known_preference(progression_lm):
    units = sample_continuation(progression_lm, [3, 4, 5], max_new_units=12, temperature=0)
    assert units.tolist() == [(6 + i) % NUM_UNITS for i in range(12)]


def test_top_1_sampling_is_greedy(random_lm):
    greedy = sample_continuation(random_lm, [1, 2], max_new_units=10, temperature=0)
    top_1 = sample_continuation(random_lm, [1, 2], max_new_units=10, top_k=1, seed=3)
    assert top_1.tolist() == greedy.tolist()


def test_a_seed_fixes_the_sample(progression_lm):
    def sample(seed):  # temperature 3: the preferred unit has p ~ 0.28 only
        return sample_continuation(
            progression_lm, [1, 2], max_new_units=30, temperature=3.0, seed=seed
        ).tolist()

    first = sample(0)
    assert len(first) > 5
    assert sample(0) == first
    assert sample(1) != first


def test_sampling_stops_at_eos_and_never_emits_padding(progression_lm):
    lm = copy.deepcopy(progression_lm)
    with torch.no_grad():
        head = lm.hf_model.lm_head.weight
        head[lm.vocab.eos, 5] = 2.0  # after unit 5, EOS beats unit 6
        head[lm.vocab.pad] = 50.0  # padding would win everywhere if allowed
    units = sample_continuation(lm, [2, 3], max_new_units=20, temperature=0)
    assert units.tolist() == [4, 5]


def test_units_only_without_a_decoder(tmp_path):
    written = write_continuation(
        np.array([3, 1, 4]), tmp_path / "c" / "story", FrameEnergyTokenizer()
    )
    assert written == {"units": tmp_path / "c" / "story.units.txt", "wav": None}
    assert written["units"].read_text() == "3 1 4\n"
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["story.units.txt"]


def test_audio_is_written_when_the_tokenizer_decodes(tmp_path):
    written = write_continuation([3, 1, 4, 15], tmp_path / "story", DecodingEnergyTokenizer())
    assert written["wav"] == tmp_path / "story.wav"
    assert read_units([written["wav"]])[0].tolist() == [3, 1, 4, 15]
    import soundfile

    assert soundfile.info(written["wav"]).samplerate == SAMPLE_RATE


def test_bad_sampling_settings_are_rejected(random_lm):
    with pytest.raises(ValueError, match="temperature"):
        sample_continuation(random_lm, [1], temperature=-1)
    with pytest.raises(ValueError, match="top_k"):
        sample_continuation(random_lm, [1], top_k=0)
    with pytest.raises(ValueError, match="prompt: unit id 16"):
        sample_continuation(random_lm, [16])


def test_generate_tokens_continues_a_context_of_ids(progression_lm):
    eos = progression_lm.vocab.eos
    ids = generate_tokens(
        progression_lm, [eos, 3, 4, 5], range(0, NUM_UNITS), [eos], 12, temperature=0
    )
    assert ids.tolist() == [(6 + i) % NUM_UNITS for i in range(12)]
    # Unit 7, the preferred continuation of 6, is outside the allowed range.
    ids = generate_tokens(progression_lm, [eos, 5], range(0, 7), [eos], 2, temperature=0)
    assert ids[0] == 6 and 0 <= ids[1] < 7


def test_a_speech_text_model_continues_speech_with_units_only():
    vocab = SpeechTextVocabulary(num_text=6, num_units=8)
    u = vocab.unit_ids(range(8)).tolist()
    # Text ids and [TEXT] are preferred after every unit: only the mask keeps them out.
    lm = bigram_lm(
        vocab,
        {
            vocab.eos: {u[1]: 10.0},
            vocab.speech_marker: {u[3]: 10.0, 0: 20.0, vocab.text_marker: 15.0},
            u[3]: {u[5]: 10.0, 1: 20.0, vocab.text_marker: 15.0},
            u[5]: {u[7]: 10.0, 2: 20.0},
            u[7]: {vocab.eos: 10.0, 3: 20.0},
        },
    )
    # EOS [SPEECH] is read before the prompt: after [SPEECH] comes unit 3.
    assert sample_continuation(lm, [], temperature=0).tolist() == [3, 5, 7]
    assert sample_continuation(lm, [2, 5], temperature=0).tolist() == [7]
    for seed in range(3):
        units = sample_continuation(lm, [3], max_new_units=40, temperature=5.0, seed=seed)
        assert ((units >= 0) & (units < 8)).all()


def test_generate_tokens_rejects_bad_input(random_lm):
    eos, pad = random_lm.vocab.eos, random_lm.vocab.pad
    units = range(0, NUM_UNITS)
    with pytest.raises(ValueError, match="allowed must be a range of ids with step 1"):
        generate_tokens(random_lm, [eos], [1, 2])
    with pytest.raises(ValueError, match="allowed range\\(0, 19\\) must be a non-empty range"):
        generate_tokens(random_lm, [eos], range(0, 19))
    with pytest.raises(ValueError, match="non-empty range in \\[0, 18\\)"):
        generate_tokens(random_lm, [eos], range(3, 3))
    with pytest.raises(ValueError, match="context is empty"):
        generate_tokens(random_lm, [], units)
    with pytest.raises(ValueError, match="context holds the PAD id 17"):
        generate_tokens(random_lm, [eos, pad], units)
    with pytest.raises(ValueError, match="context: token id 18 is outside"):
        generate_tokens(random_lm, [eos, 18], units)
    with pytest.raises(ValueError, match="stop_ids: token id 20 is outside"):
        generate_tokens(random_lm, [eos], units, stop_ids=[20])
    with pytest.raises(ValueError, match="max_new_tokens must be an int >= 0"):
        generate_tokens(random_lm, [eos], units, max_new_tokens=-1)
    with pytest.raises(ValueError, match="max_new_units must be an int >= 0"):
        sample_continuation(random_lm, [1], max_new_units=2.5)
