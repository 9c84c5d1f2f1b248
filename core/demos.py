"""Demonstrations on disk: one self-describing ``.npz`` file per episode, a folder per demo set.

A file holds ``observations`` (T+1, *obs_shape), ``actions`` (T,) int64 or (T, act_dim) float32,
``rewards`` (T,) float64 and ``meta``, UTF-8 JSON bytes with everything else (env, reset seed,
source, key map, termination). Nothing is pickled: loading never runs code from a file.

Writes are atomic (temporary hidden name, fsync, rename), so a crash loses at most the episode
being written, and a half-written file never carries the ``.npz`` name the loader looks for.
Reset seed + actions make an episode replayable by re-simulation; the replay checks that the
recorded observations come back.
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import numpy as np

import core
from core.endings import Ending, classify_ending
from core.envs import Action, EnvSpec, get_spec
from core.errors import DemoError, StudioError
from core.fileio import atomic_write_bytes

FORMAT_NAME = "imitation-studio/episode"
FORMAT_VERSION = 1
EPISODE_SUFFIX = ".npz"
Source = Literal["human", "scripted"]
SOURCES = ("human", "scripted")
# Observations of a replay may differ from the recording by float noise only.
REPLAY_OBS_TOLERANCE = 1e-4


@dataclass(frozen=True)
class EpisodeMeta:
    """Everything about an episode except its arrays; stored as JSON inside the file."""

    env_key: str
    gym_id: str
    gym_kwargs: dict[str, Any]
    reset_seed: int
    source: Source
    length: int
    episode_return: float
    terminated: bool
    truncated: bool
    fps: int
    key_map: dict[str, str] = field(default_factory=dict)  # key name -> action, as text
    source_detail: str = ""  # e.g. which scripted expert, with its noise and delay
    recorded_at: str = ""  # ISO 8601, UTC
    gymnasium_version: str = gym.__version__
    app_version: str = core.__version__

    def to_json_bytes(self) -> bytes:
        record = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **asdict(self)}
        return json.dumps(record, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> EpisodeMeta:
        """Parse and check the metadata record; DemoError says what is missing or wrong."""
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise DemoError(f"metadata is not valid JSON ({error})") from None
        if not isinstance(record, dict) or record.get("format") != FORMAT_NAME:
            raise DemoError("not an Imitation Studio episode (metadata has no episode format tag)")
        version = record.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise DemoError(f"episode format version {version!r} is newer than this app reads ({FORMAT_VERSION})")
        known = set(cls.__dataclass_fields__)
        record = {k: v for k, v in record.items() if k in known}
        required = {"env_key", "gym_id", "reset_seed", "source", "length", "episode_return", "terminated", "truncated"}
        missing = sorted(required - set(record))
        if missing:
            raise DemoError(f"metadata lacks {', '.join(missing)}")
        if record["source"] not in SOURCES:
            raise DemoError(f"metadata source {record['source']!r} is not one of {', '.join(SOURCES)}")
        record.setdefault("gym_kwargs", {})
        record.setdefault("fps", 0)
        for name, kinds in _META_TYPES.items():
            value = record.get(name)
            if name in record and (not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool))):
                raise DemoError(f"metadata field {name} has the wrong type ({type(value).__name__})")
        return cls(**record)


# JSON types of the metadata fields, checked on load so that a hand-edited file fails clearly.
_META_TYPES: dict[str, tuple[type, ...]] = {
    "env_key": (str,),
    "gym_id": (str,),
    "gym_kwargs": (dict,),
    "reset_seed": (int,),
    "source": (str,),
    "length": (int,),
    "episode_return": (int, float),
    "terminated": (bool,),
    "truncated": (bool,),
    "fps": (int,),
    "key_map": (dict,),
    "source_detail": (str,),
    "recorded_at": (str,),
    "gymnasium_version": (str,),
    "app_version": (str,),
}


@dataclass(frozen=True, eq=False)
class Episode:
    """One demonstration: arrays plus metadata, checked against its env on construction."""

    observations: np.ndarray  # (T+1, *obs_shape)
    actions: np.ndarray  # (T,) int64 or (T, act_dim) float32
    rewards: np.ndarray  # (T,) float64
    meta: EpisodeMeta
    path: Path | None = None  # where it was loaded from or written to

    def __post_init__(self) -> None:
        problems = episode_problems(self.observations, self.actions, self.rewards, self.meta)
        if problems:
            raise DemoError("; ".join(problems))

    @property
    def spec(self) -> EnvSpec:
        return get_spec(self.meta.env_key)

    @property
    def length(self) -> int:
        return len(self.actions)

    @property
    def episode_return(self) -> float:
        return float(self.rewards.sum())

    @property
    def ending(self) -> Ending:
        """How the episode ended (landed, crashed, time limit ...)."""
        return classify_ending(self.spec, self.observations[-1], float(self.rewards[-1]), self.meta.terminated)


def episode_problems(
    observations: np.ndarray, actions: np.ndarray, rewards: np.ndarray, meta: EpisodeMeta
) -> list[str]:
    """Every reason the arrays and metadata do not form a usable episode (empty when fine)."""
    try:
        spec = get_spec(meta.env_key)
    except StudioError as error:
        return [str(error)]
    problems = []
    if meta.gym_id != spec.gym_id or dict(meta.gym_kwargs) != dict(spec.gym_kwargs):
        problems.append(
            f"made with {meta.gym_id} {meta.gym_kwargs}, but {spec.key} is {spec.gym_id} {dict(spec.gym_kwargs)}"
        )
    length = len(actions)
    if length == 0:
        problems.append("the episode has no steps")
    if observations.shape[1:] != spec.obs_shape:
        problems.append(f"observations have shape {observations.shape[1:]} per step, {spec.key} has {spec.obs_shape}")
    if len(observations) != length + 1:
        problems.append(f"{len(observations)} observations for {length} actions (need one more than actions)")
    if rewards.shape != (length,):
        problems.append(f"rewards have shape {rewards.shape}, expected ({length},)")
    if spec.is_discrete:
        if actions.ndim != 1 or not np.issubdtype(actions.dtype, np.integer):
            problems.append(f"actions must be integer indices of shape (T,), got {actions.dtype} {actions.shape}")
        elif length and (actions.min() < 0 or actions.max() >= spec.n_actions):
            problems.append(f"actions outside 0..{spec.n_actions - 1}")
    else:
        if actions.shape[1:] != (spec.action_dim,) or not np.issubdtype(actions.dtype, np.floating):
            problems.append(
                f"actions must be floats of shape (T, {spec.action_dim}), got {actions.dtype} {actions.shape}"
            )
        elif length and (
            np.any(actions < np.array(spec.action_low) - 1e-6) or np.any(actions > np.array(spec.action_high) + 1e-6)
        ):
            problems.append(f"actions outside the bounds {spec.action_low}..{spec.action_high}")
    for name, array in (("observations", observations), ("actions", actions), ("rewards", rewards)):
        if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
            problems.append(f"{name} contain NaN or inf")
    if meta.length != length:
        problems.append(f"metadata says {meta.length} steps, the arrays hold {length}")
    if np.all(np.isfinite(rewards)) and rewards.ndim == 1:
        total = float(rewards.sum())
        if abs(total - meta.episode_return) > 1e-3 * max(1.0, abs(total)):
            problems.append(f"metadata return {meta.episode_return:.3f} differs from the rewards' sum {total:.3f}")
    if meta.terminated and meta.truncated:
        problems.append("marked both terminated and truncated")
    return problems


# ----------------------------------------------------------------------------- files


def write_episode(episode: Episode, folder: Path) -> Path:
    """Write ``episode`` atomically into ``folder`` (created if needed); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        observations=episode.observations,
        actions=episode.actions,
        rewards=episode.rewards,
        meta=np.frombuffer(episode.meta.to_json_bytes(), dtype=np.uint8),
    )
    path = _new_episode_path(folder, episode.meta)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _new_episode_path(folder: Path, meta: EpisodeMeta) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    while True:
        path = folder / f"{stamp}-{meta.source}-seed{meta.reset_seed}-{secrets.token_hex(2)}{EPISODE_SUFFIX}"
        if not path.exists():
            return path


