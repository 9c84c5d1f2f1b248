"""Demonstrations: the episode format, its files, demo sets, replay, recording, the workspace."""
