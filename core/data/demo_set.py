"""A demo set: the usable episodes of a folder, and the files that could not be used, with why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.data.episode import EPISODE_SUFFIX, Episode
from core.data.episode_io import load_episode
from core.envs.registry import EnvSpec, get_spec
from core.errors import DemoError
from core.fileio import remove_stale_temporaries


@dataclass(frozen=True)
class InvalidDemo:
    """A file in a demo folder that could not be used (or was left out by choice), and why."""

    path: Path
    reason: str


@dataclass(frozen=True, eq=False)
class DemoSet:
    """The usable episodes of one folder, all of one env, and the files that were not usable."""

    folder: Path
    env_key: str | None  # None only when no file in the folder was usable
    episodes: tuple[Episode, ...]
    invalid: tuple[InvalidDemo, ...]
    # Usable episodes that do not train, by the person's choice (core.data.demo_selection).
    left_out: tuple[InvalidDemo, ...] = ()
    # Temporary files of writes that were killed midway, removed when the folder was loaded.
    cleaned: tuple[Path, ...] = ()

    @property
    def spec(self) -> EnvSpec:
        if self.env_key is None:
            raise DemoError(f"{self.folder}: no usable episodes, so its environment is unknown")
        return get_spec(self.env_key)

    @property
    def whole_demos(self) -> tuple[Episode, ...]:
        """The episodes demonstrated from start to end: the set's reference (its returns and
        lengths). A correction's return is partly the policy's, so it is not one of them, unless
        the set holds nothing else."""
        whole = tuple(episode for episode in self.episodes if not episode.is_correction)
        return whole or self.episodes

    @property
    def returns(self) -> np.ndarray:
        return np.array([episode.episode_return for episode in self.whole_demos], dtype=np.float64)

    @property
    def lengths(self) -> np.ndarray:
        return np.array([episode.length for episode in self.whole_demos], dtype=np.int64)

    @property
    def n_steps(self) -> int:
        """Demonstrated steps (a correction's count where the person acted)."""
        return sum(episode.demonstrated_steps for episode in self.episodes)

    def require_episodes(self) -> DemoSet:
        """Return self, or raise DemoError when there is nothing to learn from."""
        if not self.episodes:
            reasons = "".join(f"\n  {bad.path.name}: {bad.reason}" for bad in self.invalid)
            raise DemoError(f"{self.folder}: no usable episodes{reasons}")
        return self

    @property
    def corrections(self) -> tuple[Episode, ...]:
        return tuple(episode for episode in self.episodes if episode.is_correction)

    def transitions(self) -> tuple[np.ndarray, np.ndarray]:
        """The demonstrated (observation, action) pairs as the networks take them: obs (N,
        input_dim) (a pixel env's stacked frames, ``EnvSpec.policy_inputs``), actions (N,) or
        (N, act_dim). A correction gives only the steps the person acted in."""
        self.require_episodes()
        spec = self.spec
        shown = [episode.demonstrated for episode in self.episodes]
        observations = np.concatenate(
            [spec.policy_inputs(e.observations[:-1])[mask] for e, mask in zip(self.episodes, shown, strict=True)]
        )
        actions = np.concatenate([e.actions[mask] for e, mask in zip(self.episodes, shown, strict=True)])
        return observations, actions


def episode_files(folder: Path) -> list[Path]:
    """The episode files of a folder, oldest name first; hidden and temporary files are skipped."""
    return sorted(
        p for p in folder.iterdir() if p.suffix == EPISODE_SUFFIX and not p.name.startswith(".") and p.is_file()
    )


def load_demo_set(folder: Path, env_key: str | None = None) -> DemoSet:
    """Load every episode of ``folder``; unusable files are listed in ``invalid``, not fatal.

    With ``env_key`` given, episodes of other envs are invalid; otherwise the set's env is the
    one most of its episodes were recorded in. A missing or empty folder raises DemoError.
    """
    folder = Path(folder)
    if env_key is not None:
        get_spec(env_key)  # an unknown env is the caller's error, not the files'
    if not folder.exists():
        raise DemoError(f"{folder}: demo folder does not exist")
    if not folder.is_dir():
        raise DemoError(f"{folder}: is a file, not a demo folder")
    cleaned = tuple(remove_stale_temporaries(folder))
    paths = episode_files(folder)
    if not paths:
        raise DemoError(f"{folder}: no episode files (*{EPISODE_SUFFIX}) in this folder")
    loaded: list[Episode] = []
    # Links to nothing (dangling, or a loop) are listed, not skipped in silence.
    invalid = [
        InvalidDemo(path, "a link that leads to no file (dangling, or a loop)")
        for path in folder.iterdir()
        if path.suffix == EPISODE_SUFFIX and path.is_symlink() and not path.exists()
    ]
    for path in paths:
        try:
            loaded.append(load_episode(path))
        except DemoError as error:
            invalid.append(InvalidDemo(path, str(error).removeprefix(f"{path}: ")))
    if env_key is None and loaded:
        keys = [episode.meta.env_key for episode in loaded]
        env_key = max(set(keys), key=lambda key: (keys.count(key), key))
    episodes = []
    for episode in loaded:
        if episode.meta.env_key == env_key:
            episodes.append(episode)
        else:
            where = episode.path if episode.path is not None else folder  # loaded episodes know their file
            invalid.append(InvalidDemo(where, f"recorded in {episode.meta.env_key}, but this set is {env_key}"))
    invalid.sort(key=lambda bad: bad.path.name)
    return DemoSet(folder, env_key, tuple(episodes), tuple(invalid), cleaned=cleaned)


# ----------------------------------------------------------------------------- replay
