import functools

import pytest
import torch
import torch.nn.functional as F

from core.envs.registry import get_spec
from core.rl import gail
from core.rl.nets import Discriminator
from core.rl.reward_forms import REWARD_FORMS
from core.train.settings.config import REWARDS


def test_reward_forms_have_the_stated_signs():
    logits = torch.linspace(-5, 5, 11)
    assert (gail.imitation_reward(logits, "log-d") < 0).all()
    assert (gail.imitation_reward(logits, "neg-log-one-minus-d") > 0).all()
    logit_reward = gail.imitation_reward(logits, "logit")
    assert (logit_reward[logits > 0] > 0).all() and (logit_reward[logits < 0] < 0).all()
    # All three grow with D.
    for form in ("log-d", "neg-log-one-minus-d", "logit"):
        assert (torch.diff(gail.imitation_reward(logits, form)) > 0).all()
    # ln D - ln(1 - D) equals the logit.
    d = torch.sigmoid(logits)
    torch.testing.assert_close(torch.log(d) - torch.log(1 - d), logit_reward, atol=1e-4, rtol=1e-4)


def test_every_form_of_the_table_is_computed_and_offered_by_the_config():
    logits = torch.tensor([-1.0, 0.0, 2.0])
    assert tuple(REWARD_FORMS) == REWARDS
    for form in REWARD_FORMS:
        assert gail.imitation_reward(logits, form).shape == (3,)
    with pytest.raises(AssertionError):
        gail.imitation_reward(logits, "ln-d")  # type: ignore[arg-type]  # a name outside the table


def test_seed_objective_and_bce_agree_on_hand_values():
    logit_real, logit_fake = torch.tensor([0.0]), torch.tensor([0.0])  # D = 0.5 both
    assert gail.seed_objective(logit_real, logit_fake).item() == torch.log(torch.tensor(0.25)).item()
    assert abs(gail.bce_loss(logit_real, logit_fake).item() - 2 * 0.6931472) < 1e-6


def test_discriminator_separates_separable_data():
    torch.manual_seed(0)
    spec = get_spec("CartPole-v1")
    disc = Discriminator(spec, hidden=32, normalize_obs=False)
    optimizer = torch.optim.Adam(disc.parameters(), lr=3e-3)
    # Unlike sets (other centres, spreads and sizes), so that swapping expert and policy anywhere
    # in the loss would show.
    expert_obs = 0.5 * torch.randn(256, 4) + torch.tensor([2.0, 0.0, 0.0, 0.0])
    policy_obs = 1.5 * torch.randn(128, 4) + torch.tensor([0.0, -1.0, 0.0, 0.0])
    expert_actions, policy_actions = torch.randint(2, (256,)), torch.randint(2, (128,))
    for _ in range(200):
        loss = gail.bce_loss(disc(expert_obs, expert_actions), disc(policy_obs, policy_actions))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        assert torch.sigmoid(disc(expert_obs, expert_actions)).mean() > 0.9
        assert torch.sigmoid(disc(policy_obs, policy_actions)).mean() < 0.1


def test_per_action_discriminator_scores_the_taken_action():
    disc = Discriminator(get_spec("LunarLander-v3"), hidden=8, normalize_obs=False)
    obs = torch.randn(5, 8)
    everything = disc.net(disc.inputs(obs, torch.zeros(5, dtype=torch.long)))
    actions = torch.tensor([0, 1, 2, 3, 1])
    torch.testing.assert_close(disc(obs, actions), everything[range(5), actions])


def test_gradient_penalty_is_zero_for_a_constant_function():
    inputs = torch.randn(4, 3, requires_grad=True)
    logits = (inputs * 0).sum(-1) + 1.0
    assert gail.gradient_penalty(inputs, logits).item() == 0.0


@pytest.mark.parametrize("env", ["LunarLander-v3", "LunarLanderContinuous-v3"])
def test_d_learns_to_tell_the_demos_endings_from_other_endings(env):
    from core.data.demo_set import load_demo_set
    from core.paths import sample_demos_dir
    from core.train.settings.config import default_config
    from core.train.trainer import Trainer

    torch.manual_seed(0)
    config = default_config(env, disc_judges_endings=True, rollout_process=False)
    trainer = Trainer(config, load_demo_set(sample_demos_dir(env)))
    expert_ends = trainer.expert_end_obs
    assert len(expert_ends) >= 5  # the sample demos land
    assert trainer.disc.ending_logits(expert_ends).shape == (len(expert_ends),)
    crashes = expert_ends.clone()
    crashes[:, 3] -= 1.5  # falling fast when the episode ended
    crashes[:, 6:8] = 0.0  # no leg on the ground
    for _ in range(300):
        loss = gail.ending_loss(trainer.disc, expert_ends, crashes, config.disc_grad_penalty)
        trainer.disc_optimizer.zero_grad()
        loss.backward()
        trainer.disc_optimizer.step()
    with torch.no_grad():
        assert torch.sigmoid(trainer.disc.ending_logits(expert_ends)).mean() > 0.7
        assert torch.sigmoid(trainer.disc.ending_logits(crashes)).mean() < 0.3
    # The absorbing state after a crash is then worth less than after a landing (ln D <= 0).
    ending_rewards = functools.partial(trainer.imitation._ending_rewards, trainer.disc)
    landing_reward, crash_reward = ending_rewards(expert_ends), ending_rewards(crashes)
    assert float(crash_reward.max()) < float(landing_reward.min()) <= 0


def test_the_gradient_penalty_of_a_linear_logit_is_the_squared_weight_norm():
    # logit = w . x has gradient w everywhere: E ||grad||^2 = ||w||^2, wherever it is measured.
    w = torch.tensor([3.0, -4.0, 1.0])
    expert, policy = torch.randn(64, 3), torch.randn(64, 3) + 5.0
    penalty = gail.interpolated_gradient_penalty(expert, policy, lambda x: x @ w)
    assert float(penalty) == pytest.approx(26.0)


def test_d_on_endings_uses_the_objective_d_uses():
    torch.manual_seed(0)
    spec = get_spec("LunarLander-v3")
    disc = Discriminator(spec, hidden=16, normalize_obs=False, judges_endings=True)
    expert_ends, policy_ends = torch.randn(5, 8), torch.randn(3, 8)
    with torch.no_grad():
        e = disc.ending_logits(expert_ends)
        p = disc.ending_logits(policy_ends)
        seed_f = gail.ending_loss(disc, expert_ends, policy_ends, grad_penalty=0.0, objective="seed-f")
        bce = gail.ending_loss(disc, expert_ends, policy_ends, grad_penalty=0.0, objective="bce")
    assert float(seed_f) == pytest.approx(float(-F.softplus(e).mean() - F.softplus(-p).mean()), rel=1e-5)
    assert float(bce) == pytest.approx(float(F.softplus(-e).mean() + F.softplus(p).mean()), rel=1e-5)
