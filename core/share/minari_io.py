"""Demo folders to and from Minari, the Farama Foundation's format for offline datasets.

Export writes the episodes a folder trains on (its selection applied; corrections left out, since
part of each is the policy's) into a local Minari dataset, with each episode's reset seed and the
env's spec, so that ``minari.load_dataset(ID)`` reads it back and can rebuild the env. Import makes
a demo folder from a local dataset of an env this app supports; an episode without a seed is
marked not replayable, and still trains. Nothing is downloaded: datasets live under Minari's root
(``MINARI_DATASETS_PATH``, else ``~/.minari/datasets``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from core.data.demo_selection import training_demos
from core.data.demo_set import load_demo_set
from core.data.episode import Episode, EpisodeMeta
from core.data.episode_io import write_episode
from core.envs.registry import REGISTRY, EnvSpec
from core.errors import DemoError, StudioError


@dataclass(frozen=True)
class ExportSummary:
    dataset_id: str
    episodes: int
    steps: int
    left_out: tuple[str, ...]  # file names, with why


def _minari() -> Any:
    try:
        import minari
    except ImportError:
        raise StudioError("Minari needs the share extra (pip install 'imitation-studio[share]')") from None
    return minari


def export_minari(folder: Path, dataset_id: str, author: str = "") -> ExportSummary:
    """Write the folder's training episodes as the local Minari dataset ``dataset_id``."""
    minari = _minari()
    from minari.data_collector.episode_buffer import EpisodeBuffer

    _check_id(dataset_id)
    demos = training_demos(load_demo_set(Path(folder)).require_episodes())
    spec = demos.spec
    episodes = [episode for episode in demos.episodes if not episode.is_correction]
    left_out = [f"{e.path.name if e.path else '?'}: a correction (partly the policy's play)" for e in demos.corrections]
    left_out += [f"{item.path.name}: {item.reason}" for item in (*demos.left_out, *demos.invalid)]
    if not episodes:
        raise DemoError(f"{folder}: nothing to export (only corrections, or every episode left out)")
    buffers = [
        EpisodeBuffer(
            id=index,
            seed=episode.meta.reset_seed if episode.meta.replayable else None,
            observations=episode.observations,  # as recorded: vectors, or CarRacing's uint8 images
            actions=episode.actions,
            rewards=episode.rewards.tolist(),
            terminations=[False] * (episode.length - 1) + [episode.meta.terminated],
            truncations=[False] * (episode.length - 1) + [episode.meta.truncated],
        )
        for index, episode in enumerate(episodes)
    ]
    sources = sorted({episode.meta.source for episode in episodes})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Minari's reminders to set a permalink, an e-mail ...
            minari.create_dataset_from_buffers(
                dataset_id,
                buffers,
                env=_gym_spec(spec),
                algorithm_name=f"Imitation Studio demos ({', '.join(sources)})",
                author=author or None,
                description=f"Demonstrations of {spec.display_name} recorded with Imitation Studio, from {folder}",
            )
    except (ValueError, FileExistsError) as error:
        raise StudioError(f"dataset id {dataset_id!r}: {error}") from None
    except Exception as error:  # noqa: BLE001 - a half-written dataset would block the id: removed first
        with contextlib.suppress(Exception):
            minari.delete_dataset(dataset_id)
        raise StudioError(
            f"{dataset_id}: Minari could not write the dataset ({type(error).__name__}: {error})"
        ) from None
    except BaseException:  # Ctrl-C mid-write: no half dataset left under the id
        with contextlib.suppress(Exception):
            minari.delete_dataset(dataset_id)
        raise
    steps = sum(episode.length for episode in episodes)
    return ExportSummary(dataset_id, len(episodes), steps, tuple(left_out))


def _gym_spec(spec: EnvSpec) -> gym.envs.registration.EnvSpec:
    """The gymnasium spec with the env's own keyword arguments (LunarLanderContinuous ...)."""
    base = gym.spec(spec.gym_id)
    return dataclasses.replace(base, kwargs={**base.kwargs, **dict(spec.gym_kwargs)})


