"""A simulated keyboard player: the scripted expert's intent, played through a person's hands.

People at a keyboard differ from a script in ways that random-action noise does not model, and
our benchmark needs demos that look like theirs. The model has four parts, each a few lines:

- **Reaction delay, partly anticipated.** The player decides on what the screen showed ``delay``
  frames ago (a visual reaction takes roughly 150-300 ms; at 50 fps that is 8-15 frames), but,
  like anyone who watches something move, extrapolates it: the state seen is carried forward
  along its last frame-to-frame change for ``anticipation * delay`` frames. Nothing about the
  env is known to the player but what it sees.
- **Key holds.** A finger that presses or releases a key stays so for at least ``hold`` frames;
  a player does not flick keys at 50 Hz. Decisions are therefore taken only every few frames.
- **Slips.** Now and then (probability ``slip_rate`` per decision) the finger goes to a wrong key
  and stays there for a while (``slip_frames``): the correction is late, as the player first
  has to notice it.
- **Skill.** One number in [0, 1] sets the three above: a skilled player reacts sooner, holds
  keys more briefly and slips less. Skill 1 is a quick, careful player; skill 0 a beginner whose
  episodes mostly crash. Measured on LunarLander over 50 episodes, see ``SKILL_LEVELS``.

The intent comes from the env's scripted controller (``core.envs.experts.CONTROLLERS``): the
player knows what to do, and fails by doing it late, coarsely or with the wrong key. Only
discrete envs are played, as a keyboard plays them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from core.envs.experts import CONTROLLERS, Controller
from core.envs.registry import EnvSpec, get_spec
from core.errors import EnvError


@dataclass(frozen=True)
class HandModel:
    """How a player's hands turn intent into key presses, in frames of the env."""

    delay: int  # frames between what is seen and the key press it causes
    anticipation: float  # fraction of the delay the player extrapolates over (0 = none)
    hold: int  # minimum frames a key stays pressed or released
    slip_rate: float  # probability of a wrong key at each decision (about one per frame)
    slip_frames: tuple[int, int]  # how long a slip lasts, uniform over [low, high]

    @classmethod
    def for_skill(cls, skill: float, fps: int) -> HandModel:
        """The hands of a player of ``skill`` (0 beginner .. 1 expert) in an env drawn at ``fps``."""
        if not 0.0 <= skill <= 1.0:
            raise EnvError(f"skill must be in [0, 1], got {skill:g}")
        # The lag of a practised player tracking a moving thing, shorter than a simple reaction
        # time (150-300 ms) because people anticipate: 160 ms for a beginner, 60 ms for an expert.
        return cls.in_seconds(
            fps,
            reaction_s=0.16 - 0.10 * skill,
            anticipation=0.5 + 0.5 * skill,
            hold_s=0.10 - 0.04 * skill,  # 100 ms .. 60 ms: a quick tap
            slips_per_s=1.0 - 0.9 * skill,  # one wrong key a second for a beginner, one in 10 s for an expert
            slip_s=(0.15, 0.45 - 0.15 * skill),  # a wrong key is noticed after 150-450 ms
        )

    @classmethod
    def in_seconds(
        cls,
        fps: float,
        *,
        reaction_s: float,
        anticipation: float,
        hold_s: float,
        slips_per_s: float,
        slip_s: tuple[float, float],
    ) -> HandModel:
        """Hands described in seconds (how people are measured), in frames of an env stepped ``fps``
        times a second (fewer than its native rate for a person playing it slowed down)."""
        return cls(
            delay=max(0, round(reaction_s * fps)),
            anticipation=anticipation,
            hold=max(1, round(hold_s * fps)),
            slip_rate=slips_per_s / fps,
            slip_frames=(max(1, round(slip_s[0] * fps)), max(1, round(slip_s[1] * fps))),
        )


# The two players the benchmark records (LunarLander, 50 episodes each, seeds 1000+; measured
# with ``python -m core.envs.human_player``): see the module's docstring and docs/benchmarks.md.
SKILL_LEVELS = {"good": 0.8, "weak": 0.4}


