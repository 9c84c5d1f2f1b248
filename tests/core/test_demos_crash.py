"""A recording process killed with SIGKILL loses nothing it kept and leaves nothing half-written."""

import os
import signal
import subprocess
import sys
import time

import pytest

from core.data.demo_set import episode_files, load_demo_set
from core.data.replay import verify_replay
from core.folder_lock import LOCK_FILE, FolderLock


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_mid_recording_leaves_every_kept_episode_intact(tmp_path):
    folder = tmp_path / "demos"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli.main",
            "record-expert",
            "--env",
            "CartPole-v1",
            "--episodes",
            "100000",
            "--out",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not folder.exists() or len(episode_files(folder)) < 5):
            time.sleep(0.02)
        assert process.poll() is None, process.stderr.read().decode()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL

    demo_set = load_demo_set(folder)
    assert not demo_set.invalid, demo_set.invalid
    assert len(demo_set.episodes) >= 5
    assert all(episode.length == 500 for episode in demo_set.episodes)
    assert verify_replay(demo_set.episodes[-1]).ok
    # At most one temporary file, from the write the kill interrupted; it never has the .npz name.
    # The folder's lock file stays, hidden; the OS dropped the lock with the killed process.
    leftovers = [p for p in folder.iterdir() if p.name.startswith(".") and p.name != LOCK_FILE]
    assert len(leftovers) <= 1 and all(p.suffix == ".tmp" for p in leftovers)
    FolderLock.acquire(folder).release()  # the next recording takes the folder
