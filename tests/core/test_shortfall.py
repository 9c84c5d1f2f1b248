"""Why a policy falls short of the demos, read from the data, tested on the simulated people."""

from dataclasses import replace

import pytest

from core.data.demo_set import load_demo_set
from core.envs.player_population import population_player
from core.train.runs.records import FinalEval
from core.train.settings.config import default_config
from core.train.shortfall import falls_short, shortfall_reason
from tests.recordings import record_episodes

LANDER = "LunarLander-v3"
CRASHING = FinalEval(return_mean=-300.0, return_std=20.0, length_mean=80.0, episodes=10)


def demos_of(tmp_path, name, count):
    folder = tmp_path / name / LANDER
    record_episodes(folder, LANDER, population_player(name, seed=0), range(1000, 1000 + count), source="human")
    return load_demo_set(folder)


def test_a_beginner_whose_demos_never_land_is_told_to_record_one_that_does(tmp_path):
    demos = demos_of(tmp_path, "beginner", 5)
    reason = shortfall_reason(CRASHING, demos)
    assert reason.startswith("The policy scores -300.0, below your demos' ")
    assert "Likely: none of your demos ends well" in reason and "What helps: record a few that end well" in reason


def test_few_demos_and_demos_that_differ_are_named(tmp_path):
    few = demos_of(tmp_path, "hover-first", 3)
    assert "Likely: 3 demos are few to learn from" in shortfall_reason(CRASHING, few)
    mixed = demos_of(tmp_path, "off-centre", 10)  # lands on and beside the pad, crashes, hovers
    assert "your demos differ a lot (returns from" in shortfall_reason(CRASHING, mixed)


def test_a_policy_as_good_as_the_demos_gets_no_sentence_and_noise_is_not_a_shortfall(tmp_path):
    demos = demos_of(tmp_path, "hover-first", 6)
    mean = float(demos.returns.mean())
    assert not falls_short(replace(CRASHING, return_mean=mean + 1.0), demos)
    assert not falls_short(replace(CRASHING, return_mean=mean - 10.0, return_std=50.0), demos)  # within noise
    # Shown sampled (clearly better sampled): the sampled figure is the one compared.
    sampled = replace(CRASHING, sampled_return_mean=mean + 5.0, sampled_return_std=5.0)
    assert shortfall_reason(sampled, demos) is None


@pytest.mark.parametrize(
    ("accuracy", "cause"),
    [(0.99, "Likely: the discriminator still tells it"), (0.6, "What helps: train longer (Resume), or take over")],
)
def test_otherwise_d_or_training_time_is_the_cause(tmp_path, accuracy, cause):
    demos = demos_of(tmp_path, "hover-first", 6)
    assert cause in shortfall_reason(CRASHING, demos, disc_accuracy=accuracy)


def test_a_short_run_and_a_second_cause_are_both_named(tmp_path):
    demos = demos_of(tmp_path, "beginner", 3)
    config = default_config(LANDER)
    reason = shortfall_reason(CRASHING, demos, config=config, env_steps=16_384)
    assert "Likely: the run was short (16,384 env steps; this env's default is 1,000,000)." in reason
    assert "Also, none of your demos ends well" in reason  # the two causes that matter most
    assert "What helps: train longer (Resume), or record a few that end well." in reason
    assert "Likely: the run was short" not in shortfall_reason(CRASHING, demos, config=config, env_steps=900_000)
