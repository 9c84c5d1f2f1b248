"""Every number a training iteration reports, declared once: its key, a label and its unit.

The trainer's ``IterationStats.scalars`` and each line of ``metrics.jsonl`` use these keys; the
Train view's plots draw them by key and explain each curve with its ``meaning`` (the panels'
tooltips). Tests run each generator and check that it reports no key, and that the plots draw
none, not declared here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "" when the number has none (a probability, a ratio, a loss)
    meaning: str


METRICS: dict[str, Metric] = {
    metric.key: metric
    for metric in (
        # What every line of metrics.jsonl starts with.
        Metric("iteration", "iteration", "", "training iterations done (BC: epochs)"),
        Metric("env_steps", "env steps", "steps", "environment steps taken so far"),
        Metric("wall_time_s", "training time", "s", "time spent training, without start-up"),
        # The discriminator.
        Metric("disc_loss", "D's loss", "", "D's objective (BCE or the seed's F) with its penalties"),
        Metric("disc_expert", "D on expert", "", "mean D(s, a) on demo pairs: 1 means 'looks like the demos'"),
        Metric("disc_policy", "D on policy", "", "mean D(s, a) on the policy's pairs"),
        Metric("disc_acc_expert", "D's accuracy on expert", "", "share of demo pairs D scores above 0.5"),
        Metric("disc_acc_policy", "D's accuracy on policy", "", "share of policy pairs D scores below 0.5"),
        Metric("disc_accuracy", "D's accuracy", "", "mean of the two accuracies"),
        Metric("disc_end_expert", "D on the demos' endings", "", "mean D_end on the states demo episodes ended in"),
        Metric("disc_end_policy", "D on the policy's endings", "", "mean D_end on the states the policy's ended in"),
        # The imitation reward.
        Metric("imitation_reward", "mean reward u", "", "mean imitation reward per step, from D"),
        Metric(
            "mixed_reward",
            "mean mixed reward",
            "",
            "w_imitation * u + w_env * r_env per step (imitation + task reward)",
        ),
        Metric("absorbing_reward", "absorbing reward", "", "mean reward of the absorbing state after an ending"),
        # The generator's update.
        Metric("approx_kl", "KL", "nats", "KL(pi_old || pi_new) of the update, on the whole batch"),
        Metric("clip_fraction", "clip fraction", "", "share of samples whose ratio was clipped (last epoch)"),
        Metric("kl_beta", "beta", "", "the KL penalty's weight in PPO adaptive-KL, before this update"),
        Metric("trpo_step_fraction", "TRPO step fraction", "", "share of the full step taken (0: rejected)"),
        Metric("trpo_improvement", "TRPO improvement", "", "gain of the surrogate L from the step taken"),
        Metric("entropy", "entropy", "nats", "mean entropy of the policy on the batch"),
        Metric("value_loss", "value loss", "", "the critic's loss"),
        Metric("policy_loss", "policy loss", "", "PPO's surrogate loss"),
        Metric("bc_loss", "BC loss", "nats", "mean -ln pi(a_demo | s_demo): the BC term, or BC's own loss"),
        Metric("explained_variance", "explained variance", "", "1 - Var(returns - V) / Var(returns)"),
        Metric("learning_rate", "learning rate", "", "the generator's learning rate this iteration"),
        # Progress.
        Metric("steps_per_s", "speed", "steps/s", "env steps per second of this iteration, update included"),
        Metric("train_return", "training return", "", "mean env return of the training episodes that ended"),
        Metric("train_length", "training length", "steps", "mean length of the training episodes that ended"),
        Metric("eval_return", "evaluation return", "", "mean env return of deterministic evaluation episodes"),
        Metric("eval_length", "evaluation length", "steps", "mean length of the evaluation episodes"),
        Metric(
            "eval_return_sampled",
            "evaluation return (sampled)",
            "",
            "mean env return of the same evaluation's episodes with the policy sampling its actions",
        ),
    )
}


def label_of(key: str) -> str:
    """The label with its unit, for axes and readouts: "speed (steps/s)"."""
    metric = METRICS[key]
    return f"{metric.label} ({metric.unit})" if metric.unit else metric.label
