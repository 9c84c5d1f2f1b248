"""Training: the config, the events, the trainer loop, its processes, evaluation, run folders, playback."""
