"""What the Watch view says: the info line over the frames, the captions in them, the card at an episode's end."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.gui.widgets.wording import count
from core.data.demo_set import DemoSet
from core.data.episode import Episode
from core.envs.endings import classify_ending
from core.envs.registry import EnvSpec
from core.errors import StudioError
from core.sessions.playback import PlayStep
from core.train.runs.records import FinalEval
from core.train.runs.run_dir import RunDir
from core.train.settings.config import TrainConfig
from core.train.shortfall import shortfall_reason

NO_POLICY = "No policy yet: start training in the Train view, or open a run there."


@dataclass(frozen=True)
class EpisodeEnd:
    summary: str  # for the info line: its return, length and ending
    title: str  # the card's
    text: str  # the card's


def run_shortfall(
    run: RunDir, config: TrainConfig, env_steps: int, final: FinalEval | None, demos: DemoSet | None
) -> str:
    """Why a finished run's policy plays worse than its demos (empty when it does not, or the run
    has not finished), with D's accuracy in its last iteration."""
    if final is None or demos is None:
        return ""
    try:
        records = run.metrics()
    except StudioError:
        records = []
    accuracy = records[-1].get("disc_accuracy") if records else None
    reason = shortfall_reason(final, demos, accuracy if isinstance(accuracy, float) else None, config, env_steps)
    return f"⚠ {reason}" if reason else ""


def info_text(policy_label: str, mode_note: str, newer_label: str | None, beside_demo: bool, last_episode: str) -> str:
    """The line over the frames: the policy watched and how it acts, a newer one waiting, the last episode."""
    text = f"Watching the {policy_label}. {mode_note}".rstrip()
    if newer_label is not None:
        text += f" Newer: {newer_label}, from the next episode."
    if beside_demo:
        text += " Beside a demonstration, each episode starts from the demo's own start."
    if last_episode:
        text += f" Last episode: {last_episode}."
    return text


def policy_caption(step: PlayStep) -> str:
    """The caption in the policy's frame: its time step, return and D (when it has a D)."""
    disc = f" · D {step.disc_value:.2f}" if np.isfinite(step.disc_value) else ""
    return f"policy · t {step.t + 1} · return {step.episode_return:.1f}{disc}"


def demo_caption(episode: Episode | None, t: int, episode_return: float) -> str:
    """The caption in the demonstration's frame: its file, time step and return so far."""
    name = episode.path.name if episode is not None and episode.path else "demo"
    return f"demonstration {name} · t {t + 1} · return {episode_return:.1f}"


def episode_end(spec: EnvSpec, step: PlayStep, demo_return: float | None) -> EpisodeEnd:
    """The policy's finished episode (its last step), beside the demonstration's return when one is shown."""
    ending = classify_ending(spec, step.observation, step.reward, step.terminated)
    steps = count(step.t + 1, "step")
    demo = f"The demonstration: {demo_return:.1f}. " if demo_return is not None else ""
    return EpisodeEnd(
        summary=f"return {step.episode_return:.1f} in {steps}: {ending.text}",
        title=f"Return {step.episode_return:.1f}: {ending.text}",
        text=f"{steps}. {demo}Next episode in a moment.",
    )
