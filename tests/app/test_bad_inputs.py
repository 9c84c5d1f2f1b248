"""Inputs that once produced tracebacks: each is now a named bad file or a one-line error."""

import json
import re
import shutil

import numpy as np
import pytest

from app.cli.main import main
from tests.recordings import record_expert_episodes, record_keyboard_player_episodes


@pytest.fixture(scope="module")
def good_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("good") / "CartPole-v1"
    record_expert_episodes(folder, "CartPole-v1", count=2)
    return folder


def _meta(key, value):
    def change(arrays):
        meta = json.loads(arrays["meta"].tobytes())
        meta[key] = value
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)

    return change


def _raw_meta(key, raw_value):
    """Metadata whose ``key`` holds ``raw_value`` as written (valid JSON that json.dumps would not make)."""

    def change(arrays):
        meta = json.loads(arrays["meta"].tobytes())
        meta.pop(key, None)
        text = json.dumps(meta)[:-1] + f', "{key}": {raw_value}}}'
        arrays["meta"] = np.frombuffer(text.encode(), dtype=np.uint8)

    return change


MUTATIONS = {
    "a 0-d observations array": (lambda a: a.__setitem__("observations", np.array(1.0)), "must be an array of real"),
    "string observations": (lambda a: a.__setitem__("observations", a["observations"].astype(str)), "real numbers"),
    "complex observations": (
        lambda a: a.__setitem__("observations", a["observations"].astype(np.complex64)),
        "real numbers",
    ),
    "a negative reset seed": (_meta("reset_seed", -5), "reset_seed -5 is not a seed"),
    "a NaN return": (_meta("episode_return", float("nan")), "episode_return is nan, not a number"),
    "format version -1": (_meta("format_version", -1), "format version -1 is not a version"),
    "metadata nested 100,000 deep": (_raw_meta("gym_kwargs", "[" * 100_000 + "]" * 100_000), "nested too deep"),
    "a 5,000-digit reset seed": (
        _raw_meta("reset_seed", "7" * 5000),
        "metadata: not a record (a number of more than 4,300 digits)",
    ),
    "gym_kwargs a list": (_meta("gym_kwargs", [1, 2]), "metadata field gym_kwargs has the wrong type (list)"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_bad_episode_is_named_by_every_command_and_the_rest_still_trains(name, good_folder, tmp_path, capsys):
    change, reason = MUTATIONS[name]
    folder = tmp_path / "CartPole-v1"
    shutil.copytree(good_folder, folder)
    path = sorted(folder.glob("*.npz"))[0]
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    change(arrays)
    np.savez(path, **arrays)
    kept = path.read_bytes()
    assert main(["demos", "info", str(folder)]) == 0
    assert main(["demos", "validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert reason in out and path.name in out
    run = ["train", "--demos", str(folder), "--steps", "128", "--out", str(tmp_path / "run"), "--set", "num_envs=2"]
    assert main(run) == 0
    assert f"skipped {path.name}: " in capsys.readouterr().out
    assert path.read_bytes() == kept  # nothing kept is ever changed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--env", "CartPole-v1", "--set", "env=Acrobot-v1", "--out", "{tmp}/r"], "--set env: choose"),
        (["train", "--env", "CartPole-v1", "--seed", str(2**70), "--out", "{tmp}/r"], "seed: 1180591620717411303424"),
        (["train", "--env", "CartPole-v1", "--config", "{tmp}/binary", "--out", "{tmp}/r"], "binary: not valid JSON"),
        (["train", "--env", "CartPole-v1", "--config", "{tmp}", "--out", "{tmp}/r"], "not a regular file"),
        (
            ["train", "--env", "CartPole-v1", "--config", "/dev/zero", "--out", "{tmp}/r"],
            "/dev/zero: not a regular file",
        ),
        (["train", "--env", "CartPole-v1", "--config", "{tmp}/deep", "--out", "{tmp}/r"], "deep: not a record (nested"),
        (
            ["train", "--env", "CartPole-v1", "--config", "{tmp}/huge", "--out", "{tmp}/r"],
            "huge: not a record (a number of more than 4,300 digits)",
        ),
        (["train", "--env", "CartPole-v1", "--config", "{tmp}/big", "--out", "{tmp}/r"], "more than a record of this"),
        (
            ["train", "--env", "CartPole-v1", "--steps", "9" * 26, "--out", "{tmp}/r"],
            "total_steps: 99999999999999999999999999 is outside the allowed range [1, 10000000000]",
        ),
        (
            ["train", "--env", "CartPole-v1", "--algo", "bc", "--set", f"bc_epochs={10**6}", "--out", "{tmp}/r"],
            "bc_epochs: 1000000 is outside",
        ),
        (["train", "--env", "CartPole-v1", "--set", "learning_rate=" + "9" * 400, "--out", "{tmp}/r"], "(400 digits)"),
        (
            ["train", "--env", "CartPole-v1", "--set", "learning_rate=" + "[" * 100_000, "--out", "{tmp}/r"],
            "--set learning_rate: not a setting value (nested too deep)",  # was a RecursionError traceback
        ),
        (
            ["train", "--env", "CartPole-v1", "--set", "hidden_size=" + "7" * 5000, "--out", "{tmp}/r"],
            "--set hidden_size: not a setting value (a number of more than",  # was a ValueError traceback
        ),
        (
            ["train", "--env", "CartPole-v1", "--set", "learning_rate=" + "[" * 40 + "]" * 40, "--out", "{tmp}/r"],
            "--set learning_rate: not a setting value (nested too deep: more than 32 levels)",
        ),
        (["train", "--env", "CartPole-v1", "--set", "learning_rate=1e999", "--out", "{tmp}/r"], "learning_rate: inf"),
        (["bench", "--suite", "quick", "--set", "hidden_size=" + "7" * 5000], "--set hidden_size: not a setting value"),
        (["video", "--demos", "{tmp}", "--out", "{tmp}/x.avi"], "x.avi: choose a .mp4 or .gif file"),
        (
            ["screenshot", "--view", "coach", "--env", "CarRacing-v3", "--out", "{tmp}/c.png"],
            "not one of the listed demo sets",
        ),
    ],
)
def test_bad_arguments_are_one_line_errors(args, message, tmp_path, capsys):
    (tmp_path / "binary").write_bytes(bytes(range(256)))
    (tmp_path / "deep").write_text('{"hidden_size": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (tmp_path / "huge").write_text('{"total_steps": ' + "9" * 5000 + "}")
    (tmp_path / "big").write_text('{"hidden_size": 64' + " " * 2**21 + "}")
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("command", "flag", "value"),
    [
        (["evaluate", "{tmp}"], "--episodes", "0"),
        (["evaluate", "{tmp}"], "--episodes", "-3"),
        (["evaluate", "{tmp}"], "--seed", "-1"),
        (["probe", "pacing"], "--seconds", "-1"),  # Qt refused a negative timer, then "took no steps"
        (["probe", "responsiveness"], "--steps", "0"),
        (["evaluate", "{tmp}"], "--episodes", "9" * 30),  # was accepted, then evaluated for ever
        (["record-expert", "--env", "CartPole-v1", "--out", "{tmp}/d"], "--episodes", str(10**6 + 1)),
        (["video", "--demos", "{tmp}", "--out", "{tmp}/x.mp4"], "--episodes", str(10**7)),
        (["bench", "--suite", "quick"], "--seeds", "99999999999999999999"),  # list(range()) of it: out of memory
        (["bench", "--suite", "quick"], "--seeds", "0"),
    ],
)
def test_a_bad_count_seed_or_duration_is_refused_in_one_line(command, flag, value, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([part.format(tmp=tmp_path) for part in command] + [flag, value])
    err = capsys.readouterr().err
    # One line, as every other bad input (argparse printed its usage block first).
    assert exit_info.value.code == 2 and f"argument {flag}: must be" in err and err.count("\n") == 1
    assert f"see imitation-studio {command[0]} --help" in err


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--env", "CartPole-v1", "--steps", "128", "--out", "/proc/imitation-studio-run"],
        ["train", "--env", "CartPole-v1", "--steps", "128", "--out", "/sys/imitation-studio-run"],
        ["record-expert", "--env", "CartPole-v1", "--episodes", "1", "--out", "/proc/imitation-studio-demos"],
        ["record-expert", "--env", "CartPole-v1", "--episodes", "1", "--out", "{tmp}/a-file"],
    ],
)
def test_an_out_that_cannot_be_a_folder_is_one_line(args, tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    status = main([a.format(tmp=tmp_path) for a in args])
    err = capsys.readouterr().err
    assert status in (2, 3) and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_resume_refuses_out_and_the_run_records_unusable_files(good_folder, tmp_path, capsys):
    folder = tmp_path / "CartPole-v1"
    shutil.copytree(good_folder, folder)
    (folder / "broken.npz").write_bytes(b"PK\x03\x04 not really")
    run = tmp_path / "run"
    assert main(["train", "--demos", str(folder), "--steps", "128", "--out", str(run), "--set", "num_envs=2"]) == 0
    unusable = json.loads((run / "demos.json").read_text())["unusable"]
    assert [item["name"] for item in unusable] == ["broken.npz"]
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--out", str(tmp_path / "elsewhere"), "--steps", "256"]) == 2
    assert "drop --out" in capsys.readouterr().err


def _hostile_folder(good_folder, tmp_path):
    """A copy of ``good_folder`` with two hostile episodes beside its own: metadata nested 100,000 deep, and a
    5,000-digit reset seed; returns the folder and the hostile files' names."""
    folder = tmp_path / "CartPole-v1"
    shutil.copytree(good_folder, folder)
    source = sorted(folder.glob("*.npz"))[0]
    hostile = []
    for name, change in (
        ("deep.npz", _raw_meta("gym_kwargs", "[" * 100_000 + "]" * 100_000)),
        ("huge.npz", _raw_meta("reset_seed", "7" * 5000)),
    ):
        with np.load(source) as archive:
            arrays = {key: archive[key] for key in archive.files}
        change(arrays)
        np.savez(folder / name, **arrays)
        hostile.append(name)
    return folder, hostile


def test_video_of_a_folder_names_its_hostile_files_and_renders_the_rest(tmp_path, capsys):
    def frames(folder) -> tuple[str, str]:
        assert main(["video", "--demos", str(folder), "--out", str(tmp_path / "demos.mp4"), "--scale", "0.25"]) == 0
        printed = capsys.readouterr().out
        return printed, re.search(r"wrote .*: (\d+) frames", printed).group(1)

    short = tmp_path / "short"  # episodes that fail within a second: a video of them is quick
    record_keyboard_player_episodes(short, "CartPole-v1", skill=0.0, seeds=[0, 1])
    folder, hostile = _hostile_folder(short, tmp_path)
    printed, count = frames(folder)
    for name in hostile:
        assert f"skipped {name}: " in printed
    assert count == frames(short)[1]  # the good episodes, every frame of them


def test_a_minari_export_names_its_hostile_files_and_exports_the_rest(good_folder, tmp_path, capsys, monkeypatch):
    minari = pytest.importorskip("minari")
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    folder, hostile = _hostile_folder(good_folder, tmp_path)
    assert main(["demos", "export-minari", str(folder), "--dataset-id", "cartpole/hostile-v0"]) == 0
    printed = capsys.readouterr().out
    for name in hostile:
        assert f"left out {name}: " in printed
    assert "2 episodes" in printed and minari.load_dataset("cartpole/hostile-v0").total_episodes == 2


@pytest.mark.parametrize("value", ['"x"', "[1]", "1" + "0" * 400, "1e999", "null"])
def test_evaluate_with_a_demo_summary_of_the_wrong_type_is_one_line(trained_run, tmp_path, capsys, value):
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    record = json.loads((run / "demos.json").read_text())
    record["return_mean"] = "__RAW__"
    (run / "demos.json").write_text(json.dumps(record).replace('"__RAW__"', value))
    assert main(["evaluate", str(run), "--episodes", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "demos.json: field 'return_mean' must be a finite number" in err


@pytest.fixture(scope="module")
def trained_run(good_folder, tmp_path_factory):
    run = tmp_path_factory.mktemp("trained") / "run"
    args = ["train", "--demos", str(good_folder), "--steps", "128", "--out", str(run), "--set", "num_envs=2"]
    assert main(args) == 0
    return run