def load_episode(path: Path) -> Episode:
    """Read one episode file; DemoError names the file and what is wrong with it."""
    path = Path(path)
    try:
        arrays = _read_npz(path)
        missing = [name for name in ("observations", "actions", "rewards", "meta") if name not in arrays]
        if missing == ["observations", "actions", "rewards", "meta"]:
            raise DemoError("not an Imitation Studio episode (none of its arrays are present)")
        if missing:
            raise DemoError(f"missing array(s): {', '.join(missing)}")
        meta_array = arrays["meta"]
        if meta_array.dtype != np.uint8 or meta_array.ndim != 1:
            raise DemoError("not an Imitation Studio episode (metadata is not a JSON byte array)")
        meta = EpisodeMeta.from_json_bytes(meta_array.tobytes())
        return Episode(arrays["observations"], arrays["actions"], arrays["rewards"], meta, path)
    except DemoError as error:
        raise DemoError(f"{path}: {error}") from None


_ZIP_MAGIC = b"PK\x03\x04"  # every .npz is a zip archive


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(_ZIP_MAGIC))
        if magic != _ZIP_MAGIC:
            what = "empty" if not magic else "not a zip archive"
            raise DemoError(f"not a readable episode archive, truncated or corrupt ({what})")
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except DemoError:
        raise
    except FileNotFoundError:
        raise DemoError("file not found") from None
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise DemoError("holds pickled objects, which are never loaded (not an Imitation Studio episode)") from None
        raise DemoError(f"not a readable episode archive, truncated or corrupt ({error})") from None
    except Exception as error:  # noqa: BLE001 - zip, zlib and OS errors all mean an unreadable file
        raise DemoError(
            f"not a readable episode archive, truncated or corrupt ({type(error).__name__}: {error})"
        ) from None


