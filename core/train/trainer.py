"""The training loop: demos + config -> a stream of events.

A GAIL round, as in the seed: roll out pi on CPU -> update D on expert vs policy pairs ->
overwrite the stored rewards with the chosen form of D -> GAE -> update the generator (PPO-clip,
PPO adaptive-KL or TRPO). ``algo="bc"`` runs behaviour cloning alone.

Every front end consumes ``Trainer.run(control)``: the CLI prints it, tests assert on it, the GUI
worker forwards it as Qt signals.
"""

from __future__ import annotations

import functools
import json
import math
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from torch.distributions import Distribution, kl_divergence

from core.data.demo_set import DemoSet
from core.envs.registry import get_spec
from core.errors import CheckpointError, DemoError, TrainingError
from core.fileio import atomic_write_text
from core.rl import bc, gail, ppo, trpo
from core.rl.gae import RolloutBuffer, compute_gae
from core.rl.nets import ActorCritic, Discriminator, state_to_numpy
from core.train.checkpoint import (
    FINAL_EVAL_FILE,
    METRICS_FILE,
    Checkpoint,
    existing_checkpoint,
    load_checkpoint,
    optimizer_tensors,
    restore_optimizer,
    save_checkpoint,
    save_config,
)
from core.train.config import TrainConfig
from core.train.env_runner import EnvRunner, RolloutBatch, RunnerSpec
from core.train.evaluate import evaluate_policy
from core.train.events import CheckpointSaved, Event, Failed, Finished, IterationStats, PolicySnapshot, TrainControl
from core.train.rollout_process import RolloutProcess
from core.train.seeds import EVAL_SEED_BASE

# Argument validation of every distribution costs time in the rollout loop; NaNs are caught by
# the trainer's own checks, which name the quantity.
Distribution.set_default_validate_args(False)


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainingError(
            "device: cuda was requested, but torch sees no CUDA device (torch.cuda.is_available() is False)"
        )
    return torch.device(name)


DEMOS_FILE = "demos.json"
# Cap on pi_now / pi_behaviour for a batch collected one update ago (see Trainer._to_buffer).
MAX_SAMPLE_WEIGHT = 2.0
LOGIT_99 = math.log(0.99 / 0.01)  # D kept in [0.01, 0.99] where it values the absorbing state


def clip_grad_norms(groups: list[list[torch.nn.Parameter]], max_norm: float) -> None:
    """``clip_grad_norm_`` on each group apart, with one norm kernel for all of them.

    The same arithmetic as torch's (scale by max_norm / (norm + 1e-6) when that is below 1);
    written out because the PPO loop calls it 80 times an iteration on small tensors, where the
    per-call bookkeeping of two library calls cost a tenth of a minibatch step.
    """
    grads = [[p.grad for p in group if p.grad is not None] for group in groups]
    norms = torch._foreach_norm([g for group in grads for g in group])  # one kernel for every tensor
    start = 0
    for group in grads:
        if not group:
            continue
        total = torch.linalg.vector_norm(torch.stack(norms[start : start + len(group)]))
        start += len(group)
        torch._foreach_mul_(group, torch.clamp(max_norm / (total + 1e-6), max=1.0))


def _adam(params, lr: float, eps: float = 1e-8) -> torch.optim.Adam:
    # The fused kernel updates all tensors in one call: a third of the for-loop version's time
    # per step here, where the networks are small and per-tensor overhead dominates.
    return torch.optim.Adam(params, lr=lr, eps=eps, fused=True)


def read_demo_summary(run_dir: Path) -> dict:
    """A run's ``demos.json`` (see ``demo_summary``); {} when the run has none."""
    path = Path(run_dir) / DEMOS_FILE
    if not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(record, dict):
        raise CheckpointError(f"{path}: expected a JSON object")
    return record


def demo_summary(demos: DemoSet) -> dict:
    """What a run records of its demos: enough to normalise returns and to find them again."""
    return {
        "folder": str(demos.folder.resolve()),
        "env_key": demos.env_key,
        "episodes": len(demos.episodes),
        "return_mean": float(demos.returns.mean()),
        "length_mean": float(demos.lengths.mean()),
        "reset_seeds": [episode.meta.reset_seed for episode in demos.episodes],
    }


