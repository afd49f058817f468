"""The recipe's train.py end to end: learning, exact resume, DDP, bad input."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from speechbrain_xling.data.unit_store import write_unit_store
from tests.conftest import aligned_rows

REPO = Path(__file__).parents[2]
RECIPE = REPO / "recipes" / "sTinyStories" / "SLM"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train_store")
    write_unit_store(folder, aligned_rows(60), num_units=64)
    return folder


DEFAULTS = {
    "num_units": 64,
    "init_from": "null",
    "context_length": 32,
    "batch_size": 4,
    "tokens_per_step": 256,
    "max_steps": 24,
    "lr": 0.005,
    "log_every_steps": 4,
    "checkpoint_every_steps": 4,
}


def train_command(
    hparams_file, store, text_lm, results, flags=(), launcher=(sys.executable,), **overrides
):
    """train.py with tiny settings; ``overrides`` replace DEFAULTS' hparams."""
    settings = {
        **DEFAULTS,
        "train_store": store,
        "text_lm_source": text_lm,
        "results_root": results,
        **overrides,
    }
    return [
        *launcher,
        "train.py",
        f"hparams/{hparams_file}",
        *(f"--{key}={value}" for key, value in settings.items()),
        "--noprogressbar",
        *flags,
    ]


def run(command, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, cwd=RECIPE, env=env, capture_output=True, text=True, **kwargs)


def failure(result):
    """The error lines of a failed run (torchrun hides them far above its summary)."""
    lines = result.stderr.splitlines()
    errors = [line for line in lines if "Error" in line]
    return "\n".join(errors[-10:] + lines[-20:])


def step_losses(output_folder):
    """Loss per optimiser step (each step must be logged exactly once)."""
    records = [
        json.loads(line)
        for line in (Path(output_folder) / "step_log.jsonl").read_text().splitlines()
    ]
    steps = [record["step"] for record in records]
    assert len(steps) == len(set(steps)), f"steps logged twice: {steps}"
    return {record["step"]: record["loss"] for record in records}


@pytest.mark.parametrize("architecture", ["llama", "qwen2"])
def test_training_lowers_the_loss(store, tiny_text_lm, tmp_path, architecture):
    result = run(
        train_command("stage2_interleave.yaml", store, tiny_text_lm(architecture), tmp_path)
    )
    assert result.returncode == 0, failure(result)
    output = tmp_path / "stage2_interleave"
    losses = step_losses(output)
    assert sorted(losses) == list(range(1, 25))
    first, last = sum(losses[s] for s in range(1, 5)) / 4, sum(losses[s] for s in range(21, 25)) / 4
    assert last < first - 0.5, (first, last)
    summary = json.loads((output / "training_summary.json").read_text())
    measured = summary["measured_tokens"]
    assert sum(measured.values()) == 24 * 256  # grad accumulation 2 x 4 x 32
    assert measured["en"] > 0 and measured["fr"] > 0
    assert (output / "final_model" / "unit_vocab.json").exists()
    # Running the same command again skips the finished stage.
    again = run(
        train_command("stage2_interleave.yaml", store, tiny_text_lm(architecture), tmp_path)
    )
    assert again.returncode == 0 and "already holds a finished stage" in again.stderr + again.stdout


# A from-scratch Llama with attention dropout: resume is exact only if every
# dropout mask after the resume is the uninterrupted run's.
DROPOUT_MODEL = (
    "{model_type: llama, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, "
    "num_attention_heads: 4, num_key_value_heads: 2, attention_dropout: 0.1}"
)

# Runs train.py and kills it (SIGKILL) from inside the first torch.save of the
# optimizer state in the second checkpoint: the model and other files of that
# checkpoint are written, the rest is not.
KILL_DURING_SAVE = """
import os, runpy, signal, sys, torch
save, seen = torch.save, []
def killing_save(obj, path, *args, **kwargs):
    if str(path).endswith("optimizer.ckpt"):
        seen.append(path)
        if len(seen) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
    return save(obj, path, *args, **kwargs)
torch.save = killing_save
sys.argv = sys.argv[1:]
runpy.run_path("train.py", run_name="__main__")
"""