# ----------------------------------------------------------------------------- demo sets


@dataclass(frozen=True)
class InvalidDemo:
    """A file in a demo folder that could not be used, and why."""

    path: Path
    reason: str


@dataclass(frozen=True, eq=False)
class DemoSet:
    """The usable episodes of one folder, all of one env, and the files that were not usable."""

    folder: Path
    env_key: str | None  # None only when no file in the folder was usable
    episodes: tuple[Episode, ...]
    invalid: tuple[InvalidDemo, ...]

    @property
    def spec(self) -> EnvSpec:
        if self.env_key is None:
            raise DemoError(f"{self.folder}: no usable episodes, so its environment is unknown")
        return get_spec(self.env_key)

    @property
    def returns(self) -> np.ndarray:
        return np.array([episode.episode_return for episode in self.episodes], dtype=np.float64)

    @property
    def lengths(self) -> np.ndarray:
        return np.array([episode.length for episode in self.episodes], dtype=np.int64)

    @property
    def n_steps(self) -> int:
        return int(self.lengths.sum())

    def require_episodes(self) -> DemoSet:
        """Return self, or raise DemoError when there is nothing to learn from."""
        if not self.episodes:
            reasons = "".join(f"\n  {bad.path.name}: {bad.reason}" for bad in self.invalid)
            raise DemoError(f"{self.folder}: no usable episodes{reasons}")
        return self

    def transitions(self) -> tuple[np.ndarray, np.ndarray]:
        """All (observation, action) pairs: obs (N, *obs_shape), actions (N,) or (N, act_dim)."""
        self.require_episodes()
        observations = np.concatenate([episode.observations[:-1] for episode in self.episodes])
        actions = np.concatenate([episode.actions for episode in self.episodes])
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
    paths = episode_files(folder)
    if not paths:
        raise DemoError(f"{folder}: no episode files (*{EPISODE_SUFFIX}) in this folder")
    loaded: list[Episode] = []
    invalid: list[InvalidDemo] = []
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
            invalid.append(InvalidDemo(episode.path, f"recorded in {episode.meta.env_key}, but this set is {env_key}"))
    invalid.sort(key=lambda bad: bad.path.name)
    return DemoSet(folder, env_key, tuple(episodes), tuple(invalid))


# ----------------------------------------------------------------------------- replay


@dataclass(frozen=True)
class ReplayStep:
    """One re-simulated step: the index of the action taken, the observation after it, a frame."""

    t: int
    observation: np.ndarray
    frame: np.ndarray | None
    reward: float


@dataclass(frozen=True)
class ReplayCheck:
    """The outcome of re-simulating an episode and comparing it with the recording."""

    ok: bool
    steps_checked: int
    max_obs_error: float
    message: str


def replay(episode: Episode, render: bool = False) -> Iterator[ReplayStep]:
    """Re-simulate ``episode`` from its reset seed and actions, yielding each step.

    The first item (t = -1) is the reset state. Frames are rgb arrays when ``render`` is set.
    """
    env = episode.spec.make(render_mode="rgb_array" if render else None)
    try:
        observation, _ = env.reset(seed=episode.meta.reset_seed)
        yield ReplayStep(-1, observation, env.render() if render else None, 0.0)
        for t, action in enumerate(episode.actions):
            observation, reward, _, _, _ = env.step(episode.spec.check_action(action))
            yield ReplayStep(t, observation, env.render() if render else None, float(reward))
    finally:
        env.close()


