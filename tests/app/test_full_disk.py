"""A full disk: one line naming the file, exit 3, and nothing left half-written or empty."""

import errno
import os

import pytest

from app.cli.main import main
from core import fileio


@pytest.fixture
def full_disk(monkeypatch):
    """Every fsync fails as on a full disk (atomic writes fsync before they rename)."""

    def no_space(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fill():
        monkeypatch.setattr(fileio.os, "fsync", no_space)

    return fill


def test_record_expert_on_a_full_disk(tmp_path, capsys, full_disk):
    full_disk()
    out = tmp_path / "demos"
    assert main(["record-expert", "--env", "CartPole-v1", "--episodes", "1", "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert f"error: {out}/" in err and "No space left on device" in err and err.count("\n") == 1
    assert not out.exists() or not any(out.iterdir())  # no episode, no temporary file


def test_train_on_a_full_disk_leaves_no_empty_run_folder(tmp_path, capsys, full_disk):
    full_disk()
    run = tmp_path / "run"
    assert main(["train", "--env", "CartPole-v1", "--steps", "128", "--out", str(run)]) == 3
    assert "No space left on device" in capsys.readouterr().err
    assert not run.exists()


def test_resume_on_a_full_disk_keeps_the_run_as_it_was(tmp_path, capsys, full_disk):
    run = tmp_path / "run"
    assert main(["train", "--env", "CartPole-v1", "--steps", "128", "--out", str(run), "--set", "num_envs=2"]) == 0

    def kept():  # every file of the run but the lock, which says who holds the run now
        return {p: p.read_bytes() for p in run.rglob("*") if p.is_file() and p.name != ".lock"}

    before = kept()
    capsys.readouterr()
    full_disk()
    assert main(["train", "--resume", str(run), "--steps", "512"]) == 3
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert kept() == before


def test_the_train_view_on_a_full_disk_shows_a_dialog_and_stays_usable(qtbot, workspace, dialogs, full_disk):
    from app.gui.train.train_view import TrainView
    from core.paths import sample_demos_dir

    view = TrainView(workspace, dialogs, in_process=True)
    qtbot.addWidget(view)
    view.settings_panel.select_demos(sample_demos_dir("CartPole-v1"))
    full_disk()
    assert not view.start()
    assert dialogs.errors and "No space left on device" in dialogs.errors[-1][1]
    assert view.start_button.isEnabled() and not view.is_training
    view.shutdown()
