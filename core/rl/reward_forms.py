"""The forms of GAIL's imitation reward: one table, read by the config, the CLI and the Train view.

Torch-free, so that the command line's choices cost no torch import; ``core.rl.gail.imitation_reward``
computes each form, and mypy checks (``assert_never``) that it handles every name listed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

RewardForm = Literal["log-d", "neg-log-one-minus-d", "logit"]


@dataclass(frozen=True)
class RewardFormInfo:
    """How one form reads: its formula (what the Train view's box shows) and its plain words."""

    formula: str
    meaning: str


# D(s, a) is the discriminator's belief that a step came from the demos; each form turns it into
# the reward the policy maximises.
REWARD_FORMS: dict[RewardForm, RewardFormInfo] = {
    "log-d": RewardFormInfo("ln D", "rewards steps that look like the demos (each step costs a little)"),
    "neg-log-one-minus-d": RewardFormInfo("-ln(1 - D)", "rewards steps unlike the policy's (each step earns a little)"),
    "logit": RewardFormInfo("ln D - ln(1 - D)", "both: positive where a step looks like the demos"),
}
assert tuple(REWARD_FORMS) == get_args(RewardForm), "every reward form has its row, in the Literal's order"
