"""A run folder another process trains in: the command line and the window each say so in one line."""

import signal

from app.cli.main import main
from tests.core.test_run_lock import CARTPOLE, holder


def test_train_resume_on_a_run_in_use_is_a_one_line_error(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert main(["train", "--env", CARTPOLE, "--steps", "256", "--out", str(run_dir), "--set", "num_envs=2"]) == 0
    capsys.readouterr()  # the first run's progress bar
    process = holder(run_dir)
    try:
        status = main(["train", "--resume", str(run_dir), "--steps", "512"])
        err = capsys.readouterr().err
        assert status == 2 and f"another trainer is using this run folder (process {process.pid}" in err
        assert "Traceback" not in err and err.count("\n") == 1
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def test_the_train_view_shows_a_dialog_for_a_run_in_use_and_stays_usable(qtbot, workspace, dialogs):
    from app.gui.train.train_view import TrainView
    from core.train.events import Failed

    run_dir = workspace.runs_dir / "20260101-000000-cartpole"
    assert main(["train", "--env", CARTPOLE, "--steps", "256", "--out", str(run_dir), "--set", "num_envs=2"]) == 0
    view = TrainView(workspace, dialogs)
    qtbot.addWidget(view)
    process = holder(run_dir)
    try:
        view.settings_panel.set_value("total_steps", 512)
        view.select_run(run_dir)
        view.resume_selected_run()
        qtbot.waitUntil(lambda: isinstance(view.last_event, Failed), timeout=60_000)
        assert any(f"process {process.pid}" in text for _, text, _ in dialogs.errors)
        qtbot.waitUntil(view.start_button.isEnabled, timeout=10_000)  # the view is usable again
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        view.shutdown()


def test_a_corrupt_checkpoint_is_a_dialog_in_the_train_view_and_a_line_in_the_watch_view(qtbot, workspace, dialogs):
    from app.gui.train.train_view import TrainView
    from app.gui.watch.watch_view import WatchView

    run_dir = workspace.runs_dir / "20260101-000000-cartpole"
    assert main(["train", "--env", CARTPOLE, "--steps", "256", "--out", str(run_dir), "--set", "num_envs=2"]) == 0
    tensors = run_dir / "checkpoints" / "latest.safetensors"
    data = bytearray(tensors.read_bytes())
    data[-3] ^= 0x40
    tensors.write_bytes(bytes(data))
    view = TrainView(workspace, dialogs)
    qtbot.addWidget(view)
    view.settings_panel.set_value("total_steps", 512)
    view.select_run(run_dir)
    view.resume_selected_run()
    assert dialogs.errors and "corrupt (its sha256 differs" in dialogs.errors[-1][1]
    assert view.start_button.isEnabled() and not view.is_training
    watch = WatchView(workspace)
    qtbot.addWidget(watch)
    watch.watch_run(run_dir)
    assert "Cannot watch 20260101-000000-cartpole" in watch._info.text() and "corrupt" in watch._info.text()
    view.shutdown()
    watch.shutdown()


def test_two_trains_into_one_folder_at_once_leave_one_whole_run(tmp_path):
    import subprocess
    import sys

    from core.train.runs.run_dir import RunDir

    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "app.cli", "train", "--env", CARTPOLE, "--steps", "2048", "--out", str(run_dir)]
    command += ["--set", "num_envs=2", "--set", "rollout_process=false"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(process.wait(timeout=120), process.stderr.read()) for process in processes]
    assert sorted(status for status, _ in results) == [0, 2]
    refused = next(err for status, err in results if status == 2)
    assert "another trainer is using this run folder" in refused or "already exists and is not empty" in refused
    iterations = [record["iteration"] for record in RunDir(run_dir).metrics()]
    assert iterations == list(range(1, len(iterations) + 1)) and RunDir(run_dir).final_eval() is not None
