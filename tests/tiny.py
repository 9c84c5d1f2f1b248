"""The smallest training run that exercises the whole loop: two envs, one update of two minibatches
a batch of 128 steps, no periodic evaluation. Tests that need a run but not learning use it."""

TINY_SETTINGS = {"num_envs": 2, "num_steps": 64, "num_minibatches": 2, "update_epochs": 1, "eval_every_iters": 0}
# The same as `imitation-studio train` flags.
TINY_FLAGS = [flag for name, value in TINY_SETTINGS.items() for flag in ("--set", f"{name}={value}")]
