"""A run's bookkeeping, one path for a GAIL round and a BC epoch alike: after each iteration a
periodic evaluation (judged by the stopping rule, its best policy kept), the divergence check, the
metrics record and the timeline, the ``IterationStats`` event, then a snapshot and a checkpoint
when due; at the end the last checkpoint, the final evaluation (settling on the best policy when
it plays clearly better, the checkpoint then written again) and ``Finished``; on an error
``Failed``, naming the checkpoint kept."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.envs.registry import EnvSpec
from core.errors import TrainingError
from core.rl.nets import ActorCritic, Discriminator, state_to_numpy
from core.train.best_policy import BestPolicy
from core.train.divergence import check_finite
from core.train.evaluate import evaluate_policy, final_evaluation
from core.train.events import CheckpointSaved, Event, Failed, Finished, IterationStats, PolicySnapshot
from core.train.progress import Progress
from core.train.runs.checkpoint import CheckpointSchedule
from core.train.runs.records import FinalEval
from core.train.runs.run_dir import RunDir
from core.train.runs.run_outputs import RunOutputs
from core.train.settings.config import TrainConfig
from core.train.settings.seeds import EVAL_SEED_BASE
from core.train.stopping import Evaluation, StoppingRule


@dataclass(frozen=True)
class Cadence:
    """Every how many iterations a run evaluates and yields a snapshot (0 = never)."""

    eval_every_iters: int
    snapshot_every_iters: int

    @classmethod
    def of(cls, config: TrainConfig) -> Cadence:
        if config.algo == "bc":
            # An epoch is far shorter than a GAIL iteration: evaluate ten times less often. BC's
            # one snapshot comes after its last epoch.
            return cls(config.eval_every_iters * 10, 0)
        return cls(config.eval_every_iters, config.snapshot_every_iters)


def is_due(every_iters: int, iteration: int) -> bool:
    return every_iters > 0 and iteration % every_iters == 0


def policy_snapshot(progress: Progress, policy: ActorCritic, disc: Discriminator) -> PolicySnapshot:
    """CPU copies of both networks' weights, for the live views."""
    return PolicySnapshot(progress.iteration, progress.env_steps, state_to_numpy(policy), state_to_numpy(disc))


