"""The run folder: every file of a run, its typed records, checkpoints, snapshots and lock (``RunDir``)."""
