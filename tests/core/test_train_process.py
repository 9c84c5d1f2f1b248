"""Training in a child process: the same events as in-process, control across the pipe, failures."""

import contextlib
import os
import queue
import signal
import threading
import time

from core.paths import sample_demos_dir
from core.train.events import Failed, Finished, IterationStats, PolicySnapshot, TrainControl
from core.train.settings.config import default_config
from core.train.train_process import TrainProcess

CARTPOLE = "CartPole-v1"
SMALL = {"num_envs": 2, "num_steps": 64, "num_minibatches": 2, "eval_every_iters": 0}


def test_events_come_back_and_the_run_folder_is_written(tmp_path):
    config = default_config(CARTPOLE, total_steps=3 * 128, **SMALL)
    run = TrainProcess(config, sample_demos_dir(CARTPOLE), tmp_path / "run")
    events = list(run.run())
    assert [type(e) for e in events if isinstance(e, IterationStats)] == [IterationStats] * 3
    assert any(isinstance(e, PolicySnapshot) and e.policy_state for e in events)
    assert isinstance(events[-1], Finished) and events[-1].env_steps == 384
    assert (tmp_path / "run" / "checkpoints" / "latest.safetensors").is_file()


def test_pause_and_stop_cross_the_pipe(tmp_path):
    config = default_config(CARTPOLE, total_steps=10_000_000, **SMALL)
    control = TrainControl()
    run = TrainProcess(config, sample_demos_dir(CARTPOLE), tmp_path / "run")
    events: queue.Queue = queue.Queue()
    thread = threading.Thread(target=lambda: [events.put(event) for event in run.run(control)])
    thread.start()

    def next_stats(timeout: float) -> IterationStats:
        while True:
            event = events.get(timeout=timeout)
            if isinstance(event, IterationStats):
                return event

    next_stats(60)
    control.pause()
    # Iterations already under way or in the pipe still arrive; then nothing, for 2 s at least.
    drained = 0
    with contextlib.suppress(queue.Empty):
        while True:
            next_stats(2.0)
            drained += 1
            assert drained < 20, "it kept training while paused"
    control.resume()
    resumed = next_stats(60)  # it goes on after the pause
    stopped_at = time.monotonic()
    control.stop()
    thread.join(timeout=30)
    rest = [events.get_nowait() for _ in range(events.qsize())]
    assert time.monotonic() - stopped_at < 5.0  # catches a hang; Stop is quick (one iteration)
    assert isinstance(rest[-1], Finished) and rest[-1].stopped_early
    assert rest[-1].env_steps >= resumed.env_steps


def test_a_failure_in_the_child_becomes_failed(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    config = default_config(CARTPOLE, total_steps=1024, **SMALL)
    events = list(TrainProcess(config, empty, None).run())
    assert len(events) == 1 and isinstance(events[0], Failed)
    assert "no episode files" in events[0].message and "Traceback" in events[0].traceback


def test_a_killed_child_becomes_failed_and_names_the_exit(tmp_path):
    config = default_config(CARTPOLE, total_steps=10_000_000, **SMALL)
    run = TrainProcess(config, sample_demos_dir(CARTPOLE), tmp_path / "run")
    events = run.run()
    for event in events:
        if isinstance(event, IterationStats):
            os.kill(run.pid, signal.SIGKILL)
            break
    rest = list(events)
    assert isinstance(rest[-1], Failed) and "ended unexpectedly" in rest[-1].message
    assert rest[-1].checkpoint is None or rest[-1].checkpoint.is_file()
