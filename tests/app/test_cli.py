from pathlib import Path

import numpy as np
import pytest

from app.cli.main import main
from core.data.demo_set import episode_files
from core.data.episode_io import load_episode
from core.paths import sample_demos_dir


def run_cli(capsys, *args):
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_envs_lists_every_env_with_its_keys(capsys):
    status, out, _ = run_cli(capsys, "envs")
    assert status == 0
    for key in ("LunarLander-v3", "LunarLanderContinuous-v3", "CartPole-v1", "MountainCar-v0", "Acrobot-v1"):
        assert key in out
    assert "Up / W       main engine" in out
    assert "CarRacing-v3" in out and "pixels: the networks see 2 grey 48x48 frames" in out


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "record-expert" in out and "screenshot" in out and "train" in out


def test_no_command_opens_the_gui(monkeypatch):
    import app.gui.launch

    opened = []
    monkeypatch.delenv("IMITATION_STUDIO_WORKSPACE", raising=False)
    monkeypatch.setattr(app.gui.launch, "run_gui", lambda workspace: opened.append(workspace) or 0)
    assert main([]) == 0
    assert main(["--workspace", "/tmp/class"]) == 0
    monkeypatch.setenv("IMITATION_STUDIO_WORKSPACE", "/tmp/from-env")
    assert main([]) == 0
    assert opened == [None, Path("/tmp/class"), Path("/tmp/from-env")]


def test_the_window_says_in_one_line_why_it_cannot_open(monkeypatch, capsys):
    import app.gui.platform_check

    monkeypatch.setattr(app.gui.platform_check, "display_problem", lambda: "the Qt window cannot open: no X display")
    assert main([]) == 2
    assert capsys.readouterr().err == "error: the Qt window cannot open: no X display\n"


def test_record_expert_then_info_and_validate(tmp_path, capsys):
    folder = tmp_path / "cp"
    status, out, _ = run_cli(
        capsys, "record-expert", "--env", "CartPole-v1", "--episodes", "2", "--seed", "7", "--out", str(folder)
    )
    assert status == 0 and "episode 2/2 seed 8: return   500.00" in out
    assert len(episode_files(folder)) == 2
    status, out, _ = run_cli(capsys, "demos", "info", str(folder))
    assert status == 0
    assert "Episodes   2 (2 scripted), 1000 steps" in out and "mean 500.00" in out
    status, out, _ = run_cli(capsys, "demos", "validate", str(folder))
    assert status == 0 and "2 good, 0 bad file(s) checked and replayed" in out
    # Again into the same folder: the same seeds would write the same episodes twice.
    again = ("record-expert", "--env", "CartPole-v1", "--episodes", "2", "--seed", "8", "--out", str(folder))
    status, _, err = run_cli(capsys, *again)
    assert status == 2 and "from seeds it would use again" in err and "--seed 9" in err
    status, _, _ = run_cli(
        capsys, "record-expert", "--env", "CartPole-v1", "--episodes", "1", "--seed", "9", "--out", str(folder)
    )
    assert status == 0 and len(episode_files(folder)) == 3
    status, _, err = run_cli(capsys, "record-expert", "--env", "Acrobot-v1", "--episodes", "1", "--out", str(folder))
    assert status == 2 and "holds CartPole-v1 episodes" in err and len(episode_files(folder)) == 3


def test_noise_delay_and_min_return(tmp_path, capsys):
    folder = tmp_path / "sloppy"
    status, out, err = run_cli(
        capsys,
        "record-expert",
        "--env",
        "CartPole-v1",
        "--episodes",
        "2",
        "--noise",
        "0.9",
        "--delay",
        "2",
        "--min-return",
        "400",
        "--out",
        str(folder),
    )
    assert status == 2
    assert "discarded" in out and "only 0 of 2 episodes reached --min-return 400" in err
    assert "nothing was written" in err and not folder.exists()  # not even the folder (nor its lock)


def test_a_recording_into_a_folder_another_one_writes_is_refused_and_writes_nothing(tmp_path, capsys):
    from core.folder_lock import FolderLock

    folder = tmp_path / "cp"
    other = FolderLock.acquire(folder, "another recording is writing into this demo folder")
    try:  # what a second record-expert started at the same moment meets
        args = ("record-expert", "--env", "CartPole-v1", "--episodes", "1", "--out", str(folder))
        status, _, err = run_cli(capsys, *args)
    finally:
        other.release()
    assert status == 2 and "another recording is writing into this demo folder (process" in err
    assert err.count("\n") == 1 and not episode_files(folder)
    status, _, _ = run_cli(capsys, *args)  # free again
    assert status == 0 and len(episode_files(folder)) == 1


