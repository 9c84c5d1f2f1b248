"""Property: whatever a file holds, every command succeeds or says what is wrong in one line.

Good demo files and run folders are damaged at random (flipped bytes, cuts, metadata fields set to
arbitrary JSON, arrays replaced by arrays of any type and shape, checkpoint records rewritten);
the commands must never raise (a traceback) and never change a file they read. Bounded to a few
seconds: a fixed number of examples, a fixed seed (derandomize) so the run is the same each time.
"""

import contextlib
import io
import json
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.cli.main import main
from core.paths import resources_dir
from tests.recordings import record_expert_episodes

PROPERTY = settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """One good CartPole episode file, and a trained run folder, as bytes to damage."""
    folder = tmp_path_factory.mktemp("good")
    (path,) = record_expert_episodes(folder / "set", "CartPole-v1", count=1)
    run = folder / "run"
    args = ["train", "--env", "CartPole-v1", "--steps", "128", "--out", str(run), "--set", "num_envs=2"]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(args) == 0
    files = {p.relative_to(run): p.read_bytes() for p in run.rglob("*") if p.is_file() and p.name != ".lock"}
    return path.read_bytes(), files


def run_quietly(args: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            status = main(args)
        except SystemExit as exit_:  # argparse's own usage errors
            status = exit_.code
    return status, err.getvalue()


def assert_said_well(status: int, err: str) -> None:
    assert status in (0, 1, 2), err
    assert "Traceback" not in err
    if status == 2:
        assert err.startswith("error: ") and err.count("\n") >= 1


def damage_archive(data: bytes, flips: list[tuple[int, int]], cut: int | None) -> bytes:
    damaged = bytearray(data)
    for position, xor in flips:
        damaged[position % len(damaged)] ^= xor
    return bytes(damaged[:cut] if cut is not None else damaged)


@PROPERTY
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=4),
    cut=st.none() | st.integers(0, 4000),
    meta_key=st.sampled_from(["reset_seed", "length", "episode_return", "env_key", "format_version", "fps", "new"]),
    meta_value=json_values,
    array=st.sampled_from([None, "observations", "actions", "rewards"]),
    dtype=st.sampled_from(["float32", "int64", "bool", "complex64", "U3", "uint8"]),
    shape=st.lists(st.integers(0, 4), max_size=3),
)
def test_a_damaged_demo_file_is_named_never_a_traceback(good, flips, cut, meta_key, meta_value, array, dtype, shape):
    episode, _ = good
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "set"
        folder.mkdir()
        target = folder / "damaged.npz"
        if array is None and not flips and cut is None:
            with np.load(io.BytesIO(episode)) as archive:
                arrays = {name: archive[name] for name in archive.files}
            meta = json.loads(arrays["meta"].tobytes())
            meta[meta_key] = meta_value
            arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
            np.savez(target, **arrays)
        elif array is not None:
            with np.load(io.BytesIO(episode)) as archive:
                arrays = {name: archive[name] for name in archive.files}
            arrays[array] = np.zeros(shape, dtype=dtype)
            np.savez(target, **arrays)
        else:
            target.write_bytes(damage_archive(episode, flips, cut))
        written = target.read_bytes()
        for command in (["demos", "info", str(folder)], ["demos", "validate", str(folder)]):
            assert_said_well(*run_quietly(command))
        out = Path(temporary) / "run"
        assert_said_well(*run_quietly(["train", "--demos", str(folder), "--steps", "64", "--out", str(out)]))
        assert target.read_bytes() == written  # nothing read is ever changed


@PROPERTY
@given(
    name=st.sampled_from(["checkpoints/latest.json", "checkpoints/latest.safetensors", "config.json", "demos.json"]),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=3),
    as_json=json_values | st.none(),
)
def test_a_damaged_run_folder_is_named_never_a_traceback(good, name, flips, as_json):
    _, files = good
    with tempfile.TemporaryDirectory() as temporary:
        run = Path(temporary) / "run"
        for relative, data in files.items():
            (run / relative).parent.mkdir(parents=True, exist_ok=True)
            (run / relative).write_bytes(data)
        target = run / name
        if as_json is not None and name.endswith(".json"):
            target.write_text(json.dumps(as_json))
        else:
            target.write_bytes(damage_archive(target.read_bytes(), flips, None))
        written = target.read_bytes()
        assert_said_well(*run_quietly(["evaluate", str(run), "--episodes", "1"]))
        status, err = run_quietly(["train", "--resume", str(run), "--steps", "512"])
        assert_said_well(status, err)
        if status != 0:  # a refused command leaves the run as it was (one that got through extends it)
            assert target.read_bytes() == written