def verify_replay(episode: Episode, tolerance: float = REPLAY_OBS_TOLERANCE) -> ReplayCheck:
    """Re-simulate without rendering and check every observation against the recording."""
    worst = 0.0
    steps = 0
    for step in replay(episode):
        recorded = episode.observations[step.t + 1]
        error = float(np.max(np.abs(step.observation.astype(np.float64) - recorded.astype(np.float64)), initial=0.0))
        worst = max(worst, error)
        if error > tolerance:
            where = "after reset" if step.t < 0 else f"after step {step.t}"
            versions = ""
            if episode.meta.gymnasium_version != gym.__version__:
                versions = f" (recorded with gymnasium {episode.meta.gymnasium_version}, now {gym.__version__})"
            return ReplayCheck(False, steps, worst, f"observation {where} differs by {error:.3g}{versions}")
        steps += 1
    return ReplayCheck(True, steps - 1, worst, f"{steps - 1} steps replayed, max observation error {worst:.2g}")


# ----------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class StepOutcome:
    observation: np.ndarray
    reward: float
    terminated: bool
    truncated: bool

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated


class Recorder:
    """Plays one env and holds the current episode in memory until it is kept or discarded.

    The Record view and ``record-expert`` both use it: ``reset``, ``step`` until ``done``, then
    ``keep`` (writes one file atomically) or ``discard``. Kept episodes are never rewritten.
    """

    def __init__(
        self,
        spec: EnvSpec,
        folder: Path,
        source: Source = "human",
        render: bool = False,
        source_detail: str = "",
        seed: int | None = None,
    ) -> None:
        if source not in SOURCES:
            raise DemoError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
        self.spec = spec
        self.folder = Path(folder)
        self.source: Source = source
        self.source_detail = source_detail
        self.render_enabled = render
        self.env = spec.make(render_mode="rgb_array" if render else None)
        self._seed_rng = np.random.default_rng(seed)
        self._reset_seed: int | None = None
        self._observations: list[np.ndarray] = []
        self._actions: list[Action] = []
        self._rewards: list[float] = []
        self._terminated = False
        self._truncated = False

    # What the view reads.
    @property
    def observation(self) -> np.ndarray:
        return self._observations[-1]

    @property
    def length(self) -> int:
        return len(self._actions)

    @property
    def episode_return(self) -> float:
        return float(sum(self._rewards))

    @property
    def done(self) -> bool:
        return self._terminated or self._truncated

    @property
    def started(self) -> bool:
        return self._reset_seed is not None

    def render(self) -> np.ndarray:
        """The current frame, (H, W, 3) uint8; needs ``render=True``."""
        return self.env.render()

    def reset(self, seed: int | None = None) -> np.ndarray:
        """Start a new episode (dropping any unkept one) from ``seed`` or a fresh random seed."""
        self._reset_seed = int(self._seed_rng.integers(2**31 - 1)) if seed is None else int(seed)
        observation, _ = self.env.reset(seed=self._reset_seed)
        self._observations = [observation]
        self._actions, self._rewards = [], []
        self._terminated = self._truncated = False
        return observation

    def step(self, action: Any) -> StepOutcome:
        """Take one action in the current episode."""
        if not self.started:
            raise DemoError("call reset() before step()")
        if self.done:
            raise DemoError("the episode has ended: keep or discard it, then reset")
        action = self.spec.check_action(action)
        observation, reward, terminated, truncated, _ = self.env.step(action)
        self._observations.append(observation)
        self._actions.append(action)
        self._rewards.append(float(reward))
        self._terminated, self._truncated = bool(terminated), bool(truncated)
        return StepOutcome(observation, float(reward), self._terminated, self._truncated)

    def episode(self) -> Episode:
        """The current episode as an ``Episode`` (not yet written)."""
        if not self._actions:
            raise DemoError("the episode has no steps yet")
        spec = self.spec
        actions = np.array(self._actions, dtype=np.int64 if spec.is_discrete else np.float32)
        meta = EpisodeMeta(
            env_key=spec.key,
            gym_id=spec.gym_id,
            gym_kwargs=dict(spec.gym_kwargs),
            reset_seed=int(self._reset_seed),
            source=self.source,
            length=len(self._actions),
            episode_return=self.episode_return,
            terminated=self._terminated,
            truncated=self._truncated,
            fps=spec.fps,
            key_map={key: str(action) for key, action in spec.key_actions.items()} if self.source == "human" else {},
            source_detail=self.source_detail,
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        return Episode(np.array(self._observations), actions, np.array(self._rewards, dtype=np.float64), meta)

    def keep(self) -> Path:
        """Write the finished episode to the demo folder and start nothing new."""
        if not self.done:
            raise DemoError("only a finished episode can be kept")
        path = write_episode(self.episode(), self.folder)
        self._forget()
        return path

    def discard(self) -> None:
        """Drop the current episode; nothing is written."""
        self._forget()

    def _forget(self) -> None:
        self._reset_seed = None
        self._observations, self._actions, self._rewards = [], [], []
        self._terminated = self._truncated = False

    def close(self) -> None:
        self.env.close()
