import pytest

from tests.recordings import record_expert_episodes, record_keyboard_player_episodes


@pytest.fixture
def lander_demos(tmp_path):
    """A folder with three scripted LunarLander episodes."""
    folder = tmp_path / "LunarLander-v3"
    record_expert_episodes(folder, "LunarLander-v3", count=3)
    return folder


@pytest.fixture
def mixed_lander_demos(tmp_path):
    """Two scripted landings and two episodes of the weak keyboard player (both crash)."""
    folder = tmp_path / "LunarLander-v3"
    record_expert_episodes(folder, "LunarLander-v3", count=2)
    record_keyboard_player_episodes(folder, "LunarLander-v3", 0.0, seeds=(1000, 1001))
    return folder
