"""What the demos' endings teach D, decided from the demos themselves: no switch a person must know.

With absorbing states, D learns what an expert's ending looks like from the demos that ended
(``core.train.expert_data``). A person's crash among landings is a slip, not what they meant, so
by default only the endings that went well are expert endings. But when none of the demos ends
well (a beginner's first try, where every episode crashes), there is no good ending to prefer:
left out, D learns that every ending is the policy's, and the policy learns to avoid ending at
all, hovering to the time limit, which is further from the person than their crashes. So their
endings are imitated too. The rule is the same for every env; the Train view and ``train`` say
what it decided and why (``EndingChoice.reason``).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.data.demo_set import DemoSet


@dataclass(frozen=True)
class EndingChoice:
    imitate_failed: bool  # the endings of demos that ended badly count as expert endings
    reason: str  # in plain words, for the Train view and train's first lines


def choose_endings(demos: DemoSet, setting: str = "auto") -> EndingChoice:
    """What ``demos``' failed endings teach D: as ``setting`` (the config's ``failed_endings``:
    imitate, ignore) says, or, for ``auto``, decided from how many of the demos that ended ended well."""
    ended = [episode for episode in demos.episodes if episode.meta.terminated and episode.ending_demonstrated]
    good = sum(not episode.ending.failed for episode in ended)
    failed = len(ended) - good
    if setting != "auto":
        imitate = setting == "imitate"
        what = "imitated, as the crashes are" if imitate else "learnt from the good endings only"
        return EndingChoice(imitate, f"endings: {what} (failed_endings = {setting})")
    if not ended:
        return EndingChoice(False, "no demo ends before its time limit: D learns no ending")
    if not failed:
        return EndingChoice(False, f"{_count(good, 'demo')} end well: their endings are imitated")
    if good:
        return EndingChoice(
            False,
            f"{good} of {len(ended)} demos end well: the policy learns to end as those do, and the other "
            f"{_count(failed, 'ending')} count as slips (the steps before them are still imitated)",
        )
    which = "the one demo that ended did not" if len(ended) == 1 else f"none of the {len(ended)} demos that ended"
    return EndingChoice(
        True,
        f"{which} end well: the policy imitates them, endings included "
        "(record an episode that ends well to teach a better ending)",
    )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"