def kill_between_steps(command, step_log):
    """Starts ``command`` and kills it once 10 steps are logged."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(
        command,
        cwd=RECIPE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # one kill for torchrun and its ranks
    )
    deadline = time.time() + 300
    while time.time() < deadline and process.poll() is None:
        if step_log.exists() and len(step_log.read_text().splitlines()) >= 10:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def kill_during_checkpoint_save(command, step_log):
    del step_log  # the kill comes from inside the run
    killed = run([sys.executable, "-c", KILL_DURING_SAVE, *command[1:]])
    assert killed.returncode == -signal.SIGKILL, failure(killed)


@pytest.mark.parametrize("kill", [kill_between_steps, kill_during_checkpoint_save])
def test_killed_run_resumes_with_identical_losses(store, tmp_path, kill):
    settings = dict(model_config=DROPOUT_MODEL, checkpoint_every_steps=4)
    reference = run(
        train_command("stage2_interleave.yaml", store, "null", tmp_path / "ref", **settings)
    )
    assert reference.returncode == 0, failure(reference)
    expected = step_losses(tmp_path / "ref" / "stage2_interleave")

    command = train_command(
        "stage2_interleave.yaml", store, "null", tmp_path / "killed", **settings
    )
    output = tmp_path / "killed" / "stage2_interleave"
    kill(command, output / "step_log.jsonl")
    killed_at = len((output / "step_log.jsonl").read_text().splitlines())
    assert 8 <= killed_at < 24
    assert not (output / "final_model").exists()

    resumed = run(command)
    assert resumed.returncode == 0, failure(resumed)
    losses = step_losses(output)
    assert sorted(losses) == sorted(expected)
    for step, loss in expected.items():
        assert abs(losses[step] - loss) <= 1e-6, (step, losses[step], loss)
    assert not list((output / "save").glob(".partial-*"))


def test_dropout_is_active_in_the_resume_tests():
    """Guards the resume tests: the model they train does draw dropout masks."""
    from hyperpyyaml import load_hyperpyyaml

    from speechbrain_xling.model.unit_lm import build_unit_lm

    lm = build_unit_lm(
        64, model_config=load_hyperpyyaml(DROPOUT_MODEL), attn_implementation="eager"
    )
    tokens = torch.randint(0, 64, (2, 16))
    lm.train()
    assert not torch.equal(lm(tokens), lm(tokens))


def ddp_launcher():
    """torchrun with two CPU ranks; ``--standalone`` lets the rendezvous bind a
    port the OS picks, so parallel test runs cannot race for one (probing for
    a free port and passing it on could lose it to another run in between)."""
    return (sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2")


def test_ddp_on_cpu_with_two_ranks(store, tiny_text_lm, tmp_path):
    command = train_command(
        "stage3_bilingual_ft.yaml",
        store,
        tiny_text_lm("qwen2"),
        tmp_path,
        flags=["--distributed_backend=gloo"],
        max_steps=6,
        launcher=ddp_launcher(),
    )
    result = run(command)
    assert result.returncode == 0, failure(result)
    summary = json.loads((tmp_path / "stage3_bilingual_ft" / "training_summary.json").read_text())
    assert summary["world_size"] == 2
    # 256 tokens per step = 2 ranks x 4 windows x 32 units, no accumulation.
    assert sum(summary["measured_tokens"].values()) == 6 * 256
    assert len(step_losses(tmp_path / "stage3_bilingual_ft")) == 6


def test_killed_ddp_run_resumes_with_identical_losses(store, tmp_path):
    """Two ranks, dropout on, a checkpoint every 2 steps (each save and
    deletion is collective: the ranks must agree on the checkpoints)."""
    settings = dict(model_config=DROPOUT_MODEL, checkpoint_every_steps=2, batch_size=2)

    def command(folder):
        return train_command(
            "stage2_interleave.yaml",
            store,
            "null",
            tmp_path / folder,
            flags=["--distributed_backend=gloo"],
            launcher=ddp_launcher(),
            **settings,
        )

    reference = run(command("ref"), timeout=600)
    assert reference.returncode == 0, failure(reference)
    expected = step_losses(tmp_path / "ref" / "stage2_interleave")
    output = tmp_path / "killed" / "stage2_interleave"
    kill_between_steps(command("killed"), output / "step_log.jsonl")
    resumed = run(command("killed"), timeout=600)
    assert resumed.returncode == 0, failure(resumed)
    losses = step_losses(output)
    assert sorted(losses) == sorted(expected)
    for step, loss in expected.items():
        assert abs(losses[step] - loss) <= 1e-6, (step, losses[step], loss)


def test_debug_runs_a_few_steps_without_final_model(store, tiny_text_lm, tmp_path):
    result = run(
        train_command(
            "stage1_en_pretrain.yaml", store, tiny_text_lm("llama"), tmp_path, flags=["--debug"]
        )
    )
    assert result.returncode == 0, failure(result)
    assert not (tmp_path / "stage1_en_pretrain" / "final_model").exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"max_step": 3}, "Override 'max_step' not found"),
        ({"languages": "[en, de]"}, "['de'] not in the unit store"),
        ({"tokens_per_step": 300}, "not a multiple of world_size x batch_size"),
    ],
)
def test_bad_input_is_named(store, tiny_text_lm, tmp_path, overrides, message):
    command = train_command(
        "stage1_en_pretrain.yaml", store, tiny_text_lm("llama"), tmp_path, **overrides
    )
    result = run(command)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def shifted_sentence_rows():
    """Story s1's FR side lacks sentence 3 but has a sentence 5 (same count)."""
    rows = aligned_rows(20)
    for row in rows:
        if row["story_id"] == "s1" and row["lang"] == "fr" and row["sent_idx"] == 3:
            row["sent_idx"], row["utt_id"] = 5, "s1_fr_5"
    return rows


def test_store_with_misaligned_sentence_indices_is_refused(tiny_text_lm, tmp_path):
    store = tmp_path / "store"
    write_unit_store(store, shifted_sentence_rows(), num_units=64)
    result = run(train_command("stage2_interleave.yaml", store, tiny_text_lm("llama"), tmp_path))
    assert result.returncode != 0
    message = "story 's1' has different sentences: en lacks [5]; fr lacks [3]"
    assert message in result.stdout + result.stderr


def test_store_with_ids_above_its_header_k_is_named(tiny_text_lm, tmp_path):
    """A store whose header says K=16 but whose EN rows hold ids up to 31."""
    store = tmp_path / "store"
    write_unit_store(store, aligned_rows(20), num_units=64)
    header = json.loads((store / "header.json").read_text())
    header["num_units"] = 16
    (store / "header.json").write_text(json.dumps(header))
    result = run(
        train_command(
            "stage1_en_pretrain.yaml", store, tiny_text_lm("llama"), tmp_path, num_units=16
        )
    )
    assert result.returncode != 0
    assert re.search(
        rf"{re.escape(str(store))}: row \d+ \(utterance 's\d+_en_\d'\) holds unit id \d+, "
        r"but header.json says K=16",
        result.stdout + result.stderr,
    ), failure(result)
