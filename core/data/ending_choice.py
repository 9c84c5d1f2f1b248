"""What the demos' endings teach D, decided from the demos themselves: no switch a person must know.

With absorbing states, D learns what an expert's ending looks like from the demos that ended
(``core.train.expert_data``). A person's crash among landings is a slip, not what they meant, so
by default only the endings that went well are expert endings. But when none of the demos ends
well (a beginner's first try, where every episode crashes), there is no good ending to prefer:
left out, D learns that every ending is the policy's, and the policy learns to avoid ending at
all, hovering to the time limit, which is further from the person than their crashes. So their
endings are imitated too, unless lasting to the time limit is itself the game's good ending (a
pole still balanced), where avoiding an ending is what the person was trying to do. An episode
that lasted to a good time limit counts as ending well. The rule is the same for every env; the
Train view and ``train`` say what it decided and why (``EndingChoice.reason``).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.data.demo_set import DemoSet
from core.envs.endings import time_limit_is_a_failure


@dataclass(frozen=True)
class EndingChoice:
    imitate_failed: bool  # the endings of demos that ended badly count as expert endings
    reason: str  # in plain words, for the Train view and train's first lines


def choose_endings(demos: DemoSet, setting: str = "auto") -> EndingChoice:
    """What ``demos``' failed endings teach D: as ``setting`` (the config's ``failed_endings``:
    imitate, ignore) says, or, for ``auto``, decided from how many of the demos end well."""
    episodes = [episode for episode in demos.episodes if episode.ending_demonstrated]
    ended = [episode for episode in episodes if episode.meta.terminated]
    good = sum(not episode.ending.failed for episode in episodes)  # a pole balanced to the limit too
    failed_endings = sum(episode.ending.failed for episode in ended)
    if setting != "auto":
        imitate = setting == "imitate"
        what = "the bad endings are imitated too" if imitate else "only the good endings teach D"
        return EndingChoice(imitate, f"set by failed_endings = {setting}: {what}")
    if not ended:
        return EndingChoice(False, "no demo ends before its time limit: D learns no ending")
    if not failed_endings:
        return EndingChoice(False, f"{_count(len(ended), 'demo')} end well: their endings are imitated")
    if good:
        return EndingChoice(
            False,
            f"{good} of {len(episodes)} demos end well: the policy learns to end as those do, and the other "
            f"{_count(failed_endings, 'ending')} count as slips (the steps before them are still imitated)",
        )
    if not time_limit_is_a_failure(demos.spec):
        return EndingChoice(
            False,
            "none of the demos ends well, and lasting to the time limit is this game's good ending: the "
            "policy learns from the steps, not the endings",
        )
    which = "the one demo did not end well" if len(episodes) == 1 else f"none of the {len(episodes)} demos ended well"
    return EndingChoice(
        True,
        f"{which}: the policy imitates them, endings included "
        "(record an episode that ends well to teach a better ending)",
    )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"