def import_minari(
    dataset_id: str, target: Path | None = None, folder_for_env: Callable[[str], Path] | None = None
) -> list[Path]:
    """Write each episode of the local Minari dataset ``dataset_id`` as a demo file: into ``target``,
    a new or empty folder, or else beside the demos in ``folder_for_env(env key)`` (the GUI's
    workspace folder of the dataset's env, new files beside the ones there)."""
    minari = _minari()
    _check_id(dataset_id)
    try:
        dataset = minari.load_dataset(dataset_id)
    except (FileNotFoundError, ValueError):
        from minari.storage import get_dataset_path

        raise StudioError(f"{dataset_id}: no such local Minari dataset (looked in {get_dataset_path()})") from None
    spec = _supported_env(dataset, dataset_id)
    if target is not None:
        target = Path(target)
        if target.exists() and any(target.iterdir()):
            raise StudioError(f"{target}: not empty; import into a new folder")
    elif folder_for_env is not None:
        target = folder_for_env(spec.key)
    else:
        raise StudioError("import_minari needs a target folder")
    seeds = {index: meta.get("seed") for index, meta in _episode_metadata(dataset)}
    present = _fingerprints(target)
    written: list[Path] = []
    try:
        for episode in dataset.iterate_episodes():
            demo = _episode(episode, spec, seeds.get(int(episode.id)), dataset_id)
            if _fingerprint(demo) not in present:  # imported before, or exported from this very folder
                written.append(write_episode(demo, target))
    except StudioError:
        for path in written:  # all or nothing: a partial import would look like a whole one
            path.unlink(missing_ok=True)
        raise
    return written


def _fingerprint(episode: Episode) -> tuple:
    return (episode.meta.reset_seed, episode.length, round(episode.episode_return, 6), episode.actions.tobytes())


def _fingerprints(folder: Path) -> set[tuple]:
    """The episodes a folder holds already, whoever recorded them."""
    if not folder.is_dir() or not any(folder.iterdir()):
        return set()
    return {_fingerprint(episode) for episode in load_demo_set(folder).episodes}


def _check_id(dataset_id: str) -> None:
    """Minari's own rule for ids, before Minari makes any folder for a bad one."""
    from minari.dataset.minari_dataset import parse_dataset_id

    try:
        parse_dataset_id(dataset_id)
    except (ValueError, TypeError):  # Minari raises TypeError for an id without its -vN
        raise StudioError(
            f"dataset id {dataset_id!r}: not a Minari id: (namespace/)name-vN, the namespace of 2 or more "
            "letters, digits, '-' or '_', e.g. lunarlander/my-demos-v0"
        ) from None


def _episode(episode: Any, spec: EnvSpec, seed: int | None, dataset_id: str) -> Episode:
    """One Minari episode as a demo; StudioError names the episode and what does not fit."""
    try:
        observations = np.asarray(episode.observations).reshape(-1, *spec.obs_shape)
        actions = np.asarray(episode.actions)
        actions = actions.astype(np.int64).reshape(-1) if spec.is_discrete else actions.astype(np.float32)
        rewards = np.asarray(episode.rewards, dtype=np.float64)
        meta = EpisodeMeta(
            env_key=spec.key,
            gym_id=spec.gym_id,
            gym_kwargs=dict(spec.gym_kwargs),
            reset_seed=int(seed) if seed is not None else 0,
            source="imported",
            length=len(actions),
            episode_return=float(rewards.sum()),
            terminated=bool(episode.terminations[-1]),
            truncated=bool(episode.truncations[-1]),
            fps=spec.fps,
            source_detail=f"minari:{dataset_id} episode {episode.id}",
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            replayable=seed is not None,
        )
        return Episode(observations, actions, rewards, meta)
    except (DemoError, ValueError, TypeError) as error:
        raise StudioError(f"{dataset_id}: episode {episode.id} is not a usable demo ({error})") from None


def _episode_metadata(dataset: Any) -> list[tuple[int, dict]]:
    indices = [int(i) for i in dataset.episode_indices]
    return list(zip(indices, dataset.storage.get_episode_metadata(indices), strict=True))


def _constructor_defaults(gym_id: str) -> dict[str, Any]:
    entry = gym.spec(gym_id).entry_point
    if not isinstance(entry, str):
        return {}
    module, _, name = entry.partition(":")
    env_class = getattr(importlib.import_module(module), name)
    parameters = inspect.signature(env_class.__init__).parameters.values()
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def _supported_env(dataset: Any, dataset_id: str) -> EnvSpec:
    env_spec = dataset.spec.env_spec
    if env_spec is None:
        raise StudioError(f"{dataset_id}: the dataset names no environment")
    kwargs = {k: v for k, v in (env_spec.kwargs or {}).items() if k != "render_mode"}
    for spec in REGISTRY.values():
        if spec.gym_id != env_spec.id:
            continue
        # Compared over the constructor's defaults: continuous=False given or not is the same env.
        defaults = {**_constructor_defaults(spec.gym_id), **gym.spec(spec.gym_id).kwargs}
        if {**defaults, **dict(spec.gym_kwargs)} == {**defaults, **kwargs}:
            return spec
    supported = ", ".join(sorted(spec.key for spec in REGISTRY.values()))
    raise StudioError(f"{dataset_id}: environment {env_spec.id} {kwargs} is not one this app supports ({supported})")
