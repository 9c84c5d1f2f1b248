"""Every training setting, as one frozen dataclass with help text and range per field.

The CLI's flags, the Train view's form and the run folder's ``config.json`` all come from
``TrainConfig``. Per-env defaults live in ``ENV_DEFAULTS``; a JSON file or flags override them.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args

from core.errors import ConfigError, StudioError
from core.records import read_json_object
from core.rl.reward_forms import REWARD_FORMS, RewardForm
from core.train.settings.env_defaults import ENV_DEFAULTS


def _setting(default: Any, help: str, range: tuple | None = None, choices: tuple | None = None) -> Any:
    return field(default=default, metadata={"help": help, "range": range, "choices": choices})


# Each choice is one Literal; its tuple of names (the CLI's and the form's choices) comes from it.
Algo = Literal["gail", "bc"]
Generator = Literal["ppo-clip", "ppo-kl", "trpo"]
Device = Literal["auto", "cpu", "cuda"]
DiscLoss = Literal["bce", "seed-f"]
FailedEndings = Literal["auto", "imitate", "ignore"]  # read by core.data.ending_choice
ALGOS: tuple[Algo, ...] = get_args(Algo)
GENERATORS: tuple[Generator, ...] = get_args(Generator)
REWARDS: tuple[RewardForm, ...] = tuple(REWARD_FORMS)
DEVICES: tuple[Device, ...] = get_args(Device)
DISC_LOSSES: tuple[DiscLoss, ...] = get_args(DiscLoss)
FAILED_ENDINGS: tuple[FailedEndings, ...] = get_args(FailedEndings)


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Ranges are inclusive; ``None`` as a bound means unbounded."""

    env: str = _setting("LunarLander-v3", "environment key (see `imitation-studio envs`)")
    algo: Algo = _setting("gail", "gail: adversarial imitation; bc: behaviour cloning only", choices=ALGOS)
    generator: Generator = _setting("ppo-clip", "policy update rule inside GAIL", choices=GENERATORS)
    reward: RewardForm = _setting(
        "log-d", "imitation reward: ln D (the seed's u_t), -ln(1-D), or logit D = ln D - ln(1-D)", choices=REWARDS
    )
    total_steps: int = _setting(
        200_000,
        "environment steps to train for (rounded up to whole batches of num_envs x num_steps)",
        (1, 10**10),  # ten billion: weeks of the fastest env here; past it a typo, not a plan
    )
    seed: int = _setting(0, "seed of the networks, the envs and the minibatch order", (0, 2**32 - 1))
    device: Device = _setting("auto", "where updates run: auto picks CUDA when available", choices=DEVICES)
    torch_threads: int = _setting(1, "torch CPU threads for the trainer (the envs and a GUI need the rest)", (1, 64))

    # Rollouts.
    num_envs: int = _setting(8, "parallel environments (stepped in one process)", (1, 256))
    num_steps: int = _setting(256, "steps per env per iteration; batch = num_envs * num_steps", (8, 100_000))
    gamma: float = _setting(0.99, "discount factor", (0.0, 1.0))
    gae_lambda: float = _setting(0.95, "GAE lambda", (0.0, 1.0))
    normalize_obs: bool = _setting(True, "normalise policy and discriminator inputs with running statistics")
    rollout_process: bool = _setting(
        False,
        "step the envs in a second process, one batch ahead, while the networks update (uses a second core; "
        "each batch is then one update old, corrected by importance weights)",
    )

    # Actor-critic and the PPO/TRPO updates.
    hidden_size: int = _setting(64, "units in each of the two hidden layers of policy and value nets", (4, 4096))
    learning_rate: float = _setting(3e-4, "Adam learning rate of the policy and value function", (0.0, 1.0))
    anneal_lr: bool = _setting(True, "decay the learning rate linearly to 0 over the run")
    update_epochs: int = _setting(10, "epochs over each batch in a PPO update", (1, 100))
    num_minibatches: int = _setting(8, "minibatches per epoch", (1, 1024))
    clip_coef: float = _setting(0.2, "PPO-clip epsilon", (0.0, 1.0))
    clip_value_loss: bool = _setting(False, "clip the value loss like the policy ratio")
    ent_coef: float = _setting(0.0, "entropy bonus weight", (0.0, 1.0))
    vf_coef: float = _setting(0.5, "value loss weight", (0.0, 100.0))
    max_grad_norm: float = _setting(0.5, "gradient-norm clip", (0.0, 100.0))
    kl_target: float = _setting(0.01, "PPO-penalty KL target d_targ", (1e-6, 10.0))
    kl_beta_init: float = _setting(1.0, "PPO-penalty initial beta", (0.0, 1e4))
    trpo_max_kl: float = _setting(0.01, "TRPO KL bound delta", (1e-6, 10.0))
    trpo_cg_iters: int = _setting(10, "TRPO conjugate-gradient iterations", (1, 100))
    trpo_backtracks: int = _setting(10, "TRPO line-search halvings", (1, 50))
    trpo_vf_iters: int = _setting(5, "TRPO value-function epochs per update", (1, 100))

    # Discriminator.
    disc_hidden_size: int = _setting(64, "units in each of the two hidden layers of D", (4, 4096))
    disc_learning_rate: float = _setting(3e-4, "Adam learning rate of D", (0.0, 1.0))
    disc_steps: int = _setting(1, "passes over the policy batch per D update", (1, 100))
    disc_batch_size: int = _setting(512, "samples of each class per D minibatch", (8, 1_000_000))
    disc_grad_penalty: float = _setting(1.0, "gradient penalty weight on D (0 = off)", (0.0, 1e4))
    disc_loss: DiscLoss = _setting(
        "bce",
        "D's objective: bce = -ln D(real) - ln(1 - D(fake)); seed-f = the seed's F = ln(1 - D(real)) + ln D(fake), "
        "minimised (same optimum; its gradient does not fade as D becomes right)",
        choices=DISC_LOSSES,
    )
    absorbing: bool = _setting(True, "treat real terminations as entering an absorbing state that D also scores (DAC)")
    disc_judges_endings: bool = _setting(
        False,
        "with absorbing: D also learns to tell the states demo episodes ended in from those the policy's ended in, "
        "and the absorbing state after each ending is worth what D says of that ending (a crash then costs more "
        "than a landing) instead of one value for every ending",
    )
    # Decided from the demos by default (core.data.ending_choice): a person's crash among good
    # endings is a slip (measured on the human-like demos, bench --suite human, 3 seeds, medians,
    # ignore against imitate: 10 good demos 1.357 / 1.004, 10 weak 1.479 / 1.241, 3 good 1.109 /
    # 1.018, 3 weak 0.731 / 0.563), but with no good ending at all the crashes are what the demos
    # show. Demos without failed endings (the scripted samples) train as they always did.
    failed_endings: FailedEndings = _setting(
        "auto",
        "with absorbing: what the endings of demos that ended badly (a crash, a fall) teach D; auto: decided from "
        "the demos (imitated when none ends well, else only the good endings are expert endings), imitate, ignore",
        choices=FAILED_ENDINGS,
    )
    normalize_reward: bool = _setting(True, "divide imitation rewards by a running std of discounted returns")
    # Imitation + task reward (opt-in, as ML-Agents' GAIL reward signal beside its extrinsic one):
    # each step's reward is imitation_weight * u + env_reward_weight * r_env, then scaled.
    imitation_weight: float = _setting(1.0, "weight of the imitation reward u from D", (0.0, 1e4))
    env_reward_weight: float = _setting(
        0.0, "weight of the environment's own reward beside imitation (0 = pure imitation)", (0.0, 1e4)
    )

    # Behaviour cloning.
    bc_warmstart_epochs: int = _setting(0, "BC epochs on the demos before GAIL starts (0 = none)", (0, 10_000))
    bc_coef: float = _setting(0.0, "weight of a BC loss kept in every policy update (0 = off)", (0.0, 100.0))
    bc_epochs: int = _setting(200, "epochs of the bc algorithm", (1, 100_000))
    bc_batch_size: int = _setting(256, "minibatch size of BC", (8, 1_000_000))

    # Reporting.
    eval_every_iters: int = _setting(
        5, "iterations between evaluations, which the stopping rule judges (0 = never: no early stop)", (0, 10_000)
    )
    eval_episodes: int = _setting(
        5, "episodes per periodic evaluation, played deterministic and again sampling the actions", (1, 1000)
    )
    stop_when_done: bool = _setting(
        True,
        "stop once the policy plays as well as the demos and has stopped improving (judged on the periodic "
        "evaluations, core/train/stopping.py); false: train to total_steps",
    )
    snapshot_every_iters: int = _setting(1, "iterations between policy snapshots for live views", (1, 10_000))
    checkpoint_every_iters: int = _setting(20, "iterations between checkpoints", (1, 100_000))
    checkpoint_every_s: float = _setting(
        60.0, "also a checkpoint when this many seconds passed since the last (0 = by iterations only)", (0.0, 1e6)
    )
    tensorboard: bool = _setting(False, "also write the metrics as TensorBoard event files in RUN/tensorboard")

    def __post_init__(self) -> None:
        for spec in fields(self):
            _check_field(spec, getattr(self, spec.name))
        from core.envs.registry import get_spec

        try:
            get_spec(self.env)
        except StudioError as error:
            raise ConfigError(f"env: {error}") from None
        if self.absorbing and self.gamma >= 1.0:
            # The absorbing state's value is its reward / (1 - gamma): without discounting it is
            # infinite, and treating it as 0 would silently drop what D says of endings.
            raise ConfigError("gamma: must be below 1 with absorbing (the absorbing state's value r / (1 - gamma))")
        if self.imitation_weight == 0.0 and self.env_reward_weight == 0.0:
            raise ConfigError("imitation_weight: with env_reward_weight 0 too, no step would be rewarded")
        if self.batch_size % self.num_minibatches:
            raise ConfigError(
                f"num_minibatches: {self.num_minibatches} does not divide the batch of {self.batch_size} steps"
            )

    @property
    def batch_size(self) -> int:
        return self.num_envs * self.num_steps

    @property
    def minibatch_size(self) -> int:
        return self.batch_size // self.num_minibatches

    @property
    def num_iterations(self) -> int:
        return max(1, -(-self.total_steps // self.batch_size))

    @property
    def steps_trained(self) -> int:
        """The env steps a GAIL run ends at: ``total_steps`` rounded up to whole batches."""
        return self.num_iterations * self.batch_size

    @property
    def progress_total(self) -> int:
        """Where the run ends, in its progress unit: BC epochs, else env steps in whole batches."""
        return self.bc_epochs if self.algo == "bc" else self.steps_trained

    def progress_of(self, iteration: int, env_steps: int) -> int:
        """How far a run is, in its progress unit (BC counts epochs as its iterations)."""
        return iteration if self.algo == "bc" else env_steps

    @property
    def progress_unit(self) -> str:
        """What the run counts its progress (and its timeline's snapshots) in: BC epochs, else env steps."""
        return "epochs" if self.algo == "bc" else "env steps"

    def replace(self, **changes: Any) -> TrainConfig:
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


_TYPE_NAMES = {"int": int, "float": float, "bool": bool, "str": str}


def field_kind(spec: dataclasses.Field) -> type:
    """The Python type of a ``TrainConfig`` field (annotations are strings under ``from __future__``);
    a field with choices is typed by its Literal, whose names are strings."""
    if spec.metadata.get("choices"):
        return str
    return spec.type if isinstance(spec.type, type) else _TYPE_NAMES[spec.type]


def _check_field(spec: dataclasses.Field, value: Any) -> None:
    kind = field_kind(spec)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 2**1000:  # float() of it overflows; no setting is anywhere near
            raise ConfigError(f"{spec.name}: {_shown(value)} is outside the allowed range")
        return _check_range(spec, float(value))
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{spec.name}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    choices = spec.metadata.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{spec.name}: {value!r} is not one of {', '.join(choices)}")
    _check_range(spec, value)


def _check_range(spec: dataclasses.Field, value: Any) -> None:
    bounds = spec.metadata.get("range")
    if bounds is None:
        return
    low, high = bounds
    if value != value or (low is not None and value < low) or (high is not None and value > high):
        shown_high = "inf" if high is None else high
        raise ConfigError(f"{spec.name}: {_shown(value)} is outside the allowed range [{low}, {shown_high}]")


def _shown(value: Any) -> str:
    """``value`` as a message shows it: a number of thousands of digits by its first and its length."""
    text = repr(value)
    return text if len(text) <= 30 else f"{text[:12]}... ({len(text)} digits)"


# What a resumed run may change: how long it trains and how it reports and saves, never what or how
# it learns (a different learning rate or D half-way would make the run two runs under one name).
RESUMABLE_FIELDS = (
    "total_steps",
    "bc_epochs",
    "stop_when_done",  # a run the stopping rule ended trains on with stop_when_done=false
    "eval_every_iters",
    "eval_episodes",
    "snapshot_every_iters",
    "checkpoint_every_iters",
    "checkpoint_every_s",
    "torch_threads",
    "tensorboard",
)


def upgraded(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with the names of older releases read as today's: the runs they wrote resume
    as they trained, and ``--set`` with an old name keeps working."""
    settings = dict(settings)
    if "imitate_failed_endings" in settings:  # a switch until the demos decided (issue 25)
        imitate = settings.pop("imitate_failed_endings")
        names = {"imitate": imitate is True, "ignore": imitate is False}
        settings.setdefault("failed_endings", next((name for name, chosen in names.items() if chosen), imitate))
    return settings


def default_config(env: str, **overrides: Any) -> TrainConfig:
    """The per-env defaults for ``env`` with ``overrides`` applied (both validated)."""
    return TrainConfig(env=env).replace(**{**ENV_DEFAULTS.get(env, {}), **upgraded(overrides)})


def config_from_dict(record: dict[str, Any]) -> TrainConfig:
    """A complete config from ``TrainConfig.to_dict()`` output (validated; unknown keys are an error)."""
    record = upgraded(record)
    unknown = sorted(set(record) - {f.name for f in fields(TrainConfig)})
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    return TrainConfig(**record)


# Every setting written out takes under 4 KB; a "config" past this is not one (or is /dev/zero's kin).
CONFIG_MAX_BYTES = 2**20


def config_from_json(path: Path, **overrides: Any) -> TrainConfig:
    """Read a JSON object of settings; its env's defaults fill what it leaves out."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    record = read_json_object(path, ConfigError, CONFIG_MAX_BYTES)
    record.update(overrides)
    env = record.pop("env", TrainConfig.env)
    try:
        return default_config(env, **record)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
