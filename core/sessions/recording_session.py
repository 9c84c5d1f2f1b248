"""The Record view's state machine, without Qt: one env played from the keyboard, or one kept
episode replayed, and what to keep.

The view turns key events into ``press`` / ``release`` and the named commands, calls ``advance``
from its timer, and draws ``frame``, ``mode`` and the numbers; everything else is here, so that it
can be tested without a window. Modes:

    WAITING --game key or Space--> PLAYING <--Space--> PAUSED
    PLAYING --the episode ends--> FINISHED --keep or discard--> WAITING
    any --replay an episode--> REPLAY <--Space--> REPLAY_PAUSED
    REPLAY --its end--> REPLAY_DONE --Space: again | game key: PLAYING | Esc: WAITING
"""

from __future__ import annotations

import enum
from collections.abc import Generator
from pathlib import Path

import numpy as np

from core.data.episode import Episode
from core.data.recorder import Recorder
from core.data.replay import (
    NOT_REPLAYABLE,
    REPLAY_OBS_TOLERANCE,
    ReplayStep,
    observation_error,
    replay,
    replay_point,
)
from core.envs.endings import Ending
from core.envs.gamepad import PadState, person_action
from core.envs.keyboard import KeyboardActions
from core.envs.registry import GAME_KEYS, EnvSpec
from core.errors import DemoError, StudioError


class Mode(enum.Enum):
    WAITING = "ready"  # an episode is reset and waits for the first key
    PLAYING = "playing"
    PAUSED = "paused"
    FINISHED = "finished"  # the episode ended: keep or discard
    REPLAY = "replay"
    REPLAY_PAUSED = "replay paused"
    REPLAY_DONE = "replay finished"  # Space replays it again, Esc or a game key goes back to playing


REPLAYING = (Mode.REPLAY, Mode.REPLAY_PAUSED, Mode.REPLAY_DONE)


