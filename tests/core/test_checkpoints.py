"""Crash-proof checkpoints, RNG state without code execution, no pickles read."""

import logging
import os
import pickle
import re
from pathlib import Path

import pytest
import torch
from speechbrain.utils.checkpoints import Checkpointer

from speechbrain_xling.atomic import remove_stale_temporaries
from speechbrain_xling.checkpoints import AtomicCheckpointer, TorchRandomState
from speechbrain_xling.data.unit_store import UnitStoreWriter

REPO = Path(__file__).parents[2]


def dying_save(obj, path):
    """A save hook that dies half-way, as a killed job would."""
    Path(path).write_text("half")
    raise KeyboardInterrupt


def never_load(obj, path, end_of_epoch):
    raise AssertionError(f"{path} of an incomplete checkpoint was loaded")


def test_interrupted_save_leaves_no_visible_checkpoint(tmp_path, caplog):
    checkpointer = AtomicCheckpointer(tmp_path, {"layer": torch.nn.Linear(3, 3)})
    first = checkpointer.save_checkpoint(meta={"step": 1})
    checkpointer.add_recoverable(
        "failing", object(), custom_save_hook=dying_save, custom_load_hook=never_load
    )
    with pytest.raises(KeyboardInterrupt):
        checkpointer.save_checkpoint(meta={"step": 2})
    # The interrupted save is hidden, so the newest visible checkpoint is the first.
    visible = [p.name for p in tmp_path.iterdir() if p.name.startswith("CKPT")]
    assert visible == [first.path.name]
    assert any(p.name.startswith(".partial-CKPT") for p in tmp_path.iterdir())
    # A new run: the partial folder goes, with a warning naming it.
    rerun = AtomicCheckpointer(tmp_path, {"layer": torch.nn.Linear(3, 3)})
    with caplog.at_level(logging.WARNING):
        recovered = rerun.recover_if_possible()
    assert recovered.meta["step"] == 1
    assert "a checkpoint save was interrupted" in caplog.text
    assert not any(p.name.startswith(".partial") for p in tmp_path.iterdir())


def test_folder_of_a_killed_plain_checkpointer_is_skipped(tmp_path, caplog):
    """SpeechBrain's own Checkpointer writes CKPT.yaml first: a kill leaves it alone."""
    layer = torch.nn.Linear(3, 3)
    AtomicCheckpointer(tmp_path, {"layer": layer}).save_checkpoint(meta={"step": 1})
    plain = Checkpointer(tmp_path, {"layer": layer})
    broken = plain.save_checkpoint(meta={"step": 2})
    (broken.path / "layer.ckpt").unlink()
    with pytest.raises(KeyError):  # the plain Checkpointer dies on it
        Checkpointer(tmp_path, {"layer": layer}).recover_if_possible()
    with caplog.at_level(logging.WARNING):
        recovered = AtomicCheckpointer(tmp_path, {"layer": layer}).recover_if_possible()
    assert recovered.meta["step"] == 1
    assert f"skipping the incomplete checkpoint {broken.path}" in caplog.text


def test_checkpoints_kept_and_deleted_as_usual(tmp_path):
    checkpointer = AtomicCheckpointer(tmp_path, {"layer": torch.nn.Linear(3, 3)})
    for step in range(4):
        checkpointer.save_and_keep_only(meta={"step": step}, num_to_keep=2)
    steps = sorted(c.meta["step"] for c in checkpointer.list_checkpoints())
    assert steps == [2, 3]
    named = checkpointer.save_checkpoint(meta={"step": 9}, name="final")
    again = checkpointer.save_checkpoint(meta={"step": 10}, name="final")
    assert named.path == again.path and (again.path / "layer.ckpt").is_file()
    assert checkpointer.find_checkpoint(max_key="step").meta["step"] == 10


class Payload:
    """Unpickling this runs code: it writes a marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "code ran"))


def test_crafted_rng_file_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    rng = TorchRandomState()
    checkpointer = AtomicCheckpointer(tmp_path / "save", {"torch_rng": rng})
    saved = checkpointer.save_checkpoint()
    crafted = saved.path / "torch_rng.ckpt"
    # A valid state next to the payload: with weights_only=False this loads silently.
    torch.save({"cpu": torch.get_rng_state(), "x": Payload(marker)}, crafted)
    with pytest.raises(ValueError, match=re.escape(f"{crafted} is not a saved torch RNG state")):
        checkpointer.recover_if_possible()
    assert not marker.exists()
    with open(crafted, "wb") as handle:
        pickle.dump(Payload(marker), handle)
    with pytest.raises(ValueError, match="is not a saved torch RNG state"):
        rng._recover(crafted)
    assert not marker.exists()


def test_no_pickle_is_read_anywhere():
    """Every file read back is loaded without executing code."""
    pattern = re.compile(r"weights_only\s*=\s*False|pickle\.loads?\(|allow_pickle\s*=\s*True")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for folder in ("speechbrain_xling", "recipes")
        for path in sorted((REPO / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_stale_temporaries_of_killed_writers_are_removed(tmp_path):
    dead_pid = 2**22 + 1  # above Linux's pid_max
    host = re.sub(r"[^A-Za-z0-9_.]", "_", os.uname().nodename)
    stale = tmp_path / f".tmp-{dead_pid}@{host}-1-part_00000.units.npy"
    live = tmp_path / f".tmp-{os.getpid()}@{host}-1-part_00001.units.npy"
    other_host = tmp_path / f".tmp-{dead_pid}@elsewhere-1-part_00002.units.npy"
    for path in (stale, live, other_host):
        path.write_bytes(b"half")
    writer = UnitStoreWriter(tmp_path, num_units=8, frame_rate=12.5, tokenizer={"name": "toy"})
    with writer.part(0) as part:
        part.add("s_en_0", [1, 2], story_id="s", sent_idx=0, lang="en")
    writer.finalize()
    assert not stale.exists()
    assert live.exists() and other_host.exists()
    assert remove_stale_temporaries(tmp_path) == []


def test_no_checkpoint_file_of_a_stage_runs_code(tmp_path):
    """A payload planted in any file of a stage's checkpoint runs nothing."""
    from speechbrain.nnet.schedulers import LinearWarmupScheduler
    from speechbrain.utils.epoch_loop import EpochCounter

    from speechbrain_xling.brain import TokenTally

    layer = torch.nn.Linear(3, 3)
    recoverables = {
        "lm": layer,
        "optimizer": torch.optim.AdamW(layer.parameters()),
        "lr_annealing": LinearWarmupScheduler(1e-3, 2, 10),
        "counter": EpochCounter(1),
        "torch_rng": TorchRandomState(),
        "token_tally": TokenTally(["en", "eos"]),
    }
    saved = AtomicCheckpointer(tmp_path / "save", recoverables).save_checkpoint()
    marker = tmp_path / "pwned"
    for name in recoverables:
        checkpointer = AtomicCheckpointer(tmp_path / "save", recoverables)
        path = saved.path / f"{name}.ckpt"
        original = path.read_bytes()
        torch.save({"payload": Payload(marker)}, path)
        with pytest.raises((pickle.UnpicklingError, ValueError)):  # refused
            checkpointer.recover_if_possible()
        assert not marker.exists(), name
        path.write_bytes(original)
