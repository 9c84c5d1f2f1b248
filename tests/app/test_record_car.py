"""``record-expert --env CarRacing-v3``: the scripted driver's laps written as a demo set.

One whole lap takes about 8 s: CarRacing renders every frame (about 100 steps/s) and
``record-expert`` has no episode-length option, so the shortest lap of the measured seeds is
recorded (seed 8: 683 steps).
"""

import numpy as np

from app.cli.main import main
from core.data.demo_set import load_demo_set
from core.envs.endings import classify_ending
from core.envs.registry import get_spec


def test_record_expert_writes_the_drivers_lap(tmp_path, capsys):
    folder = tmp_path / "car"
    status = main(["record-expert", "--env", "CarRacing-v3", "--episodes", "1", "--seed", "8", "--out", str(folder)])
    out = capsys.readouterr().out
    assert status == 0 and "episode 1/1 seed 8: return" in out
    (episode,) = load_demo_set(folder, env_key="CarRacing-v3").episodes
    meta = episode.meta
    assert (meta.source, meta.source_detail, meta.reset_seed) == ("scripted", "scripted:CarRacing-v3", 8)
    assert meta.terminated and meta.length < 1000 and meta.episode_return > 900.0  # measured: 931.7 in 683 steps
    assert episode.observations.shape == (meta.length + 1, 96, 96, 3) and episode.observations.dtype == np.uint8
    ending = classify_ending(get_spec("CarRacing-v3"), episode.observations[-1], float(episode.rewards[-1]), True)
    assert ending.text == "completed the lap"
