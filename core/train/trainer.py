"""The training loop: demos + config -> a stream of events.

A GAIL round, as in the seed: roll out pi on CPU -> update D on expert vs policy pairs ->
overwrite the stored rewards with the chosen form of D -> GAE -> update the generator (PPO-clip,
PPO adaptive-KL or TRPO). ``algo="bc"`` runs behaviour cloning alone.

Every front end consumes ``Trainer.run(control)``: the CLI prints it, tests assert on it, the GUI
worker forwards it as Qt signals.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
from torch.distributions import Distribution

from core.data.demo_set import DemoSet
from core.envs.registry import get_spec
from core.errors import CheckpointError, DemoError, TrainingError
from core.rl import bc, gail, ppo, trpo
from core.rl.gae import RolloutBuffer, compute_gae
from core.rl.nets import ActorCritic, Discriminator, state_to_numpy
from core.rl.optim import adam
from core.train.divergence import check_finite, require_finite
from core.train.env_runner import EnvRunner, RolloutBatch, RunnerSpec
from core.train.evaluate import evaluate_policy, final_evaluation
from core.train.events import CheckpointSaved, Event, Failed, Finished, IterationStats, PolicySnapshot, TrainControl
from core.train.expert_data import ExpertData
from core.train.imitation_rewards import ImitationRewards
from core.train.rollout_process import RolloutProcess
from core.train.runs.checkpoint import CheckpointSchedule, restore_training, training_checkpoint
from core.train.runs.records import FinalEval
from core.train.runs.run_dir import RunDir
from core.train.runs.run_lock import RunLock
from core.train.runs.run_outputs import RunOutputs
from core.train.runs.start_from import load_start
from core.train.settings.config import TrainConfig
from core.train.settings.device import resolve_device
from core.train.settings.rule_settings import (
    discriminator_settings,
    judges_endings,
    ppo_settings,
    reward_settings,
    trpo_settings,
)
from core.train.settings.seeds import EVAL_SEED_BASE
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
        self.device = resolve_device(config.device)
        torch.manual_seed(config.seed)
        self.rng = np.random.default_rng(config.seed)

        spec, device = self.spec, self.device
        self.policy = ActorCritic(spec, config.hidden_size, config.normalize_obs).to(device)
        self.judges_endings = judges_endings(config)
        self.disc = Discriminator(spec, config.disc_hidden_size, config.normalize_obs, self.judges_endings).to(device)
        # Rollouts run on the CPU; with a GPU the CPU copy is refreshed after each update.
        self.rollout_policy = (
            self.policy if device.type == "cpu" else ActorCritic(spec, config.hidden_size, config.normalize_obs)
        )
        if config.generator == "trpo":
            self.policy_optimizer = adam(self.policy.critic.parameters(), config.learning_rate, eps=1e-5)
        else:
            self.policy_optimizer = adam(self.policy.parameters(), config.learning_rate, eps=1e-5)
        self.disc_optimizer = adam(self.disc.parameters(), config.disc_learning_rate)
        self.bc_optimizer = adam(self.policy.parameters(), config.learning_rate, eps=1e-5)
        self.disc_settings = discriminator_settings(config)
        self.ppo_settings = ppo_settings(config)
        self.trpo_settings = trpo_settings(config)

        expert = ExpertData.from_demos(demos, spec, device, config.imitate_failed_endings)
        self.expert_obs, self.expert_actions, self.expert_end_obs = expert.obs, expert.actions, expert.end_obs
        self.expert_absorbing_share = expert.absorbing_share
        # Both normalisers start from the demos' statistics, so the first rollouts see sensible inputs.
        self.policy.obs_norm.update(self.expert_obs)
        self.disc.obs_norm.update(self.expert_obs)

        self.iteration, self.env_steps, self.wall_time_s = 0, 0, 0.0
        self.checkpoints = CheckpointSchedule(config.checkpoint_every_iters, config.checkpoint_every_s)
        self.kl_beta = config.kl_beta_init
        self.imitation = ImitationRewards(reward_settings(config), self.expert_absorbing_share, config.num_envs)
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

    def run(self, control: TrainControl | None = None) -> Iterator[Event]:
        """Train until ``total_steps`` or a stop; yields events, never raises (errors -> ``Failed``)."""
        control = control or TrainControl()
        torch.set_num_threads(self.config.torch_threads)
        last_checkpoint: Path | None = None
        source: EnvRunner | RolloutProcess | None = None
        # Metrics, TensorBoard, the timeline: opened here, so a trainer never run holds no writer.
        resumed_at = (self.env_steps or self.iteration) if self.resumed else None
        self.outputs = RunOutputs(self.run_folder, self.config, resumed_at)
        try:
            if self.iteration == 0:
                self.outputs.timeline(0, 0, self.policy)  # the timeline's start: before any training
            if self.config.algo == "bc":
                yield from self._run_bc(control)
                return
            # Started first: a rollout process imports and builds its envs during the warm start.
            source = self._start_rollouts()
            if self.iteration == 0 and self.config.bc_warmstart_epochs and self.origin is None:
                self._behaviour_clone(self.config.bc_warmstart_epochs, lambda: control.stop_requested)
                self._sync_rollout_policy()
            if isinstance(source, RolloutProcess):
                source.request(self._rollout_state())
            stopped = False
            while self.env_steps < self.config.total_steps and not stopped:
                if control.paused:
                    control.wait_while_paused()
                started = time.perf_counter()
                batch = None if control.stop_requested else self._next_batch(source, control)
                if batch is None:
                    stopped = True
                    break
                scalars = self._update(batch)
                self.iteration += 1
                steps = batch.obs.shape[0] * batch.obs.shape[1]
                self.env_steps += steps
                elapsed = time.perf_counter() - started
                self.wall_time_s += elapsed
                scalars["steps_per_s"] = steps / elapsed
                if batch.finished:
                    scalars["train_return"] = float(np.mean([r for r, _ in batch.finished]))
                    scalars["train_length"] = float(np.mean([n for _, n in batch.finished]))
                if self.config.eval_every_iters and self.iteration % self.config.eval_every_iters == 0:
                    scalars |= self._evaluate_now()
                self._check_finite(scalars)
                self._append_metrics(scalars)
                yield IterationStats(self.iteration, self.env_steps, self.wall_time_s, scalars)
                if self.iteration % self.config.snapshot_every_iters == 0:
                    yield self.snapshot()
                if self.run_dir is not None and self.checkpoints.due(self.iteration):
                    last_checkpoint = self.save()
                    yield CheckpointSaved(last_checkpoint, self.env_steps)
            if isinstance(source, RolloutProcess):
                source.ask_to_close()  # it exits during the final evaluation
            yield from self._finish(stopped)
        except Exception as error:  # noqa: BLE001 - every failure becomes an event the front end shows
            if last_checkpoint is None and self.run_folder is not None:
                last_checkpoint = self.run_folder.latest_checkpoint()
            message = str(error) if isinstance(error, TrainingError) else f"{type(error).__name__}: {error}"
            yield Failed(message, traceback.format_exc(), last_checkpoint)
        finally:
            if source is not None:
                source.close()
            if self.run_lock is not None:
                self.run_lock.release()
            self.outputs.close()

    def snapshot(self) -> PolicySnapshot:
        return PolicySnapshot(self.iteration, self.env_steps, state_to_numpy(self.policy), state_to_numpy(self.disc))

    def save(self) -> Path:
        """Write the latest checkpoint into the run folder; returns the tensor file."""
        assert self.run_folder is not None
        state = {"iteration": self.iteration, "env_steps": self.env_steps, "wall_time_s": self.wall_time_s}
        state |= {"kl_beta": self.kl_beta, **self.imitation.state()}
        self.checkpoints.saved()
        checkpoint = training_checkpoint({"policy": self.policy, "disc": self.disc}, self._optimizers(), state)
        return self.run_folder.save_checkpoint(checkpoint)

    def _optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """Every optimizer whose moments a checkpoint keeps, by its name there."""
        return {"policy_opt": self.policy_optimizer, "disc_opt": self.disc_optimizer, "bc_opt": self.bc_optimizer}

    # ----------------------------------------------------------------------------- set-up

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
        self.iteration, self.env_steps = int(state["iteration"]), int(state["env_steps"])
        self.wall_time_s, self.kl_beta = float(state["wall_time_s"]), float(state["kl_beta"])
        self.imitation.restore(state)
        self._sync_rollout_policy()

    def _start_rollouts(self) -> EnvRunner | RolloutProcess:
        """The envs, stepped here or (``rollout_process``) in a second process that runs one batch ahead."""
        config = self.config
        # A resumed run starts new episodes, and new action noise, from seeds it has not used before.
        seed = config.seed + 10_000 * self.iteration
        spec = RunnerSpec(config.env, config.num_envs, config.num_steps, seed, seed + 1, config.normalize_obs)
        if not config.rollout_process:
            return EnvRunner(spec)
        return RolloutProcess(spec)

    def _rollout_state(self) -> dict[str, np.ndarray]:
        return state_to_numpy(self.rollout_policy)

    def _next_batch(self, source: EnvRunner | RolloutProcess, control: TrainControl) -> RolloutBatch | None:
        """This iteration's batch, or None on a stop. With a rollout process, the next one is
        requested before returning, so it is collected while this one is learned from."""
        if isinstance(source, EnvRunner):

            def should_stop() -> bool:
                if control.paused:
                    control.wait_while_paused()
                return control.stop_requested

            return source.collect(source.policy_from_state(self._rollout_state()), should_stop)
        batch = source.receive(lambda: control.stop_requested)
        if batch is not None and self.env_steps + batch.obs.shape[0] * batch.obs.shape[1] < self.config.total_steps:
            source.request(self._rollout_state())
        return batch

    # ----------------------------------------------------------------------------- updates

    def _to_buffer(self, batch: RolloutBatch) -> tuple[RolloutBuffer, torch.Tensor | None]:
        """The batch as tensors, and importance weights when it came from an older policy (see
        ``core.train.stale_batch``); None = all 1."""
        buffer = as_buffer(batch)
        if not self.config.rollout_process:
            return buffer, None
        return buffer, reevaluate(buffer, batch, self.rollout_policy).to(self.device)

    def _update(self, batch: RolloutBatch) -> dict[str, float]:
        config = self.config
        device = self.device
        buffer, weights = self._to_buffer(batch)
        obs = buffer.flat("obs").to(device)
        actions = buffer.flat("actions").to(device)
        end_obs = torch.from_numpy(batch.end_obs).to(device)
        self.disc.obs_norm.update(obs)  # D sees this batch's statistics before it learns from it
        scalars, policy_logits = gail.update_discriminator(
            self.disc,
            self.disc_optimizer,
            self.expert_obs,
            self.expert_actions,
            self.expert_end_obs,
            obs,
            actions,
            end_obs,
            self.disc_settings,
        )
        rewards, absorbing_value, reward_scalars = self.imitation.rewards(
            self.disc, policy_logits, buffer, end_obs, batch.end_index
        )
        self._require_finite("imitation reward (from D)", rewards)
        scalars |= reward_scalars
        buffer.rewards = rewards
        advantages, returns = compute_gae(
            buffer.rewards,
            buffer.values,
            buffer.next_values,
            buffer.terminated,
            buffer.truncated,
            config.gamma,
            config.gae_lambda,
            absorbing_value,
        )
        self._require_finite("advantages", advantages)
        frac = 1.0 - (self.iteration / config.num_iterations) if config.anneal_lr else 1.0
        learning_rate = max(frac, 0.0) * config.learning_rate
        for group in self.policy_optimizer.param_groups:
            group["lr"] = learning_rate
        samples = {  # the flat samples the generator's update draws its minibatches from
            "obs": obs,
            "actions": actions,
            "logp": buffer.flat("logp").to(device),
            "values": buffer.flat("values").to(device),
            "advantages": advantages.reshape(-1).to(device),
            "returns": returns.reshape(-1).to(device),
            "weights": weights if weights is not None else torch.ones(len(obs), device=device),
        }
        if config.generator == "trpo":
            expert = self._expert_minibatch(min(len(obs), len(self.expert_obs))) if config.bc_coef > 0 else None
            scalars |= trpo.trpo_update(self.policy, self.policy_optimizer, samples, expert, self.trpo_settings)
        else:
            scalars |= ppo.ppo_update(
                self.policy,
                self.policy_optimizer,
                samples,
                self.expert_obs,
                self.expert_actions,
                self.ppo_settings,
                self.kl_beta,
            )
            if config.generator == "ppo-kl":
                scalars["kl_beta"] = self.kl_beta
                self.kl_beta = ppo.adapt_beta(self.kl_beta, scalars["approx_kl"], config.kl_target)
        self.policy.obs_norm.update(obs)
        self._sync_rollout_policy()
        values, returns_flat, variance = samples["values"], samples["returns"], samples["returns"].var()
        scalars["explained_variance"] = float(1 - (returns_flat - values).var() / variance) if variance > 0 else 0.0
        scalars["learning_rate"] = learning_rate
        return scalars

    def _expert_minibatch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.randint(len(self.expert_obs), (size,), device=self.device)
        return self.expert_obs[index], self.expert_actions[index]

    def _behaviour_clone(self, epochs: int, should_stop: Callable[[], bool] = lambda: False) -> float:
        expert, batch_size = (self.expert_obs, self.expert_actions), self.config.bc_batch_size
        return bc.clone(self.policy, self.bc_optimizer, *expert, epochs, batch_size, should_stop)

    def _run_bc(self, control: TrainControl) -> Iterator[Event]:
        config = self.config
        while self.iteration < config.bc_epochs:
            if control.paused:
                control.wait_while_paused()
            if control.stop_requested:
                break
            started = time.perf_counter()
            scalars = {"bc_loss": self._behaviour_clone(1)}
            self.iteration += 1
            self.wall_time_s += time.perf_counter() - started
            # An epoch is far shorter than a GAIL iteration: evaluate ten times less often.
            if config.eval_every_iters and self.iteration % (config.eval_every_iters * 10) == 0:
                scalars |= self._evaluate_now()
            self._check_finite(scalars)
            self._append_metrics(scalars)
            yield IterationStats(self.iteration, self.env_steps, self.wall_time_s, scalars)
            if self.run_folder is not None and self.checkpoints.due(self.iteration):
                yield CheckpointSaved(self.save(), self.env_steps)
        self._sync_rollout_policy()
        yield self.snapshot()
        yield from self._finish(control.stop_requested)

    # ----------------------------------------------------------------------------- bookkeeping

    def _finish(self, stopped: bool) -> Iterator[Event]:
        final_eval: FinalEval | None = None
        if self.run_dir is not None:
            yield CheckpointSaved(self.save(), self.env_steps)
            self.outputs.timeline(self.iteration, self.env_steps or self.iteration, self.policy, final=True)
        if not stopped:
            final_eval = final_evaluation(self.rollout_policy, self.spec)
            if self.run_folder is not None:
                self.run_folder.write_final_eval(final_eval)
        yield Finished(self.env_steps, self.run_dir, final_eval, stopped_early=stopped)

    def _evaluate_now(self) -> dict[str, float]:
        """A periodic deterministic evaluation, on seeds of its own for each iteration."""
        result = evaluate_policy(
            self.rollout_policy, self.spec, self.config.eval_episodes, seed=EVAL_SEED_BASE + 1000 * self.iteration
        )
        return {"eval_return": result.mean_return, "eval_length": result.mean_length}

    def _sync_rollout_policy(self) -> None:
        if self.rollout_policy is not self.policy:
            self.rollout_policy.load_state_dict({k: v.cpu() for k, v in self.policy.state_dict().items()})

    def _require_finite(self, name: str, tensor: torch.Tensor) -> None:
        require_finite(name, tensor, self.iteration + 1)  # computed in the iteration under way

    def _check_finite(self, scalars: dict[str, float]) -> None:
        check_finite(scalars, {"policy": self.policy, "discriminator": self.disc}, self.iteration)

    def _append_metrics(self, scalars: dict[str, float]) -> None:
        self.outputs.metrics(self.iteration, self.env_steps, self.wall_time_s, scalars)
        self.outputs.timeline(self.iteration, self.env_steps or self.iteration, self.policy)
