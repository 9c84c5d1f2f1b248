"""The Help menu's pages: the keys of every view, how imitation works here, and About.

Plain functions that return HTML, so that tests can read them and the menu shows them through
the injectable ``Dialogs.document``.
"""

from __future__ import annotations

import platform
from pathlib import Path

import core
from core.envs.registry import REGISTRY


def keys_page() -> str:
    """Every key of every view, and each env's game keys."""
    rows = [
        ("Record", "Space", "start, pause or continue the episode; pause, continue or repeat a replay"),
        ("Record", "a game key", "starts the episode (the legend lists each env's keys)"),
        ("Record", "R", "restart (drops the current episode)"),
        ("Record", "Esc", "discard the episode, or stop a replay"),
        ("Record", "Enter / Backspace", "keep / discard a finished episode"),
        ("Record", "Delete button, Ctrl+Z", "move an episode aside, bring it back"),
        ("Record", "click the game, or Tab", "give the keys back to the game"),
        ("Train", "Start, Pause, Stop", "Stop saves a checkpoint; Resume in the run list continues it"),
        ("Watch", "the run picker", "choose which run's policy plays"),
        ("Watch", "the timeline slider", "play the policy as it was at a kept step, from the same start"),
        ("Watch", "Progress reel", "one episode by the policy at 0, 25, 50 and 100 % of training"),
        ("Watch", "Save video…", "an MP4 or GIF of the policy shown (beside its demo, if shown)"),
        ("Coach", "a game key, or the pad", "take over from the policy; let go to hand back after half a second"),
        ("Coach", "H", "hand back to the policy now"),
        ("Coach", "Enter / Backspace", "keep the episode as a correction / discard it"),
        ("Coach", "Space", "pause or continue"),
        ("Everywhere", "Ctrl+1 ... Ctrl+4", "Record, Train, Watch, Coach"),
        ("Everywhere", "Ctrl+O, Ctrl+Q, F1", "open a workspace, quit, this help"),
    ]
    table = "".join(f"<tr><td>{view}</td><td><b>{keys}</b></td><td>{effect}</td></tr>" for view, keys, effect in rows)
    games = []
    for spec in REGISTRY.values():
        keys = ", ".join(f"<b>{keys}</b> {effect}" for keys, effect in spec.key_legend())
        games.append(f"<li><b>{spec.display_name}</b>: {keys}</li>")
    return (
        "<h3>Keys</h3><table cellpadding='3'><tr><th align='left'>View</th><th align='left'>Key</th>"
        f"<th align='left'>What it does</th></tr>{table}</table>"
        f"<h3>Game keys per environment</h3><ul>{''.join(games)}</ul>"
        "<p>The game takes the keys while its frame has a blue border; losing the keyboard pauses it.</p>"
    )


def imitation_page() -> str:
    """What happens between recording and watching, in a student's words."""
    return (
        "<h3>How imitation works here</h3>"
        "<p><b>1. You demonstrate.</b> In Record you play the game; every kept episode is a list of "
        "what you saw (the state) and which key you pressed (the action).</p>"
        "<p><b>2. A policy plays.</b> The policy is a small neural network that picks an action for "
        "each state. At first it plays at random.</p>"
        "<p><b>3. A discriminator D judges.</b> D is a second network that looks at one step, a state "
        "and an action, and says how likely it came from your demos (1) rather than from the policy (0). "
        "It is trained to tell the two apart; the D panel shows its verdicts on both.</p>"
        "<p><b>4. The policy is rewarded for fooling D.</b> The policy never sees the game's score: "
        "its reward for a step is high when D believes the step is yours (ln D, for instance). PPO or "
        "TRPO improves the policy on that reward, in small safe steps. This is GAIL, generative "
        "adversarial imitation learning.</p>"
        "<p><b>5. Repeat.</b> As the policy gets better, D must look closer, and the policy follows "
        "until D cannot tell it from you: D near 0.5 on both. The return panel shows the game's real "
        "score next to your demos' mean, so you see whether it learned what you did.</p>"
        "<p><b>Behaviour cloning</b> (the baseline) instead copies your action in each demo state, "
        "like supervised learning. It needs no env steps, but once the policy drifts into a state you "
        "never visited it has nothing to copy: compare the two in Train.</p>"
        "<p><b>It imitates you, mistakes included.</b> Shaky or late flying is copied as it was. "
        "When some of your demos end well, only those show how an episode should end: a crash among "
        "them counts as a slip, though the flying before it is still copied. When none ends well (a "
        "first try), the crashes are copied too, since there is no better ending to learn; the line "
        "under the demo set in Train says which applies. Keep the episodes you want repeated.</p>"
    )


def about_page(device: str, workspace: Path, qt_version: str, pyside_version: str) -> str:
    """Versions, the device training uses, and where this workspace lives."""
    import gymnasium
    import numpy
    import pyqtgraph
    import torch

    rows = (
        ("Imitation Studio", core.__version__),
        ("Python", platform.python_version()),
        ("torch", torch.__version__),
        ("gymnasium", gymnasium.__version__),
        ("numpy", numpy.__version__),
        ("PySide6 / Qt", f"{pyside_version} / {qt_version}"),
        ("pyqtgraph", pyqtgraph.__version__),
        ("Training device (auto)", device),
        ("Workspace", str(workspace)),
        ("System", platform.platform()),
    )
    table = "".join(f"<tr><td><b>{name}</b></td><td>{value}</td></tr>" for name, value in rows)
    return (
        "<h3>Imitation Studio</h3><p>Record demonstrations, train GAIL or behaviour cloning on them, and "
        f"watch the policy learn, live.</p><table cellpadding='3'>{table}</table>"
    )