class Trainer:
    """Trains a policy to imitate ``demos`` under ``config``; writes a run folder if given one."""

    def __init__(self, config: TrainConfig, demos: DemoSet, run_dir: Path | None = None, resume: bool = False) -> None:
        self.config = config
        self.spec = get_spec(config.env)
        demos.require_episodes()
        if demos.env_key != config.env:
            raise DemoError(f"{demos.folder}: demos were recorded in {demos.env_key}, but training is for {config.env}")
        self.demos = demos
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.device = resolve_device(config.device)
        torch.manual_seed(config.seed)
        self.rng = np.random.default_rng(config.seed)

        spec, device = self.spec, self.device
        self.policy = ActorCritic(spec, config.hidden_size, config.normalize_obs).to(device)
        self.judges_endings = config.absorbing and config.disc_judges_endings
        self.disc = Discriminator(spec, config.disc_hidden_size, config.normalize_obs, self.judges_endings).to(device)
        # Rollouts run on the CPU; with a GPU the CPU copy is refreshed after each update.
        self.rollout_policy = (
            self.policy if device.type == "cpu" else ActorCritic(spec, config.hidden_size, config.normalize_obs)
        )
        if config.generator == "trpo":
            self.policy_optimizer = _adam(self.policy.critic.parameters(), config.learning_rate, eps=1e-5)
        else:
            self.policy_optimizer = _adam(self.policy.parameters(), config.learning_rate, eps=1e-5)
        self.disc_optimizer = _adam(self.disc.parameters(), config.disc_learning_rate)
        self.bc_optimizer = _adam(self.policy.parameters(), config.learning_rate, eps=1e-5)

        expert_obs, expert_actions = demos.transitions()
        self.expert_obs = torch.as_tensor(expert_obs.reshape(len(expert_obs), -1), dtype=torch.float32, device=device)
        self.expert_actions = torch.as_tensor(expert_actions, device=device)
        if spec.is_discrete:
            self.expert_actions = self.expert_actions.long()
        else:
            self.expert_actions = self.expert_actions.float()
        # Share of expert samples that are the absorbing state: one per terminated demo episode.
        n_terminal = sum(episode.meta.terminated for episode in demos.episodes)
        self.expert_absorbing_share = n_terminal / (len(expert_obs) + n_terminal)
        # The states the terminated demo episodes ended in (D_end's positives).
        ends = [episode.observations[-1].reshape(-1) for episode in demos.episodes if episode.meta.terminated]
        self.expert_end_obs = torch.as_tensor(
            np.array(ends, dtype=np.float32).reshape(len(ends), self.expert_obs.shape[1]), device=device
        )
        # Both normalisers start from the demos' statistics, so the first rollouts see sensible inputs.
        self.policy.obs_norm.update(self.expert_obs)
        self.disc.obs_norm.update(self.expert_obs)

        self.iteration = 0
        self.env_steps = 0
        self.wall_time_s = 0.0
        self.kl_beta = config.kl_beta_init
        self.reward_return_var = 1.0  # running variance of discounted imitation returns
        self.policy_absorbing_share = self.expert_absorbing_share  # smoothed; starts neutral
        self._reward_returns = np.zeros(config.num_envs)
        if resume:
            self._restore()
        if self.run_dir is not None:
            save_config(self.run_dir, config)
            atomic_write_text(self.run_dir / DEMOS_FILE, json.dumps(demo_summary(demos), indent=2))

    # ----------------------------------------------------------------------------- public

    def run(self, control: TrainControl | None = None) -> Iterator[Event]:
        """Train until ``total_steps`` or a stop; yields events, never raises (errors -> ``Failed``)."""
        control = control or TrainControl()
        torch.set_num_threads(self.config.torch_threads)
        last_checkpoint: Path | None = None
        source: EnvRunner | RolloutProcess | None = None
        try:
            if self.config.algo == "bc":
                yield from self._run_bc(control)
                return
            # Started first: a rollout process imports and builds its envs during the warm start.
            source = self._start_rollouts()
            if self.iteration == 0 and self.config.bc_warmstart_epochs:
                self._behaviour_clone(self.config.bc_warmstart_epochs, control)
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
                    result = evaluate_policy(
                        self.rollout_policy,
                        self.spec,
                        self.config.eval_episodes,
                        seed=EVAL_SEED_BASE + 1000 * self.iteration,
                    )
                    scalars["eval_return"], scalars["eval_length"] = result.mean_return, result.mean_length
                self._check_finite(scalars)
                self._append_metrics(scalars)
                yield IterationStats(self.iteration, self.env_steps, self.wall_time_s, scalars)
                if self.iteration % self.config.snapshot_every_iters == 0:
                    yield self.snapshot()
                if self.run_dir is not None and self.iteration % self.config.checkpoint_every_iters == 0:
                    last_checkpoint = self.save()
                    yield CheckpointSaved(last_checkpoint, self.env_steps)
            yield from self._finish(stopped)
        except Exception as error:  # noqa: BLE001 - every failure becomes an event the front end shows
            if last_checkpoint is None:
                last_checkpoint = existing_checkpoint(self.run_dir)
            message = str(error) if isinstance(error, TrainingError) else f"{type(error).__name__}: {error}"
            yield Failed(message, traceback.format_exc(), last_checkpoint)
        finally:
            if source is not None:
                source.close()

    def snapshot(self) -> PolicySnapshot:
        return PolicySnapshot(self.iteration, self.env_steps, state_to_numpy(self.policy), state_to_numpy(self.disc))

    def save(self) -> Path:
        """Write the latest checkpoint into the run folder; returns the tensor file."""
        assert self.run_dir is not None
        policy_opt, policy_opt_rest = optimizer_tensors(self.policy_optimizer)
        disc_opt, disc_opt_rest = optimizer_tensors(self.disc_optimizer)
        tensors = {"policy": self.policy.state_dict(), "disc": self.disc.state_dict()}
        if policy_opt:
            tensors["policy_opt"] = policy_opt
        if disc_opt:
            tensors["disc_opt"] = disc_opt
        state = {
            "iteration": self.iteration,
            "env_steps": self.env_steps,
            "wall_time_s": self.wall_time_s,
            "kl_beta": self.kl_beta,
            "reward_return_var": self.reward_return_var,
            "policy_absorbing_share": self.policy_absorbing_share,
            "policy_opt": policy_opt_rest,
            "disc_opt": disc_opt_rest,
        }
        return save_checkpoint(self.run_dir, Checkpoint(tensors, state))

    # ----------------------------------------------------------------------------- set-up

    def _restore(self) -> None:
        if self.run_dir is None:
            raise CheckpointError("resume needs a run folder")
        checkpoint = load_checkpoint(self.run_dir)
        try:
            self.policy.load_state_dict(checkpoint.tensors["policy"])
            self.disc.load_state_dict(checkpoint.tensors["disc"])
            if "policy_opt" in checkpoint.tensors:
                restore_optimizer(
                    self.policy_optimizer, checkpoint.tensors["policy_opt"], checkpoint.state["policy_opt"]
                )
            if "disc_opt" in checkpoint.tensors:
                restore_optimizer(self.disc_optimizer, checkpoint.tensors["disc_opt"], checkpoint.state["disc_opt"])
        except (KeyError, RuntimeError, ValueError) as error:
            raise CheckpointError(f"{self.run_dir}: checkpoint does not fit this config ({error})") from None
        state = checkpoint.state
        self.iteration, self.env_steps = int(state["iteration"]), int(state["env_steps"])
        self.wall_time_s, self.kl_beta = float(state["wall_time_s"]), float(state["kl_beta"])
        self.reward_return_var = float(state.get("reward_return_var", 1.0))
        self.policy_absorbing_share = float(state.get("policy_absorbing_share", self.expert_absorbing_share))
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
        """The batch as tensors, and importance weights when it came from an older policy.

        With a rollout process the batch was collected by the policy of one update ago. Then, as
        in decoupled PPO, the current policy becomes the one ratios are taken against (log pi and
        V are re-evaluated with it) and each sample is weighted by pi_now / pi_behaviour, capped
        at ``MAX_SAMPLE_WEIGHT`` so that a rare action cannot dominate a minibatch. None = all 1.
        """
        buffer = RolloutBuffer(
            obs=torch.from_numpy(batch.obs),
            actions=torch.from_numpy(batch.actions),
            logp=torch.from_numpy(batch.logp),
            values=torch.from_numpy(batch.values),
            next_values=torch.from_numpy(batch.next_values),
            rewards=torch.zeros(batch.logp.shape),
            terminated=torch.from_numpy(batch.terminated),
            truncated=torch.from_numpy(batch.truncated),
        )
        if not self.config.rollout_process:
            return buffer, None
        policy = self.rollout_policy
        with torch.no_grad():
            obs = buffer.flat("obs")
            logp_now = policy.log_prob(policy.distribution(obs), buffer.flat("actions")).view_as(buffer.logp)
            values = policy.value(obs).view_as(buffer.values)
            last_values = policy.value(torch.from_numpy(batch.last_obs))
        weights = torch.exp(logp_now - buffer.logp).clamp(max=MAX_SAMPLE_WEIGHT).reshape(-1)
        following = torch.cat([values[1:], last_values.unsqueeze(0)])
        buffer.logp, buffer.values = logp_now, values
        buffer.next_values = torch.where(buffer.truncated, buffer.next_values, following)
        return buffer, weights.to(self.device)

    def _update(self, batch: RolloutBatch) -> dict[str, float]:
        config = self.config
        device = self.device
        buffer, weights = self._to_buffer(batch)
        obs = buffer.flat("obs").to(device)
        actions = buffer.flat("actions").to(device)
        end_obs = torch.from_numpy(batch.end_obs).to(device)
        scalars, policy_logits = self._update_discriminator(obs, actions, end_obs)
        rewards = gail.imitation_reward(policy_logits, config.reward)
        absorbing_value: float | torch.Tensor = 0.0
        if config.absorbing:
            if self.judges_endings:
                ending_rewards = self._ending_rewards(end_obs)
                absorbing_value = torch.zeros(buffer.rewards.shape)
                t, n = torch.from_numpy(batch.end_index).T
                absorbing_value[t, n] = ending_rewards / (1.0 - config.gamma) if config.gamma < 1 else 0.0
                scalars["absorbing_reward"] = float(ending_rewards.mean()) if len(ending_rewards) else 0.0
            else:
                n_terminal = int(buffer.terminated.sum())
                absorbing_reward = self._absorbing_reward(n_terminal / (len(obs) + n_terminal))
                absorbing_value = absorbing_reward / (1.0 - config.gamma) if config.gamma < 1 else 0.0
                scalars["absorbing_reward"] = absorbing_reward
        self._require_finite("imitation reward (from D)", rewards)
        rewards = rewards.view_as(buffer.rewards).cpu()
        scalars["imitation_reward"] = float(rewards.mean())
        if config.normalize_reward:
            scale = self._reward_scale(rewards, buffer)
            rewards, absorbing_value = rewards / scale, absorbing_value / scale
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
            scalars |= self._update_trpo(samples)
        else:
            scalars |= self._update_ppo(samples)
        self.policy.obs_norm.update(obs)
        self._sync_rollout_policy()
        values, returns_flat = samples["values"], samples["returns"]
        variance = returns_flat.var()
        scalars["explained_variance"] = float(1 - (returns_flat - values).var() / variance) if variance > 0 else 0.0
        scalars["learning_rate"] = learning_rate
        return scalars

    def _reward_scale(self, rewards: torch.Tensor, buffer: RolloutBuffer) -> float:
        """Running std of discounted imitation returns (as in VecNormalize's reward scaling)."""
        returns_seen = []
        done = torch.logical_or(buffer.terminated, buffer.truncated).numpy()
        for step in range(rewards.shape[0]):
            self._reward_returns = self._reward_returns * self.config.gamma + rewards[step].numpy()
            returns_seen.append(self._reward_returns.copy())
            self._reward_returns[done[step]] = 0.0
        batch_var = float(np.var(np.concatenate(returns_seen)))
        self.reward_return_var = 0.9 * self.reward_return_var + 0.1 * batch_var
        return math.sqrt(self.reward_return_var + 1e-8)

    def _absorbing_reward(self, policy_absorbing_share: float) -> float:
        """The imitation reward in the absorbing state that follows a real termination (DAC).

        The absorbing state is a single point, so the optimal D there has a closed form: the
        expert's share of absorbing samples over the sum of both shares, D = f_E / (f_E + f_pi).
        Demos that never terminate (CartPole at its time limit) make ending an episode cost
        ln 0.01 per step forever; demos that land make landing as good as the policy's landings
        are frequent. The policy's share is smoothed over iterations; D is kept in [0.01, 0.99].
        """
        self.policy_absorbing_share = 0.9 * self.policy_absorbing_share + 0.1 * policy_absorbing_share
        expert, policy = self.expert_absorbing_share, self.policy_absorbing_share
        d_absorbing = expert / (expert + policy) if expert + policy > 0 else 0.5
        d_absorbing = min(max(d_absorbing, 0.01), 0.99)
        logit = math.log(d_absorbing / (1 - d_absorbing))
        return float(gail.imitation_reward(torch.tensor([logit]), self.config.reward).item())

    def _ending_rewards(self, end_obs: torch.Tensor) -> torch.Tensor:
        """The imitation reward in the absorbing state after each ending, from D_end of the state
        the episode ended in (kept in [0.01, 0.99] like the closed form): (K,) on the CPU."""
        with torch.no_grad():
            logits = self.disc.ending_logits(end_obs).clamp(-LOGIT_99, LOGIT_99)
        return gail.imitation_reward(logits, self.config.reward).cpu()

    def _ending_loss(self, end_obs: torch.Tensor) -> torch.Tensor | None:
        """D_end's share of D's loss: the demos' endings (1) against the policy's in this batch (0),
        with the gradient penalty between them; None when there is nothing to learn from."""
        config, disc, device = self.config, self.disc, self.device
        expert = disc.ending_inputs(self.expert_end_obs) if len(self.expert_end_obs) else None
        policy = disc.ending_inputs(end_obs) if len(end_obs) else None
        if expert is None and policy is None:
            return None
        loss = torch.zeros((), device=device)
        if expert is not None:
            loss = loss + torch.nn.functional.softplus(-disc.ending_logits_from_inputs(expert)).mean()
        if policy is not None:
            loss = loss + torch.nn.functional.softplus(disc.ending_logits_from_inputs(policy)).mean()
        if expert is not None and policy is not None and config.disc_grad_penalty > 0:
            size = max(len(expert), len(policy))
            e = expert[torch.randint(len(expert), (size,), device=device)]
            p = policy[torch.randint(len(policy), (size,), device=device)]
            penalty = gail.interpolated_gradient_penalty(e, p, disc.ending_logits_from_inputs)
            loss = loss + config.disc_grad_penalty * penalty
        return loss

    def _update_discriminator(
        self, obs: torch.Tensor, actions: torch.Tensor, end_obs: torch.Tensor
    ) -> tuple[dict[str, float], torch.Tensor]:
        """Minibatch steps of D (BCE or the seed's F) on policy pairs vs as many expert pairs, with the penalty.

        Returns D's statistics and the updated D's logits on the policy pairs, (B,), which the
        imitation reward is computed from.
        """
        config, disc, device = self.config, self.disc, self.device
        disc.obs_norm.update(obs)
        n_policy, n_expert = len(obs), len(self.expert_obs)
        batch_size = min(config.disc_batch_size, n_policy)
        losses = []
        for _ in range(config.disc_steps):
            order = torch.randperm(n_policy, device=device)
            for start in range(0, n_policy - batch_size + 1, batch_size):
                p_index = order[start : start + batch_size]
                e_index = torch.randint(n_expert, (batch_size,), device=device)
                e_actions, p_actions = self.expert_actions[e_index], actions[p_index]
                e_inputs = disc.inputs(self.expert_obs[e_index], e_actions)
                p_inputs = disc.inputs(obs[p_index], p_actions)
                objective = gail.seed_objective if config.disc_loss == "seed-f" else gail.bce_loss
                loss = objective(
                    disc.logits_from_inputs(e_inputs, e_actions), disc.logits_from_inputs(p_inputs, p_actions)
                )
                if config.disc_grad_penalty > 0:
                    # On points between expert and policy inputs, scored for the expert's action.
                    penalty = gail.interpolated_gradient_penalty(
                        e_inputs, p_inputs, functools.partial(disc.logits_from_inputs, actions=e_actions)
                    )
                    loss = loss + config.disc_grad_penalty * penalty
                if self.judges_endings and (ending_loss := self._ending_loss(end_obs)) is not None:
                    loss = loss + ending_loss
                self.disc_optimizer.zero_grad()
                loss.backward()
                self.disc_optimizer.step()
                losses.append(loss.detach())
        with torch.no_grad():
            sample = torch.randint(n_expert, (min(n_policy, 4096),), device=device)
            d_expert = torch.sigmoid(disc(self.expert_obs[sample], self.expert_actions[sample]))
            policy_logits = disc(obs, actions)
            d_policy = torch.sigmoid(policy_logits)
            accuracy_expert, accuracy_policy = (d_expert > 0.5).float().mean(), (d_policy < 0.5).float().mean()
            scalars = {
                "disc_loss": float(torch.stack(losses).mean()),
                "disc_expert": float(d_expert.mean()),
                "disc_policy": float(d_policy.mean()),
                "disc_acc_expert": float(accuracy_expert),
                "disc_acc_policy": float(accuracy_policy),
                "disc_accuracy": float((accuracy_expert + accuracy_policy) / 2),
            }
            if self.judges_endings:
                if len(self.expert_end_obs):
                    scalars["disc_end_expert"] = float(torch.sigmoid(disc.ending_logits(self.expert_end_obs)).mean())
                if len(end_obs):
                    scalars["disc_end_policy"] = float(torch.sigmoid(disc.ending_logits(end_obs)).mean())
        return scalars, policy_logits

    def _expert_minibatch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.randint(len(self.expert_obs), (size,), device=self.device)
        return self.expert_obs[index], self.expert_actions[index]

    def _update_ppo(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        """Epochs of minibatch steps on the clip or KL-penalty objective, the value loss and the BC term.

        Written for few torch operations per step (the networks are tiny, so each operation's
        overhead costs more than its arithmetic): observations are normalised once per update,
        each epoch's shuffle is one gather per field, and the BC term's expert states go through
        the actor in the same call as the policy's.
        """
        config, policy = self.config, self.policy
        size, minibatch = len(batch["obs"]), config.minibatch_size
        with torch.no_grad():
            fields = {
                "x": policy.obs_norm(batch["obs"]),
                **{key: batch[key] for key in ("actions", "logp", "advantages", "returns", "values", "weights")},
            }
            expert_x = policy.obs_norm(self.expert_obs) if config.bc_coef > 0 else None
        clip_value = config.clip_coef if config.clip_value_loss else None
        kls, clipfracs, entropies, value_losses, policy_losses, bc_losses = [], [], [], [], [], []
        grad_groups = [policy.actor_parameters(), list(policy.critic.parameters())]
        for epoch in range(config.update_epochs):
            order = torch.randperm(size, device=self.device)
            shuffled = {key: value[order] for key, value in fields.items()}
            # Advantages normalised per minibatch (as CleanRL), all minibatches in one go, then
            # weighted: w * min(r A, clip(r) A) = min(r wA, clip(r) wA) for w >= 0.
            per_minibatch = shuffled["advantages"].view(-1, minibatch)
            per_minibatch = (per_minibatch - per_minibatch.mean(1, keepdim=True)) / (
                per_minibatch.std(1, keepdim=True) + 1e-8
            )
            shuffled["advantages"] = per_minibatch.reshape(-1) * shuffled["weights"]
            last_epoch = epoch == config.update_epochs - 1
            for start in range(0, size, minibatch):
                mb = {key: value[start : start + minibatch] for key, value in shuffled.items()}
                if expert_x is not None:
                    expert_index = torch.randint(len(expert_x), (len(mb["x"]),), device=self.device)
                    out = policy.actor(torch.cat([mb["x"], expert_x[expert_index]]))
                    out, expert_out = out[: len(mb["x"])], out[len(mb["x"]) :]
                else:
                    out = policy.actor(mb["x"])
                if config.ent_coef > 0:
                    logp_new, entropy = policy.head_log_prob_entropy(out, mb["actions"])
                    entropy = entropy.mean()
                else:  # the entropy is only reported: measured once, in the last epoch
                    logp_new, entropy = policy.head_log_prob(out, mb["actions"]), None
                logp_old, advantages = mb["logp"], mb["advantages"]
                if config.generator == "ppo-clip":
                    policy_loss = ppo.clip_loss(logp_new, logp_old, advantages, config.clip_coef)
                else:
                    policy_loss = ppo.kl_penalty_loss(logp_new, logp_old, advantages, self.kl_beta)
                values = policy.critic(mb["x"]).squeeze(-1)
                v_loss = ppo.value_loss(values, mb["returns"], mb["values"], clip_value)
                loss = policy_loss + config.vf_coef * v_loss
                if entropy is not None:
                    loss = loss - config.ent_coef * entropy
                if expert_x is not None:
                    bc_term = policy.head_nll(expert_out, self.expert_actions[expert_index])
                    loss = loss + config.bc_coef * bc_term
                    bc_losses.append(bc_term.detach())
                self.policy_optimizer.zero_grad()
                loss.backward()
                # Actor and critic are clipped apart: a large value loss must not shrink the policy step.
                clip_grad_norms(grad_groups, config.max_grad_norm)
                self.policy_optimizer.step()
                if last_epoch:
                    # KL, clip fraction and entropy of the last epoch: how far the update has moved
                    # pi (the seed's adaptive beta rule looks at the KL after the update).
                    with torch.no_grad():
                        kls.append(ppo.approx_kl(logp_new, logp_old))
                        clipfracs.append(ppo.clip_fraction(logp_new, logp_old, config.clip_coef))
                        if entropy is None:
                            entropy = policy.head_log_prob_entropy(out, mb["actions"])[1].mean()
                        entropies.append(entropy.detach())
                value_losses.append(v_loss.detach())
                policy_losses.append(policy_loss.detach())
        kl = float(torch.stack(kls).mean())
        scalars = {
            "approx_kl": kl,
            "clip_fraction": float(torch.stack(clipfracs).mean()),
            "entropy": float(torch.stack(entropies).mean()),
            "value_loss": float(torch.stack(value_losses).mean()),
            "policy_loss": float(torch.stack(policy_losses).mean()),
        }
        if bc_losses:
            scalars["bc_loss"] = float(torch.stack(bc_losses).mean())
        if config.generator == "ppo-kl":
            scalars["kl_beta"] = self.kl_beta
            self.kl_beta = ppo.adapt_beta(self.kl_beta, kl, config.kl_target)
        return scalars

    def _update_trpo(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        config, policy = self.config, self.policy
        obs, actions, logp_old = batch["obs"], batch["actions"], batch["logp"]
        advantages = (batch["advantages"] - batch["advantages"].mean()) / (batch["advantages"].std() + 1e-8)
        advantages = advantages * batch["weights"]
        with torch.no_grad():
            old_dist = policy.distribution(obs)
        expert = self._expert_minibatch(min(len(obs), len(self.expert_obs))) if config.bc_coef > 0 else None

        def surrogate() -> torch.Tensor:
            dist = policy.distribution(obs)
            value = (ppo.probability_ratio(policy.log_prob(dist, actions), logp_old) * advantages).mean()
            if expert is not None:
                value = value - config.bc_coef * bc.bc_loss(policy, *expert)
            return value

        def mean_kl() -> torch.Tensor:
            kl = kl_divergence(old_dist, policy.distribution(obs))
            return (kl if policy.discrete else kl.sum(-1)).mean()

        actor_params = policy.actor_parameters()
        step = trpo.trpo_step(
            actor_params, surrogate, mean_kl, config.trpo_max_kl, config.trpo_cg_iters, config.trpo_backtracks
        )
        value_losses = []
        size = len(obs)
        for _ in range(config.trpo_vf_iters):
            order = torch.randperm(size, device=self.device)
            for start in range(0, size, config.minibatch_size):
                index = order[start : start + config.minibatch_size]
                v_loss = ppo.value_loss(policy.value(obs[index]), batch["returns"][index], batch["values"][index], None)
                self.policy_optimizer.zero_grad()
                v_loss.backward()
                torch.nn.utils.clip_grad_norm_(policy.critic.parameters(), config.max_grad_norm)
                self.policy_optimizer.step()
                value_losses.append(v_loss.detach())
        with torch.no_grad():
            entropy = policy.entropy(policy.distribution(obs)).mean()
        return {
            "approx_kl": step.kl,
            "trpo_step_fraction": step.step_fraction,
            "trpo_improvement": step.surrogate_improvement,
            "entropy": float(entropy),
            "value_loss": float(torch.stack(value_losses).mean()),
        }

    def _behaviour_clone(self, epochs: int, control: TrainControl | None = None) -> float:
        """Maximum likelihood on the demos for ``epochs`` passes; returns the last epoch's loss.

        A stop request ends it after the current epoch.
        """
        size, batch_size = len(self.expert_obs), min(self.config.bc_batch_size, len(self.expert_obs))
        loss_value = float("nan")
        for _ in range(epochs):
            if control is not None and control.stop_requested:
                break
            order = torch.randperm(size, device=self.device)
            losses = []
            for start in range(0, size, batch_size):
                index = order[start : start + batch_size]
                loss = bc.bc_loss(self.policy, self.expert_obs[index], self.expert_actions[index])
                self.bc_optimizer.zero_grad()
                loss.backward()
                self.bc_optimizer.step()
                losses.append(loss.detach())
            loss_value = float(torch.stack(losses).mean())
        return loss_value

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
            if config.eval_every_iters and self.iteration % (config.eval_every_iters * 10) == 0:
                result = evaluate_policy(
                    self.rollout_policy, self.spec, config.eval_episodes, seed=EVAL_SEED_BASE + 1000 * self.iteration
                )
                scalars["eval_return"], scalars["eval_length"] = result.mean_return, result.mean_length
            self._check_finite(scalars)
            self._append_metrics(scalars)
            yield IterationStats(self.iteration, self.env_steps, self.wall_time_s, scalars)
        self._sync_rollout_policy()
        yield self.snapshot()
        yield from self._finish(control.stop_requested)

    # ----------------------------------------------------------------------------- bookkeeping

    def _finish(self, stopped: bool) -> Iterator[Event]:
        final_eval: dict[str, float] = {}
        if self.run_dir is not None:
            path = self.save()
            yield CheckpointSaved(path, self.env_steps)
        if not stopped:
            result = evaluate_policy(self.rollout_policy, self.spec, 10, seed=EVAL_SEED_BASE)
            final_eval = {
                "return_mean": result.mean_return,
                "return_std": result.std_return,
                "length_mean": result.mean_length,
                "episodes": 10,
            }
            if self.run_dir is not None:
                atomic_write_text(self.run_dir / FINAL_EVAL_FILE, json.dumps(final_eval, indent=2))
        yield Finished(self.env_steps, self.run_dir, final_eval, stopped_early=stopped)

    def _sync_rollout_policy(self) -> None:
        if self.rollout_policy is not self.policy:
            self.rollout_policy.load_state_dict({k: v.cpu() for k, v in self.policy.state_dict().items()})

    def _require_finite(self, name: str, tensor: torch.Tensor) -> None:
        """Raise TrainingError if ``tensor`` (computed in the iteration under way) holds NaN or inf."""
        if not torch.isfinite(tensor).all():
            raise TrainingError(f"training diverged: {name} is not finite at iteration {self.iteration + 1}")

    def _check_finite(self, scalars: dict[str, float]) -> None:
        """Raise TrainingError naming the first diverged loss or network."""
        for name, value in scalars.items():
            if not math.isfinite(value):
                raise TrainingError(f"training diverged: {name} is {value} at iteration {self.iteration}")
        for label, module in (("policy", self.policy), ("discriminator", self.disc)):
            for name, tensor in module.state_dict().items():
                if not torch.isfinite(tensor).all():
                    raise TrainingError(
                        f"training diverged: {label} parameter {name} is not finite at iteration {self.iteration}"
                    )

    def _append_metrics(self, scalars: dict[str, float]) -> None:
        if self.run_dir is None:
            return
        record = {"iteration": self.iteration, "env_steps": self.env_steps, "wall_time_s": self.wall_time_s, **scalars}
        with open(self.run_dir / METRICS_FILE, "a") as handle:
            handle.write(json.dumps(record) + "\n")
