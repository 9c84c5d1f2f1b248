"""Property: whatever a file holds, every command succeeds or says what is wrong in one line.

Good demo files and run folders are damaged at random (flipped bytes, cuts, metadata fields set to
arbitrary JSON, arrays replaced by arrays of any type and shape, checkpoint records rewritten);
the commands must never raise (a traceback) and never change a file they read. Bounded to a few
seconds: a fixed number of examples, a fixed seed (derandomize) so the run is the same each time.
"""

import contextlib
import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli.main import main
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
