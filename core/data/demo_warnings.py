"""What to tell a person about the demos before training on them, in one line each.

GAIL imitates how the demos were played, slips included; with the default settings only the
endings that went well teach D what an ending should look like. A set where most episodes ended
badly then trains on few (or no) examples of a good ending, and behaviour cloning copies every
action, the crashes' included: the Train view and ``train`` say so first.
"""

from __future__ import annotations

from collections import Counter

from core.data.demo_set import DemoSet


def bad_endings_warning(demos: DemoSet, endings_imitated: bool = False, say_what: bool = True) -> str | None:
    """A warning when more than half of ``demos`` ended badly (a crash, a fall), else None.

    ``endings_imitated``: the learner copies the bad endings too (behaviour cloning, or GAIL when
    ``core.data.ending_choice`` imitates them), not only the steps before them. ``say_what``
    False: leave that part out (the Train view says it on the line above, from the ending choice)."""
    endings = [episode.ending for episode in demos.episodes]
    failed = [ending for ending in endings if ending.failed]
    if not endings or 2 * len(failed) <= len(endings):
        return None
    common = Counter(ending.text for ending in failed).most_common(1)[0][0]
    good = len(endings) - len(failed)
    if endings_imitated:
        what = "The policy imitates them, their endings included"
    elif good:
        what = f"Their steps are imitated, their endings are not, so the {good} that ended well show how to end"
    else:
        what = "Their steps are imitated, their endings are not, and none ended well to show how to end"
    demos_word = "demo" if len(endings) == 1 else "demos"
    what = f"{what}: record" if say_what else "Record"
    return (
        f"{len(failed)} of {len(endings)} {demos_word} ended badly (most: {common}; mean return "
        f"{demos.returns.mean():.1f}). {what} a few more good ones, or train from the samples."
    )
