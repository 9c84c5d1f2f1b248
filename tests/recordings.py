"""Episodes recorded for tests through the app's own Recorder, by a scripted expert or a simulated
keyboard player (a module, not a conftest: tests import it by name)."""

from core.data.recorder import Recorder
from core.envs.experts import make_expert
from core.envs.human_player import make_human_player
from core.envs.registry import get_spec


def record_episodes(folder, env_key, player, seeds, source, source_detail=""):
    """Write one episode per reset seed, played by ``player`` (bind(env), reset(obs), act(obs)); their paths."""
    recorder = Recorder(get_spec(env_key), folder, source=source, source_detail=source_detail)
    player.bind(recorder.env)
    paths = []
    for seed in seeds:
        obs = recorder.reset(seed=seed)
        player.reset(obs)
        while not recorder.done:
            obs = recorder.step(player.act(obs)).observation
        paths.append(recorder.keep())
    recorder.close()
    return paths


def record_expert_episodes(folder, env_key="CartPole-v1", count=2, first_seed=0):
    """Write ``count`` scripted episodes into ``folder``; returns their paths."""
    expert = make_expert(env_key)
    seeds = range(first_seed, first_seed + count)
    return record_episodes(folder, env_key, expert, seeds, source="scripted", source_detail=expert.description)


def record_keyboard_player_episodes(folder, env_key, skill, seeds, player_seed=0):
    """Episodes of the simulated keyboard player at ``skill`` (0 weak .. 1 good); their paths."""
    return record_episodes(folder, env_key, make_human_player(env_key, skill, seed=player_seed), seeds, source="human")
