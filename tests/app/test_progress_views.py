"""Progress over time in the Watch view: the timeline, the progress reel, the trajectory overlay
and a video of what is shown (offscreen, a short LunarLander run)."""

import shutil
from dataclasses import replace

import numpy as np
import pytest

from app.gui.watch.progress_reel import ProgressReel, reel_steps
from app.gui.watch.watch_view import WatchView
from core.data.demo_set import load_demo_set
from core.paths import sample_demos_dir
from core.train.runs.run_dir import RunDir
from core.train.runs.timeline import MAX_SNAPSHOTS, snapshot_steps
from core.train.settings.config import default_config
from core.train.trainer import Trainer
from tests.tiny import TINY_SETTINGS

LANDER = "LunarLander-v3"


@pytest.fixture(scope="module")
def lander_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "lander"
    settings = TINY_SETTINGS
    config = default_config(LANDER, total_steps=2048, bc_warmstart_epochs=2, rollout_process=False, **settings)
    list(Trainer(config, load_demo_set(sample_demos_dir(LANDER)), run_dir=folder).run())
    return folder


@pytest.fixture
def watch_view(qtbot, workspace, dialogs, lander_run):
    view = WatchView(workspace, dialogs)
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    view.set_run(lander_run)
    yield view
    view.shutdown()


def play_one_episode(view, limit=2000):
    episodes = len(view.overlay.recent)
    for _ in range(limit):
        view.advance()
        if len(view.overlay.recent) > episodes:
            return


def test_a_run_keeps_its_snapshots_within_the_budget(lander_run):
    steps = snapshot_steps(lander_run)
    assert steps[0] == 0 and steps[-1] == 2048 and len(steps) <= MAX_SNAPSHOTS
    assert reel_steps(steps) == [0, 512, 1024, 2048]
    # A run that kept two snapshots: two panels, not "0 %", "25 %", "50 %" all of step 0.
    assert reel_steps([0, 8192]) == [0, 8192]


def test_the_timeline_plays_a_kept_step_from_the_same_start(watch_view, lander_run):
    view = watch_view
    assert view.timeline.steps == snapshot_steps(lander_run) and view.timeline.chosen_step is None
    for _ in range(3):
        view.advance()
    seed = view.player.seed
    view.timeline.choose(0)  # the policy before any training
    assert "as it was at 0 env steps" in view._info.text()
    assert view.player.seed == seed and view.player.t == -1  # the same start, from its beginning
    play_one_episode(view)
    for _ in range(40):  # the pause after the episode, then the next one from the same seed again
        view.advance()
    assert view.player.seed == seed
    view.timeline.choose(None)
    for _ in range(3):
        view.advance()
    assert "latest checkpoint" in view._info.text()


def test_the_overlay_draws_the_demos_and_the_policys_episodes(watch_view):
    view = watch_view
    assert len(view.overlay._demo_items) == len(view.demos.episodes)
    for _ in range(10):  # the playing episode's path is drawn as it goes, not only once it ends
        view.advance()
    assert view.overlay.current_points() >= 2 and not view.overlay.recent
    play_one_episode(view)
    assert view.overlay.current_points() == 0  # it joined the recent episodes
    (path,) = view.overlay.recent
    assert path.shape[1] == 2 and len(path) == view.player.t + 2  # the start state and every step
    assert np.allclose(path[0], view.overlay.path_of(np.array([view.player.start_observation]))[0])


def test_the_reel_plays_four_policies_from_one_seed(qtbot, lander_run):
    reel = ProgressReel(lander_run)
    qtbot.addWidget(reel)
    assert reel.steps == [0, 512, 1024, 2048] and len({p.seed for p in reel.players}) == 1
    room = reel.screen().availableGeometry()  # offscreen: a small screen; the reel fits in it
    assert reel.width() <= room.width() and reel.height() <= room.height()
    for _ in range(5):
        reel.advance()
    assert all(player.t == 4 or done for player, done in zip(reel.players, reel.finished, strict=True))
    assert reel.frames[0].caption_text().startswith("0 % · 0 env steps")
    assert reel.frames[1].caption_text().startswith("25 % · 512 env steps")
    reel.close()


@pytest.mark.slow  # over 20 s here: `pytest -m "not slow"` leaves it out of a quick loop
def test_save_video_writes_what_is_shown(qtbot, watch_view, dialogs, tmp_path):
    imageio = pytest.importorskip("imageio.v2")
    dialogs.save_path = tmp_path / "policy.gif"
    watch_view.timeline.choose(snapshot_steps(watch_view.run_dir)[1])
    watch_view.timeline.save_video()
    assert not watch_view.timeline.video_button.isEnabled()  # rendering beside the window
    qtbot.waitUntil(lambda: not watch_view.timeline.video_running, timeout=60_000)
    reader = imageio.get_reader(dialogs.save_path)
    assert reader.get_length() > 1
    reader.close()


def test_a_bc_runs_timeline_counts_epochs(qtbot, dialogs):
    from app.gui.watch.timeline_bar import TimelineBar
    from core.train.settings.config import default_config

    assert default_config("CartPole-v1", algo="bc").progress_unit == "epochs"
    assert default_config("CartPole-v1").progress_unit == "env steps"
    bar = TimelineBar(dialogs, lambda: False)
    qtbot.addWidget(bar)
    bar.set_run(None, "epochs")
    bar.set_steps([0, 5, 10])
    bar.choose(5)
    assert bar.label.text() == "as at 5 epochs"


def test_a_finished_run_clearly_better_sampled_is_watched_sampled(qtbot, workspace, dialogs, lander_run, tmp_path):
    # The run's own final_eval.json, as the trainer wrote it, carries the sampled figures...
    run_dir = tmp_path / "better-sampled"
    shutil.copytree(lander_run, run_dir)
    written = RunDir(run_dir).final_eval()
    assert written is not None and written.sampled_return_mean is not None
    # ... and when they are clearly higher, the Watch view opens the run with sampled actions.
    RunDir(run_dir).write_final_eval(
        replace(written, return_std=5.0, sampled_return_mean=written.return_mean + 50.0, sampled_return_std=5.0)
    )
    view = WatchView(workspace, dialogs)
    qtbot.addWidget(view)
    view.set_run(run_dir)
    assert not view._mode.deterministic and "plays better with sampled actions" in view._mode.note
    view.shutdown()


def test_a_finished_run_below_its_demos_says_why_in_the_watch_view(qtbot, workspace, dialogs, lander_run, tmp_path):
    run_dir = tmp_path / "short"
    shutil.copytree(lander_run, run_dir)
    written = RunDir(run_dir).final_eval()
    RunDir(run_dir).write_final_eval(replace(written, return_mean=-400.0, return_std=10.0, sampled_return_mean=-400.0))
    view = WatchView(workspace, dialogs)
    qtbot.addWidget(view)
    view.set_run(run_dir)
    assert "⚠ The policy scores -400.0, below your demos'" in view._info.text()
    assert "Likely: the run was short (2,048 env steps" in view.shortfall and "What helps: " in view.shortfall
    view.shutdown()
