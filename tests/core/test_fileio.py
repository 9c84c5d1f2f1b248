"""Writes whole or not at all, and the temporaries of killed writers cleaned up by the next one."""

import os
import subprocess
import sys

import pytest

from core.fileio import atomic_write_bytes, remove_stale_temporaries, written_whole


@pytest.fixture(scope="module")
def dead_pid():
    """The pid of a process that has ended (a writer killed mid-write)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_written_file_is_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "clip.mp4"
    with written_whole(target) as temporary:
        assert temporary.parent == tmp_path and temporary.name.startswith(".clip.") and temporary.suffix == ".mp4"
        temporary.write_bytes(b"frames")
    atomic_write_bytes(tmp_path / "latest.json", b"{}")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4", "latest.json"]


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "clip.gif"
    target.write_bytes(b"the old clip")
    with pytest.raises(KeyboardInterrupt), written_whole(target) as temporary:
        temporary.write_bytes(b"half a clip")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"the old clip" and [path.name for path in tmp_path.iterdir()] == ["clip.gif"]


def test_both_kinds_of_temporary_of_a_dead_writer_are_stale(tmp_path, dead_pid):
    token = "0123abcd"
    stale = [
        f".clip.{dead_pid}.{token}.tmp.mp4",
        f".latest.json.{dead_pid}.{token}.tmp",
        f".raw.{dead_pid}.{token}.tmp",
    ]
    live = [f".clip.{os.getpid()}.{token}.tmp.mp4", f".latest.json.{os.getpid()}.{token}.tmp"]
    not_ours = [".notes.tmp", f".clip.{dead_pid}.tmp.mp4", ".half-written.npz.123.tmp", "clip.mp4"]
    for name in stale + live + not_ours:
        (tmp_path / name).write_bytes(b"x")
    assert sorted(path.name for path in remove_stale_temporaries(tmp_path)) == sorted(stale)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(live + not_ours)


def test_the_next_write_of_a_file_removes_what_a_killed_writer_of_it_left(tmp_path, dead_pid):
    left = tmp_path / f".clip.{dead_pid}.0123abcd.tmp.mp4"  # `video --out clip.mp4`, SIGKILLed mid-write
    other = tmp_path / f".other.{dead_pid}.0123abcd.tmp.mp4"  # another file's: its own next write's
    left.write_bytes(b"half a clip")
    other.write_bytes(b"half another")
    with written_whole(tmp_path / "clip.mp4") as temporary:
        temporary.write_bytes(b"a clip")
    assert not left.exists() and other.exists()
    assert (tmp_path / "clip.mp4").read_bytes() == b"a clip"
    atomic_write_bytes(tmp_path / "other.mp4", b"another")  # any writer of other.mp4 cleans up after its own
    assert not other.exists()
