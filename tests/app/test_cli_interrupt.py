"""Ctrl-C and SIGTERM during `train`: the run stops, saves a checkpoint, exits 130, and resumes.

The command runs in a session of its own and the signal goes to its whole process group, as a
terminal's Ctrl-C does (a background job of a non-interactive shell would ignore SIGINT).
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from core.train.runs.run_dir import RunDir


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_saves_and_the_run_resumes(tmp_path, signal_number):
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "app.cli", "train", "--env", "CartPole-v1", "--steps", "100000000"]
    command += ["--out", str(run_dir), "--set", "num_envs=2", "--set", "rollout_process=true"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        metrics = run_dir / "metrics.jsonl"
        wait_for(lambda: metrics.is_file() and metrics.read_text().count("\n") >= 3, 60, "three iterations")
        os.killpg(process.pid, signal_number)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    name = signal.Signals(signal_number).name
    assert process.returncode == 130, err
    assert f"interrupted ({name}) after" in err and f"train --resume {run_dir}" in err
    assert "Traceback" not in err
    steps = RunDir(run_dir).checkpoint().state["env_steps"]
    assert steps > 0 and len(RunDir(run_dir).metrics()) == RunDir(run_dir).checkpoint().state["iteration"]
    resumed = subprocess.run(
        [sys.executable, "-m", "app.cli", "train", "--resume", str(run_dir), "--steps", str(steps + 512)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "finished after" in resumed.stdout


def test_a_run_killed_before_its_first_checkpoint_starts_over_on_resume(tmp_path, capsys):
    from app.cli.main import main
    from core.data.demo_set import load_demo_set
    from core.paths import sample_demos_dir
    from core.train.runs.timeline import save_snapshot, snapshot_steps
    from core.train.settings.config import default_config
    from core.train.trainer import Trainer

    run_dir = tmp_path / "run"
    config = default_config("CartPole-v1", total_steps=512, num_envs=2, num_steps=64, rollout_process=False)
    trainer = Trainer(config, load_demo_set(sample_demos_dir("CartPole-v1")), run_dir=run_dir)
    trainer.run_folder.append_metrics({"iteration": 1, "env_steps": 128, "wall_time_s": 0.1})  # then killed
    save_snapshot(run_dir, 99_999, trainer.policy)  # a policy of the lost attempt, on the timeline
    trainer.run_lock.release()
    assert not (run_dir / "checkpoints").exists()
    assert main(["train", "--resume", str(run_dir)]) == 0
    assert "no checkpoint yet (stopped before its first), so it starts over" in capsys.readouterr().err
    assert 99_999 not in snapshot_steps(run_dir) and max(snapshot_steps(run_dir)) <= 512
    iterations = [record["iteration"] for record in RunDir(run_dir).metrics()]
    assert iterations == list(range(1, 5))  # from the start, the dead run's line not kept twice


@pytest.mark.parametrize("existing", [b"a good video, kept", None])
def test_an_interrupted_video_leaves_the_old_file_and_no_partial_one(tmp_path, existing):
    from core.paths import sample_demos_dir

    target = tmp_path / "x.mp4"
    if existing is not None:
        target.write_bytes(existing)
    command = [sys.executable, "-m", "app.cli", "video", "--demos", str(sample_demos_dir("LunarLander-v3"))]
    process = subprocess.Popen(
        [*command, "--out", str(target)],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # As from a terminal: a run of the tests from a background job (CI started with `&`) passes
        # on an ignored SIGINT, and a Python started so never raises KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:

        def writing() -> bool:  # frames going out: into a temporary name (or, before, into the target)
            partial = [path for path in tmp_path.glob(".x.*.mp4") if path.stat().st_size > 0]
            return bool(partial) or (target.exists() and target.read_bytes() != (existing or b""))

        wait_for(writing, 60, "the video being written")
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130 and "Traceback" not in err, err
    if existing is None:
        assert not target.exists()
    else:
        assert target.read_bytes() == existing
    assert [path.name for path in tmp_path.iterdir()] == ([target.name] if existing else [])


def test_a_killed_video_leaves_its_temporary_and_the_next_export_removes_it(tmp_path):
    """SIGKILL cannot be caught: the hidden temporary stays, the target is untouched, and the next
    export of the same file (here a short one) removes it, as a demo folder's loading does its own."""
    from core.paths import sample_demos_dir
    from tests.recordings import record_keyboard_player_episodes

    target = tmp_path / "x.mp4"
    target.write_bytes(b"a good video, kept")
    command = [sys.executable, "-m", "app.cli", "video", "--demos", str(sample_demos_dir("LunarLander-v3"))]
    process = subprocess.Popen([*command, "--out", str(target)], stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: any(p.stat().st_size > 0 for p in tmp_path.glob(".x.*.tmp.mp4")), 60, "frames going out")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
    (left,) = tmp_path.glob(".x.*.tmp.mp4")
    assert target.read_bytes() == b"a good video, kept"
    short = tmp_path / "short"
    record_keyboard_player_episodes(short, "CartPole-v1", skill=0.0, seeds=[0])  # falls within a second
    again = subprocess.run([*command[:-1], str(short), "--out", str(target)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert not left.exists() and sorted(path.name for path in tmp_path.iterdir()) == ["short", "x.mp4"]
    assert target.read_bytes() != b"a good video, kept"
