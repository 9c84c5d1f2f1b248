"""Evaluate a policy: returns and lengths over seeded episodes, stepped in lock-step and batched.

Normalised return: 0 = a uniformly random policy, 1 = the demonstrations' mean return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.envs.registry import EnvSpec
from core.rl.nets import ActorCritic, state_to_numpy
from core.rl.numpy_policy import NumpyPolicy
from core.rl.torch_policy import TorchPolicy
from core.train.runs.records import FinalEval
from core.train.settings.seeds import EVAL_SEED_BASE  # far from the seeds demos are recorded with (0..~10^4)


@dataclass(frozen=True)
class EvalResult:
    returns: np.ndarray  # (episodes,)
    lengths: np.ndarray  # (episodes,)

    @property
    def mean_return(self) -> float:
        return float(self.returns.mean())

    @property
    def std_return(self) -> float:
        return float(self.returns.std())

    @property
    def mean_length(self) -> float:
        return float(self.lengths.mean())


def run_episodes(spec: EnvSpec, act, episodes: int, seed: int) -> EvalResult:
    """Play ``episodes`` episodes (reset seeds seed, seed+1, ...) with ``act(obs (B, d)) -> actions (B,...)``."""
    envs = [spec.make_for_policy() for _ in range(episodes)]
    obs = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)]).astype(spec.input_dtype)
    returns, lengths = np.zeros(episodes), np.zeros(episodes, dtype=np.int64)
    active = np.ones(episodes, dtype=bool)
    while active.any():
        index = np.flatnonzero(active)
        actions = act(obs[index])
        for slot, env_index in enumerate(index):
            action = spec.check_action(actions[slot])
            next_obs, reward, terminated, truncated, _ = envs[env_index].step(action)
            obs[env_index] = np.asarray(next_obs).reshape(obs.shape[1:])
            returns[env_index] += reward
            lengths[env_index] += 1
            if terminated or truncated:
                active[env_index] = False
    for env in envs:
        env.close()
    return EvalResult(returns, lengths)


def _inference_policy(policy: ActorCritic, spec: EnvSpec) -> NumpyPolicy | TorchPolicy:
    """The policy in numpy for a vector env; for a pixel env a CPU copy in torch (its CNN)."""
    state = state_to_numpy(policy)
    if spec.pixels is not None:
        return TorchPolicy(state, spec)
    return NumpyPolicy(state, policy.discrete, policy.obs_norm.enabled, policy.obs_norm.clip)


def evaluate_policy(
    policy: ActorCritic, spec: EnvSpec, episodes: int, seed: int = EVAL_SEED_BASE, deterministic: bool = True
) -> EvalResult:
    """The policy's return and length over ``episodes`` seeded episodes (CPU inference)."""
    fast = _inference_policy(policy, spec)
    rng = np.random.default_rng(seed)

    def act(obs: np.ndarray) -> np.ndarray:
        return fast.act(obs, rng, deterministic=deterministic)[0]

    return run_episodes(spec, act, episodes, seed)


# The run's own final evaluation (quick: the benchmark and `evaluate` use 50 episodes).
FINAL_EVAL_EPISODES = 10


def final_evaluation(policy: ActorCritic, spec: EnvSpec, episodes: int = FINAL_EVAL_EPISODES) -> FinalEval:
    """What ``final_eval.json`` holds: the deterministic policy on the evaluation seeds, and the
    same policy sampling its actions (imitated human play is sometimes better sampled); the
    benchmark asks for more ``episodes``."""
    result = evaluate_policy(policy, spec, episodes, seed=EVAL_SEED_BASE)
    sampled = evaluate_policy(policy, spec, episodes, seed=EVAL_SEED_BASE, deterministic=False)
    return FinalEval(
        return_mean=result.mean_return,
        return_std=result.std_return,
        length_mean=result.mean_length,
        episodes=episodes,
        sampled_return_mean=sampled.mean_return,
        sampled_return_std=sampled.std_return,
    )


def random_policy_return(spec: EnvSpec, episodes: int = 50, seed: int = EVAL_SEED_BASE) -> float:
    """Mean return of uniformly random actions: the 0 of the normalised scale."""
    rng = np.random.default_rng(seed)

    def act(obs: np.ndarray) -> np.ndarray:
        if spec.is_discrete:
            return rng.integers(spec.n_actions, size=len(obs))
        return rng.uniform(spec.action_low, spec.action_high, size=(len(obs), spec.action_dim)).astype(np.float32)

    return run_episodes(spec, act, episodes, seed).mean_return


def normalized_return(value: float, random_return: float, demo_return: float) -> float:
    """(value - random) / (demos - random): 0 = random, 1 = the demonstrations."""
    scale = demo_return - random_return
    return float((value - random_return) / scale) if abs(scale) > 1e-8 else float("nan")
