"""One trainer per run folder: a second one is refused by name, a dead one's lock is taken over."""

import os
import subprocess
import sys

import pytest

from core.data.demo_set import load_demo_set
from core.paths import sample_demos_dir
from core.train.runs.run_lock import RunLock, RunLockedError
from core.train.settings.config import default_config
from core.train.trainer import Trainer

CARTPOLE = "CartPole-v1"
SMALL = {"total_steps": 256, "num_envs": 2, "num_steps": 64, "rollout_process": False}

HOLD_LOCK = """
import sys, time
from core.train.runs.run_lock import RunLock
lock = RunLock.acquire(sys.argv[1])
print("locked", flush=True)
time.sleep(60)
"""


def holder(run_dir):
    """Another process that takes the lock and keeps it until killed."""
    process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(run_dir)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_lock_names_the_holder_and_a_released_one_is_free(tmp_path):
    first = RunLock.acquire(tmp_path / "run")
    with pytest.raises(
        RunLockedError, match=rf"run: another trainer is using this run folder \(process {os.getpid()} on"
    ):
        RunLock.acquire(tmp_path / "run")
    first.release()
    assert not first.held
    RunLock.acquire(tmp_path / "run").release()


def test_a_trainer_refuses_a_folder_another_process_trains_in_and_writes_nothing(tmp_path):
    run_dir = tmp_path / "run"
    process = holder(run_dir)
    try:
        with pytest.raises(RunLockedError, match=f"process {process.pid} on"):
            Trainer(default_config(CARTPOLE, **SMALL), load_demo_set(sample_demos_dir(CARTPOLE)), run_dir=run_dir)
        assert not (run_dir / "config.json").exists()
    finally:
        process.kill()
        process.wait()
    # The OS dropped the dead process's lock: the folder is usable at once.
    trainer = Trainer(default_config(CARTPOLE, **SMALL), load_demo_set(sample_demos_dir(CARTPOLE)), run_dir=run_dir)
    events = list(trainer.run())
    assert events and not trainer.run_lock.held  # released when the run ended


def test_a_long_iteration_is_checkpointed_by_time_as_well(tmp_path):
    from core.train.events import CheckpointSaved
    from core.train.runs.checkpoint import CheckpointSchedule

    clock = [0.0]
    schedule = CheckpointSchedule(every_iters=20, every_s=60.0, clock=lambda: clock[0])
    assert not schedule.due(1)
    clock[0] = 61.0
    assert schedule.due(2)
    schedule.saved()
    assert not schedule.due(3) and schedule.due(20)
    assert not CheckpointSchedule(20, 0.0, clock=lambda: clock[0] + 1e6).due(1)  # 0: by iterations only
    # In a run: with (almost) 0 seconds between checkpoints every iteration saves, not every 20th.
    config = default_config(CARTPOLE, **SMALL, checkpoint_every_s=1e-9)
    trainer = Trainer(config, load_demo_set(sample_demos_dir(CARTPOLE)), run_dir=tmp_path / "run")
    saved = [event for event in trainer.run() if isinstance(event, CheckpointSaved)]
    assert len(saved) >= trainer.iteration


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,  # was a RecursionError traceback instead of the refusal
        '{"pid": ' + "7" * 5000 + ', "host": "h", "started": "s"}',
        '{"pid": "x", "host": "h", "started": "s"}',
        '{"pid": 1, "host": ["h"], "started": "s"}',
        '{"pid": 1, "host": "h", "started": "' + "s" * 10_000 + '"}',  # past what a holder writes: not read
        "\x00\xff",
    ],
)
def test_a_held_lock_whose_file_says_nonsense_is_still_one_refusal(tmp_path, content):
    from core.folder_lock import FolderLock, FolderLockedError

    first = FolderLock.acquire(tmp_path / "folder")
    (tmp_path / "folder" / ".lock").write_text(content)  # the lock is the OS's, on the file, not its text
    with pytest.raises(FolderLockedError, match=r"folder: .* \(a process that has not said who it is yet\)") as error:
        FolderLock.acquire(tmp_path / "folder")
    assert "\n" not in str(error.value)
    first.release()
    FolderLock.acquire(tmp_path / "folder").release()
