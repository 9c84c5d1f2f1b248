"""D's verdict on each demo: scores from a run's discriminator, flags for the ones unlike the rest."""

import numpy as np

from core.data.demo_set import load_demo_set
from core.train.demo_scores import DemoScore, _flag, latest_run_on, score_with_run
from core.train.runs.run_dir import RunDir
from core.train.settings.config import default_config
from core.train.trainer import Trainer


def scores(*values):
    return _flag([DemoScore(f"d{i}.npz", value, np.full(3, value)) for i, value in enumerate(values)])


def test_only_a_demo_well_below_the_rest_is_flagged():
    assert [s.flagged for s in scores(0.62, 0.60, 0.61, 0.63, 0.30)] == [False] * 4 + [True]
    # Ten similar demos: differences of a few hundredths flag nothing.
    assert not any(s.flagged for s in scores(*np.linspace(0.55, 0.62, 10)))
    # Two demos are too few to call one of them unusual.
    assert not any(s.flagged for s in scores(0.9, 0.1))


def test_a_gail_run_scores_the_demos_it_trained_on(lander_demos, tmp_path):
    config = default_config("LunarLander-v3", total_steps=128, num_envs=2, num_steps=64, rollout_process=False)
    run_dir = tmp_path / "runs" / "20260101-000000-gail"
    demos = load_demo_set(lander_demos)
    for _ in Trainer(config, demos, run_dir=run_dir).run():
        pass
    run = latest_run_on([run_dir, tmp_path / "runs" / "missing"], lander_demos)
    assert run is not None and run.path == run_dir
    assert latest_run_on([run_dir], tmp_path / "elsewhere") is None
    result = score_with_run(RunDir(run_dir), demos)
    assert [s.name for s in result] == [e.path.name for e in demos.episodes]
    for score, episode in zip(result, demos.episodes, strict=True):
        assert len(score.per_step) == episode.length
        assert 0.0 < score.score < 1.0 and score.score == score.per_step.mean()
