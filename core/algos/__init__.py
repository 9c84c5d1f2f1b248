"""One update rule per module: PPO (clip and adaptive-KL penalty), TRPO, GAIL's discriminator, BC.

Each takes tensors and returns a loss (and small stats); none owns envs, files or optimizers.
"""
