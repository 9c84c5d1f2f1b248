"""The Watch view: a run's policy playing, D along its frames, the timeline of kept snapshots."""
