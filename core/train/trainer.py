"""The training loop: demos + config -> a stream of events.

A GAIL round, as in the seed: roll out pi on CPU -> update D on expert vs policy pairs ->
overwrite the stored rewards with the chosen form of D -> GAE -> update the generator (PPO-clip,
PPO adaptive-KL or TRPO). ``algo="bc"`` runs behaviour cloning alone. What a run keeps and reports
around its updates, the same for both, is ``core.train.bookkeeping``'s.

Every front end consumes ``Trainer.run(control)``: the CLI prints it, tests assert on it, the GUI
worker forwards it as Qt signals.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from torch.distributions import Distribution

from core.data.demo_set import DemoSet
from core.data.ending_choice import choose_endings
from core.envs.registry import get_spec
from core.errors import CheckpointError, DemoError
from core.rl import bc, gail
from core.rl.gae import RolloutBuffer, compute_gae
from core.rl.nets import ActorCritic, Discriminator
from core.rl.optim import adam
from core.train.bookkeeping import Bookkeeping, policy_snapshot
from core.train.divergence import require_finite
from core.train.env_runner import RolloutBatch
from core.train.events import Event, PolicySnapshot, TrainControl
from core.train.expert_data import ExpertData
from core.train.generator_update import GeneratorUpdate
from core.train.imitation_rewards import ImitationRewards
from core.train.progress import Progress
from core.train.rollouts import Rollouts, finished_episodes, steps_in
from core.train.round_samples import Advantages, DiscriminatorRewards, DiscriminatorVerdict, PolicySamples
from core.train.runs.checkpoint import CheckpointSchedule, restore_training, training_checkpoint
from core.train.runs.run_dir import RunDir
from core.train.runs.run_lock import RunLock
from core.train.runs.start_from import load_start
from core.train.settings.config import TrainConfig
from core.train.settings.device import device_for
from core.train.settings.rule_settings import discriminator_settings, judges_endings, reward_settings
from core.train.stale_batch import as_buffer, reevaluate

# Argument validation of every distribution costs time in the rollout loop; NaNs are caught by
# the trainer's own checks, which name the quantity.
Distribution.set_default_validate_args(False)


class Trainer:
    """Trains a policy to imitate ``demos`` under ``config``; writes a run folder if given one."""

    def __init__(
        self,
        config: TrainConfig,
        demos: DemoSet,
        run_dir: Path | None = None,
        resume: bool = False,
        start_from: Path | None = None,
    ) -> None:
        self.config = config
        self.spec = get_spec(config.env)
        demos.require_episodes()
        if demos.env_key != config.env:
            raise DemoError(f"{demos.folder}: demos were recorded in {demos.env_key}, but training is for {config.env}")
        self.demos = demos
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.run_folder = RunDir(self.run_dir) if self.run_dir is not None else None
        # Held until run() ends: no second trainer (CLI or GUI) writes into this folder meanwhile.
        self.run_lock = RunLock.acquire(self.run_dir) if self.run_dir is not None else None
        self.device_choice = device_for(config)
        self.device = self.device_choice.device
        torch.manual_seed(config.seed)

        self.policy = ActorCritic(self.spec, config.hidden_size, config.normalize_obs).to(self.device)
        self.judges_endings = judges_endings(config)
        disc = Discriminator(self.spec, config.disc_hidden_size, config.normalize_obs, self.judges_endings)
        self.disc = disc.to(self.device)
        # Rollouts run on the CPU; with a GPU the CPU copy is refreshed after each update.
        self.rollout_policy = self.policy
        if self.device.type != "cpu":
            self.rollout_policy = ActorCritic(self.spec, config.hidden_size, config.normalize_obs)
        if config.generator == "trpo":  # TRPO steps the actor itself; Adam trains its critic
            self.policy_optimizer = adam(self.policy.critic.parameters(), config.learning_rate, eps=1e-5)
        else:
            self.policy_optimizer = adam(self.policy.parameters(), config.learning_rate, eps=1e-5)
        self.disc_optimizer = adam(self.disc.parameters(), config.disc_learning_rate)
        self.bc_optimizer = adam(self.policy.parameters(), config.learning_rate, eps=1e-5)
        self.disc_settings = discriminator_settings(config)

        self.ending_choice = choose_endings(demos, config.failed_endings)
        expert = ExpertData.from_demos(demos, self.spec, self.device, self.ending_choice.imitate_failed)
        self.expert_obs = expert.obs
        self.expert_actions = expert.actions
        self.expert_end_obs = expert.end_obs
        self.expert_absorbing_share = expert.absorbing_share
        # Both normalisers start from the demos' statistics, so the first rollouts see sensible inputs.
        self.policy.obs_norm.update(self.expert_obs)
        self.disc.obs_norm.update(self.expert_obs)

        self.progress = Progress()
        self.checkpoints = CheckpointSchedule(config.checkpoint_every_iters, config.checkpoint_every_s)
        self.generator_update = GeneratorUpdate(
            self.policy, self.policy_optimizer, config, self.expert_obs, self.expert_actions
        )
        self.imitation = ImitationRewards(reward_settings(config), self.expert_absorbing_share, config.num_envs)
        self.rollouts = Rollouts(config, self.rollout_policy)
        # Another run's networks (coach mode): start_from.py says what carries over.
        self.origin = load_start(self.policy, self.disc, config, start_from) if start_from is not None else None
        self._sync_rollout_policy()  # with a GPU the rollout copy is separate
        self.resumed = resume  # (a run with no checkpoint yet resumes at 0: it starts over)
        if resume:
            self._restore()
        if self.run_folder is not None:
            self.run_folder.write_config(config)
            self.run_folder.write_demo_summary(demos)
            if self.origin is not None:
                self.run_folder.write_origin(self.origin)

    # ----------------------------------------------------------------------------- public

    @property
    def iteration(self) -> int:
        """Iterations done (BC: epochs)."""
        return self.progress.iteration

    @property
    def env_steps(self) -> int:
        return self.progress.env_steps

    @property
    def wall_time_s(self) -> float:
        return self.progress.wall_time_s

    def run(self, control: TrainControl | None = None) -> Iterator[Event]:
        """Train until ``total_steps``, the stopping rule's done (``stop_when_done``) or a stop; yields
        events, never raises (errors -> ``Failed``)."""
        control = control or TrainControl()
        torch.set_num_threads(self.config.torch_threads)
        self.bookkeeping = Bookkeeping(
            config=self.config,
            spec=self.spec,
            progress=self.progress,
            policy=self.policy,
            disc=self.disc,
            rollout_policy=self.rollout_policy,
            run_folder=self.run_folder,
            checkpoints=self.checkpoints,
            save=self.save,
            resumed_at=self.progress.step if self.resumed else None,
            demo_returns=self.demos.returns.tolist(),
        )
        try:
            self.bookkeeping.start()
            if self.config.algo == "bc":
                yield from self._run_bc(control)
            else:
                yield from self._run_gail(control)
        except Exception as error:  # noqa: BLE001 - every failure becomes an event the front end shows
            yield self.bookkeeping.failed(error)
        finally:
            self.rollouts.close()
            if self.run_lock is not None:
                self.run_lock.release()
            self.bookkeeping.close()

    def snapshot(self) -> PolicySnapshot:
        return policy_snapshot(self.progress, self.policy, self.disc)

    def save(self) -> Path:
        """Write the latest checkpoint into the run folder; returns the tensor file."""
        assert self.run_folder is not None
        state = self.progress.state() | self.generator_update.state() | self.imitation.state()
        self.checkpoints.saved()
        checkpoint = training_checkpoint({"policy": self.policy, "disc": self.disc}, self._optimizers(), state)
        return self.run_folder.save_checkpoint(checkpoint)

    def _optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Every optimizer whose moments a checkpoint keeps, by its name there."""
        return {"policy_opt": self.policy_optimizer, "disc_opt": self.disc_optimizer, "bc_opt": self.bc_optimizer}

    def _restore(self) -> None:
        if self.run_folder is None:
            raise CheckpointError("resume needs a run folder")
        if self.run_folder.latest_checkpoint() is None:  # stopped before its first checkpoint: it starts over,
            origin = self.run_folder.origin()  # from the run it started from, if it did
            if origin is not None:
                self.origin = load_start(self.policy, self.disc, self.config, Path(origin.run))
                self._sync_rollout_policy()
            return
        networks = {"policy": self.policy, "disc": self.disc}
        state = restore_training(self.run_folder.checkpoint(), self.run_folder.path, networks, self._optimizers())
        try:
            self.progress.restore(state)
            self.generator_update.restore(state)
            self.imitation.restore(state)
        except KeyError as error:  # types were checked on load; a field an edit removed is named here
            raise CheckpointError(f"{self.run_folder.path}/checkpoints/latest.json: field {error} is missing") from None
        self._sync_rollout_policy()

    # ----------------------------------------------------------------------------- GAIL

    def _run_gail(self, control: TrainControl) -> Iterator[Event]:
        # Started first: a rollout process imports and builds its envs during the warm start.
        self.rollouts.start(self.iteration)
        if self.iteration == 0 and self.config.bc_warmstart_epochs and self.origin is None:
            self._behaviour_clone(self.config.bc_warmstart_epochs, lambda: control.stop_requested)
            self._sync_rollout_policy()
        self.rollouts.request_first()
        stopped = False
        while self.env_steps < self.config.total_steps and not self.bookkeeping.done:
            if control.paused:
                control.wait_while_paused()
            started = time.perf_counter()
            batch = self.rollouts.next_batch(control, self.env_steps)
            if batch is None:
                stopped = True
                break
            scalars = self._update(batch)
            steps = steps_in(batch)
            elapsed_s = time.perf_counter() - started
            self.progress.count(steps, elapsed_s)
            scalars["steps_per_s"] = steps / elapsed_s
            scalars |= finished_episodes(batch)
            yield from self.bookkeeping.record(scalars)
        self.rollouts.ask_to_close()  # a rollout process exits during the final evaluation
        yield from self.bookkeeping.finish(stopped)

    def _update(self, batch: RolloutBatch) -> dict[str, float]:
        """Learn from a rolled-out batch: update D, overwrite the stored rewards with D's, GAE,
        update the generator; returns the round's statistics."""
        buffer, weights = self._to_buffer(batch)
        samples = PolicySamples.of(batch, buffer, weights, self.device)
        verdict = self._update_discriminator(samples)
        rewards = self._rewards_from_discriminator(samples, verdict)
        advantages = self._advantages(samples, rewards)
        generator_scalars = self._update_generator(samples, advantages)
        return verdict.scalars | rewards.scalars | generator_scalars

    def _to_buffer(self, batch: RolloutBatch) -> tuple[RolloutBuffer, torch.Tensor | None]:
        """The batch as tensors, and importance weights when it came from an older policy (see
        ``core.train.stale_batch``); None = all 1."""
        buffer = as_buffer(batch)
        if not self.config.rollout_process:
            return buffer, None
        return buffer, reevaluate(buffer, batch, self.rollout_policy).to(self.device)

    def _update_discriminator(self, samples: PolicySamples) -> DiscriminatorVerdict:
        """D on expert vs policy pairs (and, when it judges them, on endings)."""
        self.disc.obs_norm.update(samples.obs)  # D sees this batch's statistics before it learns from it
        scalars, policy_logits = gail.update_discriminator(
            self.disc,
            self.disc_optimizer,
            self.expert_obs,
            self.expert_actions,
            self.expert_end_obs,
            samples.obs,
            samples.actions,
            samples.end_obs,
            self.disc_settings,
        )
        return DiscriminatorVerdict(policy_logits, scalars)

    def _rewards_from_discriminator(
        self, samples: PolicySamples, verdict: DiscriminatorVerdict
    ) -> DiscriminatorRewards:
        """Overwrite the stored rewards with the chosen form of D; the absorbing state's value beside them."""
        buffer = samples.buffer
        rewards, absorbing_value, scalars = self.imitation.rewards(
            self.disc, verdict.policy_logits, buffer, samples.end_obs, samples.end_index
        )
        self._require_finite("imitation reward (from D)", rewards)
        buffer.rewards = rewards
        return DiscriminatorRewards(absorbing_value, scalars)

    def _advantages(self, samples: PolicySamples, rewards: DiscriminatorRewards) -> Advantages:
        buffer = samples.buffer
        advantages, returns = compute_gae(
            buffer.rewards,
            buffer.values,
            buffer.next_values,
            buffer.terminated,
            buffer.truncated,
            self.config.gamma,
            self.config.gae_lambda,
            rewards.absorbing_value,
        )
        self._require_finite("advantages", advantages)
        return Advantages(advantages, returns)

    def _update_generator(self, samples: PolicySamples, advantages: Advantages) -> dict[str, float]:
        scalars = self.generator_update.update(samples, advantages, self.iteration)
        self.policy.obs_norm.update(samples.obs)
        self._sync_rollout_policy()
        return scalars

    # ----------------------------------------------------------------------------- BC

    def _run_bc(self, control: TrainControl) -> Iterator[Event]:
        while self.iteration < self.config.bc_epochs and not self.bookkeeping.done:
            if control.paused:
                control.wait_while_paused()
            if control.stop_requested:
                break
            started = time.perf_counter()
            scalars = {"bc_loss": self._behaviour_clone(1)}
            self.progress.count(0, time.perf_counter() - started)
            self._sync_rollout_policy()  # on a GPU: evaluations play, and the best is kept from, the CPU copy
            yield from self.bookkeeping.record(scalars)
        self._sync_rollout_policy()
        yield self.snapshot()
        yield from self.bookkeeping.finish(control.stop_requested)

    def _behaviour_clone(self, epochs: int, should_stop: Callable[[], bool] = lambda: False) -> float:
        batch_size = self.config.bc_batch_size
        return bc.clone(
            self.policy, self.bc_optimizer, self.expert_obs, self.expert_actions, epochs, batch_size, should_stop
        )

    # ----------------------------------------------------------------------------- helpers

    def _sync_rollout_policy(self) -> None:
        if self.rollout_policy is not self.policy:
            self.rollout_policy.load_state_dict({k: v.cpu() for k, v in self.policy.state_dict().items()})

    def _require_finite(self, name: str, tensor: torch.Tensor) -> None:
        require_finite(name, tensor, self.iteration + 1)  # computed in the iteration under way
