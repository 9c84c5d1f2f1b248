"""The Train view: the demo set and settings, the runs of the workspace, the live plots of a run."""
