"""The Record view: play an env by keyboard or pad, keep episodes, replay and curate them."""