# --------------------------------------------------------------------------- hostile JSON records
# Valid-looking JSON no writer of the app makes. The first three are refused by the records' reader
# wherever they stand (nesting past its depth bound or the decoder's, an integer past the decoder's
# digits); the others parse, and the field's reader must refuse or survive them.
DEEP, DEEPER_THAN_THE_BOUND, HUGE = "[" * 100_000 + "]" * 100_000, "[" * 40 + "]" * 40, "7" * 5000
HOSTILE_VALUES = [DEEP, DEEPER_THAN_THE_BOUND, HUGE, "1" + "0" * 400, "1e999", "-1e999", "9" * 5000 + ".5", '"x"']
REFUSED_WHEREVER = {DEEP, DEEPER_THAN_THE_BOUND, HUGE}
HOSTILE = "__HOSTILE__"  # where the hostile text goes, as a JSON string, before it is spelled out
RECORD_KINDS = [
    "demo metadata",
    "config.json",
    "checkpoints/latest.json",
    "demos.json",
    "final_eval.json",
    "origin.json",
    "selection.json",
    "metrics.jsonl",
    "sweep spec",
    "--config file",
]


@pytest.fixture(scope="module")
def hostile_base(tmp_path_factory):
    """What each kind of record starts from: an episode file, a run of three iterations (three
    metrics lines, a checkpoint, a final evaluation), as bytes and text."""
    folder = tmp_path_factory.mktemp("hostile-base")
    (episode,) = record_expert_episodes(folder / "set", "CartPole-v1", count=1)
    run = folder / "run"
    args = ["train", "--env", "CartPole-v1", "--steps", "384", "--out", str(run)]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main([*args, "--set", "num_envs=2", "--set", "num_steps=64"]) == 0
    files = {p.relative_to(run): p.read_bytes() for p in run.rglob("*") if p.is_file() and p.name != ".lock"}
    return Base(episode.read_bytes(), files)


class Base(tuple):
    """The episode's bytes and the run's files, shown by name in a failing example (not as bytes)."""

    def __new__(cls, episode: bytes, files: dict) -> "Base":
        return super().__new__(cls, (episode, files))

    def __repr__(self) -> str:
        return "<a recorded CartPole episode, a three-iteration run>"


def _field_paths(value, depth: int = 3, prefix: tuple = ()) -> list[tuple]:
    """Every place in a record a field's value sits, three levels in (lists: their first item)."""
    if depth == 0:
        return []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list) and value:
        items = [(0, value[0])]
    else:
        return []
    paths = []
    for key, child in items:
        paths.append((*prefix, key))
        paths += _field_paths(child, depth - 1, (*prefix, key))
    return paths


def _mutated(text: str, how: str, value: str, pick: int, cut: float) -> str:
    """``text`` (one JSON object) with a field's value or the whole record replaced by ``value`` (JSON
    text as written), or cut short before its end."""
    if how == "truncated":
        return text.rstrip()[: int(len(text.rstrip()) * cut)]
    if how == "whole":
        return value
    record = json.loads(text)
    paths = _field_paths(record)
    node = record
    *parents, last = paths[pick % len(paths)]
    for key in parents:
        node = node[key]
    node[last] = HOSTILE
    return json.dumps(record).replace(json.dumps(HOSTILE), value)


def _lay_out(kind: str, root: Path, base) -> tuple[Path, list[list[str]]]:
    """The folders a kind of record lives in, under ``root``; its file, and the commands that read it."""
    episode, files = base
    demos, run = root / "set", root / "run"
    demos.mkdir()
    (demos / "good.npz").write_bytes(episode)
    for relative, data in files.items():
        (run / relative).parent.mkdir(parents=True, exist_ok=True)
        (run / relative).write_bytes(data)
    resume = ["train", "--resume", str(run), "--steps", "512"]
    evaluate = ["evaluate", str(run), "--episodes", "1"]
    if kind == "demo metadata":
        (demos / "hostile.npz").write_bytes(episode)
        return demos / "hostile.npz", [["demos", "info", str(demos)], ["demos", "validate", str(demos)]]
    if kind == "selection.json":
        selection = {"excluded": ["other.npz"], "successful_only": False, "min_return": 0.0}
        (demos / "selection.json").write_text(json.dumps(selection))
        return demos / "selection.json", [["demos", "info", str(demos)]]
    if kind == "origin.json":  # read when a run that started from another resumes before its first checkpoint
        shutil.rmtree(run / "checkpoints")
        (run / "origin.json").write_text(json.dumps({"run": str(root / "other"), "iteration": 1, "env_steps": 128}))
        shutil.copytree(run, root / "other", ignore=shutil.ignore_patterns("origin.json"))
        return run / "origin.json", [resume]
    if kind == "sweep spec":
        (root / "spec.json").write_bytes((resources_dir() / "sweeps" / "cartpole-tiny.json").read_bytes())
        return root / "spec.json", []  # read by load_spec (the sweep command would start Ray on a good one)
    if kind == "--config file":
        config = root / "settings.json"
        config.write_text(json.dumps({"learning_rate": 3e-4, "hidden_size": 32, "num_steps": 64}))
        train = ["train", "--env", "CartPole-v1", "--config", str(config), "--steps", "128", "--out", str(root / "new")]
        return config, [[*train, "--set", "num_envs=2"]]
    readers = {
        "config.json": [evaluate, resume, ["export", "onnx", str(run), "--out", str(root / "policy.onnx")]],
        "checkpoints/latest.json": [evaluate, resume],
        "demos.json": [evaluate, resume],
        "final_eval.json": [],  # read by the Watch view and the run list: RunDir.final_eval, finished_eval
        "metrics.jsonl": [resume],
    }
    return run / kind, readers[kind]


