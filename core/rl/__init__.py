"""Reinforcement learning pieces: networks, GAE, and each update rule (PPO, TRPO, GAIL's D, BC) as tensor functions."""
