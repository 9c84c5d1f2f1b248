"""A run folder: the door to one training run, its records and the rules for resuming and exporting it.

Its entries are named in ``core.train.runs.layout`` (config, demos, origin, metrics, checkpoints,
timeline, final evaluation, TensorBoard events, the lock); their typed records are in
``core.train.runs.records``. Every front end goes through ``RunDir`` (the trainer writes with it;
the CLI, the views, playback and the exports read with it, snapshots included), so that there is
one place where a run is understood and one set of resume rules. Nothing here unpickles; every
write is atomic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from safetensors.torch import save as save_safetensors

from core.data.demo_selection import file_sha256, only_files, training_demos, unchanged
from core.data.demo_set import DemoSet, load_demo_set
from core.data.episode import Episode
from core.envs.registry import get_spec
from core.errors import CheckpointError, ConfigError, DemoError, StudioError
from core.fileio import atomic_write_bytes, atomic_write_text
from core.records import read_json_object
from core.rl.nets import ActorCritic, Discriminator
from core.train.runs.checkpoint import Checkpoint, existing_checkpoint, load_checkpoint, save_checkpoint
from core.train.runs.layout import CONFIG_FILE, DEMOS_FILE, FINAL_EVAL_FILE, METRICS_FILE, ORIGIN_FILE
from core.train.runs.metrics_file import read_metrics
from core.train.runs.records import DemoFile, DemoSummary, FinalEval, Origin, SetAside
from core.train.runs.timeline import load_snapshot, snapshot_steps
from core.train.settings.config import TrainConfig, config_from_dict
from core.train.settings.rule_settings import judges_endings


class NothingToResume(StudioError):
    """The run already has the steps it was asked to reach."""


@dataclass(frozen=True)
class RunDir:
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    # ----------------------------------------------------------------------------- config
    def write_config(self, config: TrainConfig) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path / CONFIG_FILE, config.to_json())

    def config(self) -> TrainConfig:
        path = self.path / CONFIG_FILE
        if not self.path.exists():
            raise CheckpointError(f"{self.path}: no such folder (a run folder is under the workspace's runs/)")
        if not path.is_file():
            raise CheckpointError(f"{self.path}: not a run folder ({CONFIG_FILE} missing)")
        record = read_json_object(path, CheckpointError)
        try:
            return config_from_dict(record)
        except (TypeError, ConfigError) as error:
            raise CheckpointError(f"{path}: unusable run config ({error})") from None

    # ----------------------------------------------------------------------------- demos
    def write_demo_summary(self, demos: DemoSet) -> None:
        """What a run records of its demos: enough to normalise returns and to find them again."""
        summary = DemoSummary(
            folder=str(demos.folder.resolve()),
            env_key=demos.env_key or "",
            episodes=len(demos.episodes),
            return_mean=float(demos.returns.mean()),
            length_mean=float(demos.lengths.mean()),
            reset_seeds=tuple(episode.meta.reset_seed for episode in demos.episodes),
            corrections=len(demos.corrections),
            correction_steps=sum(episode.demonstrated_steps for episode in demos.corrections),
            # Exactly what trained (names and content hashes), and what the person left out.
            files=tuple(
                DemoFile(
                    name=episode.path.name,
                    sha256=file_sha256(episode.path),
                    episode_return=episode.episode_return,
                    length=episode.length,
                    ending=episode.ending.text,
                    source=episode.meta.source,
                )
                for episode in demos.episodes
                if episode.path is not None
            ),
            left_out=tuple(SetAside(name=item.path.name, reason=item.reason) for item in demos.left_out),
            unusable=tuple(SetAside(name=item.path.name, reason=item.reason) for item in demos.invalid),
        )
        atomic_write_text(self.path / DEMOS_FILE, json.dumps(summary.to_dict(), indent=2))

    def demo_summary(self) -> DemoSummary | None:
        """The run's ``demos.json``; None when the run has none."""
        record = self._json_object(DEMOS_FILE)
        return None if record is None else DemoSummary.from_dict(record, str(self.path / DEMOS_FILE))

    def training_demos(self, env_key: str, folder: Path | None = None) -> DemoSet:
        """The episodes the run trained on, to resume with (from ``folder`` if they moved).

        Runs that recorded their files get exactly those, checked by hash (DemoError names a file
        that is gone or changed); older runs get the folder as its selection says today.
        """
        summary = self.demo_summary()  # read once: where the demos are, and which trained
        demos = load_demo_set(folder or self._demos_folder_of(summary), env_key=env_key)
        files = None if summary is None else summary.files
        if files is None:
            return training_demos(demos)
        return only_files(demos, [(item.name, item.sha256) for item in files])

    def _recorded_files(self) -> tuple[DemoFile, ...] | None:
        """The files the run recorded it trained on; None for an older run that did not record them."""
        summary = self.demo_summary()
        return None if summary is None else summary.files

    def demos_with_corrections(self, env_key: str, folder: Path) -> DemoSet:
        """Coach mode's data: the episodes the run trained on that ``folder``'s selection still
        keeps (found by name and hash: for a run on the samples, their copies beside the
        corrections), plus the corrections it keeps. Other episodes recorded there stay out: a run
        trained on corrections differs from its source by the corrections and the person's own
        curation since (a demo trashed or unticked stays out). DemoError when the folder holds
        none of the run's episodes; an older run that recorded no files gets the selection."""
        kept = training_demos(load_demo_set(folder, env_key=env_key))
        files = self._recorded_files()
        if files is None:
            return kept
        own = {item.name: item.sha256 for item in files}

        def trained_on(episode: Episode) -> bool:
            path = episode.path
            return path is not None and path.name in own and unchanged(path, own[path.name])

        chosen = tuple(episode for episode in kept.episodes if episode.is_correction or trained_on(episode))
        if not any(not episode.is_correction for episode in chosen):
            raise DemoError(f"{folder}: holds none of the episodes run {self.name} trained on (by name and content)")
        return replace(kept, episodes=chosen)

    def demos_folder(self) -> Path:
        """Where the run's demos were (CheckpointError when the run does not say)."""
        return self._demos_folder_of(self.demo_summary())

    def _demos_folder_of(self, summary: DemoSummary | None) -> Path:
        folder = "" if summary is None else summary.folder
        if not folder:
            raise CheckpointError(f"{self.path / DEMOS_FILE}: does not say where the run's demos are")
        return Path(folder)

    def write_origin(self, origin: Origin) -> None:
        atomic_write_text(self.path / ORIGIN_FILE, json.dumps(origin.to_dict(), indent=2))

    def origin(self) -> Origin | None:
        """Where the run started, when it started from another run's networks."""
        record = self._json_object(ORIGIN_FILE)
        return None if record is None else Origin.from_dict(record, str(self.path / ORIGIN_FILE))

    # ----------------------------------------------------------------------------- metrics
    def append_metrics(self, record: dict[str, Any]) -> None:
        with open(self.path / METRICS_FILE, "a") as handle:
            handle.write(json.dumps(record) + "\n")

    def metrics(self) -> list[dict[str, Any]]:
        """Every iteration's record. A torn last line (a crash mid-append) is left out; any other
        line that is not a record is an error naming it, never skipped in silence."""
        return self._read_metrics()[0]

    def _read_metrics(self) -> tuple[list[dict[str, Any]], bool]:
        """The records, and whether the file ends in a torn line (within the caps of metrics_file)."""
        path = self.path / METRICS_FILE
        return read_metrics(path) if path.is_file() else ([], False)

    # ----------------------------------------------------------------------------- checkpoints
    def save_checkpoint(self, checkpoint: Checkpoint) -> Path:
        return save_checkpoint(self.path, checkpoint)

    def checkpoint(self) -> Checkpoint:
        return load_checkpoint(self.path)

    def latest_checkpoint(self) -> Path | None:
        """The latest checkpoint's tensor file, or None before the first one."""
        return existing_checkpoint(self.path)

    # ----------------------------------------------------------------------------- final evaluation
    def write_final_eval(self, result: FinalEval) -> None:
        atomic_write_text(self.path / FINAL_EVAL_FILE, json.dumps(result.to_dict(), indent=2))

    def final_eval(self) -> FinalEval | None:
        """The final evaluation, with its sampled figures when the run has them; None before it."""
        record = self._json_object(FINAL_EVAL_FILE)
        return None if record is None else FinalEval.from_dict(record, str(self.path / FINAL_EVAL_FILE))

    def finished_eval(self) -> FinalEval | None:
        """The final evaluation of a run that ended with it; None before, when it is unreadable, or
        when the run was trained further and stopped: that keeps its old evaluation (nothing kept
        is deleted) but has a newer checkpoint, as the evaluation is written after the last one."""
        try:
            result = self.final_eval()
        except StudioError:
            return None
        checkpoint = self.latest_checkpoint()
        if result is None or checkpoint is None:
            return result
        return result if checkpoint.stat().st_mtime <= (self.path / FINAL_EVAL_FILE).stat().st_mtime else None

    def finished(self) -> bool:
        return self.finished_eval() is not None

    # ----------------------------------------------------------------------------- the policy
    def load_networks(self) -> tuple[ActorCritic, Discriminator | None, TrainConfig, dict[str, Any]]:
        """The run's latest policy and D (None for behaviour cloning) on the CPU, its config and the
        checkpoint's state, from one read of the checkpoint."""
        config, checkpoint = self.config(), self.checkpoint()
        return self._policy(config, checkpoint), self._discriminator(config, checkpoint), config, checkpoint.state

    def load_policy(self) -> tuple[ActorCritic, TrainConfig]:
        """The run's latest policy on the CPU, and its config."""
        config = self.config()
        return self._policy(config, self.checkpoint()), config

    def load_discriminator(self) -> Discriminator | None:
        """The run's latest D on the CPU; None when the run has none (behaviour cloning)."""
        return self._discriminator(self.config(), self.checkpoint())

    def _policy(self, config: TrainConfig, checkpoint: Checkpoint) -> ActorCritic:
        policy = ActorCritic(get_spec(config.env), config.hidden_size, config.normalize_obs)
        try:
            policy.load_state_dict(checkpoint.tensors["policy"])
        except (KeyError, RuntimeError) as error:
            raise CheckpointError(f"{self.path}: checkpoint policy does not fit its config ({error})") from None
        return policy

    def _discriminator(self, config: TrainConfig, checkpoint: Checkpoint) -> Discriminator | None:
        tensors = checkpoint.tensors.get("disc")
        if not tensors:
            return None
        disc = Discriminator(
            get_spec(config.env), config.disc_hidden_size, config.normalize_obs, judges_endings(config)
        )
        try:
            disc.load_state_dict(tensors)
        except RuntimeError as error:
            raise CheckpointError(f"{self.path}: checkpoint discriminator does not fit its config ({error})") from None
        return disc

    def snapshot_steps(self) -> list[int]:
        """The steps (env steps; BC: epochs) the run kept a policy snapshot at, in order."""
        return snapshot_steps(self.path)

    def load_snapshot(self, step: int) -> ActorCritic:
        """The policy as it was at a kept ``step``, on the CPU; CheckpointError names a missing one."""
        return load_snapshot(self.path, step, self.config())

    def export_policy(self, target: Path) -> None:
        """The policy's weights as one safetensors file, with the env and the config as metadata."""
        config = self.config()
        try:
            tensors = {key: value.contiguous() for key, value in self.checkpoint().tensors["policy"].items()}
        except KeyError:
            raise CheckpointError(f"{self.path}: the checkpoint holds no policy") from None
        metadata = {"env": config.env, "hidden_size": str(config.hidden_size), "config": config.to_json()}
        atomic_write_bytes(Path(target), save_safetensors(tensors, metadata))

    # ----------------------------------------------------------------------------- resuming
    def resume_config(
        self, wanted_steps: int | None = None, wanted_epochs: int | None = None
    ) -> tuple[TrainConfig, dict[str, Any]]:
        """The config to continue the run with, and its checkpoint's state.

        The one rule every front end follows: a run continues to its own total (env steps for
        GAIL, epochs for BC); a total the user gives (``wanted_steps``, or ``wanted_epochs`` for a
        BC run) replaces it. NothingToResume when nothing would be left to do. The metrics of
        iterations after the checkpoint (a crash between two checkpoints) are dropped, so that
        the resumed run does not write them twice; a run without a checkpoint starts over (an
        empty state).
        """
        config = self.config()
        # A run stopped (or killed) before its first checkpoint starts again from the beginning.
        state = self.checkpoint().state if self.latest_checkpoint() is not None else {}
        bc = config.algo == "bc"
        done = config.progress_of(int(state.get("iteration", 0)), int(state.get("env_steps", 0)))
        total = config.bc_epochs if bc else config.total_steps
        wanted = wanted_epochs if bc else wanted_steps
        target = total if wanted is None else int(wanted)
        if target <= done:
            state_text = "the run is done" if done >= total else f"the run stopped at {done:,} of its {total:,}"
            raise NothingToResume(
                f"{self.path}: {state_text} ({done:,} {config.progress_unit} trained, {target:,} asked for); "
                f"give a total above {done:,} to train it further"
            )
        if target != total:
            config = config.replace(**{"bc_epochs" if bc else "total_steps": target})
        self._drop_metrics_after(int(state.get("iteration", 0)))
        return config, state

    def _drop_metrics_after(self, iteration: int) -> None:
        """Cut the metrics back to ``iteration`` and drop a torn tail, so that the resumed run's
        records follow on whole lines, each iteration once."""
        records, torn = self._read_metrics()
        kept = [record for record in records if int(record.get("iteration", 0)) <= iteration]
        if torn or len(kept) != len(records):
            atomic_write_text(self.path / METRICS_FILE, "".join(json.dumps(record) + "\n" for record in kept))

    # ----------------------------------------------------------------------------- helpers
    def _json_object(self, name: str) -> dict[str, Any] | None:
        path = self.path / name
        return read_json_object(path, CheckpointError) if path.exists() else None