def test_validate_names_each_bad_file_and_exits_1(tmp_path, capsys):
    folder = tmp_path / "set"
    run_cli(capsys, "record-expert", "--env", "Acrobot-v1", "--episodes", "3", "--out", str(folder))
    first, second, _ = episode_files(folder)
    first.write_bytes(first.read_bytes()[:100])
    with np.load(second) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["observations"] = arrays["observations"].copy()
    arrays["observations"][3, 0] += 0.25  # still well-formed; only the replay can tell
    np.savez(second, **arrays)
    status, out, _ = run_cli(capsys, "demos", "validate", str(folder))
    assert status == 1
    assert f"BAD  {first}: not a readable episode archive" in out
    assert f"BAD  {second}: replay does not reproduce the recording: observation after step 2 differs" in out
    assert "1 good, 2 bad file(s)" in out
    status, out, _ = run_cli(capsys, "demos", "validate", "--no-replay", str(folder))
    assert status == 1 and "2 good, 1 bad file(s) checked in" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("record-expert", "--env", "Pong-v5", "--out", "x"), "error: unknown environment 'Pong-v5'"),
        (
            ("record-expert", "--env", "CarRacing-v3", "--style", "human", "--out", "x"),
            "error: no scripted intent for CarRacing-v3",
        ),
        (("demos", "info", "/no/such/folder"), "error: /no/such/folder: demo folder does not exist"),
        (("demos", "validate", "/no/such/folder"), "error: /no/such/folder: demo folder does not exist"),
    ],
)
def test_bad_arguments_get_one_line_errors(capsys, args, message):
    status, _, err = run_cli(capsys, *args)
    assert status == 2
    assert err.strip().startswith(message)
    assert "Traceback" not in err


def test_info_on_the_bundled_lunar_lander_set(capsys):
    status, out, _ = run_cli(capsys, "demos", "info", str(sample_demos_dir("LunarLander-v3")))
    assert status == 0
    assert "Env        LunarLander-v3 (Lunar Lander)" in out and "Episodes   10 (10 scripted)" in out


def test_info_lists_unusable_files(tmp_path, capsys):
    folder = tmp_path / "set"
    run_cli(capsys, "record-expert", "--env", "MountainCar-v0", "--episodes", "2", "--out", str(folder))
    (folder / "junk.npz").write_bytes(b"junk")
    status, out, _ = run_cli(capsys, "demos", "info", str(folder))
    assert status == 0
    assert "Unusable files (1):" in out and "junk.npz: not a readable episode archive" in out


def test_the_command_line_starts_without_the_engine_or_qt():
    # `--help` and `envs` start at once because torch, Qt and gymnasium load only in the commands
    # that need them (measured: --help 0.08 s, envs 0.2 s; with them at import it was 2.3 s).
    import subprocess
    import sys

    code = (
        "import sys, app.cli.main; "
        "heavy = [m for m in ('torch', 'PySide6.QtCore', 'gymnasium', 'pyqtgraph') if m in sys.modules]; "
        "print(*heavy, file=sys.stderr); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"imported at start-up: {result.stderr}"


def test_the_screenshot_views_are_the_windows_views():
    from app.cli.screenshot import VIEW_NAMES
    from app.gui.main_window import VIEWS

    assert VIEW_NAMES == VIEWS


def test_record_expert_human_style(tmp_path, capsys):
    folder = tmp_path / "person"
    status, out, _ = run_cli(
        capsys, "record-expert", "--env", "LunarLander-v3", "--style", "human", "--skill", "weak",
        "--episodes", "2", "--seed", "1000", "--out", str(folder),
    )  # fmt: skip
    assert status == 0 and "episode 2/2 seed 1001" in out
    details = {load_episode(path).meta.source_detail for path in episode_files(folder)}
    assert details == {"human-like:LunarLander-v3 skill=0.4"}
    for args, message in (
        (("--style", "human", "--noise", "0.1"), "--noise and --delay belong to --style scripted"),
        (("--skill", "0.5"), "--skill belongs to --style human"),
    ):
        status, _, err = run_cli(capsys, "record-expert", "--env", "LunarLander-v3", "--out", str(folder), *args)
        assert status == 2 and message in err and "Traceback" not in err
    with pytest.raises(SystemExit):  # argparse's own usage error
        main(["record-expert", "--env", "LunarLander-v3", "--out", str(folder), "--style", "human", "--skill", "ace"])
    assert "must be good, weak or a number in [0, 1], got 'ace'" in capsys.readouterr().err


def test_a_killed_writers_temporary_files_are_removed_and_reported(tmp_path, capsys):
    import os
    import subprocess
    import sys

    folder = tmp_path / "set"
    run_cli(capsys, "record-expert", "--env", "CartPole-v1", "--episodes", "1", "--out", str(folder))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = folder / f".20261127-x.npz.{int(dead.stdout)}.abcd1234.tmp"  # left by a killed record-expert
    live = folder / f".20261127-y.npz.{os.getpid()}.abcd1234.tmp"  # a writer that still runs
    stale.write_bytes(b"half an episode")
    live.write_bytes(b"being written")
    status, out, _ = run_cli(capsys, "demos", "info", str(folder))
    assert status == 0 and "Removed 1 unfinished write(s) of an interrupted recording:" in out and stale.name in out
    assert not stale.exists() and live.exists()


def test_validate_and_info_say_which_episodes_cannot_be_replayed(tmp_path, capsys):
    import dataclasses

    from core.data.demo_set import load_demo_set
    from core.data.episode import Episode
    from core.data.episode_io import write_episode
    from core.paths import sample_demos_dir

    for episode in load_demo_set(sample_demos_dir("CartPole-v1")).episodes[:2]:  # as imported without seeds
        meta = dataclasses.replace(episode.meta, source="imported", replayable=False, reset_seed=0)
        write_episode(Episode(episode.observations, episode.actions, episode.rewards, meta), tmp_path / "demos")
    assert main(["demos", "validate", str(tmp_path / "demos")]) == 0
    out = capsys.readouterr().out
    assert out.count("NOTE") == 2 and "2 not replayable" in out
    assert main(["demos", "info", str(tmp_path / "demos")]) == 0
    assert "—" in capsys.readouterr().out  # no seed to show