class Bookkeeping:
    """What one ``Trainer.run`` keeps and reports; it opens the run's outputs (metrics, TensorBoard,
    the timeline), so a trainer never run holds no writer. ``save`` writes a checkpoint and returns
    its tensor file; ``resumed_at``: the step a resumed run restarts from, None for a new run;
    ``demo_returns``: what the stopping rule measures the policy against (a resumed run's rule
    starts again from its own evaluations)."""

    def __init__(
        self,
        *,
        config: TrainConfig,
        spec: EnvSpec,
        progress: Progress,
        policy: ActorCritic,
        disc: Discriminator,
        rollout_policy: ActorCritic,
        run_folder: RunDir | None,
        checkpoints: CheckpointSchedule,
        save: Callable[[], Path],
        resumed_at: int | None,
        demo_returns: Sequence[float],
    ) -> None:
        self.config = config
        self.spec = spec
        self.progress = progress
        self.policy = policy
        self.disc = disc
        self.rollout_policy = rollout_policy  # the one evaluations play: the CPU copy
        self.run_folder = run_folder
        self.checkpoints = checkpoints
        self.save = save
        self.cadence = Cadence.of(config)
        self.outputs = RunOutputs(run_folder, config, resumed_at)
        self.last_checkpoint: Path | None = None  # written by this run
        self.stopping = StoppingRule(demo_returns)
        self.best = BestPolicy()

    @property
    def done(self) -> bool:
        """The stopping rule says the run is done, and the config lets it stop there."""
        return self.config.stop_when_done and self.stopping.done

    def done_reason(self) -> str | None:
        """The stopping rule's words when it ended the run before its total (None otherwise)."""
        before_total = self.progress.step < self.config.progress_total
        return self.stopping.reason(self.config.progress_unit) if self.done and before_total else None

    def start(self) -> None:
        """The timeline's start, before any training (a resumed run has it already)."""
        if self.progress.iteration == 0:
            self.outputs.timeline(0, 0, self.policy)

    def record(self, scalars: dict[str, float]) -> Iterator[Event]:
        """After an iteration (the progress counted): its ``scalars`` and the evaluation when due,
        checked, recorded and yielded; then a snapshot and a checkpoint when due."""
        progress = self.progress
        if is_due(self.cadence.eval_every_iters, progress.iteration):
            scalars |= self._evaluate_now()
        check_finite(scalars, {"policy": self.policy, "discriminator": self.disc}, progress.iteration)
        self.outputs.metrics(progress.iteration, progress.env_steps, progress.wall_time_s, scalars)
        self.outputs.timeline(progress.iteration, progress.step, self.policy)
        yield IterationStats(progress.iteration, progress.env_steps, progress.wall_time_s, scalars)
        if is_due(self.cadence.snapshot_every_iters, progress.iteration):
            yield policy_snapshot(progress, self.policy, self.disc)
        if self.run_folder is not None and self.checkpoints.due(progress.iteration):
            yield self._checkpoint()

    def finish(self, stopped: bool) -> Iterator[Event]:
        """The last checkpoint and timeline snapshot (the last policy's, saved before anything else
        can fail), then unless ``stopped`` the final evaluation: when the run settles on its best
        policy, the checkpoint is written again with it; ``final_eval.json`` comes after the
        checkpoint it speaks of. Then ``Finished``."""
        progress = self.progress
        final_eval: FinalEval | None = None
        if self.run_folder is not None:
            yield self._checkpoint()
            self.outputs.timeline(progress.iteration, progress.step, self.policy, final=True)
        if not stopped:
            last = final_evaluation(self.rollout_policy, self.spec)
            final_eval = self.best.settle(self._policies(), self.spec, last, progress.step)
            if self.run_folder is not None:
                if final_eval is not last:  # the kept policy is the checkpoint's from now on
                    yield self._checkpoint()
                self.run_folder.write_final_eval(final_eval)
        run_dir = self.run_folder.path if self.run_folder is not None else None
        yield Finished(progress.env_steps, run_dir, final_eval, stopped_early=stopped, done_reason=self.done_reason())

    def failed(self, error: Exception) -> Failed:
        """The event for ``error``, which is being handled (its traceback goes with it)."""
        checkpoint = self.last_checkpoint
        if checkpoint is None and self.run_folder is not None:
            checkpoint = self.run_folder.latest_checkpoint()
        message = str(error) if isinstance(error, TrainingError) else f"{type(error).__name__}: {error}"
        return Failed(message, traceback.format_exc(), checkpoint)

    def close(self) -> None:
        self.outputs.close()

    def _checkpoint(self) -> CheckpointSaved:
        self.last_checkpoint = self.save()
        return CheckpointSaved(self.last_checkpoint, self.progress.env_steps)

    def _policies(self) -> list[ActorCritic]:
        """The run's policy network, and its CPU copy when it has one (a run on a GPU)."""
        return [self.policy] if self.rollout_policy is self.policy else [self.policy, self.rollout_policy]

    def _evaluate_now(self) -> dict[str, float]:
        """A periodic evaluation, deterministic and sampled, on seeds of its own for each iteration,
        judged by the stopping rule (its best policy kept)."""
        seed = EVAL_SEED_BASE + 1000 * self.progress.iteration
        episodes = self.config.eval_episodes
        result = evaluate_policy(self.rollout_policy, self.spec, episodes, seed=seed)
        sampled = evaluate_policy(self.rollout_policy, self.spec, episodes, seed=seed, deterministic=False)
        evaluation = Evaluation(self.progress.step, tuple(result.returns.tolist()), tuple(sampled.returns.tolist()))
        if self.stopping.add(evaluation).new_best:
            self.best.keep(self.progress.step, self.rollout_policy)
        return {
            "eval_return": result.mean_return,
            "eval_length": result.mean_length,
            "eval_return_sampled": sampled.mean_return,
        }
