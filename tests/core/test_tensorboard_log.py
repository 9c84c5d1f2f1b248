"""train --tensorboard: the same scalars as metrics.jsonl, in TensorBoard's own event files."""

import pytest

from core.data.demo_set import load_demo_set
from core.paths import sample_demos_dir
from core.train.runs.run_dir import RunDir
from core.train.settings.config import default_config
from core.train.trainer import Trainer

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def test_tensorboard_files_hold_every_metric_against_env_steps(tmp_path):
    config = default_config(
        "CartPole-v1", total_steps=1024, num_envs=2, num_steps=128, eval_every_iters=2, tensorboard=True
    )
    list(Trainer(config, load_demo_set(sample_demos_dir("CartPole-v1")), run_dir=tmp_path / "run").run())
    records = RunDir(tmp_path / "run").metrics()
    events = event_accumulator.EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    keys = {key for record in records for key in record} - {"iteration", "env_steps"}
    assert keys <= tags and "disc_expert" in tags and "eval_return" in tags
    disc = events.Scalars("disc_expert")
    assert [e.step for e in disc] == [r["env_steps"] for r in records]
    assert [e.value for e in disc] == pytest.approx([r["disc_expert"] for r in records])