class RecordingSession:
    """An env played by a person (and recorded), or an episode replayed, in one of the modes above."""

    def __init__(self, spec: EnvSpec, folder: Path) -> None:
        self.spec = spec
        self.recorder = Recorder(spec, folder, source="human", render=True)
        self.keyboard = KeyboardActions(spec)
        self.pad = PadState()  # a gamepad's latest reading: it plays beside the keys
        self.mode = Mode.WAITING
        self.frame: np.ndarray | None = None  # what to show, (H, W, 3) uint8
        self.observation: np.ndarray | None = None  # the state shown (the view marks an agent off the top)
        self.replay_episode: Episode | None = None
        self.replay_step = -1  # the replayed action's index (-1: the start state)
        self.replay_return = 0.0
        self.replay_disc: np.ndarray | None = None  # D(s_t, a_t) along the replayed episode, if scored
        # Where the re-simulation first differs from the recording ("after step 5"; a file changed
        # since, or recorded with another env version): what is shown is then not what trains.
        self.replay_mismatch: str | None = None
        self._replay: Generator[ReplayStep, None, None] | None = None
        self.new_episode()

    @property
    def has_unsaved_episode(self) -> bool:
        """Steps were taken in an episode that is neither kept nor discarded."""
        return self.recorder.started and self.recorder.length > 0

    @property
    def replay_fps(self) -> float:
        return (self.replay_episode.meta.fps if self.replay_episode else 0) or self.spec.fps

    # ----------------------------------------------------------------------------- playing
    def new_episode(self) -> None:
        """Reset the env (a fresh seed) and wait for the first key."""
        self.keyboard.release_all()
        observation = self.recorder.reset()
        self._show(self.recorder.render(), observation)
        self.mode = Mode.WAITING

    def press(self, key: str) -> None:
        """A game key went down: it acts from the next step; any game key starts a waiting episode."""
        if self.mode in (Mode.FINISHED, Mode.REPLAY, Mode.REPLAY_PAUSED):
            return
        if self.mode == Mode.REPLAY_DONE:
            if key not in GAME_KEYS:
                return
            self.new_episode()  # back to playing: this key starts the new episode
        self.keyboard.press(key)
        if self.mode == Mode.WAITING and (key in GAME_KEYS or key in self.spec.key_actions):
            self.mode = Mode.PLAYING

    def release(self, key: str) -> None:
        self.keyboard.release(key)

    def set_pad(self, state: PadState) -> None:
        """A pad reading; pad input starts a waiting episode like a game key."""
        self.pad = state
        if self.mode == Mode.WAITING and state.active:
            self.mode = Mode.PLAYING

    def release_all(self) -> None:
        """Forget every held key (the keyboard went elsewhere: no key-up will come); pause a game."""
        self.keyboard.release_all()
        if self.mode == Mode.PLAYING:
            self.mode = Mode.PAUSED

    def toggle_pause(self) -> None:
        """Space: start, pause or continue the game or the replay; after a replay, replay it again."""
        if self.mode in (Mode.WAITING, Mode.PAUSED):
            self.mode = Mode.PLAYING
        elif self.mode == Mode.PLAYING:
            self.mode = Mode.PAUSED
        elif self.mode == Mode.REPLAY:
            self.mode = Mode.REPLAY_PAUSED
        elif self.mode == Mode.REPLAY_PAUSED:
            self.mode = Mode.REPLAY
        elif self.mode == Mode.REPLAY_DONE and self.replay_episode is not None:
            self.start_replay(self.replay_episode, self.replay_disc)

    def advance(self) -> None:
        """One tick: a game step while playing, a replay step while replaying, else nothing.

        A replay that cannot be re-simulated raises ``StudioError`` and goes back to waiting.
        """
        if self.mode == Mode.PLAYING:
            outcome = self.recorder.step(person_action(self.spec, self.keyboard, self.pad))
            self._show(self.recorder.render(), outcome.observation)
            if outcome.done:
                self.keyboard.release_all()  # key-ups after the end must not show as held
                self.mode = Mode.FINISHED
        elif self.mode == Mode.REPLAY:
            self._replay_tick()

    def ending(self) -> Ending:
        """How the finished episode ended (landed, crashed, time limit ...)."""
        return self.recorder.ending()

    def keep(self) -> Path:
        """Write the finished episode (DemoError, OSError when that fails) and wait for the next."""
        path = self.recorder.keep()
        self.new_episode()
        return path

    def discard(self) -> None:
        """Drop the episode (or stop the replay) and wait for a new one."""
        self.stop_replay()
        self.recorder.discard()
        self.new_episode()

    # ----------------------------------------------------------------------------- replaying
    def start_replay(self, episode: Episode, disc_trace: np.ndarray | None = None) -> None:
        """Re-simulate ``episode`` (dropping the episode being played) from its first state;
        ``disc_trace``: a run's D at each of its steps, shown along the replay. DemoError, with
        nothing changed, for an episode that cannot be re-simulated."""
        if not episode.meta.replayable:
            raise DemoError(NOT_REPLAYABLE)
        self.stop_replay()
        self.recorder.discard()
        self.replay_episode = episode
        self.replay_disc = disc_trace
        self._replay = replay(episode, render=True)
        self.replay_return, self.replay_step, self.replay_mismatch = 0.0, -1, None
        self.mode = Mode.REPLAY
        self._replay_tick()

    def stop_replay(self) -> None:
        if self._replay is not None:
            self._replay.close()  # closes the replay's env
        self._replay = None

    def _replay_tick(self) -> None:
        assert self._replay is not None and self.replay_episode is not None
        try:
            step = next(self._replay)
        except StopIteration:
            self.stop_replay()
            self.keyboard.release_all()
            self.recorder.reset()  # the live episode waits behind the card
            self.mode = Mode.REPLAY_DONE
            return
        except StudioError:
            self.stop_replay()
            self.new_episode()
            raise
        if self.replay_mismatch is None and observation_error(step, self.replay_episode) > REPLAY_OBS_TOLERANCE:
            self.replay_mismatch = replay_point(step.t)
        self._show(step.frame, self.replay_episode.observations[step.t + 1])
        self.replay_step = step.t
        self.replay_return = 0.0 if step.t < 0 else self.replay_return + step.reward

    def _show(self, frame: np.ndarray | None, observation: np.ndarray) -> None:
        self.frame, self.observation = frame, observation

    def close(self) -> None:
        self.stop_replay()
        self.recorder.close()