class HumanLikePlayer:
    """Plays a discrete env like a person at a keyboard of the given skill (see the module)."""

    def __init__(
        self,
        spec: EnvSpec,
        skill: float,
        seed: int | None = None,
        hands: HandModel | None = None,
        intent: Controller | None = None,
        name: str = "",
    ) -> None:
        """A player of ``skill``; or, for the benchmark's population (``core.envs.player_population``),
        of its own ``hands`` and ``intent`` (a way of playing other than the scripted expert's)."""
        if intent is None and spec.key not in CONTROLLERS:
            raise EnvError(f"no scripted intent for {spec.key}; the human-like player plays: {', '.join(CONTROLLERS)}")
        if not spec.is_discrete:
            raise EnvError(f"the human-like player presses keys, so it plays discrete envs only, not {spec.key}")
        self.spec = spec
        self.skill = skill
        self.name = name
        self.hands = hands or HandModel.for_skill(skill, spec.fps)
        self.controller = intent or CONTROLLERS[spec.key]
        self._rng = np.random.default_rng(seed)
        # The frame decided on, the one before it (for its motion), and the frames in between.
        self._seen: deque[np.ndarray] = deque(maxlen=self.hands.delay + 2)
        self._action = 0
        self._frames_left = 0  # until the next decision

    @property
    def description(self) -> str:
        """For demo metadata, e.g. ``human-like:LunarLander-v3 skill=0.8`` or ``... player=hover-first``."""
        who = f"player={self.name}" if self.name else f"skill={self.skill:g}"
        return f"human-like:{self.spec.key} {who}"

    def bind(self, env: gym.Env) -> None:
        """Nothing to bind: the player knows only what the screen shows (``core.envs.playing.Player``)."""

    def reset(self, obs: np.ndarray) -> None:
        """Start an episode: the player has seen only the first frame, and holds no key."""
        self._seen.clear()
        self._seen.extend([obs] * (self.hands.delay + 2))
        self._action = self._idle_action()
        self._frames_left = 0

    def act(self, obs: np.ndarray) -> int:
        """The key held during this frame, given what the screen shows now."""
        self._seen.append(obs)
        if self._frames_left > 0:
            self._frames_left -= 1
            return self._action
        intended = int(self.controller(self._perceived()))
        if self._rng.random() < self.hands.slip_rate:
            wrong = [a for a in range(self.spec.n_actions) if a != intended]
            self._action = int(self._rng.choice(wrong))
            low, high = self.hands.slip_frames
            self._frames_left = int(self._rng.integers(low, high + 1)) - 1
        else:
            # A change of key is held (or released) for at least ``hold`` frames; keeping the
            # same key is re-decided on the next frame.
            if intended != self._action:
                self._frames_left = self.hands.hold - 1
            self._action = intended
        return self._action

    def _perceived(self) -> np.ndarray:
        """The state the player believes the env is in now: the delayed frame, extrapolated."""
        before, seen = self._seen[0], self._seen[1]
        return seen + self.hands.anticipation * self.hands.delay * (seen - before)

    def _idle_action(self) -> int:
        return self.spec.idle_actions[0] if self.spec.idle_actions else 0


def make_human_player(env_key: str, skill: float, seed: int | None = None) -> HumanLikePlayer:
    return HumanLikePlayer(get_spec(env_key), skill, seed)


def _measure(env_key: str, skill: float, episodes: int, first_seed: int) -> None:
    from core.envs.playing import play_episodes

    player = make_human_player(env_key, skill, seed=first_seed)
    played = play_episodes(get_spec(env_key), player, range(first_seed, first_seed + episodes))
    returns = [episode.episode_return for episode in played]
    endings = [episode.ending.text for episode in played]
    counts = {text: endings.count(text) for text in dict.fromkeys(endings)}
    print(f"{env_key} skill {skill:g}: {player.hands}")
    print(f"  return mean {np.mean(returns):.1f}, median {np.median(returns):.1f}, std {np.std(returns):.1f}; {counts}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="measure the human-like player at some skills")
    parser.add_argument("--env", default="LunarLander-v3")
    parser.add_argument("--skills", type=float, nargs="+", default=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1000)
    arguments = parser.parse_args()
    for level in arguments.skills:
        _measure(arguments.env, level, arguments.episodes, arguments.seed)
