"""Sweeps on Ray Tune: the spec's checks, and the shipped tiny CartPole sweep on a local Ray with
2 CPUs (every trial an ordinary run folder, a results table and a plot)."""

import csv
import json
import math
from pathlib import Path

import pytest

from app.bench.sweep_spec import METRIC, load_spec
from app.cli.main import main
from core.errors import StudioError
from core.train.runs.run_dir import RunDir

TINY = Path(__file__).resolve().parents[2] / "resources" / "sweeps" / "cartpole-tiny.json"


def write_spec(tmp_path, **changes):
    spec = {**json.loads(TINY.read_text()), **changes}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "unknown field"),
        ({"search": {"learning_rat": {"grid": [1e-4]}}}, "'learning_rat' is not a training setting"),
        ({"search": {"learning_rate": {"range": [1e-4, 1e-3]}}}, "search.learning_rate must be one of"),
        ({"search": {"learning_rate": {"grid": [5.0]}}}, "search.learning_rate"),
        ({"search": {"learning_rate": {"uniform": [1e-4]}}}, r"needs \[low, high\]"),
        ({"metric": "eval_return"}, "metric must be"),
        ({"env": "Pong-v5"}, r"spec\.json: env: unknown environment .Pong-v5."),
        ({"search": {"total_steps": {"grid": [1024, 2048]}}}, "search.total_steps: a trial's length"),
        ({"search": {"learning_rate": {"loguniform": [0, 1e-3]}}}, "0 < low < high"),
        ({"fixed": {"eval_every_iters": 0}}, "periodic evaluations"),
        ({"early_stopping": {"grace_evaluations": "x"}}, "grace_evaluations must be a whole number"),
        ({"early_stopping": {"reduction_factor": 1}}, "reduction_factor must be a number above 1"),
        # 10**400 was an OverflowError traceback; an infinite factor was taken
        ({"early_stopping": {"reduction_factor": 10**400}}, "reduction_factor must be a number above 1 and at most"),
        ({"early_stopping": {"reduction_factor": float("inf")}}, "reduction_factor must be a number above 1"),
        ({"early_stopping": {"patience": 3}}, "early_stopping is"),
        ({"name": "../escape"}, "letters, digits"),
        ({"demos": "no-such-folder"}, "is not a demo folder"),
        ({"samples": 10**6}, "samples must be a whole number from 1 to 10,000"),
        ({"demos": ["a"]}, "demos must name a demo folder"),
        ({"fixed": {"learning_rate": 10**400}}, r"learning_rate: 100000000000\.\.\. \(401 digits\)"),
    ],
)
def test_a_bad_spec_is_one_line_naming_the_field(tmp_path, changes, message):
    with pytest.raises(StudioError, match=message):
        load_spec(write_spec(tmp_path, **changes))


def test_the_shipped_tiny_spec_is_valid():
    spec = load_spec(TINY)
    assert spec.env == "CartPole-v1" and spec.evaluations == 4 and spec.grace_evaluations == 2


@pytest.mark.slow  # over 20 s here: `pytest -m "not slow"` leaves it out of a quick loop
def test_the_tiny_sweep_runs_on_a_local_ray_with_two_cpus(tmp_path, capfd):
    pytest.importorskip("ray")
    out = tmp_path / "sweep"
    assert main(["sweep", str(TINY), "--cpus", "2", "--out", str(out)]) == 0
    with open(out / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4  # 2 learning rates x 2 seeds, the D rate drawn once each
    assert {row["seed"] for row in rows} == {"0", "1"} and {row["learning_rate"] for row in rows} == {
        "0.0001",
        "0.0003",
    }
    for row in rows:
        assert row["status"] in ("finished", "stopped early") and math.isfinite(float(row[METRIC]))
        assert 3e-4 <= float(row["disc_learning_rate"]) <= 3e-3
        run = RunDir(Path(row["run_dir"]))
        assert run.config().env == "CartPole-v1" and run.metrics()  # an ordinary run folder,
        assert run.latest_checkpoint() is not None  # with a checkpoint (stopped early or not)
        assert (run.final_eval() is not None) == (row["status"] == "finished")
    assert (out / "sweep.png").stat().st_size > 1000
    printed = capfd.readouterr()
    assert "trials/hour" in printed.out
    # Only the progress bar on stderr: Ray's INFO lines about its local instance printed through it.
    assert "Started a local Ray instance" not in printed.err and " INFO " not in printed.err


def test_a_grids_values_are_the_ticks_of_its_plot():
    from app.bench.sweep_report import setting_ticks

    assert setting_ticks([0.0003, 0.001, 0.0003], log=False) == [(0.0003, "0.0003"), (0.001, "0.001")]
    assert setting_ticks([1e-4, 1e-2], log=True) == [(-4.0, "0.0001"), (-2.0, "0.01")]
    assert setting_ticks([0.0, 1.0, 2.0], log=False) == [(0.0, "0"), (1.0, "1"), (2.0, "2")]  # seeds: no 0.5
    assert setting_ticks([float(v) for v in range(20)], log=False) is None  # random search: the axis's own
    from app.bench.sweep_report import nice_log_ticks

    assert [label for _, label in nice_log_ticks([0.0004, 0.0011, 0.0027])] == ["0.0005", "0.001", "0.002"]


def test_a_run_asks_ray_for_its_cpus_and_a_gpu_slice_under_cuda():
    from app.bench.ray_bench import run_resources
    from app.bench.sweep import trial_resources
    from core.train.settings.config import default_config

    with_process = default_config("LunarLander-v3", rollout_process=True)
    assert run_resources(with_process, "cpu", sharing=4) == (2.0, 0.0)
    assert run_resources(default_config("LunarLander-v3", rollout_process=False), "cuda", sharing=4) == (1.0, 0.25)
    spec = load_spec(TINY)
    cpus = 2.0 if default_config(spec.env, **spec.fixed).rollout_process else 1.0
    assert trial_resources(spec, "cpu", 2) == {"cpu": cpus}
    assert trial_resources(spec, "cuda", 2) == {"cpu": cpus, "gpu": 0.5}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"search": ' + "[" * 100_000 + "]" * 100_000 + "}", r"spec\.json: not a record \(nested too deep\)"),
        ('{"samples": ' + "7" * 5000 + "}", r"spec\.json: not a record \(a number of more than 4,300 digits\)"),
        ("[1]", r"spec\.json: expected a JSON object, found list"),
    ],
)
def test_a_hostile_spec_is_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "spec.json"
    path.write_text(text)
    with pytest.raises(StudioError, match=message):
        load_spec(path)
    with pytest.raises(StudioError, match="not a regular file"):
        load_spec(Path("/dev/zero"))
