"""What the demos' endings teach D is decided from the demos, and said in plain words."""

import pytest

from core.data.demo_set import load_demo_set
from core.data.ending_choice import choose_endings
from core.paths import sample_demos_dir
from core.train.settings.config import config_from_dict, default_config
from core.train.trainer import Trainer
from tests.recordings import record_keyboard_player_episodes

LANDER = "LunarLander-v3"


@pytest.fixture
def crashed_lander_demos(tmp_path):
    """A beginner's first try: three episodes of the weakest keyboard player, all crashed."""
    folder = tmp_path / LANDER
    record_keyboard_player_episodes(folder, LANDER, 0.0, seeds=(1000, 1001, 1002))
    return folder


def test_with_no_good_ending_the_crashes_are_imitated(crashed_lander_demos):
    demos = load_demo_set(crashed_lander_demos)
    assert all(episode.ending.failed for episode in demos.episodes)
    choice = choose_endings(demos)
    assert choice.imitate_failed and "none of the 3 demos ended well" in choice.reason
    config = default_config(LANDER, total_steps=64, num_envs=2, num_steps=32, rollout_process=False)
    trainer = Trainer(config, demos)
    assert trainer.ending_choice == choice and len(trainer.expert_end_obs) == 3  # D learns these endings


def test_among_good_endings_a_crash_is_a_slip(mixed_lander_demos):
    choice = choose_endings(load_demo_set(mixed_lander_demos))
    assert not choice.imitate_failed and choice.reason.startswith("2 of 4 demos end well")
    samples = choose_endings(load_demo_set(sample_demos_dir(LANDER)))  # the scripted landings
    assert not samples.imitate_failed and "end well: their endings are imitated" in samples.reason


def test_the_setting_still_decides_when_set_and_old_configs_read_as_they_trained(mixed_lander_demos):
    demos = load_demo_set(mixed_lander_demos)
    assert choose_endings(demos, "imitate").imitate_failed and not choose_endings(demos, "ignore").imitate_failed
    assert choose_endings(demos, "ignore").reason == "set by failed_endings = ignore: only the good endings teach D"
    record = default_config(LANDER).to_dict()
    del record["failed_endings"]
    assert config_from_dict({**record, "imitate_failed_endings": False}).failed_endings == "ignore"
    assert default_config(LANDER, imitate_failed_endings=True).failed_endings == "imitate"  # --set, old name
    assert default_config(LANDER).failed_endings == "auto"


def test_where_lasting_is_the_goal_a_fall_is_never_imitated(tmp_path):
    # A CartPole player who balances to the limit in some episodes ends well in those; one who
    # always falls is not taught to fall: lasting to the time limit is CartPole's good ending.
    folder = tmp_path / "CartPole-v1"
    record_keyboard_player_episodes(folder, "CartPole-v1", 0.0, seeds=(1000, 1001))
    demos = load_demo_set(folder)
    assert all(episode.ending.failed and episode.meta.terminated for episode in demos.episodes)
    choice = choose_endings(demos)
    assert not choice.imitate_failed and "lasting to the time limit is this game's good ending" in choice.reason
