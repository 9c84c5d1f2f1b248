"""The roll-out step of a GAIL round: the envs, stepped here or (``rollout_process``) in a second
process that collects the next batch while this one is learned from, always with the rollout
policy, the CPU copy of the policy."""

from __future__ import annotations

import numpy as np

from core.rl.nets import ActorCritic, state_to_numpy
from core.train.env_runner import EnvRunner, RolloutBatch, RunnerSpec
from core.train.events import TrainControl
from core.train.rollout_process import RolloutProcess
from core.train.settings.config import TrainConfig


class Rollouts:
    """A run's source of batches: built by ``start``, closed by ``close`` (no envs before ``start``)."""

    def __init__(self, config: TrainConfig, rollout_policy: ActorCritic) -> None:
        self.config = config
        self.rollout_policy = rollout_policy  # updated in place after each update, never replaced
        self.source: EnvRunner | RolloutProcess | None = None

    def start(self, iteration: int) -> None:
        """Build the envs; a rollout process imports and builds them while this one goes on."""
        config = self.config
        # A resumed run starts new episodes, and new action noise, from seeds it has not used before.
        seed = config.seed + 10_000 * iteration
        spec = RunnerSpec(config.env, config.num_envs, config.num_steps, seed, seed + 1, config.normalize_obs)
        if not config.rollout_process:
            self.source = EnvRunner(spec)
        else:
            self.source = RolloutProcess(spec)

    def request_first(self) -> None:
        """With a rollout process: ask for the first batch, from the rollout policy as it is now."""
        if isinstance(self.source, RolloutProcess):
            self.source.request(self._policy_state())

    def next_batch(self, control: TrainControl, env_steps: int) -> RolloutBatch | None:
        """This iteration's batch, or None on a stop (``env_steps``: those taken before it). With a
        rollout process, the next one is requested before returning, unless this one reaches
        ``total_steps``, so it is collected while this one is learned from."""
        source = self.source
        if control.stop_requested:
            return None
        if isinstance(source, EnvRunner):

            def should_stop() -> bool:
                if control.paused:
                    control.wait_while_paused()
                return control.stop_requested

            return source.collect(source.policy_from_state(self._policy_state()), should_stop)
        assert source is not None, "Rollouts.start first"
        batch = source.receive(lambda: control.stop_requested)
        if batch is not None and env_steps + steps_in(batch) < self.config.total_steps:
            source.request(self._policy_state())
        return batch

    def ask_to_close(self) -> None:
        """Let a rollout process exit while the run finishes (its final evaluation)."""
        if isinstance(self.source, RolloutProcess):
            self.source.ask_to_close()

    def close(self) -> None:
        if self.source is not None:
            self.source.close()

    def _policy_state(self) -> dict[str, np.ndarray]:
        return state_to_numpy(self.rollout_policy)


def steps_in(batch: RolloutBatch) -> int:
    """The env steps a batch holds: num_steps in each of num_envs envs."""
    return batch.obs.shape[0] * batch.obs.shape[1]


def finished_episodes(batch: RolloutBatch) -> dict[str, float]:
    """The mean env return and length of the episodes that ended in the batch; nothing if none did."""
    if not batch.finished:
        return {}
    return {
        "train_return": float(np.mean([env_return for env_return, _ in batch.finished])),
        "train_length": float(np.mean([length for _, length in batch.finished])),
    }
