"""One demonstration episode: its arrays, its metadata and the checks that make it trustworthy."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import numpy as np

import core
from core.envs.endings import Ending, classify_ending
from core.envs.registry import EnvSpec, get_spec
from core.errors import DemoError, StudioError
from core.records import parse_json_object

FORMAT_NAME = "imitation-studio/episode"
FORMAT_VERSION = 1
EPISODE_SUFFIX = ".npz"
Source = Literal["human", "scripted", "correction", "imported"]
SOURCES = ("human", "scripted", "correction", "imported")  # imported: from another tool's dataset (Minari)
# A correction (coach mode): the policy played and a person took over for stretches of it. Only the
# steps the person acted in are demonstrations; the file keeps every action, so it replays.
CORRECTION: Source = "correction"


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
    # False for an episode imported without its reset seed: it trains, but cannot be re-simulated.
    replayable: bool = True

    def to_json_bytes(self) -> bytes:
        record = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **asdict(self)}
        return json.dumps(record, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> EpisodeMeta:
        """Parse and check the metadata record; DemoError says what is missing or wrong."""
        record = parse_json_object(raw, "metadata", DemoError)
        if record.get("format") != FORMAT_NAME:
            raise DemoError("not an Imitation Studio episode (metadata has no episode format tag)")
        version = record.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise DemoError(f"episode format version {version!r} is not a version (1 or more)")
        if version > FORMAT_VERSION:
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
        if not 0 <= record["reset_seed"] < 2**63:
            raise DemoError(f"metadata reset_seed {record['reset_seed']} is not a seed (0 to 2^63 - 1)")
        episode_return = record["episode_return"]
        try:
            finite = math.isfinite(episode_return)
        except OverflowError:  # an integer of hundreds of digits, past any float
            finite = False
        if not finite:
            raise DemoError(f"metadata episode_return is {episode_return!r:.40}, not a number")
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
    "replayable": (bool,),
}


@dataclass(frozen=True, eq=False)
class Episode:
    """One demonstration: arrays plus metadata, checked against its env on construction."""

    observations: np.ndarray  # (T+1, *obs_shape)
    actions: np.ndarray  # (T,) int64 or (T, act_dim) float32
    rewards: np.ndarray  # (T,) float64
    meta: EpisodeMeta
    path: Path | None = None  # where it was loaded from or written to
    # Corrections only: True where the person acted, and the policy's own action at every step
    # (what it would have done, for comparison; equal to ``actions`` where it was in control).
    person_acted: np.ndarray | None = None  # (T,) bool
    policy_actions: np.ndarray | None = None  # like actions

    def __post_init__(self) -> None:
        problems = episode_problems(self.observations, self.actions, self.rewards, self.meta)
        if not problems:
            problems = correction_problems(self.actions, self.meta, self.person_acted, self.policy_actions)
        if problems:
            raise DemoError("; ".join(problems))

    @property
    def is_correction(self) -> bool:
        return self.meta.source == CORRECTION

    @property
    def source_label(self) -> str:
        """Who played it: ``human``, ``scripted``, or ``✎ correction 40/312`` (the person's steps
        of all, the rest the policy's)."""
        if self.person_acted is not None:
            return f"✎ correction {self.demonstrated_steps}/{self.length}"
        return self.meta.source

    @property
    def demonstrated(self) -> np.ndarray:
        """(T,) bool: the steps whose action is a demonstration (a correction's person's steps)."""
        if self.person_acted is not None:
            return self.person_acted
        return np.ones(self.length, dtype=bool)

    @property
    def demonstrated_steps(self) -> int:
        return int(self.demonstrated.sum())

    @property
    def ending_demonstrated(self) -> bool:
        """Whether the ending is the demonstrator's: a correction's only when the person acted last."""
        return bool(self.demonstrated[-1])

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
    arrays = {"observations": observations, "actions": actions, "rewards": rewards}
    not_numbers = _not_real_numbers(arrays)
    if not_numbers is not None:
        return [*problems, not_numbers]
    problems += _shape_problems(observations, actions, rewards, spec)
    problems += _action_problems(actions, spec)
    for name, array in arrays.items():
        if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
            problems.append(f"{name} contain NaN or inf")
    problems += _metadata_problems(len(actions), rewards, meta)
    return problems


def _not_real_numbers(arrays: dict[str, np.ndarray]) -> str | None:
    """The problem of the first array that is not real numbers of at least one dimension (None: all are)."""
    for name, array in arrays.items():
        # Real numbers in arrays of at least one dimension: anything else is no episode at all.
        if array.ndim == 0 or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
            return f"{name} must be an array of real numbers, got {array.dtype} of shape {array.shape}"
    return None


def _shape_problems(observations: np.ndarray, actions: np.ndarray, rewards: np.ndarray, spec: EnvSpec) -> list[str]:
    """Steps that do not line up: one more observation than actions, one reward per action, the env's shape."""
    length = len(actions)
    problems = []
    if length == 0:
        problems.append("the episode has no steps")
    if observations.shape[1:] != spec.obs_shape:
        problems.append(f"observations have shape {observations.shape[1:]} per step, {spec.key} has {spec.obs_shape}")
    if len(observations) != length + 1:
        problems.append(f"{len(observations)} observations for {length} actions (need one more than actions)")
    if rewards.shape != (length,):
        problems.append(f"rewards have shape {rewards.shape}, expected ({length},)")
    return problems


def _action_problems(actions: np.ndarray, spec: EnvSpec) -> list[str]:
    """Actions of the env's kind and within its range: indices for discrete envs, bounded floats otherwise."""
    length = len(actions)
    if spec.is_discrete:
        if actions.ndim != 1 or not np.issubdtype(actions.dtype, np.integer):
            return [f"actions must be integer indices of shape (T,), got {actions.dtype} {actions.shape}"]
        if length and (actions.min() < 0 or actions.max() >= spec.n_actions):
            return [f"actions outside 0..{spec.n_actions - 1}"]
        return []
    if actions.shape[1:] != (spec.action_dim,) or not np.issubdtype(actions.dtype, np.floating):
        return [f"actions must be floats of shape (T, {spec.action_dim}), got {actions.dtype} {actions.shape}"]
    if length and (
        np.any(actions < np.array(spec.action_low) - 1e-6) or np.any(actions > np.array(spec.action_high) + 1e-6)
    ):
        return [f"actions outside the bounds {spec.action_low}..{spec.action_high}"]
    return []


def _metadata_problems(length: int, rewards: np.ndarray, meta: EpisodeMeta) -> list[str]:
    """Where the metadata disagrees with the arrays (length, return) or with itself (how it ended)."""
    problems = []
    if meta.length != length:
        problems.append(f"metadata says {meta.length} steps, the arrays hold {length}")
    if np.all(np.isfinite(rewards)) and rewards.ndim == 1:
        total = float(rewards.sum())
        if abs(total - meta.episode_return) > 1e-3 * max(1.0, abs(total)):
            problems.append(f"metadata return {meta.episode_return:.3f} differs from the rewards' sum {total:.3f}")
    if meta.terminated and meta.truncated:
        problems.append("marked both terminated and truncated")
    return problems


def correction_problems(
    actions: np.ndarray, meta: EpisodeMeta, person_acted: np.ndarray | None, policy_actions: np.ndarray | None
) -> list[str]:
    """What is wrong with a correction's own arrays (or with such arrays on another kind of episode)."""
    if meta.source != CORRECTION:
        if person_acted is not None or policy_actions is not None:
            return [f"a {meta.source} episode holds a correction's arrays (person_acted, policy_actions)"]
        return []
    if person_acted is None or policy_actions is None:
        return ["a correction needs its person_acted and policy_actions arrays"]
    problems = []
    if person_acted.dtype != np.bool_ or person_acted.shape != (len(actions),):
        problems.append(
            f"person_acted must be booleans of shape ({len(actions)},), got {person_acted.dtype} {person_acted.shape}"
        )
    elif not person_acted.any():
        problems.append("a correction in which the person never acted")
    if policy_actions.shape != actions.shape or policy_actions.dtype != actions.dtype:
        problems.append(
            f"policy_actions must match actions ({actions.dtype} {actions.shape}), got {policy_actions.dtype} "
            f"{policy_actions.shape}"
        )
    elif np.issubdtype(policy_actions.dtype, np.floating) and not np.all(np.isfinite(policy_actions)):
        problems.append("policy_actions contain NaN or inf")
    return problems


# ----------------------------------------------------------------------------- files
