import pytest
import torch

from core.rl.gae import compute_gae


def column(*values):
    return torch.tensor(values, dtype=torch.float32).unsqueeze(1)


def test_gae_hand_example_with_termination_and_truncation():
    # One env, 4 steps: step 1 terminates, step 3 is cut by a time limit.
    rewards = column(1.0, 2.0, 3.0, 4.0)
    values = column(0.5, 0.4, 0.3, 0.2)
    next_values = column(0.4, 9.9, 0.2, 0.7)  # 9.9 is ignored: step 1 terminated
    terminated = column(0, 1, 0, 0).bool()
    truncated = column(0, 0, 0, 1).bool()
    gamma, lam = 0.9, 0.8
    advantages, returns = compute_gae(rewards, values, next_values, terminated, truncated, gamma, lam)
    d3 = 4.0 + 0.9 * 0.7 - 0.2  # truncated: bootstrap from the final observation's value
    d2 = 3.0 + 0.9 * 0.2 - 0.3
    d1 = 2.0 + 0.0 - 0.4  # terminated: absorbing value 0
    d0 = 1.0 + 0.9 * 0.4 - 0.5
    expected = [d0 + 0.72 * d1, d1, d2 + 0.72 * d3, d3]
    assert advantages.squeeze(1).tolist() == pytest.approx(expected, rel=1e-6)
    assert (returns - advantages).squeeze(1).tolist() == pytest.approx([0.5, 0.4, 0.3, 0.2])


def test_absorbing_value_replaces_the_terminal_bootstrap():
    rewards, values = column(1.0), column(0.0)
    advantages, _ = compute_gae(
        rewards, values, column(5.0), column(1).bool(), column(0).bool(), 0.9, 0.95, absorbing_value=-10.0
    )
    assert advantages.item() == pytest.approx(1.0 - 9.0)


def test_each_ending_can_have_its_own_absorbing_value():
    # Two terminations, valued apart (D judging each ending): a landing and a crash.
    rewards, values = column(0.0, 0.0, 0.0), column(0.0, 0.0, 0.0)
    terminated = column(1, 0, 1).bool()
    absorbing = column(-1.0, 0.0, -50.0)
    advantages, _ = compute_gae(
        rewards, values, column(7.0, 0.0, 7.0), terminated, column(0, 0, 0).bool(), 0.9, 1.0, absorbing_value=absorbing
    )
    assert advantages.squeeze(1).tolist() == pytest.approx([-0.9, 0.9 * 0.0 + 0.9 * -45.0, -45.0])
