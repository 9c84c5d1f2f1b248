"""Coach mode without Qt: the policy plays, the person takes over where it goes wrong, and an
episode with a takeover is kept as a correction (interactive imitation, as in HG-DAgger: only the
stretches the person controlled become new demonstrations).

Who is in control: the policy, until the person uses a game key or the pad; the person then, while
any input is held and for ``HAND_BACK_S`` after the last one is let go (time to coast without a
key), or until ``hand_back``. The file keeps every action of the episode, the policy's and the
person's, so it replays from its reset seed like any demo; ``person_acted`` says which were whose,
and ``policy_actions`` what the policy would have done at each step.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.data.episode import CORRECTION
from core.data.recorder import Recorder
from core.envs.endings import Ending
from core.envs.gamepad import PadState, person_action
from core.envs.keyboard import KeyboardActions
from core.envs.registry import Action, EnvSpec, get_spec
from core.rl.nets import ActorCritic
from core.train.runs.run_dir import RunDir

HAND_BACK_S = 0.5


class Control(enum.Enum):
    POLICY = "policy"
    PERSON = "you"


@dataclass(frozen=True)
class CoachStep:
    t: int  # index of the action just taken
    control: Control  # who took it
    done: bool
    terminated: bool
    episode_return: float
    policy_action: Action  # what the policy proposed (taken when it was in control)


class CoachSession:
    """One env played by a policy, with the person able to take over at any step."""

    def __init__(
        self,
        policy: ActorCritic,
        spec: EnvSpec,
        folder: Path,
        detail: str = "",
        deterministic: bool = True,
        seed: int | None = None,
        render: bool = True,
    ) -> None:
        self.spec = spec
        self.policy = policy.cpu().eval()
        self.deterministic = deterministic
        self.recorder = Recorder(spec, folder, source=CORRECTION, render=render, source_detail=detail, seed=seed)
        self.keyboard = KeyboardActions(spec)
        self.pad = PadState()
        self.control = Control.POLICY
        self.takeovers = 0  # in this episode
        self.hand_back_steps = max(1, round(HAND_BACK_S * spec.fps))
        self._quiet_steps = 0  # steps of the person's control with nothing held
        self.frame: np.ndarray | None = None
        self.reset()

    @classmethod
    def from_run(cls, run_dir: Path, folder: Path, **options: object) -> CoachSession:
        """Coach the latest checkpoint of a run; corrections go to ``folder``."""
        run = RunDir(Path(run_dir))
        policy, config = run.load_policy()
        return cls(policy, get_spec(config.env), folder, detail=f"coached run {run.name}", **options)  # type: ignore[arg-type]

    # ----------------------------------------------------------------------------- episode
    @property
    def done(self) -> bool:
        return self.recorder.done

    @property
    def person_steps(self) -> int:
        return self.recorder.person_steps

    @property
    def length(self) -> int:
        return self.recorder.length

    def ending(self) -> Ending:
        """How the finished episode ended (landed, crashed, time limit ...)."""
        return self.recorder.ending()

    @property
    def episode_return(self) -> float:
        return self.recorder.episode_return

    @property
    def reset_seed(self) -> int:
        return self.recorder.reset_seed

    def reset(self, seed: int | None = None) -> None:
        """A new episode (dropping an unkept one), with the policy in control."""
        self.recorder.reset(seed)
        self.keyboard.release_all()
        self.control = Control.POLICY
        self.takeovers = 0
        self._quiet_steps = 0
        self.frame = self.recorder.render() if self.recorder.render_enabled else None

    def keep(self) -> Path | None:
        """Write the finished episode as a correction; one the person never acted in is dropped
        (it holds no demonstration) and None is returned."""
        if self.person_steps == 0:
            self.recorder.discard()
            return None
        return self.recorder.keep()

    def discard(self) -> None:
        self.recorder.discard()

    def close(self) -> None:
        self.recorder.close()

    # ----------------------------------------------------------------------------- input
    def press(self, key: str) -> None:
        """A game key went down: the person takes over (keys the env does not map are ignored)."""
        if key in self.spec.key_actions:
            self.keyboard.press(key)
            self._take_over()

    def release(self, key: str) -> None:
        self.keyboard.release(key)

    def set_pad(self, state: PadState) -> None:
        """The pad's latest reading (always kept: it is the pad's state); any input on it is a
        takeover, like a key, while the episode runs."""
        self.pad = state
        if state.active and not self.done:
            self._take_over()

    def hand_back(self) -> None:
        """Give control back to the policy now."""
        self.keyboard.release_all()
        self.control = Control.POLICY

    def release_all(self) -> None:
        """The keyboard went elsewhere (no key-ups will come)."""
        self.keyboard.release_all()

    def _take_over(self) -> None:
        if self.control is Control.POLICY and not self.done:
            self.control = Control.PERSON
            self.takeovers += 1
        self._quiet_steps = 0

    @property
    def person_input_held(self) -> bool:
        return any(key in self.spec.key_actions for key in self.keyboard.held) or self.pad.active

    # ----------------------------------------------------------------------------- stepping
    @torch.no_grad()
    def policy_action(self) -> Action:
        pixels = self.spec.pixels
        history = self.recorder.recent_observations(pixels.history_length() if pixels is not None else 1)
        obs = torch.as_tensor(self.spec.latest_input(history).reshape(1, -1))
        action, _, _ = self.policy.act(obs, deterministic=self.deterministic)
        return self.spec.check_action(action[0].numpy())

    def step(self, coach_action: Action | None = None) -> CoachStep:
        """One env step: the person's action while they are in control, else the policy's.

        ``coach_action`` is a takeover for this step with that action (a simulated coach, which
        hands back with ``hand_back``)."""
        proposed = self.policy_action()
        if coach_action is not None:
            self._take_over()
        control = self.control
        if coach_action is not None:
            action = coach_action
        elif control is Control.PERSON:
            held = self.person_input_held
            action = person_action(self.spec, self.keyboard, self.pad)
            self._quiet_steps = 0 if held else self._quiet_steps + 1
            if self._quiet_steps >= self.hand_back_steps:
                self.control = Control.POLICY  # from the next step
        else:
            action = proposed
        outcome = self.recorder.step(action, proposed, by_person=control is Control.PERSON)
        if self.recorder.render_enabled:
            self.frame = self.recorder.render()
        if outcome.done:
            self.keyboard.release_all()
            self.control = Control.POLICY
        return CoachStep(self.length - 1, control, outcome.done, outcome.terminated, self.episode_return, proposed)
