"""The timeline's snapshots: within the budget however a run is extended, and none from a lost past."""

from core.data.demo_set import load_demo_set
from core.paths import sample_demos_dir
from core.train.runs.run_dir import RunDir
from core.train.runs.timeline import MAX_SNAPSHOTS, drop_snapshots_after, load_snapshot, snapshot_steps
from core.train.settings.config import default_config
from core.train.trainer import Trainer

SMALL = {"num_envs": 2, "num_steps": 16, "num_minibatches": 1, "update_epochs": 1, "eval_every_iters": 0}


def test_an_extended_run_stays_within_the_budget_first_and_last_kept(tmp_path):
    demos = load_demo_set(sample_demos_dir("CartPole-v1"))
    config = default_config("CartPole-v1", total_steps=32 * 20, **SMALL)  # 20 iterations: 21 snapshots
    list(Trainer(config, demos, run_dir=tmp_path / "run").run())
    assert len(snapshot_steps(tmp_path / "run")) == 21
    resumed_config, _ = RunDir(tmp_path / "run").resume_config(wanted_steps=32 * 100)
    list(Trainer(resumed_config, demos, run_dir=tmp_path / "run", resume=True).run())
    steps = snapshot_steps(tmp_path / "run")
    assert len(steps) == MAX_SNAPSHOTS and steps[0] == 0 and steps[-1] == 32 * 100
    assert load_snapshot(tmp_path / "run", steps[1], resumed_config) is not None


def test_a_bc_run_keeps_epochs_and_a_resume_drops_what_came_after_its_checkpoint(tmp_path):
    demos = load_demo_set(sample_demos_dir("CartPole-v1"))
    config = default_config("CartPole-v1", algo="bc", bc_epochs=40, **SMALL)
    list(Trainer(config, demos, run_dir=tmp_path / "bc").run())
    steps = snapshot_steps(tmp_path / "bc")
    assert steps[0] == 0 and steps[-1] == 40 and len(steps) <= MAX_SNAPSHOTS
    drop_snapshots_after(tmp_path / "bc", 20)
    assert max(snapshot_steps(tmp_path / "bc")) <= 20
