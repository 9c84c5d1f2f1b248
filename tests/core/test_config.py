"""TrainConfig's checks across fields."""

import pytest

from core.errors import ConfigError
from core.train.settings.config import default_config


def test_absorbing_needs_discounting():
    # The absorbing state is worth its reward / (1 - gamma): at gamma 1 that is no number, and it
    # once became 0 without a word.
    with pytest.raises(ConfigError, match="gamma: must be below 1 with absorbing"):
        default_config("LunarLander-v3", gamma=1.0)
    assert default_config("LunarLander-v3", gamma=1.0, absorbing=False).gamma == 1.0