def _damage(kind: str, path: Path, how: str, value: str, pick: int, cut: float) -> bool:
    """Write the hostile record; whether every reader of it must refuse it (by name)."""
    if kind == "demo metadata":
        with np.load(path) as archive:
            arrays = {name: archive[name] for name in archive.files}
        text = _mutated(arrays["meta"].tobytes().decode(), how, value, pick, cut)
        arrays["meta"] = np.frombuffer(text.encode(), dtype=np.uint8)
        np.savez(path, **arrays)
    elif kind == "metrics.jsonl":
        lines = path.read_text().splitlines()
        line = pick % len(lines)
        lines[line] = _mutated(lines[line], how, value, pick // len(lines), cut)
        path.write_text("\n".join(lines) + "\n")
        if line == len(lines) - 1:
            return False  # a last line that is not a record is a torn append: dropped, not refused
    else:
        path.write_text(_mutated(path.read_text(), how, value, pick, cut))
    return how == "truncated" or value in REFUSED_WHEREVER or (how == "whole" and not value.startswith("{"))


def run_capturing(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)  # a traceback fails the test here: nothing is caught
    return status, out.getvalue(), err.getvalue()


def _check_a_command(args: list[str], kind: str, path: Path, refused: bool) -> None:
    status, out, err = run_capturing(args)
    last = err.rstrip("\n").rsplit("\n", 1)[-1]
    assert "Traceback" not in err and status in (0, 1, 2), (args, status, err)
    if status == 2:  # one line saying what is wrong (after a warning or two of what went before)
        assert last.startswith("error: ") and "\n" not in last, err
    if kind == "demo metadata":  # the file is listed as unusable; the good one beside it still loads
        assert status == (1 if args[1] == "validate" else 0) or not refused, (status, out)
        assert re.search(r"[12] good" if args[1] == "validate" else "good.npz", out), out
        assert path.name in out or not refused, out
    elif refused:
        assert status == 2 and path.name in last, (args, err)


def _check_a_core_reader(kind: str, path: Path, refused: bool) -> None:
    """The readers of the records no command reads (a good sweep spec would start a sweep)."""
    from app.bench.sweep_spec import load_spec
    from core.errors import StudioError
    from core.train.runs.run_dir import RunDir

    read = (lambda: load_spec(path)) if kind == "sweep spec" else (lambda: RunDir(path.parent).final_eval())
    try:
        read()
    except StudioError as error:
        assert "\n" not in str(error) and (path.name in str(error) or not refused), str(error)
        if kind == "sweep spec":
            status, _, err = run_capturing(["sweep", str(path)])
            assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    else:
        assert not refused, f"{kind}: a hostile record was read as good"
    if kind == "final_eval.json":
        RunDir(path.parent).finished_eval()  # the run list's: None for a record it cannot read, never raises


@pytest.mark.parametrize("kind", RECORD_KINDS)
@settings(max_examples=2, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    how=st.sampled_from(["field", "field", "whole", "truncated"]),
    value=st.sampled_from(HOSTILE_VALUES) | json_values.map(json.dumps),
    pick=st.integers(0, 10**6),
    cut=st.floats(0, 0.99),
)
@example(how="field", value=DEEP, pick=0, cut=0.5)  # each kind of record gets each kind of hostility
@example(how="field", value=HUGE, pick=1, cut=0.5)
@example(how="field", value="1" + "0" * 400, pick=2, cut=0.5)
@example(how="field", value="1e999", pick=3, cut=0.5)
@example(how="field", value='{"a": [1]}', pick=4, cut=0.5)  # a wrong type
@example(how="truncated", value="", pick=0, cut=0.5)
def test_a_hostile_record_is_named_never_a_traceback(hostile_base, tmp_path_factory, kind, how, value, pick, cut):
    root = tmp_path_factory.mktemp("hostile")
    path, commands = _lay_out(kind, root, hostile_base)
    refused = _damage(kind, path, how, value, pick, cut)
    for args in commands:
        _check_a_command(args, kind, path, refused)
    if not commands:
        _check_a_core_reader(kind, path, refused)
